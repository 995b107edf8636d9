// Sensor settings, what each board offers, and the scale factors that follow from them.
#pragma once

#include <stdint.h>

namespace neckimu {

enum class Board : uint8_t {
  kRev1 = 1,  // Nano 33 BLE Rev1: LSM9DS1
  kRev2 = 2,  // Nano 33 BLE Rev2: BMI270 + BMM150
};

// What the control characteristic can change. Defaults: default_settings(board).
struct Settings {
  uint16_t rate_hz;         // IMU output data rate, Hz (nominal)
  uint16_t gyro_range_dps;  // gyroscope full scale, +/- deg/s
  uint8_t acc_range_g;      // accelerometer full scale, +/- g
  bool mag_enabled;         // magnetometer on
};

Settings default_settings(Board board);

// Nearest value the board offers (ties go to the higher value). Rev1's LSM9DS1 library fixes
// 119 Hz, 2000 dps, 4 g; Rev2's BMI270 runs at 100 or 200 Hz, 125..2000 dps, 2..16 g.
uint16_t nearest_rate_hz(Board board, uint16_t requested_hz);
uint16_t nearest_gyro_range_dps(Board board, uint16_t requested_dps);
uint8_t nearest_acc_range_g(Board board, uint8_t requested_g);

// Magnetometer: its own fixed rate and range (set by the sensor libraries). Rev1: 20 Hz, what
// Arduino_LSM9DS1 writes to CTRL_REG1_M. Rev2: 10 Hz, the BMM150's power-on data rate, which
// Arduino_BMI270_BMM150 leaves as it is (firmware/README.md). neckimu/sim/sensors.py uses the same.
uint16_t mag_rate_centi_hz(Board board);  // centi-Hz: Rev1 20 Hz, Rev2 10 Hz
uint16_t mag_range_ut(Board board);       // +/- uT: Rev1 400 (4 gauss), Rev2 1300 (x, y)

// SI value of one transmitted count.
float gyro_scale_rad_s(const Settings& s);  // rad/s per count
float acc_scale_m_s2(const Settings& s);    // m/s^2 per count
float mag_scale_ut(Board board);            // uT per count

// Count at or beyond which a magnitude is reported as saturated.
int32_t mag_saturation_counts(Board board);
constexpr int32_t kImuSaturationCounts = 32767;  // int16 full scale of accel and gyro

constexpr float kStandardGravity_m_s2 = 9.80665f;
constexpr float kPi = 3.14159265358979f;

}  // namespace neckimu
