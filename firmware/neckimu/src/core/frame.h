// Axis alignment: from what a sensor library reports to the neckimu board frame (docs/wire-format.md,
// *Frame*): right-handed, x toward the USB connector, y to the left of x seen from the component
// side, z out of the component side. Each alignment is a signed permutation, written out by name
// (like x-io Fusion's FusionRemap) so a reader can check it against the board drawing.
#pragma once

#include <stdint.h>

#include "settings.h"

namespace neckimu {

// out[i] = sign[i] * in[source[i]]
struct Alignment {
  uint8_t source[3];
  int8_t sign[3];
};

// The board's alignments for one board revision, applied to library outputs.
struct BoardAlignment {
  Alignment acc_gyro;
  Alignment mag;
};

// Rev1, Arduino_LSM9DS1: accel/gyro already in the board frame; the LSM9DS1 magnetometer's x axis
// points the other way, so it is negated.
// Rev2, Arduino_BMI270_BMM150: on the Nano 33 BLE the library reports accel/gyro as
// (x, y, z) = (-y, -x, z) of the BMI270, a mirror image (library issue 44); we apply the same
// map again, which undoes it and restores the BMI270's own right-handed axes, which follow the
// board's axis print. The library leaves the BMM150 as it is.
// These maps follow the datasheets and the libraries' sources; they were not checked on a
// board here (see firmware/README.md, "Check the frame", for the one-minute check).
const BoardAlignment& board_alignment(Board board);

// Applies `a` to `in`, saturating instead of overflowing (-(-32768) gives 32767).
void align(const Alignment& a, const int16_t in[3], int16_t out[3]);

// Determinant of the alignment's matrix: +1 for a rotation, -1 for a mirror image.
int determinant(const Alignment& a);

}  // namespace neckimu
