"""Progress across sessions: reps done, pass rate, hold stillness, retraction glide.

The training is about consistency over weeks, so each session is reduced to a few figures and
those are gathered by day and by ISO week (Monday to Sunday).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np

from neckimu.recording.events import HOLDS
from neckimu.report.words import is_judged


@dataclass(frozen=True)
class SessionStats:
    """One session in a few figures.

    Attributes
    ----------
    when : datetime
        Session start (wall clock where recorded).
    name : str
        Recording file name.
    reps : int
        Reps judged (a range-of-motion measurement is not judged).
    passed : int
        Reps that passed.
    hold_max_deviation_deg : ndarray, shape (k,)
        Largest deviation of each hold rep, deg (stillness: lower is better).
    retraction_posterior_mm : ndarray, shape (m,)
        Posterior glide of each retraction rep, mm.
    posture_beyond_s : float or None
        Time with the head beyond the posture threshold, s (None: no posture window).
    posture_s : float or None
        Length of the posture windows, s.
    """

    when: datetime
    name: str
    reps: int
    passed: int
    hold_max_deviation_deg: np.ndarray
    retraction_posterior_mm: np.ndarray
    posture_beyond_s: float | None = None
    posture_s: float | None = None

    @property
    def pass_rate(self) -> float:
        """Fraction of reps passed (NaN without reps)."""
        return self.passed / self.reps if self.reps else float("nan")


def session_stats(
    when: datetime,
    name: str,
    reps: list[dict[str, Any]],
    posture: tuple[float, float] | None = None,
) -> SessionStats:
    """Reduce one session's rep records (docs/analysis-json.md) to :class:`SessionStats`.

    Parameters
    ----------
    when : datetime
    name : str
    reps : list of dict
        Per-rep records of the analysis.
    posture : tuple of float, optional
        ``(beyond_s, total_s)`` of the session's posture windows, s.
    """
    reps = [r for r in reps if is_judged(r)]
    holds = [
        r["max_deviation_deg"]
        for r in reps
        if r["exercise"] in HOLDS and r.get("max_deviation_deg") is not None
    ]
    glides = [
        r["displacement_mm"]["posterior"]
        for r in reps
        if r["exercise"] == "retraction" and r.get("displacement_mm")
    ]
    return SessionStats(
        when=when,
        name=name,
        reps=len(reps),
        passed=sum(r["verdict"] == "pass" for r in reps),
        hold_max_deviation_deg=np.asarray(holds, float),
        retraction_posterior_mm=np.asarray(glides, float),
        posture_beyond_s=None if posture is None else posture[0],
        posture_s=None if posture is None else posture[1],
    )


@dataclass(frozen=True)
class PeriodStats:
    """Sessions of one day or one week, pooled.

    Attributes
    ----------
    start : date
        The day, or the Monday of the ISO week.
    label : str
        ``2025-03-04`` or ``2025-W10``.
    sessions : int
    days : int
        Days with at least one judged rep (a desk session alone is not training).
    reps, passed : int
    hold_median_deg : float
        Median of the hold reps' largest deviations, deg (NaN: no holds).
    retraction_median_mm : float
        Median posterior glide of the retraction reps, mm (NaN: no retractions).
    posture_beyond_fraction : float
        Time beyond the posture threshold over the time in posture mode (NaN: none).
    """

    start: date
    label: str
    sessions: int
    days: int
    reps: int
    passed: int
    hold_median_deg: float
    retraction_median_mm: float
    posture_beyond_fraction: float

    @property
    def pass_rate(self) -> float:
        return self.passed / self.reps if self.reps else float("nan")


def _median(parts: list[np.ndarray]) -> float:
    x = np.concatenate(parts) if parts else np.zeros(0)
    return float(np.median(x)) if len(x) else float("nan")


def _period_start(d: date, period: str) -> date:
    return d - timedelta(days=d.weekday()) if period == "week" else d


def by_period(stats: list[SessionStats], period: str = "day") -> list[PeriodStats]:
    """Pool sessions by calendar day or ISO week.

    Parameters
    ----------
    stats : list of SessionStats
    period : str
        ``"day"`` or ``"week"``.

    Returns
    -------
    list of PeriodStats
        In time order; periods without sessions are left out.
    """
    if period not in ("day", "week"):
        raise ValueError(f"period must be day or week, not {period!r}")
    groups: dict[date, list[SessionStats]] = {}
    for s in stats:
        groups.setdefault(_period_start(s.when.date(), period), []).append(s)
    out = []
    for start in sorted(groups):
        g = groups[start]
        beyond = [s.posture_beyond_s for s in g if s.posture_beyond_s is not None]
        total = sum(s.posture_s or 0.0 for s in g if s.posture_beyond_s is not None)
        iso = start.isocalendar()
        out.append(
            PeriodStats(
                start=start,
                label=f"{iso.year}-W{iso.week:02d}" if period == "week" else start.isoformat(),
                sessions=len(g),
                days=len({s.when.date() for s in g if s.reps}),
                reps=sum(s.reps for s in g),
                passed=sum(s.passed for s in g),
                hold_median_deg=_median([s.hold_max_deviation_deg for s in g]),
                retraction_median_mm=_median([s.retraction_posterior_mm for s in g]),
                posture_beyond_fraction=sum(beyond) / total if total > 0 else float("nan"),
            )
        )
    return out
