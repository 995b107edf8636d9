"""The scripted routines: guided, stretch, posture (desk work) and rest."""

from __future__ import annotations

import numpy as np

from neckimu.sim.faults import (
    FAULTS,
    is_known,
)
from neckimu.sim.motion import Timeline
from neckimu.sim.script.builder import _D
from neckimu.sim.script.exercises import _Builder
from neckimu.sim.script.plan import Plan, ScriptConfig


def _check(cfg: ScriptConfig) -> None:
    unknown = [f for f in cfg.faults if not is_known(f)]
    if unknown:
        raise ValueError(
            f"unknown fault(s) {', '.join(unknown)}; known: {', '.join(FAULTS)} "
            "(or two retraction faults joined by +)"
        )


def build_guided(cfg: ScriptConfig, rng: np.random.Generator) -> Plan:
    """The guided session: calibrate, holds, retraction set, one stretch.

    Parameters
    ----------
    cfg : ScriptConfig
        Durations, counts and faults.
    rng : numpy.random.Generator
        Source of every random choice of the script.
    """
    _check(cfg)
    b = _Builder(cfg, rng)
    b.tl.hold(cfg.initial_rest_s)
    b.calibrate()
    b.tl.hold(2.0)
    b.holds()
    b.relaxed_rest(4.0, (0.0, 0.0, 0.0))
    if cfg.retraction_reps > 0:
        b.retraction()
    b.one_stretch()
    b.tl.hold(max(cfg.final_rest_s, 0.5))
    return b.plan()


def build_stretch(cfg: ScriptConfig, rng: np.random.Generator) -> Plan:
    """The stretch routine: calibrate, then alternating ``stretch_left``/``stretch_right``.

    Parameters
    ----------
    cfg : ScriptConfig
        ``stretch`` is the first side (None: drawn), ``stretch_reps`` the count (None: 4-6),
        ``stretch_hold_s`` the prescribed hold; stretch faults as in :func:`build_guided`.
    rng : numpy.random.Generator
    """
    _check(cfg)
    b = _Builder(cfg, rng)
    b.tl.hold(cfg.initial_rest_s)
    b.calibrate()
    b.stretch_routine()
    b.tl.hold(max(cfg.final_rest_s, 0.5))
    return b.plan()


def build_posture(duration_s: float, rng: np.random.Generator, slouch_share: float = 0.0) -> Plan:
    """Desk work: calibration, then a ``posture`` window in which the person now and then
    slumps forward (neck flexion 18-35 deg for 20-150 s) and sits up again.

    With ``slouch_share`` > 0 (a trunk, fault ``slouch``), that share of the slumps round the
    trunk instead: the thorax slouches forward 12-25 deg and the neck flexes only 0-10 deg, so
    the head inclines about as much (issue 15: same head inclination, different advice).
    """
    b = _Builder(ScriptConfig(), rng)
    b.tl.hold(2.0)
    b.calibrate()
    b.event("start", "posture")
    end = b.tl.t + max(duration_s - b.tl.t - 1.0, 5.0)
    while b.tl.t < end - 10.0:
        b.tl.hold(min(b.u(20.0, 90.0), end - b.tl.t))  # sitting up (a few degrees of play)
        if b.tl.t >= end - 10.0:
            break
        if slouch_share > 0 and b.rng.random() < slouch_share:
            dur = b.u(3.0, 8.0)
            b.to_pose(dur, b.u(0.0, 10.0), b.u(-3.0, 3.0), b.u(-5.0, 5.0))
            b.tl.set_last("slouch", b.u(12.0, 25.0) * _D)
            b.tl.hold(min(b.u(20.0, 150.0), max(end - b.tl.t - 5.0, 0.5)))
            b.to_pose(b.u(2.0, 4.0), b.u(-2.0, 4.0), 0.0, 0.0)
            b.tl.set_last("slouch", 0.0)
            continue
        b.to_pose(b.u(3.0, 8.0), b.u(18.0, 35.0), b.u(-3.0, 3.0), b.u(-5.0, 5.0))
        b.tl.hold(min(b.u(20.0, 150.0), max(end - b.tl.t - 5.0, 0.5)))
        b.to_pose(b.u(2.0, 4.0), b.u(-2.0, 4.0), 0.0, 0.0)
    b.tl.hold(max(end - b.tl.t, 0.5))
    b.event("end", "posture")
    b.tl.hold(1.0)  # the end cue lies inside the data
    return b.plan()


def build_rest(duration_s: float) -> Plan:
    """A person sitting still in the neutral pose for ``duration_s`` (no events)."""
    tl = Timeline()
    tl.hold(duration_s)
    return Plan(tl.build(), [], [])
