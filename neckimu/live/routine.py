"""Guided routines: a TOML file → validated :class:`Routine` → cue schedule → events.

A routine says what the person does and for how long (docs/live.md has the format)::

    name = "default"
    [calibration]      still_s = 5, nods = 3
    [holds]            directions = ["flexion", ...], reps = 3, hold_s = 8, rest_s = 5
    [retraction]       reps = 10, rep_s = 7
    [[stretch]]        side = "right", hold_s = 30
    [rom]              directions = ["flexion", ...], reps = 2, lead_s = 4, move_s = 9

:meth:`Routine.schedule` turns it into cues at session times (s from the start); each cue
is a ``start``/``end`` :class:`~neckimu.recording.events.Event`, which the live session sends
to the headset (so it is stamped with the headset's clock and lands in the recording, where
``neckimu analyze`` finds the reps). For the demo,
:func:`neckimu.live.simulated_person.session_config` maps the same routine onto the simulated
person's script (a routine is data: it does not know the simulator).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from neckimu.errors import InputError
from neckimu.recording.events import HOLDS, Event
from neckimu.verify.reps import ROM_DIRECTIONS

_DIRECTIONS = {h.removeprefix("hold_"): h for h in HOLDS}

#: What each exercise asks the person to do, shown on screen.
INSTRUCTIONS: dict[str, str] = {
    "calibrate": "Sit tall and look straight ahead; when asked, nod slowly 3 times, chin first",
    "hold_flexion": "Palm on the forehead: push forward, keep the head still",
    "hold_extension": "Hands behind the head: push backward, keep the head still",
    "hold_left": "Palm on the left temple: push left, keep the head still",
    "hold_right": "Palm on the right temple: push right, keep the head still",
    "retraction": "Glide the head straight back and slightly up, keep 2 s, return; repeat",
    "stretch_left": "Tilt the left ear toward the left shoulder, gently; breathe",
    "stretch_right": "Tilt the right ear toward the right shoulder, gently; breathe",
    "rom": "Range of motion: sit tall and face forward; move slowly to the comfortable end of "
    "each direction and back, as each cue says",
}

#: What each range-of-motion movement asks (one cue per movement inside the ``rom`` window).
ROM_PROMPTS: dict[str, str] = {
    "flexion": "Chin down toward the chest, slowly, as far as is comfortable; then back",
    "extension": "Head back, look up at the ceiling, as far as is comfortable; then back",
    "lateral_left": "Left ear toward the left shoulder, as far as is comfortable; then back",
    "lateral_right": "Right ear toward the right shoulder, as far as is comfortable; then back",
    "rotation_left": "Turn to look over the left shoulder, as far as is comfortable; then back",
    "rotation_right": "Turn to look over the right shoulder, as far as is comfortable; then back",
}


@dataclass(frozen=True)
class Prompt:
    """An instruction inside an exercise window (no event: the window's cues frame it).

    Attributes
    ----------
    offset_s : float
        When to show it, s after the window's ``start`` cue.
    text : str
        What to show (or say).
    planned_s : float
        How long it lasts (for a countdown), s.
    """

    offset_s: float
    text: str
    planned_s: float


@dataclass(frozen=True)
class Cue:
    """One cue: ``event`` at session time ``event.time_s`` (s) and what to show."""

    event: Event
    text: str


@dataclass(frozen=True)
class Routine:
    """A guided session (durations in s).

    Attributes
    ----------
    name : str
    lead_in_s : float
        Quiet time before the calibration starts.
    calib_still_s : float
        Still phase of the calibration; ``calib_nods`` slow nods follow.
    calib_nods : int
    hold_directions : tuple of str
        Exercise names (``hold_flexion`` ...), in order.
    hold_reps : int
        Reps per direction.
    hold_s, hold_rest_s : float
        Length of each hold and the rest before it.
    retraction_reps : int
    retraction_rep_s : float
        Time allowed per retraction rep (glide, keep 2 s, return, rest).
    stretches : tuple of (str, float)
        ``(exercise, hold_s)`` per stretch, e.g. ``("stretch_right", 30.0)``.
    rest_s : float
        Rest between exercises.
    rom_directions : tuple of str
        Range-of-motion directions (``neckimu.verify.reps.ROM_DIRECTIONS``), in order; empty:
        no ``rom`` window. It comes right after the calibration.
    rom_reps : int
        Movements per direction, one after the other.
    rom_lead_s, rom_move_s : float
        Time from the ``rom`` start cue to the first movement cue, and per movement (to the
        end, a moment there, back, a breath).
    """

    name: str = "default"
    lead_in_s: float = 2.0
    calib_still_s: float = 5.0
    calib_nods: int = 3
    hold_directions: tuple[str, ...] = HOLDS
    hold_reps: int = 3
    hold_s: float = 8.0
    hold_rest_s: float = 5.0
    retraction_reps: int = 10
    retraction_rep_s: float = 7.5
    stretches: tuple[tuple[str, float], ...] = (("stretch_right", 30.0),)
    rest_s: float = 4.0
    rom_directions: tuple[str, ...] = ()
    rom_reps: int = 2
    rom_lead_s: float = 4.0
    rom_move_s: float = 9.0
    source: str = field(default="", compare=False)

    # -- the schedule ---------------------------------------------------------------------
    def schedule(self) -> list[Cue]:
        """Cues in time order, session time (s from the start of streaming)."""
        cues: list[Cue] = []
        t = self.lead_in_s

        def window(exercise: str, dur: float) -> None:
            nonlocal t
            cues.append(Cue(Event(t, "start", exercise), INSTRUCTIONS.get(exercise, exercise)))
            t += dur
            cues.append(Cue(Event(t, "end", exercise), "rest"))

        window("calibrate", self.calib_still_s + 2.5 * self.calib_nods + 2.0)
        if self.rom_directions:
            t += self.rest_s
            window("rom", self.rom_s)
        for exercise in self.hold_directions:
            for _ in range(self.hold_reps):
                t += self.hold_rest_s
                window(exercise, self.hold_s)
        if self.retraction_reps:
            t += self.rest_s
            window("retraction", self.retraction_reps * self.retraction_rep_s)
        for exercise, hold in self.stretches:
            t += self.rest_s
            window(exercise, hold + 6.0)  # moving in and out of the stretch
        return cues

    @property
    def duration_s(self) -> float:
        """Length of the whole guided session, s."""
        return self.schedule()[-1].event.time_s + 2.0

    @property
    def rom_s(self) -> float:
        """Length of the ``rom`` window, s."""
        return self.rom_lead_s + len(self.rom_directions) * self.rom_reps * self.rom_move_s

    def prompts(self, exercise: str) -> tuple[Prompt, ...]:
        """The instructions inside a window of ``exercise``, in order (none for most).

        The ``rom`` window has one per movement: each direction ``rom_reps`` times in a row,
        the first ``rom_lead_s`` after the start cue, then one every ``rom_move_s``. The
        simulated person (``neckimu.sim.script.build_rom``) follows the same timing.
        """
        if exercise != "rom":
            return ()
        out = []
        for k, direction in enumerate(d for d in self.rom_directions for _ in range(self.rom_reps)):
            rep = k % self.rom_reps + 1
            text = ROM_PROMPTS[direction] + (
                f" ({rep}/{self.rom_reps})" if self.rom_reps > 1 else ""
            )
            out.append(Prompt(self.rom_lead_s + k * self.rom_move_s, text, self.rom_move_s))
        return tuple(out)

    def exercise_s(self, exercise: str) -> float | None:
        """Planned length of one window of ``exercise`` (for countdowns), s."""
        if exercise == "rom" and self.rom_directions:
            return self.rom_s
        if exercise in HOLDS:
            return self.hold_s
        if exercise == "retraction":
            return self.retraction_reps * self.retraction_rep_s
        for name, hold in self.stretches:
            if name == exercise:
                return hold + 6.0
        return None

    def planned_counts(self) -> dict[str, int]:
        """How many windows of each exercise the session has (for "hold forward 2/3")."""
        counts: dict[str, int] = {}
        for cue in self.schedule():
            if cue.event.event == "start":
                counts[cue.event.exercise] = counts.get(cue.event.exercise, 0) + 1
        return counts

    def stretch_hold_s(self) -> dict[str, float]:
        """Prescribed hold of each stretch exercise, s."""
        return {name: hold for name, hold in self.stretches}

    def targets(self) -> dict[str, Any]:
        """What the routine prescribes, for the recording's metadata (the verifiers read it):
        ``hold_s`` and ``stretch_hold_s`` per stretch exercise, s."""
        return {"hold_s": self.hold_s, "stretch_hold_s": self.stretch_hold_s()}


# -- loading -----------------------------------------------------------------------------------
def _num(path: str, table: dict, key: str, default: float, lo: float, hi: float) -> float:
    v = table.get(key, default)
    if isinstance(v, bool) or not isinstance(v, int | float) or not lo <= v <= hi:
        raise InputError(path, f"{key} must be a number in [{lo:g}, {hi:g}], not {v!r}")
    return float(v)


def _int(path: str, table: dict, key: str, default: int, lo: int, hi: int) -> int:
    v = table.get(key, default)
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
        raise InputError(path, f"{key} must be a whole number in [{lo}, {hi}], not {v!r}")
    return int(v)


def _table(path: str, doc: dict, key: str) -> dict:
    v = doc.get(key, {})
    if not isinstance(v, dict):
        raise InputError(path, f"[{key}] must be a table")
    return v


def parse_routine(doc: dict[str, Any], path: str = "<routine>") -> Routine:
    """Validate a parsed TOML document; raises InputError naming the bad key."""
    known = {
        "name",
        "description",
        "lead_in_s",
        "rest_s",
        "calibration",
        "holds",
        "retraction",
        "stretch",
        "rom",
    }
    extra = sorted(set(doc) - known)
    if extra:
        raise InputError(
            path, f"unknown key(s) {', '.join(extra)}; known: {', '.join(sorted(known))}"
        )
    cal, holds, retr = (_table(path, doc, k) for k in ("calibration", "holds", "retraction"))
    dirs = holds.get("directions", list(_DIRECTIONS))
    if not isinstance(dirs, list) or not all(d in _DIRECTIONS for d in dirs):
        raise InputError(path, f"holds.directions must be a list of {', '.join(_DIRECTIONS)}")
    stretches = doc.get("stretch", [])
    if not isinstance(stretches, list) or not all(isinstance(s, dict) for s in stretches):
        raise InputError(path, "stretch must be an array of tables ([[stretch]])")
    st: list[tuple[str, float]] = []
    for s in stretches:
        side = s.get("side")
        if side not in ("left", "right"):
            raise InputError(path, f"stretch.side must be left or right, not {side!r}")
        st.append((f"stretch_{side}", _num(path, s, "hold_s", 30.0, 5.0, 120.0)))
    rom = doc.get("rom")
    if rom is not None and not isinstance(rom, dict):
        raise InputError(path, "[rom] must be a table")
    rom_dirs = [] if rom is None else rom.get("directions", list(ROM_DIRECTIONS))
    if not isinstance(rom_dirs, list) or not all(d in ROM_DIRECTIONS for d in rom_dirs):
        raise InputError(path, f"rom.directions must be a list of {', '.join(ROM_DIRECTIONS)}")
    name = doc.get("name", Path(path).stem)
    if not isinstance(name, str):
        raise InputError(path, "name must be text")
    return Routine(
        name=name,
        lead_in_s=_num(path, doc, "lead_in_s", 2.0, 0.5, 60.0),
        rest_s=_num(path, doc, "rest_s", 4.0, 1.0, 120.0),
        calib_still_s=_num(path, cal, "still_s", 5.0, 2.0, 30.0),
        calib_nods=_int(path, cal, "nods", 3, 1, 10),
        hold_directions=tuple(_DIRECTIONS[d] for d in dirs),
        hold_reps=_int(path, holds, "reps", 3, 0, 20),
        hold_s=_num(path, holds, "hold_s", 8.0, 2.0, 60.0),
        hold_rest_s=_num(path, holds, "rest_s", 5.0, 1.0, 120.0),
        retraction_reps=_int(path, retr, "reps", 10, 0, 30),
        retraction_rep_s=_num(path, retr, "rep_s", 7.5, 4.0, 30.0),
        stretches=tuple(st),
        rom_directions=tuple(rom_dirs),
        rom_reps=_int(path, rom or {}, "reps", 2, 1, 5),
        rom_lead_s=_num(path, rom or {}, "lead_s", 4.0, 0.0, 30.0),
        rom_move_s=_num(path, rom or {}, "move_s", 9.0, 4.0, 30.0),
        source=path,
    )


def load_routine(name_or_path: str | Path) -> Routine:
    """A routine by file path, or by the name of one shipped in ``neckimu/routines``.

    Raises
    ------
    InputError
        Missing file, malformed TOML (with its line) or an invalid value.
    """
    p = Path(name_or_path)
    if p.suffix != ".toml" and not p.exists():
        shipped = resources.files("neckimu") / "routines" / f"{name_or_path}.toml"
        if not shipped.is_file():
            names = sorted(
                f.name[:-5]
                for f in (resources.files("neckimu") / "routines").iterdir()
                if f.name.endswith(".toml")
            )
            raise InputError(
                str(name_or_path), f"no such routine file; shipped routines: {', '.join(names)}"
            )
        text, where = shipped.read_text(encoding="utf-8"), f"routines/{p.name}.toml"
    else:
        try:
            text, where = p.read_text(encoding="utf-8"), str(p)
        except (OSError, UnicodeDecodeError) as e:
            raise InputError(str(p), f"cannot read: {getattr(e, 'strerror', None) or e}") from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise InputError(where, f"malformed TOML: {e}") from None
    return parse_routine(doc, where)
