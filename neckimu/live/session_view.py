"""What a live session shows and tells: the state the view draws (:class:`View`, with the hold
indicator :class:`HoldView`) and the interface of those told what happens
(:class:`SessionObserver`). The session itself is :class:`neckimu.live.session.LiveSession`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol as _Interface

import numpy as np

from neckimu.live.trunk import TrunkView
from neckimu.recording.events import Event
from neckimu.verify.reps import Rep, exercise_name


@dataclass(frozen=True)
class HoldView:
    """The stillness indicator: deviation from the hold's start orientation, deg."""

    exercise: str
    elapsed_s: float
    planned_s: float | None
    deviation_deg: float
    max_deviation_deg: float
    tolerance_deg: float
    active: bool

    @property
    def moved(self) -> bool:
        return self.max_deviation_deg > self.tolerance_deg

    @property
    def state(self) -> str:
        """``"still"`` or ``"moved"``."""
        return "moved" if self.moved else "still"

    @property
    def title(self) -> str:
        return exercise_name(self.exercise)


class SessionObserver(_Interface):
    """Told what happens in a session, from the acquisition thread (e.g. the cue sounds,
    :class:`neckimu.live.audio.CueSounds`); see :meth:`LiveSession.add_observer`."""

    def on_cue(self, ev: Event) -> None: ...
    def on_progress(self, t_s: float, hold: HoldView | None) -> None: ...
    def on_reset(self) -> None: ...


@dataclass(frozen=True)
class Cue:
    """One cue as the session showed it (:meth:`LiveSession.cues`).

    Attributes
    ----------
    time_s : float
        Session time it was given, s.
    exercise : str or None
        The exercise it belongs to (None: rest).
    text : str
        What it says.
    planned_s : float or None
        How long the exercise (or the prompt's part of it) is planned to last, s.
    """

    time_s: float
    exercise: str | None
    text: str
    planned_s: float | None


@dataclass(frozen=True)
class View:
    """What the view draws besides the curves (a consistent copy)."""

    state: str = "starting"
    label: str = ""
    session_s: float = 0.0
    rate_hz: float = 0.0
    loss_pct: float = 0.0
    samples: int = 0
    calibration: str = "none yet"
    exercise: str | None = None
    cue_text: str = "Get ready"
    cue_elapsed_s: float = 0.0
    cue_planned_s: float | None = None
    cue_count: int = 0
    hold: HoldView | None = None
    retraction: bool = False
    path_posterior_mm: np.ndarray = field(default_factory=lambda: np.zeros(0))
    path_superior_mm: np.ndarray = field(default_factory=lambda: np.zeros(0))
    reps: tuple[Rep, ...] = ()
    #: the trunk readout, with a second board on the trunk (the angles are then the neck's)
    trunk: TrunkView | None = None
    finished: bool = False
    error: str | None = None
