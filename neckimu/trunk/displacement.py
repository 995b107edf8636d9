"""The neck's own displacement and the trunk's part in it: both boards' gravity-free
accelerations integrated over one movement (see :mod:`neckimu.trunk`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.integrate import cumulative_trapezoid, trapezoid
from scipy.spatial.transform import Rotation

from neckimu.headframe import Calibration
from neckimu.orientation import Orientation
from neckimu.samples import SampleBlock
from neckimu.translation import (
    SensorErrorPrior,
    error_scale,
    movement_acceleration,
)
from neckimu.trunk.breathing import BreathFit, fit_breathing
from neckimu.trunk.calibration import TrunkCalibration
from neckimu.trunk.neck_angles import trunk_rate_in_head, trunk_rotation

#: Seated hip joint to the head centre, m (adults 0.55-0.70): the lean pivot of
#: :meth:`TrunkContext.lean_displacement`.
HIP_TO_HEAD_M = 0.62
#: Data beyond each still window integrated through the low-pass filter (its edges), s.
FILTER_MARGIN_S = 0.5


@dataclass(frozen=True)
class NeckDisplacement:
    """The neck's displacement over one movement and how far it can be off.

    Attributes
    ----------
    displacement_m : ndarray, shape (3,)
        Head centre relative to the trunk-fixed point where it was before, trunk frame after
        the movement, m.
    spread_m : float
        Its error scale, m (:func:`neckimu.translation.error_scale`): a still window that
        was not still (a rep finder's window in the movement, a head still settling) or a
        wrong gravity reference shows here first.
    """

    displacement_m: np.ndarray
    spread_m: float


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

    def rate_in_head(self, t: np.ndarray, head_quat: np.ndarray, cal: Calibration) -> np.ndarray:
        """The trunk's angular velocity at the head's samples ``t``, head board frame, rad/s,
        shape (N, 3) (:func:`~neckimu.trunk.neck_angles.trunk_rate_in_head`; ``head_quat``
        and ``cal`` the head's orientation and calibration): what the rep finder takes off the
        head's gyro to see the neck (``Context.trunk_rate``)."""
        return trunk_rate_in_head(t, head_quat, cal, self.rotation(t))

    def breathing(
        self,
        span: tuple[float, float],
        segments: list[tuple[float, float]],
        centre_s: float | None = None,
    ) -> BreathFit | None:
        """The breathing in the trunk's pitch over ``span`` (s), fitted on its still
        ``segments`` weighted about ``centre_s`` (:func:`neckimu.trunk.breathing.fit_breathing`),
        or None."""
        s = self.samples.t
        i0, i1 = (int(i) for i in np.searchsorted(s, span))
        if i1 - i0 < 10:
            return None
        tt = s[i0:i1]
        d = self.rotation(tt)
        pitch = (d[0].inv() * d).as_rotvec()[:, 1]
        return fit_breathing(tt, pitch, segments, centre_s)

    def lean_displacement(
        self,
        t1: tuple[float, float],
        t2: tuple[float, float],
        hip_to_head_m: float = HIP_TO_HEAD_M,
        breath: BreathFit | None = None,
    ) -> np.ndarray | None:
        """Displacement of the trunk-fixed point at the head centre from window ``t1`` to
        ``t2`` (s) when the trunk rotates about the hips, ``hip_to_head_m`` below it, m, in
        the trunk frame of ``t1`` (the trunk board's rotation only: no integration). With
        ``breath`` the breathing's pitch is taken out of the rotation first (a breath extends
        the thorax without carrying the head)."""
        s = self.samples.t
        a1, b1, a2, b2 = np.searchsorted(s, [t1[0], t1[1], t2[0], t2[1]])
        if b1 - a1 < 2 or b2 - a2 < 2:
            return None

        def mean_rotation(a: int, b: int) -> Rotation:
            r = self.rotation(s[a:b])
            if breath is not None:
                y = np.zeros((b - a, 3))
                y[:, 1] = -breath(s[a:b])
                r = r * Rotation.from_rotvec(y)
            return r.mean()

        r1, r2 = mean_rotation(a1, b1), mean_rotation(a2, b2)
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
) -> NeckDisplacement | None:
    """The neck's own displacement over one movement: the head centre relative to the
    trunk-fixed point where it was in still window ``t1``, at still window ``t2``, in the
    trunk frame of ``t2``, with its error scale (:class:`NeckDisplacement`); None when either
    board's data do not cover it.

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
    rel = lin_h[: k2 + 1 - k1] - lin_t
    d = np.zeros((len(th), 3))
    d[k1 : k2 + 1] = zupt_between(t_move, rel, v0, v1)
    d[k2 + 1 :] = d[k2]
    mismatch = float(np.linalg.norm(v0 + trapezoid(rel, t_move, axis=0) - v1))
    span = float(t_move[-1] - t_move[0])
    # head centre - trunk point = (S_h - S_t) - (head lever) - (trunk board -> point)
    u = d - from_centre - to_point
    du = u[hs.still_2].mean(axis=0) - u[hs.still_1].mean(axis=0)
    m_kept = rz @ Rotation.from_matrix(m_lt[ts_.still_2]).mean().as_matrix()
    return NeckDisplacement(m_kept.T @ du, error_scale(span, mismatch))


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
