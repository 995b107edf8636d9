// Rev2: BMI270 + BMM150 through Arduino_BMI270_BMM150 (1.2.x). The library starts the BMI270 at
// 100 Hz, +/-4 g, +/-2000 dps; configure_sensor() is its documented hook for other settings
// (see the library's Interrupts_subclassing example), so we override it. Its float outputs
// still divide by the 4 g / 2000 dps factors, which units.cpp undoes to get raw counts back.
#pragma once

#include <Arduino_BMI270_BMM150.h>
#include <Wire.h>

#include "imu_source.h"

namespace neckimu {

class Bmi270Configured : public BoschSensorClass {
 public:
  explicit Bmi270Configured(TwoWire& wire) : BoschSensorClass(wire) {}
  Settings settings = default_settings(Board::kRev2);

 protected:
  using BoschSensorClass::configure_sensor;  // keep the BMM150 overload visible

  int8_t configure_sensor(struct bmi2_dev* dev) override {
    struct bmi2_int_pin_config pin;
    pin.pin_type = BMI2_INT1;
    pin.int_latch = BMI2_INT_NON_LATCH;
    pin.pin_cfg[0].lvl = BMI2_INT_ACTIVE_HIGH;
    pin.pin_cfg[0].od = BMI2_INT_PUSH_PULL;
    pin.pin_cfg[0].output_en = BMI2_INT_OUTPUT_ENABLE;
    pin.pin_cfg[0].input_en = BMI2_INT_INPUT_DISABLE;

    struct bmi2_sens_config cfg[2];
    cfg[0].type = BMI2_ACCEL;
    cfg[0].cfg.acc.bwp = BMI2_ACC_OSR2_AVG2;
    cfg[0].cfg.acc.odr = settings.rate_hz >= 200 ? BMI2_ACC_ODR_200HZ : BMI2_ACC_ODR_100HZ;
    cfg[0].cfg.acc.filter_perf = BMI2_PERF_OPT_MODE;
    cfg[0].cfg.acc.range = acc_range_code(settings.acc_range_g);
    cfg[1].type = BMI2_GYRO;
    cfg[1].cfg.gyr.filter_perf = BMI2_PERF_OPT_MODE;
    cfg[1].cfg.gyr.bwp = BMI2_GYR_OSR2_MODE;
    cfg[1].cfg.gyr.odr = settings.rate_hz >= 200 ? BMI2_GYR_ODR_200HZ : BMI2_GYR_ODR_100HZ;
    cfg[1].cfg.gyr.range = gyro_range_code(settings.gyro_range_dps);
    cfg[1].cfg.gyr.ois_range = BMI2_GYR_OIS_2000;

    int8_t rslt = bmi2_set_int_pin_config(&pin, dev);
    if (rslt != BMI2_OK) return rslt;
    rslt = bmi2_map_data_int(BMI2_DRDY_INT, BMI2_INT1, dev);
    if (rslt != BMI2_OK) return rslt;
    rslt = bmi2_set_sensor_config(cfg, 2, dev);
    if (rslt != BMI2_OK) return rslt;
    const uint8_t sensors[2] = {BMI2_ACCEL, BMI2_GYRO};
    return bmi2_sensor_enable(sensors, 2, dev);
  }

 private:
  static uint8_t acc_range_code(uint8_t g) {
    switch (g) {
      case 2: return BMI2_ACC_RANGE_2G;
      case 8: return BMI2_ACC_RANGE_8G;
      case 16: return BMI2_ACC_RANGE_16G;
      default: return BMI2_ACC_RANGE_4G;
    }
  }
  static uint8_t gyro_range_code(uint16_t dps) {
    switch (dps) {
      case 125: return BMI2_GYR_RANGE_125;
      case 250: return BMI2_GYR_RANGE_250;
      case 500: return BMI2_GYR_RANGE_500;
      case 1000: return BMI2_GYR_RANGE_1000;
      default: return BMI2_GYR_RANGE_2000;
    }
  }
};

class ImuRev2 : public ImuSource {
 public:
  Board board() const override { return Board::kRev2; }
  // The library reports FIFO data only in bursts of 8 (watermark): up to 7 may wait unseen.
  uint32_t hidden_samples() const override { return 7; }

  bool begin(const Settings& s) override {
    sensor_.settings = s;
    if (!sensor_.begin()) return false;
    // FIFO with an 8-sample watermark: the library reads it in bursts of 8.
    sensor_.setContinuousMode();
    return true;
  }

  size_t read_imu(float gyro_dps[][3], float acc_g[][3], size_t max) override {
    size_t n = 0;
    // accelerationAvailable() reads a FIFO burst and returns its length (0: nothing new);
    // readAcceleration / readGyroscope then hand out that burst one sample at a time.
    while (n < max) {
      int burst = sensor_.accelerationAvailable();
      if (burst <= 0) break;
      for (int i = 0; i < burst && n < max; ++i, ++n) {
        sensor_.readAcceleration(acc_g[n][0], acc_g[n][1], acc_g[n][2]);
        sensor_.readGyroscope(gyro_dps[n][0], gyro_dps[n][1], gyro_dps[n][2]);
      }
    }
    return n;
  }

  bool read_mag(float mag_ut[3]) override {
    if (!sensor_.magneticFieldAvailable()) return false;
    return sensor_.readMagneticField(mag_ut[0], mag_ut[1], mag_ut[2]) == 1;
  }

 private:
  // The Nano 33 BLE's sensors sit on the second I2C bus, as in the library's own instance.
  Bmi270Configured sensor_{Wire1};
};

}  // namespace neckimu
