"""The report page: ``index.html`` and its PNGs in one folder, no script, no network.

Layout: title and safety notice; the summary in plain words (``neckimu.report.summary``);
progress across sessions (figure, weekly and daily tables); range of motion over the weeks
when there are measurements; the list of sessions; each session in date order (its figures,
the table of every rep's verdict, its technical details folded); a last section that
explains the terms. A print stylesheet lays it out on A4, each session on a new page.

The sessions' analyses and figures come from their records (``neckimu.report.record``),
cached (``neckimu.report.cache``) or made in parallel; the page is rendered from the records
alone, so a run that reuses every record writes the same bytes as one that made them.
"""

from __future__ import annotations

import html
import math
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from neckimu import SAFETY_NOTICE
from neckimu.errors import NeckimuError
from neckimu.report import figures
from neckimu.report.cache import RecordCache, copy_file
from neckimu.report.progress import PeriodStats, SessionStats, by_period, session_stats
from neckimu.report.rom import DIRECTION_WORDS, DIRECTIONS, PAIRS, rom_weeks, session_rom
from neckimu.report.sessions import Session, load_sessions
from neckimu.report.summary import DEFAULT_GOAL, Goal, Summary, summarize
from neckimu.report.words import (
    date_words,
    gap_words,
    head_frame_words,
    plural,
    rep_words,
)
from neckimu.verify.reps import exercise_name

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:1080px;margin:1.5em auto;
 padding:0 1em;color:#222;line-height:1.4}
