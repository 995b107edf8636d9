"""Saturated samples in a recording: time ranges of rows with a sensor at its range's limit.

A recording marks them with ``# sat {"t0_s", "t1_s", "n"}`` lines (docs/recording-format.md):
the ``n`` rows with ``t0_s <= time_s <= t1_s`` had an accelerometer or gyroscope value at full
scale, so what was computed from them (orientation, translation, a verdict) is less certain.
Files without such lines have no saturated rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from neckimu.runs import true_runs

#: Half the file's time resolution (1 µs), s: a mark covers a row written with the same
#: ``%.6f`` text even if the two roundings differ in the last bit.
_TOLERANCE_S = 5e-7


@dataclass(frozen=True)
class Saturation:
    """``n`` consecutive rows, from ``t0_s`` to ``t1_s`` inclusive (s), were saturated."""

    t0_s: float
    t1_s: float
    n: int


def saturation_runs(t: np.ndarray, mask: np.ndarray) -> list[Saturation]:
    """The runs of saturated rows of a block as :class:`Saturation` ranges.

    Parameters
    ----------
    t : ndarray, shape (N,)
        Row times, s, increasing.
    mask : ndarray of bool, shape (N,)
        True for a saturated row.

    Returns
    -------
    list of Saturation
        One per run of consecutive True rows, in time order.
    """
    mask = np.asarray(mask, dtype=bool)
    if mask.shape != np.shape(t):
        raise ValueError(f"saturation mask {mask.shape} does not match the times {np.shape(t)}")
    return [Saturation(float(t[a]), float(t[b - 1]), b - a) for a, b in true_runs(mask)]


def saturated_mask(t: np.ndarray, ranges: Sequence[Saturation]) -> np.ndarray:
    """Rows inside any of ``ranges``, as a boolean array.

    Parameters
    ----------
    t : ndarray, shape (N,)
        Row times, s, increasing.
    ranges : sequence of Saturation

    Returns
    -------
    ndarray of bool, shape (N,)
    """
    t = np.asarray(t, dtype=np.float64)
    if not ranges:
        return np.zeros(len(t), dtype=bool)
    t0 = np.array([r.t0_s for r in ranges]) - _TOLERANCE_S
    t1 = np.array([r.t1_s for r in ranges]) + _TOLERANCE_S
    edges = np.zeros(len(t) + 1, dtype=np.int64)
    np.add.at(edges, np.searchsorted(t, t0, side="left"), 1)
    np.add.at(edges, np.searchsorted(t, t1, side="right"), -1)
    return np.cumsum(edges[:-1]) > 0
