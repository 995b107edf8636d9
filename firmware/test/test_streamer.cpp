#include <string.h>

#include "../neckimu/src/core/streamer.h"
#include "check.h"

using namespace neckimu;

namespace {

ImuRecord imu_at(uint32_t t) { return ImuRecord{t, {1, 2, 3}, {4, 5, 6}}; }
MagRecord mag_at(uint32_t t) { return MagRecord{t, {7, 8, 9}}; }

// The next packet, taken as the radio took it (built, then committed).
size_t take(Streamer& s, size_t payload, uint32_t now_us, uint8_t* out) {
  const size_t len = s.next_packet(payload, now_us, out);
  if (len > 0) CHECK(s.commit_packet());
  return len;
}

struct Traffic {
  double notifications_per_s;
  double bytes_per_s;
  size_t max_imu_per_packet;
};

// Runs the streamer the way the sketch does (IMU samples, then any magnetometer sample read
// right after them, then drain the packets) for `seconds`, with a 20 Hz magnetometer.
Traffic simulate(uint16_t rate_hz, size_t mtu, double seconds) {
  Streamer s;
  s.configure(rate_hz);
  s.start();
  const uint32_t period_us = 1000000u / rate_hz;
  const uint32_t mag_every = rate_hz / 20u;  // IMU samples per mag sample
  const size_t payload = proto::payload_limit(mtu);
  size_t packets = 0, bytes = 0, max_imu = 0;
  uint8_t buf[proto::kMaxPayload];
  const uint32_t n_samples = static_cast<uint32_t>(seconds * rate_hz);
  uint16_t expect_seq = 0;
  for (uint32_t i = 0; i < n_samples; ++i) {
    uint32_t t = 5000 + i * period_us;
    s.push_imu(imu_at(t), 0);
    if (i % mag_every == 0) s.push_mag(mag_at(t + 150), 0);
    size_t len;
    while ((len = take(s, payload, t + 200, buf)) > 0) {
      DecodedPacket d;
      CHECK(decode_packet(buf, len, &d) == DecodeError::kOk);
      CHECK(len <= payload);
      if (d.n_imu > 0) {
        CHECK_EQ(d.seq, expect_seq);
        expect_seq = static_cast<uint16_t>(expect_seq + d.n_imu);
      }
      if (d.n_imu > max_imu) max_imu = d.n_imu;
      ++packets;
      bytes += len;
    }
  }
  return Traffic{packets / seconds, bytes / seconds, max_imu};
}

}  // namespace

// The throughput table of docs/wire-format.md, recomputed by the batching code itself.
TEST(throughput_matches_protocol_doc) {
  Traffic a = simulate(100, 23, 10.0);
  CHECK_EQ(a.max_imu_per_packet, 1);
  CHECK_EQ(a.notifications_per_s, 120);
  CHECK_EQ(a.bytes_per_s, 2320);
  Traffic b = simulate(200, 23, 10.0);
  CHECK_EQ(b.max_imu_per_packet, 1);
  CHECK_EQ(b.notifications_per_s, 220);
  CHECK_EQ(b.bytes_per_s, 4320);
  Traffic c = simulate(100, 247, 10.0);
  CHECK_EQ(c.max_imu_per_packet, 4);
  CHECK_EQ(c.notifications_per_s, 25);
  CHECK_EQ(c.bytes_per_s, 1610);
  Traffic d = simulate(200, 247, 10.0);
  CHECK_EQ(d.max_imu_per_packet, 8);
  CHECK_EQ(d.notifications_per_s, 25);
  CHECK_EQ(d.bytes_per_s, 2810);
}

TEST(batch_target_is_40_ms) {
  Streamer s;
  s.configure(100);
  CHECK_EQ(s.batch_target(), 4);
  s.configure(119);
  CHECK_EQ(s.batch_target(), 4);
  s.configure(200);
  CHECK_EQ(s.batch_target(), 8);
  s.configure(10);
  CHECK_EQ(s.batch_target(), 1);
}

TEST(nothing_streams_before_start) {
  Streamer s;
  s.configure(100);
  s.push_imu(imu_at(0), 0);
  uint8_t buf[244];
  CHECK_EQ(take(s, 244, 0, buf), 0);
  CHECK_EQ(s.imu_buffered(), 0);
}

