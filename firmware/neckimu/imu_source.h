// The sensor side of the sketch: one small interface, one implementation per board revision.
// Implementations return what the libraries return (deg/s, g, uT, library axes); the portable
// core (src/core/units.h) turns that into board-frame counts.
#pragma once

#include <stddef.h>

#include "src/core/settings.h"

namespace neckimu {

class ImuSource {
 public:
  // Samples read per call at most: more than the LSM9DS1 FIFO holds (32), so a Rev1 read always
  // empties it; the BMI270 FIFO holds more, and a read that stops here says so to the clock.
  static constexpr size_t kMaxBurst = 64;

  virtual ~ImuSource() {}
  virtual Board board() const = 0;
  // Samples a read that found the FIFO "empty" may still have left in it (see SampleClock).
  virtual uint32_t hidden_samples() const = 0;
  // Starts the sensor with `s` (already the nearest the board offers) in FIFO mode.
  virtual bool begin(const Settings& s) = 0;
  // Drains the sensor FIFO: up to `max` samples, oldest first. Returns how many.
  virtual size_t read_imu(float gyro_dps[][3], float acc_g[][3], size_t max) = 0;
  // Reads a new magnetometer sample if one is ready.
  virtual bool read_mag(float mag_ut[3]) = 0;
};

}  // namespace neckimu
