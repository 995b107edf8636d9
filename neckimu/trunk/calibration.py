"""The trunk board's frame: from gravity in the neutral pose and the trunk mount preset's
heading (see :mod:`neckimu.trunk`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.spatial.transform import Rotation

from neckimu.mounts import DEFAULT_TRUNK_MOUNT, TRUNK_MOUNTS, Mount
from neckimu.samples import G, SampleBlock


@dataclass(frozen=True)
class TrunkCalibration:
    """The trunk board's frame.

    Attributes
    ----------
    sensor_to_trunk : Rotation
        Board -> trunk frame.
    mount : Mount
        The trunk preset (lever arm: board position from the neutral head centre).
    tilt_from_preset_deg : float
        How far the board's frame lies from the preset's, deg (a quality figure).
    source : str
        ``"head neutral"`` (through :func:`heading_link`) or ``"preset"`` (gravity and the
        preset's heading).
    notes : list of str
    """

    sensor_to_trunk: Rotation
    mount: Mount
    tilt_from_preset_deg: float
    source: str = "preset"
    notes: list[str] = field(default_factory=list)

    def to_meta(self) -> dict:
        """JSON-able summary."""
        q = self.sensor_to_trunk.as_quat(scalar_first=True)
        return {
            "mount": self.mount.name,
            "source": self.source,
            "sensor_to_trunk_quat_wxyz": [float(x) for x in q],
            "tilt_from_preset_deg": round(self.tilt_from_preset_deg, 2),
        }


def trunk_data_problem(trunk: SampleBlock, still_s: tuple[float, float]) -> str | None:
    """Why the trunk board's data cannot stand for a trunk, or None when it can.

    Judged on the neutral still phase only, so that a live session knows it when its
    calibration ends (the same answer ``analyze`` gives): an accelerometer at rest reads
    gravity (9.81 m/s²), and a real sensor's samples always differ by their noise. One that
    reads far from gravity (a dead or unconnected sensor reads 0) or never changes (a frozen
    stream) would be taken as a trunk that keeps perfectly still, and every head movement would
    count as the neck's.
    """
    seg = trunk.between(*still_s)
    if len(seg) < 5:
        seg = trunk.slice(0, min(len(trunk), 50))
    g = float(np.linalg.norm(seg.acc.mean(axis=0))) if len(seg) else 0.0
    if not 0.5 * G <= g <= 1.5 * G:
        return f"its accelerometer reads {g:.1f} m/s² at rest, not gravity"
    if len(seg) > 10 and not (np.ptp(seg.acc, axis=0).any() or np.ptp(seg.gyr, axis=0).any()):
        return "its data never change (a frozen stream)"
    return None


def calibrate_trunk(
    trunk: SampleBlock, still_s: tuple[float, float], mount: str | None = None
) -> TrunkCalibration:
    """The trunk frame from the trunk board's gravity in the neutral still phase and the
    preset's heading.

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
    fix = (
        Rotation.from_rotvec(axis / np.linalg.norm(axis) * ang)
        if np.linalg.norm(axis) > 1e-12
        else Rotation.identity()
    )
    return TrunkCalibration(
        fix * preset.sensor_to_head, preset, float(np.degrees(ang)), "preset", notes
    )
