"""Format v1: magnetometer cells that are empty or ``nan`` for a whole row mean "no
magnetometer reading yet" (issue 11). What the recorder writes that way reads back, and the
9D path fills the missing rows."""

from __future__ import annotations

import numpy as np
import pytest

from neckimu.errors import InputError
from neckimu.orientation import estimate_offline, fill_missing_mag
from neckimu.recording.reader import read_recording
from neckimu.recording.writer import RecordingWriter
from neckimu.samples import SampleBlock


def _block(n: int, missing: int, seed: int = 0) -> SampleBlock:
    rng = np.random.default_rng(seed)
    t = np.arange(n) * 0.01
    gyr = rng.integers(-50, 50, (n, 3)) * float(np.float32(0.00106))
    acc = np.tile([0.0, 0.0, 9.81], (n, 1)) + rng.integers(-30, 30, (n, 3)) * 0.0012
    mag = np.tile([20.0, -5.0, -40.0], (n, 1)) + rng.integers(-20, 20, (n, 3)) * 0.0122
    mag[:missing] = np.nan  # before the first magnetometer record
    return SampleBlock(t, gyr, acc, mag)


_HEADER = (
    '# neckimu recording v1\n# meta {"format_version": 1}\n'
    "time_s,gyr_x,gyr_y,gyr_z,acc_x,acc_y,acc_z,mag_x,mag_y,mag_z\n"
)


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz"])
def test_rows_without_a_magnetometer_reading_read_back_and_rewrite_exactly(tmp_path, suffix):
    p1, p2 = tmp_path / f"a{suffix}", tmp_path / f"b{suffix}"
    with RecordingWriter(p1, {"mount": "forehead"}) as w:
        w.write_block(_block(300, 25))
    rec = read_recording(p1)
    assert len(rec.samples) == 300
    nan = np.isnan(rec.samples.mag)
    assert nan[:25].all() and not nan[25:].any()
    with RecordingWriter(p2, {"mount": "forehead"}) as w:
        w.write_block(rec.samples)
    if suffix == ".csv":
        assert p1.read_bytes() == p2.read_bytes()


@pytest.mark.parametrize("cells", ["nan,nan,nan", ",,", "NaN, NaN, NaN", "-nan,nan,nan"])
def test_empty_or_nan_magnetometer_cells_are_legal_as_a_row(tmp_path, cells):
    p = tmp_path / "x.csv"
    p.write_text(_HEADER + f"0.0,0,0,0,0,0,9.8,{cells}\n0.01,0,0,0,0,0,9.8,1,2,3\n")
    rec = read_recording(p)
    assert np.isnan(rec.samples.mag[0]).all() and list(rec.samples.mag[1]) == [1, 2, 3]


def test_a_silent_magnetometer_reads_as_no_magnetometer(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text(_HEADER + "0.0,0,0,0,0,0,9.8,nan,nan,nan\n0.01,0,0,0,0,0,9.8,,,\n")
    assert read_recording(p).samples.mag is None


@pytest.mark.parametrize(
    ("row", "line", "column"),
    [
        ("0.01,0,0,0,0,0,9.8,1,nan,3", 5, "mag_y"),  # part of a row
        ("0.01,0,0,0,0,0,9.8,1,2,inf", 5, "mag_z"),
        ("0.01,0,0,nan,0,0,9.8,1,2,3", 5, "gyr_z"),  # only magnetometer cells may be missing
        ("0.01,0,0,,0,0,9.8,1,2,3", 5, "gyr_z"),
        ("0.01,0,0,0,0,0,9.8,1,NA,3", 5, "mag_y"),
    ],
)
def test_other_missing_values_are_still_one_line_errors(tmp_path, row, line, column):
    p = tmp_path / "x.csv"
    p.write_text(_HEADER + "0.0,0,0,0,0,0,9.8,1,2,3\n" + row + "\n")
    with pytest.raises(InputError) as e:
        read_recording(p)
    assert e.value.line == line and e.value.column == column


def test_the_9d_path_fills_rows_without_a_reading():
    mag = np.array([[np.nan] * 3, [np.nan] * 3, [1, 2, 3], [np.nan] * 3, [4, 5, 6.0]])
    np.testing.assert_array_equal(
        fill_missing_mag(mag), [[1, 2, 3], [1, 2, 3], [1, 2, 3], [1, 2, 3], [4, 5, 6]]
    )
    b = _block(2000, 150)
    q = estimate_offline(b, use_mag=True).quat
    assert np.isfinite(q).all()
    full = SampleBlock(b.t, b.gyr, b.acc, fill_missing_mag(b.mag))
    np.testing.assert_allclose(q, estimate_offline(full, use_mag=True).quat)
