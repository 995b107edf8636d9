// Host fake of Arduino_LSM9DS1 (1.1.x): same public API; data comes from fake_world.h.
#pragma once

#include <Arduino.h>
#include <Wire.h>

class LSM9DS1Class {
 public:
  LSM9DS1Class(TwoWire& wire);
  virtual ~LSM9DS1Class() {}
  int begin();
  void end();
  void setContinuousMode();
  void setOneShotMode();
  virtual int readAcceleration(float& x, float& y, float& z);  // g
  virtual int accelerationAvailable();
  virtual float accelerationSampleRate();
  virtual int readGyroscope(float& x, float& y, float& z);  // deg/s
  virtual int gyroscopeAvailable();
  virtual float gyroscopeSampleRate();
  virtual int readMagneticField(float& x, float& y, float& z);  // uT
  virtual int magneticFieldAvailable();
  virtual float magneticFieldSampleRate();
};

extern LSM9DS1Class IMU_LSM9DS1;
#undef IMU
#define IMU IMU_LSM9DS1
