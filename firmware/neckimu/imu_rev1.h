// Rev1: LSM9DS1 through Arduino_LSM9DS1 (1.1.x). The library fixes 119 Hz, +/-2000 dps, +/-4 g
// and the magnetometer at 20 Hz, 4 gauss; it has no setters, so settings are only echoed.
#pragma once

#include <Arduino_LSM9DS1.h>

#include "imu_source.h"

namespace neckimu {

class ImuRev1 : public ImuSource {
 public:
  Board board() const override { return Board::kRev1; }
  uint32_t hidden_samples() const override { return 0; }

  bool begin(const Settings&) override {
    if (!IMU_LSM9DS1.begin()) return false;
    // FIFO in continuous mode: up to 32 samples (269 ms) wait in the sensor while a
    // notification blocks, instead of being lost.
    IMU_LSM9DS1.setContinuousMode();
    return true;
  }

  size_t read_imu(float gyro_dps[][3], float acc_g[][3], size_t max) override {
    size_t n = 0;
    // In continuous mode accelerationAvailable() says whether the FIFO holds a sample; reading
    // gyro then accel pops one gyro+accel pair.
    while (n < max && IMU_LSM9DS1.accelerationAvailable()) {
      IMU_LSM9DS1.readGyroscope(gyro_dps[n][0], gyro_dps[n][1], gyro_dps[n][2]);
      IMU_LSM9DS1.readAcceleration(acc_g[n][0], acc_g[n][1], acc_g[n][2]);
      ++n;
    }
    return n;
  }

  bool read_mag(float mag_ut[3]) override {
    if (!IMU_LSM9DS1.magneticFieldAvailable()) return false;
    return IMU_LSM9DS1.readMagneticField(mag_ut[0], mag_ut[1], mag_ut[2]) == 1;
  }
};

}  // namespace neckimu
