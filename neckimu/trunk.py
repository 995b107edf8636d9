"""A second board on the upper back: trunk orientation, neck angles relative to the trunk, and
the neck's own displacement (issue 15).

Frames. The *trunk frame* is fixed to the thorax; in the neutral sitting pose of the
calibration it is the neutral head frame (x forward, y left, z up): at neutral the neck is
neutral by definition. Each board's 6D orientation has its own arbitrary heading, and each
drifts about the vertical on its own (tens of deg/h), so the two earth frames are tied together
by the boards' **common rotation**: whenever the trunk turns (a lean, a change of posture)
with the neck still, both boards turn about one axis at one rate, and the angle between the
horizontal parts of their angular velocities is the heading of one earth frame in the other
(:func:`heading_link`). With the link, the trunk board's rotation to the trunk frame follows
from the head's neutral pose (:func:`linked_calibration`); without one (a trunk that never
turned), its vertical comes from gravity in the neutral pose and its heading from the trunk
mount preset (``neckimu/mounts.toml``, ``[trunk.*]``), as a strap or a collar clip holds the
board square to the back (:func:`calibrate_trunk`).

- **Neck angles**: the head's rotation relative to the trunk (``neckimu.angles`` convention:
  flexion, lateral flexion, rotation), ``R_TH = R_ET⁻¹ · R_EH`` with both in the head's earth
  frame.
- **Trunk inclination**: the trunk's forward lean from its neutral sitting pose, deg
  (+ forward), and its sideways lean (+ right).
- **The neck's own displacement** (:func:`neck_displacement`): the head centre relative to the
  trunk-fixed point where it was at the rest, from the two boards' gravity-free accelerations
  in one level frame, integrated over one movement. The trunk's sway and breathing move both
  points alike, so their *relative* velocity is zero whenever the neck is still, whatever the
  trunk does: the zero-velocity condition of the integration holds for the neck, where it does
  not for the head in the room.
- **The trunk's part** (:meth:`TrunkContext.point_displacement`): how far the trunk carried
  that point, from the trunk board alone.

Errors: each board's 6D heading drifts between two trunk movements (the link is interpolated
between them); the neck's yaw is therefore the least accurate angle.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from scipy.integrate import cumulative_trapezoid
from scipy.spatial.transform import Rotation, Slerp

from neckimu.angles import angles_from_matrices, head_matrices
from neckimu.filters import lowpass_fir
from neckimu.headframe import Calibration
from neckimu.mounts import DEFAULT_TRUNK_MOUNT, TRUNK_MOUNTS, Mount
from neckimu.orientation import Orientation
from neckimu.runs import true_runs
from neckimu.samples import SampleBlock
from neckimu.translation import (
    MOVEMENT_BAND_HZ,
    SensorErrorPrior,
    leak_correction,
    relative_rotations,
)

#: Seated hip joint to the head centre, m (adults 0.55-0.70): the lean pivot of
#: :meth:`TrunkContext.lean_displacement`.
HIP_TO_HEAD_M = 0.62
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
#: Data beyond each still window integrated through the low-pass filter (its edges), s.
FILTER_MARGIN_S = 0.5


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


# -- the link between the two boards' earth frames --------------------------------------------
@dataclass(frozen=True)
class HeadingLink:
    """Heading of the trunk board's earth frame in the head board's (both 6D, z up).

    Attributes
    ----------
    times_s : ndarray, shape (K,)
        Middle of each trunk movement that measured it, s.
    psi_rad : ndarray, shape (K,)
        The heading there, rad (unwrapped).
    """

    times_s: np.ndarray
    psi_rad: np.ndarray

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
    return HeadingLink(np.asarray(tk)[keep], ref + dev[keep])


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
            f"{len(link.times_s)} trunk movement{'s' * (len(link.times_s) != 1)}",
        ],
    )


def _slerp_at(t_src: np.ndarray, quat_wxyz: np.ndarray, t: np.ndarray) -> Rotation:
    """Orientations of ``quat_wxyz`` (at ``t_src``) at times ``t`` (held outside the span)."""
    rot = Rotation.from_quat(np.asarray(quat_wxyz), scalar_first=True)
    tc = np.clip(t, t_src[0], t_src[-1])
    return Slerp(t_src, rot)(tc)


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


# -- displacements ---------------------------------------------------------------------------
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

    As :func:`neckimu.translation.head_centre_displacement` (gravity from the first still
    pose, the gyro's rotation, the leak correction of what remains in the second), except that
    the low-pass filter runs over all of ``t`` — pass :data:`FILTER_MARGIN_S` of data on both
    sides — so its edges hold no single sample (a tremor peak at ``k1`` held for the filter's
    half-length is a velocity error of its own).
    """
    k1 = max(still_1.stop - 1, 0)
    rot = relative_rotations(t, gyr, ts)  # sensor(t) -> sensor(t[0])
    rot = np.einsum("ji,njk->nik", rot[k1], rot)  # .. -> sensor(t[k1])
    acc_r = np.einsum("nij,nj->ni", rot, acc)
    acc_1 = acc_r[still_1].mean(axis=0)
    lin = lowpass_fir(acc_r - acc_1, ts, MOVEMENT_BAND_HZ)[k1 : still_2.stop]
    j2 = still_2.start - k1
    lin -= leak_correction(
        t[k1 : still_2.stop], rot[k1 : still_2.stop], lin[j2:].mean(axis=0), acc_1, j2, prior
    )
    return lin


