"""A small synthetic :class:`~neckimu.sim.device.DeviceStream` for the simulated headset.

Used by tests, the benchmark and ``record --simulate`` while no session simulation is given:
a head at rest with sensor noise. With ``coded=True`` the counts carry their own index
(``gx`` = seq mod 2¹⁵, ``gy`` = seq div 2¹⁵, ``mx`` = mag index mod 2¹⁵), so a test reads back
from a recording exactly which samples arrived.
"""

from __future__ import annotations

import numpy as np

from neckimu.samples import G
from neckimu.sim.device import BOARD_REV2, DeviceStream

GYR_SCALE = float(np.float32(np.deg2rad(2000.0) / 32768.0))  #: rad/s per count, ±2000 dps
ACC_SCALE = float(np.float32(4.0 * G / 32768.0))  #: m/s² per count, ±4 g
MAG_SCALE = float(np.float32(400.0 / 32768.0))  #: µT per count


def synthetic_stream(
    duration_s: float,
    rate_hz: float = 200.0,
    *,
    mag_rate_hz: float = 20.0,
    true_rate_ratio: float = 1.0,
    t0_us: int = 1_000_000,
    jitter_us: float = 0.0,
    drop_every: int = 0,
    coded: bool = False,
    seed: int = 0,
) -> DeviceStream:
    """A still head on a Rev2 board.

    Parameters
    ----------
    duration_s : float
        Stream length, s (device time).
    rate_hz : float
        Nominal IMU rate, Hz; the real one is ``rate_hz * true_rate_ratio``.
    mag_rate_hz : float
        Magnetometer rate, Hz (0: none).
    t0_us : int
        Device time of the first sample, µs (near 2³² tests the wrap).
    jitter_us : float
        Standard deviation of sample time jitter, µs.
    drop_every : int
        The device drops every n-th sample (an overflow: seq jumps), 0 for none.
    coded : bool
        Counts that encode the sample index (see the module docstring).
    seed : int
        Random seed.
    """
    rng = np.random.default_rng(seed)
    period_us = 1e6 / (rate_hz * true_rate_ratio)
    n = int(duration_s * rate_hz * true_rate_ratio)
    seq = np.arange(n, dtype=np.int64)
    t = t0_us + np.round(
        seq * period_us + rng.normal(0, jitter_us, n) if jitter_us else seq * period_us
    ).astype(np.int64)
    imu = np.empty((n, 6), dtype=np.int16)
    imu[:, :3] = rng.normal(0, 15, (n, 3)).astype(np.int16)
    imu[:, 3:] = np.array([0, 0, round(G / ACC_SCALE)]) + rng.normal(0, 30, (n, 3))
    if coded:
        imu[:, 0] = seq & 0x7FFF
        imu[:, 1] = seq >> 15
    if drop_every:
        keep = (seq % drop_every) != drop_every - 1
        seq, t, imu = seq[keep], t[keep], imu[keep]
    m = int(duration_s * mag_rate_hz) if mag_rate_hz else 0
    mag_t = t0_us + 3_000 + np.round(np.arange(m) * 1e6 / mag_rate_hz / true_rate_ratio)
    mag = (np.array([20.0, -5.0, -40.0]) / MAG_SCALE + rng.normal(0, 20, (m, 3))).astype(np.int16)
    if coded and m:
        mag[:, 0] = np.arange(m) & 0x7FFF
    return DeviceStream(
        t_us=t,
        seq=seq,
        imu=imu,
        mag_t_us=mag_t.astype(np.int64),
        mag=mag,
        gyr_scale=GYR_SCALE,
        acc_scale=ACC_SCALE,
        mag_scale=MAG_SCALE,
        board=BOARD_REV2,
        nominal_rate_hz=rate_hz,
        meta={"source": "neckimu.ble.testsignal", "seed": seed},
    )
