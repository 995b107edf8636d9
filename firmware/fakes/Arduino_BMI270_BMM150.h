// Host fake of Arduino_BMI270_BMM150 (1.2.x): BoschSensorClass's public API, its protected
// configure_sensor hooks, and the few Bosch BMI2 API names a subclass uses to configure.
#pragma once

#include <Arduino.h>
#include <Wire.h>

#define BMI2_OK 0
#define BMI2_ACCEL 0
#define BMI2_GYRO 1
#define BMI2_DRDY_INT 0x04
#define BMI2_INT_NON_LATCH 0
#define BMI2_INT_ACTIVE_HIGH 1
#define BMI2_INT_PUSH_PULL 0
#define BMI2_INT_OUTPUT_ENABLE 1
#define BMI2_INT_INPUT_DISABLE 0
#define BMI2_ACC_OSR2_AVG2 0x01
#define BMI2_GYR_OSR2_MODE 0x01
#define BMI2_PERF_OPT_MODE 1
#define BMI2_ACC_ODR_100HZ 0x08
#define BMI2_ACC_ODR_200HZ 0x09
#define BMI2_GYR_ODR_100HZ 0x08
#define BMI2_GYR_ODR_200HZ 0x09
#define BMI2_ACC_RANGE_2G 0x00
#define BMI2_ACC_RANGE_4G 0x01
#define BMI2_ACC_RANGE_8G 0x02
#define BMI2_ACC_RANGE_16G 0x03
#define BMI2_GYR_RANGE_2000 0x00
#define BMI2_GYR_RANGE_1000 0x01
#define BMI2_GYR_RANGE_500 0x02
#define BMI2_GYR_RANGE_250 0x03
#define BMI2_GYR_RANGE_125 0x04
#define BMI2_GYR_OIS_2000 0x01

enum bmi2_hw_int_pin { BMI2_INT_NONE, BMI2_INT1, BMI2_INT2, BMI2_INT_BOTH };

struct bmi2_dev {
  int unused;
};
struct bmm150_dev {
  int unused;
};
struct bmi2_int_pin_cfg {
  uint8_t lvl, od, output_en, input_en;
};
struct bmi2_int_pin_config {
  uint8_t pin_type;
  uint8_t int_latch;
  struct bmi2_int_pin_cfg pin_cfg[2];
};
struct bmi2_accel_config {
  uint8_t odr, bwp, filter_perf, range;
};
struct bmi2_gyro_config {
  uint8_t odr, bwp, filter_perf, ois_range, range, noise_perf;
};
union bmi2_sens_config_types {
  struct bmi2_accel_config acc;
  struct bmi2_gyro_config gyr;
};
struct bmi2_sens_config {
  uint8_t type;
  union bmi2_sens_config_types cfg;
};

int8_t bmi2_set_int_pin_config(const struct bmi2_int_pin_config* int_cfg, struct bmi2_dev* dev);
int8_t bmi2_map_data_int(uint8_t data_int, enum bmi2_hw_int_pin int_pin, struct bmi2_dev* dev);
int8_t bmi2_set_sensor_config(struct bmi2_sens_config* sens_cfg, uint8_t n_sens, struct bmi2_dev* dev);
int8_t bmi2_sensor_enable(const uint8_t* sens_list, uint8_t n_sens, struct bmi2_dev* dev);

typedef enum { BOSCH_ACCELEROMETER_ONLY, BOSCH_MAGNETOMETER_ONLY, BOSCH_ACCEL_AND_MAGN } CfgBoshSensor_t;

class BoschSensorClass {
 public:
  BoschSensorClass(TwoWire& wire = Wire);
  virtual ~BoschSensorClass() {}
  void setContinuousMode();
  void oneShotMode();
  int begin(CfgBoshSensor_t cfg = BOSCH_ACCEL_AND_MAGN);
  void end();
  virtual int readAcceleration(float& x, float& y, float& z);  // g, library axes
  virtual int accelerationAvailable();                        // FIFO burst length
  virtual float accelerationSampleRate();
  virtual int readGyroscope(float& x, float& y, float& z);     // deg/s, library axes
  virtual int gyroscopeAvailable();
  virtual float gyroscopeSampleRate();
  virtual int readMagneticField(float& x, float& y, float& z);  // uT
  virtual int magneticFieldAvailable();
  virtual float magneticFieldSampleRate();

 protected:
  virtual int8_t configure_sensor(struct bmm150_dev* dev);
  virtual int8_t configure_sensor(struct bmi2_dev* dev);

 private:
  struct bmi2_dev bmi2_ = {};
  struct bmm150_dev bmm_ = {};
  size_t burst_left_ = 0;
};

extern BoschSensorClass IMU_BMI270_BMM150;
#undef IMU
#define IMU IMU_BMI270_BMM150
