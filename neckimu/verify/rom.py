"""Range of motion: how far the head goes in each of the six directions.

The guided ``rom`` window asks the person to move slowly to the comfortable end of each
direction and back, twice (flexion, extension, lateral flexion left and right, rotation left
and right). Per direction the verifier reports the largest angle reached, deg.

How the angles are measured (docs/verification.md has the figures). The head turns quickly
(60-100 deg/s) between still poses. The gyroscope measures such a turn best: over a few
seconds its bias error adds a few hundredths of a degree. The accelerometer is the reference
for up and down, but it is only trustworthy where the head is still *and* near its neutral
pose: at the calibration the neutral pose absorbed the accelerometer's offset, which tilts
the apparent vertical differently once the head has turned 50 deg (up to ~4 deg on an
LSM9DS1 with its ±90 mg offset); and during a movement the lever arm adds acceleration. So:

1. the gyroscope (bias from the causal filter) is integrated over the window from the
   window's first pose (causal orientation), short gaps in the data bridged by
   interpolating the rate across them (a 0.2 s loss in the middle of a 60 deg/s turn would
   otherwise cost degrees);
2. the *rests* between movements (slow and within ``rest_deg`` of neutral) anchor it: there
   the low-passed accelerometer gives the vertical, and the tilt error found at the rests is
   interpolated in time between them and removed;
3. rotation about the vertical, which gravity cannot see, is referenced to the heading of
   those rests: the person sits facing forward and comes back to it between movements, so a
   straight line through their headings is "forward" over the window. It removes the 6D
   heading drift (~20 deg/h) and the person's small offsets average out.

Flexion, extension and lateral flexion are therefore measured from the calibrated *neutral
pose* (upright, as a clinician's inclinometer measures), rotation from the person's own
forward heading during the window (rests included, its start too), never from a calibration
made minutes earlier.

The angles are the head's Cardan angles in the clinical order (``neckimu.angles``). Each sample
counts for the direction in which the head is furthest from neutral at that moment, so a
coupled movement (a head that tilts a little while it turns) does not count as the other
direction; a direction's figure is the largest angle among its samples. A direction whose
largest angle stays below :attr:`RomCriteria.min_deg` was not done: its figure is None
(``not measured``) and the rep fails, since a range of motion with a direction missing is not
a complete measurement. A window without movement is therefore a rep with every direction not
measured, not an ``incomplete`` one: its data are all there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from scipy.spatial.transform import Rotation

from neckimu.angles import angles_from_matrices, rotation_from_angles
from neckimu.filters import lowpass_fir
from neckimu.orientation import MAX_GAP_S
from neckimu.recording.events import Window
from neckimu.runs import true_runs
from neckimu.translation import relative_rotations
from neckimu.verify.context import Context
from neckimu.verify.reps import ROM_DIRECTIONS, RomRep

#: (angle index, sign) of each direction: angles are flexion (+ chin down), lateral flexion
#: (+ right ear down) and rotation (+ turned right), as in ``neckimu.angles``.
AXES: dict[str, tuple[int, int]] = {
    "flexion": (0, 1),
    "extension": (0, -1),
    "lateral_left": (1, -1),
    "lateral_right": (1, 1),
    "rotation_left": (2, -1),
    "rotation_right": (2, 1),
}


@dataclass(frozen=True)
class RomCriteria:
    """Settings of the range-of-motion measurement.

    Attributes
    ----------
    min_deg : float
        A direction whose largest angle stays below this was not done (``not measured``),
        deg. Ten degrees is well above sway, fidgets and the few degrees a head tilts or
        turns along with another movement, and well below the range of even a stiff, painful
        neck (people with neck pain lose ~5-20 deg per direction, not most of it;
        Stenneberg et al. 2017).
    band_hz : float
        Low-pass of the angles and of the angular speed (tremor is not range), Hz.
    tilt_band_hz : float
        Low-pass of the accelerometer where it gives the vertical, Hz.
    rest_speed_deg_s : float
        The head rests where its low-passed angular speed is below this, deg/s ...
    rest_deg : float
        ... and every angle is within this of neutral, deg.
    drift_span_s : float
        Rests spread over at least this long give the heading's drift (a straight line);
        over less, its mean is forward, s.
    max_gap_s : float
        Longest loss of data bridged by interpolating the angular rate, s; a longer one
        makes the window ``incomplete``.
    margin_s : float
        Data needed after the window's end before it can be judged, s.
    """

    min_deg: float = 10.0
    band_hz: float = 2.0
    tilt_band_hz: float = 1.0
    rest_speed_deg_s: float = 5.0
    rest_deg: float = 8.0
    drift_span_s: float = 20.0
    max_gap_s: float = 1.0
    margin_s: float = 0.6


def rom_from_angles(
    angles_deg: np.ndarray, min_deg: float = RomCriteria.min_deg
) -> dict[str, float | None]:
    """Largest angle per direction of a head's angles over a window, deg.

    Each sample counts for the direction in which the head is furthest from neutral at that
    moment (its largest angle in absolute value); a direction's figure is the largest angle
    among its samples, None when below ``min_deg`` (not done). The simulator's truth uses the
    same function on the true angles (``neckimu.sim.truth``).

    Parameters
    ----------
    angles_deg : ndarray, shape (n, 3)
        Flexion, lateral flexion, rotation relative to neutral, deg (``neckimu.angles``).
    min_deg : float
        Smallest figure that counts as measured, deg.

    Returns
    -------
    dict
        ``{direction: deg or None}`` for every direction of :data:`ROM_DIRECTIONS`.
    """
    a = np.asarray(angles_deg, dtype=float).reshape(-1, 3)
    out: dict[str, float | None] = dict.fromkeys(ROM_DIRECTIONS)
    if not len(a):
        return out
    rows = np.arange(len(a))
    main = np.argmax(np.abs(a), axis=1)
    value = a[rows, main]
    for name, (axis, sign) in AXES.items():
        mine = (main == axis) & (np.sign(value) == sign)
        if mine.any():
            best = float(np.abs(value[mine]).max())
            out[name] = best if best >= min_deg else None
    return out


def bridge_gaps(t: np.ndarray, gyr: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fill lost samples with the angular rate interpolated across each gap.

    Parameters
    ----------
    t : ndarray, shape (n,)
        Sample times, s (a gap: an interval of more than one period).
    gyr : ndarray, shape (n, 3)
        Angular rate, rad/s.

    Returns
    -------
    t_filled : ndarray, shape (m,)
        The times with one sample per period inside each gap, s.
    gyr_filled : ndarray, shape (m, 3)
        The rate there (linear across each gap: the gyro's integral is then the trapezoid
        rule over the gap, not the last rate held over all of it).
    kept : ndarray of int, shape (n,)
        Where the original samples are in the filled arrays.
    """
    dt = np.diff(t)
    period = float(np.median(dt)) if len(dt) else 0.0
    if len(t) < 3 or not period > 0.0:
        return t, gyr, np.arange(len(t))
    # at most 2 s are filled per gap (a longer one is not bridged: verify_rom refuses it)
    periods = np.clip(np.round(dt / period), 1, max(1.0, round(2.0 / period))).astype(np.int64)
    kept = np.concatenate([[0], np.cumsum(periods)])
    if kept[-1] == len(t) - 1:
        return t, gyr, kept
    t_filled = np.interp(np.arange(kept[-1] + 1), kept, t)
    gyr_filled = np.column_stack([np.interp(t_filled, t, gyr[:, k]) for k in range(3)])
    return t_filled, gyr_filled, kept