TEST(overflow_drops_oldest_keeps_seq_and_sets_flag_once) {
  Streamer s;
  s.configure(200);
  s.start();
  const size_t extra = 10;
  for (uint32_t i = 0; i < Streamer::kImuCapacity + extra; ++i) s.push_imu(imu_at(i * 5000), 0);
  CHECK_EQ(s.overflow_count(), extra);
  uint8_t buf[244];
  DecodedPacket d;
  size_t len = take(s, 244, Streamer::kImuCapacity * 5000, buf);
  CHECK(decode_packet(buf, len, &d) == DecodeError::kOk);
  CHECK_EQ(d.seq, extra);  // the first kept sample keeps its own index
  CHECK(d.flags & (proto::kFlagOverflow >> 4));
  CHECK_EQ(d.n_imu, 14);   // catching up: span_us (u16) limits 5 ms samples to 14 per packet
  CHECK_EQ(d.span_us, 65000);
  len = take(s, 244, Streamer::kImuCapacity * 5000, buf);
  CHECK(decode_packet(buf, len, &d) == DecodeError::kOk);
  CHECK_EQ(d.flags, 0);    // only the first packet after the drop says so
  CHECK_EQ(d.seq, extra + 14);
}

TEST(skip_advances_seq) {
  Streamer s;
  s.configure(200);
  s.start();
  s.push_imu(imu_at(0), 0);
  s.skip_imu(3);
  s.push_imu(imu_at(20000), 0);
  CHECK_EQ(s.overflow_count(), 3);
  uint8_t buf[244];
  DecodedPacket d;
  size_t len = take(s, 20, 100000, buf);  // overdue: sent at MTU 23, one per packet
  CHECK(decode_packet(buf, len, &d) == DecodeError::kOk);
  CHECK_EQ(d.seq, 0);
  len = take(s, 20, 100000, buf);
  CHECK(decode_packet(buf, len, &d) == DecodeError::kOk);
  CHECK_EQ(d.seq, 4);
}

TEST(events_go_first_with_next_seq) {
  Streamer s;
  s.configure(100);
  s.start();
  s.push_imu(imu_at(0), 0);
  s.mark_event(3000, 0x0203);
  uint8_t buf[244];
  DecodedPacket d;
  size_t len = take(s, 244, 3000, buf);
  CHECK_EQ(len, 10);
  CHECK(decode_packet(buf, len, &d) == DecodeError::kOk);
  CHECK(d.event);
  CHECK_EQ(d.seq, 1);
  CHECK_EQ(d.code, 0x0203);
  CHECK_EQ(d.t0_us, 3000);
}

TEST(latency_bound_flushes_a_partial_batch) {
  Streamer s;
  s.configure(200);  // batch 8
  s.start();
  s.push_imu(imu_at(1000), 0);
  s.push_imu(imu_at(6000), 0);
  uint8_t buf[244];
  CHECK_EQ(take(s, 244, 30000, buf), 0);
  CHECK_EQ(take(s, 244, 41000, buf), packet_length(2, 0));
}

TEST(mag_older_than_imu_goes_alone_and_stop_discards) {
  Streamer s;
  s.configure(100);
  s.start();
  s.push_mag(mag_at(100), proto::kFlagMagSaturated);
  s.push_imu(imu_at(200), proto::kFlagGyroSaturated);
  uint8_t buf[244];
  DecodedPacket d;
  size_t len = take(s, 244, 300, buf);
  CHECK(decode_packet(buf, len, &d) == DecodeError::kOk);
  CHECK_EQ(d.n_imu, 0);
  CHECK_EQ(d.n_mag, 1);
  CHECK_EQ(d.seq, 0);
  CHECK_EQ(d.flags, proto::kFlagMagSaturated >> 4);
  s.stop();
  CHECK_EQ(s.imu_buffered(), 0);
  CHECK_EQ(take(s, 244, 1000000, buf), 0);
}

TEST(saturation_flags_are_per_packet) {
  Streamer s;
  s.configure(25);  // batch of 1
  s.start();
  uint8_t buf[244];
  DecodedPacket d;
  s.push_imu(imu_at(0), proto::kFlagAccSaturated);
  decode_packet(buf, take(s, 244, 0, buf), &d);
  CHECK_EQ(d.flags, proto::kFlagAccSaturated >> 4);
  s.push_imu(imu_at(40000), 0);
  decode_packet(buf, take(s, 244, 40000, buf), &d);
  CHECK_EQ(d.flags, 0);
}

