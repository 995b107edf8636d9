"""The session scripts and the person's mistakes, as keyframes, steps, events and rep plans.

``guided``: initial rest; ``calibrate`` (still, three slow nods starting downward, still); the
four isometric holds (``hold_flexion``, ``hold_extension``, ``hold_left``, ``hold_right``), each
rep its own start/end window; a ``retraction`` set (one window, several reps); one lateral
stretch (``stretch_left`` or ``stretch_right``); final rest.

``stretch``: initial rest, ``calibrate``, then 4-6 lateral stretches alternating between
``stretch_left`` and ``stretch_right``, each its own window, with rests between.

``rom``: initial rest, ``calibrate``, then one ``rom`` window: each direction to the end of the
person's range and back, twice, one movement per cue of the routine (``build_rom``).

The person varies as real people do (``neckimu.sim.ranges``: timing, size and direction of
each movement, fidgets in the rests, reps that start before the head has settled) and makes
mistakes around the pass rules' thresholds (``neckimu.sim.faults``). The script commands
movements only; it does not know the person's sway, and nothing is corrected for it: what
a rep's label says is measured from the resulting head motion (``neckimu.sim.truth``).
Times are physical seconds from the session start; the session converts them to the
recording clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from neckimu.recording.events import HOLDS
from neckimu.sim.faults import (
    COMBINATIONS,
    FAULTS,
    HOLD_FAULTS,
    RETRACTION_FAULTS,
    STRETCH_FAULTS,
    Draw,
    canonical,
    hold_amplitude,
    is_known,
    retraction_targets,
    stretch_plan,
    trunk_lean_mm,
)
from neckimu.sim.motion import CHANNELS, Keyframes, Steps, Timeline
from neckimu.sim.ranges import RANGES, Ranges, RomRanges
from neckimu.verify.reps import ROM_DIRECTIONS

__all__ = [
    "FAULTS",
    "HOLD_FAULTS",
    "RETRACTION_FAULTS",
    "STRETCH_FAULTS",
    "Plan",
    "RepPlan",
    "ScriptConfig",
    "build_guided",
    "build_posture",
    "build_rest",
    "build_rom",
    "build_stretch",
]

_D = np.pi / 180.0
#: direction name -> (channel, sign) of a hold's movement
_DIRS = {
    "flexion": ("neck_flex", 1.0),
    "extension": ("neck_flex", -1.0),
    "left": ("lat", -1.0),
    "right": ("lat", 1.0),
    "rotation": ("rot", 0.0),
}
#: the axis each hold pushes along (the head gives way along it most often)
_HOLD_AXIS = {
    "hold_flexion": ("flexion", "extension"),
    "hold_extension": ("extension", "flexion"),
    "hold_left": ("left", "right"),
    "hold_right": ("right", "left"),
}
#: commanded retraction targets (mm, deg) -> channels (m, rad)
#: channels of the glide itself (the rest is the turn of the head)
_GLIDE_CHANNELS = ("glide_x", "glide_z")
_RETRACTION_CHANNELS = {
    "posterior_mm": ("glide_x", -1e-3),
    "superior_mm": ("glide_z", 1e-3),
    "flexion_deg": ("nod_flex", _D),
    "lateral_deg": ("lat", _D),
    "rotation_deg": ("rot", _D),
}


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
    def __init__(self, cfg: ScriptConfig, rng: np.random.Generator):
        self.cfg, self.rng, self.r = cfg, rng, cfg.ranges
        self.draw = Draw(rng, cfg.near_share)
        self.tl = Timeline()
        self.events: list[tuple[float, str, str]] = []
        self.reps: list[RepPlan] = []
        self.fidgets: list[dict[str, float]] = []

    def u(self, lo: float, hi: float) -> float:
        return float(self.rng.uniform(lo, hi))

    def lu(self, lo: float, hi: float) -> float:
        """Log-uniform draw in [lo, hi] (lo > 0)."""
        return float(np.exp(self.rng.uniform(np.log(lo), np.log(hi))))

    def event(self, kind: str, exercise: str) -> None:
        self.events.append((self.tl.t, kind, exercise))

    def _to_pose(self, dur: float, flex_deg: float, lat_deg: float, rot_deg: float) -> None:
        self.tl.move(
            dur,
            neck_flex=flex_deg * _D,
            nod_flex=0.0,
            lat=lat_deg * _D,
            rot=rot_deg * _D,
            glide_x=0.0,
            glide_z=0.0,
            brace=0.0,
        )

    def plan(self) -> Plan:
        return Plan(self.tl.build(), self.events, self.reps, self.tl.build_steps(), self.fidgets)

    # -- parts of a session ------------------------------------------------------------------
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

    def fidget(self, t0: float, t1: float) -> None:
        """Maybe a small out-and-back movement inside [t0, t1] (s), as steps."""
        f = self.r.fidget
        if not self.cfg.fidgets or t1 - t0 < f.min_window_s or self.rng.random() >= f.share:
            return
        out_s, pause, back_s = self.u(*f.move_s), self.u(*f.pause_s), self.u(*f.move_s)
        room = t1 - t0 - out_s - pause - back_s
        if room <= 0:
            return
        start = t0 + self.u(0.0, room)
        # mostly a turn or a tilt, a little of the other axes
        w = self.rng.normal(0.0, 0.3, 3)
        w[self.rng.choice(3, p=[0.3, 0.3, 0.4])] = float(self.rng.choice([-1.0, 1.0]))
        ang = self.u(*f.angle_deg) * w / np.linalg.norm(w)
        g = self.u(*f.glide_mm) * 1e-3
        phi = self.u(0.0, 2.0 * np.pi)
        deltas = {
            "nod_flex": ang[0] * _D,
            "lat": ang[1] * _D,
            "rot": ang[2] * _D,
            "glide_x": g * np.cos(phi),
            "glide_z": g * np.sin(phi),
        }
        self.tl.step(start, out_s, **deltas)
        self.tl.step(start + out_s + pause, back_s, **{k: -v for k, v in deltas.items()})
        self.fidgets.append(
            {
                "start_s": start,
                "end_s": start + out_s + pause + back_s,
                "angle_deg": float(np.linalg.norm(ang)),
                "glide_mm": g * 1e3,
            }
        )

    def relaxed_rest(self, dur: float, base: tuple[float, float, float]) -> None:
        """Small relaxed movements, then back to ``base`` (deg) and still; maybe a fidget."""
        end = self.tl.t + dur
        if dur > 3.0:
            off = self.rng.normal(0.0, 2.0, 3)
            self._to_pose(1.0, *(np.array(base) + off))
        self._to_pose(1.0, *base)
        still = self.tl.t
        self.tl.hold(max(0.8, end - self.tl.t))
        self.fidget(still + 0.2, self.tl.t - 0.7)  # settled again before the next cue

    def _give_way(self, exercise: str) -> str:
        """Where a head moves in a hold: along the push 40 %, against it 30 %, else anywhere."""
        along, against = _HOLD_AXIS[exercise]
        r = self.rng.random()
        if r < 0.4:
            return along
        if r < 0.7:
            return against
        return ("rotation", "left", "right", "flexion", "extension")[self.rng.integers(5)]

    def hold_rep(self, exercise: str, index: int, fault: str | None) -> None:
        tl, cfg, hr = self.tl, self.cfg, self.r.hold
        dur = self.u(*cfg.hold_s)
        t0 = tl.t
        end = t0 + dur
        self.event("start", exercise)
        rep = RepPlan(exercise, index, t0, end, fault=fault)
        tl.move(min(self.u(*hr.reaction_s), 0.5 * dur), brace=1.0)
        if fault in HOLD_FAULTS:
            amp, rep.near = hold_amplitude(self.draw)
            if fault == "tipped_back":
                ch, sign, direction = "nod_flex", -1.0, "extension"
            else:
                direction = self._give_way(exercise)
                ch, sign = _DIRS[direction]
                sign = sign or float(self.rng.choice([-1.0, 1.0]))
            avail = end - 0.2 - tl.t
            if fault == "creep":  # over the whole hold
                kind, t_on, move_s = "creep", tl.t, avail
            elif self.rng.random() < 0.5:  # a quick jerk
                kind, move_s = "jerk", min(self.u(*hr.jerk_s), 0.5 * avail)
                t_on = tl.t + self.u(0.1 * avail, avail - move_s - 0.1 * avail)
            else:  # a slow drift
                kind, move_s = "drift", min(self.u(*hr.drift_s), 0.9 * avail)
                t_on = tl.t + self.u(0.0, avail - move_s)
            if t_on > tl.t:
                tl.hold(t_on - tl.t)
            tl.shift(move_s, **{ch: sign * amp * _D})
            back = 0.0
            if kind == "jerk" and self.rng.random() < hr.jerk_back_share:
                pause, back_s = self.u(0.1, 0.5), self.u(0.3, 0.8)
                if tl.t + pause + back_s < end - 0.1:
                    back = amp * self.u(0.3, 1.0)
                    tl.hold(pause)
                    tl.shift(back_s, **{ch: -sign * back * _D})
            rep.direction = direction
            rep.targets = {
                "amplitude_deg": amp,
                "kind": kind,
                "back_deg": back,
                "move_start_s": t_on,
                "move_s": move_s,
            }
        tl.hold(max(end - tl.t, 1e-3))
        self.event("end", exercise)
        rep.end_s = tl.t
        tl.move(0.5, brace=0.0)
        self.reps.append(rep)

    def holds(self) -> None:
        cfg = self.cfg
        allowed = {
            h: ["moved", "creep"] + (["tipped_back"] if h == "hold_flexion" else []) for h in HOLDS
        }
        for exercise in HOLDS:
            faults = _assign_faults(
                self.rng, cfg.hold_reps, list(cfg.faults), cfg.fault_rate, allowed[exercise]
            )
            for i, fault in enumerate(faults):
                base = tuple(self.rng.uniform(-2.0, 2.0, 3))
                self.relaxed_rest(self.u(*self.r.hold.rest_s), base)
                self.hold_rep(exercise, i + 1, fault)

    def _retraction_faults(self) -> list[str | None]:
        cfg = self.cfg
        requested = [f for f in cfg.faults if "+" in f or f == "trunk_lean"]
        faults = _assign_faults(
            self.rng,
            cfg.retraction_reps,
            [f for f in cfg.faults if f in RETRACTION_FAULTS] + requested,
            cfg.fault_rate,
            list(RETRACTION_FAULTS) + requested,
        )
        if cfg.fault_rate > 0:
            for i, f in enumerate(faults):
                if f in COMBINATIONS and self.rng.random() < cfg.combined_share:
                    partners = COMBINATIONS[f]
                    faults[i] = f"{f}+{partners[self.rng.integers(len(partners))]}"
        return faults

    def retraction(self) -> None:
        tl, rr = self.tl, self.r.retraction
        base = tuple(self.rng.uniform(-1.0, 1.0, 3))
        self._to_pose(1.5, *base)
        tl.hold(1.0)
        self.event("start", "retraction")
        cue = tl.t
        onset = cue + self.u(*rr.first_onset_s)
        settled = prev_end = cue  # when the last movement (incl. its slow settling) ends
        for i, fault in enumerate(self._retraction_faults()):
            if i:
                onset = prev_end + self.lu(*rr.rest_s)
                self.fidget(settled + 0.3, onset - 0.5)
            glide_s, kept_s, ret_s = (
                self.u(*rr.glide_s),
                self.lu(*rr.kept_s),
                self.u(*rr.return_s),
            )
            k0 = onset + glide_s
            k1 = k0 + kept_s
            r1 = k1 + ret_s
            lean = fault == "trunk_lean"
            tg, near = retraction_targets(None if lean else fault, self.draw, rr)
            if lean:  # the glide comes from leaning back: the neck glides little or not at all
                tg, near = self._trunk_lean(tg, onset, glide_s, k1, ret_s)
            deltas = {ch: tg[k] * s for k, (ch, s) in _RETRACTION_CHANNELS.items()}
            glide = {k: v for k, v in deltas.items() if k in _GLIDE_CHANNELS}
            turn = {k: v for k, v in deltas.items() if k not in _GLIDE_CHANNELS}
            # the turn is timed on its own, inside the rep: out before the kept position
            # ends, back after it
            out_s = self.u(*rr.turn_share) * glide_s
            out_at = float(np.clip(onset + self.u(*rr.turn_lag_s), onset - 0.3, k1 - out_s))
            back_s = self.u(*rr.turn_share) * ret_s
            back_at = float(np.clip(k1 + self.u(*rr.turn_lag_s), out_at + out_s, r1 - back_s))
            tl.step(onset, glide_s, **glide)
            tl.step(out_at, out_s, **turn)
            eps, settle_s = 0.0, 0.0
            if self.rng.random() < rr.unsettled_share:
                eps, settle_s = self.u(*rr.settle_fraction), self.u(*rr.settle_s)
                tl.step(k1 + 0.5 * ret_s, settle_s, **{k: -eps * v for k, v in deltas.items()})
            tl.step(k1, ret_s, **{k: -(1.0 - eps) * v for k, v in glide.items()})
            tl.step(back_at, back_s, **{k: -(1.0 - eps) * v for k, v in turn.items()})
            onset, k0 = min(onset, out_at), max(k0, out_at + out_s)
            k1, r1 = min(k1, back_at), max(r1, back_at + back_s)
            settled = max(r1, k1 + 0.5 * ret_s + settle_s)
            self.reps.append(
                RepPlan(
                    "retraction",
                    i + 1,
                    onset,
                    r1,
                    fault=fault,
                    near=near,
                    phases={
                        "glide_start_s": onset,
                        "kept_start_s": k0,
                        "kept_end_s": k1,
                        "return_end_s": r1,
                        "settled_s": settled,
                    },
                    targets={
                        **tg,
                        "glide_s": glide_s,
                        "kept_s": kept_s,
                        "return_s": ret_s,
                        "settle_fraction": eps,
                        "settle_s": settle_s,
                    },
                )
            )
            prev_end = r1
        end = max(prev_end + self.u(*rr.end_cue_s), settled + 0.3, onset)
        tl.hold(end - tl.t)
        self.event("end", "retraction")

    def _trunk_lean(self, tg: dict[str, float], onset: float, glide_s: float, k1: float,
                    ret_s: float) -> tuple[dict[str, float], bool]:
        """A retraction made by leaning back (issue 15): the trunk tips back about the hips
        with the glide's timing, the neck flexes 80-100 % of the lean to keep the gaze level,
        and the neck's own glide is 0-30 % of a correct one."""
        mm, near = trunk_lean_mm(self.draw)
        theta = mm * 1e-3 / self.cfg.hip_to_head_m
        comp = self.u(0.8, 1.0)
        k = self.u(0.0, 0.3)
        tg = {**tg, "posterior_mm": tg["posterior_mm"] * k, "superior_mm": tg["superior_mm"] * k}
        self.tl.step(onset, glide_s, trunk_flex=-theta, neck_flex=comp * theta)
        self.tl.step(k1, ret_s, trunk_flex=theta, neck_flex=-comp * theta)
        tg["trunk_lean_deg"] = float(np.degrees(theta))
        tg["trunk_lean_mm"] = mm
        tg["gaze_compensation"] = comp
        return tg, near

    def stretch_rep(self, side: str, index: int, fault: str | None) -> None:
        tl, sr, cfg = self.tl, self.r.stretch, self.cfg
        fault = canonical(fault) if fault else None
        sign = -1.0 if side == "stretch_left" else 1.0
        t0 = tl.t
        self.event("start", side)
        p = stretch_plan(fault, self.draw, sr, cfg.stretch_hold_s)
        lat = sign * p.lateral_deg  # toward the side the person goes
        go = 1.0 if lat >= 0 else -1.0
        tl.hold(self.u(*sr.reaction_s))
        move0 = tl.t
        flex, rot = self.u(*sr.flexion_deg), go * abs(self.u(*sr.rotation_deg))
        tl.move(self.u(*sr.move_s), lat=lat * _D, neck_flex=flex * _D, rot=rot * _D)
        p0 = tl.t
        creep = self.u(*sr.creep_deg) * float(self.rng.choice([-1.0, 1.0]))
        tl.step(p0, p.hold_s, lat=creep * _D)
        freq = self.u(*sr.bounce_hz)
        if p.bounce_deg > 0:  # ± bounce about the stretch, smooth half-swings
            half = 0.5 / freq
            n = max(int(p.hold_s / half) - 2, 1)
            a = p.bounce_deg * _D
            tl.step(p0, half, lat=a)
            for k in range(n):
                tl.step(p0 + (k + 1) * half, half, lat=-2.0 * a if k % 2 == 0 else 2.0 * a)
            tl.step(p0 + (n + 1) * half, half, lat=a if n % 2 else -a)
        tl.hold(p.hold_s)
        p1 = tl.t
        ret_s = self.u(*sr.move_s)
        tl.step(p1, ret_s, lat=-creep * _D)
        tl.move(ret_s, lat=0.0, neck_flex=0.0, rot=0.0)
        back = tl.t
        tl.hold(self.u(*sr.end_cue_s))
        self.event("end", side)
        self.reps.append(
            RepPlan(
                side,
                index,
                t0,
                tl.t,
                fault=fault,
                near=p.near,
                phases={
                    "move_start_s": move0,
                    "plateau_start_s": p0,
                    "plateau_end_s": p1,
                    "return_end_s": back,
                },
                targets={
                    "lateral_deg": lat,
                    "flexion_deg": flex,
                    "rotation_deg": rot,
                    "hold_s": p.hold_s,
                    "bounce_deg": p.bounce_deg,
                    "bounce_hz": freq if p.bounce_deg > 0 else 0.0,
                    "creep_deg": creep,
                    "target_s": cfg.stretch_hold_s,
                },
            )
        )

    def stretch_faults(self, n: int) -> list[str | None]:
        cfg = self.cfg
        names = [canonical(f) for f in cfg.faults if canonical(f) in STRETCH_FAULTS]
        return _assign_faults(self.rng, n, names, cfg.fault_rate, list(STRETCH_FAULTS))

    def one_stretch(self) -> None:
        side = self.cfg.stretch or ("stretch_left", "stretch_right")[self.rng.integers(2)]
        (fault,) = self.stretch_faults(1)
        self._to_pose(1.5, 0.0, 0.0, 0.0)
        self.tl.hold(1.0)
        self.stretch_rep(side, 1, fault)

    def stretch_routine(self) -> None:
        sr, cfg = self.r.stretch, self.cfg
        n = cfg.stretch_reps or int(self.rng.integers(sr.reps[0], sr.reps[1] + 1))
        first = cfg.stretch or ("stretch_left", "stretch_right")[self.rng.integers(2)]
        other = "stretch_right" if first == "stretch_left" else "stretch_left"
        counts = {first: 0, other: 0}
        for k, fault in enumerate(self.stretch_faults(n)):
            side = first if k % 2 == 0 else other
            counts[side] += 1
            self.relaxed_rest(self.u(*(sr.first_rest_s if k == 0 else sr.rest_s)), (0.0, 0.0, 0.0))
            self.stretch_rep(side, counts[side], fault)


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


