// Drives the real sketch (neckimu.ino, compiled against the fakes) through a session: advertise,
// connect at MTU 23, stream, notifications the radio does not take, a weak-link stall,
// reconnect at MTU 247, a notification cut short, settings and events that arrive while the
// sketch is inside a notification, a bad command, disconnect. Every notification is decoded
// with the core's reference decoder.
#include <stdio.h>
#include <stdlib.h>

#include <string>
#include <vector>

#include "../neckimu/src/core/info.h"
#include "../neckimu/src/core/packet.h"
#include "fake_world.h"

#ifndef NECKIMU_BOARD_REV
#error "build with -DNECKIMU_BOARD_REV"
#endif

using namespace neckimu;

void setup();
void loop();

namespace {

int failures = 0;
#define EXPECT(cond)                                                             \
  do {                                                                           \
    if (!(cond)) {                                                               \
      ++failures;                                                                \
      fprintf(stderr, "sketch_main.cpp:%d: EXPECT failed: %s\n", __LINE__, #cond); \
    }                                                                            \
  } while (0)

uint32_t rng = 12345;

void run_for(double seconds) {
  const uint64_t end = fake::now_us() + static_cast<uint64_t>(seconds * 1e6);
  while (fake::now_us() < end) {
    rng = rng * 1664525u + 1013904223u;
    fake::advance_us(500 + (rng >> 8) % 3000);  // the loop takes 0.5..3.5 ms
    loop();
  }
}

Info read_info() {
  std::vector<uint8_t> v = fake::info_value();
  Info i = {};
  EXPECT(decode_info(v.data(), v.size(), &i));
  return i;
}

struct Summary {
  size_t packets = 0, imu = 0, mag = 0, events = 0, max_len = 0;
  size_t gaps = 0, overflow_flags = 0, bad = 0;
  uint16_t last_event_code = 0;
};

// Decodes everything sent since the last call; checks seq continuity and the board frame.
// `expect_bad`: notifications the central receives cut short (malformed, dropped there).
Summary drain(size_t payload, uint16_t* next_seq, bool from_start = true, size_t expect_bad = 0) {
  Summary s;
  for (const std::vector<uint8_t>& p : fake::notifications()) {
    DecodedPacket d;
    if (decode_packet(p.data(), p.size(), &d) != DecodeError::kOk) {
      ++s.bad;
      continue;
    }
    ++s.packets;
    if (p.size() > s.max_len) s.max_len = p.size();
    EXPECT(p.size() <= payload);
    if (d.flags & 0x8) ++s.overflow_flags;
    if (d.event) {
      ++s.events;
      s.last_event_code = d.code;
      continue;
    }
    if (d.n_imu > 0) {
      if (!from_start) {
        from_start = true;  // joining mid-stream: the first packet sets the expectation
      } else if (d.seq != *next_seq) {
        ++s.gaps;
        if (!(d.flags & 0x8)) fprintf(stderr, "gap: expected seq %u got %u (n_imu %u)\n", *next_seq, d.seq, d.n_imu);
        EXPECT(d.flags & 0x8);  // a gap is always announced
      }
      *next_seq = static_cast<uint16_t>(d.seq + d.n_imu);
    }
    for (size_t i = 0; i < d.n_imu; ++i) {
      // the same board-frame truth arrives from both boards: (0.25, -0.125, 1) g, (.., -20, 30) dps
      EXPECT(d.imu[i].acc[0] > 0 && d.imu[i].acc[1] < 0 && d.imu[i].acc[2] > 0);
      EXPECT(d.imu[i].acc[0] == 2 * -d.imu[i].acc[1]);
      EXPECT(d.imu[i].gyro[1] < 0 && d.imu[i].gyro[2] > 0);
    }
    for (size_t j = 0; j < d.n_mag; ++j) EXPECT(d.mag[j].mag[0] > 0 && d.mag[j].mag[2] < 0);
    s.imu += d.n_imu;
    s.mag += d.n_mag;
  }
  fake::notifications().clear();
  EXPECT(s.bad == expect_bad);
  return s;
}

}  // namespace

int main() {
  // Auto-detection build (0): only a Rev2 board is present, so the LSM9DS1 probe must fail.
  const int present = NECKIMU_BOARD_REV == 1 ? 1 : 2;
  fake::set_board(present, present == 1 ? 113.0 / 119.0 : 1.0);  // a slow LSM9DS1, as measured
  setup();
  EXPECT(fake::local_name() == "neckimu-9A7E");
  EXPECT(fake::advertise_calls() == 1);
  Info info = read_info();
  EXPECT(info.board == present);
  EXPECT(info.frame == 1);
  EXPECT(info.streaming == 0);
  EXPECT(info.role == proto::kRoleHead);  // a board starts as the head
  const double rate = present == 1 ? 113.0 : 100.0;  // real samples per second

  run_for(0.5);
  EXPECT(fake::notifications().empty());

  // MTU 23: one sample per notification, magnetometer records alone
  fake::connect(23);
  fake::subscribe(true);
  fake::write_control({0x01});
  run_for(3.0);
  uint16_t next_seq = 0;
  Summary a = drain(20, &next_seq);
  EXPECT(read_info().streaming == 1);
  EXPECT(a.max_len == 20);
  EXPECT(a.imu > 3.0 * rate * 0.95 && a.imu < 3.0 * rate * 1.02);
  EXPECT(a.mag > 0);
  EXPECT(a.gaps == 0);

  // The radio does not take some notifications: five are not sent at all, then one is cut
  // short by the stack. Each packet stays in the streamer and goes again on the next pass:
  // no gap, no overflow, every sample arrives once (the cut copy is malformed at the central).
  fake::fail_next_notifications(5, 0);
  run_for(0.5);
  fake::fail_next_notifications(1, 12);
  run_for(1.0);
  Summary f = drain(20, &next_seq, true, 1);
  EXPECT(f.gaps == 0);
  EXPECT(f.overflow_flags == 0);
  EXPECT(read_info().overflow_count == 0);
  EXPECT(f.imu > 1.5 * rate * 0.95 && f.imu < 1.5 * rate * 1.05);

  // a weak link: one notification blocks 600 ms, longer than the sensor FIFO holds (Rev1)
  fake::stall_next_notification(600000);
  run_for(2.0);
  Summary b = drain(20, &next_seq);
  EXPECT(b.bad == 0);
  if (present == 1) {
    EXPECT(b.gaps >= 1);
    EXPECT(b.overflow_flags >= 1);
    EXPECT(read_info().overflow_count > 0);
  }

  // the role command: this board is worn on the trunk; it streams as before and keeps its role
  // across a reconnect (RAM only: a reboot makes it the head again)
  fake::write_control({0x07, 0x02});
  run_for(0.2);
  EXPECT(read_info().role == proto::kRoleTrunk);
  EXPECT(read_info().streaming == 1);
  Summary r = drain(20, &next_seq);
  EXPECT(r.gaps == 0 && r.bad == 0 && r.imu > 0);  // the stream went on unchanged

  // reconnect at MTU 247: batches of floor(40 ms * rate) samples with mag records riding
  fake::disconnect();
  run_for(0.2);
  EXPECT(fake::advertise_calls() == 2);  // advertising again after the disconnect
  EXPECT(read_info().streaming == 0);
  EXPECT(read_info().role == proto::kRoleTrunk);
  fake::connect(247);
  fake::subscribe(true);
  fake::write_control({0x01});
  run_for(3.0);
  next_seq = 0;
  Summary c = drain(244, &next_seq);
  EXPECT(c.max_len > 20);
  EXPECT(c.imu > 3.0 * rate * 0.95);
  EXPECT(c.packets < c.imu / 2);
  EXPECT(c.gaps == 0);

  // The stack cuts a notification to 40 bytes (its MTU is not the one ATT reported): that
  // packet goes again, and from then on every packet fits the 40 bytes the link carries.
  fake::fail_next_notifications(1, 40);
  run_for(1.0);
  Summary g = drain(244, &next_seq, true, 1);
  EXPECT(g.gaps == 0);
  EXPECT(g.max_len <= 40);
  EXPECT(g.imu > rate * 0.95);

  // settings: Rev2 goes to 200 Hz and 8 g; Rev1 keeps 119 Hz and 4 g. They arrive while the
  // sketch is inside a notification (ArduinoBLE polls the stack there and runs the write
  // handler): the handler only queues them, and loop() restarts the IMU on its next pass.
  fake::write_control_during_next_notification({0x03, 200, 0});
  fake::write_control_during_next_notification({0x04, 0xF4, 0x01, 8});
  run_for(0.1);
  EXPECT(fake::reentrant_changes() == 0);
  info = read_info();
  if (present == 2) {
    EXPECT(info.imu_rate_chz == 20000);
    EXPECT(info.acc_range_g == 8);
    EXPECT(info.gyro_range_dps == 500);
    EXPECT(fake::bmi_rate_hz() == 200);
    EXPECT(fake::bmi_acc_range_g() == 8);
  } else {
    EXPECT(info.imu_rate_chz == 11900);
    EXPECT(info.acc_range_g == 4);
  }
  fake::notifications().clear();

  // mark event, then a malformed command that must change nothing
  const std::vector<uint8_t> before = fake::info_value();
  fake::write_control_during_next_notification({0x05, 0x02, 0x01});
  fake::write_control({0x03, 0x00});      // too short
  fake::write_control({0x06, 0x07});      // mag flag not 0/1
  fake::write_control({0x09});            // unknown opcode
  fake::write_control({0x07, 0x03});      // no such role
  run_for(0.5);
  std::vector<uint8_t> after = fake::info_value();
  EXPECT(std::vector<uint8_t>(before.begin(), before.begin() + 28) ==
         std::vector<uint8_t>(after.begin(), after.begin() + 28));  // all but the overflow count
  EXPECT(std::vector<uint8_t>(before.begin() + 32, before.end()) ==
         std::vector<uint8_t>(after.begin() + 32, after.end()));  // the role too
  Summary d = drain(244, &next_seq, false);
  EXPECT(d.events == 1);
  EXPECT(d.last_event_code == 0x0102);

  // magnetometer off, then stop
  fake::write_control({0x06, 0x00});
  run_for(0.3);
  fake::notifications().clear();
  run_for(0.5);
  Summary e = drain(244, &next_seq, false);
  EXPECT(e.mag == 0);
  EXPECT(read_info().mag_rate_chz == 0);
  fake::write_control_during_next_notification({0x02});
  run_for(0.3);
  fake::notifications().clear();
  run_for(0.5);
  EXPECT(fake::notifications().empty());
  EXPECT(read_info().streaming == 0);
  EXPECT(fake::reentrant_changes() == 0);
  // the central's address becomes a String once per connection, not on every loop
  EXPECT(fake::address_strings() == 2);

  printf("sketch (NECKIMU_BOARD_REV=%d, board present: Rev%d): MTU 23 %zu samples in %zu packets, "
         "MTU 247 %zu samples in %zu packets, %d failed checks\n",
         NECKIMU_BOARD_REV, present, a.imu, a.packets, c.imu, c.packets, failures);
  printf("  unsent notifications: %zu samples after 5 unsent + 1 cut, %zu gaps; cut to 40 B: "
         "%zu samples, largest packet %zu B; handler work inside notifications %d; "
         "address Strings %d\n",
         f.imu, f.gaps, g.imu, g.max_len, fake::reentrant_changes(), fake::address_strings());
  return failures == 0 ? 0 : 1;
}
