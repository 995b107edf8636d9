"""What a headset produces before the radio: raw int16 counts stamped with device time.

This is the contract between the simulated sensor (``neckimu.sim``), the simulated headset
(``neckimu.ble``) and the tests that check a stream end to end: the counts the "device"
produced must arrive in the recording unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from neckimu.samples import Gap, SampleBlock

BOARD_REV1 = 1  #: Nano 33 BLE Rev1, LSM9DS1
BOARD_REV2 = 2  #: Nano 33 BLE Rev2, BMI270 + BMM150


@dataclass
class DeviceStream:
    """Raw output of a headset's sensors, in the board frame of docs/wire-format.md.

    Attributes
    ----------
    t_us : ndarray of int64, shape (N,)
        Device time of each IMU sample in µs, unwrapped (the wire carries it mod 2³²),
        strictly increasing. Dropped samples are simply absent.
    seq : ndarray of int64, shape (N,)
        Index of each IMU sample since streaming started, unwrapped (the wire carries it
        mod 2¹⁶); a jump by more than one is a dropped sample.
    imu : ndarray of int16, shape (N, 6)
        ``gx, gy, gz, ax, ay, az`` in counts.
    mag_t_us : ndarray of int64, shape (M,)
        Device time of each magnetometer sample in µs.
    mag : ndarray of int16, shape (M, 3)
        ``mx, my, mz`` in counts.
    gyr_scale, acc_scale, mag_scale : float
        rad/s, m/s² and µT per count (float32 values, as the info characteristic sends them).
    board : int
        :data:`BOARD_REV1` or :data:`BOARD_REV2`.
    nominal_rate_hz : float
        The rate the sensor was set to; the real one differs and is measured from ``t_us``.
    gyro_range_dps, acc_range_g, mag_range_ut : float
        Full-scale ranges.
    meta : dict
        Anything else worth recording (sensor model name, simulation seed, ...).
    """

    t_us: np.ndarray
    seq: np.ndarray
    imu: np.ndarray
    mag_t_us: np.ndarray
    mag: np.ndarray
    gyr_scale: float
    acc_scale: float
    mag_scale: float
    board: int
    nominal_rate_hz: float
    gyro_range_dps: float = 2000.0
    acc_range_g: float = 4.0
    mag_range_ut: float = 400.0
    meta: dict = field(default_factory=dict)

    def to_samples(self, t0_us: int | None = None) -> SampleBlock:
        """Convert to SI units with time in s from ``t0_us`` (default: the first sample).

        The magnetometer is held (sample-and-hold) at each IMU time: a recording has one row
        per IMU sample. Rows before the first magnetometer sample repeat that first sample.
        """
        t0 = int(self.t_us[0]) if t0_us is None else int(t0_us)
        t = (self.t_us - t0) * 1e-6
        gyr = self.imu[:, :3].astype(np.float64) * float(np.float32(self.gyr_scale))
        acc = self.imu[:, 3:].astype(np.float64) * float(np.float32(self.acc_scale))
        mag = None
        if len(self.mag):
            j = np.clip(np.searchsorted(self.mag_t_us, self.t_us, side="right") - 1, 0, None)
            mag = self.mag[j].astype(np.float64) * float(np.float32(self.mag_scale))
        return SampleBlock(t, gyr, acc, mag)


def dropped_gaps(t: np.ndarray, seq: np.ndarray) -> list[Gap]:
    """The samples a board dropped, from its sequence numbers.

    Parameters
    ----------
    t : ndarray, shape (N,)
        Times of the delivered samples, s.
    seq : ndarray, shape (N,)
        Their sequence numbers (consecutive where nothing was dropped).

    Returns
    -------
    list of Gap
        One per jump in ``seq``, before the first sample after it, reason ``"dropped"``.
    """
    jumps = np.flatnonzero(np.diff(seq) > 1)
    return [Gap(float(t[i + 1]), int(seq[i + 1] - seq[i] - 1), "dropped") for i in jumps]
