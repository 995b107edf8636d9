"""The report page: ``index.html`` and its PNGs in one folder, no script, no network.

Layout: title and safety notice; progress across sessions (figure, weekly and daily tables);
then each session in date order: its figures (whole session, each exercise, the retraction
paths, posture) and the table of every rep's verdict.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

import numpy as np

from neckimu import SAFETY_NOTICE, __version__
from neckimu.errors import NeckimuError
from neckimu.plots import plot_angles
from neckimu.recording.events import HOLDS
from neckimu.report import figures
from neckimu.report.progress import PeriodStats, SessionStats, by_period, session_stats
from neckimu.report.sessions import Session, load_sessions
from neckimu.verify.reps import exercise_name

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:1080px;margin:1.5em auto;
 padding:0 1em;color:#222;line-height:1.4}
h1{margin:.2em 0} h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:1.8em}
h3{margin:1.2em 0 .3em}
.safety{background:#fff3cd;border:1px solid #e0c36b;padding:.6em 1em;border-radius:4px}
.meta{color:#555;font-size:.92em}
table{border-collapse:collapse;margin:.6em 0;font-size:.9em}
td,th{border:1px solid #ddd;padding:.25em .6em;vertical-align:top}
th{background:#f4f4f4;text-align:left} td.num{text-align:right} td:first-child{white-space:nowrap}
summary{cursor:pointer;font-weight:600;margin:1em 0 .3em}
tr.pass td.verdict{color:#1e7d3c;font-weight:600} tr.fail td.verdict{color:#c62828;font-weight:600}
img{max-width:100%;height:auto;border:1px solid #eee;margin:.3em 0;display:block}
"""


def _esc(x: object) -> str:
    return html.escape(str(x), quote=True)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")[:40] or "rec"


def _num(x: float | None, fmt: str) -> str:
    if x is None or not math.isfinite(x):
        return "–"
    return format(float(format(x, fmt)) + 0.0, fmt)  # + 0.0: no "-0"


def exercise_title(exercise: str) -> str:
    """How an exercise is named to people (``hold_flexion`` -> ``hold forward``)."""
    return exercise_name(exercise)


def _img(src: str, alt: str) -> str:
    return f'<img src="{_esc(src)}" alt="{_esc(alt)}">'


def _table(head: Iterable[str], rows: Iterable[str], cls: str) -> str:
    th = "".join(f"<th>{_esc(h)}</th>" for h in head)
    body = "".join(rows)
    return f'<table class="{cls}"><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>'


def _verdict_rows(reps: list[dict]) -> list[str]:
    rows = []
    for r in reps:
        rows.append(
            f'<tr class="rep {_esc(r["verdict"])}"><td class="num">{r["start_s"]:.1f}</td>'
            f"<td>{_esc(exercise_title(r['exercise']))}</td>"
            f'<td class="num">{r["index"]}/{r["of"]}</td>'
            f'<td class="verdict">{_esc(r["verdict"])}</td>'
            f"<td>{_esc(r.get('message', ''))}</td></tr>")
    return rows


def _period_rows(periods: list[PeriodStats], posture: bool) -> list[str]:
    rows = []
    for p in periods:
        cells = [p.label, str(p.sessions), str(p.days), str(p.reps),
                 _num(100 * p.pass_rate, ".0f"), _num(p.hold_median_deg, ".1f"),
                 _num(p.retraction_median_mm, ".0f")]
        if posture:
            cells.append(_num(100 * p.posture_beyond_fraction, ".0f"))
        rows.append("<tr>" + f"<td>{_esc(cells[0])}</td>"
                    + "".join(f'<td class="num">{c}</td>' for c in cells[1:]) + "</tr>")
    return rows


