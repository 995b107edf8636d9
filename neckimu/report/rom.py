"""Range of motion over the weeks: each direction's largest angle, and left against right.

The guided ``rom`` exercise gives rep records with ``"exercise": "rom"`` and ``rom_deg``:
the largest angle reached in each direction, deg (``flexion``, ``extension``,
``lateral_left``, ``lateral_right``, ``rotation_left``, ``rotation_right``; a direction
not measured is missing or null). A session's value per direction is the largest over its
``rom`` reps; a week's is the median over its sessions. Asymmetry is left minus right, deg
(positive: the head goes further to the left).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np

#: The directions, in the order shown.
DIRECTIONS = (
    "flexion",
    "extension",
    "lateral_left",
    "lateral_right",
    "rotation_left",
    "rotation_right",
)
#: Each direction in words.
DIRECTION_WORDS = {
    "flexion": "forward",
    "extension": "backward",
    "lateral_left": "tilt left",
    "lateral_right": "tilt right",
    "rotation_left": "turn left",
    "rotation_right": "turn right",
}
#: Left/right pairs: name for people, left key, right key.
PAIRS = (("tilt", "lateral_left", "lateral_right"), ("turn", "rotation_left", "rotation_right"))


def _finite(x: Any) -> float | None:
    if isinstance(x, bool) or not isinstance(x, int | float) or not math.isfinite(x):
        return None
    return float(x)


def session_rom(reps: Sequence[dict[str, Any]]) -> dict[str, float] | None:
    """A session's range of motion: per direction the largest angle of its ``rom`` reps,
    deg; None without any.

    Parameters
    ----------
    reps : sequence of dict
        The session's rep records.

    Returns
    -------
    dict or None
        Direction -> deg, only the directions measured.
    """
    out: dict[str, float] = {}
    for r in reps:
        rom = r.get("rom_deg") if r.get("exercise") == "rom" else None
        if not isinstance(rom, dict):
            continue
        for k in DIRECTIONS:
            v = _finite(rom.get(k))
            if v is not None:
                out[k] = max(out.get(k, -math.inf), v)
    return out or None


def asymmetry(rom: dict[str, float]) -> dict[str, float | None]:
    """Left minus right of each pair (``tilt``, ``turn``), deg; None where a side is missing."""
    return {
        name: (rom[left] - rom[right]) if left in rom and right in rom else None
        for name, left, right in PAIRS
    }


@dataclass(frozen=True)
class RomWeek:
    """Range of motion of one ISO week.

    Attributes
    ----------
    start : date
        The Monday.
    label : str
        ``2025-W10``.
    sessions : int
        Sessions with a measurement.
    median_deg : dict of str to float
        Per direction, the median over the week's sessions, deg (NaN: not measured).
    asymmetry_deg : dict of str to float
        Per pair (``tilt``, ``turn``), the median of the sessions' left minus right, deg.
    """

    start: date
    label: str
    sessions: int
    median_deg: dict[str, float]
    asymmetry_deg: dict[str, float]


def _median(values: list[float]) -> float:
    return float(np.median(values)) if values else float("nan")


def rom_weeks(sessions: Sequence[tuple[datetime, dict[str, float]]]) -> list[RomWeek]:
    """Pool the sessions' range of motion by ISO week.

    Parameters
    ----------
    sessions : sequence of (datetime, dict)
        When, and :func:`session_rom` of each session with a measurement.

    Returns
    -------
    list of RomWeek
        In time order; weeks without a measurement are left out.
    """
    groups: dict[date, list[dict[str, float]]] = {}
    for when, rom in sessions:
        d = when.date()
        groups.setdefault(d - timedelta(days=d.weekday()), []).append(rom)
    out = []
    for start in sorted(groups):
        g = groups[start]
        iso = start.isocalendar()
        asym = [asymmetry(r) for r in g]
        out.append(
            RomWeek(
                start=start,
                label=f"{iso.year}-W{iso.week:02d}",
                sessions=len(g),
                median_deg={k: _median([r[k] for r in g if k in r]) for k in DIRECTIONS},
                asymmetry_deg={
                    name: _median([a[name] for a in asym if a[name] is not None])
                    for name, _, _ in PAIRS
                },
            )
        )
    return out
