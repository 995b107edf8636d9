"""The summary's sentences say what the sessions hold: sessions with known outcomes (hand-made
rep records), the sentences checked word for word; range of motion by week."""

from __future__ import annotations

import math
from datetime import date, datetime

import pytest

from neckimu.report.rom import rom_weeks, session_rom
from neckimu.report.summary import Goal, summarize
from neckimu.report.words import plural, rep_words


def hold(side: str, ok: bool = True, dev: float = 1.0) -> dict:
    return {
        "exercise": f"hold_{side}",
        "verdict": "pass" if ok else "fail",
        "faults": [] if ok else ["moved"],
        "max_deviation_deg": dev,
    }


def retraction(fault: str | None = None, post: float = 15.0) -> dict:
    return {
        "exercise": "retraction",
        "verdict": "fail" if fault else "pass",
        "faults": [fault] if fault else [],
        "displacement_mm": {"posterior": post},
    }


def stretch(side: str, reached: float, fault: str | None = None) -> dict:
    return {
        "exercise": f"stretch_{side}",
        "verdict": "fail" if fault else "pass",
        "faults": [fault] if fault else [],
        "reached_deg": reached,
    }


def rom(**deg: float) -> dict:
    return {"exercise": "rom", "index": 1, "of": 1, "rom_deg": deg}


def at(day: int, hour: int = 8, month: int = 3) -> datetime:
    return datetime(2025, month, day, hour)


def test_this_week_against_the_goal():
    sessions = [
        (at(3), [hold("left")]),
        (at(4), [hold("left")]),
        (at(10, 8), [hold("left")]),
        (at(10, 12), [hold("left")]),
        (at(10, 18), [hold("left")]),
        (at(12, 8), [hold("left")]),
        (at(12, 12), [hold("left")]),
        (at(11), []),
    ]  # a session without reps (desk, angles only) is not training
    s = summarize(sessions, today=date(2025, 3, 12))
    assert s.week == (
        "This week (10 to 16 March 2025) you trained on 2 of the 3 days so far, "
        "in 5 training sessions. The goal is every day, 3 to 4 sessions a day."
    )
    s = summarize(sessions, today=date(2025, 3, 20))
    assert s.week == (
        "In the week of 10 March 2025, the latest in this report, you trained "
        "on 2 of 7 days, in 5 training sessions. The goal is every day, 3 to 4 sessions "
        "a day."
    )
    assert summarize(sessions).week.startswith(
        "This week (10 to 16 March 2025) you trained on 2 of the 3 days so far"
    )


def test_a_range_of_motion_session_is_not_a_day_of_training():
    """The summary said "trained on 2 of the 3 days" where the report's own table said 1: a
    range-of-motion measurement (nothing to pass) counted as training in the summary only
    (found by a fresh-eyed tester). Reps cut off (incomplete) are not training either."""
    cut = {"exercise": "retraction", "verdict": "fail", "faults": ["incomplete"]}
    sessions = [(at(10), [hold("left")]), (at(12), [rom(flexion=40.0)]), (at(11), [cut])]
    s = summarize(sessions, today=date(2025, 3, 12))
    assert s.week.startswith(
        "This week (10 to 16 March 2025) you trained on 1 of the 3 days so far, "
        "in 1 training session."
    ), s.week
    assert s.rom is not None  # the measurement itself still has its sentence


def test_goal_met_and_a_smaller_goal():
    full = [(at(d, h), [hold("right")]) for d in range(10, 17) for h in (8, 12, 18)]
    s = summarize(full, today=date(2025, 3, 16))
    assert s.week == (
        "This week (10 to 16 March 2025) you trained on 7 of 7 days, in 21 "
        "training sessions. The goal is every day, 3 to 4 sessions a day: goal met."
    )
    two = [(at(d, h), [hold("right")]) for d in (10, 13) for h in (8, 12, 18)]
    s = summarize(two, today=date(2025, 3, 16), goal=Goal(days_per_week=2, sessions_per_day=(3, 3)))
    assert s.week.endswith(
        "in 6 training sessions. The goal is 2 days a week, 3 sessions a day: goal met."
    )
    s = summarize(two[:1], today=date(2025, 3, 10))
    assert s.week.startswith(
        "This week (10 to 16 March 2025) you trained on 1 of 1 day so far, in 1 training session."
    )


def test_week_spanning_two_months():
    s = summarize([(at(1, month=4), [hold("left")])], today=date(2025, 4, 1))
    assert s.week.startswith(
        "This week (31 March to 6 April 2025) you trained on 1 of the 2 days so far, "
        "in 1 training session."
    )


