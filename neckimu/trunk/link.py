"""The link between the two boards' earth frames: the heading of the trunk board's earth frame
in the head board's, from their common rotation, and the trunk frame taken through it from the
head's neutral pose (see :mod:`neckimu.trunk`)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy.spatial.transform import Rotation, Slerp

from neckimu.filters import lowpass_fir
from neckimu.headframe import Calibration
from neckimu.orientation import Orientation
from neckimu.runs import true_runs
from neckimu.samples import SampleBlock
from neckimu.trunk.calibration import TrunkCalibration
from neckimu.trunk.drift import neck_still, relative_drift

#: Band of the angular velocities compared by :func:`heading_link`, Hz.
LINK_BAND_HZ = 2.5
#: A trunk movement counts for the link when the trunk turns faster than this, rad/s ..
LINK_MIN_RATE = np.radians(1.5)
#: .. for at least this long, s ..
LINK_MIN_S = 0.5
#: .. and the head turns with it: coherence of the two horizontal rates at least this, and
#: the head's rate 0.8-1.25 times the trunk's (a neck that moved meanwhile spoils the pair).
LINK_COHERENCE = 0.9
LINK_RATIO = (0.8, 1.25)
#: Trunk movements whose heading lies further than this from the others' are dropped, rad.
LINK_OUTLIER = np.radians(4.0)
#: Time step of a link followed by the drift, s.
LINK_GRID_S = 0.1


@dataclass(frozen=True)
class HeadingLink:
    """Heading of the trunk board's earth frame in the head board's (both 6D, z up).

    Attributes
    ----------
    times_s : ndarray, shape (K,)
        Middle of each trunk movement that measured it, s.
    psi_rad : ndarray, shape (K,)
        The heading there, rad (unwrapped).
    movements : int
        How many trunk movements measured it (0: one per time).
    """

    @property
    def n_movements(self) -> int:
        """How many trunk movements measured the link."""
        return self.movements or len(self.times_s)

    times_s: np.ndarray
    psi_rad: np.ndarray
    movements: int = 0

    def at(self, t: np.ndarray) -> np.ndarray:
        """The heading at times ``t`` (s), rad: linear between movements, held outside."""
        return np.interp(t, self.times_s, self.psi_rad)

    def rotation(self, t: np.ndarray) -> Rotation:
        """Trunk earth frame -> head earth frame at times ``t`` (N rotations about z)."""
        return Rotation.from_euler("z", self.at(np.atleast_1d(t))[:, None])


def _earth_rates(t: np.ndarray, gyr: np.ndarray, orient: Orientation, band_hz: float) -> np.ndarray:
    """Low-passed angular velocity in the board's earth frame, rad/s, shape (N, 3)."""
    q = Rotation.from_quat(orient.quat, scalar_first=True)
    return q.apply(lowpass_fir(gyr - orient.bias, orient.ts, band_hz))


def heading_link(
    head: SampleBlock, head_orient: Orientation, trunk: SampleBlock, trunk_orient: Orientation
) -> HeadingLink | None:
    """The heading of the trunk board's earth frame in the head board's, from their common
    rotation (see the module docstring); None when the trunk never turned with the neck still.

    Each trunk movement (trunk rate above :data:`LINK_MIN_RATE` for :data:`LINK_MIN_S`) whose
    head rate follows it (:data:`LINK_COHERENCE`, :data:`LINK_RATIO`) gives one heading: the
    angle between the horizontal rates summed over it. Movements far from the others
    (:data:`LINK_OUTLIER`) are dropped one by one, worst first.
    """
    if len(head) < 10 or len(trunk) < 10:
        return None
    t = head.t
    wh = _earth_rates(t, head.gyr, head_orient, LINK_BAND_HZ)
    wt_own = _earth_rates(trunk.t, trunk.gyr, trunk_orient, LINK_BAND_HZ)
    wt = np.column_stack([np.interp(t, trunk.t, wt_own[:, k]) for k in range(2)])
    zh = wh[:, 0] + 1j * wh[:, 1]
    zt = wt[:, 0] + 1j * wt[:, 1]
    runs = [
        (a, b) for a, b in true_runs(np.abs(zt) > LINK_MIN_RATE) if t[b - 1] - t[a] >= LINK_MIN_S
    ]
    tk, pk = [], []
    for a, b in runs:
        s = complex(np.sum(zh[a:b] * np.conj(zt[a:b])))
        pt = float(np.sum(np.abs(zt[a:b]) ** 2))
        ph = float(np.sum(np.abs(zh[a:b]) ** 2))
        if abs(s) < LINK_COHERENCE * np.sqrt(pt * ph):
            continue
        if not LINK_RATIO[0] < abs(s) / pt < LINK_RATIO[1]:
            continue
        tk.append(0.5 * (t[a] + t[b - 1]))
        pk.append(np.angle(s))
    if not pk:
        return None
    psi = np.asarray(pk)
    ref = float(np.angle(np.exp(1j * psi).mean()))
    dev = np.angle(np.exp(1j * (psi - ref)))
    keep = np.ones(len(dev), bool)
    while keep.sum() > 2:
        res = np.abs(dev[keep] - np.median(dev[keep]))
        if res.max() < LINK_OUTLIER:
            break
        keep[np.flatnonzero(keep)[int(np.argmax(res))]] = False
    if keep.sum() <= 2:  # too few to tell an outlier: keep the ones near their mean
        keep &= np.abs(dev - np.median(dev[keep])) < LINK_OUTLIER
    if not keep.any():
        return None
    sparse = HeadingLink(np.asarray(tk)[keep], ref + dev[keep])
    return _with_drift(sparse, head, head_orient, trunk, trunk_orient) or sparse