def build_posture(duration_s: float, rng: np.random.Generator, slouch_share: float = 0.0
                  ) -> Plan:
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
            b._to_pose(dur, b.u(0.0, 10.0), b.u(-3.0, 3.0), b.u(-5.0, 5.0))
            b.tl._values[-1][CHANNELS.index("slouch")] = b.u(12.0, 25.0) * _D
            b.tl.hold(min(b.u(20.0, 150.0), max(end - b.tl.t - 5.0, 0.5)))
            b._to_pose(b.u(2.0, 4.0), b.u(-2.0, 4.0), 0.0, 0.0)
            b.tl._values[-1][CHANNELS.index("slouch")] = 0.0
            continue
        b._to_pose(b.u(3.0, 8.0), b.u(18.0, 35.0), b.u(-3.0, 3.0), b.u(-5.0, 5.0))
        b.tl.hold(min(b.u(20.0, 150.0), max(end - b.tl.t - 5.0, 0.5)))
        b._to_pose(b.u(2.0, 4.0), b.u(-2.0, 4.0), 0.0, 0.0)
    b.tl.hold(max(end - b.tl.t, 0.5))
    b.event("end", "posture")
    b.tl.hold(1.0)  # the end cue lies inside the data
    return b.plan()


def build_scripted_retractions(reps: list[dict[str, float]], *, glide_s: float = 1.2,
                               kept_s: float = 1.5, rest_s: float = 2.5) -> Plan:
    """Calibration, then one retraction set doing exactly the given reps: hand-built cases.

    Parameters
    ----------
    reps : list of dict
        Per rep, any of ``posterior_mm``, ``superior_mm``, ``flexion_deg``, ``lateral_deg``,
        ``rotation_deg`` (missing: 0): what the head is commanded to do, relative to the rest.
    glide_s, kept_s, rest_s : float
        Timing of every rep (glide and return take ``glide_s``), s.
    """
    b = _Builder(ScriptConfig(), np.random.default_rng(0))
    b.tl.hold(2.0)
    b.calibrate()
    b.tl.hold(3.0)
    b.event("start", "retraction")
    onset = b.tl.t + 1.5
    for i, tg in enumerate(reps):
        deltas = {ch: tg.get(k, 0.0) * sc for k, (ch, sc) in _RETRACTION_CHANNELS.items()}
        k1 = onset + glide_s + kept_s
        b.tl.step(onset, glide_s, **deltas)
        b.tl.step(k1, glide_s, **{k: -v for k, v in deltas.items()})
        b.reps.append(RepPlan("retraction", i + 1, onset, k1 + glide_s, targets=dict(tg),
                              phases={"glide_start_s": onset, "kept_start_s": onset + glide_s,
                                      "kept_end_s": k1, "return_end_s": k1 + glide_s,
                                      "settled_s": k1 + glide_s}))
        onset = k1 + glide_s + rest_s
    b.tl.hold(onset - b.tl.t)
    b.event("end", "retraction")
    b.tl.hold(2.0)
    return b.plan()


