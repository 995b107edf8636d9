"""Sensor models: counts, ranges, rates, time stamps, drops, determinism."""

from __future__ import annotations

import numpy as np
import pytest

from neckimu.samples import G
from neckimu.sim import SessionConfig, simulate_session
from neckimu.sim.sensors import (
    BMI270_BMM150,
    LSM9DS1,
    SensorErrors,
    device_clock,
    drop_mask,
    measure_imu,
    quantise,
)

DPS = np.pi / 180.0
SHORT = dict(script="rest", rest_duration_s=20.0)


def test_quantise_rounds_to_counts_and_clamps_at_the_range():
    scale = LSM9DS1.gyr_scale
    c = quantise(np.array([0.4 * scale, 0.6 * scale, -2.4 * scale, 1e9, -1e9]), scale, 2000 * DPS)
    assert c.dtype == np.int16
    assert c.tolist() == [0, 1, -2, 28571, -28571]  # 2000 dps / 70 mdps


@pytest.mark.parametrize(("spec", "limit"), [(LSM9DS1, 28571), (BMI270_BMM150, 32767)])
def test_saturation_at_the_full_scale(spec, limit):
    rng = np.random.default_rng(0)
    err = SensorErrors.draw(rng, spec, spec.rates_hz[0], errors=False)
    gyr = np.array([[3000 * DPS, -3000 * DPS, 100 * DPS]])
    acc = np.array([[0.0, 0.0, 6 * G]])
    imu = measure_imu(rng, spec, err, spec.rates_hz[0], gyr, acc, np.zeros((1, 3)), False)
    assert imu[0, 0] == limit and imu[0, 1] == -limit
    assert imu[0, 2] == round(100 * DPS / spec.gyr_scale)
    assert imu[0, 5] == 32767  # 4 g full scale


@pytest.mark.parametrize(
    ("board", "rate", "lo", "hi"),
    [
        ("rev1", 119.0, 111.0, 115.0),
        ("rev2", 100.0, 99.0, 101.0),
        ("rev2", 200.0, 198.0, 202.0),
    ],
)
def test_real_rate_differs_from_nominal(board, rate, lo, hi):
    s = simulate_session(SessionConfig(seed=3, board=board, rate_hz=rate, **SHORT))
    assert s.device.nominal_rate_hz == rate
    measured = 1e6 / np.median(np.diff(s.device.t_us) / np.diff(s.device.seq))
    assert lo < measured < hi
    assert abs(measured - rate) > 0.01
    assert abs(measured - s.truth["actual_rate_hz"]) < 0.05


def test_time_stamps_jitter_and_increase():
    s = simulate_session(SessionConfig(seed=8, drop_prob=0.0, drop_bursts_per_min=0.0, **SHORT))
    d = np.diff(s.device.t_us)
    assert (d > 0).all() and s.device.t_us.dtype == np.int64
    resid = d - np.median(d)
    assert 15.0 < np.std(resid[np.abs(resid) < 200]) < 60.0  # ~25 µs per stamp, two per diff


def test_no_timing_errors_means_a_regular_clock():
    s = simulate_session(SessionConfig(seed=8, timing_errors=False, **SHORT))
    assert np.ptp(np.diff(s.device.t_us)) <= 1  # rounding to µs only
    assert (np.diff(s.device.seq) == 1).all()


def test_drops_show_as_seq_jumps_and_gaps():
    s = simulate_session(
        SessionConfig(
            seed=9, drop_prob=0.01, drop_bursts_per_min=6.0, script="rest", rest_duration_s=60.0
        )
    )
    jumps = np.diff(s.device.seq)
    assert (jumps > 1).sum() > 5 and (jumps > 5).any()  # singles and a burst
    assert sum(g.missing for g in s.gaps) == int((jumps - 1).sum()) == s.truth["dropped_samples"]
    assert len(s.samples) == len(s.device.seq)


def test_drop_mask_keeps_first_and_last():
    keep = drop_mask(np.random.default_rng(1), 1000, 100.0, 0.5, 60.0)
    assert keep[0] and keep[-1] and 0.2 < keep.mean() < 0.7


def test_device_clock_rate_error():
    t = np.arange(0.0, 100.0, 0.01)
    us = device_clock(np.random.default_rng(0), t, 5_000_000, 40.0, 0.0)
    assert us[-1] - us[0] == round(t[-1] * (1 + 40e-6) * 1e6)


def test_deterministic_per_seed():
    a = simulate_session(SessionConfig(seed=21, hold_reps=1, retraction_reps=2))
    b = simulate_session(SessionConfig(seed=21, hold_reps=1, retraction_reps=2))
    c = simulate_session(SessionConfig(seed=22, hold_reps=1, retraction_reps=2))
    np.testing.assert_array_equal(a.device.imu, b.device.imu)
    np.testing.assert_array_equal(a.device.t_us, b.device.t_us)
    np.testing.assert_array_equal(a.device.mag, b.device.mag)
    assert a.truth == b.truth and a.events == b.events
    assert a.truth != c.truth


def test_counts_survive_to_samples():
    s = simulate_session(SessionConfig(seed=2, board="rev2", **SHORT))
    d = s.device
    np.testing.assert_array_equal(np.round(s.samples.gyr / np.float32(d.gyr_scale)), d.imu[:, :3])
    np.testing.assert_array_equal(np.round(s.samples.acc / np.float32(d.acc_scale)), d.imu[:, 3:])
    rate = BMI270_BMM150.mag_rate_hz  # 10 Hz, as the firmware reports for Rev2
    assert len(d.mag_t_us) == pytest.approx(rate * s.samples.duration_s, abs=3)
    # earth field (45-55 µT) through soft iron (±2 %), plus the board's hard iron
    m = s.samples.mag - np.mean(s.samples.mag, 0)
    assert np.abs(m).max() < 3.0  # still person: only noise and sway
    assert 0 < np.abs(s.errors.hard_iron).max() <= 30.0
    assert 43.0 < np.linalg.norm(s.samples.mag.mean(0) - s.errors.hard_iron) < 57.0
