// Data packets: length rules, encoding, and a reference decoder (used by the host tests and
// the golden vectors; the firmware itself only encodes).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

namespace neckimu {

// One IMU sample in the board frame, raw counts, stamped with device time.
struct ImuRecord {
  uint32_t t_us;    // device time, micros() mod 2^32
  int16_t gyro[3];  // counts, board frame
  int16_t acc[3];   // counts, board frame
};

// One magnetometer sample in the board frame, raw counts.
struct MagRecord {
  uint32_t t_us;    // device time, micros() mod 2^32
  int16_t mag[3];   // counts, board frame
};

// Exact length of a data packet with these counts, bytes (event packets: kEventPacketSize).
size_t packet_length(size_t n_imu, size_t n_mag);

// Most IMU records that fit in `payload` bytes beside `n_mag` mag records (0 if none fit).
size_t max_imu_records(size_t payload, size_t n_mag);

// Writes a data packet into `out` (room for packet_length bytes). `flags` are the
// proto::kFlag* bits. Requires 1 <= n_imu + n_mag, n_imu <= 31, n_mag <= 3; with n_imu = 0,
// t0_us is the first mag record's time. Mag records must lie in [t0, t0 + 65535] us and, when
// n_imu >= 2, imu[n-1].t_us - imu[0].t_us <= 65535 us. Returns the length, 0 if out of rules.
size_t encode_data_packet(uint8_t* out, uint8_t flags, uint16_t seq, const ImuRecord* imu,
                          size_t n_imu, const MagRecord* mag, size_t n_mag, uint32_t t0_us);

// Writes an event packet (10 bytes). Returns its length.
size_t encode_event_packet(uint8_t* out, uint16_t seq, uint32_t t_us, uint16_t code);

// What a client makes of a packet.
struct DecodedPacket {
  uint8_t version;
  uint8_t flags;      // ver_flags >> 4
  uint16_t seq;
  uint32_t t0_us;
  uint8_t n_imu;
  uint8_t n_mag;
  uint16_t span_us;   // 0 when n_imu < 2
  bool event;
  uint16_t code;      // 0 unless event
  ImuRecord imu[proto::kMaxImuPerPacket];  // t_us = t0 + round(i * span / (n - 1))
  MagRecord mag[proto::kMaxMagPerPacket];  // t_us = t0 + offset
};

enum class DecodeError {
  kOk,
  kShort,          // shorter than a header
  kBadVersion,
  kEmpty,          // n_imu = n_mag = 0 and no event bit
  kBadEvent,       // event bit with records
  kBadLength,      // length disagrees with the counts
};

const char* decode_error_name(DecodeError e);

DecodeError decode_packet(const uint8_t* data, size_t len, DecodedPacket* out);

}  // namespace neckimu
