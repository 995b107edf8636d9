"""Desk posture: how long the head stays flexed forward beyond a threshold.

Pure, vectorised functions on head angles (``neckimu.angles``: flexion relative to the
calibrated neutral pose, sitting tall and looking ahead), used offline (``neckimu posture
--analyze``, the report) and live (:class:`PostureMonitor`).

Defaults (docs/posture.md): ISO 11226 (2000) rates neck flexion — the head relative to the
trunk — of 0-25 deg as acceptable for static postures and more than 25 deg as not acceptable,
so the threshold is 25 deg beyond neutral. The reminder after 60 s continuously beyond it is
our choice (a nudge to sit up, not a limit from the standard).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.ndimage import median_filter


@dataclass(frozen=True)
class PostureCriteria:
    """Thresholds of posture tracking.

    Attributes
    ----------
    threshold_deg : float
        Flexion beyond the neutral pose that counts as head-forward, deg.
    alert_after_s : float
        Continuous time beyond the threshold before a reminder; then one per such period, s.
    min_bout_s : float
        Shorter excursions (a glance down) are not counted as bouts, s.
    smooth_s : float
        Running-median window applied to the flexion first, s.
    """

    threshold_deg: float = 25.0
    alert_after_s: float = 60.0
    min_bout_s: float = 5.0
    smooth_s: float = 1.0


def bouts(t: np.ndarray, flexion_deg: np.ndarray,
          crit: PostureCriteria = PostureCriteria()) -> np.ndarray:
    """Periods with the head flexed beyond the threshold.

    Parameters
    ----------
    t : ndarray, shape (N,)
        Time, s.
    flexion_deg : ndarray, shape (N,)
        Head flexion relative to neutral, deg.
    crit : PostureCriteria

    Returns
    -------
    ndarray, shape (B, 2)
        Start and end time of each bout lasting at least ``min_bout_s``, s.
    """
    if len(t) < 2:
        return np.zeros((0, 2))
    ts = float(np.median(np.diff(t)))
    f = median_filter(flexion_deg, size=max(1, round(crit.smooth_s / ts)), mode="nearest")
    edges = np.diff(np.concatenate([[0], (f > crit.threshold_deg).astype(np.int8), [0]]))
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    out = np.column_stack([t[starts], t[stops]]) if len(starts) else np.zeros((0, 2))
    return out[(out[:, 1] - out[:, 0]) >= crit.min_bout_s] if len(out) else out


def summarize(t: np.ndarray, flexion_deg: np.ndarray,
              crit: PostureCriteria = PostureCriteria()) -> dict[str, Any]:
    """Time spent head-forward, bouts and reminders over a recording or window.

    Returns
    -------
    dict
        ``duration_s``, ``time_beyond_s``, ``fraction_beyond``, ``bouts``, ``longest_bout_s``,
        ``alerts``, ``mean_flexion_deg``, ``threshold_deg``, ``alert_after_s``.
    """
    b = bouts(t, flexion_deg, crit)
    dur = b[:, 1] - b[:, 0] if len(b) else np.zeros(0)
    total = float(t[-1] - t[0]) if len(t) > 1 else 0.0
    return {
        "duration_s": round(total, 1),
        "time_beyond_s": round(float(dur.sum()), 1),
        "fraction_beyond": round(float(dur.sum()) / total, 3) if total > 0 else 0.0,
        "bouts": len(b),
        "longest_bout_s": round(float(dur.max()), 1) if len(dur) else 0.0,
        "alerts": int(np.floor(dur / crit.alert_after_s).sum()),
        "mean_flexion_deg": round(float(np.mean(flexion_deg)), 1) if len(t) else 0.0,
        "threshold_deg": crit.threshold_deg,
        "alert_after_s": crit.alert_after_s,
    }


def summarize_analysis(analysis: Any, crit: PostureCriteria = PostureCriteria()
                       ) -> dict[str, Any]:
    """:func:`summarize` over a pipeline Analysis: its ``posture`` windows, else everything but
    the calibration."""
    t, flex = analysis.recording.samples.t, analysis.angles_deg[:, 0]
    wins = [w for w in analysis.windows if w.exercise == "posture"]
    keep = np.zeros(len(t), bool) if wins else np.ones(len(t), bool)
    for w in analysis.windows:
        inside = (t >= w.start_s) & (t < w.end_s)
        if w.exercise == "posture":
            keep |= inside
        elif not wins and w.exercise == "calibrate":
            keep &= ~inside
    return summarize(t[keep], flex[keep], crit)


class PostureMonitor:
    """Live posture state, fed block by block (no history kept but the current bout).

    Parameters
    ----------
    crit : PostureCriteria
    """

    def __init__(self, crit: PostureCriteria = PostureCriteria()) -> None:
        self.crit = crit
        self.since: float | None = None  #: start of the current head-forward period, s
        self.alerts = 0
        self._next_alert: float | None = None
        self.time_beyond_s = 0.0
        self._last_t: float | None = None

    def update(self, t: np.ndarray, flexion_deg: np.ndarray) -> bool:
        """Feed one block (judged by its median flexion); True when a reminder is due now.

        Parameters
        ----------
        t : ndarray, shape (n,)
            Time, s.
        flexion_deg : ndarray, shape (n,)
            Head flexion relative to neutral, deg.
        """
        now = float(t[-1])
        beyond = float(np.median(flexion_deg)) > self.crit.threshold_deg
        last, self._last_t = self._last_t, now
        if not beyond:
            self.since = self._next_alert = None
            return False
        if self.since is None:
            self.since, self._next_alert = now, now + self.crit.alert_after_s
        elif last is not None:
            self.time_beyond_s += now - last
        if self._next_alert is not None and now >= self._next_alert:
            self.alerts += 1
            self._next_alert += self.crit.alert_after_s
            return True
        return False

    def bout_s(self, now: float) -> float:
        """Length of the current head-forward period at ``now``, s (0 when sitting up)."""
        return 0.0 if self.since is None else now - self.since