TEST(a_packet_not_sent_stays_and_is_sent_later_with_nothing_lost) {
  Streamer s;
  s.configure(100);  // batch 4
  s.start();
  uint8_t first[244], again[244], buf[244];
  for (uint32_t i = 0; i < 4; ++i) s.push_imu(imu_at(i * 10000), 0);
  s.push_mag(mag_at(15000), 0);
  const size_t len = s.next_packet(244, 40000, first);
  CHECK_EQ(len, packet_length(4, 1));
  // the radio did not take it: nothing left the buffers, the same packet comes again
  CHECK_EQ(s.imu_buffered(), 4);
  CHECK_EQ(s.mag_buffered(), 1);
  CHECK_EQ(s.next_packet(244, 40000, again), len);
  CHECK(memcmp(first, again, len) == 0);
  // more samples arrived meanwhile: the packet built next holds the old ones first
  for (uint32_t i = 4; i < 8; ++i) s.push_imu(imu_at(i * 10000), 0);
  CHECK(!s.commit_packet());  // built before the push: refused, nothing removed
  CHECK_EQ(s.imu_buffered(), 8);
  DecodedPacket d;
  uint16_t expect_seq = 0;
  size_t got = 0;
  size_t n;
  while ((n = take(s, 244, 200000, buf)) > 0) {  // all overdue by then
    CHECK(decode_packet(buf, n, &d) == DecodeError::kOk);
    CHECK_EQ(d.seq, expect_seq);
    expect_seq = static_cast<uint16_t>(expect_seq + d.n_imu);
    got += d.n_imu;
  }
  CHECK_EQ(got, 8);
  CHECK_EQ(s.overflow_count(), 0);
}

TEST(commit_without_a_packet_or_after_stop_removes_nothing) {
  Streamer s;
  s.configure(25);  // batch 1
  s.start();
  uint8_t buf[244];
  CHECK(!s.commit_packet());
  s.push_imu(imu_at(0), 0);
  CHECK(s.next_packet(244, 0, buf) > 0);
  CHECK(s.commit_packet());
  CHECK(!s.commit_packet());  // once only
  s.push_imu(imu_at(40000), 0);
  CHECK(s.next_packet(244, 40000, buf) > 0);
  s.stop();  // e.g. the disconnect handler, run from inside the notification
  CHECK(!s.commit_packet());
  s.start();
  s.push_imu(imu_at(80000), 0);
  DecodedPacket d;
  CHECK(decode_packet(buf, take(s, 244, 80000, buf), &d) == DecodeError::kOk);
  CHECK_EQ(d.seq, 0);
}

TEST(the_overflow_flag_waits_for_a_committed_packet) {
  Streamer s;
  s.configure(25);  // batch 1
  s.start();
  uint8_t buf[244];
  DecodedPacket d;
  for (uint32_t i = 0; i < Streamer::kImuCapacity + 1; ++i) s.push_imu(imu_at(i * 40000), 0);
  CHECK_EQ(s.overflow_count(), 1);
  size_t len = s.next_packet(244, 0, buf);  // not sent
  CHECK(decode_packet(buf, len, &d) == DecodeError::kOk);
  CHECK(d.flags & (proto::kFlagOverflow >> 4));
  len = take(s, 244, 0, buf);  // sent: still flagged
  CHECK(decode_packet(buf, len, &d) == DecodeError::kOk);
  CHECK(d.flags & (proto::kFlagOverflow >> 4));
  len = take(s, 244, 0, buf);
  CHECK(decode_packet(buf, len, &d) == DecodeError::kOk);
  CHECK_EQ(d.flags, 0);
}

TEST(an_unsent_event_packet_is_sent_again) {
  Streamer s;
  s.configure(100);
  s.start();
  s.mark_event(1000, 0x0102);
  uint8_t buf[244];
  CHECK_EQ(s.next_packet(244, 1000, buf), proto::kEventPacketSize);
  DecodedPacket d;
  CHECK(decode_packet(buf, take(s, 244, 1000, buf), &d) == DecodeError::kOk);
  CHECK(d.event);
  CHECK_EQ(d.code, 0x0102);
  CHECK_EQ(s.next_packet(244, 1000, buf), 0);
}
