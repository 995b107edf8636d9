#include "sample_clock.h"

namespace neckimu {

namespace {

uint32_t round_us(float x) { return static_cast<uint32_t>(static_cast<int32_t>(x < 0 ? x - 0.5f : x + 0.5f)); }

}  // namespace

void SampleClock::reset(float nominal_period_us, uint32_t hidden_samples) {
  nominal_us_ = nominal_period_us;
  hidden_ = static_cast<float>(hidden_samples);
  period_us_ = nominal_period_us;
  locked_ = false;
}

void SampleClock::anchor(uint32_t now_us, size_t k, uint32_t* out_us) {
  for (size_t j = 0; j < k; ++j) {
    uint32_t t = now_us - round_us(static_cast<float>(k - 1 - j) * period_us_);
    // keep strictly increasing across the re-anchoring
    if (locked_ && static_cast<int32_t>(t - last_us_) <= 0) t = last_us_ + 1;
    out_us[j] = t;
    last_us_ = t;
  }
  locked_ = true;
}

uint32_t SampleClock::stamp(uint32_t now_us, size_t k, uint32_t* out_us, bool drained) {
  if (k == 0) return 0;
  if (!locked_) {
    anchor(now_us, k, out_us);
    return 0;
  }
  if (!drained) {  // more samples wait in the sensor: now_us says nothing about these
    for (size_t j = 0; j < k; ++j) out_us[j] = last_us_ + round_us(static_cast<float>(j + 1) * period_us_);
    last_us_ = out_us[k - 1];
    return 0;
  }
  const float predicted = static_cast<float>(k) * period_us_;
  const float err = static_cast<float>(static_cast<int32_t>(now_us - last_us_)) - predicted;
  uint32_t lost = 0;
  if (err > (hidden_ + 1.5f) * period_us_) {
    // More time passed than the samples (and those that may still wait) account for: the
    // sensor FIFO overflowed while the loop was away. Report the missing samples, counting the
    // ones that may still wait as half there, and start again from this burst.
    lost = round_us(err / period_us_ - 0.5f * hidden_);
    anchor(now_us, k, out_us);
    return lost;
  }
  if (err < -2.0f * period_us_ * static_cast<float>(k)) {
    anchor(now_us, k, out_us);  // far ahead of real time: trust the read time again
    return 0;
  }
  period_us_ += settings_.period_gain * err / static_cast<float>(k);
  const float lo = nominal_us_ * (1.0f - settings_.max_period_error);
  const float hi = nominal_us_ * (1.0f + settings_.max_period_error);
  if (period_us_ < lo) period_us_ = lo;
  if (period_us_ > hi) period_us_ = hi;
  const float shift = settings_.phase_gain * err;
  for (size_t j = 0; j < k; ++j) {
    float step = static_cast<float>(j + 1) * period_us_ + shift;
    if (step < 1.0f) step = 1.0f;
    uint32_t t = last_us_ + round_us(step);
    if (j > 0 && static_cast<int32_t>(t - out_us[j - 1]) <= 0) t = out_us[j - 1] + 1;
    out_us[j] = t;
  }
  last_us_ = out_us[k - 1];
  return lost;
}

}  // namespace neckimu