def zupt_between(t: np.ndarray, acc: np.ndarray, v0: np.ndarray, v1: np.ndarray) -> np.ndarray:
    """Displacement from ``t[0]`` over one movement whose velocity is known at both ends
    (``v0``, ``v1``, m/s): the integrated velocity is corrected by the straight line that makes
    it end at ``v1`` (a constant acceleration error cancels), m, shape (n, 3)."""
    v = cumulative_trapezoid(acc, t, axis=0, initial=0.0) + v0
    span = t[-1] - t[0]
    if span > 0:
        v -= np.outer((t - t[0]) / span, v[-1] - v1)
    return cumulative_trapezoid(v, t, axis=0, initial=0.0)


@dataclass(frozen=True)
class _Span:
    """Samples of one board over a movement between two still windows (indices into the
    board's arrays: ``[m0, m1)`` with the filter margins; ``still_1``/``still_2`` relative)."""

    m0: int
    m1: int
    still_1: slice
    still_2: slice

    @property
    def k1(self) -> int:
        return self.still_1.stop - 1

    @property
    def k2(self) -> int:
        return self.still_2.start


def _span(t: np.ndarray, w1: tuple[float, float], w2: tuple[float, float]) -> _Span | None:
    m0, a1, b1, a2, b2, m1 = (
        int(v)
        for v in np.searchsorted(
            t, [w1[0] - FILTER_MARGIN_S, w1[0], w1[1], w2[0], w2[1], w2[1] + FILTER_MARGIN_S]
        )
    )
    if b1 - a1 < 3 or b2 - a2 < 3 or a2 <= b1:
        return None
    return _Span(m0, m1, slice(a1 - m0, b1 - m0), slice(a2 - m0, b2 - m0))


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
    prior : SensorErrorPrior
        Sizes of the trunk board's sensor errors.
    """

    samples: SampleBlock
    orientation: Orientation
    cal: TrunkCalibration
    still_s: tuple[float, float]
    prior: SensorErrorPrior = field(default_factory=SensorErrorPrior)

    def rotation(self, t: np.ndarray) -> Rotation:
        """``D_t`` at times ``t``."""
        return trunk_rotation(self.samples.t, self.orientation.quat, self.cal, self.still_s, t)

    def lean_displacement(
        self, t1: tuple[float, float], t2: tuple[float, float], hip_to_head_m: float = HIP_TO_HEAD_M
    ) -> np.ndarray | None:
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
        m_es = Rotation.from_quat(q, scalar_first=True).as_matrix()
        s2t = self.cal.sensor_to_trunk.as_matrix()
        fwd = m_es[0] @ s2t.T[:, 0]
        yaw = np.arctan2(fwd[1], fwd[0])
        c, s = np.cos(yaw), np.sin(yaw)
        m_ls = np.array([[c, s, 0.0], [-s, c, 0.0], [0.0, 0.0, 1.0]]) @ m_es
        return m_ls, m_ls @ s2t.T

    def _moving(self, sp: _Span) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Times, gravity-free acceleration (level frame of ``sp.m0``, from ``k1``), the
        board -> head-centre point vector (level, all samples) and the level angular
        velocity (all samples) of a trunk span."""
        s, o = self.samples, self.orientation
        m_ls, m_lt = self.level_frames(sp.m0, sp.m1)
        gyr = s.gyr[sp.m0 : sp.m1] - o.bias[sp.m0 : sp.m1]
        t = s.t[sp.m0 : sp.m1]
        lin = (
            movement_acceleration(
                t, s.acc[sp.m0 : sp.m1], gyr, o.ts, sp.still_1, sp.still_2, self.prior
            )
            @ m_ls[sp.k1].T
        )
        to_point = -np.einsum("nij,j->ni", m_lt, self.cal.mount.lever_arm_m)
        return t, lin, to_point, np.einsum("nij,nj->ni", m_ls, gyr)

    def point_displacement(
        self, t1: tuple[float, float], t2: tuple[float, float]
    ) -> np.ndarray | None:
        """How far the trunk carried the head centre's rest position: the displacement of the
        trunk-fixed point at the head centre from still window ``t1`` to still window ``t2``
        (s), m, in the trunk frame of ``t1``. The trunk board's acceleration integrated with
        zero velocity at both windows, plus the turn of its lever to that point. None when the
        trunk data do not cover the windows."""
        sp = _span(self.samples.t, t1, t2)
        if sp is None:
            return None
        t, lin, to_point, _ = self._moving(sp)
        k1, k2 = sp.k1, sp.k2
        d = np.zeros((len(t), 3))
        d[k1 : k2 + 1] = zupt_between(t[k1 : k2 + 1], lin[: k2 + 1 - k1], np.zeros(3), np.zeros(3))
        d[k2 + 1 :] = d[k2]
        p = d + to_point
        _, m_lt = self.level_frames(sp.m0, sp.m1)
        m_rest = Rotation.from_matrix(m_lt[sp.still_1]).mean().as_matrix()
        return m_rest.T @ (p[sp.still_2].mean(axis=0) - p[sp.still_1].mean(axis=0))


