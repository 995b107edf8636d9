"""Finite-support low-pass filtering of sample streams.

A linear-phase FIR filter changes a sample using only its neighbours within ``FIR_HALF_S``,
so a live session that has data up to ``t`` knows the final filtered value of every sample
before ``t - FIR_HALF_S`` — the number the offline analysis computes.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import convolve1d

#: Half-length of the low-pass FIR, s (its transition band is ~1/this Hz wide).
FIR_HALF_S = 0.5


def firwin_lowpass(numtaps: int, cutoff_hz: float, fs: float) -> np.ndarray:
    """Taps of ``scipy.signal.firwin(numtaps, cutoff_hz, fs=fs)`` (Hamming window, unit gain
    at 0 Hz), bit for bit, computed with numpy in the same operations.

    Importing ``scipy.signal`` (which pulls in ``scipy.stats``, ``scipy.optimize`` and
    ``scipy.interpolate``) costs more than a whole hour-long analysis spends in this filter;
    ``tests/test_filters.py`` checks the taps against scipy's over many rates and cutoffs.

    Parameters
    ----------
    numtaps : int
        Filter length (odd, >= 3).
    cutoff_hz : float
        -6 dB frequency, Hz, in (0, fs / 2).
    fs : float
        Sampling rate, Hz.

    Returns
    -------
    ndarray, shape (numtaps,)
    """
    right = np.float64(cutoff_hz) / float(0.5 * fs)  # cutoff as a fraction of Nyquist
    m = np.arange(0, numtaps, dtype=np.float64) - 0.5 * (numtaps - 1)
    h = right * np.sinc(right * m)
    fac = np.linspace(-np.pi, np.pi, numtaps, dtype=np.float64)
    win = np.zeros(numtaps)
    for k, a in enumerate(np.asarray([0.54, 1.0 - 0.54])):  # scipy's general_cosine (Hamming)
        win += a * np.cos(k * fac)
    h *= win
    h /= np.sum(h * np.cos(np.pi * m * 0.0))  # scipy's scaling at 0 Hz, same operations
    return h


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
    taps = firwin_lowpass(2 * half + 1, min(cutoff_hz, 0.45 / ts), 1.0 / ts)
    return convolve1d(np.asarray(x, dtype=float), taps, axis=0, mode="nearest")
