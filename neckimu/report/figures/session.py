"""One session's figures: each exercise's windows, the holds, the retractions, the posture."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from neckimu.recording.events import HOLDS, Window
from neckimu.report.figures.canvas import (
    ANGLE_STYLE,
    FAIL,
    HOLD_TOLERANCE_DEG,
    MARGIN_S,
    PASS,
    _few_ticks,
    _figure,
    _key,
    _locator,
    _save,
    _verdict_color,
)
from neckimu.verify.reps import exercise_name
from neckimu.verify.retraction import RetractionCriteria


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
