"""The guided session script and its mistakes, as keyframes, events and rep plans.

Order: initial rest; ``calibrate`` (still, three slow nods starting downward, still); the four
isometric holds (``hold_flexion``, ``hold_extension``, ``hold_left``, ``hold_right``), each rep
its own start/end window; a ``retraction`` set (one window, several reps); one lateral stretch
(``stretch_left`` or ``stretch_right``); final rest. Times are physical seconds from the
session start; the session converts them to the recording clock.

Retraction targets are commanded *relative to the person's sway* (the sway's mean over the
kept phase minus its mean over the still phase before is subtracted), so the true displacement
and angle changes equal the drawn targets and each rep's label is unambiguous.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from neckimu.recording.events import HOLDS
from neckimu.sim.motion import Keyframes, Timeline
from neckimu.sim.person import Person

HOLD_FAULTS: tuple[str, ...] = ("moved", "creep", "tipped_back")
RETRACTION_FAULTS: tuple[str, ...] = (
    "extension", "protraction", "downward", "nod_only", "lateral", "too_small",
)
STRETCH_FAULTS: tuple[str, ...] = ("stretch_short", "stretch_unsteady")
FAULTS: tuple[str, ...] = HOLD_FAULTS + RETRACTION_FAULTS + STRETCH_FAULTS

_D = np.pi / 180.0
#: direction name -> (channel, sign) of a hold's movement
_DIRS = {
    "flexion": ("neck_flex", 1.0), "extension": ("neck_flex", -1.0),
    "left": ("lat", -1.0), "right": ("lat", 1.0), "rotation": ("rot", 0.0),
}
#: the axis each hold pushes along (the head gives way along it most often)
_HOLD_AXIS = {
    "hold_flexion": ("flexion", "extension"), "hold_extension": ("extension", "flexion"),
    "hold_left": ("left", "right"), "hold_right": ("right", "left"),
}


@dataclass
class RepPlan:
    """One rep as planned (physical time, s; what was injected).

    ``targets`` holds what the rep was commanded to do (mm, deg), ``phases`` the retraction
    phase times, ``fault`` the injected mistake (None for a correct rep).
    """

    exercise: str
    index: int
    start_s: float
    end_s: float
    fault: str | None = None
    direction: str | None = None
    phases: dict[str, float] = field(default_factory=dict)
    targets: dict[str, float] = field(default_factory=dict)


@dataclass
class Plan:
    """A scripted session: keyframes, events ``(time_s, kind, exercise)`` and reps."""

    keyframes: Keyframes
    events: list[tuple[float, str, str]]
    reps: list[RepPlan]


@dataclass(frozen=True)
class ScriptConfig:
    """Durations and counts of the guided session (s unless named otherwise)."""

    initial_rest_s: float = 2.0
    final_rest_s: float = 2.0
    calib_still_s: float = 5.0
    hold_reps: int = 3
    hold_s: tuple[float, float] = (5.0, 10.0)
    hold_rest_s: tuple[float, float] = (3.0, 5.0)
    retraction_reps: int = 8
    stretch: str | None = None  # stretch_left / stretch_right; None: chosen by the seed
    stretch_hold_s: float = 30.0
    faults: tuple[str, ...] = ()
    fault_rate: float = 0.0


def _assign_faults(
    rng: np.random.Generator, n: int, names: list[str], rate: float, allowed: list[str]
) -> list[str | None]:
    """Which of n reps get which fault: each named fault on some reps, or a random mix."""
    out: list[str | None] = [None] * n
    names = [f for f in names if f in allowed]
    if rate > 0:
        pool = names or allowed
        for i in range(n):
            if rng.random() < rate:
                out[i] = pool[rng.integers(len(pool))]
        return out
    if not names or n == 0:
        return out
    per = max(1, n // (len(names) + 1))
    free = list(rng.permutation(n))
    for name in names:
        for _ in range(per):
            if free:
                out[int(free.pop())] = name
    return out


class _Builder:
    def __init__(self, cfg: ScriptConfig, rng: np.random.Generator, person: Person | None):
        self.cfg, self.rng, self.person = cfg, rng, person
        self.tl = Timeline()
        self.events: list[tuple[float, str, str]] = []
        self.reps: list[RepPlan] = []

    def u(self, lo: float, hi: float) -> float:
        return float(self.rng.uniform(lo, hi))

    def event(self, kind: str, exercise: str) -> None:
        self.events.append((self.tl.t, kind, exercise))

    def _to_pose(self, dur: float, flex_deg: float, lat_deg: float, rot_deg: float) -> None:
        self.tl.move(
            dur, neck_flex=flex_deg * _D, nod_flex=0.0, lat=lat_deg * _D, rot=rot_deg * _D,
            glide_x=0.0, glide_z=0.0, brace=0.0,
        )

    # -- parts of the session ----------------------------------------------------------------
    def calibrate(self) -> None:
        tl = self.tl
        self.event("start", "calibrate")
        tl.hold(self.cfg.calib_still_s)
        for _ in range(3):  # slow nods, chin toward the chest first
            a = self.u(15.0, 20.0) * _D
            tl.move(self.u(0.9, 1.1), nod_flex=0.6 * a, neck_flex=0.4 * a)
            tl.move(self.u(0.9, 1.1), nod_flex=0.0, neck_flex=0.0)
        tl.hold(1.0)
        self.event("end", "calibrate")

    def relaxed_rest(self, dur: float, base: tuple[float, float, float]) -> None:
        """Small relaxed movements, then back to ``base`` (deg) and still for >= 0.8 s."""
        end = self.tl.t + dur
        if dur > 3.0:
            off = self.rng.normal(0.0, 2.0, 3)
            self._to_pose(1.0, *(np.array(base) + off))
        self._to_pose(1.0, *base)
        self.tl.hold(max(0.8, end - self.tl.t))

    def hold_rep(self, exercise: str, index: int, fault: str | None) -> None:
        tl, cfg = self.tl, self.cfg
        dur = self.u(*cfg.hold_s) if fault != "creep" else self.u(11.0, 12.0)
        t0 = tl.t
        self.event("start", exercise)
        rep = RepPlan(exercise, index, t0, t0 + dur, fault=fault)
        tl.move(0.5, brace=1.0)
        if fault in ("moved", "creep"):
            axis = _HOLD_AXIS[exercise]
            r = self.rng.random()
            direction = axis[0] if r < 0.4 else axis[1] if r < 0.7 else (
                ("rotation", "left", "right", "flexion", "extension")[self.rng.integers(5)]
            )
            ch, sign = _DIRS[direction]
            sign = sign or float(self.rng.choice([-1.0, 1.0]))
            if fault == "creep":
                amp, t_on, move_s = self.u(3.3, 3.6), 0.5, 10.0
            elif self.rng.random() < 0.5:  # sudden shift
                amp, move_s = self.u(3.5, 10.0), self.u(0.3, 0.8)
                t_on = self.u(1.0, dur - 1.5 - move_s)
            else:  # drift
                amp, t_on = self.u(3.5, 10.0), self.u(0.5, 2.0)
                avail = dur - t_on - 0.5
                move_s = self.u(min(3.0, avail), avail)
            tl.hold(max(t_on - 0.5, 1e-3))
            tl.shift(move_s, **{ch: sign * amp * _D})
            rep.direction, rep.targets = direction, {"amplitude_deg": amp}
        elif fault == "tipped_back":
            amp, move_s = self.u(3.5, 10.0), self.u(0.5, 2.0)
            tl.hold(self.u(0.5, dur - 1.0 - move_s))
            tl.shift(move_s, nod_flex=-amp * _D)
            rep.direction, rep.targets = "extension", {"amplitude_deg": amp}
        tl.hold(max(t0 + dur - tl.t, 1e-3))
        self.event("end", exercise)
        rep.end_s = tl.t
        tl.move(0.5, brace=0.0)
        self.reps.append(rep)

    def holds(self) -> None:
        cfg = self.cfg
        allowed = {h: ["moved", "creep"] + (["tipped_back"] if h == "hold_flexion" else [])
                   for h in HOLDS}
        for exercise in HOLDS:
            names = [f for f in cfg.faults if f in allowed[exercise]]
            faults = _assign_faults(
                self.rng, cfg.hold_reps, names, cfg.fault_rate, allowed[exercise]
            )
            for i, fault in enumerate(faults):
                base = tuple(self.rng.uniform(-2.0, 2.0, 3))
                self.relaxed_rest(self.u(*cfg.hold_rest_s), base)
                self.hold_rep(exercise, i + 1, fault)

    def _sway_delta(self, before: tuple[float, float], kept: tuple[float, float]):
        """Mean sway over ``kept`` minus over ``before``: (angles rad (3,), position m (3,))."""
        if self.person is None:
            return np.zeros(3), np.zeros(3)
        tb = np.linspace(*before, 201)
        tk = np.linspace(*kept, 201)
        da = self.person.angles(tk).mean(0) - self.person.angles(tb).mean(0)
        dp = self.person.position(tk).mean(0) - self.person.position(tb).mean(0)
        return da, dp

    def _retraction_targets(self, fault: str | None) -> dict[str, float]:
        u = self.u

        def good_glide() -> tuple[float, float]:
            post = u(16.0, 29.0)
            ang = np.radians(u(12.0, 33.0))
            sup = float(np.clip(post * np.tan(ang), 3.5, 11.5))
            return post, sup

        post, sup = good_glide()
        flex = post / 10.0 * u(4.2, 5.8)
        lat, rot = u(-1.0, 1.0), u(-1.0, 1.0)
        if fault == "extension":
            flex = -u(8.5, 14.5)
        elif fault == "protraction":
            post, sup, flex = -u(10.5, 24.5), u(-2.5, 2.5), u(-2.0, 2.0)
        elif fault == "downward":
            post, sup, flex = u(0.0, 8.0), -u(8.5, 14.5), u(0.0, 4.0)
        elif fault == "nod_only":
            post, sup, flex = u(0.0, 2.0), u(-1.0, 1.0), u(10.5, 19.5)
        elif fault == "lateral":
            amp = u(8.5, 14.5) * float(self.rng.choice([-1.0, 1.0]))
            if self.rng.random() < 0.5:
                lat = amp
            else:
                rot = amp
        elif fault == "too_small":
            post = u(3.5, 6.5)
            sup = post * np.tan(np.radians(u(12.0, 33.0)))
            flex = post / 10.0 * u(4.2, 5.8)
        return {"posterior_mm": post, "superior_mm": float(sup), "flexion_deg": flex,
                "lateral_deg": lat, "rotation_deg": rot}

    def retraction(self) -> None:
        cfg, tl, u = self.cfg, self.tl, self.u
        base = tuple(self.rng.uniform(-1.0, 1.0, 3))
        self._to_pose(1.5, *base)
        tl.hold(1.0)
        self.event("start", "retraction")
        faults = _assign_faults(
            self.rng, cfg.retraction_reps, list(cfg.faults), cfg.fault_rate,
            list(RETRACTION_FAULTS),
        )
        for i, fault in enumerate(faults):
            tl.hold(u(1.0, 1.5))
            g0 = tl.t
            glide_s, kept_s, ret_s = u(1.0, 1.5), u(1.8, 2.2), u(1.0, 1.5)
            k0 = g0 + glide_s
            k1 = k0 + kept_s
            tg = self._retraction_targets(fault)
            da, dp = self._sway_delta((g0 - 1.0, g0), (k0, k1))
            tl.move(
                glide_s,
                glide_x=-tg["posterior_mm"] * 1e-3 - dp[0],
                glide_z=tg["superior_mm"] * 1e-3 - dp[2],
                nod_flex=tg["flexion_deg"] * _D - da[0],
                lat=base[1] * _D + tg["lateral_deg"] * _D - da[1],
                rot=base[2] * _D + tg["rotation_deg"] * _D - da[2],
            )
            tl.hold(kept_s)
            self._to_pose(ret_s, *base)
            r1 = tl.t
            tl.hold(u(1.0, 2.0))
            self.reps.append(RepPlan(
                "retraction", i + 1, g0 - 0.5, r1 + 0.5, fault=fault,
                phases={"glide_start_s": g0, "kept_start_s": k0, "kept_end_s": k1,
                        "return_end_s": r1},
                targets=tg,
            ))
        self.event("end", "retraction")

    def stretch(self) -> None:
        cfg, tl, u = self.cfg, self.tl, self.u
        side = cfg.stretch or ("stretch_left", "stretch_right")[self.rng.integers(2)]
        names = [f for f in cfg.faults if f in STRETCH_FAULTS]
        pool = names or list(STRETCH_FAULTS)
        fault = None
        if cfg.fault_rate > 0:
            fault = pool[self.rng.integers(len(pool))] if self.rng.random() < cfg.fault_rate \
                else None
        elif names:
            fault = names[self.rng.integers(len(names))]
        sign = -1.0 if side == "stretch_left" else 1.0
        amp = u(20.0, 35.0)
        self._to_pose(1.5, 0.0, 0.0, 0.0)
        tl.hold(1.0)
        t0 = tl.t
        self.event("start", side)
        tl.move(u(2.5, 3.5), lat=sign * amp * _D, neck_flex=u(-2.0, 4.0) * _D)
        hold = u(8.0, 11.0) if fault == "stretch_short" else cfg.stretch_hold_s * u(0.97, 1.03)
        if fault == "stretch_unsteady":
            end = tl.t + hold
            k = 1.0
            while tl.t < end - 2.0:
                tl.move(u(0.8, 1.6), lat=sign * (amp + k * u(3.5, 5.0)) * _D)
                k = -k
            tl.move(max(end - tl.t, 0.5), lat=sign * amp * _D)
        else:
            tl.hold(hold)
        self._to_pose(u(2.5, 3.5), 0.0, 0.0, 0.0)
        tl.hold(0.5)
        self.event("end", side)
        self.reps.append(RepPlan(side, 1, t0, tl.t, fault=fault,
                                 targets={"lateral_deg": sign * amp, "held_s": hold}))


def build_guided(cfg: ScriptConfig, rng: np.random.Generator, person: Person | None) -> Plan:
    """The guided session: calibrate, holds, retraction set, stretch.

    Parameters
    ----------
    cfg : ScriptConfig
        Durations, counts and faults.
    rng : numpy.random.Generator
        Source of every random choice of the script.
    person : Person or None
        The person whose sway the retraction targets compensate.
    """
    unknown = [f for f in cfg.faults if f not in FAULTS]
    if unknown:
        raise ValueError(f"unknown fault(s) {', '.join(unknown)}; known: {', '.join(FAULTS)}")
    b = _Builder(cfg, rng, person)
    b.tl.hold(cfg.initial_rest_s)
    b.calibrate()
    b.tl.hold(2.0)
    b.holds()
    b.relaxed_rest(4.0, (0.0, 0.0, 0.0))
    if cfg.retraction_reps > 0:
        b.retraction()
    b.stretch()
    b.tl.hold(max(cfg.final_rest_s, 0.5))
    return Plan(b.tl.build(), b.events, b.reps)


def build_posture(duration_s: float, rng: np.random.Generator) -> Plan:
    """Desk work: calibration, then a ``posture`` window in which the person now and then
    slumps forward (neck flexion 18-35 deg for 20-150 s) and sits up again."""
    b = _Builder(ScriptConfig(), rng, None)
    b.tl.hold(2.0)
    b.calibrate()
    b.event("start", "posture")
    end = b.tl.t + max(duration_s - b.tl.t - 1.0, 5.0)
    while b.tl.t < end - 10.0:
        b.tl.hold(min(b.u(20.0, 90.0), end - b.tl.t))  # sitting up (a few degrees of play)
        if b.tl.t >= end - 10.0:
            break
        b._to_pose(b.u(3.0, 8.0), b.u(18.0, 35.0), b.u(-3.0, 3.0), b.u(-5.0, 5.0))
        b.tl.hold(min(b.u(20.0, 150.0), max(end - b.tl.t - 5.0, 0.5)))
        b._to_pose(b.u(2.0, 4.0), b.u(-2.0, 4.0), 0.0, 0.0)
    b.tl.hold(max(end - b.tl.t, 0.5))
    b.event("end", "posture")
    b.tl.hold(1.0)  # the end cue lies inside the data
    return Plan(b.tl.build(), b.events, b.reps)


def build_rest(duration_s: float) -> Plan:
    """A person sitting still in the neutral pose for ``duration_s`` (no events)."""
    tl = Timeline()
    tl.hold(duration_s)
    return Plan(tl.build(), [], [])
