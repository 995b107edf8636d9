"""The report's words for people: counts, what a rep did, each mistake and its advice, and
what the technical details mean.

Exercise names come from ``neckimu.verify.reps.exercise_name`` (one name per exercise, the
same as the live window's and the verdict messages').
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from neckimu.verify.reps import exercise_name

#: Irregular plurals.
_PLURALS = {
    "day": "days",
    "rep": "reps",
    "hold": "holds",
    "retraction": "retractions",
    "stretch": "stretches",
    "session": "sessions",
    "reminder": "reminders",
    "period": "periods",
    "gap": "gaps",
    "week": "weeks",
    "measurement": "measurements",
}


def plural(n: int, word: str) -> str:
    """``1 rep``, ``2 reps``, ``0 stretches``."""
    return f"{n} {word if n == 1 else _PLURALS.get(word, word + 's')}"


def percent(part: int, whole: int) -> str:
    """``75 %`` (``–`` for nothing)."""
    return f"{100 * part / whole:.0f} %" if whole else "–"


def kind(exercise: str) -> str:
    """``hold``, ``retraction``, ``stretch``, ``rom``, or the exercise itself."""
    if exercise.startswith("hold_"):
        return "hold"
    if exercise.startswith("stretch_"):
        return "stretch"
    return exercise


def is_incomplete(rep: dict[str, Any]) -> bool:
    """Whether a rep record was not judged: its data were cut off or missing."""
    return "incomplete" in (rep.get("faults") or ())


def is_judged(rep: dict[str, Any]) -> bool:
    """Whether a rep record counts toward pass rates and mistakes (a range-of-motion
    measurement does not: there is nothing to pass; nor does an incomplete rep
    (:func:`is_incomplete`): it says nothing about the person)."""
    return (
        rep.get("exercise") != "rom"
        and rep.get("verdict") in ("pass", "fail")
        and not is_incomplete(rep)
    )


#: A passing retraction's glide in its message (``neckimu.verify.reps``).
_GLIDE = re.compile(r"glided (?P<back>-?\d+) mm back and (?P<up>\d+) mm (?P<way>up|down)")


def rep_words(rep: dict[str, Any]) -> str:
    """What happened in a rep, for the verdict table (whose other columns name the exercise,
    the rep and the verdict).

    The rep's own message without its ``retraction 3: pass,`` prefix; a passing retraction
    says its glide in mm, back and up or down, without the path angle.
    """
    msg = str(rep.get("message") or "")
    _, sep, rest = msg.partition(": ")
    verdict = rep.get("verdict")
    if sep and rest.startswith(f"{verdict}, "):
        rest = rest[len(verdict) + 2 :]
    elif sep and rest.startswith(f"{verdict} "):
        rest = rest[len(verdict) + 1 :]
    else:
        rest = msg
    d = rep.get("displacement_mm") or {}
    post, sup = d.get("posterior"), d.get("superior")
    if (
        rep.get("exercise") == "retraction"
        and verdict == "pass"
        and post is not None
        and sup is not None
        and math.isfinite(post)
        and math.isfinite(sup)
    ):
        # the numbers as the message rounded them (from the unrounded values): the JSON's
        # are rounded to 0.1 mm, and 12.5 read "12" here against the message's "13"
        said = _GLIDE.search(rest)
        if said:
            back, up, way = int(said["back"]), int(said["up"]), said["way"]
        else:
            back, up, way = round(post), round(abs(sup)), "up" if sup >= 0 else "down"
        updown = "level" if up == 0 else f"{up} mm {way}"
        words = f"glided {back} mm back, {updown}"
        low = rep.get("low_confidence")
        return words + (f" [uncertain: {low}]" if low else "")
    return rest


@dataclass(frozen=True)
class Mistake:
    """A kind of mistake, in words.

    Attributes
    ----------
    what : str
        What went wrong (``the head moved during a hold``).
    advice : str
        What to do instead.
    """

    what: str
    advice: str


def _stretch_min_deg() -> float:
    from neckimu.verify.stretch import StretchCriteria

    return StretchCriteria().min_reached_deg


def _hold_tolerance_deg() -> float:
    from neckimu.verify.hold import HoldCriteria

    return HoldCriteria().tolerance_deg


def mistake(exercise_kind: str, fault: str) -> Mistake:
    """The words for a fault of a kind of exercise (``("hold", "moved")``)."""
    table = {
        ("hold", "moved"): Mistake(
            f"the head moved more than {_hold_tolerance_deg():g} degrees during a hold",
            "push less hard and keep the head still: the hand pushes, the head stays put",
        ),
        ("retraction", "extension"): Mistake(
            "the head tipped back during a retraction",
            "keep the chin tucked: glide straight back without looking up",
        ),
        ("retraction", "protraction"): Mistake(
            "the head moved forward instead of back", "glide the head backward, not forward"
        ),
        ("retraction", "downward"): Mistake(
            "the head dropped during a retraction", "glide back and slightly up"
        ),
        ("retraction", "nod_only"): Mistake(
            "a nod: the head flexed beyond a chin tuck",
            "slide the head straight back with the chin level; do not nod",
        ),
        ("retraction", "lateral"): Mistake(
            "the head tilted or turned during a retraction",
            "keep the head level and facing forward",
        ),
        ("retraction", "too_small"): Mistake(
            "retractions too small", "glide further back: aim for 1 to 3 cm"
        ),
        ("stretch", "wrong_side"): Mistake(
            "a stretch to the wrong side", "stretch toward the side the cue names"
        ),
        ("stretch", "not_reached"): Mistake(
            "stretches not deep enough",
            f"go further, to a gentle stretch (at least {_stretch_min_deg():g} degrees)",
        ),
        ("stretch", "short"): Mistake(
            "stretches not held long enough", "stay in the stretch for the whole count"
        ),
        ("stretch", "unsteady"): Mistake(
            "unsteady stretches", "hold the position still and breathe; do not bounce"
        ),
    }
    found = table.get((exercise_kind, fault))
    if found is not None:
        return found
    return Mistake(
        f"{fault.replace('_', ' ')} in the {exercise_kind} exercise", "see the verdict tables below"
    )


#: Plural of each kind of exercise for sentences.
KIND_PLURAL = {"hold": "holds", "retraction": "retractions", "stretch": "stretches"}


def head_frame_words(method: str | None) -> str:
    """How the head's axes were found (``gravity+nod`` -> words)."""
    return {
        "gravity+nod": "from gravity while sitting still and from the calibration nods",
        "gravity-only": "from gravity only (no usable nods: left and right may be less exact)",
    }.get(method or "", str(method or "unknown"))


def date_words(source: str) -> str:
    """Where a session's date comes from."""
    return {
        "created": "the time stored in the recording",
        "file time": "the file's modification time (the recording stores none)",
    }.get(source, source)


def gap_words(count: int, missing: int) -> str:
    """Lost data, in words."""
    if not count:
        return "none"
    # (a recording's gaps: lost over Bluetooth, or on the simulated link of a simulated one)
    return f"{plural(missing, 'sample')} missing in {plural(count, 'gap')}"


def title_name(exercise: str) -> str:
    """An exercise's name starting with a capital (``Hold forward``)."""
    name = exercise_name(exercise)
    return name[:1].upper() + name[1:]
