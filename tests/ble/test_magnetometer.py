"""Rows before the first magnetometer record carry NaN (no reading yet), and every recording
neckimu writes reads back with every sample: each MTU x magnetometer rate, a late and a
silent magnetometer, through the simulated headset (issue 11)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from neckimu.ble.testsignal import synthetic_stream
from neckimu.live.ble_sources import LIVE_MAG_HOLD_S


def _check(run, *, first_mag_s: float | None) -> None:
    """Every sample sent is in the file; mag is NaN exactly before the first mag record."""
    stream, rec = run.stream, run.recording
    seq = run.recorded_seq()
    np.testing.assert_array_equal(seq, run.sent_seq())
    assert len(seq) == len(stream.seq)
    mag = rec.samples.mag
    if first_mag_s is None:
        assert mag is None or np.isnan(mag).all()
        return
    idx = np.searchsorted(stream.seq, seq)
    t = stream.t_us[idx]
    first = stream.mag_t_us[min(run.headset.sent_mag_idx)]
    assert first <= stream.t_us[0] + first_mag_s * 1e6 + 1
    missing = np.isnan(mag).any(axis=1)
    assert (missing == np.isnan(mag).all(axis=1)).all()  # whole rows
    np.testing.assert_array_equal(missing, t < first)
    # mx carries the record's index: the record held at each row (with live's hold 0 a row
    # may go out before the newest record arrived, and keep the one before)
    ref = (np.searchsorted(stream.mag_t_us, t, side="right") - 1)[~missing]
    got = np.round(mag[~missing, 0] / np.float32(stream.mag_scale)).astype(np.int64)
    exact = got == stream.mag[ref, 0]
    assert (exact | (got == stream.mag[np.maximum(ref - 1, 0), 0])).all()
    if run.recorder_hold_s > 0:
        assert exact.all()


@pytest.mark.parametrize("mtu", [23, 247])
@pytest.mark.parametrize("mag_rate", [0.0, 10.0, 20.0])
def test_every_mtu_and_magnetometer_rate_reads_back(record_simulated, mtu, mag_rate):
    stream = synthetic_stream(4.0, 100.0, mag_rate_hz=mag_rate, coded=True, seed=11)
    # live's setting: rows go out at once, without waiting for the magnetometer
    run = record_simulated(stream, speed=4.0, mtu=mtu, mag_hold_s=LIVE_MAG_HOLD_S)
    _check(run, first_mag_s=None if mag_rate == 0 else 0.003)


@pytest.mark.parametrize("hold_s", [LIVE_MAG_HOLD_S, 0.25])
def test_late_magnetometer(record_simulated, hold_s):
    stream = synthetic_stream(5.0, 100.0, coded=True, seed=12)
    late = stream.mag_t_us >= stream.t_us[0] + 1_500_000  # first record 1.5 s in
    stream = replace(stream, mag_t_us=stream.mag_t_us[late], mag=stream.mag[late])
    run = record_simulated(stream, speed=4.0, mtu=247, mag_hold_s=hold_s)
    _check(run, first_mag_s=1.52)
    assert np.isnan(run.recording.samples.mag[:140]).all()


def test_silent_magnetometer(record_simulated):
    """The headset says its magnetometer runs (20 Hz) but no record ever arrives."""
    stream = synthetic_stream(4.0, 100.0, coded=True, seed=13)
    stream = replace(stream, mag_t_us=stream.mag_t_us + 3_600_000_000)  # an hour late
    run = record_simulated(stream, speed=4.0, mtu=247)
    assert run.headset.info.mag_rate_hz == 20.0 and not run.headset.sent_mag_idx
    _check(run, first_mag_s=None)
    assert run.recording.meta["mag_rate_hz"] == 20.0