def neutral_rests(
    ctx: Context, i0: int, i1: int, rotation_deg: np.ndarray, gyr: np.ndarray, crit: RomCriteria
) -> list[tuple[int, int]]:
    """Where the head rests in its neutral pose between movements, samples ``i0:i1``.

    A rest is a still run (low-passed angular speed below ``crit.rest_speed_deg_s`` for at
    least 0.3 s) whose flexion and lateral flexion (causal orientation: gravity-referenced)
    are within ``crit.rest_deg`` of neutral, and whose heading is within ``crit.rest_deg`` of
    the previous rest's — the end of a turn is still and level too, but turned. The heading
    of the gyro-integrated ``rotation_deg`` drifts with the bias error (~0.1 deg/s), too little
    to matter between two rests a few seconds apart; the first rest is the window's start,
    where the person sits facing forward.

    Parameters
    ----------
    rotation_deg : ndarray, shape (n,)
        Gyro-integrated rotation, deg.
    gyr : ndarray, shape (n, 3)
        Bias-corrected angular rate, rad/s.

    Returns
    -------
    list of (int, int)
        ``[start, stop)`` of each rest, relative to ``i0``, in time order.
    """
    ts = ctx.ts
    speed = np.degrees(np.linalg.norm(lowpass_fir(gyr, ts, crit.band_hz), axis=1))
    tilt = np.abs(angles_from_matrices(ctx.head_in_level(i0, i1))[:, :2]).max(axis=1)
    rests: list[tuple[int, int]] = []
    heading = None
    for a, b in true_runs(speed < crit.rest_speed_deg_s):  # a few dozen runs per window
        if (b - a) * ts < 0.3 or tilt[a:b].max() >= crit.rest_deg:
            continue
        rot = float(np.median(rotation_deg[a:b]))
        if heading is None or abs(rot - heading) < crit.rest_deg:
            rests.append((a, b))
            heading = rot
    return rests


