#include <math.h>

#include "../neckimu/src/core/control.h"
#include "../neckimu/src/core/frame.h"
#include "../neckimu/src/core/info.h"
#include "../neckimu/src/core/units.h"
#include "check.h"

using namespace neckimu;

TEST(nearest_settings_per_board) {
  CHECK_EQ(nearest_rate_hz(Board::kRev1, 200), 119);
  CHECK_EQ(nearest_rate_hz(Board::kRev2, 119), 100);
  CHECK_EQ(nearest_rate_hz(Board::kRev2, 150), 200);  // tie goes up
  CHECK_EQ(nearest_rate_hz(Board::kRev2, 1000), 200);
  CHECK_EQ(nearest_gyro_range_dps(Board::kRev1, 250), 2000);
  CHECK_EQ(nearest_gyro_range_dps(Board::kRev2, 300), 250);
  CHECK_EQ(nearest_acc_range_g(Board::kRev2, 3), 4);
  CHECK_EQ(nearest_acc_range_g(Board::kRev2, 100), 16);
  CHECK_EQ(nearest_acc_range_g(Board::kRev1, 16), 4);
  CHECK_EQ(default_settings(Board::kRev1).rate_hz, 119);
  CHECK_EQ(default_settings(Board::kRev2).rate_hz, 100);
}

TEST(scales_are_si) {
  Settings s = default_settings(Board::kRev2);
  CHECK(fabs(gyro_scale_rad_s(s) - 2000.0 / 32768.0 * 3.14159265358979323846 / 180.0) < 1e-9);
  CHECK(fabs(acc_scale_m_s2(s) - 4.0 / 32768.0 * 9.80665) < 1e-8);
  CHECK(fabs(mag_scale_ut(Board::kRev1) - 400.0 / 32768.0) < 1e-9);
}

TEST(alignments_make_a_right_handed_frame) {
  // The library outputs are right-handed except Rev1's magnetometer (x reversed) and Rev2's
  // accel/gyro (mirrored by the library), so exactly those two maps must be mirrors.
  CHECK_EQ(determinant(board_alignment(Board::kRev1).acc_gyro), 1);
  CHECK_EQ(determinant(board_alignment(Board::kRev1).mag), -1);
  CHECK_EQ(determinant(board_alignment(Board::kRev2).acc_gyro), -1);
  CHECK_EQ(determinant(board_alignment(Board::kRev2).mag), 1);
}

TEST(rev2_undoes_the_library_remap) {
  // BMI270 counts (x, y, z) = (100, 200, 300); the library reports (-y, -x, z) / 8192 g.
  const float lib_acc[3] = {-200.0f / 8192.0f, -100.0f / 8192.0f, 300.0f / 8192.0f};
  const float lib_gyro[3] = {-2.0f / 16.384f, -1.0f / 16.384f, 3.0f / 16.384f};
  ImuRecord r;
  CHECK_EQ(imu_from_library(Board::kRev2, lib_gyro, lib_acc, 42, &r), 0);
  CHECK_EQ(r.acc[0], 100);
  CHECK_EQ(r.acc[1], 200);
  CHECK_EQ(r.acc[2], 300);
  CHECK_EQ(r.gyro[0], 1);
  CHECK_EQ(r.gyro[1], 2);
  CHECK_EQ(r.t_us, 42);
}

TEST(rev1_counts_recovered_exactly_and_mag_x_negated) {
  const float lib_gyro[3] = {-32768 * 2000.0f / 32768.0f, 12345 * 2000.0f / 32768.0f, 0.0f};
  const float lib_acc[3] = {8192 * 4.0f / 32768.0f, -1 * 4.0f / 32768.0f, 32767 * 4.0f / 32768.0f};
  ImuRecord r;
  uint8_t f = imu_from_library(Board::kRev1, lib_gyro, lib_acc, 0, &r);
  CHECK_EQ(f, proto::kFlagAccSaturated | proto::kFlagGyroSaturated);
  CHECK_EQ(r.gyro[0], -32768);
  CHECK_EQ(r.gyro[1], 12345);
  CHECK_EQ(r.acc[0], 8192);
  CHECK_EQ(r.acc[1], -1);
  CHECK_EQ(r.acc[2], 32767);
  const float lib_mag[3] = {-32768 * 400.0f / 32768.0f, 50.0f, -20.0f};
  MagRecord m;
  CHECK_EQ(mag_from_library(Board::kRev1, lib_mag, 0, &m), proto::kFlagMagSaturated);
  CHECK_EQ(m.mag[0], 32767);  // -(-32768) saturates instead of wrapping
  CHECK_EQ(m.mag[1], 4096);
}

TEST(to_counts_clamps_and_survives_nan) {
  bool sat = false;
  CHECK_EQ(to_counts(1e9f, 1.0f, 32767, &sat), 32767);
  CHECK(sat);
  sat = false;
  CHECK_EQ(to_counts(NAN, 1.0f, 32767, &sat), 0);
  CHECK(!sat);
  CHECK_EQ(to_counts(-2.5f, 1.0f, 32767, &sat), -3);
  CHECK_EQ(to_counts(1300.0f, 10.0f, 13000, &sat), 13000);
  CHECK(sat);
}