def build_scripted_stretches(stretches: list[dict[str, float]], *, target_s: float = 30.0
                             ) -> Plan:
    """Calibration, then the given stretches: hand-built cases.

    Parameters
    ----------
    stretches : list of dict
        Per stretch: ``side`` (-1 left, +1 right; default +1), ``lateral_deg`` (toward the
        prescribed side; negative: the other side), ``hold_s`` and ``bounce_deg`` (± amplitude
        at 0.5 Hz).
    target_s : float
        The prescribed hold (recorded in the metadata by the caller), s.
    """
    b = _Builder(ScriptConfig(stretch_hold_s=target_s), np.random.default_rng(0))
    b.tl.hold(2.0)
    b.calibrate()
    for k, st in enumerate(stretches):
        side = "stretch_left" if st.get("side", 1.0) < 0 else "stretch_right"
        sign = -1.0 if side == "stretch_left" else 1.0
        b.tl.hold(4.0)
        t0 = b.tl.t
        b.event("start", side)
        b.tl.hold(1.0)
        b.tl.move(2.0, lat=sign * st.get("lateral_deg", 25.0) * _D)
        p0, hold = b.tl.t, st.get("hold_s", target_s)
        amp = st.get("bounce_deg", 0.0) * _D
        if amp:
            half, n = 1.0, max(int(hold) - 2, 1)
            b.tl.step(p0, half, lat=amp)
            for j in range(n):
                b.tl.step(p0 + (j + 1) * half, half, lat=-2.0 * amp if j % 2 == 0 else 2.0 * amp)
            b.tl.step(p0 + (n + 1) * half, half, lat=amp if n % 2 else -amp)
        b.tl.hold(hold)
        p1 = b.tl.t
        b.tl.move(2.0, lat=0.0)
        back = b.tl.t
        b.tl.hold(1.5)
        b.event("end", side)
        b.reps.append(RepPlan(side, k + 1, t0, b.tl.t, targets={**st, "target_s": target_s},
                              phases={"move_start_s": t0 + 1.0, "plateau_start_s": p0,
                                      "plateau_end_s": p1, "return_end_s": back}))
    b.tl.hold(2.0)
    return b.plan()


