"""How the simulated person does each exercise: holds, retractions and stretches, with the
mistakes drawn for them."""

from __future__ import annotations

import numpy as np

from neckimu.recording.events import HOLDS
from neckimu.sim.faults import (
    COMBINATIONS,
    HOLD_FAULTS,
    RETRACTION_FAULTS,
    STRETCH_FAULTS,
    canonical,
    hold_amplitude,
    retraction_targets,
    stretch_plan,
    trunk_lean_mm,
)
from neckimu.sim.script.builder import (
    _D,
    _GLIDE_CHANNELS,
    _RETRACTION_CHANNELS,
    _assign_faults,
    _BuilderBase,
)
from neckimu.sim.script.plan import RepPlan

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


class _Builder(_BuilderBase):
    """A session being scripted, with the exercises (the primitives are
    :class:`_BuilderBase`'s)."""

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
        self.to_pose(1.5, *base)
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

    def _trunk_lean(
        self, tg: dict[str, float], onset: float, glide_s: float, k1: float, ret_s: float
    ) -> tuple[dict[str, float], bool]:
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
        self.to_pose(1.5, 0.0, 0.0, 0.0)
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
