"""The sagittal path of the current retraction rep, while it happens (provisional).

The verifier (``neckimu.verify.retraction``) measures a rep once it is over, from the still
phase before the glide to the still phase after it. Live, the same displacement function
(:func:`neckimu.translation.head_centre_movement`) runs from the still phase before the
current glide to *now*, with the newest samples standing in for the final still phase; it is
exact once the head is still again and a sketch while it moves. Movements alternate glide,
return: each glide starts a new path.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import uniform_filter1d

from neckimu.angles import head_matrices
from neckimu.headframe import Calibration
from neckimu.live.history import History
from neckimu.mounts import get_mount
from neckimu.translation import head_centre_movement

#: Smoothed angular speed above which the head moves, deg/s.
MOVING_DEG_S = 3.0
#: Still time kept before a glide as the reference pose, s.
STILL_REF_S = 0.5


class RetractionPath:
    """Tracks glides inside one retraction window.

    Parameters
    ----------
    ts : float
        Sampling time, s.
    cal : Calibration
        Head frame (for the neutral frame and the lever arm).
    start_s : float
        When the window starts, s.
    """

    def __init__(self, ts: float, cal: Calibration, start_s: float) -> None:
        self.ts = ts
        self.cal = cal
        self.lever = get_mount(cal.mount).lever_arm_m
        self._s2h = cal.sensor_to_head.as_matrix()
        self._seen_t = start_s  # time up to which rows were examined for movement
        self._moving = False
        self._still_start = start_s
        self._move_start = -1.0
        self._ref = -1.0
        self.moves = 0  #: movements seen (glides are the odd ones)
        self.posterior_mm = np.zeros(0)  #: current rep's path, mm, shape (n,)
        self.superior_mm = np.zeros(0)

    def update(self, h: History) -> None:
        """Follow the new rows of ``h`` and recompute the current path."""
        seen = h.index(self._seen_t)
        lo = max(0, seen - round(0.1 / self.ts))
        w = h.gyr[lo:] - h.bias[lo:]
        speed = uniform_filter1d(
            np.degrees(np.linalg.norm(w, axis=1)), max(1, round(0.1 / self.ts))
        )
        moving = speed[seen - lo :] > MOVING_DEG_S
        t = h.t
        for k in np.flatnonzero(np.diff(np.concatenate([[self._moving], moving])) != 0):
            i = seen + int(k)
            self._moving = not self._moving
            if self._moving:
                self.moves += 1
                if self.moves % 2 == 1:  # a glide: new rep, reference = still phase before
                    self._move_start = float(t[i])
                    self._ref = max(self._still_start, float(t[i]) - STILL_REF_S)
            else:
                self._still_start = float(t[i])
        self._seen_t = float(t[-1]) + 1e-9
        if self._ref < 0 or self._move_start <= self._ref:
            return
        a, m = h.index(self._ref), h.index(self._move_start)
        if h.n - a < 4 or m <= a:
            return
        self._compute(h, a, m)

    def _compute(self, h: History, a: int, m: int) -> None:
        b = h.n
        m_nh = head_matrices(h.quat[a:b], self.cal)
        m_ns_1 = m_nh[0] @ self._s2h
        n2 = max(1, min(round(0.2 / self.ts), (b - m) // 2))
        d = head_centre_movement(
            h.t[a:b],
            h.acc[a:b],
            h.gyr[a:b] - h.bias[a:b],
            self.ts,
            slice(0, m - a),
            slice(b - a - n2, b - a),
            m_ns_1,
            m_nh,
            self.lever,
        ).d_m
        self.posterior_mm = -d[:, 0] * 1e3
        self.superior_mm = d[:, 2] * 1e3
