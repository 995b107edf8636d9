// The test's handle on the host fakes (fakes.cpp): one simulated world with a clock, the LEDs,
// the serial log, a BLE central and the sensors. The sketch never includes this; the test does.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <string>
#include <vector>

namespace fake {

// One notification as the central received it (already cut to MTU - 3, as ArduinoBLE does).
struct Notification {
  uint64_t at_us;              // fake time it was sent
  std::vector<uint8_t> bytes;  // what arrived
  size_t offered;              // what the sketch passed to writeValue
};

// A sensor producing samples at a constant true rate from the fake clock, with a FIFO.
struct FakeSensor {
  bool present = true;
  double rate_error = 1.0;     // true rate / configured rate (the LSM9DS1's 119 Hz is ~113 Hz)
  double rate_hz = 0;          // configured rate; 0 until begin()
  size_t fifo_depth = 32;
  uint64_t start_us = 0;
  uint64_t next = 0;           // index of the next sample the sketch reads
  uint64_t dropped = 0;        // samples the FIFO overwrote
  uint64_t mag_next = 0;
  double mag_rate_hz = 0;
};

struct World {
  uint64_t now_us = 0;
  int pins[32] = {};
  std::string serial;
  std::string local_name;

  // BLE: one central
  bool connected = false;
  bool subscribed = false;
  uint16_t mtu = 23;
  std::vector<Notification> notifications;

  FakeSensor lsm9ds1;
  FakeSensor bmi270;
};

World& world();

// Time passes (the sketch's micros() is the low 32 bits of now_us, like the nRF52840's).
void advance_us(uint64_t us);

// What the central does. Connection and write events reach the sketch in its next BLE.poll().
void central_connect();
void central_exchange_mtu(uint16_t mtu);  // the client asks for it; ArduinoBLE never does
void central_subscribe();
void central_write_control(const uint8_t* data, size_t len);
void central_disconnect();

// The info characteristic's current value.
std::vector<uint8_t> info_value();

// Sample k of a sensor in board-independent test units: a slow sine on every axis.
double fake_signal(uint64_t k, int axis);

}  // namespace fake
