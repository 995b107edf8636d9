"""Stretch holds: reach a position and keep it steadily for ~30 s.

The stretch's main angle (lateral flexion for ``stretch_left``/``stretch_right``, flexion for
``stretch_flexion``, rotation for ``stretch_rotation_*``; otherwise the angle that moves most)
is low-passed; the *reached* angle is the median of its plateau (samples beyond 70 % of the
peak). Time held is the time spent within ``band_deg`` of the reached angle; steadiness is the
standard deviation of the angle while held.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from neckimu.recording.events import Window
from neckimu.verify.context import Context
from neckimu.verify.segments import lowpass

#: (angle index, sign) of the stretch direction: 0 flexion, 1 lateral (+ right), 2 rotation.
_AXIS = {"stretch_left": (1, -1), "stretch_right": (1, 1), "stretch_flexion": (0, 1),
         "stretch_rotation_left": (2, -1), "stretch_rotation_right": (2, 1)}
_AXIS_NAMES = ("flexion", "lateral flexion", "rotation")


@dataclass(frozen=True)
class StretchCriteria:
    """Thresholds of the stretch verifier (the pass rule; docs/verification.md).

    Attributes
    ----------
    target_s : float
        Prescribed hold time, s, unless the recording's metadata says otherwise
        (``stretch_hold_s``: {exercise: s}, written from the guided protocol).
    min_fraction : float
        Share of ``target_s`` that must be held to pass.
    min_reached_deg : float
        Smallest reached angle toward the prescribed side, deg.
    wrong_side_deg : float
        A reached angle below −this (toward the other side) is ``wrong_side``, deg.
    band_deg : float
        Half-width of the band around the reached angle that counts as held, deg (at most
        half the reached angle).
    max_unsteadiness_deg : float
        Largest ± excursion of the angle about its trend over the plateau, deg.
    """

    target_s: float = 30.0
    min_fraction: float = 0.8
    min_reached_deg: float = 15.0
    wrong_side_deg: float = 5.0
    band_deg: float = 5.0
    max_unsteadiness_deg: float = 2.0


def unsteadiness_deg(theta_deg: np.ndarray) -> float:
    """± excursion of an angle about its linear trend: half its 5-95th percentile range, deg.

    A bounce of ±A deg gives ~A; a slow creep (a trend) gives ~0.

    Parameters
    ----------
    theta_deg : ndarray, shape (n,)
        The stretch angle over the hold plateau, deg.
    """
    if len(theta_deg) < 3:
        return 0.0
    x = np.arange(len(theta_deg), dtype=float)
    resid = theta_deg - np.polyval(np.polyfit(x, theta_deg, 1), x)
    p5, p95 = np.percentile(resid, [5.0, 95.0])
    return float(0.5 * (p95 - p5))


def classify_stretch(reached_deg: float, held_s: float, unsteady_deg: float, target_s: float,
                     crit: StretchCriteria = StretchCriteria()) -> list[str]:
    """Fault names of one stretch (the pass rule), most important first; [] for a pass.

    Parameters
    ----------
    reached_deg : float
        Reached angle, signed so the prescribed direction is positive, deg.
    held_s : float
        Time held near the reached angle, s.
    unsteady_deg : float
        :func:`unsteadiness_deg` over the plateau, deg.
    target_s : float
        Prescribed hold, s.
    """
    if reached_deg < -crit.wrong_side_deg:
        return ["wrong_side"]
    if reached_deg < crit.min_reached_deg:
        return ["not_reached"]
    faults = []
    if held_s < crit.min_fraction * target_s:
        faults.append("short")
    if unsteady_deg > crit.max_unsteadiness_deg:
        faults.append("unsteady")
    return faults


def verify_stretch(ctx: Context, w: Window, index: int, total: int,
                   crit: StretchCriteria = StretchCriteria()) -> dict[str, Any]:
    """Judge one stretch window; returns its JSON record."""
    i0, i1 = ctx.index(w.start_s, w.end_s)
    side = w.exercise.removeprefix("stretch_").replace("_", " ")
    name = f"stretch {side} {index}/{total}"
    rec: dict[str, Any] = {"exercise": w.exercise, "index": index, "of": total,
                           "start_s": round(w.start_s, 3), "end_s": round(w.end_s, 3),
                           "max_deviation_deg": None, "displacement_mm": None,
                           "path_angle_deg": None}
    ts = ctx.analysis.orientation.ts
    if (i1 - i0) * ts < 1.0:
        rec.update(verdict="fail", faults=["no_data"], message=f"{name}: no data in this window")
        return rec
    ang = lowpass(ctx.analysis.angles_deg[i0:i1], ts)
    if w.exercise in _AXIS:
        axis, sign = _AXIS[w.exercise]
    else:
        axis = int(np.argmax(np.abs(ang).max(axis=0)))
        sign = 1 if ang[np.argmax(np.abs(ang[:, axis])), axis] >= 0 else -1
    a = sign * ang[:, axis]
    peak = float(a.max())
    reached = float(np.median(a[a >= 0.7 * peak])) if peak > 0 else 0.0
    held_mask = np.abs(a - reached) <= crit.band_deg
    held_s = float(held_mask.sum() * ts)
    prescribed = ctx.analysis.recording.meta.get("stretch_hold_s")
    target_s = crit.target_s
    if isinstance(prescribed, dict) and isinstance(prescribed.get(w.exercise), (int, float)):
        target_s = float(prescribed[w.exercise])
    steadiness = float(a[held_mask].std()) if held_mask.any() else float("nan")
    faults = []
    if held_s < crit.min_fraction * target_s:
        faults.append("short")
    if steadiness > crit.max_unsteadiness_deg:
        faults.append("unsteady")
    rec.update(verdict="fail" if faults else "pass", faults=faults, axis=_AXIS_NAMES[axis],
               reached_deg=round(reached, 1), held_s=round(held_s, 1), target_s=target_s,
               steadiness_deg=round(steadiness, 2))
    if not faults:
        rec["message"] = (f"{name}: pass, held {held_s:.0f} s at {reached:.0f} deg "
                          f"(steady, ±{steadiness:.1f} deg)")
    elif faults[0] == "short":
        rec["message"] = (f"{name}: fail, held only {held_s:.0f} s of {target_s:.0f} "
                          "(stay in the stretch longer)")
    else:
        rec["message"] = (f"{name}: fail, unsteady (±{steadiness:.1f} deg; hold the position "
                          "still and breathe)")
    return rec