h1{margin:.2em 0} h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:1.8em}
h3{margin:1.2em 0 .3em}
.safety{background:#fff3cd;border:1px solid #e0c36b;padding:.6em 1em;border-radius:4px}
.summary{background:#eef6ee;border:1px solid #b7d7b9;padding:.4em 1em .4em 2em;border-radius:4px}
.summary li{margin:.35em 0}
.meta{color:#555;font-size:.92em}
table{border-collapse:collapse;margin:.6em 0;font-size:.9em}
td,th{border:1px solid #ddd;padding:.25em .6em;vertical-align:top}
th{background:#f4f4f4;text-align:left} td.num{text-align:right} td:first-child{white-space:nowrap}
summary{cursor:pointer;font-weight:600;margin:1em 0 .3em}
dl.tech{display:grid;grid-template-columns:max-content auto;gap:.2em 1em;font-size:.9em}
dl.tech dt{color:#555} dl.tech dd{margin:0}
tr.pass td.verdict{color:#1e7d3c;font-weight:600} tr.fail td.verdict{color:#c62828;font-weight:600}
img{max-width:100%;height:auto;border:1px solid #eee;margin:.3em 0;display:block}
@media print{
 @page{size:A4;margin:14mm 12mm}
 body{max-width:none;margin:0;padding:0;font-size:10pt;line-height:1.3}
 h2{margin-top:.6em} a{color:inherit;text-decoration:none}
 section.session,#details{break-before:page}
 img{break-inside:avoid;border:none;max-height:240mm;width:auto;max-width:100%}
 tr,li,.safety,.summary{break-inside:avoid} h2,h3{break-after:avoid}
 table{font-size:8.5pt} details>summary{list-style:none}
 .safety,.summary,th{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
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
        of = f"{r['index']}/{r['of']}" if r.get("of") else f"{r['index']}"
        verdict = r.get("verdict") or ""
        rows.append(
            f'<tr class="rep {_esc(verdict)}"><td class="num">{r["start_s"]:.1f}</td>'
            f"<td>{_esc(exercise_title(r['exercise']))}</td>"
            f'<td class="num">{_esc(of)}</td>'
            f'<td class="verdict">{_esc(verdict)}</td>'
            f"<td>{_esc(rep_words(r))}</td></tr>"
        )
    return rows


def _period_rows(periods: list[PeriodStats], posture: bool) -> list[str]:
    rows = []
    for p in periods:
        cells = [
            p.label,
            str(p.sessions),
            str(p.days),
            str(p.reps),
            _num(100 * p.pass_rate, ".0f"),
            _num(p.hold_median_deg, ".1f"),
            _num(p.retraction_median_mm, ".0f"),
        ]
        if posture:
            cells.append(_num(100 * p.posture_beyond_fraction, ".0f"))
        rows.append(
            "<tr>"
            + f"<td>{_esc(cells[0])}</td>"
            + "".join(f'<td class="num">{c}</td>' for c in cells[1:])
            + "</tr>"
        )
    return rows


def _progress(stats: list[SessionStats], out: Path, cache: RecordCache) -> str:
    days, weeks = by_period(stats, "day"), by_period(stats, "week")
    posture = any(s.posture_beyond_s is not None for s in stats)
    first, last = stats[0].when, stats[-1].when
    parts = [
        '<section id="progress"><h2>Progress</h2>',
        f"<p>{plural(len(stats), 'session')} on {plural(len(days), 'day')} in "
        f"{plural(len(weeks), 'week')}, {first:%Y-%m-%d} to {last:%Y-%m-%d}. "
        "These exercises work through regular practice over 4 to 6 weeks: what counts "
        "is training on most days, every week.</p>",
    ]
    if len(stats) > 1:
        inputs = [
            (
                s.when.isoformat(),
                s.reps,
                s.passed,
                s.hold_max_deviation_deg.tolist(),
                s.retraction_posterior_mm.tolist(),
                s.posture_beyond_s,
                s.posture_s,
            )
            for s in stats
        ]
        cache.page_figure(
            "progress",
            inputs,
            lambda p: figures.plain(figures.progress_figure, stats, days, weeks, p),
            out / "progress.png",
        )
        parts.append(
            _img(
                "progress.png",
                "progress over days and weeks: reps, pass rate, hold stillness, retraction glide",
            )
        )
    else:
        parts.append(
            '<p class="meta">Progress over days and weeks appears once there are '
            "recordings of several sessions in one folder.</p>"
        )
    head = [
        "week",
        "sessions",
        "days trained",
        "reps",
        "passed [%]",
        "holds: head movement, median [deg]",
        "retractions: glide back, median [mm]",
    ]
    if posture:
        head.append("desk: head forward [% of time]")
    parts.append("<h3>By week</h3>" + _table(head, _period_rows(weeks, posture), "weeks"))
    parts.append(
        f"<details><summary>By day ({plural(len(days), 'day')})</summary>"
        + _table(["day", *head[1:]], _period_rows(days, posture), "days")
        + "</details>"
    )
    parts.append("</section>")
    return "\n".join(parts)


def _rom_section(sessions: list[Session], out: Path, cache: RecordCache) -> str:
    measured = [(s.when, rom) for s in sessions if (rom := session_rom(s.record.reps))]
    if not measured:
        return ""
    weeks = rom_weeks(measured)
    inputs = [(w.isoformat(), sorted(r.items())) for w, r in measured]
    cache.page_figure(
        "rom",
        inputs,
        lambda p: figures.plain(figures.rom_figure, measured, weeks, p),
        out / "rom.png",
    )
    head = [
        "week",
        "sessions",
        *(DIRECTION_WORDS[k] + " [deg]" for k in DIRECTIONS),
        *(f"{name}: left − right [deg]" for name, _, _ in PAIRS),
    ]
    rows = []
    for w in weeks:
        cells = [
            str(w.sessions),
            *(_num(w.median_deg[k], ".0f") for k in DIRECTIONS),
            *(_num(w.asymmetry_deg[name], "+.0f") for name, _, _ in PAIRS),
        ]
        rows.append(
            f"<tr><td>{_esc(w.label)}</td>"
            + "".join(f'<td class="num">{c}</td>' for c in cells)
            + "</tr>"
        )
    return "\n".join(
        [
            '<section id="rom"><h2>Range of motion</h2>',
            "<p>How far the head goes in each direction, to a comfortable end, in the guided "
            "range-of-motion exercise: each dot is a session, the steps are weekly medians. The "
            "bottom panel shows left minus right: above zero the head goes further to the left."
            "</p>",
            _img("rom.png", "range of motion over the weeks, left and right"),
            _table(head, rows, "rom"),
            "</section>",
        ]
    )


def _posture_part(s: Session, anchor: str) -> tuple[str, tuple[float, float] | None]:
    """The posture summary of a session with ``posture`` windows."""
    p = s.record.posture
    if p is None:
        return "", None
    png = next((f for f in s.record.figures if f.file == "posture.png"), None)
    m, sec = divmod(round(p["time_beyond_s"]), 60)
    n, n_alerts = p["bouts"], p["alerts"]
    text = (
        f"<h3>Desk posture</h3><p>Head tilted forward (more than "
        f"{p['threshold_deg']:g} degrees from upright) for {m}:{sec:02d} min of "
        f"{p['duration_s'] / 60:.1f} min ({100 * p['fraction_beyond']:.0f} %), in "
        f"{plural(n, 'period')}, the longest {p['longest_bout_s']:.0f} s; "
        f"{plural(n_alerts, 'reminder')} (each after {p['alert_after_s']:g} s with the "
        "head forward).</p>" + (_img(f"{anchor}-{png.file}", png.alt) if png else "")
    )
    return text, (p["time_beyond_s"], p["duration_s"])


def _tech(s: Session) -> str:
    a = s.record.analysis
    cal = a.get("calibration") or {}
    gaps = a.get("gaps") or {}
    items = [
        ("file", str(s.path)),
        (
            "length",
            f"{a.get('duration_s', 0.0) / 60:.1f} min, "
            f"{a.get('rate_hz', 0.0):.0f} samples per second",
        ),
        ("date taken from", date_words(s.date_source)),
        ("head axes", head_frame_words(cal.get("method"))),
        ("headset position", f"{cal.get('mount', '?')} ({cal.get('mount_source', '?')})"),
        ("lost data", gap_words(int(gaps.get("count", 0)), int(gaps.get("missing_samples", 0)))),
        ("analysed by", f"neckimu {a.get('neckimu_version', '?')}"),
    ]
    items += [("note", n) for n in a.get("notes") or []]
    body = "".join(f"<dt>{_esc(k)}</dt><dd>{_esc(v)}</dd>" for k, v in items)
    return (
        '<details class="tech"><summary>Technical details</summary>'
        f'<dl class="tech">{body}</dl></details>'
    )


def _session(k: int, s: Session, out: Path) -> tuple[str, SessionStats]:
    rec = s.record
    anchor = _anchor(k, s)
    reps = rec.reps
    stats = session_stats(s.when, s.path.name, reps, None)
    for f in rec.figures:
        copy_file(s.folder / f.file, out / f"{anchor}-{f.file}")
    parts = [
        f'<section class="session" id="{anchor}">',
        f"<h2>Session {k}: {s.when:%Y-%m-%d %H:%M} — {_esc(s.path.name)}</h2>",
    ]
    length = f"{rec.analysis.get('duration_s', 0.0) / 60:.1f} minutes"
    if stats.reps:
        parts.append(
            f"<p><b>{stats.passed} of {plural(stats.reps, 'rep')} passed</b> ({length}).</p>"
        )
    else:
        parts.append(f"<p>{length}.</p>")
    for f in rec.figures:
        if f.file == "posture.png":
            continue
        if f.heading:
            parts.append(f"<h3>{_esc(f.heading)}</h3>")
        if f.caption:
            parts.append(f'<p class="meta">{_esc(f.caption)}</p>')
        parts.append(_img(f"{anchor}-{f.file}", f.alt))
    posture_html, posture = _posture_part(s, anchor)
    parts.append(posture_html)
    if reps:
        parts.append(
            "<h3>Verdicts</h3>"
            + _table(
                ["time [s]", "exercise", "rep", "verdict", "what happened"],
                _verdict_rows(reps),
                "verdicts",
            )
        )
    elif not rec.analysis.get("exercises"):
        parts.append('<p class="meta">No exercise cues in this recording: head angles only.</p>')
    parts.append(_tech(s))
    parts.append("</section>")
    if posture is not None:
        stats = session_stats(s.when, s.path.name, reps, posture)
    return "\n".join(p for p in parts if p), stats


def _summary(summary: Summary) -> str:
    items = "".join(f"<li>{_esc(t)}</li>" for t in summary.sentences())
    return f'<section id="summary"><h2>Summary</h2><ul class="summary">{items}</ul></section>'


def _details(goal: Goal) -> str:
    from neckimu import __version__
    from neckimu.verify.hold import HoldCriteria
    from neckimu.verify.retraction import RetractionCriteria
    from neckimu.verify.stretch import StretchCriteria

    hold, retr, st = HoldCriteria(), RetractionCriteria(), StretchCriteria()
    terms = [
        (
            "Goal",
            f"{goal.words()}, for 4 to 6 weeks; a day counts as trained when it has a "
            "session with judged reps (desk sessions alone do not count).",
        ),
        (
            "Pass",
            "a rep done as prescribed. Holds pass when the head stays within "
            f"{hold.tolerance_deg:g} degrees of where it started; retractions when the "
            f"head glides at least {retr.min_glide_mm:g} mm back without tipping, "
            "dropping, nodding or turning; stretches when they reach "
            f"{st.min_reached_deg:g} degrees or more and are held steadily for "
            f"{100 * st.min_fraction:.0f} % of the prescribed time.",
        ),
        (
            "Head movement in holds",
            "the largest rotation of the head away from its pose at "
            "the cue, in degrees: lower is stiller.",
        ),
        (
            "Glide back",
            "how far the centre of the head moved backward in a retraction, in mm "
            "(the target is 10 to 30 mm).",
        ),
        (
            "Range of motion",
            "the largest angle reached in each direction in the guided "
            "range-of-motion exercise, in degrees; left minus right shows "
            "a difference between the sides.",
        ),
        (
            "Angles",
            "forward/backward (flexion/extension), tilt (lateral flexion, ear toward "
            "shoulder) and turn (rotation), from the head's upright pose found in "
            "the calibration.",
        ),
        (
            "Technical details",
            "each session's file, sampling rate, how its date and head "
            "axes were found, and data lost over Bluetooth; they matter "
            "when a verdict looks wrong.",
        ),
    ]
    dl = "".join(f"<dt>{_esc(k)}</dt><dd>{_esc(v)}</dd>" for k, v in terms)
    return (
        f'<section id="details"><h2>Details: how to read this report</h2>'
        f'<dl class="tech">{dl}</dl><p class="meta">Made by neckimu {_esc(__version__)}.'
        "</p></section>"
    )


@dataclass
class ReportResult:
    """What :func:`build_report` did.

    Attributes
    ----------
    index : Path
        The page.
    analysed : list of Path
        Recordings analysed in this run.
    reused : list of Path
        Recordings whose cached analysis and figures were used.
    skipped : list of str
        One line per recording of a folder that was skipped.
    """

    index: Path
    analysed: list[Path] = field(default_factory=list)
    reused: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def build_report(
    recordings: list[Path],
    out_dir: Path,
    *,
    cache_dir: Path | None = None,
    jobs: int | None = None,
    progress: bool | None = False,
    today: date | None = None,
    goal: Goal = DEFAULT_GOAL,
) -> ReportResult:
    """Write the HTML report of one or more recordings, reusing cached analyses.

    Parameters
    ----------
    recordings : list of Path
        Recording files (neckimu format or interchange CSV) and/or folders (every neckimu
        recording in them). Sessions are ordered by date (metadata ``created``, else the
        file's modification time).
    out_dir : Path
        Folder for ``index.html`` and its PNGs; created if needed.
    cache_dir : Path, optional
        Root of the cache of analyses and figures (``neckimu.report.cache``); None: no cache
        (everything is analysed, in a temporary folder).
    jobs : int, optional
        Worker processes for the analyses; default every core.
    progress : bool or None
        Progress bar on stderr while analysing; None: only on a terminal.
    today : date, optional
        The date "this week" refers to in the summary; default the latest session's date.
    goal : Goal
        What the training asks for (the summary compares the week with it).

    Returns
    -------
    ReportResult

    Raises
    ------
    NeckimuError
        Bad input (a missing file, a folder without recordings, unreadable data), naming it;
        nothing is written then.
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise NeckimuError(f"{out}: exists and is not a folder")
    with tempfile.TemporaryDirectory(prefix="neckimu-report-") as tmp:
        cache = _open_cache(cache_dir, Path(tmp))
        loaded = load_sessions([Path(p) for p in recordings], cache, jobs=jobs, progress=progress)
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise NeckimuError(f"{out}: cannot create the folder: {e.strerror or e}") from None
        page = _page(loaded.sessions, loaded.skipped, out, cache, today, goal)
    index = out / "index.html"
    index.write_text(page, encoding="utf-8")
    return ReportResult(index, loaded.analysed, loaded.reused, loaded.skipped)


def _open_cache(cache_dir: Path | None, tmp: Path) -> RecordCache:
    """The cache under ``cache_dir``, or a throw-away one in ``tmp`` (also when ``cache_dir``
    cannot be used: a report is still made)."""
    if cache_dir is not None:
        try:
            cache = RecordCache(Path(cache_dir))
            cache.prune()
            return cache
        except OSError as e:
            import sys

            print(
                f"note: cache {cache_dir} not usable ({e.strerror or e}); analysing everything",
                file=sys.stderr,
            )
    return RecordCache(tmp)


def _page(
    sessions: list[Session],
    skips: list[str],
    out: Path,
    cache: RecordCache,
    today: date | None,
    goal: Goal,
) -> str:
    parts, stats = [], []
    for k, s in enumerate(sessions, start=1):
        text, st = _session(k, s, out)
        parts.append(text)
        stats.append(st)
    summary = summarize([(s.when, s.record.reps) for s in sessions], today, goal)
    toc = "".join(
        f'<li><a href="#{_esc(_anchor(k, s))}">{s.when:%Y-%m-%d %H:%M}</a> — '
        f"{_esc(s.path.name)}: {_outcome(st)}</li>"
        for k, (s, st) in enumerate(zip(sessions, stats, strict=True), start=1)
    )
    first, last = sessions[0].when, sessions[-1].when
    span = (
        f"{first:%Y-%m-%d}"
        if first.date() == last.date()
        else f"{first:%Y-%m-%d} to {last:%Y-%m-%d}"
    )
    body = [
        "<header><h1>Neck training report</h1>",
        f'<p class="meta">{plural(len(sessions), "session")}, {span}</p></header>',
        f'<p class="safety" role="note"><b>Safety.</b> {_esc(SAFETY_NOTICE)}</p>',
        _summary(summary),
        ('<p class="meta">' + "<br>".join(_esc(k) for k in skips) + "</p>") if skips else "",
        _progress(stats, out, cache),
        _rom_section(sessions, out, cache),
        f'<section id="sessions"><h2>Sessions</h2><ol>{toc}</ol></section>',
        *parts,
        _details(goal),
        f'<footer><p class="meta">{_esc(SAFETY_NOTICE)}</p></footer>',
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="icon" href="data:,">'
        f"<title>Neck training report</title><style>{_CSS}</style></head>\n<body>\n"
        + "\n".join(p for p in body if p)
        + "\n</body></html>\n"
    )


def write_report(
    recordings: list[Path], out_dir: Path, skipped: list[str] | None = None, **options
) -> Path:
    """Write the HTML report of one or more recordings (:func:`build_report`).

    Parameters
    ----------
    recordings : list of Path
    out_dir : Path
    skipped : list of str, optional
        Receives one line per recording of a folder that was skipped because it could not be
        read or analysed (the page lists them too).
    **options
        Passed to :func:`build_report` (``cache_dir``, ``jobs``, ``progress``, ``today``).

    Returns
    -------
    Path
        ``out_dir / "index.html"``.
    """
    result = build_report(recordings, out_dir, **options)
    if skipped is not None:
        skipped += result.skipped
    return result.index


def _outcome(st: SessionStats) -> str:
    parts = [f"{st.passed} of {plural(st.reps, 'rep')} passed"] if st.reps else []
    if st.posture_beyond_s is not None and st.posture_s:
        parts.append(
            f"head forward {100 * st.posture_beyond_s / st.posture_s:.0f} % of "
            f"{st.posture_s / 60:.0f} min at the desk"
        )
    return ", ".join(parts) or "no reps"


def _anchor(k: int, s: Session) -> str:
    return f"s{k:02d}-{_slug(s.path.name.removesuffix('.gz').removesuffix('.csv'))}"