def _yaw_matrices(yaw_rad: np.ndarray) -> np.ndarray:
    """Rotations about the vertical by ``yaw_rad`` (+ counter-clockwise from above), (n, 3, 3)."""
    c, s = np.cos(yaw_rad), np.sin(yaw_rad)
    m = np.zeros((len(yaw_rad), 3, 3))
    m[:, 0, 0], m[:, 0, 1], m[:, 1, 0], m[:, 1, 1], m[:, 2, 2] = c, -s, s, c, 1.0
    return m


def window_angles(
    ctx: Context, i0: int, i1: int, crit: RomCriteria | None = None
) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """The head's angles over samples ``i0:i1`` as the ROM verifier measures them.

    Gyro-integrated from the window's first pose, gaps bridged, tilt anchored to gravity at
    the rests and rotation to the rests' heading (module docstring). Each rest counts once:
    its mean vertical and its median heading, held over the whole rest.

    Returns
    -------
    angles : ndarray, shape (i1 - i0, 3)
        Flexion, lateral flexion, rotation, deg, low-passed at ``crit.band_hz``.
    rests : list of (int, int)
        The rests used, ``[start, stop)`` relative to ``i0``.
    """
    crit = crit or RomCriteria()
    s, ts = ctx.samples, ctx.ts
    t = s.t[i0:i1]
    gyr = s.gyr[i0:i1] - ctx.bias[i0:i1]
    t_f, gyr_f, kept = bridge_gaps(t, gyr)
    m_ls = ctx.level_frame(i0, i0 + 1)[0] @ relative_rotations(t_f, gyr_f, ts)[kept]
    m_hs = ctx.sensor_to_head.T
    rests = neutral_rests(ctx, i0, i1, angles_from_matrices(m_ls @ m_hs)[:, 2], gyr, crit)
    if not rests:
        return lowpass_fir(angles_from_matrices(m_ls @ m_hs), ts, crit.band_hz), rests
    # tilt: at each rest the vertical is the accelerometer's (its mean over the rest)
    acc = s.acc[i0:i1]
    up_each = np.einsum("nij,nj->ni", m_ls, acc / np.linalg.norm(acc, axis=1, keepdims=True))
    up = np.array([up_each[a:b].mean(axis=0) for a, b in rests])
    up /= np.linalg.norm(up, axis=1, keepdims=True)
    axis = np.cross(up, [0.0, 0.0, 1.0])  # horizontal: turns `up` onto the vertical
    norm = np.linalg.norm(axis, axis=1, keepdims=True)
    rotvec = axis / np.maximum(norm, 1e-12) * np.arctan2(norm, up[:, 2:3])
    ends = np.array(rests).ravel()  # each rest's correction holds from its start to its stop
    t_ends = t[np.minimum(ends, len(t) - 1)]
    tilt = np.zeros((len(t), 3))
    for k in range(2):
        tilt[:, k] = np.interp(t, t_ends, np.repeat(rotvec[:, k], 2))
    m_ls = Rotation.from_rotvec(tilt).as_matrix() @ m_ls
    # heading: forward is where the person rests, drifting along a straight line
    rot = angles_from_matrices(m_ls @ m_hs)[:, 2]
    t_mid = np.array([0.5 * (t[a] + t[b - 1]) for a, b in rests]) - t[0]
    heading = np.array([np.median(rot[a:b]) for a, b in rests])
    if t_mid[-1] - t_mid[0] >= crit.drift_span_s:
        forward = np.polyval(np.polyfit(t_mid, heading, 1), t - t[0])
    else:
        forward = np.full(len(t), float(np.median(heading)))
    m_ls = _yaw_matrices(np.radians(forward)) @ m_ls  # rotation + right = yaw -
    return lowpass_fir(angles_from_matrices(m_ls @ m_hs), ts, crit.band_hz), rests


