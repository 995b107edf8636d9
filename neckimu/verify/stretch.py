"""Stretches: reach a position toward the prescribed side and keep it steadily for ~30 s.

Per rep (its ``start``/``end`` window) the stretch's angle θ is the head's rotation relative
to its pose at the start cue, about the stretch's axis (lateral flexion for ``stretch_left`` /
``stretch_right``, flexion for ``stretch_flexion``, rotation for ``stretch_rotation_*``),
signed so that the prescribed direction is positive:

- ``reached_deg``: the median of θ over the hold plateau (from the end of the move into the
  stretch to the start of the return: :func:`plateau`);
- ``held_s``: the time within ``min(band_deg, |reached|/2)`` of the reached angle;
- ``steadiness_deg``: :func:`unsteadiness_deg` over the plateau (a bounce of ±A deg gives ~A).

Faults (:class:`StretchCriteria`): ``wrong_side`` (toward the other side), ``not_reached``
(less than ``min_reached_deg``), ``short`` (held less than 80 % of the prescription) and
``unsteady`` (bouncing). The minimum of 15 deg is about a third of the normal active lateral
flexion of an adult (~45 deg; AAOS 1965, Youdas et al. 1992): a stretch is held at a point of
gentle tension, well inside the range, but a head that barely tilts does not stretch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neckimu.angles import angles_from_matrices
from neckimu.filters import lowpass_fir
from neckimu.recording.events import Window
from neckimu.verify.context import Context
from neckimu.verify.reps import StretchRep

#: (angle index, sign) of the stretch direction: 0 flexion, 1 lateral (+ right ear down),
#: 2 rotation (+ turned right).
AXES = {
    "stretch_left": (1, -1),
    "stretch_right": (1, 1),
    "stretch_flexion": (0, 1),
    "stretch_rotation_left": (2, -1),
    "stretch_rotation_right": (2, 1),
}
AXIS_NAMES = ("flexion", "lateral flexion", "rotation")


@dataclass(frozen=True)
class StretchCriteria:
    """Thresholds of the stretch verifier (the pass rule; docs/verification.md).

    Attributes
    ----------
    target_s : float
        Prescribed hold time, s, unless the recording's metadata says otherwise
        (``stretch_hold_s``: {exercise: s}, written from the guided routine).
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


#: The move into the stretch ends (and the return starts) where its speed is below this
#: fraction of its peak: for a minimum-jerk move, at 87 % of its duration, 1.8 % of its
#: amplitude before its end.
MOVE_END_FRAC = 0.2
#: The moves' peak speeds are looked for this far (s) around the half-way crossings.
MOVE_PEAK_S = 0.5


def plateau(theta_deg: np.ndarray, ts: float) -> slice:
    """The hold plateau of a stretch's angle: from the end of the move into the stretch to
    the start of the return.

    The samples beyond half the largest excursion hold the upper halves of both moves as
    well (a 40 deg stretch: 20 deg ramps at both ends, which read as unsteadiness); a
    minimum-jerk move is fastest at its half-way point, so each move's peak speed is read
    around the half-way crossing and the move ends (starts) where its speed falls (last rose)
    below :data:`MOVE_END_FRAC` of that peak. A window that starts already past half way (the
    move in before the cue) starts the plateau at its first sample.

    Parameters
    ----------
    theta_deg : ndarray, shape (n,)
        The stretch angle (low-passed), signed so the prescribed direction is positive, deg.
    ts : float
        Sample period, s.
    """
    peak_at = int(np.argmax(np.abs(theta_deg)))
    peak = float(theta_deg[peak_at])
    over = np.flatnonzero(np.sign(peak) * theta_deg >= 0.5 * abs(peak))
    a, b = int(over[0]), int(over[-1])
    if b - a < 3:
        return slice(a, b + 1)
    speed = np.abs(np.gradient(theta_deg)) / ts
    m = max(1, round(MOVE_PEAK_S / ts))
    start, end = a, b
    if a > 0:
        v_in = float(speed[max(0, a - m) : a + m + 1].max())
        slow = np.flatnonzero(speed[a : b + 1] < MOVE_END_FRAC * v_in)
        if len(slow):
            start = a + int(slow[0])
    if b < len(theta_deg) - 1:
        v_out = float(speed[max(0, b - m) : b + m + 1].max())
        slow = np.flatnonzero(speed[start : b + 1] < MOVE_END_FRAC * v_out)
        if len(slow):
            end = start + int(slow[-1])
    return slice(start, end + 1)


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


