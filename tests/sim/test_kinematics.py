"""Physics of the simulator: rest, gyro integration, double integration, lever arm."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from neckimu.samples import G
from neckimu.sim import SessionConfig, simulate_session
from neckimu.sim.kinematics import Body, earth_field, evaluate
from neckimu.sim.motion import CHANNELS, NECK_PIVOT_M, HeadMotion, Keyframes, min_jerk

QUIET = dict(script="rest", rest_duration_s=30.0, person=False)


def test_at_rest_accelerometer_norm_is_g_without_noise():
    s = simulate_session(
        SessionConfig(seed=4, sensor_noise=False, sensor_errors=False, timing_errors=False, **QUIET)
    )
    norm = np.linalg.norm(s.samples.acc, axis=1)
    # only int16 quantisation is left: 0.122 mg per count
    assert np.abs(norm - G).max() < 3e-3
    assert np.abs(s.samples.gyr).max() == 0.0


def test_at_rest_gyro_mean_is_the_bias():
    s = simulate_session(SessionConfig(seed=5, bias_drift=False, **QUIET))
    bias = np.array(s.truth["gyro_bias_rad_s"])
    assert np.linalg.norm(bias) > np.radians(0.15)
    # noise ~0.1 dps per sample, quantisation 0.07 dps: the mean of ~3000 samples is within
    # a few mdps of the bias
    np.testing.assert_allclose(s.samples.gyr.mean(0), bias, atol=np.radians(0.01))


def test_gyro_bias_drift_is_in_the_truth():
    s = simulate_session(SessionConfig(seed=6, **QUIET))
    drift = s.truth_samples.gyro_bias - s.truth_samples.gyro_bias[0]
    assert 0 < np.abs(drift).max() < np.radians(0.1)
    np.testing.assert_allclose(
        s.samples.gyr.mean(0), s.truth_samples.gyro_bias.mean(0), atol=np.radians(0.01)
    )


def _product(rots: Rotation) -> Rotation:
    """rots[0] * rots[1] * ... by pairwise reduction (order kept)."""
    while len(rots) > 1:
        if len(rots) % 2:
            rots = Rotation.concatenate([rots, Rotation.identity()])
        rots = rots[0::2] * rots[1::2]
    return rots[0]


@pytest.fixture(scope="module")
def moving_session():
    return simulate_session(SessionConfig(seed=11, faults=("moved", "lateral")))


def test_integrating_noiseless_gyro_reproduces_orientation(moving_session):
    s = moving_session
    t = np.arange(5.0, 65.0, 1e-3)  # a minute: calibration nods and holds, at 1 kHz
    k = evaluate(s.motion, s.body, t)
    assert np.degrees((k.sensor_rot[0].inv() * k.sensor_rot).magnitude()).max() > 10.0  # nods
    w_mid = 0.5 * (k.gyr[1:] + k.gyr[:-1])
    steps = Rotation.from_rotvec(w_mid * np.diff(t)[:, None])
    for stop in (len(t) // 3, len(t) - 1):
        est = k.sensor_rot[0] * _product(steps[:stop])
        err = np.degrees((est.inv() * k.sensor_rot[stop]).magnitude())
        assert err < 0.1


def test_double_integrating_specific_force_reproduces_the_path(moving_session):
    s = moving_session
    rep = max(
        (r for r in s.plan.reps if r.exercise == "retraction"),
        key=lambda r: np.hypot(r.targets["posterior_mm"], r.targets["superior_mm"]),
    )
    t = np.arange(rep.start_s, rep.start_s + 4.0, 1e-3)
    k = evaluate(s.motion, s.body, t)
    acc = k.sensor_rot.apply(k.acc) - np.array([0.0, 0.0, G])
    dt = np.diff(t)[:, None]
    vel = k.sensor_vel[0] + np.vstack([np.zeros(3), np.cumsum(0.5 * (acc[1:] + acc[:-1]) * dt, 0)])
    pos = k.sensor_pos[0] + np.vstack([np.zeros(3), np.cumsum(0.5 * (vel[1:] + vel[:-1]) * dt, 0)])
    assert np.linalg.norm(k.sensor_pos - k.sensor_pos[0], axis=1).max() > 0.01  # it moved
    assert np.linalg.norm(pos - k.sensor_pos, axis=1).max() < 1e-3


def _keyframes(**channels: tuple[float, float]) -> Keyframes:
    """Hold 1 s, move the given channels from a to b over 1 s, hold 1 s."""
    v = np.zeros((4, len(CHANNELS)))
    for name, (a, b) in channels.items():
        i = CHANNELS.index(name)
        v[:2, i], v[2:, i] = a, b
    return Keyframes(np.array([0.0, 1.0, 2.0, 3.0]), v)


def _body(lever: np.ndarray, sensor_to_head: Rotation | None = None) -> Body:
    return Body(0.3, sensor_to_head or Rotation.identity(), lever, earth_field())


def test_rotation_about_head_centre_moves_sensor_by_lever_arm():
    lever = np.array([0.10, 0.0, 0.07])
    motion = HeadMotion(_keyframes(nod_flex=(0.0, 0.4), rot=(0.0, -0.3)))
    t = np.linspace(0.0, 3.0, 301)
    k = evaluate(motion, _body(lever), t)
    np.testing.assert_allclose(k.head_pos, 0.0, atol=1e-12)
    r_et = Rotation.from_euler("z", 0.3)
    expected = r_et.apply(k.head_rot.apply(lever) - lever)
    np.testing.assert_allclose(k.sensor_pos - k.sensor_pos[0], expected, atol=1e-12)


def test_whole_neck_flexion_moves_head_centre_forward_and_down():
    motion = HeadMotion(_keyframes(neck_flex=(0.0, np.radians(30))))
    p = motion.head_centre(np.array([0.0, 3.0]))
    v = -NECK_PIVOT_M
    th = np.radians(30)
    expected = NECK_PIVOT_M + [
        v[0] * np.cos(th) + v[2] * np.sin(th),
        0,
        -v[0] * np.sin(th) + v[2] * np.cos(th),
    ]
    np.testing.assert_allclose(p[1], expected, atol=1e-12)
    assert p[1][0] > 0.03 and p[1][2] < -0.01


def test_angular_rate_matches_the_analytic_rate_in_the_sensor_frame():
    amp = np.radians(20.0)
    s2h = Rotation.from_euler("xyz", [10, -20, 30], degrees=True)
    motion = HeadMotion(_keyframes(nod_flex=(0.0, amp)))
    t = np.linspace(1.0, 2.0, 101)
    k = evaluate(motion, _body(np.array([0.1, 0.0, 0.07]), s2h), t)
    s = t - 1.0
    rate = amp * 30.0 * s**2 * (1 - s) ** 2  # d/dt of min_jerk over 1 s
    np.testing.assert_allclose(min_jerk(np.array([0.5])), 0.5)
    # central differences with h = 0.2 ms: error ~h²·ω''/6 ~ 1e-7 rad/s
    np.testing.assert_allclose(k.gyr, s2h.inv().apply(np.outer(rate, [0, 1, 0])), atol=1e-6)
    # a sensor at the head centre before the move feels gravity only
    still = evaluate(motion, _body(np.zeros(3), s2h), np.array([0.5]))
    np.testing.assert_allclose(still.acc[0], s2h.inv().apply([0, 0, G]), atol=1e-6)
