"""From head motion to what an ideal sensor on the head feels.

Frames: earth E (ENU, z up), trunk T (the head frame at neutral; z up, heading random per
session, still apart from the sway the person model puts on the head), head H, sensor S (the
board frame). The sensor sits at the lever arm ``L`` (head frame) from the head centre::

    p_S^T = p_H^T + R_TH · L,          R_ES = R_ET · R_TH · R_HS
    f_S   = R_ES^T (d²p_S^E/dt² + [0, 0, g])      (specific force, +g up at rest)
    ω_S   = R_HS^T ω_H                 (body rate of the head, sensor frame)
    B_S   = R_ES^T B^E

Derivatives are central differences with a tiny step (``h = 2e-4 s``): the trajectory is an
analytic function of time, so the truncation error (~h²·f⁗/12) is far below a micro-g and
the rounding error (~1e-16·|p|/h²) is negligible. Earth rotation (7.3e-5 rad/s) is ignored.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial.transform import Rotation

from neckimu.samples import G
from neckimu.sim.motion import HeadMotion

#: Time step of the central differences, s.
FD_STEP_S = 2e-4


def earth_field(total_ut: float = 50.0, dip_deg: float = 65.0) -> np.ndarray:
    """Earth magnetic field in ENU, µT: north (y) and down by the dip angle, shape (3,)."""
    d = np.radians(dip_deg)
    return total_ut * np.array([0.0, np.cos(d), -np.sin(d)])


@dataclass(frozen=True)
class Body:
    """How the sensor sits on this person's head, and where the person faces.

    Attributes
    ----------
    trunk_heading_rad : float
        Rotation of the trunk frame about the earth's z axis, rad.
    sensor_to_head : Rotation
        The TRUE board -> head rotation (preset plus the extra mounting rotation).
    lever_arm_m : ndarray, shape (3,)
        IMU position relative to the head centre, head frame, m.
    field_ut : ndarray, shape (3,)
        Earth magnetic field in ENU, µT.
    """

    trunk_heading_rad: float
    sensor_to_head: Rotation
    lever_arm_m: np.ndarray
    field_ut: np.ndarray

    @property
    def trunk_to_earth(self) -> Rotation:
        """``R_ET``: trunk -> earth (a rotation about z)."""
        return Rotation.from_euler("z", self.trunk_heading_rad)


@dataclass
class Kinematics:
    """True motion of head and sensor at N times.

    Attributes
    ----------
    t : ndarray, shape (N,)
        Physical time, s.
    head_rot : Rotation
        ``R_TH``, head -> trunk.
    head_pos : ndarray, shape (N, 3)
        Head centre in the trunk frame, m.
    sensor_rot : Rotation
        ``R_ES``, sensor -> earth.
    sensor_pos : ndarray, shape (N, 3)
        Sensor position in the earth frame (origin: the head centre at neutral), m.
    sensor_vel : ndarray, shape (N, 3)
        Its velocity, earth frame, m/s.
    gyr : ndarray, shape (N, 3)
        Angular rate of the sensor, sensor frame, rad/s.
    acc : ndarray, shape (N, 3)
        Specific force, sensor frame, m/s².
    mag : ndarray, shape (N, 3)
        Earth field in the sensor frame, µT (no hard iron: that is the sensor's).
    """

    t: np.ndarray
    head_rot: Rotation
    head_pos: np.ndarray
    sensor_rot: Rotation
    sensor_pos: np.ndarray
    sensor_vel: np.ndarray
    gyr: np.ndarray
    acc: np.ndarray
    mag: np.ndarray


def sensor_orientation(motion: HeadMotion, body: Body, t: np.ndarray) -> Rotation:
    """``R_ES`` (sensor -> earth) at times ``t``, shape (N,)."""
    return body.trunk_to_earth * motion.rotation(t) * body.sensor_to_head


def evaluate(
    motion: HeadMotion, body: Body, t: np.ndarray, step_s: float = FD_STEP_S
) -> Kinematics:
    """Everything an ideal sensor feels at physical times ``t`` (shape (N,)).

    Parameters
    ----------
    motion : HeadMotion
        Head trajectory in the trunk frame.
    body : Body
        Sensor placement and trunk heading.
    t : ndarray, shape (N,)
        Physical time, s.
    step_s : float
        Central-difference step, s.
    """
    t = np.asarray(t, dtype=np.float64)
    n = len(t)
    t3 = np.concatenate([t - step_s, t, t + step_s])
    r_th, p_h = motion.pose(t3)
    r_et = body.trunk_to_earth
    p_s = r_et.apply(p_h + r_th.apply(body.lever_arm_m))
    pm, p0, pp = p_s[:n], p_s[n : 2 * n], p_s[2 * n :]
    acc_e = (pp - 2.0 * p0 + pm) / step_s**2
    vel_e = (pp - pm) / (2.0 * step_s)
    rm, r0, rp = r_th[:n], r_th[n : 2 * n], r_th[2 * n :]
    # body rate at t: log(R(t-h)^T R(t+h)) / 2h, exact to O(h²)
    w_head = (rm.inv() * rp).as_rotvec() / (2.0 * step_s)
    r_es = r_et * r0 * body.sensor_to_head
    gyr = body.sensor_to_head.inv().apply(w_head)
    acc = r_es.inv().apply(acc_e + np.array([0.0, 0.0, G]))
    mag = r_es.inv().apply(body.field_ut)
    return Kinematics(
        t=t,
        head_rot=r0,
        head_pos=p_h[n : 2 * n],
        sensor_rot=r_es,
        sensor_pos=p0,
        sensor_vel=vel_e,
        gyr=gyr,
        acc=acc,
        mag=mag,
    )
