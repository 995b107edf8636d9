"""Head angles relative to the neutral pose, in degrees.

The head's rotation relative to its neutral pose, expressed in the neutral head frame
(x forward, y left, z up), is decomposed as intrinsic Cardan angles in the clinical order
flexion, then lateral flexion, then axial rotation::

    R_neutral_head = Ry(flexion) · Rx(lateral) · Rz(−rotation)

- ``flexion_deg``: + chin toward the chest (flexion), − head tipped back (extension);
- ``lateral_deg``: + right ear toward the right shoulder, − toward the left;
- ``rotation_deg``: + turned to the right, − to the left.

See docs/head-frame.md for the frames and the calibration that defines them.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial.transform import Rotation

from neckimu.headframe import Calibration

ANGLE_NAMES: tuple[str, ...] = ("flexion_deg", "lateral_deg", "rotation_deg")


def head_rotation(quat_wxyz: np.ndarray, cal: Calibration) -> Rotation:
    """Head orientation relative to its neutral pose.

    Parameters
    ----------
    quat_wxyz : ndarray, shape (N, 4)
        Sensor-to-earth quaternions (w, x, y, z) from the same estimate the calibration used.
    cal : Calibration

    Returns
    -------
    Rotation
        N rotations, head frame → neutral head frame.
    """
    q_es = Rotation.from_quat(np.asarray(quat_wxyz)[..., [1, 2, 3, 0]])
    return cal.neutral.inv() * q_es * cal.sensor_to_head.inv()


def angles_from_rotation(rot: Rotation) -> np.ndarray:
    """Flexion, lateral flexion and rotation of head rotations, deg, shape (N, 3)."""
    e = np.atleast_2d(rot.as_euler("YXZ", degrees=True))
    e[:, 2] *= -1.0
    return e


def rotation_from_angles(angles_deg: np.ndarray) -> Rotation:
    """Inverse of :func:`angles_from_rotation`: (N, 3) or (3,) angles in deg → Rotation."""
    a = np.array(angles_deg, dtype=float)
    a[..., 2] *= -1.0
    return Rotation.from_euler("YXZ", a, degrees=True)


def head_angles_deg(quat_wxyz: np.ndarray, cal: Calibration) -> np.ndarray:
    """Head angles (flexion, lateral, rotation) relative to neutral, deg, shape (N, 3)."""
    return angles_from_rotation(head_rotation(quat_wxyz, cal))
