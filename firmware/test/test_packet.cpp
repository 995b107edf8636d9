#include <string.h>

#include "../neckimu/src/core/le.h"
#include "../neckimu/src/core/packet.h"
#include "../neckimu/src/core/ring_buffer.h"
#include "check.h"

using namespace neckimu;

TEST(little_endian_packing) {
  uint8_t b[4];
  put_u16(b, 0x1234);
  CHECK_EQ(b[0], 0x34);
  CHECK_EQ(b[1], 0x12);
  put_u32(b, 0xA1B2C3D4u);
  CHECK_EQ(b[0], 0xD4);
  CHECK_EQ(b[3], 0xA1);
  CHECK_EQ(get_u32(b), 0xA1B2C3D4u);
  put_i16(b, -2);
  CHECK_EQ(b[0], 0xFE);
  CHECK_EQ(b[1], 0xFF);
  CHECK_EQ(get_i16(b), -2);
  put_f32(b, 1.0f);  // 0x3F800000
  CHECK_EQ(b[3], 0x3F);
  CHECK_EQ(b[2], 0x80);
  CHECK(get_f32(b) == 1.0f);
}

TEST(packet_lengths_follow_the_spec) {
  CHECK_EQ(packet_length(1, 0), 20);
  CHECK_EQ(packet_length(0, 1), 16);
  CHECK_EQ(packet_length(2, 0), 8 + 24 + 2);
  CHECK_EQ(packet_length(4, 1), 8 + 48 + 2 + 8);
  CHECK_EQ(max_imu_records(20, 0), 1);
  CHECK_EQ(max_imu_records(20, 1), 0);
  CHECK_EQ(max_imu_records(244, 0), 19);
  CHECK_EQ(max_imu_records(244, 1), 18);
  CHECK_EQ(max_imu_records(1000, 0), 31);  // the counts field holds at most 31
  CHECK_EQ(proto::payload_limit(23), 20);
  CHECK_EQ(proto::payload_limit(247), 244);
  CHECK_EQ(proto::payload_limit(512), 244);
  CHECK_EQ(proto::payload_limit(0), 20);
}

TEST(encode_decode_round_trip) {
  ImuRecord imu[3] = {{1000, {1, -2, 3}, {-4, 5, -6}},
                      {1500, {7, 8, 9}, {10, 11, 12}},
                      {2001, {-32768, 32767, 0}, {0, 0, 0}}};
  MagRecord mag[1] = {{1700, {100, -200, 300}}};
  uint8_t buf[64];
  size_t len = encode_data_packet(buf, proto::kFlagAccSaturated, 65535, imu, 3, mag, 1, 0);
  CHECK_EQ(len, packet_length(3, 1));
  DecodedPacket d;
  CHECK(decode_packet(buf, len, &d) == DecodeError::kOk);
  CHECK_EQ(d.flags, 1);
  CHECK_EQ(d.seq, 65535);
  CHECK_EQ(d.t0_us, 1000);
  CHECK_EQ(d.span_us, 1001);
  CHECK_EQ(d.imu[1].t_us, 1501);  // 1000 + round(500.5), half up
  CHECK_EQ(d.imu[2].t_us, 2001);
  CHECK_EQ(d.imu[2].gyro[0], -32768);
  CHECK_EQ(d.mag[0].t_us, 1700);
  CHECK_EQ(d.mag[0].mag[1], -200);
  CHECK(decode_packet(buf, len - 1, &d) == DecodeError::kBadLength);
}

TEST(encode_refuses_what_the_format_cannot_say) {
  uint8_t buf[64];
  ImuRecord imu[2] = {{0, {}, {}}, {70000, {}, {}}};  // span > 65535 us
  CHECK_EQ(encode_data_packet(buf, 0, 0, imu, 2, nullptr, 0, 0), 0);
  MagRecord early = {0xFFFFFF00u, {}};  // before t0 = 0 across the wrap
  ImuRecord one = {0, {}, {}};
  CHECK_EQ(encode_data_packet(buf, 0, 0, &one, 1, &early, 1, 0), 0);
  CHECK_EQ(encode_data_packet(buf, 0, 0, nullptr, 0, nullptr, 0, 0), 0);
}

TEST(event_packet) {
  uint8_t buf[16];
  CHECK_EQ(encode_event_packet(buf, 7, 123456, 0x0102), 10);
  DecodedPacket d;
  CHECK(decode_packet(buf, 10, &d) == DecodeError::kOk);
  CHECK(d.event);
  CHECK_EQ(d.code, 0x0102);
  CHECK_EQ(d.seq, 7);
  buf[1] |= 1;  // event with a record
  CHECK(decode_packet(buf, 10, &d) == DecodeError::kBadEvent);
}

TEST(decoder_rejects_malformed) {
  uint8_t buf[32] = {0x01, 0x01};
  DecodedPacket d;
  CHECK(decode_packet(buf, 7, &d) == DecodeError::kShort);
  CHECK(decode_packet(buf, 19, &d) == DecodeError::kBadLength);
  CHECK(decode_packet(buf, 20, &d) == DecodeError::kOk);
  buf[0] = 0x02;
  CHECK(decode_packet(buf, 20, &d) == DecodeError::kBadVersion);
  buf[0] = 0x01;
  buf[1] = 0x00;
  CHECK(decode_packet(buf, 8, &d) == DecodeError::kEmpty);
}

TEST(ring_buffer_drops_oldest_and_counts) {
  RingBuffer<int, 3> r;
  CHECK(!r.push(1));
  CHECK(!r.push(2));
  CHECK(!r.push(3));
  CHECK(r.push(4));
  CHECK(r.push(5));
  CHECK_EQ(r.size(), 3);
  CHECK_EQ(r.dropped(), 2);
  CHECK_EQ(r.front(), 3);
  CHECK_EQ(r.at(2), 5);
  r.pop(2);
  CHECK_EQ(r.front(), 5);
  r.pop(5);
  CHECK(r.empty());
  r.pop();  // harmless when empty
  CHECK(r.empty());
}
