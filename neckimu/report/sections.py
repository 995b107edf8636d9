"""The sections of the report page: progress, range of motion, each session, the summary and
the explanations of the terms."""

from __future__ import annotations

from pathlib import Path

from neckimu.report import figures
from neckimu.report.cache import RecordCache, copy_file
from neckimu.report.markup import _esc, _img, _num, _slug, _table, exercise_title
from neckimu.report.progress import PeriodStats, SessionStats, by_period, session_stats
from neckimu.report.rom import DIRECTION_WORDS, DIRECTIONS, PAIRS, rom_weeks, session_rom
from neckimu.report.sessions import Session
from neckimu.report.summary import Goal, Summary
from neckimu.report.words import (
    date_words,
    gap_words,
    head_frame_words,
    is_incomplete,
    plural,
    rep_words,
)


def _verdict_rows(reps: list[dict]) -> list[str]:
    rows = []
    for r in reps:
        of = f"{r['index']}/{r['of']}" if r.get("of") else f"{r['index']}"
        verdict = r.get("verdict") or ""
        if is_incomplete(r):
            verdict = "not judged"  # cut off or without data: says nothing about the person
        rows.append(
            f'<tr class="rep {_esc(verdict.replace(" ", "_"))}"><td class="num">'
            f"{r['start_s']:.1f}</td>"
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
        "head forward).</p>"
        + _posture_split(p.get("trunk"))
        + (_img(f"{anchor}-{png.file}", png.alt) if png else "")
    )
    return text, (p["time_beyond_s"], p["duration_s"])


def _posture_split(split: dict | None) -> str:
    """With a trunk sensor: the neck's flexion and the trunk's inclination apart, and which
    one to fix (:meth:`neckimu.posture.PostureSplit.to_dict`)."""
    if not split:
        return ""
    neck, trunk = split["neck_flexion"], split["trunk_inclination"]
    return (
        f"<p>With the trunk sensor: the neck flexed more than {neck['threshold_deg']:g} "
        f"degrees {100 * neck['fraction_beyond']:.0f} % of the time, the trunk leaned "
        f"forward more than {trunk['threshold_deg']:g} degrees "
        f"{100 * trunk['fraction_beyond']:.0f} %; while the head was forward, the neck "
        f"{split['neck_part_deg']:+.0f} and the trunk {split['trunk_part_deg']:+.0f} degrees. "
        f"<b>To fix:</b> {_esc(split['advice'])}.</p>"
    )


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
            "axes were found, and data missing from it (lost over Bluetooth); they matter "
            "when a verdict looks wrong.",
        ),
    ]
    dl = "".join(f"<dt>{_esc(k)}</dt><dd>{_esc(v)}</dd>" for k, v in terms)
    return (
        f'<section id="details"><h2>Details: how to read this report</h2>'
        f'<dl class="tech">{dl}</dl><p class="meta">Made by neckimu {_esc(__version__)}.'
        "</p></section>"
    )


def _anchor(k: int, s: Session) -> str:
    return f"s{k:02d}-{_slug(s.path.name.removesuffix('.gz').removesuffix('.csv'))}"