def _largest_gap(ctx: Context, i0: int, i1: int) -> tuple[float, int]:
    """The longest interval between samples ``i0 - 1 .. i1`` (s) and the sample after it."""
    t = ctx.t[max(0, i0 - 1) : i1]
    if len(t) < 2:
        return 0.0, i0
    dt = np.diff(t)
    k = int(np.argmax(dt))
    return float(dt[k]), max(0, i0 - 1) + k + 1


def verify_rom(
    ctx: Context, w: Window, index: int = 1, total: int = 1, crit: RomCriteria | None = None
) -> RomRep:
    """Measure one range-of-motion window (``index``/``total``: its place in the session)."""
    crit = crit or RomCriteria()
    base = {
        "exercise": w.exercise,
        "index": index,
        "of": total,
        "start_s": w.start_s,
        "end_s": w.end_s,
        "min_deg": crit.min_deg,
    }
    i0, i1 = ctx.index(w.start_s, w.end_s)
    # the ends must be there; a gap inside is bridged up to crit.max_gap_s
    missing = ctx.coverage(w.start_s, w.start_s) or ctx.coverage(w.end_s, w.end_s)
    gap_s, after = _largest_gap(ctx, i0, i1)
    if missing is None and gap_s > crit.max_gap_s:
        missing = f"{gap_s:.1f} s of data are missing inside it"
    if missing is not None or (i1 - i0) * ctx.ts < 1.0:
        return RomRep(**base, faults=("incomplete",), incomplete=missing or "no data")
    angles, _ = window_angles(ctx, i0, i1, crit)
    rom = rom_from_angles(angles, crit.min_deg)
    notes = []
    sat = ctx.saturated_in(i0, i1)
    if sat:
        notes.append(f"{sat} saturated samples")
    if gap_s > MAX_GAP_S and i0 < after < i1:
        edges = [after - 1, after]
        speed = np.degrees(np.linalg.norm(ctx.samples.gyr[edges] - ctx.bias[edges], axis=1))
        if speed.max() > crit.rest_speed_deg_s:
            notes.append(f"{gap_s:.1f} s of data missing during a movement")
    faults = ("not_measured",) if any(v is None for v in rom.values()) else ()
    return RomRep(**base, faults=faults, rom_deg=rom, low_confidence="; ".join(notes) or None)


def neck_rom(
    rep: RomRep,
    ctx: Context,
    trunk_rotation: Callable[[np.ndarray], Rotation],
    crit: RomCriteria | None = None,
) -> RomRep:
    """A measured ROM rep again on the **neck**'s angles (head relative to trunk), for a
    recording with a trunk sensor (issue 15): a trunk that leans or turns with the head no
    longer counts as neck motion.

    The head's angles are measured as by :func:`verify_rom` (:func:`window_angles`); the
    trunk's rotation since the neutral pose is taken with its heading at the window's rests
    as forward (as the head's rotation is), and the neck is ``D_t⁻¹ · D_h``.

    Parameters
    ----------
    rep : RomRep
        As :func:`verify_rom` measured it; an incomplete one is returned as it is.
    ctx : Context
        The head's verification context.
    trunk_rotation : callable
        ``t`` (s, shape (n,)) -> the trunk's rotation since neutral (n rotations, neutral
        head frame), e.g. ``neckimu.trunk.TrunkContext.rotation``.
    crit : RomCriteria, optional
    """
    crit = crit or RomCriteria()
    if rep.incomplete is not None:
        return rep
    i0, i1 = ctx.index(rep.start_s, rep.end_s)
    if i1 - i0 < 2:
        return rep
    head, rests = window_angles(ctx, i0, i1, crit)
    m_t = trunk_rotation(ctx.t[i0:i1]).as_matrix()
    yaw = angles_from_matrices(m_t)[:, 2]
    ref = np.concatenate([yaw[a:b] for a, b in rests]) if rests else yaw
    m_t = _yaw_matrices(np.radians(np.full(len(yaw), float(np.median(ref))))) @ m_t
    m_h = rotation_from_angles(head).as_matrix()
    neck = angles_from_matrices(np.einsum("nji,njk->nik", m_t, m_h))
    rom = rom_from_angles(neck, crit.min_deg)
    faults = ("not_measured",) if any(v is None for v in rom.values()) else ()
    return replace(rep, rom_deg=rom, faults=faults)
