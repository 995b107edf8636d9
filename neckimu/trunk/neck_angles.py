"""Neck angles (the head relative to the trunk) and the trunk's inclination from its neutral
pose (see :mod:`neckimu.trunk`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial.transform import Rotation

from neckimu.angles import angles_from_matrices, head_matrices
from neckimu.headframe import Calibration
from neckimu.trunk.calibration import TrunkCalibration
from neckimu.trunk.link import HeadingLink, _slerp_at


def trunk_rotation(
    t_trunk: np.ndarray,
    quat_wxyz: np.ndarray,
    cal: TrunkCalibration,
    still_s: tuple[float, float],
    t: np.ndarray,
) -> Rotation:
    """``D_t``: the trunk's rotation since the neutral pose, in the neutral trunk frame, at
    times ``t`` (N rotations)."""
    q = Rotation.from_quat(np.asarray(quat_wxyz), scalar_first=True)
    i0, i1 = np.searchsorted(t_trunk, still_s)
    i1 = max(i1, i0 + 1)
    neutral = q[int(i0) : int(min(i1, len(q)))].mean()
    at = _slerp_at(t_trunk, quat_wxyz, t)
    s2t = cal.sensor_to_trunk
    return s2t * neutral.inv() * at * s2t.inv()


@dataclass
class TrunkAngles:
    """Neck and trunk angles at the head's samples (deg).

    Attributes
    ----------
    neck_deg : ndarray, shape (N, 3)
        Flexion, lateral flexion, rotation of the head relative to the trunk.
    trunk_deg : ndarray, shape (N, 2)
        Trunk inclination: forward lean (+ forward), sideways lean (+ right), from neutral.
    """

    neck_deg: np.ndarray
    trunk_deg: np.ndarray


def neck_matrices(head_quat: np.ndarray, cal: Calibration, d_t: Rotation) -> np.ndarray:
    """Head relative to trunk, ``D_t⁻¹ · D_h`` as matrices (N, 3, 3)."""
    d_h = head_matrices(head_quat, cal)
    return np.einsum("nji,njk->nik", d_t.as_matrix(), d_h)


def inclination_deg(d_t: Rotation) -> np.ndarray:
    """Forward and sideways lean of the trunk from its neutral pose, deg, shape (N, 2)."""
    ang = angles_from_matrices(d_t.as_matrix())
    return ang[:, :2]


def trunk_angles(
    t: np.ndarray,
    head_quat: np.ndarray,
    cal: Calibration,
    trunk_t: np.ndarray,
    trunk_quat: np.ndarray,
    tcal: TrunkCalibration,
    link: HeadingLink | None = None,
) -> TrunkAngles:
    """Neck angles and trunk inclination at head times ``t`` (see module docstring).

    With ``link`` (and ``tcal`` from :func:`linked_calibration`) the trunk's orientation is
    carried into the head's earth frame at every sample, so the two boards' heading drifts do
    not add up in the neck's yaw; without it each board's rotation since neutral is used.
    """
    d_t = trunk_rotation(trunk_t, trunk_quat, tcal, cal.still_s, t)
    if link is None:
        return TrunkAngles(
            angles_from_matrices(neck_matrices(head_quat, cal, d_t)), inclination_deg(d_t)
        )
    r_et = link.rotation(t) * _slerp_at(trunk_t, trunk_quat, t) * tcal.sensor_to_trunk.inv()
    r_eh = Rotation.from_quat(np.asarray(head_quat), scalar_first=True) * cal.sensor_to_head.inv()
    neck = np.einsum("nji,njk->nik", r_et.as_matrix(), r_eh.as_matrix())
    return TrunkAngles(angles_from_matrices(neck), inclination_deg(d_t))
