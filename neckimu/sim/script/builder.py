"""The primitives a script is built from: draws, cues, poses, calibration, rests and fidgets."""

from __future__ import annotations

import numpy as np

from neckimu.sim.faults import (
    Draw,
)
from neckimu.sim.motion import Timeline
from neckimu.sim.script.plan import Plan, RepPlan, ScriptConfig

_D = np.pi / 180.0
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


class _BuilderBase:
    """A session being scripted: its timeline, events, reps and fidgets, and the moves every
    part uses."""

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

    def to_pose(self, dur: float, flex_deg: float, lat_deg: float, rot_deg: float) -> None:
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
            self.to_pose(1.0, *(np.array(base) + off))
        self.to_pose(1.0, *base)
        still = self.tl.t
        self.tl.hold(max(0.8, end - self.tl.t))
        self.fidget(still + 0.2, self.tl.t - 0.7)  # settled again before the next cue
