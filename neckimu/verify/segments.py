"""Still and moving phases of the head, from angular speed and linear acceleration."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import median_filter
from scipy.signal import butter, sosfiltfilt

from neckimu.runs import true_runs

#: Voluntary head movements (a 1 s glide) live below this; tremor (8-12 Hz) above, Hz.
MOVEMENT_BAND_HZ = 2.0


@dataclass(frozen=True)
class Burst:
    """One movement: samples ``[start, stop)`` with still phases on both sides."""

    start: int
    stop: int


def lowpass(x: np.ndarray, ts: float, cutoff_hz: float = MOVEMENT_BAND_HZ) -> np.ndarray:
    """Zero-phase 2nd-order Butterworth low-pass along axis 0 (offline signals)."""
    if len(x) < 16:
        return x
    sos = butter(2, cutoff_hz, fs=1.0 / ts, output="sos")
    return sosfiltfilt(sos, x, axis=0, padlen=min(len(x) - 1, 3 * round(1.0 / (cutoff_hz * ts))))


def moving_mask(
    gyr: np.ndarray,
    lin_acc: np.ndarray,
    ts: float,
    *,
    speed_threshold_deg_s: float = 2.0,
    acc_threshold_m_s2: float = 0.02,
    edge_fraction: float = 0.7,
) -> np.ndarray:
    """Where the head moves: low-passed angular speed or linear acceleration above a threshold.

    Parameters
    ----------
    gyr : ndarray, shape (n, 3)
        Bias-corrected angular rate, rad/s.
    lin_acc : ndarray, shape (n, 3)
        Gravity-free acceleration, m/s². A 3 s running median is removed too: a small
        inclination error leaks gravity as a near-constant offset that is not movement.
    ts : float
        Sampling time, s.
    edge_fraction : float
        Hysteresis: a movement is triggered above the thresholds and extends on both sides
        while the signals stay above this fraction of them, so its still phases start where
        the head really stops (a late start would leave motion in the "still" phase before it).

    Returns
    -------
    ndarray of bool, shape (n,)
        Both signals are low-passed at :data:`MOVEMENT_BAND_HZ` first, so physiological
        tremor and sensor noise do not count as movement.
    """
    speed = np.degrees(np.linalg.norm(lowpass(gyr, ts), axis=1))
    acc = lowpass(lin_acc, ts)
    base = median_filter(acc, size=(max(1, round(3.0 / ts)), 1), mode="nearest")
    acc = np.linalg.norm(acc - base, axis=1)
    strong = (speed > speed_threshold_deg_s) | (acc > acc_threshold_m_s2)
    weak = (speed > edge_fraction * speed_threshold_deg_s) | (
        acc > edge_fraction * acc_threshold_m_s2
    )
    out = np.zeros_like(strong)
    for a, b in true_runs(weak):
        if strong[a:b].any():
            out[a:b] = True
    return out


def bursts(
    moving: np.ndarray, ts: float, *, min_s: float = 0.25, merge_s: float = 0.3
) -> list[Burst]:
    """Movements: moving runs merged across pauses shorter than ``merge_s``, at least ``min_s``."""
    merged: list[list[int]] = []
    for a, b in true_runs(moving):
        if merged and (a - merged[-1][1]) * ts < merge_s:
            merged[-1][1] = b
        else:
            merged.append([a, b])
    return [Burst(a, b) for a, b in merged if (b - a) * ts >= min_s]
