// Runs the sketch (neckimu.ino, built for NECKIMU_BOARD_REV) against the host fakes: setup(),
// then loop() for a few simulated seconds while a fake central connects, negotiates the MTU,
// subscribes and writes control commands. Every notification is decoded with the portable
// core's own decoder and checked against docs/protocol.md. Prints one summary line; exit 1 on
// any failure (the sketch's serial log is printed then).
#include <Arduino.h>
#include <signal.h>
#include <unistd.h>

#include "../neckimu/src/core/control.h"
#include "../neckimu/src/core/info.h"
#include "../neckimu/src/core/packet.h"
#include "../neckimu/src/core/protocol.h"
#include "fake_world.h"

using namespace neckimu;

namespace {

int failures = 0;

#define EXPECT(cond)                                                                    \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      ++failures;                                                                       \
      fprintf(stderr, "sketch_main.cpp:%d: rev%d: failed: %s\n", __LINE__, NECKIMU_BOARD_REV, \
              #cond);                                                                   \
    }                                                                                   \
  } while (0)

fake::World& w = fake::world();

// loop() every 0.2-1.2 ms of fake time (a deterministic jitter), for `us`.
void run(uint64_t us) {
  static uint32_t lcg = 12345;
  const uint64_t end = w.now_us + us;
  while (w.now_us < end) {
    loop();
    lcg = lcg * 1103515245u + 12345u;
    fake::advance_us(200 + (lcg >> 16) % 1000);
  }
}

void write_command(const Command& c) {
  uint8_t buf[proto::kControlMaxSize];
  const size_t len = encode_command(c, buf);
  fake::central_write_control(buf, len);
}

Command command(proto::Opcode op) {
  Command c = {};
  c.opcode = op;
  return c;
}

Info read_info() {
  Info info = {};
  const std::vector<uint8_t> v = fake::info_value();
  EXPECT(decode_info(v.data(), v.size(), &info));
  return info;
}

bool led_on(int pin) { return w.pins[pin] == LOW; }  // the RGB LED is active low

struct Session {
  size_t packets = 0, imu = 0, mag = 0, events = 0, max_batch = 0;
  double rate_from_stamps = 0;
  int32_t max_latency_us = 0;
};

// Checks notifications [first, end) of one streaming session.
Session check_session(size_t first, uint16_t mtu, double seconds, double nominal_rate_hz,
                      double true_rate_hz,
                      double mag_rate_hz, uint16_t event_code, uint64_t skip_from,
                      uint64_t skip_to) {
  Session s;
  uint16_t next_seq = 0;
  uint32_t first_t = 0, last_t = 0, last_mag_t = 0;
  // The batch the firmware aims at: floor(40 ms * configured rate), one sample at MTU 23.
  size_t batch = static_cast<size_t>(proto::kMaxLatency_us * 1e-6 * nominal_rate_hz);
  if (batch < 1 || mtu == proto::kMinMtu) batch = 1;
  size_t at_batch = 0, imu_packets = 0;
  for (size_t i = first; i < w.notifications.size(); ++i) {
    const fake::Notification& n = w.notifications[i];
    EXPECT(n.bytes.size() <= proto::payload_limit(mtu));
    EXPECT(n.offered == n.bytes.size());  // the firmware sized it; the stack cut nothing
    static DecodedPacket p;
    const DecodeError e = decode_packet(n.bytes.data(), n.bytes.size(), &p);
    EXPECT(e == DecodeError::kOk);
    if (e != DecodeError::kOk) continue;
    ++s.packets;
    EXPECT(p.version == proto::kVersion);
    EXPECT((p.flags & (proto::kFlagOverflow >> 4)) == 0);  // the fake link never loses data
    if (p.event) {
      ++s.events;
      EXPECT(p.code == event_code);
      continue;
    }
    if (p.n_imu > 0) {
      EXPECT(p.seq == next_seq);  // seq continuity: the counts sum up
      next_seq = static_cast<uint16_t>(p.seq + p.n_imu);
      for (size_t k = 0; k < p.n_imu; ++k) {
        const uint32_t t = p.imu[k].t_us;
        if (s.imu > 0) EXPECT(static_cast<int32_t>(t - last_t) > 0);  // increasing (mod 2^32)
        if (s.imu == 0) first_t = t;
        last_t = t;
        ++s.imu;
      }
      ++imu_packets;
      if (p.n_imu == batch) ++at_batch;
      if (p.n_imu > s.max_batch) s.max_batch = p.n_imu;
      EXPECT(p.n_imu <= max_imu_records(proto::payload_limit(mtu), p.n_mag));
      const int32_t latency = static_cast<int32_t>(static_cast<uint32_t>(n.at_us) - p.t0_us);
      if ((n.at_us < skip_from || n.at_us > skip_to) && latency > s.max_latency_us)
        s.max_latency_us = latency;
    }
    for (size_t k = 0; k < p.n_mag; ++k) {
      if (s.mag > 0) EXPECT(static_cast<int32_t>(p.mag[k].t_us - last_mag_t) > 0);
      last_mag_t = p.mag[k].t_us;
      ++s.mag;
    }
  }
  if (s.imu > 1) s.rate_from_stamps = (s.imu - 1) * 1e6 / static_cast<uint32_t>(last_t - first_t);
  // Samples flowed at the sensor's rate, and the device stamps found that rate.
  EXPECT(s.imu > 0.95 * seconds * true_rate_hz && s.imu < 1.02 * seconds * true_rate_hz);
  EXPECT(s.rate_from_stamps > 0.99 * true_rate_hz && s.rate_from_stamps < 1.01 * true_rate_hz);
  EXPECT(s.mag > 0.9 * seconds * mag_rate_hz && s.mag < 1.1 * seconds * mag_rate_hz);
  EXPECT(s.events == (event_code ? 1u : 0u));
  // Batching: one sample per packet at MTU 23, else the 40 ms batch (bigger only to catch up).
  if (mtu == proto::kMinMtu) EXPECT(s.max_batch == 1);
  EXPECT(at_batch * 10 >= imu_packets * 8);
  const double period_us = 1e6 / true_rate_hz;
  EXPECT(s.max_latency_us <= static_cast<int32_t>(proto::kMaxLatency_us + 1.5 * period_us + 1500));
  return s;
}

}  // namespace

