"""Typed results of the verifiers: one dataclass per exercise kind, JSON and words in one place.

Every rep, wherever it is shown — the terminal summary, the analysis JSON
(docs/analysis-json.md), the live window, the HTML report — is one of these objects, turned into
a dict by :meth:`Rep.to_json` and into the line for people by :meth:`Rep.message`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

#: How each exercise is named to people.
EXERCISE_NAMES: dict[str, str] = {
    "hold_flexion": "hold forward",
    "hold_extension": "hold backward",
    "hold_left": "hold left",
    "hold_right": "hold right",
    "retraction": "retraction",
    "stretch_left": "stretch left",
    "stretch_right": "stretch right",
    "stretch_flexion": "stretch forward",
    "stretch_rotation_left": "stretch turning left",
    "stretch_rotation_right": "stretch turning right",
    "calibrate": "calibration",
    "posture": "posture",
    "rom": "range of motion",
}


def exercise_name(exercise: str) -> str:
    """The name of an exercise for people (``hold_flexion`` -> ``hold forward``)."""
    return EXERCISE_NAMES.get(exercise, exercise.replace("_", " "))


def _r(x: float | None, nd: int = 1) -> float | None:
    """Rounded float for JSON; None for None and non-finite values (JSON has no NaN)."""
    if x is None or not math.isfinite(float(x)):
        return None
    return round(float(x), nd)


def _num(x: float, nd: int = 0) -> str:
    """``x`` with ``nd`` decimals for people, never "-0" (a value that rounds to zero has no
    sign)."""
    text = f"{x:.{nd}f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.") else text


@dataclass(frozen=True, kw_only=True)
class Rep:
    """One judged rep.

    Attributes
    ----------
    exercise : str
    index, of : int
        Rep number within its exercise (1-based) and how many (0: not known yet, live).
    start_s, end_s : float
        When the rep happened, s.
    faults : tuple of str
        Empty for a pass; the most important first.
    low_confidence : str or None
        Why the verdict is less certain (e.g. a saturated sensor), in words.
    incomplete : str or None
        Why there was not enough data to judge (then ``faults == ("incomplete",)``).
    """

    exercise: str
    index: int
    of: int
    start_s: float
    end_s: float
    faults: tuple[str, ...] = ()
    low_confidence: str | None = None
    incomplete: str | None = None

    kind: ClassVar[str] = "rep"

    @property
    def verdict(self) -> str:
        """``"pass"`` or ``"fail"``."""
        return "fail" if self.faults else "pass"

    @property
    def title(self) -> str:
        """``hold forward 2/3``, ``retraction 4``."""
        # a rep cut off at the end: ``of`` counts the reps recorded, not the routine's plan
        cut = self.incomplete is not None and self.index == self.of
        if self.of and self.exercise != "retraction" and not cut:
            return f"{exercise_name(self.exercise)} {self.index}/{self.of}"
        return f"{exercise_name(self.exercise)} {self.index}"

    def message(self) -> str:
        """The rep's line for people."""
        if self.incomplete is not None:
            return f"{self.title}: fail, incomplete ({self.incomplete}; not judged)"
        text = f"{self.title}: {self.verdict}, {self._describe()}"
        if self.low_confidence:
            text += f" [uncertain: {self.low_confidence}]"
        return text

    def _describe(self) -> str:
        return ""

    def to_json(self) -> dict[str, Any]:
        """The rep as a JSON-able dict (docs/analysis-json.md)."""
        out: dict[str, Any] = {
            "exercise": self.exercise,
            "index": self.index,
            "of": self.of,
            "start_s": _r(self.start_s, 3),
            "end_s": _r(self.end_s, 3),
            "verdict": self.verdict,
            "faults": list(self.faults),
            "max_deviation_deg": None,
            "displacement_mm": None,
            "path_angle_deg": None,
        }
        out.update(self._fields())
        out["low_confidence"] = self.low_confidence
        out["message"] = self.message()
        return out

    def _fields(self) -> dict[str, Any]:
        return {}


#: Direction of a hold deviation -> words.
HOLD_DIRECTIONS: dict[str, str] = {
    "flexion": "nodded down",
    "extension": "tipped back",
    "lateral_left": "tilted left",
    "lateral_right": "tilted right",
    "rotation_left": "turned left",
    "rotation_right": "turned right",
}