def _with_drift(
    link: HeadingLink,
    head: SampleBlock,
    head_orient: Orientation,
    trunk: SampleBlock,
    trunk_orient: Orientation,
) -> HeadingLink | None:
    """The link followed between its measurements by the boards' relative drift
    (:func:`neckimu.trunk.drift.relative_drift`), its offset the mean over all of them; on a
    grid of :data:`LINK_GRID_S`. None when the neck was never still."""
    t = head.t
    psi_mean = float(np.angle(np.exp(1j * link.psi_rad).mean()))
    rz = Rotation.from_euler("z", psi_mean)
    r_h = Rotation.from_quat(head_orient.quat, scalar_first=True)
    r_t = rz * _slerp_at(trunk.t, trunk_orient.quat, t)
    w_h = r_h.apply(head.gyr - head_orient.bias)
    w_own = Rotation.from_quat(trunk_orient.quat, scalar_first=True).apply(
        trunk.gyr - trunk_orient.bias
    )
    w_t = rz.apply(np.column_stack([np.interp(t, trunk.t, w_own[:, k]) for k in range(3)]))
    drift = relative_drift(t, r_h, r_t, neck_still(t, w_h, w_t, head_orient.ts))
    if drift is None:
        return None
    off = link.psi_rad - np.interp(link.times_s, t, drift)
    psi0 = psi_mean + float(np.median(np.angle(np.exp(1j * (off - psi_mean)))))
    step = max(round(LINK_GRID_S / max(float(np.median(np.diff(t))), 1e-6)), 1)
    idx = np.unique(np.r_[np.arange(0, len(t), step), len(t) - 1])
    return HeadingLink(t[idx], psi0 + drift[idx], movements=len(link.times_s))


def linked_calibration(
    tcal: TrunkCalibration,
    cal: Calibration,
    head_t: np.ndarray,
    head_quat: np.ndarray,
    trunk_t: np.ndarray,
    trunk_quat: np.ndarray,
    link: HeadingLink,
) -> TrunkCalibration:
    """The trunk frame taken from the head's neutral pose through the link: at neutral the
    trunk frame is the neutral head frame (``cal.neutral`` must belong to ``head_quat``)."""
    i0, i1 = np.searchsorted(head_t, cal.still_s)
    i1 = max(int(i1), int(i0) + 1)
    tn = head_t[int(i0) : i1]
    q_t = _slerp_at(trunk_t, trunk_quat, tn)
    q_t = (link.rotation(tn) * q_t).mean()  # trunk board -> head earth, at neutral
    s2t = cal.neutral.inv() * q_t
    tilt = float(np.degrees((tcal.mount.sensor_to_head.inv() * s2t).magnitude()))
    return replace(
        tcal,
        sensor_to_trunk=s2t,
        tilt_from_preset_deg=tilt,
        source="head neutral",
        notes=[
            *tcal.notes,
            f"trunk heading from the head's neutral pose through "
            f"{link.n_movements} trunk movement{'s' * (link.n_movements != 1)}",
        ],
    )


def _slerp_at(t_src: np.ndarray, quat_wxyz: np.ndarray, t: np.ndarray) -> Rotation:
    """Orientations of ``quat_wxyz`` (at ``t_src``) at times ``t`` (held outside the span)."""
    tc = np.clip(t, t_src[0], t_src[-1])
    if len(tc) == 0:
        return Rotation.from_quat(np.zeros((0, 4)))
    # only the source samples around the times asked for (a Slerp over all is costly)
    i0 = max(int(np.searchsorted(t_src, tc.min(), side="right")) - 1, 0)
    i1 = min(int(np.searchsorted(t_src, tc.max(), side="left")) + 1, len(t_src))
    if i1 - i0 < 2:
        i0, i1 = max(min(i0, len(t_src) - 2), 0), min(max(i1, 2), len(t_src))
    rot = Rotation.from_quat(np.asarray(quat_wxyz)[i0:i1], scalar_first=True)
    if len(rot) == 1:
        return Rotation.from_quat(np.repeat(rot.as_quat()[None], len(tc), axis=0))
    return Slerp(t_src[i0:i1], rot)(tc)
