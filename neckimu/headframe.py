"""The head frame: how the board sits on the head, found from the ``calibrate`` segment.

The person sits tall and looks ahead (~5 s), then nods slowly a few times, chin down first.

- While still, the accelerometer reads gravity: that direction is the head's *up* axis (z).
- The nods rotate about the head's left-right axis: the principal axis of the gyro signal
  during the nods, made orthogonal to z, is *left* (y); the first nod goes down (flexion,
  a positive rotation about +y), which fixes the sign.
- Forward is x = y × z.

The head frame is x forward, y left, z up in the neutral pose; the neutral pose itself (the
head's orientation while still) is the reference of all head angles (``neckimu.angles``).
Without a calibrate segment the vertical still comes from gravity, and forward from the mount
preset's nominal rotation; the result says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from scipy.ndimage import uniform_filter1d
from scipy.spatial.transform import Rotation

from neckimu.errors import CalibrationError
from neckimu.mounts import DEFAULT_MOUNT, MOUNTS, get_mount, infer_mount
from neckimu.orientation import Orientation
from neckimu.recording.events import Window
from neckimu.runs import true_runs
from neckimu.samples import SampleBlock

#: Head angular speed below which the head counts as still, rad/s (~3 deg/s).
STILL_RAD_S = 0.05
#: Angular speed above which the head counts as nodding, rad/s (~6 deg/s).
MOVING_RAD_S = 0.1
#: Shortest still phase usable for gravity, s.
MIN_STILL_S = 1.0
#: A nod axis tilted more than this from the horizontal is rejected, deg.
MAX_NOD_TILT_DEG = 30.0
#: The first nod excursion beyond this angle decides which way is down, rad.
FIRST_NOD_RAD = np.radians(5.0)


@dataclass(frozen=True)
class Calibration:
    """Result of the head-frame calibration.

    Attributes
    ----------
    sensor_to_head : Rotation
        Maps board-frame vectors into the head frame (x forward, y left, z up).
    method : str
        ``"gravity+nod"`` or ``"gravity-only"``.
    mount : str
        Mount preset used for the lever arm.
    mount_source : str
        ``"argument"``, ``"recording"``, ``"inferred"`` or ``"default"``.
    still_s : tuple of float
        Still phase used for gravity and the neutral pose, s.
    nod_s : tuple of float or None
        Nodding phase used for the left-right axis, s.
    nod_axis_tilt_deg : float or None
        Angle of the measured nod axis from the horizontal plane, deg (quality).
    neutral : Rotation
        Head-to-earth rotation in the neutral pose, in the orientation estimate's earth frame.
        Not stored in metadata: a 6D earth frame is arbitrary in heading for each run.
    notes : list of str
        What was assumed, for people.
    """

    sensor_to_head: Rotation
    method: str
    mount: str
    mount_source: str
    still_s: tuple[float, float]
    nod_s: tuple[float, float] | None
    nod_axis_tilt_deg: float | None
    neutral: Rotation
    notes: list[str] = field(default_factory=list)

    def to_meta(self) -> dict[str, Any]:
        """JSON-able summary stored in the recording metadata and the analysis JSON."""
        q = self.sensor_to_head.as_quat(scalar_first=True)
        return {
            "method": self.method,
            "sensor_to_head_quat_wxyz": [round(float(v), 6) for v in q],
            "mount": self.mount,
            "mount_source": self.mount_source,
            "still_s": [round(v, 3) for v in self.still_s],
            "nod_s": None if self.nod_s is None else [round(v, 3) for v in self.nod_s],
            "nod_axis_tilt_deg": None
            if self.nod_axis_tilt_deg is None
            else round(self.nod_axis_tilt_deg, 2),
            "notes": list(self.notes),
        }


def _speed(seg: SampleBlock, bias: np.ndarray, ts: float) -> np.ndarray:
    """Bias-corrected angular speed smoothed over 0.2 s, rad/s, shape (N,).

    ``bias`` is one estimate, shape (3,), or one per sample, shape (N, 3)."""
    w = np.linalg.norm(seg.gyr - bias, axis=1)
    return uniform_filter1d(w, max(1, round(0.2 / ts)))


def find_still(
    samples: SampleBlock, orient: Orientation, i0: int, i1: int, *, first: bool = False
) -> tuple[int, int] | None:
    """The longest (or, with ``first``, the first) still run in ``samples[i0:i1]``.

    Returns absolute start/stop indices trimmed by 0.2 s at both ends, or None if no run
    lasts :data:`MIN_STILL_S`.

    In a calibrate window the gyro bias is the orientation estimate's at the window's end, for
    every sample: a causal estimate learns the bias in the first still phase itself, and a
    board whose bias is near the still threshold (~3 deg/s) would read as moving until it has.
    The ``first`` still phase of a recording without one is read with the estimate as it was
    at each sample, so a live session, which looks for it as the samples come, finds the same.
    """
    seg = samples.slice(i0, i1)
    speed = _speed(seg, orient.bias[i0:i1] if first else orient.bias[i1 - 1], orient.ts)
    runs = [r for r in true_runs(speed < STILL_RAD_S) if (r[1] - r[0]) * orient.ts >= MIN_STILL_S]
    if not runs:
        return None
    a, b = runs[0] if first else max(runs, key=lambda r: r[1] - r[0])
    trim = round(0.2 / orient.ts)
    return i0 + a + trim, i0 + b - trim


def _nod_axis(seg_gyr: np.ndarray, t: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, float] | None:
    """Left axis (sensor frame) from nodding gyro samples, and its tilt from horizontal (deg)."""
    m = seg_gyr.T @ seg_gyr
    _, vecs = np.linalg.eigh(m)
    a = vecs[:, -1]
    tilt = float(np.degrees(np.arcsin(min(1.0, abs(a @ z)))))
    y = a - (a @ z) * z
    y /= np.linalg.norm(y)
    # first excursion beyond FIRST_NOD_RAD is downward (flexion = +rotation about +y)
    dt = np.diff(t, prepend=t[0])
    theta = np.cumsum((seg_gyr @ y) * dt)
    beyond = np.flatnonzero(np.abs(theta) > FIRST_NOD_RAD)
    if not len(beyond):
        return None
    if theta[beyond[0]] < 0:
        y = -y
    return y, tilt


def _nodding(
    samples: SampleBlock, ts: float, bias: np.ndarray, *spans: tuple[int, int]
) -> tuple[int, int] | None:
    """The nods: from the first to the last moving sample of the first of ``spans`` that moves
    for 1 s, with gyro ``bias`` (rad/s, shape (3,)); None if none does.

    The nods follow the still phase in the protocol, so the span after it comes first; the
    still phase taken may be the one after the nods (the longest still run), so the span
    before it is searched next.
    """
    for j0, j1 in spans:
        if j1 - j0 < 2:
            continue
        speed = _speed(samples.slice(j0, j1), bias, ts)
        moving = np.flatnonzero(speed > MOVING_RAD_S)
        if len(moving) * ts >= 1.0:
            return j0 + int(moving[0]), j0 + int(moving[-1]) + 1
    return None


def calibrate(
    samples: SampleBlock,
    orient: Orientation,
    window: Window | None,
    *,
    mount: str | None = None,
    mount_source: str = "argument",
) -> Calibration:
    """Find the sensor-to-head rotation and the neutral pose.

    Parameters
    ----------
    samples : SampleBlock
        The recording.
    orient : Orientation
        Its orientation estimate (for bias and the neutral pose).
    window : Window or None
        The ``calibrate`` segment; None falls back to gravity only.
    mount : str, optional
        Mount preset name if known (from ``--mount`` or the recording's metadata).
    mount_source : str
        Where ``mount`` came from (``"argument"`` or ``"recording"``).

    Returns
    -------
    Calibration

    Raises
    ------
    CalibrationError
        If the recording never keeps still for :data:`MIN_STILL_S`.
    """
    if mount is not None:
        get_mount(mount)  # validates the name
    notes: list[str] = []
    n = len(samples)
    i0, i1 = 0, n
    if window is not None:
        i0, i1 = (int(i) for i in np.searchsorted(samples.t, [window.start_s, window.end_s]))
    still = find_still(samples, orient, i0, i1, first=window is None)
    if still is None and window is not None:
        notes.append(
            "calibrate segment has no still phase; used the first still phase instead: "
            "head frame from gravity only"
        )
        window, still = None, find_still(samples, orient, 0, n, first=True)
    if still is None:
        raise CalibrationError("the head never keeps still for 1 s: cannot find the vertical")
    s0, s1 = still
    z = samples.acc[s0:s1].mean(axis=0)
    z /= np.linalg.norm(z)

    y = None
    nod_s = tilt = None
    if window is not None:
        bias = orient.bias[i1 - 1]
        nods = _nodding(samples, orient.ts, bias, (s1, i1), (i0, s0))
        if nods is not None:
            k0, k1 = nods
            found = _nod_axis(samples.gyr[k0:k1] - bias, samples.t[k0:k1], z)
            if found is None:
                notes.append("nods too small (< 5 deg): head frame from gravity only")
            elif found[1] > MAX_NOD_TILT_DEG:
                notes.append(
                    f"nod axis tilted {found[1]:.0f} deg from horizontal (turning instead of "
                    "nodding?): head frame from gravity only"
                )
            else:
                y, tilt = found
                nod_s = (float(samples.t[k0]), float(samples.t[k1 - 1]))
        else:
            notes.append("no nods found beside the still phase: head frame from gravity only")
    elif not notes:
        notes.append("no calibrate segment: head frame from gravity only")

    name, source = mount, mount_source if mount is not None else ""
    if y is not None:
        method = "gravity+nod"
        x = np.cross(y, z)
        rot = Rotation.from_matrix(np.vstack([x, y, z]))
        if name is None:
            preset, angle = infer_mount(rot)
            name, source = preset.name, "inferred"
            notes.append(f"mount not given: assumed {name} (board {angle:.0f} deg from preset)")
    else:
        method = "gravity-only"
        if name is None:
            name, source = DEFAULT_MOUNT, "default"
            notes.append(f"mount not given and not inferable from gravity: assumed {name}")
        preset = MOUNTS[name]
        # forward of the preset, in the sensor frame, made horizontal
        fwd = preset.sensor_to_head.inv().apply([1.0, 0.0, 0.0])
        x = fwd - (fwd @ z) * z
        if np.linalg.norm(x) < 0.3:  # preset forward nearly vertical: use its left axis
            left = preset.sensor_to_head.inv().apply([0.0, 1.0, 0.0])
            x = np.cross(left - (left @ z) * z, z)
        x /= np.linalg.norm(x)
        y = np.cross(z, x)
        rot = Rotation.from_matrix(np.vstack([x, y, z]))
        notes.append(f"forward direction taken from the {name} mount preset")

    q_es = Rotation.from_quat(orient.quat[s0:s1], scalar_first=True).mean()
    neutral = q_es * rot.inv()  # head -> earth at neutral
    return Calibration(
        sensor_to_head=rot,
        method=method,
        mount=name,
        mount_source=source,
        still_s=(float(samples.t[s0]), float(samples.t[s1 - 1])),
        nod_s=nod_s,
        nod_axis_tilt_deg=tilt,
        neutral=neutral,
        notes=notes,
    )


def with_neutral(cal: Calibration, t: np.ndarray, quat_wxyz: np.ndarray) -> Calibration:
    """The same head frame with its neutral pose taken from another orientation estimate.

    The neutral pose is a head-to-earth rotation, so it belongs to one estimate's earth frame
    (a 6D heading is arbitrary per run); the sensor-to-head rotation does not.
    """
    i0, i1 = (int(i) for i in np.searchsorted(t, cal.still_s))
    i1 = max(i1, i0 + 1)
    q_es = Rotation.from_quat(quat_wxyz[i0:i1], scalar_first=True).mean()
    return replace(cal, neutral=q_es * cal.sensor_to_head.inv())
