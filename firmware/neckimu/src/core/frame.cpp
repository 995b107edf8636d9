#include "frame.h"

namespace neckimu {

namespace {

constexpr Alignment kIdentity = {{0, 1, 2}, {1, 1, 1}};
constexpr Alignment kNegateX = {{0, 1, 2}, {-1, 1, 1}};
// (x, y, z) <- (-y, -x, z): the Arduino_BMI270_BMM150 remap, which is its own inverse.
constexpr Alignment kSwapNegateXY = {{1, 0, 2}, {-1, -1, 1}};

constexpr BoardAlignment kRev1 = {kIdentity, kNegateX};
constexpr BoardAlignment kRev2 = {kSwapNegateXY, kIdentity};

int16_t negate_saturating(int16_t v) { return v == INT16_MIN ? INT16_MAX : static_cast<int16_t>(-v); }

}  // namespace

const BoardAlignment& board_alignment(Board board) { return board == Board::kRev1 ? kRev1 : kRev2; }

void align(const Alignment& a, const int16_t in[3], int16_t out[3]) {
  int16_t tmp[3];
  for (int i = 0; i < 3; ++i) {
    int16_t v = in[a.source[i]];
    tmp[i] = a.sign[i] < 0 ? negate_saturating(v) : v;
  }
  for (int i = 0; i < 3; ++i) out[i] = tmp[i];
}

int determinant(const Alignment& a) {
  // Signed permutation: sign of the permutation times the product of the signs.
  int parity = 1;
  for (int i = 0; i < 3; ++i)
    for (int j = i + 1; j < 3; ++j)
      if (a.source[i] > a.source[j]) parity = -parity;
  return parity * a.sign[0] * a.sign[1] * a.sign[2];
}

}  // namespace neckimu