def test_pass_rate_then_and_now():
    first = [(at(3), [hold("left"), hold("left", False), retraction(), retraction("downward")])]
    latest = [(at(10), [hold("left")] * 5), (at(11), [retraction()] * 4 + [retraction("lateral")])]
    s = summarize(first + latest)
    assert s.pass_rate == (
        "Pass rate: 50 % in the first week (3 to 9 March 2025, 2 of 4 "
        "reps), 90 % in the latest (10 to 16 March 2025, 9 of 10 reps): "
        "better."
    )
    s = summarize(latest + [(at(17), [hold("right", False)] * 2 + [hold("right")])])
    assert s.pass_rate.endswith("33 % in the latest (17 to 23 March 2025, 1 of 3 reps): lower.")
    s = summarize(first)
    assert s.pass_rate == "Pass rate: 50 % (2 of 4 reps)."
    # range-of-motion measurements have nothing to pass: not counted
    s = summarize([(at(3), [hold("left"), rom(flexion=50.0)])])
    assert s.pass_rate == "Pass rate: 100 % (1 of 1 rep)."


def test_most_frequent_mistake_of_the_week_and_its_advice():
    older = [(at(3), [retraction("nod_only")] * 9)]  # not this week: does not count
    week = [
        (at(10), [hold("left", False), hold("right", False), hold("left")] * 2),
        (
            at(11),
            [retraction("too_small")] * 3
            + [retraction()] * 2
            + [stretch("left", 10.0, "not_reached")],
        ),
    ]
    s = summarize(older + week, today=date(2025, 3, 12))
    assert s.mistake == (
        "Most frequent mistake this week: the head moved more than 2 "
        "degrees during a hold (4 of 6 holds). Advice: push less hard and "
        "keep the head still: the hand pushes, the head stays put."
    )
    week[1] = (at(11), [retraction("too_small")] * 5)
    s = summarize(older + week, today=date(2025, 3, 20))
    assert s.mistake == (
        "Most frequent mistake in the week of 10 March 2025: retractions too "
        "small (5 of 5 retractions). Advice: glide further back: aim for 1 to "
        "3 cm."
    )
    # a tie goes to the holds; incomplete reps are not mistakes
    tie = [
        (
            at(10),
            [
                hold("left", False),
                retraction("downward"),
                {**retraction("incomplete"), "faults": ["incomplete"]},
            ],
        )
    ]
    assert summarize(tie).mistake.startswith("Most frequent mistake this week: the head moved")
    clean = [(at(10), [hold("left"), retraction()])]
    assert summarize(older + clean).mistake == "No mistakes this week."


def test_left_against_right():
    sessions = [
        (
            at(3),
            [
                hold("left", dev=0.8),
                hold("left", dev=1.2),
                hold("left", dev=1.0),
                hold("left", dev=0.9),
                hold("right", False, 2.5),
                hold("right", False, 3.0),
                hold("right", True, 1.5),
                hold("right", False, 2.5),
                stretch("left", 30.0),
                stretch("left", 34.0),
                stretch("right", 22.0),
                stretch("right", 24.0),
                stretch("right", 26.0, "short"),
            ],
        )
    ]
    s = summarize(sessions)
    assert s.sides == (
        "Side holds: 4 of 4 passed to the left, head moved 0.9 degrees "
        "(median); 1 of 4 passed to the right, head moved 2.5 degrees (median); "
        "the right side fails more often. Side stretches reached 32 degrees to "
        "the left and 24 to the right (medians of 2 and 3); the head goes less "
        "far to the right."
    )
    even = [(at(3), [hold("left"), hold("right"), stretch("right", 30.0), stretch("right", 31.0)])]
    assert summarize(even).sides == (
        "Side holds: 1 of 1 passed to the left, head moved 1.0 degrees (median); 1 of 1 passed "
        "to the right, head moved 1.0 degrees (median). Stretches to the right only: stretch "
        "both sides."
    )
    assert summarize([(at(3), [retraction()])]).sides is None


