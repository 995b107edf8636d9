"""How much the head moves, sample by sample, against this session's own noise floor.

Movement shows in two independent signals: the angular speed (gyroscope, bias removed) and the
acceleration of the sensor without gravity. Both are low-passed to the band of voluntary head
movements (below ~2-3 Hz; physiological tremor lives at 8-12 Hz) and divided by their *noise
floor*, measured on this person and this sensor while the head is known to be still (the
calibration's still phase). The ratio, the **activity**, is ~1 for a head at rest whatever the
board, rate or person, so one threshold serves every session.

Every filter here has a finite support (:data:`SUPPORT_S` on each side): the activity of a
sample depends only on the samples within that distance. A live session that has received data
up to ``t`` therefore knows the final activity of every sample before ``t - SUPPORT_S``, and it
is the same number the offline analysis computes: one verdict, live and after.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import maximum_filter1d, uniform_filter1d

from neckimu.filters import FIR_HALF_S, lowpass_fir
from neckimu.runs import true_runs
from neckimu.samples import G

#: Pass band of voluntary head movement for the angular speed and the acceleration, Hz.
MOVEMENT_BAND_HZ = 2.5
#: The rate of change of the acceleration (jerk) is averaged over this span: its energy marks a
#: movement whether the head speeds up or slows down, and a slowly varying offset (gravity
#: leaking through a small inclination error) has none, s.
ENVELOPE_S = 0.3
#: Distance over which a sample's activity depends on its neighbours, s.
SUPPORT_S = FIR_HALF_S + 0.5 * ENVELOPE_S + 0.05

#: Noise floors never below these (a noise-free signal would make any twitch a movement):
#: angular speed, deg/s; jerk envelope, m/s³.
MIN_FLOOR_DEG_S = 0.25
MIN_FLOOR_M_S3 = 0.02
#: Floors when no still phase of this session is known (typical of a seated adult with a
#: MEMS IMU at 100 Hz).
DEFAULT_FLOOR_DEG_S = 0.8
DEFAULT_FLOOR_M_S3 = 0.15


def gravity_free(acc: np.ndarray, quat_wxyz: np.ndarray) -> np.ndarray:
    """Acceleration of the sensor without gravity, earth frame (z up), m/s², shape (n, 3).

    Parameters
    ----------
    acc : ndarray, shape (n, 3)
        Specific force, sensor frame, m/s².
    quat_wxyz : ndarray, shape (n, 4)
        Sensor-to-earth orientation (w, x, y, z).
    """
    w, x, y, z = (quat_wxyz[:, k] for k in range(4))
    # third row of the rotation matrix suffices for gravity, but the norm needs all three
    r = np.empty((len(w), 3, 3))
    r[:, 0, 0] = 1 - 2 * (y * y + z * z)
    r[:, 0, 1] = 2 * (x * y - w * z)
    r[:, 0, 2] = 2 * (x * z + w * y)
    r[:, 1, 0] = 2 * (x * y + w * z)
    r[:, 1, 1] = 1 - 2 * (x * x + z * z)
    r[:, 1, 2] = 2 * (y * z - w * x)
    r[:, 2, 0] = 2 * (x * z - w * y)
    r[:, 2, 1] = 2 * (y * z + w * x)
    r[:, 2, 2] = 1 - 2 * (x * x + y * y)
    a = np.einsum("nij,nj->ni", r, acc)
    a[:, 2] -= G
    return a


@dataclass(frozen=True)
class Signals:
    """Movement signals of a stretch of samples.

    Attributes
    ----------
    speed_deg_s : ndarray, shape (n,)
        Low-passed angular speed, deg/s.
    jerk_m_s3 : ndarray, shape (n,)
        Envelope of the low-passed gravity-free jerk, m/s³.
    """

    speed_deg_s: np.ndarray
    jerk_m_s3: np.ndarray

    def __len__(self) -> int:
        return len(self.speed_deg_s)

    def slice(self, a: int, b: int) -> Signals:
        return Signals(self.speed_deg_s[a:b], self.jerk_m_s3[a:b])


def movement_signals(gyr: np.ndarray, acc: np.ndarray, quat_wxyz: np.ndarray, ts: float) -> Signals:
    """Angular speed and jerk envelope in the band of voluntary movement.

    Parameters
    ----------
    gyr : ndarray, shape (n, 3)
        Angular rate with the gyro bias removed, rad/s.
    acc : ndarray, shape (n, 3)
        Specific force, sensor frame, m/s².
    quat_wxyz : ndarray, shape (n, 4)
        Sensor-to-earth orientation.
    ts : float
        Sampling time, s.
    """
    speed = np.degrees(np.linalg.norm(lowpass_fir(gyr, ts, MOVEMENT_BAND_HZ), axis=1))
    lin = lowpass_fir(gravity_free(acc, quat_wxyz), ts, MOVEMENT_BAND_HZ)
    jerk = np.gradient(lin, ts, axis=0) if len(lin) > 1 else np.zeros_like(lin)
    energy = uniform_filter1d(
        (jerk * jerk).sum(axis=1), max(1, round(ENVELOPE_S / ts)), mode="nearest"
    )
    return Signals(speed, np.sqrt(np.maximum(energy, 0.0)))


@dataclass(frozen=True)
class NoiseFloor:
    """The signals of this head at rest (95th percentiles over a still stretch).

    Attributes
    ----------
    speed_deg_s : float
    jerk_m_s3 : float
    source : str
        Where it was measured, for people.
    """

    speed_deg_s: float = DEFAULT_FLOOR_DEG_S
    jerk_m_s3: float = DEFAULT_FLOOR_M_S3
    source: str = "default"

    @classmethod
    def measure(cls, still: Signals, source: str) -> NoiseFloor:
        """The floor of a still stretch's signals (at least :data:`MIN_FLOOR_DEG_S` and
        :data:`MIN_FLOOR_M_S3`)."""
        if len(still) < 10:
            return cls()
        return cls(
            max(MIN_FLOOR_DEG_S, float(np.percentile(still.speed_deg_s, 95))),
            max(MIN_FLOOR_M_S3, float(np.percentile(still.jerk_m_s3, 95))),
            source,
        )

    @classmethod
    def quietest(cls, s: Signals, ts: float, span_s: float = 2.0) -> NoiseFloor:
        """The floor of a head at rest in ``s``: the lower quartile, over every ``span_s``
        stretch of it, of each stretch's 95th percentile.

        Between exercises a person rests at least a quarter of the time, so the lower quartile
        is a typical rest; the quietest stretch alone would be quieter than a typical rest
        (breathing, sway) and make rests look like movement.
        """
        n = round(span_s / ts)
        e = round(SUPPORT_S / ts)  # the ends' filters saw beyond the data
        if len(s) < n + 2 * e:
            return cls()
        floors = []
        for x, lo in ((s.speed_deg_s, MIN_FLOOR_DEG_S), (s.jerk_m_s3, MIN_FLOOR_M_S3)):
            inner = x[e : len(x) - e]
            starts = np.arange(0, len(inner) - n + 1, max(1, n // 4))
            p95 = np.percentile(
                np.lib.stride_tricks.sliding_window_view(inner, n)[starts], 95, axis=1
            )
            floors.append(max(lo, float(np.percentile(p95, 25))))
        return cls(floors[0], floors[1], "typical rest before")

    def at_least(self, other: NoiseFloor | None) -> NoiseFloor:
        """This floor, each signal raised to ``other``'s where that is higher (None: this)."""
        if other is None:
            return self
        speed, jerk = max(self.speed_deg_s, other.speed_deg_s), max(self.jerk_m_s3, other.jerk_m_s3)
        if (speed, jerk) == (self.speed_deg_s, self.jerk_m_s3):
            return self
        return NoiseFloor(speed, jerk, f"{self.source}, at least {other.source}")

    def activity(self, s: Signals) -> np.ndarray:
        """How far above rest each sample is: each signal over its floor, shape (n, 2)."""
        return np.column_stack([s.speed_deg_s / self.speed_deg_s, s.jerk_m_s3 / self.jerk_m_s3])