def _progress(stats: list[SessionStats], out: Path) -> str:
    days, weeks = by_period(stats, "day"), by_period(stats, "week")
    posture = any(s.posture_beyond_s is not None for s in stats)
    first, last = stats[0].when, stats[-1].when
    parts = ['<section id="progress"><h2>Progress</h2>',
             f"<p>{len(stats)} session{'s' if len(stats) != 1 else ''} on {len(days)} "
             f"day{'s' if len(days) != 1 else ''} in {len(weeks)} "
             f"week{'s' if len(weeks) != 1 else ''}, {first:%Y-%m-%d} to {last:%Y-%m-%d}. "
             "These exercises work through regular practice over 4–6 weeks: what counts is "
             "training on most days, every week.</p>"]
    if len(stats) > 1:
        figures.progress_figure(stats, days, weeks, out / "progress.png")
        parts.append(_img("progress.png", "progress over days and weeks: reps, pass rate, "
                          "hold stillness, retraction glide"))
    else:
        parts.append('<p class="meta">Progress over days and weeks appears once there are '
                     "recordings of several sessions in one folder.</p>")
    head = ["period", "sessions", "days trained", "reps", "pass rate [%]",
            "hold: median largest movement [deg]", "retraction: median glide [mm]"]
    if posture:
        head.append("posture: head forward [% of time]")
    parts.append("<h3>By week</h3>" + _table(head, _period_rows(weeks, posture), "weeks"))
    parts.append(f"<details><summary>By day ({len(days)} day{'s' if len(days) != 1 else ''})"
                 "</summary>" + _table(head, _period_rows(days, posture), "days")
                 + "</details>")
    parts.append("</section>")
    return "\n".join(parts)


def _posture_part(s: Session, stem: str, out: Path) -> tuple[str, tuple[float, float] | None]:
    """The posture summary and figure of a session with ``posture`` windows."""
    a = s.analysis
    wins = [w for w in a.windows if w.exercise == "posture"]
    if not wins:
        return "", None
    from neckimu.posture import analysis_spans, posture_analysis

    t, flex = a.recording.samples.t, a.angles_deg[:, 0]
    p = posture_analysis(a)
    inside = np.zeros(len(t), bool)
    for s0, s1 in analysis_spans(a):
        inside |= (t >= s0) & (t < s1)
    png = f"{stem}-posture.png"
    figures.posture_figure(t[inside], flex[inside], p.threshold_deg, p.bouts_s, p.alerts_s,
                           f"{s.path.name}: posture", out / png)
    m, sec = divmod(round(p.time_beyond_s), 60)
    n, n_alerts = len(p.bouts_s), len(p.alerts_s)
    text = (f"<h3>Posture</h3><p>Head forward (flexion beyond {p.threshold_deg:g} deg from "
            f"neutral) for {m}:{sec:02d} min of {p.duration_s / 60:.1f} min "
            f"({100 * p.fraction_beyond:.0f} %); {n} period{'s' if n != 1 else ''}, the "
            f"longest {p.longest_bout_s:.0f} s; {n_alerts} reminder"
            f"{'s' if n_alerts != 1 else ''} (after {p.alert_after_s:g} s).</p>"
            + _img(png, "flexion during posture mode"))
    return text, (p.time_beyond_s, p.duration_s)


def _session(k: int, s: Session, out: Path) -> tuple[str, SessionStats]:
    a = s.analysis
    t = a.recording.samples.t
    stem = _anchor(k, s)
    reps = [r.to_json() for r in a.reps]
    passed = sum(r["verdict"] == "pass" for r in reps)
    parts = [f'<section class="session" id="{stem}">',
             f"<h2>Session {k}: {s.when:%Y-%m-%d %H:%M} — {_esc(s.path.name)}</h2>",
             f'<p class="meta">{_esc(s.path)} · {(t[-1] - t[0]) / 60:.1f} min at '
             f"{1.0 / a.orientation.ts:.0f} Hz · date from {_esc(s.date_source)} · head frame "
             f"{_esc(a.calibration.method)}, mount {_esc(a.calibration.mount)}"
             + (f" · {len(a.recording.gaps)} gaps" if a.recording.gaps else "") + "</p>"]
    if reps:
        parts.append(f"<p><b>{passed} of {len(reps)} reps passed.</b></p>")
    plot_angles(a, out / f"{stem}-session.png", f"{s.path.name}: whole session")
    parts.append(_img(f"{stem}-session.png", "head angles over the whole session"))
    # one figure per exercise; the four isometric holds share one
    by_exercise: dict[str, list] = {}
    for w in a.windows:
        if w.exercise != "posture":
            by_exercise.setdefault("holds" if w.exercise in HOLDS else w.exercise, []).append(w)
    for ex, wins in by_exercise.items():
        png = f"{stem}-{_slug(ex)}.png"
        title = "isometric holds" if ex == "holds" else exercise_title(ex)
        figures.exercise_figure(t, a.angles_deg, wins, reps, f"{s.path.name}: {title}",
                                out / png)
        parts.append(f"<h3>{_esc(title.capitalize())}</h3>" + _img(png, f"{title}: head angles"))
        if ex == "retraction":
            rr = [r for r in reps if r["exercise"] == "retraction"]
            if rr:
                paths = [(np.asarray(r["path_mm"]["posterior"], float),
                          np.asarray(r["path_mm"]["superior"], float)) for r in rr]
                png = f"{stem}-retraction-paths.png"
                figures.retraction_figure(rr, paths, f"{s.path.name}: retraction paths",
                                          out / png)
                parts.append(
                    '<p class="meta">Head-centre path of each rep, side view (posterior = '
                    "backward, superior = up), over the region the pass rule accepts; the dot "
                    "is the displacement the verdict judged, on the path.</p>"
                    + _img(png, "retraction paths: posterior vs superior displacement"))
    posture_html, posture = _posture_part(s, stem, out)
    parts.append(posture_html)
    if reps:
        parts.append("<h3>Verdicts</h3>" + _table(
            ["time [s]", "exercise", "rep", "verdict", "what happened"], _verdict_rows(reps),
            "verdicts"))
    elif not a.windows:
        parts.append('<p class="meta">No exercise events in this recording: angles only.</p>')
    if a.notes:
        parts.append('<p class="meta">' + "<br>".join(_esc(n) for n in a.notes) + "</p>")
    parts.append("</section>")
    stats = session_stats(s.when, s.path.name, reps, posture)
    return "\n".join(parts), stats


