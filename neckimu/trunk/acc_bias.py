"""A board's accelerometer bias from gravity turned by its gyroscope, and the inclination of a
6D orientation estimate corrected for it (issue 15: holds judged on the neck).

Why. A 6D filter levels each board with the accelerometer's mean, so a bias ``b`` (LSM9DS1: up
to 90 mg per axis) tilts its estimate by ``u × b / g`` (``u``: the true up in the sensor
frame, steady state once the filter's accelerometer correction has settled). That tilt is
constant while the board turns about the vertical, but it changes when the board leans: a
lean by θ changes it by up to ``|b| · 2 sin(θ/2) / g``. Two boards with different biases
leaning together (a trunk lean with the neck still) then disagree by a few degrees, and the
neck (head relative to trunk) seems to move: a 25 deg trunk lean made a still neck fail its
hold by up to 4 deg on the simulator.

How. Over a few seconds the gyroscope alone carries the board's orientation without that
error. In a frame integrated from the gyroscope only (``Q``, drifting slowly), the measured
acceleration is ``Q·a = g_G + Q·b + Q·lin``: gravity is fixed there, the bias turns with the
board, and the linear acceleration averages out over a window. Window means of ``Q·a``
against window means of ``Q`` give ``b`` by linear least squares, with gravity and a slow
drift (linear in time) free in every chunk of :data:`CHUNK_S`. A board that never turned
says nothing about ``b``: a prior of :data:`PRIOR_SD` per axis keeps the estimate at zero
there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial.transform import Rotation
from vqf import VQF

from neckimu.orientation import gyro_for_fixed_rate
from neckimu.samples import G

#: Averaging window of the acceleration and of the gyro-only orientation, s.
WINDOW_S = 1.0
#: Gravity and the gyro-only frame's drift are free per chunk of this length, s.
CHUNK_S = 12.0
#: A gap longer than this between samples starts a new chunk (the gyro saw nothing), s.
MAX_GAP_S = 0.25
#: Prior size of one axis of the accelerometer bias, m/s² (LSM9DS1 datasheet: ±90 mg).
PRIOR_SD = 0.5
#: Windows whose residual exceeds this many robust standard deviations are down-weighted.
HUBER_K = 2.0


@dataclass(frozen=True)
class AccBias:
    """An accelerometer bias estimate.

    Attributes
    ----------
    bias_m_s2 : ndarray, shape (3,)
        The bias in the sensor frame, m/s².
    sd_m_s2 : ndarray, shape (3,)
        Its standard deviation per axis (prior included), m/s².
    windows : int
        How many windows measured it.
    """

    bias_m_s2: np.ndarray
    sd_m_s2: np.ndarray
    windows: int


def gyro_frames(t: np.ndarray, gyr: np.ndarray, gyro_bias: np.ndarray, ts: float) -> Rotation:
    """Orientation integrated from the gyroscope alone (no accelerometer), N rotations.

    Parameters
    ----------
    t : ndarray, shape (N,)
        Sample times, s.
    gyr, gyro_bias : ndarray, shape (N, 3)
        Angular rate and its bias estimate, rad/s.
    ts : float
        The integrator's fixed period, s.
    """
    f = VQF(ts, restBiasEstEnabled=False, motionBiasEstEnabled=False)
    w = gyro_for_fixed_rate(t, np.asarray(gyr) - gyro_bias, ts)
    out = f.updateBatch(w, np.zeros_like(w))  # zero acceleration: no correction
    return Rotation.from_quat(out["quat6D"], scalar_first=True)


def _group_sum(idx: np.ndarray, x: np.ndarray, n: int) -> np.ndarray:
    """Sums of the rows of ``x`` (N, K) per group ``idx`` (N,), shape (n, K)."""
    out = np.zeros((n, x.shape[1]))
    np.add.at(out, idx, x)
    return out


def estimate_acc_bias(
    t: np.ndarray, gyr: np.ndarray, acc: np.ndarray, gyro_bias: np.ndarray, ts: float
) -> AccBias:
    """The accelerometer's bias from gravity turned by the gyroscope (module docstring).

    Parameters
    ----------
    t : ndarray, shape (N,)
        Sample times, s.
    gyr, acc : ndarray, shape (N, 3)
        Angular rate (rad/s) and acceleration (m/s²), sensor frame.
    gyro_bias : ndarray, shape (N, 3)
        The orientation filter's gyroscope bias estimate, rad/s.
    ts : float
        The filter's period, s.

    Returns
    -------
    AccBias
        Zero (with the prior's spread) when the data are too short to say anything.
    """
    none = AccBias(np.zeros(3), np.full(3, PRIOR_SD), 0)
    t = np.asarray(t, dtype=np.float64)
    if len(t) < 4 * max(int(WINDOW_S / ts), 1):
        return none
    q = gyro_frames(t, gyr, gyro_bias, ts)
    a_g = q.apply(acc)
    m = q.as_matrix().reshape(-1, 9)
    seg = np.concatenate([[0], np.cumsum(np.diff(t) > MAX_GAP_S)])
    t_seg0 = np.concatenate([[t[0]], t[1:][np.diff(t) > MAX_GAP_S]])[seg]
    win = np.floor((t - t_seg0) / WINDOW_S).astype(np.int64)
    per_chunk = round(CHUNK_S / WINDOW_S)
    # windows numbered within their gap-free segment, so none spans a gap
    key = seg * (int(win.max()) + 1) + win
    _, w_idx, n_per = np.unique(key, return_inverse=True, return_counts=True)
    nw = len(n_per)
    full = n_per >= 0.8 * WINDOW_S / ts
    sums = _group_sum(w_idx, np.column_stack([a_g, m, t]), nw) / n_per[:, None]
    y, p, tw = sums[:, :3], sums[:, 3:12].reshape(-1, 3, 3), sums[:, 12]
    w_seg = _group_sum(w_idx, seg[:, None].astype(float), nw)[:, 0] / n_per
    w_win = _group_sum(w_idx, win[:, None].astype(float), nw)[:, 0] / n_per
    chunk = np.unique(w_seg * 1e6 + np.floor(w_win / per_chunk), return_inverse=True)[1]
    y, p, tw, chunk = y[full], p[full], tw[full], chunk[full]
    if len(y) < 3:
        return none
    # per chunk: gravity and a linear drift free (regressed out of y and of p)
    cols = np.column_stack([y, p.reshape(-1, 9)])
    nc = int(chunk.max()) + 1
    cnt = np.bincount(chunk, minlength=nc).astype(float)
    ok = cnt[chunk] >= 3
    tm = (np.bincount(chunk, tw, nc) / np.maximum(cnt, 1))[chunk]
    x = tw - tm
    sxx = np.bincount(chunk, x * x, nc)[chunk]
    cm = _group_sum(chunk, cols, nc)[chunk] / np.maximum(cnt, 1)[chunk, None]
    sx = _group_sum(chunk, cols * x[:, None], nc)[chunk]
    res = cols - cm - x[:, None] * sx / np.maximum(sxx, 1e-12)[:, None]
    res = res[ok]
    if len(res) < 3:
        return none
    yr, pr = res[:, :3].reshape(-1), res[:, 3:].reshape(-1, 3, 3).reshape(-1, 3)
    wts = np.ones(len(res))
    prior = np.eye(3) / PRIOR_SD**2
    b, cov = np.zeros(3), np.eye(3) * PRIOR_SD**2
    for _ in range(4):  # Huber reweighting: windows in fast movements average badly
        wr = np.repeat(wts, 3)
        r = yr - pr @ b
        sigma2 = max(float(np.sum(wr * r * r) / max(np.sum(wr) - 3, 1.0)), 1e-8)
        a = (pr * wr[:, None]).T @ pr / sigma2 + prior
        cov = np.linalg.inv(a)
        b = cov @ ((pr * wr[:, None]).T @ yr / sigma2)
        e = np.linalg.norm((yr - pr @ b).reshape(-1, 3), axis=1)
        s = 1.4826 * float(np.median(e)) + 1e-9
        wts = np.minimum(1.0, HUBER_K * s / np.maximum(e, 1e-12))
    return AccBias(b, np.sqrt(np.diag(cov)), len(res))


def corrected_quat(quat_wxyz: np.ndarray, bias_m_s2: np.ndarray) -> tuple[np.ndarray, Rotation]:
    """A 6D estimate's inclination corrected for the accelerometer bias it levelled with.

    The filter's up in the sensor frame, ``m = R⁻¹ z``, is the direction of ``g_s + b``; the
    true up is ``g_s / g`` with ``|g_s| = g``. ``C`` turns ``m`` onto it (the smallest
    rotation), and ``R · C⁻¹`` maps the true up onto z (heading unchanged).

    Parameters
    ----------
    quat_wxyz : ndarray, shape (N, 4)
        Sensor-to-earth quaternions of a 6D filter.
    bias_m_s2 : ndarray, shape (3,)
        The accelerometer's bias, m/s².

    Returns
    -------
    quat : ndarray, shape (N, 4)
        The corrected quaternions (w, x, y, z).
    correction : Rotation
        ``C`` at each sample (sensor frame): a frame levelled with the biased gravity at a
        pose becomes the true one when multiplied by ``C⁻¹`` there.
    """
    r = Rotation.from_quat(np.asarray(quat_wxyz), scalar_first=True)
    b = np.asarray(bias_m_s2, dtype=np.float64)
    m = r.inv().apply([0.0, 0.0, 1.0]).reshape(-1, 3)
    mb = m @ b
    lam = mb + np.sqrt(np.maximum(mb**2 - b @ b + G**2, 0.0))
    up = lam[:, None] * m - b
    up /= np.linalg.norm(up, axis=1)[:, None]
    axis = np.cross(m, up)
    n = np.linalg.norm(axis, axis=1)
    ang = np.arctan2(n, np.sum(m * up, axis=1))
    c = Rotation.from_rotvec(axis / np.maximum(n, 1e-15)[:, None] * ang[:, None])
    return (r * c.inv()).as_quat(scalar_first=True), c
