// Writes tests/data/wire_golden.txt (format: docs/wire-format.md, "Golden vectors") to stdout.
// Every packet is built by the firmware core's encoder, decoded again by the reference decoder,
// and checked against its inputs before it is written; any mismatch exits non-zero.
#include <stdio.h>
#include <stdlib.h>

#include "../neckimu/src/core/control.h"
#include "../neckimu/src/core/info.h"
#include "../neckimu/src/core/packet.h"
#include "../neckimu/src/core/settings.h"
#include "../neckimu/src/core/units.h"

using namespace neckimu;

namespace {

void fail(const char* name, const char* what) {
  fprintf(stderr, "golden: %s: %s\n", name, what);
  exit(1);
}

void hex(const uint8_t* p, size_t n) {
  for (size_t i = 0; i < n; ++i) printf("%02x", p[i]);
}

// P, H, I and M lines of one well-formed packet.
void emit(const char* name, const uint8_t* p, size_t n) {
  DecodedPacket d;
  if (decode_packet(p, n, &d) != DecodeError::kOk) fail(name, "does not decode");
  printf("P %s ", name);
  hex(p, n);
  printf("\nH %s version=%u flags=%u seq=%u t0_us=%lu n_imu=%u n_mag=%u span_us=%u event=%u code=%u\n",
         name, d.version, d.flags, d.seq, static_cast<unsigned long>(d.t0_us), d.n_imu, d.n_mag,
         d.span_us, d.event ? 1u : 0u, d.code);
  for (unsigned i = 0; i < d.n_imu; ++i) {
    const ImuRecord& r = d.imu[i];
    printf("I %s %u %lu %d %d %d %d %d %d\n", name, i, static_cast<unsigned long>(r.t_us),
           r.gyro[0], r.gyro[1], r.gyro[2], r.acc[0], r.acc[1], r.acc[2]);
  }
  for (unsigned j = 0; j < d.n_mag; ++j) {
    const MagRecord& m = d.mag[j];
    printf("M %s %u %lu %d %d %d\n", name, j, static_cast<unsigned long>(m.t_us), m.mag[0],
           m.mag[1], m.mag[2]);
  }
}

// Encodes, checks the decoded records equal the inputs (times within 1 us: the span rounds),
// then emits. `payload` is the MTU - 3 the packet must fit.
void data_case(const char* name, size_t payload, uint8_t flags, uint16_t seq,
               const ImuRecord* imu, size_t n_imu, const MagRecord* mag, size_t n_mag) {
  uint8_t buf[proto::kMaxPayload + 16];
  uint32_t t0 = n_imu ? imu[0].t_us : mag[0].t_us;
  size_t n = encode_data_packet(buf, flags, seq, imu, n_imu, mag, n_mag, t0);
  if (n == 0) fail(name, "encoder refused");
  if (n > payload) fail(name, "longer than the MTU allows");
  DecodedPacket d;
  if (decode_packet(buf, n, &d) != DecodeError::kOk) fail(name, "does not decode");
  for (size_t i = 0; i < n_imu; ++i) {
    int32_t dt = static_cast<int32_t>(d.imu[i].t_us - imu[i].t_us);
    if (dt < -1 || dt > 1) fail(name, "imu time");
    for (int k = 0; k < 3; ++k)
      if (d.imu[i].gyro[k] != imu[i].gyro[k] || d.imu[i].acc[k] != imu[i].acc[k])
        fail(name, "imu values");
  }
  for (size_t j = 0; j < n_mag; ++j) {
    if (d.mag[j].t_us != mag[j].t_us) fail(name, "mag time");
    for (int k = 0; k < 3; ++k)
      if (d.mag[j].mag[k] != mag[j].mag[k]) fail(name, "mag values");
  }
  emit(name, buf, n);
}

// An X line: the bytes must fail the reference decoder for the reason given.
void malformed(const char* name, const uint8_t* p, size_t n, DecodeError why) {
  DecodedPacket d;
  if (decode_packet(p, n, &d) != why) fail(name, "rejected for another reason, or accepted");
  printf("X %s ", name);
  hex(p, n);
  printf(" %s\n", decode_error_name(why));
}

void command(const char* name, const Command& c) {
  uint8_t buf[proto::kControlMaxSize];
  size_t n = encode_command(c, buf);
  Command back;
  if (!parse_command(buf, n, &back)) fail(name, "does not parse");
  printf("C %s ", name);
  hex(buf, n);
  printf(" %u", c.opcode);
  switch (c.opcode) {
    case proto::kOpSetRate: printf(" %u", c.rate_hz); break;
    case proto::kOpSetRanges: printf(" %u %u", c.gyro_range_dps, c.acc_range_g); break;
    case proto::kOpMarkEvent: printf(" %u", c.event_code); break;
    case proto::kOpSetMag: printf(" %u", c.mag_enabled ? 1u : 0u); break;
    case proto::kOpSetRole: printf(" %u", c.role); break;
    default: break;
  }
  printf("\n");
}

void info(const char* name, Board board, const Settings& s, bool streaming, uint32_t overflow,
          uint8_t role = proto::kRoleHead) {
  Info i = make_info(board, s, streaming, overflow, role);
  uint8_t buf[proto::kInfoSize];
  encode_info(i, buf);
  printf("N %s ", name);
  hex(buf, sizeof buf);
  printf(
      " protocol_version=%u board=%u frame=%u fw_major=%u fw_minor=%u fw_patch=%u"
      " imu_rate_chz=%u mag_rate_chz=%u gyro_range_dps=%u acc_range_g=%u streaming=%u"
      " mag_range_ut=%u gyro_scale=%.9g acc_scale=%.9g mag_scale=%.9g overflow_count=%lu"
      " role=%u\n",
      i.protocol_version, i.board, i.frame, i.fw_major, i.fw_minor, i.fw_patch, i.imu_rate_chz,
      i.mag_rate_chz, i.gyro_range_dps, i.acc_range_g, i.streaming, i.mag_range_ut,
      static_cast<double>(i.gyro_scale), static_cast<double>(i.acc_scale),
      static_cast<double>(i.mag_scale), static_cast<unsigned long>(i.overflow_count), i.role);
}

// A plausible sample: head still, board flat, a little gyro noise.
ImuRecord sample(uint32_t t, int i) {
  return ImuRecord{t,
                   {static_cast<int16_t>(3 + i), static_cast<int16_t>(-5 - i), static_cast<int16_t>(2 * i)},
                   {static_cast<int16_t>(-120 + 7 * i), static_cast<int16_t>(64 - i), 8192}};
}

}  // namespace

