"""The report's PNG figures (matplotlib, Agg, no pyplot: safe inside a Qt application).

Each function draws one figure into a PNG file. Times are in s, angles in deg, displacements
in mm (what people read).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from neckimu.recording.events import HOLDS, Window
from neckimu.report.progress import PeriodStats, SessionStats
from neckimu.report.rom import DIRECTION_WORDS, PAIRS, RomWeek
from neckimu.verify.hold import HoldCriteria
from neckimu.verify.reps import exercise_name
from neckimu.verify.retraction import RetractionCriteria

ANGLE_STYLE = (
    ("flexion (+ down)", "#1f77b4"),
    ("lateral (+ right)", "#2ca02c"),
    ("rotation (+ right)", "#d62728"),
)
PASS, FAIL, GREY = "#2e9d4f", "#c62828", "#9e9e9e"
#: Hold tolerance drawn around the start pose: the pass rule's own, deg.
HOLD_TOLERANCE_DEG = HoldCriteria().tolerance_deg
DPI = 90
MARGIN_S = 1.0


def _figure(
    width_in: float,
    height_in: float,
    margins_in: tuple[float, float, float, float] | None = None,
    hspace_in: float = 0.0,
    wspace_in: float = 0.0,
    rows: int = 1,
    cols: int = 1,
):
    """A figure; with ``margins_in`` (left, right, top, bottom, inches) and the gaps between
    panels (inches) a fixed layout, else matplotlib's constrained layout.

    The fixed layout is what the per-session figures use: the constrained layout draws the
    figure several times to measure it, which doubles the time a report spends drawing.
    """
    from matplotlib.figure import Figure

    if margins_in is None:
        return Figure(figsize=(width_in, height_in), dpi=DPI, layout="constrained")
    fig = Figure(figsize=(width_in, height_in), dpi=DPI)
    left, right, top, bottom = margins_in
    inner_h = height_in - top - bottom
    inner_w = width_in - left - right
    fig.subplots_adjust(
        left=left / width_in,
        right=1 - right / width_in,
        top=1 - top / height_in,
        bottom=bottom / height_in,
        hspace=hspace_in / max((inner_h - hspace_in * (rows - 1)) / rows, 1e-3),
        wspace=wspace_in / max((inner_w - wspace_in * (cols - 1)) / cols, 1e-3),
    )
    return fig


def _save(fig, path: Path) -> Path:
    from neckimu.plots import plain_text

    plain_text(fig)  # a no-op inside plain_text_figures()
    # zlib level 1: PNG compression at the default level 6 took a fifth of the time a report
    # spent per session, for files only ~10 % smaller
    fig.savefig(path, dpi=DPI, pil_kwargs={"compress_level": 1})
    return path


def plain_text_figures():
    """Context in which figures are drawn and saved with every text plain (no mathtext, no
    LaTeX: file names are not markup), without the cost of fixing each text afterwards."""
    import matplotlib as mpl

    from neckimu.plots import PLAIN_TEXT

    return mpl.rc_context(PLAIN_TEXT)


def plain(draw: Callable[..., Path], *args: Any) -> Path:
    """``draw(*args)`` inside :func:`plain_text_figures` (matplotlib is imported only then)."""
    with plain_text_figures():
        return draw(*args)


def _verdict_color(rep: dict[str, Any] | None) -> str:
    if rep is None:
        return GREY
    return PASS if rep["verdict"] == "pass" else FAIL


def _rep_of_window(w: Window, reps: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    for r in reps:
        if r["exercise"] == w.exercise and abs(r["start_s"] - w.start_s) < 0.5:
            return r
    return None


def _panel_label(w: Window, k: int, n: int) -> str:
    return f"{exercise_name(w.exercise)} {k}/{n}"


def exercise_figure(
    t: np.ndarray,
    angles_deg: np.ndarray,
    windows: Sequence[Window],
    reps: Sequence[dict[str, Any]],
    title: str,
    path: Path,
    max_cols: int = 4,
) -> Path:
    """Head angles over time in each exercise window: one row per exercise, a panel per window.

    Parameters
    ----------
    t : ndarray, shape (N,)
        Sample times, s.
    angles_deg : ndarray, shape (N, 3)
        Flexion, lateral flexion, rotation relative to neutral, deg.
    windows : sequence of Window
        The windows to draw (e.g. all holds of a session, or one retraction set).
    reps : sequence of dict
        The session's rep records (the ones in these windows are marked).
    title : str
    path : Path
        PNG to write.
    max_cols : int
        Panels per row; more windows of one exercise wrap onto further rows.

    Notes
    -----
    Holds are drawn relative to the pose at the window's start, with the ±2 deg tolerance; the
    other exercises relative to neutral. A retraction set is one panel with each rep's span
    shaded by its verdict.
    """
    groups: dict[str, list[Window]] = {}
    for w in windows:
        groups.setdefault(w.exercise, []).append(w)
    layout: list[list[tuple[Window, str]]] = []
    for ws in groups.values():
        labelled = [(w, _panel_label(w, k, len(ws))) for k, w in enumerate(ws, start=1)]
        layout += [labelled[i : i + max_cols] for i in range(0, len(labelled), max_cols)]
    cols = max(len(row) for row in layout)
    retraction = any(w.exercise == "retraction" for w in windows)
    fig = _figure(
        11.0,
        0.5 + 2.1 * len(layout),
        (0.65, 0.15, 0.75 if retraction else 0.6, 0.45),
        0.45,
        0.35,
        len(layout),
        cols,
    )
    axes = fig.subplots(len(layout), cols, squeeze=False)
    for r_i, row in enumerate(layout):
        for c_i, ax in enumerate(axes[r_i]):
            if c_i >= len(row):
                ax.set_visible(False)
                continue
            w, label = row[c_i]
            _window_panel(ax, t, angles_deg, w, label, reps)
            if c_i == 0:
                ax.set_ylabel(
                    "change from start [deg]" if w.exercise in HOLDS else "angle [deg]", fontsize=8
                )
            if r_i == len(layout) - 1:
                ax.set_xlabel("time from cue [s]", fontsize=8)
    fig.suptitle(title, fontsize=10)
    _key(fig, 11.0, 0.5 + 2.1 * len(layout))
    return _save(fig, path)


#: Gap between two holds in :func:`holds_figure`, s of the time axis.
HOLD_GAP_S = 1.5


def holds_figure(
    t: np.ndarray,
    angles_deg: np.ndarray,
    windows: Sequence[Window],
    reps: Sequence[dict[str, Any]],
    title: str,
    path: Path,
) -> Path:
    """Every isometric hold of a session side by side on one time axis, each relative to the
    pose at its cue, with the tolerance band.

    Parameters
    ----------
    t : ndarray, shape (N,)
        Sample times, s.
    angles_deg : ndarray, shape (N, 3)
        Flexion, lateral flexion, rotation relative to neutral, deg.
    windows : sequence of Window
        The hold windows, in time order.
    reps : sequence of dict
        The session's rep records (each hold's verdict colours its label).
    title : str
    path : Path
        PNG to write.

    Notes
    -----
    One axes for all holds (``MARGIN_S`` before and after each, ``HOLD_GAP_S`` apart): a
    panel per hold cost a twelfth of a second each, a quarter of a report's time per session.
    """
    counts: dict[str, int] = {}
    for w in windows:
        counts[w.exercise] = counts.get(w.exercise, 0) + 1
    seen: dict[str, int] = {}
    xs, ys, spans, labels, ticks = [], [], [], [], []
    x0 = 0.0
    for w in windows:
        seen[w.exercise] = seen.get(w.exercise, 0) + 1
        i0, i1 = np.searchsorted(t, [w.start_s - MARGIN_S, w.end_s + MARGIN_S])
        dur = w.end_s - w.start_s
        if i1 > i0:
            j = min(int(np.searchsorted(t, w.start_s)), i1 - 1)
            xs.append(np.append(x0 + MARGIN_S + t[i0:i1] - w.start_s, np.nan))
            ys.append(np.vstack([angles_deg[i0:i1] - angles_deg[j], np.full((1, 3), np.nan)]))
        cue = x0 + MARGIN_S
        spans.append((cue, cue + dur))
        ticks += [(cue + k, f"{k:g}") for k in np.arange(0.0, dur + 1e-9, 5.0)]
        r = _rep_of_window(w, reps)
        verdict = "" if r is None else f" {r['verdict']}"
        label = f"{exercise_name(w.exercise)}\n{seen[w.exercise]}/{counts[w.exercise]}{verdict}"
        labels.append((cue + dur / 2, label, _verdict_color(r)))
        x0 += dur + 2 * MARGIN_S + HOLD_GAP_S
    width, height = 11.0, 3.4
    fig = _figure(width, height, (0.65, 0.15, 0.85, 0.55))
    ax = fig.subplots()
    ax.axhspan(-HOLD_TOLERANCE_DEG, HOLD_TOLERANCE_DEG, color="#e8f5e9", lw=0)
    for a, b in spans:
        ax.axvspan(a, b, color="#f2f2f2", lw=0, zorder=0)
    if xs:
        x, y = np.concatenate(xs), np.vstack(ys)
        for i, (_, color) in enumerate(ANGLE_STYLE):
            ax.plot(x, y[:, i], lw=1.0, color=color)
    for xc, label, color in labels:
        ax.text(
            xc,
            1.02,
            label,
            transform=ax.get_xaxis_transform(),
            ha="center",
            va="bottom",
            fontsize=6.5,
            color=color,
        )
    from matplotlib.ticker import FixedFormatter, FixedLocator

    ax.xaxis.set_major_locator(FixedLocator([x for x, _ in ticks]))
    ax.xaxis.set_major_formatter(FixedFormatter([s for _, s in ticks]))
    ax.yaxis.set_major_locator(_locator())
    lo, hi = ax.get_ylim()
    ax.set_ylim(min(lo, -1.5 * HOLD_TOLERANCE_DEG), max(hi, 1.5 * HOLD_TOLERANCE_DEG))
    ax.set_xlim(0.0, max(x0 - HOLD_GAP_S, 1.0))
    ax.set_ylabel("change from start [deg]", fontsize=8)
    ax.set_xlabel("time from each cue [s]; grey: the hold, green: within the tolerance", fontsize=8)
    ax.grid(alpha=0.3, axis="y")
    ax.tick_params(labelsize=7)
    fig.suptitle(title, fontsize=10)
    _key(fig, width, height)
    return _save(fig, path)


def _locator():
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(5, steps=[1, 2, 2.5, 5, 10])


def _key(fig, width_in: float, height_in: float) -> None:
    """The colours of the three angles, bottom left (a legend costs a tenth of a panel's
    time)."""
    for k, (name, color) in enumerate(ANGLE_STYLE):
        fig.text(
            (0.1 + 1.45 * k) / width_in,
            0.1 / height_in,
            f"━ {name}",
            color=color,
            fontsize=7,
            va="center",
        )


def _window_panel(
    ax, t: np.ndarray, angles_deg: np.ndarray, w: Window, label: str, reps: Sequence[dict[str, Any]]
) -> None:
    i0, i1 = np.searchsorted(t, [w.start_s - MARGIN_S, w.end_s + MARGIN_S])
    ts = t[i0:i1] - w.start_s
    a = angles_deg[i0:i1]
    if w.exercise in HOLDS and len(a):
        j = int(np.searchsorted(t, w.start_s)) - i0
        a = a - a[min(j, len(a) - 1)]
        ax.axhspan(-HOLD_TOLERANCE_DEG, HOLD_TOLERANCE_DEG, color="#e8f5e9", lw=0)
    ax.axvspan(0.0, w.end_s - w.start_s, color="#f2f2f2", lw=0, zorder=0)
    for i, (name, color) in enumerate(ANGLE_STYLE):
        ax.plot(ts, a[:, i], lw=1.0, color=color, label=name)
    if w.exercise == "retraction":
        for r in reps:
            if r["exercise"] == "retraction" and w.start_s - 1 <= r["start_s"] <= w.end_s:
                c = _verdict_color(r)
                ax.axvspan(
                    r["start_s"] - w.start_s, r["end_s"] - w.start_s, color=c, alpha=0.15, lw=0
                )
                ax.text(
                    0.5 * (r["start_s"] + r["end_s"]) - w.start_s,
                    1.01,
                    str(r["index"]),
                    transform=ax.get_xaxis_transform(),
                    ha="center",
                    va="bottom",
                    fontsize=7,
                    color=c,
                )
        ax.set_title(f"{label}: reps shaded green (pass) / red (fail)", fontsize=8, pad=12)
    else:
        r = _rep_of_window(w, reps)
        verdict = "" if r is None else f": {r['verdict']}"
        ax.set_title(f"{label}{verdict}", fontsize=9, color=_verdict_color(r))
    ax.grid(alpha=0.3)
    ax.tick_params(labelsize=7)
    _few_ticks(ax)


def _few_ticks(ax) -> None:
    """At most about 5 ticks per axis: readable in a small panel, and matplotlib's ticks are
    the largest part of the time a figure takes to draw."""
    ax.xaxis.set_major_locator(_locator())
    ax.yaxis.set_major_locator(_locator())


def retraction_figure(
    reps: Sequence[dict[str, Any]],
    paths: Sequence[tuple[np.ndarray, np.ndarray] | None],
    title: str,
    path: Path,
) -> Path:
    """Sagittal head-centre path of every retraction rep over the region that passes.

    Parameters
    ----------
    reps : sequence of dict
        Retraction rep records (``displacement_mm``, ``verdict``, ``index``).
    paths : sequence of (ndarray, ndarray) or None
        Per rep, the posterior and superior path, mm (the verifier's ``path_mm``); None draws
        an arrow from the origin to the rep's kept displacement instead.
    title : str
    path : Path
        PNG to write.
    """
    from matplotlib.patches import Polygon

    fig = _figure(6.0, 4.6, (0.65, 0.15, 0.4, 0.5))
    ax = fig.subplots()
    crit = RetractionCriteria()
    ax.add_patch(
        Polygon(
            np.array(crit.target()),
            closed=True,
            color="#d8f3dc",
            lw=0,
            label=f"passes: {crit.min_glide_mm:g}+ mm back, not below "
            f"-{crit.downward_mm:g} mm (angles aside)",
        )
    )
    ax.axhline(0.0, color="#777777", lw=0.6)
    ax.axvline(0.0, color="#777777", lw=0.6)
    pts = [np.zeros(2)]
    for rep, p in zip(reps, paths, strict=True):
        c = _verdict_color(rep)
        d = rep.get("displacement_mm") or {}
        end = np.array([d.get("posterior", np.nan), d.get("superior", np.nan)], float)
        if p is not None:
            ax.plot(p[0], p[1], color=c, lw=1.2, alpha=0.85)
            pts.append(np.array([np.nanmax(np.abs(p[0])), np.nanmax(np.abs(p[1]))]))
        elif np.all(np.isfinite(end)):
            ax.annotate(
                "",
                xy=tuple(end),
                xytext=(0.0, 0.0),
                arrowprops={"arrowstyle": "->", "color": c, "lw": 1.2},
            )
        if np.all(np.isfinite(end)):
            ax.plot(*end, "o", color=c, ms=5)
            ax.annotate(
                str(rep["index"]),
                tuple(end),
                textcoords="offset points",
                xytext=(4, 3),
                fontsize=7,
                color=c,
            )
            pts.append(np.abs(end))
    lim = max(35.0, float(np.nanmax(np.vstack(pts))) * 1.1)
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-0.6 * lim, 0.9 * lim)
    ax.set_aspect("equal")
    ax.set_xlabel("posterior (backward) [mm]", fontsize=8)
    ax.set_ylabel("superior (up) [mm]", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.3)
    ax.plot([], [], color=PASS, label="pass (dot: judged displacement)")
    ax.plot([], [], color=FAIL, label="fail")
    ax.legend(fontsize=7, loc="lower left")
    fig.suptitle(title, fontsize=10)
    return _save(fig, path)


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

    for ax in axes:
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=7)
    if sx:
        pad = timedelta(days=1)
        axes[-1].set_xlim(min(sx) - pad, max(sx) + pad)
    fig.autofmt_xdate() if len(days) > 6 else None
    fig.suptitle("progress: every dot is a session, steps are weekly", fontsize=10)
    return _save(fig, path)


def posture_figure(
    t: np.ndarray,
    flexion_deg: np.ndarray,
    threshold_deg: float,
    bouts_s: np.ndarray,
    alerts_s: np.ndarray,
    title: str,
    path: Path,
) -> Path:
    """Flexion over time in posture mode, with the threshold, bouts and alerts.

    Parameters
    ----------
    t : ndarray, shape (N,)
        Sample times, s.
    flexion_deg : ndarray, shape (N,)
        Flexion relative to neutral, deg.
    threshold_deg : float
    bouts_s : ndarray, shape (k, 2)
        Start and end of each bout beyond the threshold, s.
    alerts_s : ndarray, shape (m,)
        Alert times, s.
    title : str
    path : Path
        PNG to write.
    """
    fig = _figure(11.0, 2.8, (0.65, 0.15, 0.4, 0.5))
    ax = fig.subplots()
    step = max(1, len(t) // 20000)
    tm = (t - t[0]) / 60.0 if len(t) else t
    t0 = t[0] if len(t) else 0.0
    for s, e in bouts_s:
        ax.axvspan((s - t0) / 60.0, (e - t0) / 60.0, color="#ffe0b2", lw=0)
    ax.plot(tm[::step], flexion_deg[::step], lw=0.8, color="#1f77b4", label="flexion")
    ax.axhline(threshold_deg, color=FAIL, lw=0.8, ls="--", label=f"threshold {threshold_deg:g} deg")
    for k, a in enumerate(alerts_s):
        ax.axvline((a - t0) / 60.0, color=FAIL, lw=1.2, label="alert" if k == 0 else None)
    ax.set_xlabel("time in posture mode [min]", fontsize=8)
    ax.set_ylabel("flexion [deg]", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper left", ncols=3)
    fig.suptitle(title, fontsize=10)
    return _save(fig, path)


def trunk_figure(
    t: np.ndarray, neck_deg: np.ndarray, trunk_deg: np.ndarray, title: str, path: Path
) -> Path:
    """With a trunk sensor (issue 15): the neck's angles (head relative to trunk) and, below,
    the trunk's inclination over the whole session, on one time axis.

    Parameters
    ----------
    t : ndarray, shape (N,)
        Sample times, s.
    neck_deg : ndarray, shape (N, 3)
        Neck flexion, lateral flexion, rotation, deg.
    trunk_deg : ndarray, shape (N, 2)
        Trunk inclination from its neutral sitting pose: forward (+), right (+), deg.
    title : str
    path : Path
        PNG to write.
    """
    fig = _figure(11.0, 4.2, (0.65, 0.15, 0.4, 0.5), hspace_in=0.25, rows=2)
    ax1, ax2 = fig.subplots(2, 1, sharex=True, height_ratios=(2, 1))
    step = max(1, len(t) // 20000)
    tm = (t - t[0]) / 60.0 if len(t) else t
    for k, (label, color) in enumerate(ANGLE_STYLE):
        ax1.plot(tm[::step], neck_deg[::step, k], lw=0.7, color=color, label=label)
    ax1.set_ylabel("neck [deg]", fontsize=8)
    ax2.plot(tm[::step], trunk_deg[::step, 0], lw=0.8, color="#8c564b", label="forward (+)")
    ax2.plot(tm[::step], trunk_deg[::step, 1], lw=0.8, color="#7f7f7f", label="right (+)")
    ax2.set_ylabel("trunk [deg]", fontsize=8)
    ax2.set_xlabel("time [min]", fontsize=8)
    for ax in (ax1, ax2):
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="upper left", ncols=3)
    fig.suptitle(title, fontsize=10)
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
    for ax in axes:
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=7)
    if sx:
        pad = timedelta(days=1)
        axes[-1].set_xlim(min(sx) - pad, max(sx) + pad)
    for label in axes[-1].get_xticklabels():
        label.set_rotation(20)
        label.set_horizontalalignment("right")
    fig.suptitle("range of motion: every dot is a session, steps are weekly medians", fontsize=10)
    return _save(fig, path)