def classify_stretch(
    reached_deg: float,
    held_s: float,
    unsteady_deg: float,
    target_s: float,
    crit: StretchCriteria = StretchCriteria(),
) -> list[str]:
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


#: Low-pass of the angle for the reached angle, the time held and the plateau, Hz (-6 dB) ..
ANGLE_CUTOFF_HZ = 1.0
#: .. and for the unsteadiness: a bounce of 0.3-1 Hz passes whole (at 1 Hz the first would
#: halve it), Hz (-6 dB).
BOUNCE_CUTOFF_HZ = 3.0


def stretch_measures(
    theta_deg: np.ndarray, ts: float, crit: StretchCriteria = StretchCriteria()
) -> tuple[float, float, float]:
    """Reached angle (deg), time held (s) and unsteadiness (deg) of one stretch.

    Parameters
    ----------
    theta_deg : ndarray, shape (n,)
        The stretch angle over the stretch's window, signed so the prescribed direction is
        positive, deg (not filtered).
    ts : float
        Sample period, s.
    """
    theta = lowpass_fir(theta_deg, ts, ANGLE_CUTOFF_HZ)
    hold = plateau(theta, ts)
    reached = float(np.median(theta[hold]))
    band = min(crit.band_deg, abs(reached) / 2.0)
    held_s = float((np.abs(theta - reached) <= band).sum() * ts)
    unsteady = unsteadiness_deg(lowpass_fir(theta_deg, ts, BOUNCE_CUTOFF_HZ)[hold])
    return reached, held_s, unsteady


def verify_stretch(
    ctx: Context, w: Window, index: int, total: int, crit: StretchCriteria = StretchCriteria()
) -> StretchRep:
    """Judge one stretch window."""
    prescribed = ctx.meta.get("stretch_hold_s")
    target_s = crit.target_s
    if isinstance(prescribed, dict):
        value = prescribed.get(w.exercise)
        if isinstance(value, (int, float)) and np.isfinite(value) and value > 0:
            target_s = float(value)
    axis, sign = AXES.get(w.exercise, (1, 1))
    base = {
        "exercise": w.exercise,
        "index": index,
        "of": total,
        "start_s": w.start_s,
        "end_s": w.end_s,
        "axis": AXIS_NAMES[axis],
        "target_s": target_s,
        "min_reached_deg": crit.min_reached_deg,
    }
    missing = ctx.coverage(w.start_s, w.end_s)
    i0, i1 = ctx.index(w.start_s, w.end_s)
    if missing is not None or (i1 - i0) * ctx.ts < 1.0:
        return StretchRep(**base, faults=("incomplete",), incomplete=missing or "no data")
    m_lh = ctx.head_in_level(i0, i1)
    n_ref = max(1, round(0.2 / ctx.ts))
    ref = m_lh[:n_ref].mean(axis=0)
    u, _, vt = np.linalg.svd(ref)  # nearest rotation to the mean matrix
    ref = u @ vt
    theta = sign * angles_from_matrices(ref.T @ m_lh)[:, axis]
    reached, held_s, unsteady = stretch_measures(theta, ctx.ts, crit)
    sat = ctx.saturated_in(i0, i1)
    return StretchRep(
        **base,
        faults=tuple(classify_stretch(reached, held_s, unsteady, target_s, crit)),
        reached_deg=reached,
        held_s=held_s,
        unsteadiness_deg=unsteady,
        low_confidence=f"{sat} saturated samples" if sat else None,
    )
