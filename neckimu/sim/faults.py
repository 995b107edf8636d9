"""Mistakes the simulated person makes, drawn around the pass rules' own thresholds.

Every fault's size is drawn either *near* its threshold (``near_share`` of the time: a factor
0.6–1.5 of the threshold, so about half of them end up just inside the rule and half just
beyond) or *clearly* beyond it. The thresholds are read from the verifiers' pass-rule
dataclasses (``HoldCriteria``, ``RetractionCriteria``, ``StretchCriteria``), never copied, so
moving a threshold moves the simulated mistakes with it. Whether a rep then passes or fails
is decided by the rule applied to what the head really did (``neckimu.sim.truth``), not by
what was injected.

Fault names: holds ``moved`` (a quick jerk or a slow drift), ``creep`` (a drift over the whole
hold), ``tipped_back`` (``hold_flexion`` only); retraction ``extension``, ``protraction``,
``downward``, ``nod_only``, ``lateral``, ``too_small`` and combinations ``a+b`` of two of them;
stretches ``not_reached``, ``wrong_side``, ``short``, ``unsteady`` (the older names
``stretch_short`` and ``stretch_unsteady`` still work).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neckimu.sim.ranges import RetractionRanges, StretchRanges
from neckimu.verify.hold import HoldCriteria
from neckimu.verify.retraction import RetractionCriteria
from neckimu.verify.stretch import StretchCriteria

HOLD_FAULTS: tuple[str, ...] = ("moved", "creep", "tipped_back")
RETRACTION_FAULTS: tuple[str, ...] = (
    "extension",
    "protraction",
    "downward",
    "nod_only",
    "lateral",
    "too_small",
)
STRETCH_FAULTS: tuple[str, ...] = ("not_reached", "wrong_side", "short", "unsteady")
#: With a trunk (``SessionConfig(trunk=True)``, issue 15): ``trunk_lean`` (a retraction made by
#: leaning the trunk back, gaze kept level) and ``slouch`` (desk sessions: some slumps round
#: the trunk instead of bending the neck).
TRUNK_FAULTS: tuple[str, ...] = ("trunk_lean", "slouch")
#: older names of stretch faults -> the names the verifier uses
LEGACY_NAMES: dict[str, str] = {"stretch_short": "short", "stretch_unsteady": "unsteady"}
FAULTS: tuple[str, ...] = (
    HOLD_FAULTS + RETRACTION_FAULTS + STRETCH_FAULTS + tuple(LEGACY_NAMES) + TRUNK_FAULTS
)
#: retraction faults that can come together (the second changes other quantities than the first)
COMBINATIONS: dict[str, tuple[str, ...]] = {
    "too_small": ("extension", "lateral"),
    "extension": ("lateral", "protraction", "downward"),
    "protraction": ("lateral", "extension"),
    "downward": ("lateral", "extension"),
    "nod_only": ("lateral",),
    "lateral": ("too_small", "downward", "extension"),
}

#: The pass rules (the verifiers' defaults) the mistakes are drawn around.
HOLD_RULE, RETRACTION_RULE, STRETCH_RULE = HoldCriteria(), RetractionCriteria(), StretchCriteria()

#: factor of the threshold for a fault drawn near it (about half inside, half beyond)
NEAR: tuple[float, float] = (0.6, 1.5)


def is_known(name: str) -> bool:
    """Whether ``name`` is a fault (or a combination ``a+b`` of two retraction faults)."""
    parts = name.split("+")
    if len(parts) == 1:
        return name in FAULTS
    return len(parts) == 2 and parts[0] != parts[1] and all(p in RETRACTION_FAULTS for p in parts)


def canonical(name: str) -> str:
    """The verifier's name of a fault (maps the older stretch names)."""
    return LEGACY_NAMES.get(name, name)


@dataclass
class Draw:
    """Draws fault sizes: near a threshold (``near_share`` of the time) or clearly beyond.

    Parameters
    ----------
    rng : numpy.random.Generator
    near_share : float
        Probability that a fault is drawn near its threshold, 0..1.
    """

    rng: np.random.Generator
    near_share: float

    def u(self, lo: float, hi: float) -> float:
        """Uniform draw in [lo, hi]."""
        return float(self.rng.uniform(lo, hi))

    def factor(
        self, clear: tuple[float, float], near_range: tuple[float, float] = NEAR
    ) -> tuple[float, bool]:
        """A factor of the threshold: in ``near_range`` or in ``clear``; and whether near."""
        near = bool(self.rng.random() < self.near_share)
        return self.u(*(near_range if near else clear)), near


# -- holds --------------------------------------------------------------------------------------
def hold_amplitude(d: Draw, crit: HoldCriteria = HOLD_RULE) -> tuple[float, bool]:
    """Size of a movement during a hold, deg, and whether it was drawn near the tolerance.

    Near: 0.5-1.5 times the tolerance (1-3 deg for 2 deg); clear: 1.5-4 times (3-8 deg).
    """
    k, near = d.factor((1.5, 4.0), (0.5, 1.5))
    return crit.tolerance_deg * k, near


# -- retraction ---------------------------------------------------------------------------------
def correct_glide(d: Draw, r: RetractionRanges) -> dict[str, float]:
    """A rep meant to be right: glide size and direction, chin tuck, a little tilt and turn.

    Returns ``posterior_mm``, ``superior_mm``, ``flexion_deg``, ``lateral_deg``,
    ``rotation_deg`` (commanded changes from the rest before the rep).
    """
    size, ang = d.u(*r.glide_mm), np.radians(d.u(*r.path_deg))
    off = np.clip(
        d.rng.normal(0.0, r.off_axis_sd_deg, 2), -3.0 * r.off_axis_sd_deg, 3.0 * r.off_axis_sd_deg
    )
    return {
        "posterior_mm": size * float(np.cos(ang)),
        "superior_mm": size * float(np.sin(ang)),
        "flexion_deg": d.u(*r.tuck_deg),
        "lateral_deg": float(off[0]),
        "rotation_deg": float(off[1]),
    }


