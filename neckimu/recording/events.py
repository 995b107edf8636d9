"""Session events: exercise cues with start/end times.

A session is cut into exercise windows by ``start``/``end`` event pairs. The guided session
writes them while recording; foreign data brings them in an events CSV
``time_s,event,exercise``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: Exercise names in a fixed order: the index is the exercise code of docs/wire-format.md.
EXERCISES: tuple[str, ...] = (
    "calibrate",
    "hold_flexion",
    "hold_extension",
    "hold_left",
    "hold_right",
    "retraction",
    "stretch_left",
    "stretch_right",
    "stretch_flexion",
    "stretch_rotation_left",
    "stretch_rotation_right",
    "posture",
    "rom",  # appended: the index is a protocol code, never reorder
)
EVENT_KINDS: tuple[str, ...] = ("start", "end")
HOLDS: tuple[str, ...] = ("hold_flexion", "hold_extension", "hold_left", "hold_right")

#: Other stretches: ``stretch_`` and a lower-case name of letters, digits and ``_``.
_STRETCH = re.compile(r"stretch_[a-z0-9_]{1,56}")


def is_valid_exercise(name: str) -> bool:
    """Whether ``name`` is a known exercise; any ``stretch_<name>`` of lower-case letters,
    digits and ``_`` (at most 64 characters) is accepted too."""
    return name in EXERCISES or _STRETCH.fullmatch(name) is not None


@dataclass(frozen=True)
class Event:
    """One cue: ``event`` (``start``/``end``) of ``exercise`` at ``time_s`` (s, recording clock)."""

    time_s: float
    event: str
    exercise: str
    #: where it was read ("" if not read from a file) and its 1-based line, for messages
    path: str = field(default="", compare=False, repr=False)
    line: int | None = field(default=None, compare=False, repr=False)

    @property
    def where(self) -> str:
        """``FILE, line N`` where the event was read, or ``""``."""
        if not self.path:
            return ""
        return self.path + (f", line {self.line}" if self.line is not None else "")

    def code(self) -> int:
        """Event code of the BLE protocol: 0x100·kind + exercise index."""
        kind = EVENT_KINDS.index(self.event) + 1
        idx = EXERCISES.index(self.exercise) if self.exercise in EXERCISES else 0xFF
        return 0x100 * kind + idx

    @classmethod
    def from_code(cls, time_s: float, code: int) -> Event:
        """Inverse of :meth:`code`; raises ValueError for an unknown code."""
        kind, idx = divmod(int(code), 0x100)
        if not 1 <= kind <= len(EVENT_KINDS) or idx >= len(EXERCISES):
            raise ValueError(f"unknown event code 0x{code:04x}")
        return cls(float(time_s), EVENT_KINDS[kind - 1], EXERCISES[idx])


@dataclass(frozen=True)
class Window:
    """One exercise window: from its ``start`` to its ``end`` event, s."""

    exercise: str
    start_s: float
    end_s: float


@dataclass(frozen=True)
class Pairing:
    """Exercise windows paired from events, and what did not pair.

    Attributes
    ----------
    windows : list of Window
        In time order, none overlapping another; a window still open at the last event ends
        at +inf.
    unended : list of Event
        ``start`` events without an ``end`` although later events follow (left out).
    unstarted : list of Event
        ``end`` events without a ``start`` (left out).
    overlaps : list of tuple of Event
        ``(start of a window left out, start of the window it starts inside)``.
    """

    windows: list[Window]
    unended: list[Event]
    unstarted: list[Event]
    overlaps: list[tuple[Event, Event]]


def pair_windows(events: list[Event]) -> Pairing:
    """Pair ``start``/``end`` events of the same exercise into windows.

    Events are taken in time order, an ``end`` before a ``start`` at the same time. A
    ``start`` whose exercise is already open means the earlier ``start`` had no ``end``. A
    window still open when the events run out is a session cut off (or still running) and
    ends at +inf (the caller clips it to the data) — but only if no other event follows its
    start; otherwise its ``end`` is missing and it is left out. A window that starts inside
    another is left out too (exercise windows do not overlap).
    """
    evs = sorted(events, key=lambda e: (e.time_s, e.event != "end"))
    pairs: list[tuple[Window, Event]] = []
    open_: dict[str, Event] = {}
    unended: list[Event] = []
    unstarted: list[Event] = []
    for ev in evs:
        if ev.event == "start":
            if ev.exercise in open_:
                unended.append(open_.pop(ev.exercise))
            open_[ev.exercise] = ev
        elif ev.exercise in open_:
            st = open_.pop(ev.exercise)
            pairs.append((Window(ev.exercise, st.time_s, ev.time_s), st))
        else:
            unstarted.append(ev)
    last = evs[-1] if evs else None
    for st in open_.values():
        if st is last:
            pairs.append((Window(st.exercise, st.time_s, float("inf")), st))
        else:
            unended.append(st)
    pairs.sort(key=lambda p: (p[0].start_s, -p[0].end_s))
    kept: list[tuple[Window, Event]] = []
    overlaps: list[tuple[Event, Event]] = []
    for w, st in pairs:
        if kept and w.start_s < kept[-1][0].end_s:
            overlaps.append((st, kept[-1][1]))
        else:
            kept.append((w, st))
    return Pairing(
        [w for w, _ in kept], sorted(unended, key=lambda e: e.time_s), unstarted, overlaps
    )


def windows(events: list[Event]) -> list[Window]:
    """Exercise windows of ``events``, in time order (:func:`pair_windows`).

    A ``start`` without its ``end`` at the very end (a session cut off, or still running)
    ends at +inf; the caller clips it to the data. A ``start`` without ``end`` followed by
    other events, an ``end`` without a ``start`` and a window starting inside another are
    left out (the reader names them).
    """
    return pair_windows(events).windows
