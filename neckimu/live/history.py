"""The recent past of a live session, in preallocated arrays of bounded size.

The ring buffer holds what the view draws (the last seconds); the history holds the last
``keep_s`` seconds of samples with their causal orientation, for the calibration, the hold
indicator, the retraction path and the judge, which need the raw samples of a whole exercise
window (plus the margins its verifier reads). Older rows are dropped, so memory stays flat over
an 8-hour desk session.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from neckimu.orientation import Orientation
from neckimu.samples import SampleBlock

#: Session time kept: the longest exercise window plus its verifier's margins, with room, s.
KEEP_S = 300.0


class History:
    """Samples (SI, sensor frame) with their causal orientation, the last ``keep_s`` seconds.

    Parameters
    ----------
    capacity : int
        Initial rows; doubles when full and nothing is old enough to drop.
    keep_s : float
        Rows older than this (relative to the newest) may be dropped, s.
    """

    _FIELDS: ClassVar[dict[str, int]] = {"t": 1, "gyr": 3, "acc": 3, "mag": 3, "quat": 4, "bias": 3}

    def __init__(self, capacity: int = 8192, keep_s: float = KEEP_S) -> None:
        self.n = 0
        self.dropped = 0  #: rows dropped from the front so far
        self.keep_s = keep_s
        self.has_mag = True
        self._a = {k: np.full((capacity, c), np.nan) for k, c in self._FIELDS.items()}

    def clear(self) -> None:
        self.n = 0
        self.dropped = 0
        self.has_mag = True

    @property
    def capacity(self) -> int:
        return len(self._a["t"])

    def append(self, block: SampleBlock, quat: np.ndarray, bias: np.ndarray) -> None:
        """Add a block with its quaternions (n, 4) wxyz and gyro bias (n, 3) rad/s."""
        m = len(block)
        if self.n + m > self.capacity:
            self._make_room(m, float(block.t[-1]))
        s = slice(self.n, self.n + m)
        self._a["t"][s, 0] = block.t
        self._a["gyr"][s] = block.gyr
        self._a["acc"][s] = block.acc
        if block.mag is None:
            self.has_mag = False
        else:
            self._a["mag"][s] = block.mag
        self._a["quat"][s] = quat
        self._a["bias"][s] = bias
        self.n += m

    def _make_room(self, m: int, t_newest: float) -> None:
        old = int(np.searchsorted(self.t, t_newest - self.keep_s))
        if old > 0:  # drop what is older than keep_s
            for arr in self._a.values():
                arr[: self.n - old] = arr[old : self.n]
            self.n -= old
            self.dropped += old
        if self.n + m > self.capacity:
            new = max(self.n + m, 2 * self.capacity)
            for k, arr in self._a.items():
                grown = np.full((new, arr.shape[1]), np.nan)
                grown[: self.n] = arr[: self.n]
                self._a[k] = grown

    # -- views (no copies; valid until the next append) --------------------------------------
    @property
    def t(self) -> np.ndarray:
        """Times, s, shape (n,)."""
        return self._a["t"][: self.n, 0]

    @property
    def quat(self) -> np.ndarray:
        """Causal sensor-to-earth quaternions, wxyz, shape (n, 4)."""
        return self._a["quat"][: self.n]

    @property
    def bias(self) -> np.ndarray:
        """Causal gyro bias estimate at each sample, rad/s, shape (n, 3)."""
        return self._a["bias"][: self.n]

    @property
    def gyr(self) -> np.ndarray:
        return self._a["gyr"][: self.n]

    @property
    def acc(self) -> np.ndarray:
        return self._a["acc"][: self.n]

    def samples(self, i0: int = 0, copy: bool = False) -> SampleBlock:
        """Rows ``i0:`` as a block (``copy`` for another thread to keep)."""
        n = self.n
        f = (lambda a: a[i0:n].copy()) if copy else (lambda a: a[i0:n])
        mag = f(self._a["mag"]) if self.has_mag else None
        return SampleBlock(
            np.ascontiguousarray(f(self._a["t"])[:, 0]), f(self._a["gyr"]), f(self._a["acc"]), mag
        )

    def orientation(self, ts: float, i0: int = 0, copy: bool = False) -> Orientation:
        """The causal estimate of rows ``i0:`` as an :class:`~neckimu.orientation.Orientation`."""
        f = (lambda a: a[i0 : self.n].copy()) if copy else (lambda a: a[i0 : self.n])
        return Orientation(
            f(self._a["quat"]),
            f(self._a["bias"]),
            np.zeros(self.n - i0, dtype=bool),
            ts,
            "6D causal",
        )

    def index(self, t: float) -> int:
        """First row with time >= ``t``."""
        return int(np.searchsorted(self.t, t))
