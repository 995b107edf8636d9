"""Session events: exercise cues with start/end times.

A session is cut into exercise windows by ``start``/``end`` event pairs. The guided session
writes them while recording; foreign data brings them in an events CSV
``time_s,event,exercise``.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Exercise names in a fixed order: the index is the exercise code of docs/protocol.md.
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
)
EVENT_KINDS: tuple[str, ...] = ("start", "end")
HOLDS: tuple[str, ...] = ("hold_flexion", "hold_extension", "hold_left", "hold_right")


def is_valid_exercise(name: str) -> bool:
    """Whether ``name`` is a known exercise (any ``stretch_*`` name is accepted)."""
    return name in EXERCISES or (name.startswith("stretch_") and len(name) > len("stretch_"))


@dataclass(frozen=True)
class Event:
    """One cue: ``event`` (``start``/``end``) of ``exercise`` at ``time_s`` (s, recording clock)."""

    time_s: float
    event: str
    exercise: str

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


def windows(events: list[Event]) -> list[Window]:
    """Pair ``start``/``end`` events of the same exercise into windows, in time order.

    A ``start`` without its ``end`` (a session cut off) ends at +inf; the caller clips it to
    the data. An ``end`` without a ``start`` is ignored.
    """
    out: list[Window] = []
    open_: dict[str, float] = {}
    for ev in sorted(events, key=lambda e: e.time_s):
        if ev.event == "start":
            open_[ev.exercise] = ev.time_s
        elif ev.event == "end" and ev.exercise in open_:
            out.append(Window(ev.exercise, open_.pop(ev.exercise), ev.time_s))
    out += [Window(ex, t0, float("inf")) for ex, t0 in open_.items()]
    return sorted(out, key=lambda w: w.start_s)