@dataclass(frozen=True, kw_only=True)
class HoldRep(Rep):
    """An isometric hold.

    Attributes
    ----------
    max_deviation_deg : float or None
        Largest rotation of the head away from its pose at the start, deg.
    direction : str or None
        Main direction of that deviation (a key of :data:`HOLD_DIRECTIONS`).
    first_exceeded_s : float or None
        When the deviation first passed the tolerance, s after the start.
    mean_speed_deg_s : float or None
        Mean angular speed, deg/s.
    tolerance_deg : float
    """

    max_deviation_deg: float | None = None
    direction: str | None = None
    first_exceeded_s: float | None = None
    mean_speed_deg_s: float | None = None
    tolerance_deg: float = 2.0

    kind: ClassVar[str] = "hold"

    def _describe(self) -> str:
        dev = self.max_deviation_deg or 0.0
        if not self.faults:
            return f"moved at most {_num(dev, 1)} deg"
        words = HOLD_DIRECTIONS.get(self.direction or "", "moved")
        if self.exercise == "hold_flexion" and self.direction == "extension":
            return (
                f"head tipped back {_num(dev, 1)} deg (keep the head level while you push forward)"
            )
        after = f" after {_num(self.first_exceeded_s, 1)} s" if self.first_exceeded_s else ""
        return f"head {words} {_num(dev, 1)} deg{after} (keep the head still; push less hard)"

    def _fields(self) -> dict[str, Any]:
        return {
            "max_deviation_deg": _r(self.max_deviation_deg, 2),
            "direction": self.direction,
            "first_exceeded_s": _r(self.first_exceeded_s, 2),
            "mean_speed_deg_s": _r(self.mean_speed_deg_s, 2),
            "tolerance_deg": self.tolerance_deg,
        }


#: A retraction's further faults in a few words, after its first (``; also ...``).
ALSO_WORDS = {
    "extension": "the head tipped back",
    "protraction": "the head moved forward",
    "downward": "the head dropped",
    "nod_only": "a nod",
    "lateral": "the head tilted or turned",
    "too_small": "too short a glide",
    "trunk_lean": "the trunk leaned back",
}


def also_words(faults: Sequence[str]) -> str:
    """``"; also the head moved forward, the head dropped"`` for further faults, or ``""``."""
    if not faults:
        return ""
    return "; also " + ", ".join(ALSO_WORDS.get(f, f.replace("_", " ")) for f in faults)


