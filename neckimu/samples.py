"""Sample blocks: the unit of data that flows from every source into the pipeline.

A source (the BLE client, a recording being replayed, the simulated headset) yields
:class:`SampleBlock` objects. Everything inside is SI: seconds, rad/s, m/s², µT, in the
sensor (board) frame. Time stamps come from the source's clock and may jitter or have gaps;
nothing downstream assumes a perfect sample rate.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

#: Standard gravity, m/s².
G = 9.80665

#: The columns of every sample table, in order (interchange CSV and recordings).
COLUMNS: tuple[str, ...] = (
    "time_s",
    "gyr_x",
    "gyr_y",
    "gyr_z",
    "acc_x",
    "acc_y",
    "acc_z",
    "mag_x",
    "mag_y",
    "mag_z",
)
REQUIRED_COLUMNS: tuple[str, ...] = COLUMNS[:7]


@dataclass(frozen=True)
class Gap:
    """Samples a source did not deliver: ``missing`` samples before ``time_s`` (s), and why
    (``"lost packets"``, ``"device overflow"``, ``"reboot"``, ``"dropped"`` ...)."""

    time_s: float
    missing: int
    reason: str


@dataclass(frozen=True)
class SampleBlock:
    """A block of consecutive IMU samples.

    Attributes
    ----------
    t : ndarray, shape (N,)
        Time stamps in s (float64), strictly increasing.
    gyr : ndarray, shape (N, 3)
        Angular rate in rad/s, sensor frame.
    acc : ndarray, shape (N, 3)
        Specific force in m/s², sensor frame (reads +g upward at rest).
    mag : ndarray, shape (N, 3) or None
        Magnetic field in µT, sensor frame; None when the source has no magnetometer.
    """

    t: np.ndarray
    gyr: np.ndarray
    acc: np.ndarray
    mag: np.ndarray | None = None

    def __post_init__(self) -> None:
        n = len(self.t)
        if self.gyr.shape != (n, 3) or self.acc.shape != (n, 3):
            raise ValueError(f"SampleBlock: gyr {self.gyr.shape}, acc {self.acc.shape}, t ({n},)")
        if self.mag is not None and self.mag.shape != (n, 3):
            raise ValueError(f"SampleBlock: mag {self.mag.shape}, t ({n},)")

    def __len__(self) -> int:
        return len(self.t)

    @property
    def duration_s(self) -> float:
        """Time from the first to the last sample, s."""
        return float(self.t[-1] - self.t[0]) if len(self.t) > 1 else 0.0

    def slice(self, start: int, stop: int) -> SampleBlock:
        """Samples ``start:stop`` as a new block (views, no copy)."""
        mag = None if self.mag is None else self.mag[start:stop]
        return SampleBlock(self.t[start:stop], self.gyr[start:stop], self.acc[start:stop], mag)

    def between(self, t0: float, t1: float) -> SampleBlock:
        """Samples with ``t0 <= t < t1``."""
        i0, i1 = np.searchsorted(self.t, [t0, t1])
        return self.slice(int(i0), int(i1))

    def table(self) -> np.ndarray:
        """All columns of :data:`COLUMNS` as one (N, 10) float64 array (NaN mag if absent)."""
        mag = self.mag if self.mag is not None else np.full((len(self.t), 3), np.nan)
        return np.column_stack([self.t, self.gyr, self.acc, mag])

    @classmethod
    def from_table(cls, table: np.ndarray) -> SampleBlock:
        """Inverse of :meth:`table`; mag is None when all mag values are NaN or absent."""
        table = np.asarray(table, dtype=np.float64)
        mag = None
        if table.shape[1] >= 10 and not np.isnan(table[:, 7:10]).all():
            mag = np.ascontiguousarray(table[:, 7:10])
        return cls(
            np.ascontiguousarray(table[:, 0]),
            np.ascontiguousarray(table[:, 1:4]),
            np.ascontiguousarray(table[:, 4:7]),
            mag,
        )

    @staticmethod
    def concat(blocks: Iterable[SampleBlock]) -> SampleBlock:
        """Join blocks in time order into one block."""
        blocks = [b for b in blocks if len(b)]
        if not blocks:
            z = np.zeros((0, 3))
            return SampleBlock(np.zeros(0), z, z.copy(), None)
        has_mag = all(b.mag is not None for b in blocks)
        return SampleBlock(
            np.concatenate([b.t for b in blocks]),
            np.concatenate([b.gyr for b in blocks]),
            np.concatenate([b.acc for b in blocks]),
            np.concatenate([b.mag for b in blocks]) if has_mag else None,  # type: ignore[misc]
        )


def sample_period(t: np.ndarray) -> float:
    """Robust sample period of a time base: the median interval, s.

    The nominal rate of a sensor is not its real rate (113 Hz measured for a nominal 119 Hz),
    so every consumer measures it from the time stamps.
    """
    if len(t) < 2:
        raise ValueError("need at least two samples to measure the sample period")
    return float(np.median(np.diff(t)))
