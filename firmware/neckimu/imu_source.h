// The sensor side of the sketch: one small interface, one implementation per board revision.
// Implementations return what the libraries return (deg/s, g, uT, library axes); the portable
// core (src/core/units.h) turns that into board-frame counts.
#pragma once

#include <stddef.h>

#include "src/core/settings.h"

namespace neckimu {

class ImuSource {
 public:
  static constexpr size_t kMaxBurst = 32;  // samples read per loop at most (LSM9DS1 FIFO depth)

  virtual ~ImuSource() {}
  virtual Board board() const = 0;
  // Starts the sensor with `s` (already the nearest the board offers) in FIFO mode.
  virtual bool begin(const Settings& s) = 0;
  // Drains the sensor FIFO: up to `max` samples, oldest first. Returns how many.
  virtual size_t read_imu(float gyro_dps[][3], float acc_g[][3], size_t max) = 0;
  // Reads a new magnetometer sample if one is ready.
  virtual bool read_mag(float mag_ut[3]) = 0;
};

}  // namespace neckimu
