"""The simulated person who follows a guided routine: what ``neckimu demo`` and the start
screen's fit check stream.

The routine (``neckimu.live.routine``) is data and does not know the simulator; this
module maps it onto the simulator's script (``neckimu.sim.SessionConfig``).
"""

from __future__ import annotations

from typing import Any

from neckimu.live.routine import Routine
from neckimu.sim import SessionConfig


def session_config(routine: Routine, **overrides: Any) -> SessionConfig:
    """The simulated person's script for ``routine``.

    The simulator's script always does the four hold directions in the fixed order; the
    counts and durations (s) come from the routine. A routine of range of motion only (no
    holds, retractions or stretches) is the simulator's ``rom`` script, timed as the
    routine's cues; the guided script has no range-of-motion part.

    Parameters
    ----------
    routine : Routine
        The guided session.
    **overrides
        ``SessionConfig`` fields that replace what the routine gives (seed, board, mount...).
    """
    p = routine
    if (
        p.rom_directions
        and not (p.hold_reps and p.hold_directions)
        and not p.retraction_reps
        and not p.stretches
    ):
        kw_rom: dict[str, Any] = dict(
            script="rom",
            rom_directions=p.rom_directions,
            rom_reps=p.rom_reps,
            rom_lead_s=p.rom_lead_s,
            rom_move_s=p.rom_move_s,
            initial_rest_s=p.lead_in_s,
        )
        kw_rom.update(overrides)
        return SessionConfig(**kw_rom)

    stretch, stretch_s = p.stretches[0] if p.stretches else ("stretch_right", 30.0)
    kw: dict[str, Any] = dict(
        hold_reps=p.hold_reps,
        hold_s=(p.hold_s, p.hold_s),
        retraction_reps=p.retraction_reps,
        stretch=stretch if stretch in ("stretch_left", "stretch_right") else None,
        stretch_hold_s=stretch_s,
        initial_rest_s=p.lead_in_s,
    )
    kw.update(overrides)
    return SessionConfig(**kw)
