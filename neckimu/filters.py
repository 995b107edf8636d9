"""Finite-support low-pass filtering of sample streams.

A linear-phase FIR filter changes a sample using only its neighbours within ``FIR_HALF_S``,
so a live session that has data up to ``t`` knows the final filtered value of every sample
before ``t - FIR_HALF_S`` — the number the offline analysis computes.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import convolve1d
from scipy.signal import firwin

#: Half-length of the low-pass FIR, s (its transition band is ~1/this Hz wide).
FIR_HALF_S = 0.5


def lowpass_fir(x: np.ndarray, ts: float, cutoff_hz: float) -> np.ndarray:
    """Linear-phase FIR low-pass along axis 0, edges held.

    Parameters
    ----------
    x : ndarray, shape (n,) or (n, k)
    ts : float
        Sampling time, s.
    cutoff_hz : float
        -6 dB frequency, Hz.

    Returns
    -------
    ndarray, same shape as ``x``
    """
    half = max(2, round(FIR_HALF_S / ts))
    taps = firwin(2 * half + 1, min(cutoff_hz, 0.45 / ts), fs=1.0 / ts)
    return convolve1d(np.asarray(x, dtype=float), taps, axis=0, mode="nearest")