def build_rest(duration_s: float) -> Plan:
    """A person sitting still in the neutral pose for ``duration_s`` (no events)."""
    tl = Timeline()
    tl.hold(duration_s)
    return Plan(tl.build(), [], [])


# -- range of motion ------------------------------------------------------------------------------
def rom_person(rng: np.random.Generator, rr: RomRanges) -> tuple[dict[str, float], bool]:
    """One person's active range of motion per direction (deg) and whether they have neck pain.

    Healthy ranges are drawn per direction; with neck pain each direction loses 5-20 deg; left
    and right differ by a share of their mean (larger with neck pain), the smaller side drawn.
    """
    pain = bool(rng.random() < rr.neck_pain_share)
    base = {"flexion": rr.flexion_deg, "extension": rr.extension_deg,
            "lateral": rr.lateral_deg, "rotation": rr.rotation_deg}
    out: dict[str, float] = {}
    for name, lim in base.items():
        mean = float(rng.uniform(*lim))
        loss = float(rng.uniform(*rr.neck_pain_loss_deg)) if pain else 0.0
        if name in ("flexion", "extension"):
            out[name] = mean - loss
            continue
        mean -= loss
        asym = float(rng.uniform(*(rr.neck_pain_asymmetry if pain else rr.asymmetry)))
        smaller = ("left", "right")[int(rng.integers(2))]
        for side in ("left", "right"):
            out[f"{name}_{side}"] = mean * (1.0 - asym / 2.0 if side == smaller
                                            else 1.0 + asym / 2.0)
    return {d: out[d] for d in ROM_DIRECTIONS}, pain


