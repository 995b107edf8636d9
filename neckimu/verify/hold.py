"""Isometric holds: the head must not move while it pushes into the palm.

Per rep (its ``start``/``end`` window) the verifier measures the largest rotation of the head
away from its pose at the start of the hold, the direction of that rotation, when it first
passed the tolerance and the mean angular speed.

How the rotation is measured. During an isometric hold the head does not accelerate (the
push is balanced by the hand), so the low-passed accelerometer shows the direction of gravity
to a few hundredths of a degree; integrating the gyroscope instead would add its angle random
walk (~0.1 deg/√s for these MEMS gyros, ~0.4 deg over a 10 s hold). The tilt of the head
(flexion/extension and lateral flexion) is therefore taken from the accelerometer and only the
turn about the vertical, which gravity cannot see, from the gyroscope — with the bias the
filter had learnt *before* the hold, held fixed: a slow creep looks like bias to a rest-phase
estimator and would otherwise be absorbed.

Tolerance (docs/verification.md): 2.0 deg. Head-steadiness tests find heads moving at mean
speeds of a few deg/s (Meisingset et al. 2015), but that speed is mostly tremor and sway that
returns to where it started; what the exercise forbids is the head *going somewhere*.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial.transform import Rotation

from neckimu.filters import lowpass_fir
from neckimu.recording.events import Window
from neckimu.translation import relative_rotations
from neckimu.verify.context import Context
from neckimu.verify.reps import HoldRep

#: Direction keys by head-frame axis and sign of the rotation about it (x forward, y left,
#: z up; a positive rotation about y is a nod down).
_DIRECTIONS = {
    (0, 1): "lateral_right",
    (0, -1): "lateral_left",
    (1, 1): "flexion",
    (1, -1): "extension",
    (2, 1): "rotation_left",
    (2, -1): "rotation_right",
}


@dataclass(frozen=True)
class HoldCriteria:
    """The pass rule of a hold.

    Attributes
    ----------
    tolerance_deg : float
        Largest allowed rotation away from the pose at the hold's start, deg.
    reference_s : float
        The start pose is the mean over this first part of the window, s.
    tilt_band_hz : float
        Low-pass of the accelerometer for the tilt (tremor moves the sensor at 8-12 Hz), Hz.
    margin_s : float
        Data needed beyond the window's ends for the filters, s.
    """

    tolerance_deg: float = 2.0
    reference_s: float = 0.2
    tilt_band_hz: float = 1.0
    margin_s: float = 0.6


def _twist_about(q_xyzw: np.ndarray, axis: np.ndarray) -> Rotation:
    """The part of each rotation about ``axis`` (swing-twist decomposition)."""
    proj = (q_xyzw[:, :3] @ axis)[:, None] * axis
    tw = np.column_stack([proj, q_xyzw[:, 3]])
    norm = np.linalg.norm(tw, axis=1, keepdims=True)
    tw = np.where(norm > 1e-12, tw / np.maximum(norm, 1e-12), [0.0, 0.0, 0.0, 1.0])
    return Rotation.from_quat(tw)


def _swing_between(u: np.ndarray, v: np.ndarray) -> Rotation:
    """Shortest rotations taking unit vectors ``u`` (n, 3) to ``v`` (3,)."""
    axis = np.cross(u, v)
    sin = np.linalg.norm(axis, axis=1)
    ang = np.arctan2(sin, u @ v)
    return Rotation.from_rotvec(axis / np.maximum(sin, 1e-12)[:, None] * ang[:, None])


def hold_rotation(
    t: np.ndarray, gyr: np.ndarray, acc: np.ndarray, ts: float, *, band_hz: float = 1.0
) -> Rotation:
    """Rotation of the sensor since the first sample: tilt from gravity, turn from the gyro.

    Parameters
    ----------
    t : ndarray, shape (n,)
        Times, s.
    gyr : ndarray, shape (n, 3)
        Angular rate with the bias removed, rad/s, sensor frame.
    acc : ndarray, shape (n, 3)
        Specific force, sensor frame, m/s² (low-passed here at ``band_hz``).
    ts : float
        Sampling time, s.

    Returns
    -------
    Rotation
        n rotations taking sensor-frame vectors at each sample into the sensor frame of the
        first sample.
    """
    g = lowpass_fir(acc, ts, band_hz)
    g /= np.linalg.norm(g, axis=1, keepdims=True)
    up0 = g[0]
    gyro = Rotation.from_matrix(relative_rotations(t, gyr, ts))
    twist = _twist_about(gyro.as_quat(), up0)
    return _swing_between(twist.apply(g), up0) * twist


def verify_hold(
    ctx: Context, w: Window, index: int, total: int, criteria: HoldCriteria = HoldCriteria()
) -> HoldRep:
    """Judge one hold rep."""
    base = {
        "exercise": w.exercise,
        "index": index,
        "of": total,
        "start_s": w.start_s,
        "end_s": w.end_s,
        "tolerance_deg": criteria.tolerance_deg,
    }
    missing = ctx.coverage(w.start_s, w.end_s)
    i0, i1 = ctx.index(w.start_s, w.end_s)
    if missing is not None or i1 - i0 < 3:
        return HoldRep(**base, faults=("incomplete",), incomplete=missing or "no data")
    ts = ctx.ts
    m = round(criteria.margin_s / ts)
    a, b = max(0, i0 - m), min(len(ctx.t), i1 + m)
    s = ctx.samples
    rot = hold_rotation(
        s.t[a:b], s.gyr[a:b] - ctx.bias[i0], s.acc[a:b], ts, band_hz=criteria.tilt_band_hz
    )[i0 - a : i1 - a]
    n_ref = max(1, min(len(rot), round(criteria.reference_s / ts)))
    dev = rot[:n_ref].mean().inv() * rot  # rotation since the start pose, start sensor frame
    rv = dev.as_rotvec() @ ctx.sensor_to_head.T  # the same rotation about head-frame axes
    angle = np.degrees(np.linalg.norm(rv, axis=1))
    k = int(np.argmax(angle))
    axis = int(np.argmax(np.abs(rv[k])))
    over = np.flatnonzero(angle > criteria.tolerance_deg)
    speed = np.degrees(np.linalg.norm(s.gyr[i0:i1] - ctx.bias[i0], axis=1))
    sat = ctx.saturated_in(i0, i1)
    return HoldRep(
        **base,
        faults=("moved",) if len(over) else (),
        max_deviation_deg=float(angle[k]),
        direction=_DIRECTIONS[(axis, 1 if rv[k, axis] >= 0 else -1)],
        first_exceeded_s=float(s.t[i0 + over[0]] - w.start_s) if len(over) else None,
        mean_speed_deg_s=float(speed.mean()),
        low_confidence=f"{sat} saturated samples" if sat else None,
    )
