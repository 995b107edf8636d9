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

import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from neckimu import SAFETY_NOTICE
from neckimu.errors import NeckimuError
from neckimu.report.cache import RecordCache
from neckimu.report.markup import _esc
from neckimu.report.progress import SessionStats
from neckimu.report.sections import _anchor, _details, _progress, _rom_section, _session, _summary
from neckimu.report.sessions import Session, load_sessions
from neckimu.report.summary import DEFAULT_GOAL, Goal, summarize
from neckimu.report.words import plural

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
tr.not_judged td.verdict{color:#666}
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
    left_out : list of str
        One line per folder with CSV files that are not neckimu recordings.
    """

    index: Path
    analysed: list[Path] = field(default_factory=list)
    reused: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)


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
    return ReportResult(index, loaded.analysed, loaded.reused, loaded.skipped, loaded.left_out)


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