def apply_retraction_fault(
    tg: dict[str, float],
    fault: str,
    d: Draw,
    r: RetractionRanges,
    crit: RetractionCriteria = RETRACTION_RULE,
    alone: bool = True,
) -> bool:
    """Change the commanded rep ``tg`` (see :func:`correct_glide`) by one fault, in place.

    Parameters
    ----------
    alone : bool
        False when the fault comes with another: it then changes only its own quantities.

    Returns
    -------
    bool
        Whether the fault's size was drawn near its threshold.
    """
    sign = float(d.rng.choice([-1.0, 1.0]))
    if fault == "extension":
        k, near = d.factor((1.5, 3.5))
        tg["flexion_deg"] = -crit.extension_deg * k
        if alone and d.rng.random() < 0.5:  # tipping back instead of gliding
            tg["posterior_mm"] *= d.u(0.0, 0.3)
            tg["superior_mm"] *= d.u(0.0, 0.3)
    elif fault == "protraction":
        k, near = d.factor((2.0, 5.0))
        tg["posterior_mm"] = -crit.protraction_mm * k
        if alone:
            tg["superior_mm"], tg["flexion_deg"] = d.u(-3.0, 3.0), d.u(-3.0, 3.0)
    elif fault == "downward":
        k, near = d.factor((1.3, 3.0))
        tg["superior_mm"] = -crit.downward_mm * k
        if alone:
            tg["posterior_mm"], tg["flexion_deg"] = d.u(0.0, 20.0), d.u(0.0, 6.0)
    elif fault == "nod_only":
        k, near = d.factor((1.5, 2.8))
        tg["flexion_deg"] = crit.nod_flexion_deg * k
        glide = d.u(0.0, 1.3) if near else d.u(0.0, 0.5)
        tg["posterior_mm"] = crit.min_glide_mm * glide  # mostly instead of a glide
        tg["superior_mm"] = d.u(-1.5, 2.0)
    elif fault == "lateral":
        k, near = d.factor((1.3, 3.0))
        tg["lateral_deg" if d.rng.random() < 0.5 else "rotation_deg"] = sign * crit.lateral_deg * k
    elif fault == "too_small":
        k, near = d.factor((0.25, 0.6), (0.6, 1.2))  # a too-small glide stays small
        post = crit.min_glide_mm * k
        tg["posterior_mm"] = post
        tg["superior_mm"] = post * float(np.tan(np.radians(d.u(5.0, 40.0))))
        tg["flexion_deg"] *= min(k, 1.0)  # a small glide comes with a small chin tuck
    else:
        raise ValueError(f"unknown retraction fault {fault!r}")
    return near


def retraction_targets(
    fault: str | None, d: Draw, r: RetractionRanges, crit: RetractionCriteria = RETRACTION_RULE
) -> tuple[dict[str, float], bool]:
    """Commanded rep for ``fault`` (None, one fault or ``a+b``); and whether any part of it was
    drawn near its threshold."""
    tg = correct_glide(d, r)
    if not fault:
        return tg, False
    parts = fault.split("+")
    near = [apply_retraction_fault(tg, f, d, r, crit, alone=len(parts) == 1) for f in parts]
    return tg, any(near)


def trunk_lean_mm(d: Draw) -> tuple[float, bool]:
    """How far a ``trunk_lean`` rep's trunk carries the head back, mm, and whether near the
    threshold (``TrunkCriteria.trunk_glide_mm``): near 0.6-1.5 times it, clear 1.5-5 times
    (12-40 mm for 8 mm: the glide a person means to fake)."""
    from neckimu.verify.trunk_lean import TrunkCriteria

    k, near = d.factor((1.5, 5.0))
    return TrunkCriteria().trunk_glide_mm * k, near


# -- stretches ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class StretchPlan:
    """A stretch as the person means to do it.

    Attributes
    ----------
    lateral_deg : float
        Lateral flexion toward the prescribed side (negative: the other side), deg.
    hold_s : float
        Time kept in the stretch, s.
    bounce_deg : float
        ± amplitude of a bounce during the hold (0: steady), deg.
    near : bool
        Whether the fault's size was drawn near its threshold.
    """

    lateral_deg: float
    hold_s: float
    bounce_deg: float
    near: bool


def stretch_plan(
    fault: str | None,
    d: Draw,
    r: StretchRanges,
    target_s: float,
    crit: StretchCriteria = STRETCH_RULE,
) -> StretchPlan:
    """How far, how long and how steadily a stretch with ``fault`` (or None) is done."""
    fault = canonical(fault) if fault else None
    amp = d.u(*r.reached_deg)
    hold = target_s * d.u(*r.hold_fraction)
    bounce, near = 0.0, False
    if fault == "not_reached":
        k, near = d.factor((0.15, 0.6))
        amp = crit.min_reached_deg * k
    elif fault == "wrong_side":
        if d.rng.random() < d.near_share:
            amp, near = -crit.wrong_side_deg * d.u(*NEAR), True
        else:
            amp = -amp
    elif fault == "short":
        k, near = d.factor((0.25, 0.65), (0.8, 1.15))
        hold = crit.min_fraction * target_s * k
    elif fault == "unsteady":
        k, near = d.factor((1.5, 3.0))
        bounce = crit.max_unsteadiness_deg * k
    elif fault is not None:
        raise ValueError(f"unknown stretch fault {fault!r}")
    return StretchPlan(amp, hold, bounce, near)