def _rom_pose(b: _Builder, direction: str, angle_deg: float, lower: float
              ) -> dict[str, float]:
    """Channel targets (rad) of the end of one movement, coupled motion included."""
    rr = b.r.rom
    flex = lat = rot = 0.0
    if direction in ("flexion", "extension"):
        flex = angle_deg if direction == "flexion" else -angle_deg
        lat, rot = b.rng.normal(0.0, 1.0, 2)
    else:
        side = -1.0 if direction.endswith("_left") else 1.0
        if direction.startswith("lateral"):
            lat = side * angle_deg
            rot = side * angle_deg * b.u(*rr.tilt_turn)
        else:
            rot = side * angle_deg
            lat = side * angle_deg * b.u(*rr.turn_tilt)
        flex = b.u(*rr.coupled_flexion_deg)
    return {"neck_flex": lower * flex * _D, "nod_flex": (1.0 - lower) * flex * _D,
            "lat": lat * _D, "rot": rot * _D}


def _rom_window(b: _Builder, person_deg: dict[str, float]) -> None:
    """The ``rom`` window: one movement per cue, each direction ``rom_reps`` times in a row."""
    cfg, rr, tl = b.cfg, b.r.rom, b.tl
    t_start = tl.t
    b.event("start", "rom")
    rep = RepPlan("rom", 1, t_start, t_start, targets={"person_rom_deg": dict(person_deg),
                                                       "movements": []})
    k = 0
    for direction in cfg.rom_directions:
        for r in range(cfg.rom_reps):
            cue = t_start + cfg.rom_lead_s + k * cfg.rom_move_s
            k += 1
            tl.hold(max(cue - tl.t, 1e-3))
            react = b.u(*rr.reaction_s)
            out_s, pause, back_s = b.u(*rr.move_s), b.u(*rr.end_pause_s), b.u(*rr.move_s)
            room = cfg.rom_move_s - react - 0.8  # back and settled before the next cue
            scale = min(1.0, room / (out_s + pause + back_s))
            angle = person_deg[direction] * b.u(*rr.reach_fraction)
            tl.hold(react)
            onset = tl.t
            tl.move(out_s * scale, **_rom_pose(b, direction, angle, b.u(*rr.lower_share)))
            tl.hold(pause * scale)
            off = b.rng.normal(0.0, rr.rest_offset_sd_deg, 3)
            tl.move(back_s * scale, neck_flex=off[0] * _D, nod_flex=0.0, lat=off[1] * _D,
                    rot=off[2] * _D)
            rep.phases[f"{direction}_{r + 1}_onset_s"] = onset
            rep.targets["movements"].append(
                {"direction": direction, "rep": r + 1, "angle_deg": angle})
    tl.hold(max(t_start + cfg.rom_lead_s + k * cfg.rom_move_s - tl.t, 1e-3))
    b.event("end", "rom")
    rep.end_s = tl.t
    b.reps.append(rep)


