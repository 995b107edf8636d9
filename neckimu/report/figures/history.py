"""Figures over the weeks: progress of the sessions and the range of motion."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from neckimu.report.figures.canvas import (
    FAIL,
    HOLD_TOLERANCE_DEG,
    PASS,
    _figure,
    _save,
)
from neckimu.report.progress import PeriodStats, SessionStats
from neckimu.report.rom import DIRECTION_WORDS, PAIRS, RomWeek
from neckimu.verify.retraction import RetractionCriteria


def _date_axes(axes: Sequence[Any], sx: Sequence[Any]) -> None:
    """Grid and small ticks on every panel; the shared date axis a day wider than the data."""
    from datetime import timedelta

    for ax in axes:
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=7)
    if sx:
        pad = timedelta(days=1)
        axes[-1].set_xlim(min(sx) - pad, max(sx) + pad)


def progress_figure(
    sessions: Sequence[SessionStats],
    days: Sequence[PeriodStats],
    weeks: Sequence[PeriodStats],
    path: Path,
) -> Path:
    """Reps, pass rate, hold stillness and retraction glide over days and weeks.

    Parameters
    ----------
    sessions : sequence of SessionStats
        In time order.
    days, weeks : sequence of PeriodStats
        The same sessions pooled per day and per ISO week.
    path : Path
        PNG to write.
    """
    from datetime import datetime, time, timedelta

    posture = any(s.posture_beyond_s is not None for s in sessions)
    rows = 5 if posture else 4
    fig = _figure(11.0, 1.9 * rows + 0.5)
    axes = fig.subplots(rows, 1, sharex=True)
    day_x = [datetime.combine(d.start, time(12)) for d in days]
    week_x = [datetime.combine(w.start, time(0)) for w in weeks]
    week_edges = week_x + [week_x[-1] + timedelta(days=7)] if weeks else []
    sx = [s.when for s in sessions]

    def weekly(ax, values: list[float], label: str) -> None:
        if weeks:
            ax.stairs(values, week_edges, color="#555555", lw=1.2, baseline=None, label=label)

    ax = axes[0]
    passed = np.array([d.passed for d in days])
    failed = np.array([d.reps - d.passed for d in days])
    ax.bar(day_x, passed, width=0.8, color=PASS, label="passed")
    ax.bar(day_x, failed, width=0.8, bottom=passed, color=FAIL, label="failed")
    ax.set_ylabel("reps per day", fontsize=8)
    ax.legend(fontsize=7, loc="upper left", ncols=2)

    ax = axes[1]
    ax.plot(sx, [100 * s.pass_rate for s in sessions], "o", color="#1d3557", ms=4, label="session")
    weekly(ax, [100 * w.pass_rate for w in weeks], "week")
    ax.set_ylim(-5, 105)
    ax.set_ylabel("pass rate [%]", fontsize=8)
    ax.legend(fontsize=7, loc="lower left", ncols=2)

    ax = axes[2]
    hold = [
        float(np.median(s.hold_max_deviation_deg)) if len(s.hold_max_deviation_deg) else np.nan
        for s in sessions
    ]
    ax.axhline(
        HOLD_TOLERANCE_DEG,
        color=FAIL,
        lw=0.8,
        ls="--",
        label=f"tolerance {HOLD_TOLERANCE_DEG:g} deg",
    )
    ax.plot(sx, hold, "o", color="#1d3557", ms=4, label="session median")
    weekly(ax, [w.hold_median_deg for w in weeks], "week median")
    ax.set_ylim(0, max(2.5, float(np.nanmax(hold + [0.0])) * 1.15))
    ax.set_ylabel("hold: largest\nmovement [deg]", fontsize=8)
    ax.legend(fontsize=7, loc="best", ncols=3)

    ax = axes[3]
    glide = [
        float(np.median(s.retraction_posterior_mm)) if len(s.retraction_posterior_mm) else np.nan
        for s in sessions
    ]
    crit = RetractionCriteria()
    ax.axhspan(
        crit.min_glide_mm,
        crit.max_glide_mm,
        color="#d8f3dc",
        lw=0,
        label=f"target {crit.min_glide_mm:g}+ mm",
    )
    ax.plot(sx, glide, "o", color="#1d3557", ms=4, label="session median")
    weekly(ax, [w.retraction_median_mm for w in weeks], "week median")
    ax.set_ylim(
        min(0.0, float(np.nanmin(glide + [0.0]))) - 2,
        max(35.0, float(np.nanmax(glide + [0.0])) * 1.15),
    )
    ax.set_ylabel("retraction:\nglide back [mm]", fontsize=8)
    ax.legend(fontsize=7, loc="best", ncols=3)

    if posture:
        ax = axes[4]
        frac = [100 * s.posture_beyond_s / s.posture_s if s.posture_s else np.nan for s in sessions]
        ax.plot(sx, frac, "o", color="#1d3557", ms=4, label="session")
        weekly(ax, [100 * w.posture_beyond_fraction for w in weeks], "week")
        ax.set_ylim(-5, 105)
        ax.set_ylabel("posture: time head\nforward [%]", fontsize=8)
        ax.legend(fontsize=7, loc="upper left", ncols=2)

    _date_axes(axes, sx)
    fig.autofmt_xdate() if len(days) > 6 else None
    fig.suptitle("progress: every dot is a session, steps are weekly", fontsize=10)
    return _save(fig, path)


#: Colours of the range-of-motion directions: the first of a pair is left (or forward).
ROM_STYLE = {
    "flexion": "#1f77b4",
    "extension": "#9467bd",
    "lateral_left": "#2ca02c",
    "lateral_right": "#d62728",
    "rotation_left": "#2ca02c",
    "rotation_right": "#d62728",
}


def rom_figure(
    sessions: Sequence[tuple[Any, dict[str, float]]], weeks: Sequence[RomWeek], path: Path
) -> Path:
    """Range of motion over the weeks: each direction, then left minus right.

    Parameters
    ----------
    sessions : sequence of (datetime, dict)
        When, and each session's largest angle per direction, deg
        (``neckimu.report.rom.session_rom``).
    weeks : sequence of RomWeek
        The same pooled by ISO week.
    path : Path
        PNG to write.
    """
    from datetime import datetime, time, timedelta

    panels = (
        ("forward / backward", ("flexion", "extension")),
        ("tilt left / right", ("lateral_left", "lateral_right")),
        ("turn left / right", ("rotation_left", "rotation_right")),
    )
    fig = _figure(11.0, 8.4, (0.8, 0.15, 0.4, 0.55), 0.25, 0.0, 4, 1)
    axes = fig.subplots(4, 1, sharex=True)
    sx = [w for w, _ in sessions]
    week_x = [datetime.combine(w.start, time(0)) for w in weeks]
    edges = week_x + [week_x[-1] + timedelta(days=7)] if weeks else []
    for ax, (label, keys) in zip(axes, panels, strict=False):
        for k in keys:
            c = ROM_STYLE[k]
            y = [r.get(k, np.nan) for _, r in sessions]
            ax.plot(sx, y, "o", color=c, ms=3.5, alpha=0.7, label=DIRECTION_WORDS[k])
            if weeks:
                ax.stairs([w.median_deg[k] for w in weeks], edges, color=c, lw=1.4, baseline=None)
        ax.set_ylabel(f"{label}\n[deg]", fontsize=8)
        ax.legend(fontsize=7, loc="lower left", ncols=2)
    ax = axes[3]
    ax.axhline(0.0, color="#777777", lw=0.8)
    for (name, left, right), c in zip(PAIRS, ("#1b9e77", "#d95f02"), strict=True):
        y = [r[left] - r[right] if left in r and right in r else np.nan for _, r in sessions]
        ax.plot(sx, y, "o", color=c, ms=3.5, alpha=0.7, label=f"{name}: left − right")
        if weeks:
            ax.stairs([w.asymmetry_deg[name] for w in weeks], edges, color=c, lw=1.4, baseline=None)
    ax.set_ylabel("left − right\n[deg]", fontsize=8)
    ax.legend(fontsize=7, loc="lower left", ncols=2)
    _date_axes(axes, sx)
    for label in axes[-1].get_xticklabels():
        label.set_rotation(20)
        label.set_horizontalalignment("right")
    fig.suptitle("range of motion: every dot is a session, steps are weekly medians", fontsize=10)
    return _save(fig, path)