def test_range_of_motion_sentence():
    first = dict(
        flexion=50.0,
        extension=55.0,
        lateral_left=40.0,
        lateral_right=32.0,
        rotation_left=70.0,
        rotation_right=68.0,
    )
    latest = dict(
        flexion=52.0,
        extension=57.0,
        lateral_left=41.0,
        lateral_right=38.0,
        rotation_left=74.0,
        rotation_right=66.0,
    )
    sessions = [
        (at(3), [rom(**first)]),
        (at(5), [hold("left")]),
        (at(12), [rom(**{**latest, "flexion": 40.0}), rom(**latest)]),
    ]
    s = summarize(sessions)
    assert s.rom == (
        "Range of motion on 12 March 2025: forward 52, backward 57, tilt left 41, "
        "tilt right 38, turn left 74, turn right 66 degrees. Left and right differ "
        "most in the turn: 8 degrees less to the right. Largest change since 3 "
        "March 2025: tilt right +6 degrees."
    )
    s = summarize([(at(3), [rom(flexion=50.0, lateral_left=30.0, lateral_right=28.0)])])
    assert s.rom == (
        "Range of motion on 3 March 2025: forward 50, tilt left 30, tilt right 28 "
        "degrees. Left and right are within 5 degrees of each other."
    )
    assert summarize([(at(3), [hold("left")])]).rom is None
    assert s.sentences()[-1] == s.rom and s.sentences()[0] == s.week


def test_rom_by_week_medians_and_asymmetry():
    def r(ll: float, lr: float, rl: float, rr: float) -> dict[str, float]:
        return session_rom(
            [
                rom(
                    lateral_left=ll,
                    lateral_right=lr,
                    rotation_left=rl,
                    rotation_right=rr,
                    flexion=None,
                    extension=float("nan"),
                )
            ]
        )

    weeks = rom_weeks(
        [
            (at(3), r(40, 30, 70, 60)),
            (at(4), r(42, 36, 72, 66)),
            (at(6), r(44, 38, 80, 70)),
            (at(11), r(40, 41, 70, 72)),
        ]
    )
    assert [w.label for w in weeks] == ["2025-W10", "2025-W11"]
    assert [w.sessions for w in weeks] == [3, 1]
    assert weeks[0].median_deg["lateral_left"] == 42 and weeks[0].median_deg["rotation_right"] == 66
    assert math.isnan(weeks[0].median_deg["flexion"])  # null and NaN: not measured
    assert weeks[0].asymmetry_deg == {"tilt": 6.0, "turn": 10.0}
    assert weeks[1].asymmetry_deg == {"tilt": -1.0, "turn": -2.0}
    assert session_rom([hold("left")]) is None


@pytest.mark.parametrize(
    ("n", "word", "text"),
    [
        (1, "rep", "1 rep"),
        (2, "rep", "2 reps"),
        (0, "stretch", "0 stretches"),
        (1, "reminder", "1 reminder"),
        (3, "reminder", "3 reminders"),
        (1, "day", "1 day"),
    ],
)
def test_plurals(n, word, text):
    assert plural(n, word) == text


def test_rep_words_drop_the_repeated_columns_and_the_path_angle():
    r = {
        "exercise": "retraction",
        "verdict": "pass",
        "displacement_mm": {"posterior": 21.0, "superior": -3.0},
        "message": "retraction 5: pass, glided 21 mm back and -3 mm up (-9 deg)",
    }
    assert rep_words(r) == "glided 21 mm back, 3 mm down"
    # the numbers as the message says them: the JSON's 12.5 and 16.5 are rounded to 0.1 mm
    # from 12.54 and 16.54, which the terminal says as 13 and 17 (the report said 12 and 16)
    r = {
        "exercise": "retraction",
        "verdict": "pass",
        "displacement_mm": {"posterior": 12.5, "superior": 16.5},
        "message": "retraction 2: pass, glided 13 mm back and 17 mm up (path 53 deg above level)",
    }
    assert rep_words(r) == "glided 13 mm back, 17 mm up"
    r["message"] = "retraction 2: pass, glided 13 mm back and 0 mm up (path 0 deg above level)"
    assert rep_words(r) == "glided 13 mm back, level"
    r = {
        "exercise": "hold_left",
        "verdict": "fail",
        "message": "hold left 2/3: fail, head tilted left 2.6 deg after 3.1 s (keep the head "
        "still; push less hard)",
    }
    assert rep_words(r) == (
        "head tilted left 2.6 deg after 3.1 s (keep the head still; push less hard)"
    )
    r = {
        "exercise": "hold_left",
        "verdict": "fail",
        "message": "hold left 1/3: fail, incomplete (no data; not judged)",
    }
    assert rep_words(r) == "incomplete (no data; not judged)"


def test_incomplete_reps_count_neither_as_passed_nor_as_mistakes():
    from neckimu.report.words import is_judged

    base = {"exercise": "hold_flexion", "verdict": "fail"}
    assert is_judged({**base, "faults": ["moved"]})
    assert not is_judged({**base, "faults": ["incomplete"]})
    assert not is_judged({"exercise": "rom", "verdict": "pass", "faults": []})