TEST(control_commands_parse_and_reject) {
  Command c;
  const uint8_t start[] = {0x01};
  CHECK(parse_command(start, 1, &c) && c.opcode == proto::kOpStart);
  const uint8_t rate[] = {0x03, 0xC8, 0x00};
  CHECK(parse_command(rate, 3, &c) && c.rate_hz == 200);
  const uint8_t ranges[] = {0x04, 0xF4, 0x01, 0x08};
  CHECK(parse_command(ranges, 4, &c) && c.gyro_range_dps == 500 && c.acc_range_g == 8);
  const uint8_t mark[] = {0x05, 0x03, 0x01};
  CHECK(parse_command(mark, 3, &c) && c.event_code == 0x0103);
  const uint8_t mag[] = {0x06, 0x00};
  CHECK(parse_command(mag, 2, &c) && !c.mag_enabled);
  // malformed
  CHECK(!parse_command(start, 0, &c));
  const uint8_t start_long[] = {0x01, 0x00};
  CHECK(!parse_command(start_long, 2, &c));
  CHECK(!parse_command(rate, 2, &c));
  const uint8_t zero_rate[] = {0x03, 0x00, 0x00};
  CHECK(!parse_command(zero_rate, 3, &c));
  const uint8_t bad_mag[] = {0x06, 0x02};
  CHECK(!parse_command(bad_mag, 2, &c));
  const uint8_t role_head[] = {0x07, 0x01};
  CHECK(parse_command(role_head, 2, &c) && c.opcode == proto::kOpSetRole &&
        c.role == proto::kRoleHead);
  const uint8_t role_trunk[] = {0x07, 0x02};
  CHECK(parse_command(role_trunk, 2, &c) && c.role == proto::kRoleTrunk);
  const uint8_t bad_roles[][2] = {{0x07, 0x00}, {0x07, 0x03}, {0x07, 0xff}};
  for (const auto& r : bad_roles) CHECK(!parse_command(r, 2, &c));
  CHECK(!parse_command(role_trunk, 1, &c));
  const uint8_t unknown[] = {0x08};
  CHECK(!parse_command(unknown, 1, &c));
  const uint8_t zero_op[] = {0x00};
  CHECK(!parse_command(zero_op, 1, &c));
  uint8_t out[8];
  Command r = {};
  r.opcode = proto::kOpSetRanges;
  r.gyro_range_dps = 500;
  r.acc_range_g = 8;
  CHECK_EQ(encode_command(r, out), 4);
  CHECK(out[1] == 0xF4 && out[2] == 0x01 && out[3] == 0x08);
}

TEST(info_round_trip) {
  Settings s = default_settings(Board::kRev1);
  Info i = make_info(Board::kRev1, s, true, 77);
  uint8_t buf[36];
  CHECK_EQ(encode_info(i, buf), 36);
  CHECK_EQ(buf[32], proto::kRoleHead);  // a board starts as the head
  CHECK(buf[33] == 0 && buf[34] == 0 && buf[35] == 0);
  CHECK_EQ(buf[0], 1);
  CHECK_EQ(buf[1], 1);
  CHECK_EQ(buf[2], 1);
  CHECK_EQ(buf[6] | (buf[7] << 8), 11900);
  Info back;
  CHECK(decode_info(buf, 36, &back));
  CHECK_EQ(back.overflow_count, 77);
  CHECK_EQ(back.role, proto::kRoleHead);
  encode_info(make_info(Board::kRev1, s, true, 77, proto::kRoleTrunk), buf);
  CHECK_EQ(buf[32], proto::kRoleTrunk);
  CHECK(decode_info(buf, 36, &back) && back.role == proto::kRoleTrunk);
  CHECK(back.gyro_scale == i.gyro_scale);
  CHECK_EQ(back.mag_rate_chz, 2000);
  s.mag_enabled = false;
  CHECK_EQ(make_info(Board::kRev1, s, false, 0).mag_rate_chz, 0);
  CHECK(!decode_info(buf, 31, &back));
  CHECK(!decode_info(buf, 32, &back));
}

TEST(command_queue_keeps_order_and_arrival_time_and_refuses_when_full) {
  CommandQueue q;
  Command c = {};
  for (size_t i = 0; i < CommandQueue::kCapacity; ++i) {
    c.opcode = proto::kOpMarkEvent;
    c.event_code = static_cast<uint16_t>(i);
    CHECK(q.push(c, static_cast<uint32_t>(1000 + i)));
  }
  c.event_code = 999;
  CHECK(!q.push(c, 5000));  // full: the newest is refused and counted
  CHECK_EQ(q.dropped(), 1);
  PendingCommand p;
  for (size_t i = 0; i < CommandQueue::kCapacity; ++i) {
    CHECK(q.pop(&p));
    CHECK_EQ(p.cmd.event_code, i);
    CHECK_EQ(p.t_us, 1000 + i);
  }
  CHECK(!q.pop(&p));
}