def build_rom(cfg: ScriptConfig, rng: np.random.Generator) -> Plan:
    """The range-of-motion routine: calibrate, then one ``rom`` window.

    The person's range is drawn once (:func:`rom_person`); after ``rom_lead_s`` each direction
    of ``rom_directions`` is cued ``rom_reps`` times in a row, one cue every ``rom_move_s``
    (the routine's timing, ``neckimu/protocols/rom.toml``): after a reaction time the head moves
    to 88-100 % of the range, pauses, and comes back near neutral.

    Parameters
    ----------
    cfg : ScriptConfig
    rng : numpy.random.Generator
    """
    _check(cfg)
    unknown = [d for d in cfg.rom_directions if d not in ROM_DIRECTIONS]
    if unknown or cfg.rom_reps < 1 or cfg.rom_move_s < 3.0:
        raise ValueError(f"rom needs directions of {', '.join(ROM_DIRECTIONS)}, reps >= 1 and "
                         f"move_s >= 3 s (not {unknown or cfg.rom_reps or cfg.rom_move_s})")
    b = _Builder(cfg, rng)
    person_deg, pain = rom_person(rng, b.r.rom)
    b.tl.hold(cfg.initial_rest_s)
    b.calibrate()
    b.relaxed_rest(4.0, (0.0, 0.0, 0.0))
    _rom_window(b, person_deg)
    b.reps[-1].targets["neck_pain"] = pain
    b.tl.hold(max(cfg.final_rest_s, 0.5))
    return b.plan()
