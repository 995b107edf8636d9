"""How the two boards' 6D headings drift apart, measured whenever the neck is still
(issue 15; see :mod:`neckimu.trunk`).

Each board's 6D heading drifts with the error of its gyro's vertical bias estimate; the
trunk board rests most of the time and its filter learns its bias, the head's moves and its
heading drifts by several degrees over a session. The heading link
(:func:`neckimu.trunk.heading_link`) measures the offset of the two earth frames only when the
trunk turns with the neck still, a few times a session, each to about a degree. In between, a
still neck tells the drift itself: with the head fixed to the trunk, the head's rotation since
the start of the still segment equals the trunk's, so what the two estimated rotations differ
by about the vertical is how far the two earth frames drifted apart meanwhile — whatever the
trunk does (breathing, sway). The drift *rate* of each still segment (a line fitted to it) is
averaged over neighbouring segments (a neck turning slowly in one of them spoils its rate, the
filters' drift rates change slowly) and integrated; the link's measurements then only set the one
offset, averaged over all of them.
"""

from __future__ import annotations

import numpy as np
from scipy.integrate import cumulative_trapezoid
from scipy.spatial.transform import Rotation

from neckimu.filters import lowpass_fir
from neckimu.runs import true_runs

#: The neck counts as still while the two boards' angular velocities (earth frame, low-passed
#: at :data:`STILL_BAND_HZ`) differ by less than this, rad/s ..
STILL_RATE = np.radians(0.5)
#: .. for at least this long, s.
STILL_MIN_S = 0.8
#: Low-pass of the angular velocities compared, Hz.
STILL_BAND_HZ = 1.0
#: Width of the Gaussian over which the segments' drift rates are averaged, s.
RATE_SMOOTH_S = 10.0
#: Time step of the averaged drift rate, s.
RATE_GRID_S = 0.5
#: A still segment's drift rate beyond this is not a filter's drift (the neck turned slowly),
#: rad/s: such segments are dropped.
MAX_DRIFT_RATE = np.radians(0.2)


def neck_still(
    t: np.ndarray, w_head_e: np.ndarray, w_trunk_e: np.ndarray, ts: float
) -> list[tuple[int, int]]:
    """Segments ``[a, b)`` of samples where the neck is still: the two boards' earth-frame
    angular velocities (rad/s, shapes (N, 3), on the same samples ``t``) agree within
    :data:`STILL_RATE` for :data:`STILL_MIN_S`."""
    d = lowpass_fir(w_head_e - w_trunk_e, ts, STILL_BAND_HZ)
    quiet = np.linalg.norm(d, axis=1) < STILL_RATE
    return [(a, b) for a, b in true_runs(quiet) if t[b - 1] - t[a] >= STILL_MIN_S]


def relative_drift(
    t: np.ndarray,
    r_head: Rotation,
    r_trunk: Rotation,
    segments: list[tuple[int, int]],
) -> np.ndarray | None:
    """The head's earth heading minus the trunk's since ``t[0]``, rad, shape (N,).

    Parameters
    ----------
    t : ndarray, shape (N,)
        Sample times, s.
    r_head, r_trunk : Rotation
        Each board's sensor -> earth rotation at ``t`` (N each; any fixed heading offset).
    segments : list of (int, int)
        Neck-still sample segments (:func:`neck_still`).

    Returns
    -------
    ndarray or None
        The drift, rad: the integral of the segments' drift rates averaged over
        :data:`RATE_SMOOTH_S` (each weighted by its length); None when no segment has a
        plausible rate.
    """
    cs, ws, rs = [], [], []
    for a, b in segments:
        # head's rotation since a, undone by the trunk's: a rotation about the vertical
        f = r_head[a:b] * r_head[a].inv() * r_trunk[a] * r_trunk[a:b].inv()
        yaw = f.as_rotvec()[:, 2]
        tt = t[a:b] - t[a]
        rate = float(np.polyfit(tt, yaw, 1)[0])
        if abs(rate) <= MAX_DRIFT_RATE:
            cs.append(0.5 * (t[a] + t[b - 1]))
            ws.append(t[b - 1] - t[a])
            rs.append(rate)
    if not cs:
        return None
    # a Gaussian-weighted mean of the segments' rates (by their lengths): the filters' drift
    # rate changes slowly, a neck that turns slowly in one segment does not
    c, w, r = np.asarray(cs), np.asarray(ws), np.asarray(rs)
    grid = np.arange(t[0], t[-1] + RATE_GRID_S, RATE_GRID_S)
    k = w * np.exp(-0.5 * ((grid[:, None] - c) / RATE_SMOOTH_S) ** 2)
    rate_g = (k @ r) / np.maximum(k.sum(axis=1), 1e-12)
    rate_t = np.interp(t, grid, rate_g)
    return cumulative_trapezoid(rate_t, t, initial=0.0)
