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

import numpy as np
from scipy.integrate import cumulative_trapezoid
from scipy.spatial.transform import Rotation
from vqf import VQF

from neckimu.orientation import gyro_for_fixed_rate
from neckimu.samples import G


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


def zupt_displacement(t: np.ndarray, acc: np.ndarray) -> np.ndarray:
    """Displacement over one movement with zero velocity at both ends.

    Parameters
    ----------
    t : ndarray, shape (N,)
        Time, s, from the still phase before to the still phase after.
    acc : ndarray, shape (N, 3)
        Acceleration, m/s².

    Returns
    -------
    ndarray, shape (N, 3)
        Displacement from ``t[0]``, m. The velocity is corrected by the straight line that
        brings it to zero at ``t[-1]`` (a constant acceleration error cancels).
    """
    v = cumulative_trapezoid(acc, t, axis=0, initial=0.0)
    span = t[-1] - t[0]
    if span > 0:
        v -= np.outer((t - t[0]) / span, v[-1])
    return cumulative_trapezoid(v, t, axis=0, initial=0.0)


def relative_rotations(t: np.ndarray, gyr: np.ndarray, ts: float) -> np.ndarray:
    """Rotation of the sensor since ``t[0]`` from the bias-corrected gyro, matrices (n, 3, 3).

    Strapdown integration (VQF's ``gyrQuat``, bias estimation off), honouring the real
    sample intervals; over a movement of a second or two its drift is negligible.
    """
    f = VQF(ts, restBiasEstEnabled=False, motionBiasEstEnabled=False)
    acc = np.ascontiguousarray(np.tile([0.0, 0.0, G], (len(t), 1)))
    q = f.updateBatchFullState(gyro_for_fixed_rate(t, gyr, ts), acc)["gyrQuat"]
    return Rotation.from_quat(q[:, [1, 2, 3, 0]]).as_matrix()


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


def head_centre_displacement(
    t: np.ndarray,
    acc: np.ndarray,
    gyr: np.ndarray,
    ts: float,
    still_1: slice,
    still_2: slice,
    m_ns_1: np.ndarray,
    m_nh: np.ndarray,
    lever_arm_m: np.ndarray,
) -> np.ndarray:
    """Head-centre displacement over one movement between two still phases, neutral frame.

    Parameters
    ----------
    t : ndarray, shape (n,)
        Time from inside the still phase before to inside the still phase after, s.
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

    Returns
    -------
    ndarray, shape (n, 3)
        Displacement of the head centre from ``t[0]``, m, neutral frame (x forward, y left,
        z up).

    Notes
    -----
    Acceleration is integrated in the frame of the first still pose, rotated by the gyro, with
    gravity (plus bias) taken from that pose. An accelerometer bias of a few tens of mg,
    constant in the sensor frame, changes its projection by ~0.05 m/s² as the head flexes
    10 deg; a zero-velocity correction alone cannot cancel that (it is not constant) and it
    costs ~5 mm. It is measured in the second still pose, where the head does not accelerate,
    and removed in proportion to the rotation (:func:`rotation_progress`).
    """
    rot = relative_rotations(t, gyr, ts)  # sensor(t) -> sensor(t0)
    acc_1 = acc[still_1].mean(axis=0)  # gravity (+ bias) in the first pose
    lin = np.einsum("nij,nj->ni", rot, acc) - acc_1
    # In the second still pose the true acceleration is zero: what remains is the bias turned
    # with the sensor, (R - I) b, plus gravity leaking through any gyro scale error; both grow
    # with the rotation, so they are removed in proportion to it.
    lin -= np.outer(rotation_progress(rot, still_2), lin[still_2].mean(axis=0))
    d_sensor = zupt_displacement(t, lin) @ m_ns_1.T
    lever = m_nh @ lever_arm_m  # (n, 3): sensor offset from the head centre, neutral frame
    return d_sensor - (lever - lever[0])
