// Control characteristic commands: parsing (firmware) and encoding (tests, golden vectors).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "wire.h"
#include "ring_buffer.h"

namespace neckimu {

struct Command {
  proto::Opcode opcode;
  uint16_t rate_hz;         // kOpSetRate
  uint16_t gyro_range_dps;  // kOpSetRanges
  uint8_t acc_range_g;      // kOpSetRanges
  uint16_t event_code;      // kOpMarkEvent
  bool mag_enabled;         // kOpSetMag
  uint8_t role;             // kOpSetRole: proto::kRoleHead or kRoleTrunk
};

// Parses a write to the control characteristic. Returns false for anything malformed (unknown
// opcode, wrong length, zero rate or range, mag flag other than 0/1, a role other than head/trunk); the firmware ignores it.
bool parse_command(const uint8_t* data, size_t len, Command* out);

// Encodes `c` into `out` (room for proto::kControlMaxSize). Returns the length.
size_t encode_command(const Command& c, uint8_t* out);

// Expected length of a command, bytes (0 for an unknown opcode).
size_t command_length(uint8_t opcode);

// A command as it arrived, with the device time of its arrival (a mark event keeps it).
struct PendingCommand {
  Command cmd;
  uint32_t t_us;
};

// Commands wait here between the BLE write handler and loop(). The handler only queues: it
// can run inside ArduinoBLE's HCI poll loop while the sketch is in the middle of a
// notification (HCI::sendAclPkt polls until the controller has a free buffer), where
// restarting the IMU over I2C or touching the streamer must not happen. loop() applies them.
class CommandQueue {
 public:
  static constexpr size_t kCapacity = 16;

  // Queues `c`, received at `t_us`. Returns false when full: the command is ignored (as a
  // malformed one is) and counted in dropped().
  bool push(const Command& c, uint32_t t_us);
  // Takes the oldest command into `out`. Returns false when there is none.
  bool pop(PendingCommand* out);
  void clear() { q_.clear(); }
  size_t size() const { return q_.size(); }
  uint32_t dropped() const { return dropped_; }

 private:
  RingBuffer<PendingCommand, kCapacity> q_;
  uint32_t dropped_ = 0;
};

}  // namespace neckimu
