// Controls for the host fakes: the clock, the simulated sensors and the simulated central.
#pragma once

#include <stdint.h>

#include <string>
#include <vector>

namespace fake {

// Time
void advance_us(uint32_t dt);
uint64_t now_us();

// Sensors: which board is "soldered on" (1 or 2) and how fast its IMU really runs relative to
// nominal (e.g. 113.0 / 119.0 for a slow LSM9DS1).
void set_board(int rev, double rate_factor);
int bmi_rate_hz();        // what the sketch configured on the BMI270
int bmi_acc_range_g();
int begin_calls();

// The simulated head: board-frame truth the sensors report through their library's axes.
// gyro in deg/s, acc in g, mag in uT, as functions of the sample index.
void board_frame_truth(uint64_t index, float gyro[3], float acc[3], float mag[3]);

// Central
extern const char* kCentralAddress;
void connect(uint16_t mtu);
void disconnect();
void set_mtu(uint16_t mtu);
void subscribe(bool on);
void write_control(const std::vector<uint8_t>& bytes);
void stall_next_notification(uint32_t dt_us);  // the next notify blocks this long
// The next `count` notifications are not taken whole: writeValue returns `sent` (0: nothing
// sent; 0 < sent < length: the stack cut it to `sent` bytes, which the central receives).
void fail_next_notifications(int count, int sent);
// `bytes` reach the control characteristic while the sketch is inside its next notification:
// writeValue polls the stack (as HCI::sendAclPkt does while the controller's buffers are
// full), which runs the write handler there.
void write_control_during_next_notification(const std::vector<uint8_t>& bytes);
// Sensor restarts (I2C) and info updates made by a handler running inside a notification.
int reentrant_changes();
// How many times a String was built from a BLEDevice's address.
int address_strings();
std::vector<std::vector<uint8_t>>& notifications();
std::vector<uint8_t> info_value();
int advertise_calls();
std::string local_name();

}  // namespace fake