int main() {
  using proto::kFlagAccSaturated;
  using proto::kFlagGyroSaturated;
  using proto::kFlagMagSaturated;
  using proto::kFlagOverflow;
  const size_t mtu23 = proto::payload_limit(23);
  const size_t mtu247 = proto::payload_limit(247);
  printf("# neckimu protocol v1 golden vectors. Generated by `make -C firmware golden` from the\n");
  printf("# firmware core (firmware/test/golden.cpp); `make firmware-test` fails if this file differs.\n");
  printf("# Format: docs/wire-format.md, \"Golden vectors\". Numbers are decimal, hex is lower case.\n");

  printf("# one IMU sample, MTU 23 (20 bytes)\n");
  ImuRecord one = {1000000, {12, -34, 56}, {-789, 1011, 8192}};
  data_case("imu1_mtu23", mtu23, 0, 0, &one, 1, nullptr, 0);

  printf("# a 100 Hz batch of 4 with span_us and one mag record, MTU 247\n");
  ImuRecord b4[4];
  for (int i = 0; i < 4; ++i) b4[i] = sample(2000000u + 10000u * i, i);
  MagRecord m1 = {2015150u, {250, -1200, 3900}};
  data_case("batch4_mag_mtu247", mtu247, 0, 40, b4, 4, &m1, 1);

  printf("# 119 Hz, uneven microsecond steps: decoded times are t0 + round(i*span/(n-1)), half up\n");
  ImuRecord b3[3] = {sample(500000u, 0), sample(508403u, 1), sample(516807u, 2)};
  data_case("batch3_119hz", mtu247, 0, 7, b3, 3, nullptr, 0);

  printf("# the longest span: 14 samples at 200 Hz (65 000 us) with three mag records, MTU 247\n");
  ImuRecord b14[14];
  for (int i = 0; i < 14; ++i) b14[i] = sample(3000000u + 5000u * i, i);
  MagRecord m3[3] = {{3000100u, {1, 2, 3}}, {3050100u, {4, 5, 6}}, {3065000u, {-7, -8, -9}}};
  data_case("batch14_mag3_mtu247", mtu247, 0, 1000, b14, 14, m3, 3);

  printf("# magnetometer alone (MTU 23: it does not fit beside an IMU record)\n");
  MagRecord mo = {1000150u, {-300, 450, -3900}};
  data_case("mag_only_mtu23", mtu23, 0, 1, nullptr, 0, &mo, 1);
  MagRecord mo3[3] = {{4000000u, {10, 20, 30}}, {4050000u, {11, 21, 31}}, {4065535u, {12, 22, 32}}};
  data_case("mag_only_3", mtu247, 0, 500, nullptr, 0, mo3, 3);

  printf("# event: mark event, kind 1 (start) exercise 2 -> code 0x0102; seq = next IMU index\n");
  {
    uint8_t buf[proto::kEventPacketSize];
    size_t n = encode_event_packet(buf, 41, 2031000u, 0x0102);
    emit("event_start_ex2", buf, n);
  }

  printf("# flags: accel and gyro saturated; mag saturated with overflow; all four\n");
  ImuRecord sat = {6000000u, {32767, -32768, 0}, {-32768, 0, 32767}};
  data_case("flags_acc_gyro", mtu23, kFlagAccSaturated | kFlagGyroSaturated, 9, &sat, 1, nullptr, 0);
  MagRecord msat = {6000500u, {32767, 0, -100}};
  data_case("flags_mag_overflow", mtu23, kFlagMagSaturated | kFlagOverflow, 12, nullptr, 0, &msat, 1);
  ImuRecord sat2[2] = {sat, {6008403u, {0, 0, 0}, {0, 0, 0}}};
  data_case("flags_all", mtu247, kFlagAccSaturated | kFlagGyroSaturated | kFlagMagSaturated | kFlagOverflow,
            20, sat2, 2, &msat, 1);

  printf("# saturation as the firmware finds it (units.cpp), not set by hand: a Rev2 magnetometer\n"
         "# at 1300 uT, alone (MTU 23); a Rev1 accelerometer past 4 g beside a sample in range\n");
  {
    const float field_ut[3] = {1300.0f, -20.0f, 40.0f};
    MagRecord m;
    const uint8_t f = mag_from_library(Board::kRev2, field_ut, 8000000u, &m);
    if (f != kFlagMagSaturated) fail("mag_only_saturated_rev2", "not flagged");
    data_case("mag_only_saturated_rev2", mtu23, f, 30, nullptr, 0, &m, 1);
    const float gyro_dps[3] = {10.0f, -20.0f, 30.0f};
    const float acc_ok[3] = {0.25f, -0.125f, 1.0f};
    const float acc_over[3] = {0.25f, -0.125f, 4.5f};
    ImuRecord r[2];
    uint8_t g = imu_from_library(Board::kRev1, gyro_dps, acc_ok, 8010000u, &r[0]);
    g |= imu_from_library(Board::kRev1, gyro_dps, acc_over, 8018403u, &r[1]);
    if (g != kFlagAccSaturated) fail("imu2_acc_saturated_rev1", "not flagged");
    data_case("imu2_acc_saturated_rev1", mtu247, g, 31, r, 2, nullptr, 0);
  }

  printf("# seq wraps inside the packet: samples 65534, 65535, 0, 1\n");
  ImuRecord w4[4];
  for (int i = 0; i < 4; ++i) w4[i] = sample(7000000u + 5000u * i, i);
  data_case("seq_wrap", mtu247, 0, 65534, w4, 4, nullptr, 0);

  printf("# t0 just before the 2^32 us wrap: later samples and the mag record wrap to small times\n");
  ImuRecord tw[3] = {sample(4294960000u, 0), sample(4294965000u, 1), sample(2704u, 2)};  // 2704 = (4294960000 + 10000) mod 2^32
  MagRecord twm = {1000u, {5, 6, 7}};
  data_case("t0_wrap", mtu247, 0, 300, tw, 3, &twm, 1);

  printf("# malformed packets: the client raises WireError and drops them\n");
  const uint8_t short7[] = {0x01, 0x01, 0x00, 0x00, 0x40, 0x42, 0x0f};
  malformed("short_header", short7, sizeof short7, DecodeError::kShort);
  uint8_t v2[20] = {0x02, 0x01};
  malformed("version_2", v2, sizeof v2, DecodeError::kBadVersion);
  uint8_t v0[20] = {0x00, 0x01};
  malformed("version_0", v0, sizeof v0, DecodeError::kBadVersion);
  uint8_t zero[8] = {0x01, 0x00, 0x05, 0x00, 0x10, 0x27, 0x00, 0x00};
  malformed("zero_counts", zero, sizeof zero, DecodeError::kEmpty);
  uint8_t evrec[10] = {0x01, 0x81, 0x00, 0x00, 0x10, 0x27, 0x00, 0x00, 0x02, 0x01};
  malformed("event_with_imu", evrec, sizeof evrec, DecodeError::kBadEvent);
  uint8_t evmag[10] = {0x01, 0xa0, 0x00, 0x00, 0x10, 0x27, 0x00, 0x00, 0x02, 0x01};
  malformed("event_with_mag", evmag, sizeof evmag, DecodeError::kBadEvent);
  uint8_t ev11[11] = {0x01, 0x80, 0x00, 0x00, 0x10, 0x27, 0x00, 0x00, 0x02, 0x01, 0x00};
  malformed("event_too_long", ev11, sizeof ev11, DecodeError::kBadLength);
  uint8_t one19[19] = {0x01, 0x01};
  malformed("imu1_one_byte_short", one19, sizeof one19, DecodeError::kBadLength);
  uint8_t one21[21] = {0x01, 0x01};
  malformed("imu1_one_byte_long", one21, sizeof one21, DecodeError::kBadLength);
  uint8_t two32[32] = {0x01, 0x02};  // two samples need the span: 34 bytes
  malformed("imu2_missing_span", two32, sizeof two32, DecodeError::kBadLength);
  uint8_t n31[20] = {0x01, 0x1f};  // 31 samples claimed in an MTU-23 packet
  malformed("imu31_in_20_bytes", n31, sizeof n31, DecodeError::kBadLength);
  uint8_t mag3[16] = {0x01, 0x60};  // three mag records claimed, one present
  malformed("mag3_in_16_bytes", mag3, sizeof mag3, DecodeError::kBadLength);

  printf("# control commands: opcode and arguments in decimal\n");
  Command c = {};
  c.opcode = proto::kOpStart;
  command("start", c);
  c.opcode = proto::kOpStop;
  command("stop", c);
  c = Command{};
  c.opcode = proto::kOpSetRate;
  c.rate_hz = 200;
  command("set_rate_200", c);
  c.rate_hz = 119;
  command("set_rate_119", c);
  c = Command{};
  c.opcode = proto::kOpSetRanges;
  c.gyro_range_dps = 500;
  c.acc_range_g = 8;
  command("set_ranges_500dps_8g", c);
  c = Command{};
  c.opcode = proto::kOpMarkEvent;
  c.event_code = 0x0103;
  command("mark_start_ex3", c);
  c.event_code = 0x0203;
  command("mark_end_ex3", c);
  c = Command{};
  c.opcode = proto::kOpSetMag;
  c.mag_enabled = false;
  command("mag_off", c);
  c.mag_enabled = true;
  command("mag_on", c);
  c = Command{};
  c.opcode = proto::kOpSetRole;
  c.role = proto::kRoleHead;
  command("role_head", c);
  c.role = proto::kRoleTrunk;
  command("role_trunk", c);
  uint8_t bad_role[2] = {proto::kOpSetRole, 3};
  Command ignored;
  if (parse_command(bad_role, sizeof bad_role, &ignored)) fail("role_3", "accepted");

  printf("# info values\n");
  info("rev1_default_streaming", Board::kRev1, default_settings(Board::kRev1), true, 0);
  info("rev2_default_idle", Board::kRev2, default_settings(Board::kRev2), false, 0);
  Settings s2 = {200, 500, 8, false};
  info("rev2_200hz_500dps_8g_mag_off", Board::kRev2, s2, true, 1234);
  info("rev2_default_streaming_trunk", Board::kRev2, default_settings(Board::kRev2), true, 0,
       proto::kRoleTrunk);
  return 0;
}
