#include "settings.h"

#include <stddef.h>

namespace neckimu {

namespace {

const uint16_t kRev1Rates[] = {119};
const uint16_t kRev2Rates[] = {100, 200};
const uint16_t kRev1GyroRanges[] = {2000};
const uint16_t kRev2GyroRanges[] = {125, 250, 500, 1000, 2000};
const uint16_t kRev1AccRanges[] = {4};
const uint16_t kRev2AccRanges[] = {2, 4, 8, 16};

template <size_t N>
uint16_t nearest(const uint16_t (&options)[N], uint32_t want) {
  uint16_t best = options[0];
  uint32_t best_d = 0xFFFFFFFFu;
  for (size_t i = 0; i < N; ++i) {
    uint32_t d = options[i] > want ? options[i] - want : want - options[i];
    if (d <= best_d) {  // options ascend, so a tie keeps the higher one
      best = options[i];
      best_d = d;
    }
  }
  return best;
}

}  // namespace

Settings default_settings(Board board) {
  if (board == Board::kRev1) return Settings{119, 2000, 4, true};
  return Settings{100, 2000, 4, true};
}

uint16_t nearest_rate_hz(Board board, uint16_t hz) {
  return board == Board::kRev1 ? nearest(kRev1Rates, hz) : nearest(kRev2Rates, hz);
}

uint16_t nearest_gyro_range_dps(Board board, uint16_t dps) {
  return board == Board::kRev1 ? nearest(kRev1GyroRanges, dps) : nearest(kRev2GyroRanges, dps);
}

uint8_t nearest_acc_range_g(Board board, uint8_t g) {
  return static_cast<uint8_t>(board == Board::kRev1 ? nearest(kRev1AccRanges, g)
                                                    : nearest(kRev2AccRanges, g));
}

uint16_t mag_rate_centi_hz(Board board) { return board == Board::kRev1 ? 2000 : 1000; }

uint16_t mag_range_ut(Board board) { return board == Board::kRev1 ? 400 : 1300; }

// Both IMUs use the full int16 span for the full-scale range: count = value * 32768 / range.
float gyro_scale_rad_s(const Settings& s) {
  return static_cast<float>(s.gyro_range_dps) / 32768.0f * (kPi / 180.0f);
}

float acc_scale_m_s2(const Settings& s) {
  return static_cast<float>(s.acc_range_g) / 32768.0f * kStandardGravity_m_s2;
}

// Rev1: the LSM9DS1 at 4 gauss (400 uT) on int16. Rev2: the BMM150 library gives compensated
// uT; we send tenths of a uT so +/-2500 uT (its z range) still fits an int16.
float mag_scale_ut(Board board) { return board == Board::kRev1 ? 400.0f / 32768.0f : 0.1f; }

int32_t mag_saturation_counts(Board board) {
  return board == Board::kRev1 ? 32767 : 13000;  // Rev2: 1300 uT in 0.1 uT counts
}

}  // namespace neckimu
