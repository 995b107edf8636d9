"""The range-of-motion routine: one person's range, and each direction to its end and back."""

from __future__ import annotations

import numpy as np

from neckimu.sim.ranges import RomRanges
from neckimu.sim.script.builder import _D
from neckimu.sim.script.exercises import _Builder
from neckimu.sim.script.plan import Plan, RepPlan, ScriptConfig
from neckimu.sim.script.routines import _check
from neckimu.verify.reps import ROM_DIRECTIONS


def rom_person(rng: np.random.Generator, rr: RomRanges) -> tuple[dict[str, float], bool]:
    """One person's active range of motion per direction (deg) and whether they have neck pain.

    Healthy ranges are drawn per direction; with neck pain each direction loses 5-20 deg; left
    and right differ by a share of their mean (larger with neck pain), the smaller side drawn.
    """
    pain = bool(rng.random() < rr.neck_pain_share)
    base = {
        "flexion": rr.flexion_deg,
        "extension": rr.extension_deg,
        "lateral": rr.lateral_deg,
        "rotation": rr.rotation_deg,
    }
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
            out[f"{name}_{side}"] = mean * (
                1.0 - asym / 2.0 if side == smaller else 1.0 + asym / 2.0
            )
    return {d: out[d] for d in ROM_DIRECTIONS}, pain


def _rom_pose(b: _Builder, direction: str, angle_deg: float, lower: float) -> dict[str, float]:
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
    return {
        "neck_flex": lower * flex * _D,
        "nod_flex": (1.0 - lower) * flex * _D,
        "lat": lat * _D,
        "rot": rot * _D,
    }


def _rom_window(b: _Builder, person_deg: dict[str, float]) -> None:
    """The ``rom`` window: one movement per cue, each direction ``rom_reps`` times in a row."""
    cfg, rr, tl = b.cfg, b.r.rom, b.tl
    t_start = tl.t
    b.event("start", "rom")
    rep = RepPlan(
        "rom", 1, t_start, t_start, targets={"person_rom_deg": dict(person_deg), "movements": []}
    )
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
            tl.move(
                back_s * scale,
                neck_flex=off[0] * _D,
                nod_flex=0.0,
                lat=off[1] * _D,
                rot=off[2] * _D,
            )
            rep.phases[f"{direction}_{r + 1}_onset_s"] = onset
            rep.targets["movements"].append(
                {"direction": direction, "rep": r + 1, "angle_deg": angle}
            )
    tl.hold(max(t_start + cfg.rom_lead_s + k * cfg.rom_move_s - tl.t, 1e-3))
    b.event("end", "rom")
    rep.end_s = tl.t
    b.reps.append(rep)


def build_rom(cfg: ScriptConfig, rng: np.random.Generator) -> Plan:
    """The range-of-motion routine: calibrate, then one ``rom`` window.

    The person's range is drawn once (:func:`rom_person`); after ``rom_lead_s`` each direction
    of ``rom_directions`` is cued ``rom_reps`` times in a row, one cue every ``rom_move_s``
    (the routine's timing, ``neckimu/routines/rom.toml``): after a reaction time the head moves
    to 88-100 % of the range, pauses, and comes back near neutral.

    Parameters
    ----------
    cfg : ScriptConfig
    rng : numpy.random.Generator
    """
    _check(cfg)
    unknown = [d for d in cfg.rom_directions if d not in ROM_DIRECTIONS]
    if unknown or cfg.rom_reps < 1 or cfg.rom_move_s < 3.0:
        raise ValueError(
            f"rom needs directions of {', '.join(ROM_DIRECTIONS)}, reps >= 1 and "
            f"move_s >= 3 s (not {unknown or cfg.rom_reps or cfg.rom_move_s})"
        )
    b = _Builder(cfg, rng)
    person_deg, pain = rom_person(rng, b.r.rom)
    b.tl.hold(cfg.initial_rest_s)
    b.calibrate()
    b.relaxed_rest(4.0, (0.0, 0.0, 0.0))
    _rom_window(b, person_deg)
    b.reps[-1].targets["neck_pain"] = pain
    b.tl.hold(max(cfg.final_rest_s, 0.5))
    return b.plan()
