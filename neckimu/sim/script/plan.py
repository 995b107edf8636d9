"""What a script is told (:class:`ScriptConfig`) and what it makes: the plan of a session
(keyframes, steps, events) and of each rep."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from neckimu.sim.motion import Keyframes, Steps
from neckimu.sim.ranges import RANGES, Ranges
from neckimu.verify.reps import ROM_DIRECTIONS


@dataclass
class RepPlan:
    """One rep as planned (physical time, s; what was injected).

    ``start_s``/``end_s`` are the cues of a hold or stretch and the motion onset / end of the
    return of a retraction rep. ``targets`` holds what the rep was commanded to do (mm, deg,
    s), ``phases`` the phase times, ``fault`` the injected mistake (None for a rep meant to be
    right; ``a+b`` for two), ``near`` whether the mistake's size was drawn near its threshold.
    """

    exercise: str
    index: int
    start_s: float
    end_s: float
    fault: str | None = None
    direction: str | None = None
    phases: dict[str, float] = field(default_factory=dict)
    targets: dict[str, Any] = field(default_factory=dict)
    near: bool = False


@dataclass
class Plan:
    """A scripted session: keyframes and steps, events ``(time_s, kind, exercise)``, reps
    and fidgets (``start_s``, ``end_s``, ``angle_deg``, ``glide_mm``; physical time)."""

    keyframes: Keyframes
    events: list[tuple[float, str, str]]
    reps: list[RepPlan]
    steps: Steps = field(default_factory=Steps.empty)
    fidgets: list[dict[str, float]] = field(default_factory=list)

    def channels(self, t: np.ndarray) -> np.ndarray:
        """Commanded channel values (keyframes plus steps) at times ``t``, shape (N, C)."""
        ch = self.keyframes(t)
        return ch + self.steps(t) if len(self.steps) else ch


@dataclass(frozen=True)
class ScriptConfig:
    """Durations, counts and mistakes of a session (s unless named otherwise).

    Attributes
    ----------
    hold_s : tuple of float
        Range of the hold durations (the cue-to-cue window), s.
    stretch_reps : int or None
        Stretches in the stretch routine; None: drawn from ``ranges.stretch.reps``.
    faults : tuple of str
        Mistakes to inject (``neckimu.sim.faults``); each named one on some reps.
    fault_rate : float
        If > 0, each rep is faulty with this probability instead.
    near_share : float
        Share of injected mistakes whose size is drawn near the pass rule's threshold.
    combined_share : float
        Share of faulty retraction reps (drawn by ``fault_rate``) that get a second fault.
    fidgets : bool
        Small movements in the rests.
    ranges : Ranges
        How much people vary.
    """

    initial_rest_s: float = 2.0
    final_rest_s: float = 2.0
    calib_still_s: float = 5.0
    hold_reps: int = 3
    hold_s: tuple[float, float] = (5.0, 12.0)
    retraction_reps: int = 8
    stretch: str | None = None  # stretch_left / stretch_right; None: chosen by the seed
    stretch_hold_s: float = 30.0
    stretch_reps: int | None = None
    faults: tuple[str, ...] = ()
    fault_rate: float = 0.0
    near_share: float = 0.5
    combined_share: float = 0.2
    fidgets: bool = True
    ranges: Ranges = RANGES
    rom_directions: tuple[str, ...] = ROM_DIRECTIONS
    rom_reps: int = 2
    rom_lead_s: float = 4.0
    rom_move_s: float = 9.0
    hip_to_head_m: float = 0.62  # what a trunk_lean rep's person leans by (their real H varies)
