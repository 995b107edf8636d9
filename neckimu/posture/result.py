"""Posture over spans of a recording: :class:`PostureResult`, :func:`posture_over`,
:func:`summarize`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from neckimu.posture.bouts import PostureCriteria, alert_times, bouts


@dataclass(frozen=True)
class PostureResult:
    """Posture over one or more spans of a recording.

    Attributes
    ----------
    duration_s : float
        Time covered, s.
    bouts_s : ndarray, shape (B, 2)
        Start and end of each bout, s.
    alerts_s : ndarray, shape (A,)
        Reminder times, s.
    mean_flexion_deg : float
    threshold_deg, alert_after_s : float
        The criteria used.
    """

    duration_s: float
    bouts_s: np.ndarray
    alerts_s: np.ndarray
    mean_flexion_deg: float
    threshold_deg: float
    alert_after_s: float

    @property
    def time_beyond_s(self) -> float:
        """Total time in bouts, s."""
        return float(np.sum(self.bouts_s[:, 1] - self.bouts_s[:, 0]))

    @property
    def fraction_beyond(self) -> float:
        return self.time_beyond_s / self.duration_s if self.duration_s > 0 else 0.0

    @property
    def longest_bout_s(self) -> float:
        d = self.bouts_s[:, 1] - self.bouts_s[:, 0]
        return float(d.max()) if len(d) else 0.0

    def to_dict(self) -> dict[str, Any]:
        """The summary as JSON-able numbers (s, deg; counts)."""
        return {
            "duration_s": round(self.duration_s, 1),
            "time_beyond_s": round(self.time_beyond_s, 1),
            "fraction_beyond": round(self.fraction_beyond, 3),
            "bouts": len(self.bouts_s),
            "longest_bout_s": round(self.longest_bout_s, 1),
            "alerts": len(self.alerts_s),
            "alert_times_s": [round(float(a), 2) for a in self.alerts_s],
            "mean_flexion_deg": round(self.mean_flexion_deg, 1),
            "threshold_deg": self.threshold_deg,
            "alert_after_s": self.alert_after_s,
        }


def posture_over(
    t: np.ndarray,
    flexion_deg: np.ndarray,
    spans: Sequence[tuple[float, float]] | None = None,
    crit: PostureCriteria = PostureCriteria(),
) -> PostureResult:
    """Bouts and reminders within each span (``posture`` windows), pooled.

    Parameters
    ----------
    t : ndarray, shape (N,)
        Time, s.
    flexion_deg : ndarray, shape (N,)
        Head flexion relative to neutral, deg.
    spans : sequence of (float, float), optional
        ``[start, end)`` time spans, s, each judged on its own; default the whole array.
    crit : PostureCriteria
    """
    t = np.asarray(t, float)
    f = np.asarray(flexion_deg, float)
    if spans is None:
        spans = [(-np.inf, np.inf)] if len(t) else []
    parts, dur, n, total = [], 0.0, 0, 0.0
    for s, e in spans:
        i0, i1 = np.searchsorted(t, [s, e])
        if i1 - i0 < 2:
            continue
        parts.append(bouts(t[i0:i1], f[i0:i1], crit))
        dur += float(t[i1 - 1] - t[i0])
        ok = np.isfinite(f[i0:i1])  # (a neck angle is blank where the trunk had no data)
        n += int(ok.sum())
        total += float(f[i0:i1][ok].sum())
    b = np.concatenate(parts) if parts else np.zeros((0, 2))
    return PostureResult(
        dur,
        b,
        alert_times(b, crit),
        total / n if n else 0.0,
        crit.threshold_deg,
        crit.alert_after_s,
    )


def summarize(
    t: np.ndarray, flexion_deg: np.ndarray, crit: PostureCriteria = PostureCriteria()
) -> dict[str, Any]:
    """Time spent head-forward, bouts and reminders over one span, as a dict.

    Returns
    -------
    dict
        ``duration_s``, ``time_beyond_s``, ``fraction_beyond``, ``bouts``, ``longest_bout_s``,
        ``alerts``, ``alert_times_s``, ``mean_flexion_deg``, ``threshold_deg``,
        ``alert_after_s`` (see :class:`PostureResult`).
    """
    return posture_over(t, flexion_deg, None, crit).to_dict()
