"""The guided routines the start screen lists: the shipped ones and those in a folder."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from neckimu.errors import NeckimuError
from neckimu.live.routine import Routine, load_routine
from neckimu.recording.events import HOLDS
from neckimu.verify.reps import exercise_name


@dataclass(frozen=True)
class RoutineChoice:
    """A guided routine one can pick.

    Attributes
    ----------
    ref : str
        What ``--routine`` takes: a shipped routine's name, or a file's path.
    routine : Routine
    description : str
        One line for people: the file's ``description`` or a summary of what it contains.
    """

    ref: str
    routine: Routine
    description: str

    @property
    def duration_s(self) -> float:
        return self.routine.duration_s

    @property
    def label(self) -> str:
        """Two lines for the list: name and length, then the description."""
        return f"{self.routine.name}  ·  about {minutes(self.duration_s)}\n{self.description}"


def minutes(seconds: float) -> str:
    """A duration for people: ``"2 min"``, ``"40 s"``."""
    return f"{seconds:.0f} s" if seconds < 90 else f"{round(seconds / 60)} min"


def describe(p: Routine) -> str:
    """What a routine contains, in one line (from its schedule)."""
    counts = p.planned_counts()
    parts: list[str] = []
    holds = [exercise_name(e).removeprefix("hold ") for e in counts if e in HOLDS]
    for exercise in counts:
        if exercise == "calibrate":
            continue
        if exercise in HOLDS:
            if holds:
                reps = f"{p.hold_reps}× " if p.hold_reps > 1 else ""
                parts.append(f"holds {reps}{', '.join(holds)} ({p.hold_s:g} s)")
                holds = []
        elif exercise == "retraction":
            parts.append(f"{p.retraction_reps} retraction{'s' * (p.retraction_reps != 1)}")
        elif exercise.startswith("stretch_"):
            hold = p.stretch_hold_s().get(exercise)
            parts.append(exercise_name(exercise) + (f" {hold:g} s" if hold else ""))
        else:
            parts.append(exercise_name(exercise))
    return "; ".join(parts) if parts else "calibration only"


def _routine(ref: str, text: str) -> RoutineChoice:
    """One routine: ``ref`` loads it (a shipped name or a path), ``text`` is its TOML."""
    routine = load_routine(ref)
    try:
        described = tomllib.loads(text).get("description")
    except tomllib.TOMLDecodeError:  # pragma: no cover - load_routine refused it already
        described = None
    return RoutineChoice(
        ref, routine, described if isinstance(described, str) else describe(routine)
    )


def list_routines(folder: Path | None = None) -> tuple[list[RoutineChoice], list[str]]:
    """The routines shipped in ``neckimu/routines/``, and those in ``folder`` if given.

    Parameters
    ----------
    folder : Path, optional
        More routine files (``*.toml``), e.g. one a physiotherapist wrote.

    Returns
    -------
    routines : list of RoutineChoice
        Shortest first.
    problems : list of str
        One line per file of ``folder`` that does not load (it is left out).
    """
    out: list[RoutineChoice] = []
    problems: list[str] = []
    shipped = resources.files("neckimu") / "routines"
    for f in sorted(shipped.iterdir(), key=lambda f: f.name):
        if f.name.endswith(".toml"):
            try:
                out.append(_routine(f.name[:-5], f.read_text(encoding="utf-8")))
            except NeckimuError as e:  # a broken shipped file: `neckimu demo` says why
                problems.append(str(e))
    if folder is not None:
        files = sorted(Path(folder).glob("*.toml")) if Path(folder).is_dir() else []
        if not files:
            problems.append(f"{folder}: no routine files (*.toml) there")
        for f in files:
            try:
                out.append(_routine(str(f), f.read_text(encoding="utf-8")))
            except (NeckimuError, OSError, UnicodeDecodeError) as e:
                problems.append(str(e) if isinstance(e, NeckimuError) else f"{f}: {e}")
    return sorted(out, key=lambda r: r.duration_s), problems
