"""Everything received so far, in growable preallocated arrays (amortised O(1) appends).

The ring buffer holds what the view draws (the last seconds); the history holds the whole
session for the calibration, the hold indicator, the retraction path and the verdicts, which
all need the raw samples and the online orientation of a whole window.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from neckimu.orientation import Orientation
from neckimu.samples import SampleBlock


class History:
    """Samples (SI, sensor frame) with their online orientation.

    Parameters
    ----------
    capacity : int
        Initial rows; doubles when full.
    """

    _FIELDS: ClassVar[dict[str, int]] = {"t": 1, "gyr": 3, "acc": 3, "mag": 3, "quat": 4, "bias": 3}

    def __init__(self, capacity: int = 8192) -> None:
        self.n = 0
        self.has_mag = True
        self._a = {k: np.full((capacity, c), np.nan) for k, c in self._FIELDS.items()}

    def clear(self) -> None:
        self.n = 0
        self.has_mag = True

    def append(self, block: SampleBlock, quat: np.ndarray, bias: np.ndarray) -> None:
        """Add a block with its quaternions (n, 4) wxyz and gyro bias (3,) rad/s."""
        m = len(block)
        need = self.n + m
        cap = len(self._a["t"])
        if need > cap:
            new = max(need, 2 * cap)
            for k, arr in self._a.items():
                grown = np.full((new, arr.shape[1]), np.nan)
                grown[: self.n] = arr[: self.n]
                self._a[k] = grown
        s = slice(self.n, need)
        self._a["t"][s, 0] = block.t
        self._a["gyr"][s] = block.gyr
        self._a["acc"][s] = block.acc
        if block.mag is None:
            self.has_mag = False
        else:
            self._a["mag"][s] = block.mag
        self._a["quat"][s] = quat
        self._a["bias"][s] = bias
        self.n = need

    # -- views (no copies; valid until the next append) --------------------------------------
    @property
    def t(self) -> np.ndarray:
        """Times, s, shape (n,)."""
        return self._a["t"][: self.n, 0]

    @property
    def quat(self) -> np.ndarray:
        """Online sensor-to-earth quaternions, wxyz, shape (n, 4)."""
        return self._a["quat"][: self.n]

    @property
    def bias(self) -> np.ndarray:
        """Online gyro bias estimate at each sample, rad/s, shape (n, 3)."""
        return self._a["bias"][: self.n]

    @property
    def gyr(self) -> np.ndarray:
        return self._a["gyr"][: self.n]

    @property
    def acc(self) -> np.ndarray:
        return self._a["acc"][: self.n]

    def samples(self, copy: bool = False) -> SampleBlock:
        """All samples as a block (``copy`` for another thread to keep)."""
        n = self.n
        f = (lambda a: a[:n].copy()) if copy else (lambda a: a[:n])
        mag = f(self._a["mag"]) if self.has_mag else None
        return SampleBlock(f(self._a["t"])[:, 0].copy() if copy else self.t,
                           f(self._a["gyr"]), f(self._a["acc"]), mag)

    def orientation(self, ts: float) -> Orientation:
        """The online estimate as an :class:`~neckimu.orientation.Orientation` (views)."""
        return Orientation(self.quat, self.bias, np.zeros(self.n, dtype=bool), ts, "6D")

    def index(self, t: float) -> int:
        """First row with time >= ``t``."""
        return int(np.searchsorted(self.t, t))
