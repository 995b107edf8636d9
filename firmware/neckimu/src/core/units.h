// From the sensor libraries' float outputs (deg/s, g, uT) back to raw counts in the board frame,
// with saturation detection. The libraries divide the sensor's int16 counts by a fixed factor;
// multiplying by the same factor gives the counts back exactly, whatever range is in use.
#pragma once

#include <stdint.h>

#include "packet.h"
#include "settings.h"

namespace neckimu {

// Library counts per unit, as each library's source divides them.
struct LibraryScale {
  float gyro_counts_per_dps;
  float acc_counts_per_g;
  float mag_counts_per_ut;  // our transmitted mag counts per uT
};

LibraryScale library_scale(Board board);

// Rounds value * counts_per_unit to int16 (clamped; NaN gives 0). Sets *saturated if the
// magnitude reaches `limit` counts.
int16_t to_counts(float value, float counts_per_unit, int32_t limit, bool* saturated);

// Library output -> IMU record in the board frame. Returns proto::kFlag{Acc,Gyro}Saturated bits.
uint8_t imu_from_library(Board board, const float gyro_dps[3], const float acc_g[3],
                         uint32_t t_us, ImuRecord* out);

// Library output -> mag record in the board frame. Returns proto::kFlagMagSaturated or 0.
uint8_t mag_from_library(Board board, const float mag_ut[3], uint32_t t_us, MagRecord* out);

}  // namespace neckimu
