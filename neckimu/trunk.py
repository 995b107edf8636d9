"""A second board on the upper back: trunk orientation, neck angles relative to the trunk, and
the trunk's part of a head displacement (issue 15).

Frames. The *trunk frame* is fixed to the thorax; in the neutral sitting pose of the
calibration it is the head frame there (x forward, y left, z up). Its vertical comes from the
trunk board's gravity during the calibration's still phase, its heading from the trunk mount
preset (``neckimu/mounts.toml``, ``[trunk.*]``): a board flat on the back cannot tell from
gravity which way the chest faces, and a strap or a collar clip holds it square to the back.

- **Neck angles**: the head's rotation relative to the trunk, ``R_TH = D_t⁻¹ · D_h``, where
  ``D_h`` (``D_t``) is the head's (trunk's) rotation since the neutral pose, each in its own
  neutral frame (``neckimu.angles`` convention: flexion, lateral flexion, rotation). Both
  boards' 6D orientations have arbitrary headings; only their changes since the neutral pose
  are used, so the headings need not agree.
- **Trunk inclination**: the trunk's forward lean from its neutral sitting pose, deg
  (+ forward), and its sideways lean (+ right).
- **The trunk's part of a displacement**: the head centre's rest position, fixed to the
  trunk, followed over a movement by the trunk board's own translation (its acceleration
  integrated between still phases with zero velocity at both ends, as the head's,
  ``neckimu.translation``) and rotation. The neck's own displacement is the head's minus this,
  in the rest's trunk frame: the trunk's lean and its rotation about the hips are taken out
  without knowing where the hips are.

Errors: a yaw error of the trunk mount (the preset's heading) turns a trunk lean into a little
lateral flexion (~ lean x yaw error in rad); each board's 6D heading drifts on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from scipy.spatial.transform import Rotation, Slerp

from neckimu.angles import angles_from_matrices, head_matrices
from neckimu.headframe import Calibration
from neckimu.mounts import DEFAULT_TRUNK_MOUNT, TRUNK_MOUNTS, Mount
from neckimu.orientation import Orientation
from neckimu.samples import SampleBlock
from neckimu.translation import SensorErrorPrior, head_centre_displacement

#: Seated hip joint to the head centre, m (adults 0.55-0.70): the lean pivot of
#: :meth:`TrunkContext.lean_displacement`.
HIP_TO_HEAD_M = 0.62


@dataclass(frozen=True)
class TrunkCalibration:
    """The trunk board's frame, from the neutral pose of the calibration.

    Attributes
    ----------
    sensor_to_trunk : Rotation
        Board -> trunk frame (vertical from gravity, heading from the preset).
    mount : Mount
        The trunk preset (lever arm: board position from the neutral head centre).
    tilt_from_preset_deg : float
        How far gravity tilted the preset's rotation, deg (a quality figure).
    notes : list of str
    """

    sensor_to_trunk: Rotation
    mount: Mount
    tilt_from_preset_deg: float
    notes: list[str] = field(default_factory=list)

    def to_meta(self) -> dict:
        """JSON-able summary."""
        q = self.sensor_to_trunk.as_quat()
        return {"mount": self.mount.name, "sensor_to_trunk_quat_wxyz": [float(q[3]), *map(
            float, q[:3])], "tilt_from_preset_deg": round(self.tilt_from_preset_deg, 2)}


def calibrate_trunk(trunk: SampleBlock, still_s: tuple[float, float], mount: str | None = None
                    ) -> TrunkCalibration:
    """The trunk frame from the trunk board's gravity in the neutral still phase.

    Parameters
    ----------
    trunk : SampleBlock
        Trunk samples, on the recording's time base.
    still_s : tuple of float
        The neutral still phase (the head calibration's ``still_s``), s.
    mount : str, optional
        Trunk preset; default ``between_shoulder_blades``.
    """
    notes: list[str] = []
    name = mount if mount in TRUNK_MOUNTS else DEFAULT_TRUNK_MOUNT
    if mount is not None and mount not in TRUNK_MOUNTS:
        notes.append(f"trunk mount {mount!r} is not a preset; assumed {name}")
    preset = TRUNK_MOUNTS[name]
    seg = trunk.between(*still_s)
    if len(seg) < 5:
        seg = trunk.slice(0, min(len(trunk), 50))
        notes.append("no trunk data in the neutral pose: its first samples taken as neutral")
    up_s = seg.acc.mean(axis=0)
    up_s = up_s / np.linalg.norm(up_s)
    up_t = preset.sensor_to_head.apply(up_s)  # where the preset puts the board's up
    axis = np.cross(up_t, [0.0, 0.0, 1.0])
    ang = float(np.arctan2(np.linalg.norm(axis), up_t[2]))
    fix = (Rotation.from_rotvec(axis / np.linalg.norm(axis) * ang) if np.linalg.norm(axis) > 1e-12
           else Rotation.identity())
    return TrunkCalibration(fix * preset.sensor_to_head, preset, float(np.degrees(ang)), notes)


def _slerp_at(t_src: np.ndarray, quat_wxyz: np.ndarray, t: np.ndarray) -> Rotation:
    """Orientations of ``quat_wxyz`` (at ``t_src``) at times ``t`` (held outside the span)."""
    rot = Rotation.from_quat(np.asarray(quat_wxyz)[:, [1, 2, 3, 0]])
    tc = np.clip(t, t_src[0], t_src[-1])
    return Slerp(t_src, rot)(tc)


def trunk_rotation(t_trunk: np.ndarray, quat_wxyz: np.ndarray, cal: TrunkCalibration,
                   still_s: tuple[float, float], t: np.ndarray) -> Rotation:
    """``D_t``: the trunk's rotation since the neutral pose, in the neutral trunk frame, at
    times ``t`` (N rotations)."""
    q = Rotation.from_quat(np.asarray(quat_wxyz)[:, [1, 2, 3, 0]])
    i0, i1 = np.searchsorted(t_trunk, still_s)
    i1 = max(i1, i0 + 1)
    neutral = q[int(i0): int(min(i1, len(q)))].mean()
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


def trunk_angles(t: np.ndarray, head_quat: np.ndarray, cal: Calibration, trunk_t: np.ndarray,
                 trunk_quat: np.ndarray, tcal: TrunkCalibration) -> TrunkAngles:
    """Neck angles and trunk inclination at head times ``t`` (see module docstring)."""
    d_t = trunk_rotation(trunk_t, trunk_quat, tcal, cal.still_s, t)
    return TrunkAngles(angles_from_matrices(neck_matrices(head_quat, cal, d_t)),
                       inclination_deg(d_t))


@dataclass
class TrunkContext:
    """What the trunk checks need: the trunk board's data, its causal orientation and frame.

    Attributes
    ----------
    samples : SampleBlock
        Trunk samples (recording time base).
    orientation : Orientation
        Its causal 6D orientation (quat, bias, ts).
    cal : TrunkCalibration
    still_s : tuple of float
        The neutral still phase, s.
    """

    samples: SampleBlock
    orientation: Orientation
    cal: TrunkCalibration
    still_s: tuple[float, float]

    def rotation(self, t: np.ndarray) -> Rotation:
        """``D_t`` at times ``t``."""
        return trunk_rotation(self.samples.t, self.orientation.quat, self.cal, self.still_s, t)

    def lean_displacement(self, t1: tuple[float, float], t2: tuple[float, float],
                          hip_to_head_m: float = HIP_TO_HEAD_M) -> np.ndarray | None:
        """Displacement of the trunk-fixed point at the head centre from window ``t1`` to
        ``t2`` (s) when the trunk rotates about the hips, ``hip_to_head_m`` below it, m, in
        the trunk frame of ``t1`` (the trunk board's rotation only: no integration)."""
        s = self.samples.t
        a1, b1, a2, b2 = np.searchsorted(s, [t1[0], t1[1], t2[0], t2[1]])
        if b1 - a1 < 2 or b2 - a2 < 2:
            return None
        r1 = self.rotation(s[a1:b1]).mean()
        r2 = self.rotation(s[a2:b2]).mean()
        r = np.array([0.0, 0.0, hip_to_head_m])
        return (r1.inv() * r2).apply(r) - r

    def level_frames(self, i0: int, i1: int) -> tuple[np.ndarray, np.ndarray]:
        """Board -> level and trunk -> level matrices of trunk samples ``i0:i1`` (level: z up,
        x the trunk's forward at ``i0``), shapes (n, 3, 3)."""
        q = self.orientation.quat[i0:i1]
        m_es = Rotation.from_quat(q[:, [1, 2, 3, 0]]).as_matrix()
        s2t = self.cal.sensor_to_trunk.as_matrix()
        fwd = m_es[0] @ s2t.T[:, 0]
        yaw = np.arctan2(fwd[1], fwd[0])
        c, s = np.cos(yaw), np.sin(yaw)
        m_ls = np.array([[c, s, 0.0], [-s, c, 0.0], [0.0, 0.0, 1.0]]) @ m_es
        return m_ls, m_ls @ s2t.T

    def point_displacement(self, t1: tuple[float, float], t2: tuple[float, float]
                           ) -> tuple[np.ndarray, np.ndarray] | None:
        """Displacement of the trunk-fixed point at the head centre from still window ``t1``
        to still window ``t2`` (s), m, in the trunk frame of ``t1``; and that frame's
        trunk -> level matrix (3, 3). None when the trunk data do not cover it."""
        s = self.samples
        i0, a1, b1, a2, b2 = (int(v) for v in np.searchsorted(
            s.t, [t1[0], t1[0], t1[1], t2[0], t2[1]]))
        if b1 - a1 < 3 or b2 - a2 < 3 or b2 > len(s.t):
            return None
        ts = self.orientation.ts
        m_ls, m_lt = self.level_frames(i0, b2)
        gyr = s.gyr[i0:b2] - self.orientation.bias[i0:b2]
        lever = self.cal.mount.lever_arm_m  # board from the head centre, trunk frame
        d = head_centre_displacement(s.t[i0:b2], s.acc[i0:b2], gyr, ts, slice(0, b1 - i0),
                                     slice(a2 - i0, b2 - i0), m_ls[0], m_lt, lever,
                                     SensorErrorPrior())
        d = d[a2 - i0: b2 - i0].mean(axis=0) - d[: b1 - i0].mean(axis=0)
        m_rest = Rotation.from_matrix(m_lt[: b1 - i0]).mean().as_matrix()
        return m_rest.T @ d, m_rest


def trunk_context(trunk: SampleBlock, causal: Orientation, tcal: TrunkCalibration,
                  still_s: tuple[float, float]) -> TrunkContext:
    """Bundle the trunk's data for the verifiers."""
    return TrunkContext(trunk, causal, tcal, still_s)


__all__ = [
    "TrunkAngles", "TrunkCalibration", "TrunkContext", "calibrate_trunk", "inclination_deg",
    "neck_matrices", "replace", "trunk_angles", "trunk_context", "trunk_rotation",
]
