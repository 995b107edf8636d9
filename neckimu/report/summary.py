"""The report's summary in plain words: this week against the goal, the pass rate then and
now, the most frequent mistake and its advice, left against right, range of motion.

Every sentence is computed from the sessions' rep records (docs/analysis-json.md) and their
dates; ``tests/report/test_summary.py`` builds sessions with known outcomes and checks the
sentences word for word.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np

from neckimu.report.rom import DIRECTION_WORDS, asymmetry, session_rom
from neckimu.report.words import KIND_PLURAL, is_judged, kind, mistake, percent, plural

#: A session for the summary: when it started and its rep records.
DatedReps = tuple[datetime, Sequence[dict[str, Any]]]
#: Order of the kinds of exercise when two mistakes are as frequent.
_KIND_ORDER = {"hold": 0, "retraction": 1, "stretch": 2}


@dataclass(frozen=True)
class Goal:
    """What the training asks for: 3-4 short sessions a day, every day, for 4-6 weeks.

    Attributes
    ----------
    days_per_week : int
    sessions_per_day : tuple of int
        Low and high end.
    """

    days_per_week: int = 7
    sessions_per_day: tuple[int, int] = (3, 4)

    def words(self) -> str:
        """``every day, 3 to 4 sessions a day``."""
        lo, hi = self.sessions_per_day
        days = "every day" if self.days_per_week >= 7 else f"{self.days_per_week} days a week"
        per = f"{lo} to {hi}" if hi != lo else f"{lo}"
        return f"{days}, {per} sessions a day"


@dataclass(frozen=True)
class Summary:
    """The summary's sentences (None: nothing to say on that topic).

    Attributes
    ----------
    week : str
        Days trained in the current (or latest) week against the goal.
    pass_rate : str or None
        Pass rate in the first and the latest week.
    mistake : str or None
        The most frequent mistake of the week and its advice.
    sides : str or None
        Left against right in the side holds and stretches.
    rom : str or None
        The latest range of motion, its left/right difference and its change.
    """

    week: str
    pass_rate: str | None = None
    mistake: str | None = None
    sides: str | None = None
    rom: str | None = None

    def sentences(self) -> list[str]:
        """The sentences in page order."""
        return [s for s in (self.week, self.pass_rate, self.mistake, self.sides, self.rom) if s]


#: The prescription: 3-4 sessions a day, every day.
DEFAULT_GOAL = Goal()


def _monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


def _span(monday: date) -> str:
    """``3 to 9 March 2025``, ``31 March to 6 April 2025``."""
    sunday = monday + timedelta(days=6)
    if monday.month == sunday.month:
        return f"{monday.day} to {sunday.day} {sunday:%B %Y}"
    if monday.year == sunday.year:
        return f"{monday.day} {monday:%B} to {sunday.day} {sunday:%B %Y}"
    return f"{monday.day} {monday:%B %Y} to {sunday.day} {sunday:%B %Y}"


def _day(d: date) -> str:
    return f"{d.day} {d:%B %Y}"


def summarize(
    sessions: Sequence[DatedReps], today: date | None = None, goal: Goal = DEFAULT_GOAL
) -> Summary:
    """The summary of a report's sessions.

    Parameters
    ----------
    sessions : sequence of (datetime, sequence of dict)
        Each session's start (wall clock) and rep records.
    today : date, optional
        The report's date: "this week" is its ISO week when the latest session falls in it,
        else the latest week with a session. Default: the latest session's date.
    goal : Goal

    Returns
    -------
    Summary
    """
    training = [(w, [r for r in reps]) for w, reps in sessions if reps]
    if not training:
        return Summary("No exercise sessions yet: the recordings hold no judged reps.")
    latest = max(w for w, _ in training).date()
    today = today or latest
    monday = _monday(latest)
    current = _monday(today) == monday
    label = "this week" if current else f"in the week of {_day(monday)}"
    # a day of training has a judged rep, as in the report's tables (a range-of-motion
    # measurement alone, or reps cut off, are sessions but not training)
    week = [
        (w, reps)
        for w, reps in training
        if _monday(w.date()) == monday and any(is_judged(r) for r in reps)
    ]
    return Summary(
        week=_week_sentence(week, monday, current, today, goal),
        pass_rate=_pass_rate_sentence(training),
        mistake=_mistake_sentence(week, label),
        sides=_sides_sentence(training),
        rom=_rom_sentence(training),
    )


def _week_sentence(
    week: list[DatedReps], monday: date, current: bool, today: date, goal: Goal
) -> str:
    days = len({w.date() for w, _ in week})
    n = len(week)
    if current:
        so_far = min(7, (today - monday).days + 1)
        of = "7 days" if so_far == 7 else f"the {so_far} days so far"
        if so_far == 1:
            of = "1 day so far"
        text = (
            f"This week ({_span(monday)}) you trained on {days} of {of}, "
            f"in {plural(n, 'training session')}."
        )
    else:
        of = "7 days"
        text = (
            f"In the week of {_day(monday)}, the latest in this report, you trained on "
            f"{days} of {of}, in {plural(n, 'training session')}."
        )
    lo = goal.sessions_per_day[0]
    met = days >= goal.days_per_week and n >= lo * goal.days_per_week
    text += f" The goal is {goal.words()}"
    return text + (": goal met." if met else ".")


def _pass(sessions: Sequence[DatedReps]) -> tuple[int, int]:
    judged = [r for _, reps in sessions for r in reps if is_judged(r)]
    return sum(r["verdict"] == "pass" for r in judged), len(judged)


def _pass_rate_sentence(training: list[DatedReps]) -> str | None:
    weeks: dict[date, list[DatedReps]] = {}
    for s in training:
        weeks.setdefault(_monday(s[0].date()), []).append(s)
    counted = {m: _pass(g) for m, g in sorted(weeks.items())}
    counted = {m: c for m, c in counted.items() if c[1]}
    if not counted:
        return None
    first, last = min(counted), max(counted)
    p1, n1 = counted[first]
    p2, n2 = counted[last]
    if first == last:
        return f"Pass rate: {percent(p2, n2)} ({p2} of {plural(n2, 'rep')})."
    diff = 100 * (p2 / n2 - p1 / n1)
    trend = "better" if diff >= 5 else "lower" if diff <= -5 else "about the same"
    return (
        f"Pass rate: {percent(p1, n1)} in the first week ({_span(first)}, {p1} of "
        f"{plural(n1, 'rep')}), {percent(p2, n2)} in the latest ({_span(last)}, {p2} of "
        f"{plural(n2, 'rep')}): {trend}."
    )


def _mistake_sentence(week: list[DatedReps], label: str) -> str | None:
    judged = [r for _, reps in week for r in reps if is_judged(r)]
    if not judged:
        return None
    faults = Counter(
        (kind(r["exercise"]), r["faults"][0])
        for r in judged
        if r["verdict"] == "fail" and r.get("faults") and r["faults"][0] != "incomplete"
    )
    if not faults:
        return f"No mistakes {label}."
    (k, fault), n = min(
        faults.items(), key=lambda kv: (-kv[1], _KIND_ORDER.get(kv[0][0], 9), kv[0])
    )
    total = sum(kind(r["exercise"]) == k for r in judged)
    m = mistake(k, fault)
    of = KIND_PLURAL.get(k, f"{k} reps") if total != 1 else k
    return f"Most frequent mistake {label}: {m.what} ({n} of {total} {of}). Advice: {m.advice}."


def _median(x: list[float]) -> float:
    return float(np.median(x))


def _sides_sentence(training: list[DatedReps]) -> str | None:
    reps = [r for _, rs in training for r in rs if is_judged(r)]
    parts: list[str] = []
    holds = {
        side: [r for r in reps if r["exercise"] == f"hold_{side}"] for side in ("left", "right")
    }
    if holds["left"] or holds["right"]:
        words, rates = [], {}
        for side, rs in holds.items():
            if not rs:
                words.append(f"none to the {side}")
                continue
            p = sum(r["verdict"] == "pass" for r in rs)
            rates[side] = (p / len(rs), len(rs))
            dev = [r["max_deviation_deg"] for r in rs if r.get("max_deviation_deg") is not None]
            moved = f", head moved {_median(dev):.1f} degrees (median)" if dev else ""
            words.append(f"{p} of {len(rs)} passed to the {side}{moved}")
        text = "Side holds: " + "; ".join(words)
        if len(rates) == 2 and min(n for _, n in rates.values()) >= 3:
            gap = 100 * (rates["left"][0] - rates["right"][0])
            if abs(gap) >= 20:
                text += f"; the {'right' if gap > 0 else 'left'} side fails more often"
        parts.append(text + ".")
    stretches = {
        side: [
            r["reached_deg"]
            for r in reps
            if r["exercise"] == f"stretch_{side}" and r.get("reached_deg") is not None
        ]
        for side in ("left", "right")
    }
    if stretches["left"] or stretches["right"]:
        if not (stretches["left"] and stretches["right"]):
            done = "left" if stretches["left"] else "right"
            parts.append(f"Stretches to the {done} only: stretch both sides.")
        else:
            left, right = _median(stretches["left"]), _median(stretches["right"])
            text = (
                f"Side stretches reached {left:.0f} degrees to the left and {right:.0f} to "
                f"the right (medians of {len(stretches['left'])} and "
                f"{len(stretches['right'])})"
            )
            if abs(left - right) >= 5:
                text += f"; the head goes less far to the {'right' if left > right else 'left'}"
            parts.append(text + ".")
    return " ".join(parts) or None


def _rom_sentence(training: list[DatedReps]) -> str | None:
    measured = [
        (w, rom) for w, reps in sorted(training, key=lambda s: s[0]) if (rom := session_rom(reps))
    ]
    if not measured:
        return None
    when, rom = measured[-1]
    values = ", ".join(f"{DIRECTION_WORDS[k]} {v:.0f}" for k, v in rom.items())
    text = f"Range of motion on {_day(when.date())}: {values} degrees."
    asym = asymmetry(rom)
    sides = [(name, a) for name, a in asym.items() if a is not None and abs(a) >= 5]
    if sides:
        name, a = max(sides, key=lambda s: abs(s[1]))
        text += (
            f" Left and right differ most in the {name}: {abs(a):.0f} degrees less to the "
            f"{'right' if a > 0 else 'left'}."
        )
    elif any(a is not None for a in asym.values()):
        text += " Left and right are within 5 degrees of each other."
    if len(measured) > 1:
        first_when, first = measured[0]
        change = {k: rom[k] - first[k] for k in rom if k in first}
        if change:
            k = max(change, key=lambda k: (abs(change[k]), -list(DIRECTION_WORDS).index(k)))
            text += (
                f" Largest change since {_day(first_when.date())}: {DIRECTION_WORDS[k]} "
                f"{change[k]:+.0f} degrees."
            )
    return text
