// Batching: buffered samples in, notification-sized packets out (docs/wire-format.md, *Batching
// and MTU*). The sensor side only ever pushes; the radio side builds a packet when it can and
// commits it once the radio took it, so a notification that was not sent loses nothing: its
// records stay buffered and go in the next packet built. Only when the radio falls so far
// behind that the buffer is full are the oldest samples dropped and counted, and the next IMU
// packet carries the overflow flag; seq numbers were given at push time, so the client sees
// the gap.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "packet.h"
#include "wire.h"
#include "ring_buffer.h"

namespace neckimu {

class Streamer {
 public:
  static constexpr size_t kImuCapacity = 256;   // samples: 1.3 s at 200 Hz, 2.2 s at 119 Hz
  static constexpr size_t kMagCapacity = 16;    // records: 0.8 s at 20 Hz
  static constexpr size_t kEventCapacity = 8;

  // Sets the batch size for an output rate, Hz: floor(40 ms * rate), at least 1.
  void configure(uint16_t rate_hz);

  // Start streaming: seq := 0, buffers and overflow count cleared.
  void start();
  // Stop streaming; buffered samples are discarded.
  void stop();
  bool streaming() const { return streaming_; }

  // One IMU sample, in time order. `flags`: proto::kFlag{Acc,Gyro}Saturated bits.
  void push_imu(const ImuRecord& r, uint8_t flags);
  // `n` IMU samples were lost before reaching us (sensor FIFO overflow): they take seq numbers.
  void skip_imu(uint32_t n);
  // One magnetometer sample. `flags`: proto::kFlagMagSaturated or 0.
  void push_mag(const MagRecord& r, uint8_t flags);
  // The control command "mark event" arrived at device time t_us.
  void mark_event(uint32_t t_us, uint16_t code);

  // Writes the next packet that is due into `out` (room for `payload` bytes, the MTU - 3) and
  // returns its length, or 0 if nothing is due yet. `now_us`: device time, for the latency bound.
  // Nothing leaves the buffers here: call commit_packet() once the radio accepted the packet.
  // A packet that was not committed is built again (with anything newer) on the next call.
  size_t next_packet(size_t payload, uint32_t now_us, uint8_t* out);
  // The packet last returned by next_packet() was sent: its records leave the buffers. Returns
  // false, and removes nothing, when there is no such packet or the buffers changed since it
  // was built (start, stop, a push, a drop): build it again.
  bool commit_packet();

  size_t batch_target() const { return batch_target_; }
  size_t imu_buffered() const { return imu_.size(); }
  size_t mag_buffered() const { return mag_.size(); }
  uint32_t overflow_count() const { return overflow_count_; }  // samples dropped since start
  uint16_t next_seq() const { return next_seq_; }

 private:
  struct ImuEntry {
    ImuRecord rec;
    uint16_t seq;
    uint8_t flags;
  };
  struct MagEntry {
    MagRecord rec;
    uint16_t seq;  // index the next IMU sample had when this was read
    uint8_t flags;
  };
  struct EventEntry {
    uint32_t t_us;
    uint16_t seq;
    uint16_t code;
  };

  // What the packet last built holds, to remove on commit_packet().
  struct Built {
    bool valid;
    bool event;
    size_t n_imu;
    size_t n_mag;
    uint32_t epoch;
  };

  size_t emit_mag_only(size_t payload, uint8_t* out);
  size_t emit_imu(size_t n, size_t payload, uint8_t* out);
  void note_drop(uint32_t n);
  size_t built(size_t len, bool event, size_t n_imu, size_t n_mag);

  RingBuffer<ImuEntry, kImuCapacity> imu_;
  RingBuffer<MagEntry, kMagCapacity> mag_;
  RingBuffer<EventEntry, kEventCapacity> events_;
  size_t batch_target_ = 4;
  uint16_t next_seq_ = 0;
  uint8_t pending_flags_ = 0;  // overflow, for the next data packet
  uint32_t overflow_count_ = 0;
  uint32_t epoch_ = 0;  // changes whenever the buffers do
  Built built_ = {false, false, 0, 0, 0};
  bool streaming_ = false;
};

}  // namespace neckimu
