#include "control.h"

#include "le.h"

namespace neckimu {

using namespace proto;

size_t command_length(uint8_t opcode) {
  switch (opcode) {
    case kOpStart: return 1;
    case kOpStop: return 1;
    case kOpSetRate: return 3;
    case kOpSetRanges: return 4;
    case kOpMarkEvent: return 3;
    case kOpSetMag: return 2;
    case kOpSetRole: return 2;
    default: return 0;
  }
}

bool parse_command(const uint8_t* data, size_t len, Command* out) {
  if (len == 0) return false;
  const size_t want = command_length(data[0]);
  if (want == 0 || len != want) return false;
  Command c = {};
  c.opcode = static_cast<Opcode>(data[0]);
  switch (c.opcode) {
    case kOpStart:
    case kOpStop:
      break;
    case kOpSetRate:
      c.rate_hz = get_u16(data + 1);
      if (c.rate_hz == 0) return false;
      break;
    case kOpSetRanges:
      c.gyro_range_dps = get_u16(data + 1);
      c.acc_range_g = data[3];
      if (c.gyro_range_dps == 0 || c.acc_range_g == 0) return false;
      break;
    case kOpMarkEvent:
      c.event_code = get_u16(data + 1);
      break;
    case kOpSetMag:
      if (data[1] > 1) return false;
      c.mag_enabled = data[1] == 1;
      break;
    case kOpSetRole:
      if (data[1] != kRoleHead && data[1] != kRoleTrunk) return false;
      c.role = data[1];
      break;
  }
  *out = c;
  return true;
}

size_t encode_command(const Command& c, uint8_t* out) {
  out[0] = c.opcode;
  switch (c.opcode) {
    case kOpSetRate: put_u16(out + 1, c.rate_hz); break;
    case kOpSetRanges:
      put_u16(out + 1, c.gyro_range_dps);
      out[3] = c.acc_range_g;
      break;
    case kOpMarkEvent: put_u16(out + 1, c.event_code); break;
    case kOpSetMag: out[1] = c.mag_enabled ? 1 : 0; break;
    case kOpSetRole: out[1] = c.role; break;
    default: break;
  }
  return command_length(c.opcode);
}

bool CommandQueue::push(const Command& c, uint32_t t_us) {
  if (q_.size() == q_.capacity()) {  // keep the order of what was accepted: refuse the newest
    ++dropped_;
    return false;
  }
  q_.push(PendingCommand{c, t_us});
  return true;
}

bool CommandQueue::pop(PendingCommand* out) {
  if (q_.empty()) return false;
  *out = q_.front();
  q_.pop();
  return true;
}

}  // namespace neckimu