@dataclass(frozen=True, kw_only=True)
class RetractionRep(Rep):
    """One chin-tuck glide: rest, glide, kept position, return.

    Attributes
    ----------
    posterior_mm, superior_mm, lateral_mm : float or None
        Head-centre displacement at the kept position from the rest before, mm (posterior:
        backward, superior: up, lateral: to the left).
    flexion_deg, lateral_deg, rotation_deg : float or None
        Change of the head angles from the rest before to the kept position, deg.
    kept_s : tuple of float or None
        Start and end of the kept position, s.
    path_t_s, path_posterior_mm, path_superior_mm : ndarray
        The head centre's path over the rep (the judged displacement is its kept part).
    moves_s : tuple or None
        Where the glide and the return were integrated from and to, ``((from, to), (from,
        to))`` s: each movement's own edges; a movement not integrated on its own (its kept
        position found at a turning point) is None.
    spread_mm : float or None
        The displacement's error scale, mm (:func:`~neckimu.translation.error_scale` of the
        glide and the return, as they were weighted): what the trunk judge weighs this
        measurement by (not part of the JSON).
    """

    posterior_mm: float | None = None
    superior_mm: float | None = None
    lateral_mm: float | None = None
    flexion_deg: float | None = None
    lateral_deg: float | None = None
    rotation_deg: float | None = None
    kept_s: tuple[float, float] | None = None
    path_t_s: np.ndarray = field(default_factory=lambda: np.zeros(0), compare=False)
    path_posterior_mm: np.ndarray = field(default_factory=lambda: np.zeros(0), compare=False)
    path_superior_mm: np.ndarray = field(default_factory=lambda: np.zeros(0), compare=False)
    moves_s: tuple[tuple[float, float] | None, tuple[float, float] | None] | None = None
    spread_mm: float | None = None

    kind: ClassVar[str] = "retraction"

    @property
    def path_angle_deg(self) -> float | None:
        """Direction of the glide above the posterior horizontal, deg."""
        if self.posterior_mm is None or self.superior_mm is None:
            return None
        return float(np.degrees(np.arctan2(self.superior_mm, self.posterior_mm)))

    def _describe(self) -> str:
        post, sup = self.posterior_mm or 0.0, self.superior_mm or 0.0
        flex, lat, rot = self.flexion_deg or 0.0, self.lateral_deg or 0.0, self.rotation_deg or 0.0
        if not self.faults:
            angle = _num(self.path_angle_deg)  # type: ignore[arg-type]  # known with post, sup
            up = _num(sup)
            updown = f"{up[1:]} mm down" if up.startswith("-") else f"{up} mm up"
            path = (
                f"path {angle[1:]} deg below level"
                if angle.startswith("-")
                else f"path {angle} deg above level"
            )
            return f"glided {_num(post)} mm back and {updown} ({path})"
        side = lat if abs(lat) >= abs(rot) else rot
        what = {
            "extension": f"head tipped back {_num(-flex)} deg (keep the chin tucked)",
            "protraction": f"head moved forward {_num(-post)} mm (glide backward, not forward)",
            "downward": f"head dropped {_num(-sup)} mm (glide back and slightly up)",
            # no glide figure: a nodding head's glide depends on the point it is measured at;
            # one decimal: 12.4 deg must not read as the 12 deg the rule allows
            "nod_only": (
                f"nodded {_num(flex, 1)} deg (tuck the chin only a little: slide the head "
                "back, chin level)"
            ),
            "lateral": (
                f"head {'tilted' if abs(lat) >= abs(rot) else 'turned'} "
                f"{_num(abs(side))} deg to the {'right' if side > 0 else 'left'} "
                "(keep the head level and facing forward)"
            ),
            # one decimal: 9.6 mm must not read as the 10 mm the rule asks for
            "too_small": (
                f"glided only {_num(post, 1)} mm (aim for 1-3 cm)"
                if post >= 0.05
                else f"did not glide back (moved {_num(-post, 1)} mm forward; aim for 1-3 cm)"
                if post <= -0.05
                else "did not glide back (aim for 1-3 cm)"
            ),
        }.get(self.faults[0], self.faults[0])
        return what + also_words(self.faults[1:])

    def _fields(self) -> dict[str, Any]:
        disp = None
        if self.posterior_mm is not None:
            disp = {
                "posterior": _r(self.posterior_mm),
                "superior": _r(self.superior_mm),
                "lateral": _r(self.lateral_mm),
            }
        return {
            "displacement_mm": disp,
            "path_angle_deg": _r(self.path_angle_deg),
            "flexion_change_deg": _r(self.flexion_deg),
            "lateral_change_deg": _r(self.lateral_deg),
            "rotation_change_deg": _r(self.rotation_deg),
            "kept_s": None if self.kept_s is None else [_r(v, 3) for v in self.kept_s],
            "path_mm": {
                "t_s": [_r(v, 3) for v in self.path_t_s],
                "posterior": [_r(v) for v in self.path_posterior_mm],
                "superior": [_r(v) for v in self.path_superior_mm],
            },
        }


@dataclass(frozen=True, kw_only=True)
class StretchRep(Rep):
    """A static stretch.

    Attributes
    ----------
    axis : str
        The stretch's angle: ``flexion``, ``lateral flexion`` or ``rotation``.
    reached_deg : float or None
        Reached angle, signed so the prescribed direction is positive, deg.
    held_s : float or None
        Time held near the reached angle, s.
    target_s : float
        Prescribed hold, s.
    unsteadiness_deg : float or None
        ± excursion about the trend while held, deg.
    min_reached_deg : float
        The smallest reached angle that counts, deg (from the criteria, for the words).
    """

    axis: str = "lateral flexion"
    reached_deg: float | None = None
    held_s: float | None = None
    target_s: float = 30.0
    unsteadiness_deg: float | None = None
    min_reached_deg: float = 15.0

    kind: ClassVar[str] = "stretch"

    def _describe(self) -> str:
        reached, held = self.reached_deg or 0.0, self.held_s or 0.0
        if not self.faults:
            return (
                f"held {_num(held)} s at {_num(reached)} deg "
                f"(steady, ±{_num(self.unsteadiness_deg or 0.0, 1)} deg)"
            )
        return {
            "wrong_side": f"leaned {_num(-reached)} deg to the other side (stretch toward the "
            "side the cue names)",
            "not_reached": f"reached only {_num(reached)} deg (go to at least "
            f"{_num(self.min_reached_deg)} deg, to a gentle stretch)",
            "short": f"held only {_num(held)} s of {_num(self.target_s)} "
            "(stay in the stretch longer)",
            "unsteady": f"unsteady, ±{_num(self.unsteadiness_deg or 0.0, 1)} deg "
            "(hold the position "
            "still and breathe; do not bounce)",
        }.get(self.faults[0], self.faults[0])

    def _fields(self) -> dict[str, Any]:
        return {
            "axis": self.axis,
            "reached_deg": _r(self.reached_deg),
            "held_s": _r(self.held_s),
            "target_s": self.target_s,
            "steadiness_deg": _r(self.unsteadiness_deg, 2),
        }


