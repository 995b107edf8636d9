// Device time stamps for samples read from a sensor FIFO in bursts.
//
// The loop learns only that k samples were waiting when it read them at now_us. Stamping each
// with its read time would copy the loop's jitter (and every BLE stall) into the data; stamping
// with the nominal rate would drift (the LSM9DS1's "119 Hz" runs at about 113 Hz). Instead a
// small phase-locked loop tracks the sensor's real period: sample times advance by the estimated
// period, and the phase error at each read slowly corrects both phase and period.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace neckimu {

struct SampleClockSettings {
  float phase_gain = 0.05f;       // fraction of the phase error corrected per read
  float period_gain = 0.002f;     // fraction of the phase error fed into the period, per sample
  float max_period_error = 0.2f;  // the period estimate stays within nominal * (1 +/- this)
};

class SampleClock {
 public:
  explicit SampleClock(SampleClockSettings settings = SampleClockSettings()) : settings_(settings) {}

  // Forget the past; the next burst anchors the clock. nominal_period_us = 1e6 / rate.
  // hidden_samples: how many samples a drained read may still leave in the sensor (the BMI270
  // library reads its FIFO in bursts of 8, so up to 7 wait below the watermark; LSM9DS1: 0).
  void reset(float nominal_period_us, uint32_t hidden_samples = 0);

  // `k` samples were read at device time `now_us`. `drained`: the read emptied the sensor FIFO,
  // so the newest sample was produced just before now_us; if not (the reader stopped at its
  // buffer size), the samples are placed after the previous ones at the estimated period and
  // now_us is not used. Writes their times (oldest first, strictly increasing) to
  // out_us[0..k-1]. Returns how many samples the sensor must have lost before this burst (its
  // FIFO overflowed), usually 0.
  uint32_t stamp(uint32_t now_us, size_t k, uint32_t* out_us, bool drained = true);

  float period_us() const { return period_us_; }  // current estimate, microseconds

 private:
  void anchor(uint32_t now_us, size_t k, uint32_t* out_us);

  SampleClockSettings settings_;
  float nominal_us_ = 10000.0f;
  float period_us_ = 10000.0f;
  float hidden_ = 0.0f;   // samples that may wait unreported
  uint32_t last_us_ = 0;  // time given to the newest sample so far
  bool locked_ = false;
};

}  // namespace neckimu
