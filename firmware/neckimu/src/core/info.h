// The info characteristic: 36 bytes describing the device, its role and the settings in force
// (32 bytes before firmware 0.2, which had no role).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "wire.h"
#include "settings.h"

namespace neckimu {

constexpr uint8_t kFirmwareMajor = 0;
constexpr uint8_t kFirmwareMinor = 2;  // 0.2: role command and info byte 32
constexpr uint8_t kFirmwarePatch = 0;
constexpr uint8_t kFrameBoard = 1;  // neckimu board frame, right-handed

struct Info {
  uint8_t protocol_version;
  uint8_t board;
  uint8_t frame;
  uint8_t fw_major;
  uint8_t fw_minor;
  uint8_t fw_patch;
  uint16_t imu_rate_chz;    // centi-Hz
  uint16_t mag_rate_chz;    // centi-Hz, 0 = off
  uint16_t gyro_range_dps;
  uint8_t acc_range_g;
  uint8_t streaming;        // 0/1
  uint16_t mag_range_ut;
  float gyro_scale;         // rad/s per count
  float acc_scale;          // m/s^2 per count
  float mag_scale;          // uT per count
  uint32_t overflow_count;  // samples dropped on the device since start
  uint8_t role;             // proto::kRoleHead or kRoleTrunk (bytes 33..35 reserved, 0)
};

// Info for a board with settings `s`.
Info make_info(Board board, const Settings& s, bool streaming, uint32_t overflow_count,
               uint8_t role = proto::kRoleHead);

// Writes the 36-byte value. Returns proto::kInfoSize.
size_t encode_info(const Info& info, uint8_t* out);
// Reads it back (tests). Returns false if len != 36.
bool decode_info(const uint8_t* data, size_t len, Info* out);

}  // namespace neckimu