def moving_runs(
    activity: np.ndarray,
    ts: float,
    *,
    on: float,
    off: float,
    bridge_s: float,
    min_s: float,
    dip: float = 0.0,
    dip_span_s: float = 1.5,
) -> list[tuple[int, int]]:
    """Movements as ``[start, stop)`` runs: above ``off`` and somewhere above ``on``.

    Parameters
    ----------
    activity : ndarray, shape (n, k)
        :meth:`NoiseFloor.activity`: each signal over its noise floor.
    ts : float
        Sampling time, s.
    on, off : float
        Hysteresis: a movement triggers where a signal exceeds ``on`` and extends while one
        exceeds ``off``, so the still phases on both sides hold no motion.
    bridge_s : float
        Dips shorter than this inside a movement do not split it, s.
    min_s : float
        Shorter movements are dropped, s.
    dip : float
        A sample where *every* signal is below this fraction of its own highest value within
        ``dip_span_s`` around it is still too: the head stops between a glide and its return
        for a fraction of a second, which the noise floor alone cannot separate from slow
        motion (0: off). Each signal on its own: a turn that ends while the glide goes on is
        not a stop.
    dip_span_s : float
        See ``dip``, s.
    """
    activity = np.asarray(activity).reshape(len(activity), -1)
    weak = (activity > off).any(axis=1)
    if dip > 0:
        local = maximum_filter1d(activity, max(1, round(dip_span_s / ts)), axis=0, mode="nearest")
        weak &= (activity > dip * local).any(axis=1)
    runs = [(a, b) for a, b in true_runs(weak) if activity[a:b].max() > on]
    merged: list[list[int]] = []
    for a, b in runs:
        if merged and (a - merged[-1][1]) * ts < bridge_s:
            merged[-1][1] = b
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged if (b - a) * ts >= min_s]
