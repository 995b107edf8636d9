"""Head-centre translation from gravity-free acceleration, between still phases.

Double integration of an accelerometer drifts within seconds, so translation is only ever
integrated over one movement: from a still phase to the next, where the head's velocity is
known to be zero at both ends. Forcing the end velocity to zero removes a linear velocity drift,
which is exactly what any constant acceleration error (accelerometer bias, gravity leaking
through a small inclination error) produces over the interval: it cancels.

The sensor sits at a lever arm from the head centre (a forehead sensor ~12 cm away moves
~2 cm for 10 deg of head flexion), so the lever arm's rotation is removed to get the motion of
the head centre itself (midway between the ears), in the neutral (trunk) frame.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.integrate import cumulative_trapezoid
from scipy.spatial.transform import Rotation
from vqf import VQF

from neckimu.filters import lowpass_fir
from neckimu.orientation import gyro_for_fixed_rate
from neckimu.samples import G

#: Band of voluntary head movement kept in the acceleration before integration, Hz.
MOVEMENT_BAND_HZ = 3.0


def linear_acceleration(acc_sensor: np.ndarray, m_ns: np.ndarray) -> np.ndarray:
    """Gravity-free acceleration in the neutral frame.

    Parameters
    ----------
    acc_sensor : ndarray, shape (N, 3)
        Specific force in the sensor frame, m/s².
    m_ns : ndarray, shape (N, 3, 3)
        Sensor-to-neutral rotation matrices (the neutral frame's z is up).

    Returns
    -------
    ndarray, shape (N, 3)
        Acceleration of the sensor in the neutral frame, m/s².
    """
    a = np.einsum("nij,nj->ni", m_ns, acc_sensor)
    a[:, 2] -= G
    return a


def zupt_displacement(
    t: np.ndarray, acc: np.ndarray, stops: Sequence[int] | np.ndarray = ()
) -> np.ndarray:
    """Displacement over one movement with zero velocity at both ends (and at its stops).

    Parameters
    ----------
    t : ndarray, shape (N,)
        Time, s, from the still phase before to the still phase after.
    acc : ndarray, shape (N, 3)
        Acceleration, m/s².
    stops : sequence of int, optional
        Indices inside the movement where the head stops for a moment (a kept position of a
        fraction of a second, a turn straight into the next movement): zero velocity there too.

    Returns
    -------
    ndarray, shape (N, 3)
        Displacement from ``t[0]``, m. The velocity is corrected by the straight line that
        brings it to zero at ``t[-1]`` (a constant acceleration error cancels); with stops, by
        the broken line through zero at each of them, so an acceleration error grows the
        velocity only from one stop to the next.
    """
    v = cumulative_trapezoid(acc, t, axis=0, initial=0.0)
    at = np.unique(np.concatenate([[0, len(t) - 1], np.asarray(stops, dtype=int)]))
    at = at[(at >= 0) & (at < len(t))]
    if t[-1] > t[0]:
        v -= np.column_stack([np.interp(t, t[at], v[at, k]) for k in range(v.shape[1])])
    return cumulative_trapezoid(v, t, axis=0, initial=0.0)


def relative_rotations(t: np.ndarray, gyr: np.ndarray, ts: float) -> np.ndarray:
    """Rotation of the sensor since ``t[0]`` from the bias-corrected gyro, matrices (n, 3, 3).

    Strapdown integration (VQF's ``gyrQuat``, bias estimation off), honouring the real
    sample intervals; over a movement of a second or two its drift is negligible.
    """
    f = VQF(ts, restBiasEstEnabled=False, motionBiasEstEnabled=False)
    acc = np.ascontiguousarray(np.tile([0.0, 0.0, G], (len(t), 1)))
    # across a gap (dropped packets) the rate is the mean of the samples on both sides
    gap = np.concatenate([[False], np.diff(t) > 1.5 * ts])
    gyr = np.array(gyr, dtype=float)
    gyr[gap] = 0.5 * (gyr[np.flatnonzero(gap) - 1] + gyr[gap])
    q = f.updateBatchFullState(gyro_for_fixed_rate(t, gyr, ts), acc)["gyrQuat"]
    return Rotation.from_quat(q, scalar_first=True).as_matrix()


def rotation_progress(rot: np.ndarray, still_2: slice) -> np.ndarray:
    """How far the sensor has turned from its first pose toward its final one, 0..1, (n,).

    Zero throughout when the movement turns the sensor by less than 1 deg.
    """
    rv = Rotation.from_matrix(rot).as_rotvec()
    end = rv[still_2].mean(axis=0)
    n2 = float(end @ end)
    if n2 < np.radians(1.0) ** 2:
        return np.zeros(len(rot))
    return np.clip(rv @ end / n2, 0.0, 1.0)


@dataclass(frozen=True)
class SensorErrorPrior:
    """Sizes (1 sigma) of the sensor errors a movement's residual acceleration comes from.

    Attributes
    ----------
    gyro_bias_rad_s : float
        Error of the filter's gyro bias estimate: 0.1 deg/s (the online VQF on the simulator
        with drifting bias: median 0.06, 90th percentile 0.13 deg/s).
    acc_bias_m_s2 : float
        Accelerometer offset: 20 mg, the typical zero-g offset of the BMI270 (Rev2 board);
        the LSM9DS1 (Rev1) specifies ±90 mg.
    acc_scale : float
        Accelerometer scale and cross-axis error (~1.5 %).
    """

    gyro_bias_rad_s: float = np.radians(0.1)
    acc_bias_m_s2: float = 0.2
    acc_scale: float = 0.015

    @classmethod
    def for_recording(cls, meta: dict) -> SensorErrorPrior:
        """The prior for the board a recording's metadata names (``device.sensor`` or
        ``sensor``: ``LSM9DS1`` or ``BMI270...``; ``device.board``: ``rev1``/``rev2``)."""
        device = meta.get("device") if isinstance(meta.get("device"), dict) else {}
        names = " ".join(
            str(v)
            for v in (
                meta.get("sensor"),
                device.get("sensor"),
                device.get("board"),
                meta.get("board"),
            )
            if v
        )
        if "LSM9DS1" in names.upper() or "rev1" in names.lower():
            return cls(acc_bias_m_s2=0.5)
        return cls()


def leak_correction(
    t: np.ndarray,
    rot: np.ndarray,
    residual: np.ndarray,
    acc_1: np.ndarray,
    k2: int,
    prior: SensorErrorPrior,
) -> np.ndarray:
    """The error acceleration along a movement, from what remains in the still pose after it.

    Two causes leave a residual ``r`` in the second still pose, with different shapes in time:

    - a gyro bias error tilts the estimated frame a little more every second, leaking gravity
      in proportion to the time since the first pose (perpendicular to gravity);
    - the accelerometer's bias and scale error turn with the sensor (``(R - I) b``), in
      proportion to how far it has rotated (:func:`rotation_progress`).

    ``r`` is split between them by their prior covariances (the maximum a posteriori split),
    and each part is spread along the movement in its own shape.

    Parameters
    ----------
    t : ndarray, shape (n,)
        Times, s.
    rot : ndarray, shape (n, 3, 3)
        Sensor rotation since ``t[0]`` (:func:`relative_rotations`).
    residual : ndarray, shape (3,)
        Mean residual acceleration in the second still pose, first-pose frame, m/s².
    acc_1 : ndarray, shape (3,)
        Specific force in the first still pose (gravity), m/s².
    k2 : int
        Index where the second still pose starts.
    prior : SensorErrorPrior

    Returns
    -------
    ndarray, shape (n, 3)
        Error acceleration to subtract, m/s².
    """
    # the residual is the mean over the still samples from k2 on: the time it stands for
    span = max(float(np.mean(t[k2:]) - t[0]) if k2 < len(t) else float(t[-1] - t[0]), 1e-6)
    up = acc_1 / max(np.linalg.norm(acc_1), 1e-9)
    c_time = (G * prior.gyro_bias_rad_s * span) ** 2 * (np.eye(3) - np.outer(up, up))
    angle = float(np.linalg.norm(Rotation.from_matrix(rot[min(k2, len(rot) - 1)]).as_rotvec()))
    c_turn = (prior.acc_bias_m_s2**2 + (G * prior.acc_scale) ** 2) * angle**2 * np.eye(3)
    r_time = c_time @ np.linalg.solve(c_time + c_turn + 1e-12 * np.eye(3), residual)
    shape_time = (t - t[0]) / span
    shape_turn = rotation_progress(rot, slice(k2, None))
    if not shape_turn.any():  # it hardly turned: whatever remains grew with time
        shape_turn = shape_time
    return np.outer(shape_time, r_time) + np.outer(shape_turn, residual - r_time)


def _lowpass_on_time(t: np.ndarray, x: np.ndarray, ts: float) -> np.ndarray:
    """:func:`~neckimu.filters.lowpass_fir` to :data:`MOVEMENT_BAND_HZ` of samples at times
    ``t``, shape (n, 3).

    The filter counts samples, not seconds: across a gap (dropped packets) it would squeeze
    the movement in time. With gaps the samples are first put on a regular grid of ``ts`` and
    the result is read back at ``t``. Across a gap the grid holds a straight line between the
    low-passed levels at its edges, not between the two samples there: a sensor on a lever arm
    shakes with tremor by a few tenths of m/s², and a line between two shaken samples would be
    an offset of that size for as long as the gap lasts.
    """
    dt = np.diff(t)
    gaps = np.flatnonzero(dt > 1.5 * ts)
    if len(t) < 2 or not len(gaps):
        return lowpass_fir(x, ts, MOVEMENT_BAND_HZ)
    grid = np.arange(t[0], t[-1] + 0.5 * ts, ts)
    on_grid = np.column_stack([np.interp(grid, t, x[:, k]) for k in range(x.shape[1])])
    level = lowpass_fir(x, ts, MOVEMENT_BAND_HZ)  # by sample count: tremor-free levels
    for i in gaps:  # a few per movement at most
        inside = (grid > t[i]) & (grid < t[i + 1])
        w = ((grid[inside] - t[i]) / dt[i])[:, None]
        on_grid[inside] = (1 - w) * level[i] + w * level[i + 1]
    f = lowpass_fir(on_grid, ts, MOVEMENT_BAND_HZ)
    return np.column_stack([np.interp(t, grid, f[:, k]) for k in range(x.shape[1])])


def movement_acceleration(
    t: np.ndarray,
    acc: np.ndarray,
    gyr: np.ndarray,
    ts: float,
    still_1: slice,
    still_2: slice,
    prior: SensorErrorPrior,
) -> np.ndarray:
    """Gravity-free acceleration over one movement, in the sensor frame of its last still
    sample before (``k1 = still_1.stop - 1``), m/s², samples ``k1 .. still_2.stop``.

    Gravity (plus accelerometer bias) is the first still pose's, the sensor's turn comes from
    the gyro, and what remains in the second still pose is removed along the movement
    (:func:`leak_correction`). Tremor (8-12 Hz) shakes a sensor on a lever arm by ~0.3 m/s²:
    it moves nothing, but a short average of it (or a filter edge that holds one shaken
    sample) would look like an error of the gravity reference; so gravity and the residual are
    both read from the low-passed signal, whose support lies inside the arrays — pass
    :data:`neckimu.filters.FIR_HALF_S` of data beyond each still window.
    """
    k1, rot, acc_1, lin = _in_first_pose(t, acc, gyr, ts, still_1, still_2)
    j2 = still_2.start - k1
    n2 = still_2.stop
    lin -= leak_correction(t[k1:n2], rot[k1:n2], lin[j2:].mean(axis=0), acc_1, j2, prior)
    return lin


def _in_first_pose(
    t: np.ndarray, acc: np.ndarray, gyr: np.ndarray, ts: float, still_1: slice, still_2: slice
) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """The acceleration of a movement in its first pose's frame, gravity of that pose removed:
    ``k1``, the rotations sensor(t) -> sensor(t[k1]) (n, 3, 3), gravity (+ bias) in the first
    pose (3,) and the rest, low-passed, samples ``k1 .. still_2.stop`` (m, 3)."""
    k1 = max(still_1.stop - 1, 0)
    # sensor(t) -> sensor(t[k1]): the gyro from k1 on; before it the sensor keeps still
    rot = np.tile(np.eye(3), (len(t), 1, 1))
    rot[k1:] = relative_rotations(t[k1:], gyr[k1:], ts)
    f_lev = _lowpass_on_time(t, np.einsum("nij,nj->ni", rot, acc), ts)
    acc_1 = f_lev[still_1].mean(axis=0)  # gravity (+ bias) in the first pose
    return k1, rot, acc_1, f_lev[k1 : still_2.stop] - acc_1


@dataclass(frozen=True)
class TurnResidual:
    """What one movement between two still poses tells about the accelerometer's bias ``b``.

    In the second pose the true acceleration is zero, so what the integration frame holds
    there is error: ``residual ≈ turn @ b + span_s · w``, the bias turned with the sensor
    (``turn = R − I``) plus gravity leaking through a gyro bias error (``w``, growing with
    time).

    Attributes
    ----------
    turn : ndarray, shape (3, 3)
        ``R − I``, R the sensor's rotation over the movement (second pose -> first).
    residual : ndarray, shape (3,)
        Mean acceleration left in the second pose, first pose's sensor frame, m/s².
    span_s : float
        Time from the first pose to the second, s.
    """

    turn: np.ndarray
    residual: np.ndarray
    span_s: float


def turn_residual(
    t: np.ndarray, acc: np.ndarray, gyr: np.ndarray, ts: float, still_1: slice, still_2: slice
) -> TurnResidual:
    """The :class:`TurnResidual` of one movement (arguments as :func:`movement_acceleration`)."""
    k1, rot, _, lin = _in_first_pose(t, acc, gyr, ts, still_1, still_2)
    j2 = still_2.start - k1
    turn = Rotation.from_matrix(rot[still_2]).mean().as_matrix() - np.eye(3)
    span = float(np.mean(t[still_2]) - t[k1])
    return TurnResidual(turn, lin[j2:].mean(axis=0), span)


#: Spread of what a still pose holds besides the sensor errors (sway, breathing), m/s².
STILL_POSE_NOISE_M_S2 = 0.015


def acc_bias_from_turns(movements: Sequence[TurnResidual], prior: SensorErrorPrior) -> np.ndarray:
    """The accelerometer's bias, sensor frame, m/s² (3,), from several movements' residuals.

    One movement cannot tell a bias turned with the sensor from gravity leaking through a gyro
    bias error, and a movement that turns out and back sees no residual at its end at all. A
    set of movements that turn one way and back (a glide flexes the head a little, the return
    undoes it) can: the bias term changes sign with the turn, the leak grows with time
    whichever way the head turns. The maximum a posteriori fit of both, with the prior's
    sizes for each (:class:`SensorErrorPrior`) and :data:`STILL_POSE_NOISE_M_S2` for what else
    a still pose holds; with no informative movement it is the prior's zero.

    The trunk board's holds measure the same bias another way, from gravity held in a
    gyro-driven frame over a stretch of samples (:func:`neckimu.trunk.acc_bias.estimate_acc_bias`);
    the two are to become one.
    """
    info = np.diag(
        [1.0 / prior.acc_bias_m_s2**2] * 3 + [1.0 / (G * prior.gyro_bias_rad_s) ** 2] * 3
    )
    rhs = np.zeros(6)
    for m in movements:
        h = np.hstack([m.turn, m.span_s * np.eye(3)])
        info += h.T @ h / STILL_POSE_NOISE_M_S2**2
        rhs += h.T @ m.residual / STILL_POSE_NOISE_M_S2**2
    return np.linalg.solve(info, rhs)[:3]


#: How fast a head still moves in a "still" window (sway, breathing, tremor, a slow settle:
#: the simulator's person 2-5 mm/s), m/s: the floor of a movement's end-velocity mismatch in
#: :func:`error_scale`.
STILL_SPEED_M_S = 0.005


def error_scale(span_s: float, mismatch_m_s: float) -> float:
    """How far a displacement integrated between two still windows can be off, m.

    ``T/2 · sqrt(|Δv|² + STILL_SPEED_M_S²)``: ``Δv`` the velocity the integration had to take
    out at the end (m/s, what the accelerations did not explain), ``T`` the movement's
    duration (s). A constant acceleration error leaves a position error of ``Δv · T/2``
    before the zero-velocity correction, and the correction is exact only for that; a still
    window that was not still (a window inside the movement, a head still settling) or a
    wrong gravity reference shows here first, as a mismatch of tens of mm/s against the
    2-5 mm/s of a person sitting still.
    """
    return 0.5 * span_s * float(np.hypot(mismatch_m_s, STILL_SPEED_M_S))


def weighted_by_scale(
    values: Sequence[np.ndarray], scales: Sequence[float]
) -> tuple[np.ndarray, float]:
    """Several measurements of one displacement combined, each weighted by the inverse square
    of its error scale (:func:`error_scale`; floored at 1e-6 of its unit); returns the
    weighted mean (shape of one value) and its own scale, ``1 / sqrt(sum of the weights)``."""
    w = 1.0 / np.maximum(np.asarray(scales, dtype=float), 1e-6) ** 2
    mean = np.tensordot(w, np.asarray(values, dtype=float), axes=1) / w.sum()
    return mean, float(1.0 / np.sqrt(w.sum()))


@dataclass(frozen=True)
class Movement:
    """The head centre's displacement over one movement and how far it can be off.

    Attributes
    ----------
    d_m : ndarray, shape (n, 3)
        Displacement from the first still pose, m (:func:`head_centre_movement`).
    spread_m : ndarray, shape (len(stops) + 1,)
        The error scale of each part of it, m (:func:`error_scale`): from the start to the
        first stop, from there to the next, .., from the last stop to the end (a stop outside
        the movement: 0).
    """

    d_m: np.ndarray
    spread_m: np.ndarray


def head_centre_movement(
    t: np.ndarray,
    acc: np.ndarray,
    gyr: np.ndarray,
    ts: float,
    still_1: slice,
    still_2: slice,
    m_ns_1: np.ndarray,
    m_nh: np.ndarray,
    lever_arm_m: np.ndarray,
    errors: SensorErrorPrior | None = None,
    stops: Sequence[int] | np.ndarray = (),
) -> Movement:
    """Head-centre displacement over one movement between two still phases, level frame, with
    the error scale of each of its parts between stops.

    Parameters
    ----------
    t : ndarray, shape (n,)
        Time from inside the still phase before to inside the still phase after, s. Samples
        before ``still_1`` and after ``still_2`` are only the low-pass filter's support
        (:data:`neckimu.filters.FIR_HALF_S` on each side is enough).
    acc : ndarray, shape (n, 3)
        Specific force, sensor frame, m/s².
    gyr : ndarray, shape (n, 3)
        Bias-corrected angular rate, sensor frame, rad/s.
    ts : float
        Sampling time, s.
    still_1, still_2 : slice
        The still samples before and after the movement (indices into the arrays).
    m_ns_1 : ndarray, shape (3, 3)
        Sensor-to-neutral rotation in the first still pose.
    m_nh : ndarray, shape (n, 3, 3)
        Head-to-neutral rotations (for the lever arm).
    lever_arm_m : ndarray, shape (3,)
        Sensor position relative to the head centre, head frame, m.
    errors : SensorErrorPrior, optional
        How large the sensor errors behind the residual acceleration can be.
    stops : sequence of int, optional
        Indices between the two still phases where the head stops for a moment: zero velocity
        there too (:func:`zupt_displacement`).

    Returns
    -------
    Movement
        ``d_m``: displacement of the head centre from its position at the end of ``still_1``,
        m, shape (n, 3), neutral frame (x forward, y left, z up); ``spread_m``: for each part
        between stops, the velocity the zero-velocity condition took out at its end over its
        duration (:func:`error_scale`).

    Notes
    -----
    Acceleration is integrated in the frame of the first still pose, rotated by the gyro, with
    gravity (plus accelerometer bias) taken from that pose. In the second still pose the true
    acceleration is zero, so what remains there is error (:func:`leak_correction`), removed
    along the movement in the shape each cause gives it. Only the movement itself is
    integrated, from the last still sample before it to the first after it, with zero velocity
    at both ends: white acceleration noise grows the position error as T^1.5, and inside the
    still phases the head does not move.
    """
    k1 = max(still_1.stop - 1, 0)  # the movement: last still sample before ..
    k2 = max(still_2.start, k1 + 1)  # .. first still sample after
    lin = movement_acceleration(t, acc, gyr, ts, still_1, still_2, errors or SensorErrorPrior())
    d_sensor = np.zeros((len(t), 3))
    inside = [k - k1 for k in stops if k1 < k < k2]
    tm, am = t[k1 : k2 + 1], lin[: k2 + 1 - k1]
    d_sensor[k1 : k2 + 1] = zupt_displacement(tm, am, inside)
    d_sensor[k2 + 1 :] = d_sensor[k2]
    d_sensor = d_sensor @ m_ns_1.T
    lever = m_nh @ lever_arm_m  # (n, 3): sensor offset from the head centre, level frame
    v = cumulative_trapezoid(am, tm, axis=0, initial=0.0)
    anchors = [0, *inside, len(tm) - 1]
    parts = {
        j: error_scale(float(tm[j] - tm[i]), float(np.linalg.norm(v[j] - v[i])))
        for i, j in itertools.pairwise(anchors)
    }
    spread = [parts.get(k - k1, 0.0) for k in stops] + [parts[len(tm) - 1]]
    return Movement(d_sensor - (lever - lever[k1]), np.array(spread))
