"""The FIR low-pass: scipy's taps, bit for bit, without importing scipy.signal."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from scipy.signal import firwin

from neckimu.filters import FIR_HALF_S, firwin_lowpass, lowpass_fir

#: Sensor periods seen in practice (rev1 119 Hz, rev2 100/200 Hz, bench 104 Hz ...), s.
PERIODS = [1 / 119, 1 / 100, 1 / 200, 1 / 104, 1 / 50, 0.0084, 0.00833]


def _cases(n: int = 400, seed: int = 0):
    rng = np.random.default_rng(seed)
    ts = np.concatenate([PERIODS, rng.uniform(0.002, 0.04, n)])
    for k, t in enumerate(ts):
        nyq_safe = 0.45 / t
        for cutoff in (0.5, 1.0, 2.0, 5.0, nyq_safe, rng.uniform(0.05, nyq_safe)):
            half = max(2, round(FIR_HALF_S / t))
            yield 2 * half + 1, min(cutoff, nyq_safe), 1.0 / t, k


def test_taps_equal_scipy_firwin_bit_for_bit():
    n = 0
    for numtaps, cutoff, fs, _ in _cases():
        ours = firwin_lowpass(numtaps, cutoff, fs)
        assert np.array_equal(ours, firwin(numtaps, cutoff, fs=fs)), (numtaps, cutoff, fs)
        n += 1
    assert n > 2000


@pytest.mark.parametrize("ts", PERIODS)
def test_lowpass_unchanged(ts):
    from scipy.ndimage import convolve1d

    x = np.random.default_rng(1).normal(size=(3000, 3))
    half = max(2, round(FIR_HALF_S / ts))
    expected = convolve1d(x, firwin(2 * half + 1, 2.0, fs=1 / ts), axis=0, mode="nearest")
    assert np.array_equal(lowpass_fir(x, ts, 2.0), expected)


def test_analysis_does_not_import_scipy_signal():
    """scipy.signal pulls in scipy.stats and costs more than an hour's analysis spends in it."""
    code = (
        "import sys; import neckimu.pipeline, neckimu.results; "
        "print(sorted(m for m in sys.modules if m.startswith(('scipy.signal', 'scipy.stats'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