#: Range-of-motion directions, in the order of the routine and of ``rom_deg``.
ROM_DIRECTIONS: tuple[str, ...] = (
    "flexion",
    "extension",
    "lateral_left",
    "lateral_right",
    "rotation_left",
    "rotation_right",
)
#: How each direction is named to people.
ROM_WORDS: dict[str, str] = {
    "flexion": "chin down",
    "extension": "head back",
    "lateral_left": "tilt left",
    "lateral_right": "tilt right",
    "rotation_left": "turn left",
    "rotation_right": "turn right",
}


@dataclass(frozen=True, kw_only=True)
class RomRep(Rep):
    """A range-of-motion measurement: the largest angle reached in each direction.

    Attributes
    ----------
    rom_deg : dict
        ``{direction: deg or None}`` for every direction of :data:`ROM_DIRECTIONS`; None:
        not measured (the head did not go that way by at least ``min_deg``).
    min_deg : float
        The smallest angle that counts as a measurement, deg.
    asymmetry_words_deg : float
        A left/right difference is put in words from this size on, deg.
    """

    rom_deg: dict[str, float | None] = field(default_factory=lambda: dict.fromkeys(ROM_DIRECTIONS))
    min_deg: float = 10.0
    asymmetry_words_deg: float = 5.0

    kind: ClassVar[str] = "rom"

    @property
    def title(self) -> str:
        """``range of motion`` (``range of motion 2/3`` when a routine has several)."""
        if self.of > 1:
            return f"{exercise_name(self.exercise)} {self.index}/{self.of}"
        return exercise_name(self.exercise)

    @property
    def not_measured(self) -> list[str]:
        """Directions without a figure, in routine order."""
        return [d for d in ROM_DIRECTIONS if self.rom_deg.get(d) is None]

    @property
    def asymmetry_deg(self) -> dict[str, float | None]:
        """Left minus right of lateral flexion and rotation, deg (None unless both measured)."""
        out: dict[str, float | None] = {}
        for axis in ("lateral", "rotation"):
            left, right = self.rom_deg.get(f"{axis}_left"), self.rom_deg.get(f"{axis}_right")
            out[axis] = None if left is None or right is None else float(left - right)
        return out

    def message(self) -> str:
        """The measurement in words; a pass needs no verdict word (it is a measurement)."""
        if self.incomplete is not None or self.faults:
            return super().message()
        text = f"{self.title}: {self._figures()}"
        if self.low_confidence:
            text += f" [uncertain: {self.low_confidence}]"
        return text

    def _figures(self) -> str:
        parts = [
            f"{ROM_WORDS[d]} {_num(v)}"
            for d in ROM_DIRECTIONS
            if (v := self.rom_deg.get(d)) is not None
        ]
        if not parts:
            return ""
        text = ", ".join(parts) + " deg"
        sides = []
        for axis, verb in (("lateral", "tilting"), ("rotation", "turning")):
            diff = self.asymmetry_deg[axis]
            if diff is not None and abs(diff) >= self.asymmetry_words_deg:
                less, more = ("left", "right") if diff < 0 else ("right", "left")
                sides.append(f"{verb} {less} {_num(abs(diff))} deg less than {more}")
        both = [self.asymmetry_deg[a] for a in ("lateral", "rotation")]
        if sides:
            text += "; " + ", ".join(sides)
        elif all(d is not None for d in both):
            text += f"; left and right within {_num(self.asymmetry_words_deg)} deg"
        return text

    def _describe(self) -> str:
        missing = self.not_measured
        if not missing:
            return self._figures()
        if len(missing) == len(ROM_DIRECTIONS):
            return (
                "no movement to measure (move slowly to the comfortable end of each "
                "direction and back)"
            )
        names = ", ".join(ROM_WORDS[d] for d in missing)
        return (
            f"{names} not measured (go to the comfortable end of every direction); "
            f"{self._figures()}"
        )

    def _fields(self) -> dict[str, Any]:
        return {
            "rom_deg": {d: _r(self.rom_deg.get(d)) for d in ROM_DIRECTIONS},
            "rom_asymmetry_deg": {k: _r(v) for k, v in self.asymmetry_deg.items()},
            "not_measured": self.not_measured,
            "min_deg": self.min_deg,
        }
