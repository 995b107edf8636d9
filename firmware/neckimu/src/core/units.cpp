#include "units.h"

#include "frame.h"
#include "wire.h"

namespace neckimu {

LibraryScale library_scale(Board board) {
  if (board == Board::kRev1) {
    // Arduino_LSM9DS1: data * 2000 / 32768 dps, data * 4 / 32768 g, data * 400 / 32768 uT
    return LibraryScale{32768.0f / 2000.0f, 32768.0f / 4.0f, 32768.0f / 400.0f};
  }
  // Arduino_BMI270_BMM150: data / 16.384 dps, data / 8192 g; BMM150 in uT, we send 0.1 uT
  return LibraryScale{16.384f, 8192.0f, 10.0f};
}

int16_t to_counts(float value, float counts_per_unit, int32_t limit, bool* saturated) {
  float x = value * counts_per_unit;
  if (!(x == x)) return 0;  // NaN: the library failed to read
  int32_t c;
  if (x >= 32767.0f) {
    c = 32767;
  } else if (x <= -32768.0f) {
    c = -32768;
  } else {
    c = static_cast<int32_t>(x < 0 ? x - 0.5f : x + 0.5f);  // round half away from zero
  }
  if (c >= limit || c <= -limit) *saturated = true;
  return static_cast<int16_t>(c);
}

uint8_t imu_from_library(Board board, const float gyro_dps[3], const float acc_g[3],
                         uint32_t t_us, ImuRecord* out) {
  const LibraryScale s = library_scale(board);
  bool gyro_sat = false;
  bool acc_sat = false;
  int16_t g[3];
  int16_t a[3];
  for (int k = 0; k < 3; ++k) {
    g[k] = to_counts(gyro_dps[k], s.gyro_counts_per_dps, kImuSaturationCounts, &gyro_sat);
    a[k] = to_counts(acc_g[k], s.acc_counts_per_g, kImuSaturationCounts, &acc_sat);
  }
  const Alignment& al = board_alignment(board).acc_gyro;
  align(al, g, out->gyro);
  align(al, a, out->acc);
  out->t_us = t_us;
  return static_cast<uint8_t>((gyro_sat ? proto::kFlagGyroSaturated : 0) |
                              (acc_sat ? proto::kFlagAccSaturated : 0));
}

uint8_t mag_from_library(Board board, const float mag_ut[3], uint32_t t_us, MagRecord* out) {
  const float cpu = library_scale(board).mag_counts_per_ut;
  const int32_t limit = mag_saturation_counts(board);
  bool sat = false;
  int16_t m[3];
  for (int k = 0; k < 3; ++k) m[k] = to_counts(mag_ut[k], cpu, limit, &sat);
  align(board_alignment(board).mag, m, out->mag);
  out->t_us = t_us;
  return sat ? proto::kFlagMagSaturated : 0;
}

}  // namespace neckimu
