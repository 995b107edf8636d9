"""Cervical retraction: glide the head straight back and slightly up, keep, return.

Inside the ``retraction`` window the verifier finds each rep as a pair of movements — the
glide out and the return — separated by the kept position, with the head still before, during
the kept phase and after. For each rep it measures, from the still phase before to the kept
position:

- the head-centre displacement (posterior, superior; mm) in the neutral (trunk) frame, by
  double integration of gravity-free acceleration over the glide with zero velocity at both
  ends and the sensor's lever arm removed (``neckimu.translation``);
- the path elevation ``atan2(superior, posterior)`` (deg above the posterior horizontal);
- the change of flexion, lateral flexion and rotation (deg).

The glide out and the return are two independent measurements of the same excursion; each
figure is their average (the return's sign flipped), which halves the integration noise.

Faults (docs/verification.md): ``extension`` (tipped back), ``protraction`` (moved forward),
``downward`` (dropped), ``nod_only`` (flexion without a glide), ``lateral`` (tilted or turned),
and ``too_small`` (correct form, glide too short) — the last only when no other fault explains
the rep. Retraction combines lower-cervical extension with upper-cervical flexion (Ordway et
al. 1999), so the head flexes as it glides; flexion alone is a fault only without the glide.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from neckimu.recording.events import Window
from neckimu.translation import head_centre_displacement, linear_acceleration
from neckimu.verify.context import Context
from neckimu.verify.segments import Burst, bursts, moving_mask


@dataclass(frozen=True)
class RetractionCriteria:
    """Thresholds of the retraction verifier (mm and deg as named).

    Attributes
    ----------
    min_glide_mm : float
        Shortest posterior glide of a complete rep (correct reps glide ~10-30 mm).
    protraction_mm : float
        Posterior displacement below −this: the head went forward.
    downward_mm : float
        Superior displacement below −this: the head dropped.
    extension_deg : float
        Flexion change below −this: the head tipped back.
    nod_flexion_deg : float
        Flexion change above this with less than ``nod_glide_mm`` of glide: a nod, not a glide.
    nod_glide_mm : float
        See ``nod_flexion_deg``.
    lateral_deg : float
        Lateral flexion or rotation change beyond this: tilted or turned.
    still_s : float
        Still time averaged before and at the kept position, s.
    moving_deg_s, moving_m_s2 : float
        Low-passed angular speed (deg/s) or linear acceleration (m/s²) above which the head
        moves: a 1 cm glide in 1.3 s peaks at ~0.03 m/s² and turns the head little.
    merge_s : float
        Pauses shorter than this join two movements into one, s. A smooth glide's acceleration
        crosses zero at its peak speed, which can look like a 0.3 s pause; the kept and rest
        phases last a second or more.
    margin_s : float
        Time beyond the set's window searched for the still phases of its first and last rep, s.
    """

    min_glide_mm: float = 10.0
    protraction_mm: float = 5.0
    downward_mm: float = 4.0
    extension_deg: float = 4.0
    nod_flexion_deg: float = 7.0
    nod_glide_mm: float = 5.0
    lateral_deg: float = 5.0
    still_s: float = 0.5
    moving_deg_s: float = 2.0
    moving_m_s2: float = 0.02
    merge_s: float = 0.5
    margin_s: float = 1.5


def target_corridor(near_mm: float = 10.0, far_mm: float = 30.0, low_deg: float = 10.0,
                    high_deg: float = 40.0) -> list[tuple[float, float]]:
    """The target of a glide, for drawing: (posterior mm, superior mm) corners of the area
    ``near_mm``..``far_mm`` back and ``low_deg``..``high_deg`` above the posterior horizontal
    (a gentle back-and-slightly-up diagonal; ``RetractionCriteria`` judges the reps)."""
    lo, hi = np.tan(np.radians(low_deg)), np.tan(np.radians(high_deg))
    return [(near_mm, near_mm * lo), (far_mm, far_mm * lo), (far_mm, far_mm * hi),
            (near_mm, near_mm * hi)]


@dataclass
class _Move:
    burst: Burst
    d_angles: np.ndarray  # flexion, lateral, rotation change, deg
    d_mm: np.ndarray  # head-centre displacement (x forward, y left, z up), mm

    def features(self) -> np.ndarray:
        """Scaled so 3 deg and 8 mm weigh the same, for comparing movements (the angles of a
        small movement are measured more reliably than its displacement)."""
        return np.concatenate([self.d_angles / 3.0, self.d_mm[[0, 2]] / 8.0])


def _measure(ctx: Context, i0: int, i1: int, b: Burst, prev_stop: int, next_start: int,
             sig: dict[str, np.ndarray], crit: RetractionCriteria) -> _Move:
    ts = ctx.analysis.orientation.ts
    n_still = max(1, round(crit.still_s / ts))
    before = slice(max(0, prev_stop, b.start - n_still), max(b.start, 1))
    last = len(sig["angles"]) - 1
    after = slice(min(b.stop, last), max(b.stop + 1, min(next_start, b.stop + n_still)))
    ang = sig["angles"]
    d_ang = ang[after].mean(axis=0) - ang[before].mean(axis=0)
    s, e = before.start, min(after.stop, len(sig["gyr"]))
    ref = s + round(0.5 * (before.stop - before.start))  # integrate from mid still phase
    gyr = sig["gyr"][ref:e]
    d = head_centre_displacement(
        ctx.t[i0 + ref : i0 + e], sig["acc"][ref:e], gyr, ts,
        slice(0, max(1, before.stop - ref)), slice(after.start - ref, after.stop - ref),
        sig["m_ns"][ref], sig["m_nh"][ref:e], ctx.lever_arm_m)
    d = d[after.start - ref :].mean(axis=0)
    return _Move(b, d_ang, d * 1e3)


def _pair(moves: list[_Move]) -> list[tuple[_Move, _Move]]:
    """Glide/return pairs: consecutive movements where the second undoes the first."""
    out, i = [], 0
    while i + 1 < len(moves):
        f1, f2 = moves[i].features(), moves[i + 1].features()
        size = max(np.linalg.norm(f1), np.linalg.norm(f2))
        if size > 0.5 and np.linalg.norm(f1 + f2) <= 0.75 * size:
            out.append((moves[i], moves[i + 1]))
            i += 2
        else:
            i += 1  # a fidget or a half rep: not a rep
    return out


def classify(posterior_mm: float, superior_mm: float, d_angles: np.ndarray,
             crit: RetractionCriteria = RetractionCriteria()) -> list[str]:
    """Fault names of one rep, in the order they matter to people; [] for a correct rep."""
    flex, lat, rot = d_angles
    faults = []
    if flex < -crit.extension_deg:
        faults.append("extension")
    if posterior_mm < -crit.protraction_mm:
        faults.append("protraction")
    if superior_mm < -crit.downward_mm:
        faults.append("downward")
    if flex > crit.nod_flexion_deg and posterior_mm < crit.nod_glide_mm:
        faults.append("nod_only")
    if max(abs(lat), abs(rot)) > crit.lateral_deg:
        faults.append("lateral")
    if not faults and posterior_mm < crit.min_glide_mm:
        faults.append("too_small")
    return faults


def _message(name: str, faults: list[str], post: float, sup: float, angle: float,
             d_ang: np.ndarray) -> str:
    flex, lat, rot = d_ang
    if not faults:
        return f"{name}: pass, glided {post:.0f} mm back and {sup:.0f} mm up ({angle:.0f} deg)"
    f = faults[0]
    side = lat if abs(lat) >= abs(rot) else rot
    what = {
        "extension": f"head tipped back {-flex:.0f} deg (keep the chin tucked)",
        "protraction": f"head moved forward {-post:.0f} mm (glide backward, not forward)",
        "downward": f"head dropped {-sup:.0f} mm (glide back and slightly up)",
        "nod_only": f"nodded {flex:.0f} deg without gliding (slide the head back, chin level)",
        "lateral": (f"head {'tilted' if abs(lat) >= abs(rot) else 'turned'} "
                    f"{abs(side):.0f} deg to the {'right' if side > 0 else 'left'} "
                    "(keep the head level and facing forward)"),
        "too_small": f"glided only {max(post, 0):.0f} mm (aim for 1-3 cm)",
    }[f]
    more = f"; also {', '.join(faults[1:])}" if len(faults) > 1 else ""
    return f"{name}: fail, {what}{more}"


def verify_retraction_set(ctx: Context, w: Window,
                          crit: RetractionCriteria = RetractionCriteria()) -> list[dict[str, Any]]:
    """Find and judge every rep inside one ``retraction`` window; returns their JSON records."""
    # segment with a margin: the still phases of the first and last rep may lie outside
    i0, i1 = ctx.index(w.start_s - crit.margin_s, w.end_s + crit.margin_s)
    if i1 - i0 < 10:
        return []
    ts = ctx.analysis.orientation.ts
    samples = ctx.analysis.recording.samples
    m_nh = ctx.head_to_neutral(i0, i1)
    m_ns = m_nh @ ctx.sensor_to_head.as_matrix()
    gyr = samples.gyr[i0:i1] - ctx.analysis.orientation.bias[i0:i1]
    sig = {"angles": ctx.analysis.angles_deg[i0:i1], "acc": samples.acc[i0:i1], "gyr": gyr,
           "m_nh": m_nh, "m_ns": m_ns}
    lin = linear_acceleration(samples.acc[i0:i1], m_ns)
    moving = moving_mask(gyr, lin, ts, speed_threshold_deg_s=crit.moving_deg_s,
                         acc_threshold_m_s2=crit.moving_m_s2)
    found = bursts(moving, ts, merge_s=crit.merge_s)
    moves = []
    for k, b in enumerate(found):
        prev_stop = found[k - 1].stop if k else 0
        next_start = found[k + 1].start if k + 1 < len(found) else i1 - i0
        moves.append(_measure(ctx, i0, i1, b, prev_stop, next_start, sig, crit))
    pairs = [(g, r) for g, r in _pair(moves)
             if w.start_s - 0.5 <= ctx.t[i0 + g.burst.start] <= w.end_s]
    reps = []
    for n, (glide, ret) in enumerate(pairs, start=1):
        # the return is a second, independent measurement of the same excursion
        d = 0.5 * (glide.d_mm - ret.d_mm)
        d_ang = 0.5 * (glide.d_angles - ret.d_angles)
        post, sup = -d[0], d[2]
        angle = float(np.degrees(np.arctan2(sup, post)))
        faults = classify(post, sup, d_ang, crit)
        name = f"retraction {n}/{len(pairs)}"
        reps.append({
            "exercise": "retraction", "index": n, "of": len(pairs),
            "start_s": round(float(ctx.t[i0 + glide.burst.start]) - 0.5, 3),
            "end_s": round(float(ctx.t[i0 + ret.burst.stop - 1]) + 0.5, 3),
            "verdict": "fail" if faults else "pass",
            "faults": faults,
            "max_deviation_deg": None,
            "displacement_mm": {"posterior": round(float(post), 1),
                                "superior": round(float(sup), 1)},
            "path_angle_deg": round(angle, 1),
            "flexion_change_deg": round(float(d_ang[0]), 1),
            "lateral_change_deg": round(float(d_ang[1]), 1),
            "rotation_change_deg": round(float(d_ang[2]), 1),
            "kept_s": [round(float(ctx.t[i0 + glide.burst.stop]), 3),
                       round(float(ctx.t[i0 + ret.burst.start]), 3)],
            "message": _message(name, faults, post, sup, angle, d_ang),
        })
    return reps
