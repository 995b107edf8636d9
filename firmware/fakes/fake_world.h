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
std::vector<std::vector<uint8_t>>& notifications();
std::vector<uint8_t> info_value();
int advertise_calls();
std::string local_name();

}  // namespace fake