int main() {
  alarm(60);  // a sketch stuck in an endless loop fails instead of hanging the build
  const int rev = NECKIMU_BOARD_REV;
  // Rev0 (detect) runs on a simulated Rev2 board: the LSM9DS1 is absent, the BMI270 answers.
  w.lsm9ds1.present = rev == 1;
  w.bmi270.present = rev != 1;
  w.lsm9ds1.rate_error = 113.0 / 119.0;  // as measured on a real LSM9DS1
  w.now_us = (1ull << 32) - 2000000;     // micros() wraps 2 s into the first session

  setup();
  EXPECT(w.local_name == "neckimu-4E2F");
  Info info = read_info();
  EXPECT(info.board == (rev == 1 ? 1 : 2));
  EXPECT(info.streaming == 0);
  run(1200000);
  EXPECT(!led_on(LEDR) && !led_on(LEDG));  // advertising: blue blinks

  const fake::FakeSensor& sensor = rev == 1 ? w.lsm9ds1 : w.bmi270;
  const uint16_t codes[2] = {0x0102, 0};
  Session sessions[2];
  const uint16_t mtus[2] = {247, 23};
  for (int round = 0; round < 2; ++round) {
    const uint16_t mtu = mtus[round];
    fake::central_connect();
    run(50000);
    EXPECT(led_on(LEDB) && !led_on(LEDG));  // connected: blue steady
    if (mtu != proto::kMinMtu) fake::central_exchange_mtu(mtu);
    fake::central_subscribe();
    Command rate = command(proto::kOpSetRate);
    rate.rate_hz = round == 0 ? 200 : 100;  // Rev2: 200 then 100 Hz; Rev1 stays at 119
    write_command(rate);
    run(20000);
    info = read_info();
    EXPECT(info.imu_rate_chz == (rev == 1 ? 11900 : rate.rate_hz * 100));
    const double true_rate = sensor.rate_hz * sensor.rate_error;
    const double mag_rate = rev == 1 ? 20.0 : 10.0;

    const size_t first = w.notifications.size();
    write_command(command(proto::kOpStart));
    const uint64_t t_start = w.now_us;
    run(1500000);
    EXPECT(led_on(LEDG) && !led_on(LEDB));  // streaming: green
    EXPECT(read_info().streaming == 1);
    if (codes[round]) {
      Command mark = command(proto::kOpMarkEvent);
      mark.event_code = codes[round];
      write_command(mark);
    }
    // A 100 ms stall (a notification blocking on a weak link): the sensor FIFO holds the data.
    run(1000);
    fake::advance_us(100000);
    const uint64_t stall_end = w.now_us;
    run(1500000);
    const double seconds = static_cast<double>(w.now_us - t_start) * 1e-6;
    sessions[round] = check_session(first, mtu, seconds, info.imu_rate_chz / 100.0, true_rate, mag_rate, codes[round],
                                    stall_end, stall_end + 300000);

    if (round == 0) {
      fake::central_disconnect();
    } else {
      write_command(command(proto::kOpStop));
    }
    run(5000);
    const size_t after = w.notifications.size();
    run(200000);
    EXPECT(w.notifications.size() == after);  // nothing after stop / disconnect
    EXPECT(read_info().streaming == 0);
    if (round == 1) fake::central_disconnect();
    run(5000);
  }

  printf("sketch rev%d (%s): MTU 247: %zu packets, %zu IMU + %zu mag samples, %.1f Hz, batch "
         "<= %zu, latency <= %.1f ms; MTU 23: %zu packets, %zu IMU + %zu mag samples, %.1f Hz; "
         "%s\n",
         rev, rev == 1 ? "LSM9DS1" : "BMI270", sessions[0].packets, sessions[0].imu,
         sessions[0].mag, sessions[0].rate_from_stamps, sessions[0].max_batch,
         sessions[0].max_latency_us / 1000.0, sessions[1].packets, sessions[1].imu,
         sessions[1].mag, sessions[1].rate_from_stamps, failures ? "FAILED" : "ok");
  if (failures) fprintf(stderr, "--- serial log ---\n%s", w.serial.c_str());
  return failures ? 1 : 0;
}