def write_report(recordings: list[Path], out_dir: Path,
                 skipped: list[str] | None = None) -> Path:
    """Write the HTML report of one or more recordings.

    Parameters
    ----------
    recordings : list of Path
        Recording files (neckimu format or interchange CSV) and/or folders (every neckimu
        recording in them). Sessions are ordered by date (metadata ``created``, else the
        file's modification time).
    out_dir : Path
        Folder for ``index.html`` and its PNGs; created if needed.
    skipped : list of str, optional
        Receives one line per recording of a folder that was skipped because it could not be
        read or analysed (the page lists them too).

    Returns
    -------
    Path
        ``out_dir / "index.html"``.

    Raises
    ------
    NeckimuError
        Bad input (a missing file, a folder without recordings, unreadable data), naming it;
        nothing is written then.
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise NeckimuError(f"{out}: exists and is not a folder")
    skips: list[str] = []
    sessions = load_sessions([Path(p) for p in recordings], skips)
    if skipped is not None:
        skipped += skips
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise NeckimuError(f"{out}: cannot create the folder: {e.strerror or e}") from None
    parts, stats = [], []
    for k, s in enumerate(sessions, start=1):
        text, st = _session(k, s, out)
        parts.append(text)
        stats.append(st)
    total = sum(st.reps for st in stats)
    passed = sum(st.passed for st in stats)
    toc = "".join(
        f'<li><a href="#{_esc(_anchor(k, s))}">{s.when:%Y-%m-%d %H:%M}</a> — '
        f"{_esc(s.path.name)}: {_outcome(st)}</li>"
        for k, (s, st) in enumerate(zip(sessions, stats, strict=True), start=1))
    body = [
        "<header><h1>neckimu report</h1>",
        f'<p class="meta">{len(sessions)} session{"s" if len(sessions) != 1 else ""}, '
        f"{total} reps, {passed} passed · written {datetime.now():%Y-%m-%d %H:%M} by "
        f"neckimu {__version__}</p></header>",
        f'<p class="safety" role="note"><b>Safety.</b> {_esc(SAFETY_NOTICE)}</p>',
        ('<p class="meta">' + "<br>".join(_esc(k) for k in skips) + "</p>") if skips else "",
        _progress(stats, out),
        f'<section id="sessions"><h2>Sessions</h2><ol>{toc}</ol></section>',
        *parts,
        f'<footer><p class="meta">{_esc(SAFETY_NOTICE)}</p></footer>',
    ]
    page = ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            '<link rel="icon" href="data:,">'
            f"<title>neckimu report</title><style>{_CSS}</style></head>\n<body>\n"
            + "\n".join(p for p in body if p) + "\n</body></html>\n")
    index = out / "index.html"
    index.write_text(page, encoding="utf-8")
    return index


def _outcome(st: SessionStats) -> str:
    parts = [f"{st.passed}/{st.reps} reps passed"] if st.reps else []
    if st.posture_beyond_s is not None and st.posture_s:
        parts.append(f"head forward {100 * st.posture_beyond_s / st.posture_s:.0f} % of "
                     f"{st.posture_s / 60:.0f} min at the desk")
    return ", ".join(parts) or "no reps"


def _anchor(k: int, s: Session) -> str:
    return f"s{k:02d}-{_slug(s.path.name.removesuffix('.gz').removesuffix('.csv'))}"