def neck_displacement(
    head_t: np.ndarray,
    head_acc: np.ndarray,
    head_gyr: np.ndarray,
    head_ts: float,
    m_lh: np.ndarray,
    sensor_to_head: np.ndarray,
    lever_arm_m: np.ndarray,
    head_prior: SensorErrorPrior,
    tctx: TrunkContext,
    neck_rest: np.ndarray,
    t1: tuple[float, float],
    t2: tuple[float, float],
) -> np.ndarray | None:
    """The neck's own displacement over one movement: the head centre relative to the
    trunk-fixed point where it was in still window ``t1``, at still window ``t2``, in the
    trunk frame of ``t2``, m, shape (3,); None when either board's data do not cover it.

    Both boards' gravity-free accelerations (:func:`movement_acceleration`) are put in the
    head's level frame (the trunk's turned by the neck's yaw at ``t1``), the trunk's on the
    head's sample times, and their difference is integrated once. The zero-velocity condition
    holds for the two *points* (head centre, trunk point): the sensors' own velocities at the
    still windows are those of their levers turning with the body (both boards' gyros), so the
    trunk's sway and breathing, which move the whole body, cancel.

    Parameters
    ----------
    head_t, head_acc, head_gyr : ndarray
        The head's samples (bias-corrected gyro), shapes (N,), (N, 3), (N, 3).
    head_ts : float
        The head filter's sampling time, s.
    m_lh : ndarray, shape (N, 3, 3)
        Head -> level matrices of the head's samples (any fixed heading).
    sensor_to_head : ndarray, shape (3, 3)
    lever_arm_m : ndarray, shape (3,)
        Head sensor position from the head centre, head frame, m.
    head_prior : SensorErrorPrior
    tctx : TrunkContext
    neck_rest : ndarray, shape (3, 3)
        Head -> trunk matrix in ``t1`` (for the heading between the two level frames).
    t1, t2 : tuple of float
        The still windows, s.
    """
    hs = _span(head_t, t1, t2)
    ts_ = _span(tctx.samples.t, t1, t2)
    if hs is None or ts_ is None:
        return None
    lh = m_lh[hs.m0 : hs.m1]
    ls = lh @ sensor_to_head
    g_h = head_gyr[hs.m0 : hs.m1]
    th = head_t[hs.m0 : hs.m1]
    k1, k2 = hs.k1, hs.k2
    lin_h = (
        movement_acceleration(
            th, head_acc[hs.m0 : hs.m1], g_h, head_ts, hs.still_1, hs.still_2, head_prior
        )
        @ ls[k1].T
    )
    tt, lin_t, to_point, w_t = tctx._moving(ts_)
    # the trunk's level frame (x: trunk forward) -> the head's (x: head forward at m0)
    _, m_lt = tctx.level_frames(ts_.m0, ts_.m1)
    fwd_h = lh[k1] @ neck_rest.T[:, 0]  # the trunk's forward in the head's level frame
    fwd_t = m_lt[ts_.k1][:, 0]
    psi = np.arctan2(fwd_h[1], fwd_h[0]) - np.arctan2(fwd_t[1], fwd_t[0])
    c, s = np.cos(psi), np.sin(psi)
    rz = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
    t_move = th[k1 : k2 + 1]
    lin_t = (
        np.column_stack(
            [np.interp(t_move, tt[ts_.k1 : ts_.k1 + len(lin_t)], lin_t[:, k]) for k in range(3)]
        )
        @ rz.T
    )
    to_point = np.column_stack([np.interp(th, tt, to_point[:, k]) for k in range(3)]) @ rz.T
    w_t = np.column_stack([np.interp(th, tt, w_t[:, k]) for k in range(3)]) @ rz.T
    w_h = np.einsum("nij,nj->ni", ls, g_h)
    from_centre = lh @ lever_arm_m  # head centre -> head sensor, level
    # sensor velocities at the still windows: each lever turning with its board
    v0 = np.cross(w_h[hs.still_1].mean(axis=0), from_centre[k1]) + np.cross(
        w_t[hs.still_1].mean(axis=0), to_point[k1]
    )
    v1 = np.cross(w_h[hs.still_2].mean(axis=0), from_centre[k2]) + np.cross(
        w_t[hs.still_2].mean(axis=0), to_point[k2]
    )
    d = np.zeros((len(th), 3))
    d[k1 : k2 + 1] = zupt_between(t_move, lin_h[: k2 + 1 - k1] - lin_t, v0, v1)
    d[k2 + 1 :] = d[k2]
    # head centre - trunk point = (S_h - S_t) - (head lever) - (trunk board -> point)
    u = d - from_centre - to_point
    du = u[hs.still_2].mean(axis=0) - u[hs.still_1].mean(axis=0)
    m_kept = rz @ Rotation.from_matrix(m_lt[ts_.still_2]).mean().as_matrix()
    return m_kept.T @ du


def trunk_context(
    trunk: SampleBlock,
    causal: Orientation,
    tcal: TrunkCalibration,
    still_s: tuple[float, float],
    meta: dict | None = None,
) -> TrunkContext:
    """Bundle the trunk's data for the verifiers (``meta``: the trunk board's metadata, the
    recording header's ``trunk``, for its sensor error prior)."""
    return TrunkContext(trunk, causal, tcal, still_s, SensorErrorPrior.for_recording(meta or {}))


__all__ = [
    "HeadingLink",
    "TrunkAngles",
    "TrunkCalibration",
    "TrunkContext",
    "calibrate_trunk",
    "heading_link",
    "inclination_deg",
    "linked_calibration",
    "movement_acceleration",
    "neck_displacement",
    "neck_matrices",
    "trunk_angles",
    "trunk_context",
    "trunk_rotation",
    "zupt_between",
]
