"""A small, independent IMU signal generator: the tests' oracle for orientation and angles.

Deliberately separate from ``neckimu.sim`` (which has its own physics tests): it makes
gyro/acc samples from a head-angle trajectory, a mounting rotation, a gyro bias and noise,
with the head rotating about the sensor (no lever arm), exactly integrable by a
fixed-rate integrator.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial.transform import Rotation

from neckimu.angles import rotation_from_angles
from neckimu.recording.events import Event
from neckimu.recording.reader import Recording
from neckimu.samples import G, SampleBlock


def imu_from_angles(
    t: np.ndarray,
    angles_deg: np.ndarray,
    sensor_to_head: Rotation,
    *,
    heading_deg: float = 30.0,
    gyr_bias: np.ndarray | None = None,
    gyr_noise: float = 0.0,
    acc_noise: float = 0.0,
    seed: int = 0,
) -> SampleBlock:
    """Samples of a sensor on a head following ``angles_deg`` (flexion, lateral, rotation).

    Gyro sample i is the rotation from sample i-1 to i divided by the interval, so integrating
    it over the real intervals reproduces the trajectory exactly.
    """
    rng = np.random.default_rng(seed)
    trunk = Rotation.from_euler("z", heading_deg, degrees=True)
    r_es = trunk * rotation_from_angles(angles_deg) * sensor_to_head  # sensor -> earth
    rel = (r_es[:-1].inv() * r_es[1:]).as_rotvec()
    gyr = np.vstack([rel[:1] * 0, rel / np.diff(t)[:, None]])
    acc = r_es.inv().apply([0.0, 0.0, G])
    if gyr_bias is not None:
        gyr = gyr + gyr_bias
    gyr = gyr + rng.normal(0, gyr_noise, gyr.shape)
    acc = acc + rng.normal(0, acc_noise, acc.shape)
    return SampleBlock(t, gyr, acc, None)


def smooth_step(t: np.ndarray, t0: float, t1: float) -> np.ndarray:
    """0 before t0, 1 after t1, minimum-jerk in between."""
    s = np.clip((t - t0) / (t1 - t0), 0.0, 1.0)
    return s**3 * (10 - 15 * s + 6 * s**2)


def calibration_session(
    sensor_to_head: Rotation,
    *,
    rate_hz: float = 100.0,
    seed: int = 0,
    nods: bool = True,
    jitter_s: float = 0.0,
    gyr_bias_dps: float | None = None,
) -> tuple[Recording, np.ndarray]:
    """A recording: 2 s rest, calibrate (5 s still, 3 nods down first), then head motions.

    ``gyr_bias_dps``: the gyro bias's magnitude (random direction), deg/s; default ~0.5 deg/s
    per axis. Returns the recording and the true head angles (N, 3) in deg.
    """
    rng = np.random.default_rng(seed)
    t = np.arange(0.0, 40.0, 1.0 / rate_hz)
    if jitter_s:
        t = t + rng.uniform(-jitter_s, jitter_s, len(t))
        t.sort()
    a = np.zeros((len(t), 3))
    if nods:  # nods from 7 s: down 18 deg and back, 2 s each
        for k in range(3):
            t0 = 7.0 + 2.2 * k
            a[:, 0] += 18 * (smooth_step(t, t0, t0 + 1.0) - smooth_step(t, t0 + 1.0, t0 + 2.0))
    # after calibration: flexion, extension, lateral flexion, rotation, combined
    moves = [
        (17.0, [25, 0, 0]),
        (20.0, [-20, 0, 0]),
        (23.0, [0, 15, 0]),
        (26.0, [0, 0, 30]),
        (29.0, [10, -10, -20]),
    ]
    for t0, target in moves:
        a += np.outer(smooth_step(t, t0, t0 + 1.0) - smooth_step(t, t0 + 1.5, t0 + 2.5), target)
    bias = rng.normal(0, np.radians(0.5), 3)
    if gyr_bias_dps is not None:
        bias *= np.radians(gyr_bias_dps) / np.linalg.norm(bias)
    block = imu_from_angles(
        t,
        a,
        sensor_to_head,
        gyr_bias=bias,
        gyr_noise=0.004,
        acc_noise=0.02,
        heading_deg=float(rng.uniform(0, 360)),
        seed=seed,
    )
    events = [Event(2.0, "start", "calibrate"), Event(14.5, "end", "calibrate")] if nods else []
    return Recording(samples=block, events=events, path="synthetic"), a
