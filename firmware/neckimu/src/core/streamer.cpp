#include "streamer.h"

namespace neckimu {

using namespace proto;

namespace {

// a is earlier than b on the wrapping 32-bit device clock
bool before(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) < 0; }

}  // namespace

void Streamer::configure(uint16_t rate_hz) {
  size_t n = static_cast<size_t>(static_cast<uint32_t>(rate_hz) * kMaxLatency_us / 1000000u);
  batch_target_ = n < 1 ? 1 : n;
}

void Streamer::start() {
  ++epoch_;
  imu_.clear();
  mag_.clear();
  events_.clear();
  next_seq_ = 0;
  pending_flags_ = 0;
  overflow_count_ = 0;
  streaming_ = true;
}

void Streamer::stop() {
  ++epoch_;
  imu_.clear();
  mag_.clear();
  events_.clear();
  streaming_ = false;
}

void Streamer::note_drop(uint32_t n) {
  overflow_count_ += n;
  pending_flags_ |= kFlagOverflow;
}

void Streamer::push_imu(const ImuRecord& r, uint8_t flags) {
  if (!streaming_) return;
  ++epoch_;
  if (imu_.push(ImuEntry{r, next_seq_, flags})) note_drop(1);
  ++next_seq_;  // mod 2^16
}

void Streamer::skip_imu(uint32_t n) {
  if (!streaming_ || n == 0) return;
  ++epoch_;
  next_seq_ = static_cast<uint16_t>(next_seq_ + n);
  note_drop(n);
}

void Streamer::push_mag(const MagRecord& r, uint8_t flags) {
  if (!streaming_) return;
  ++epoch_;
  if (mag_.push(MagEntry{r, next_seq_, flags})) note_drop(1);
}

void Streamer::mark_event(uint32_t t_us, uint16_t code) {
  if (!streaming_) return;
  ++epoch_;
  events_.push(EventEntry{t_us, next_seq_, code});  // a flood of marks loses the oldest
}

size_t Streamer::emit_mag_only(size_t payload, uint8_t* out) {
  MagRecord recs[kMaxMagPerPacket] = {};
  uint8_t flags = 0;  // an overflow waits for the next IMU packet, where its seq gap shows
  const MagEntry& first = mag_.front();
  size_t m = 0;
  // Up to three records that are all earlier than the next IMU sample and within 65 535 us.
  while (m < mag_.size() && m < kMaxMagPerPacket && packet_length(0, m + 1) <= payload) {
    const MagEntry& e = mag_.at(m);
    if (e.rec.t_us - first.rec.t_us > 0xFFFFu) break;
    if (!imu_.empty() && !before(e.rec.t_us, imu_.front().rec.t_us)) break;
    recs[m] = e.rec;
    flags |= e.flags;
    ++m;
  }
  if (m == 0) {  // the front record alone, whatever the IMU buffer holds
    recs[0] = first.rec;
    flags |= first.flags;
    m = 1;
  }
  size_t len = encode_data_packet(out, flags, first.seq, nullptr, 0, recs, m, first.rec.t_us);
  return built(len, false, 0, m);
}

size_t Streamer::emit_imu(size_t n, size_t payload, uint8_t* out) {
  ImuRecord imu[kMaxImuPerPacket] = {};
  MagRecord mags[kMaxMagPerPacket] = {};
  const uint32_t t0 = imu_.front().rec.t_us;
  // span_us is a u16: a backlog at a low rate may not all fit in one packet's time span
  while (n > 1 && imu_.at(n - 1).rec.t_us - t0 > 0xFFFFu) --n;
  uint8_t flags = pending_flags_;
  for (size_t i = 0; i < n; ++i) {
    imu[i] = imu_.at(i).rec;
    flags |= imu_.at(i).flags;
  }
  // Magnetometer records ride along if they fall in [t0, t0 + 65535] us and there is room.
  size_t m = 0;
  while (m < mag_.size() && m < kMaxMagPerPacket && packet_length(n, m + 1) <= payload) {
    const MagEntry& e = mag_.at(m);
    if (before(e.rec.t_us, t0) || e.rec.t_us - t0 > 0xFFFFu) break;
    mags[m] = e.rec;
    flags |= e.flags;
    ++m;
  }
  size_t len = encode_data_packet(out, flags, imu_.front().seq, imu, n, mags, m, t0);
  return built(len, false, n, m);
}

size_t Streamer::built(size_t len, bool event, size_t n_imu, size_t n_mag) {
  built_ = Built{len > 0, event, n_imu, n_mag, epoch_};
  return len;
}

bool Streamer::commit_packet() {
  if (!built_.valid || built_.epoch != epoch_) {
    built_.valid = false;
    return false;
  }
  built_.valid = false;
  ++epoch_;
  if (built_.event) {
    events_.pop();
    return true;
  }
  imu_.pop(built_.n_imu);
  mag_.pop(built_.n_mag);
  if (built_.n_imu > 0) pending_flags_ = 0;  // the overflow flag went out with this packet
  return true;
}

size_t Streamer::next_packet(size_t payload, uint32_t now_us, uint8_t* out) {
  built_.valid = false;
  if (!streaming_) return 0;
  if (payload > kMaxPayload) payload = kMaxPayload;
  if (!events_.empty() && payload >= kEventPacketSize) {
    const EventEntry& e = events_.front();
    return built(encode_event_packet(out, e.seq, e.t_us, e.code), true, 0, 0);
  }
  // A magnetometer record older than every buffered IMU sample cannot ride in an IMU packet
  // (offsets count forward from t0): it goes alone, keeping packets in time order.
  if (!mag_.empty() && (imu_.empty() || before(mag_.front().rec.t_us, imu_.front().rec.t_us))) {
    return emit_mag_only(payload, out);
  }
  if (imu_.empty()) return 0;
  const size_t n_max = max_imu_records(payload, 0);
  const bool full_batch = imu_.size() >= batch_target_ || imu_.size() >= n_max;
  const bool overdue =
      static_cast<int32_t>(now_us - imu_.front().rec.t_us) >= static_cast<int32_t>(kMaxLatency_us);
  if (!full_batch && !overdue) return 0;
  // Normally exactly one batch; after a stall, bigger packets (up to the MTU) catch up.
  size_t n = imu_.size() < n_max ? imu_.size() : n_max;
  return emit_imu(n, payload, out);
}

}  // namespace neckimu
