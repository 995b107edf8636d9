"""Whether a recording's numbers can be what the format says: seconds, m/s², rad/s.

A file can follow the format to the letter and still be unusable: time in milliseconds, an
accelerometer that reads zero or in g, a gyroscope in deg/s. The pipeline would run on such
data and fail deep inside (a filter frequency out of range, an SVD that does not converge) or,
worse, give verdicts. :func:`check_plausible` refuses it with one line naming the column and
the likely unit problem, and notes time jumps that no ``# gap`` line explains.
"""

from __future__ import annotations

import numpy as np

from neckimu.errors import InputError
from neckimu.recording.model import Recording
from neckimu.samples import G

#: Plausible median time step, s: an IMU samples faster than 1 Hz and slower than 10 kHz.
MAX_MEDIAN_DT_S = 1.0
MIN_MEDIAN_DT_S = 1e-4
#: Median |acc| must be gravity-like, m/s² (the head is mostly still or moving slowly).
MIN_MEDIAN_ACC = 2.0
MAX_MEDIAN_ACC = 50.0
#: 99th percentile of |gyr| above this is not a head turning, rad/s (about 1400 deg/s).
MAX_P99_GYR = 25.0
#: A step longer than this many median steps (and over a second) is a time jump.
JUMP_STEPS = 50.0


def check_plausible(rec: Recording) -> list[str]:
    """Refuse implausible units; return notes on time jumps without a marked gap.

    Parameters
    ----------
    rec : Recording

    Returns
    -------
    list of str
        Notes for people.

    Raises
    ------
    InputError
        Naming the file, the column and the unit problem.
    """
    s = rec.samples
    path = rec.path or "recording"
    notes: list[str] = []
    if len(s) >= 3:
        dt = np.diff(s.t)
        med = float(np.median(dt))
        if med >= MAX_MEDIAN_DT_S:
            raise InputError(
                path,
                f"time advances {med:g} per sample (median), an IMU rate "
                "of 1 Hz or less: time_s must be in seconds (milliseconds? divide "
                "by 1000)",
                column="time_s",
            )
        if med < MIN_MEDIAN_DT_S:
            raise InputError(
                path,
                f"time advances {med:.3g} s per sample (median), a rate of "
                f"{1.0 / med:.3g} Hz: time_s must be in seconds (microseconds?)",
                column="time_s",
            )
        notes += _jumps(rec, dt, med)
    acc = float(np.median(np.linalg.norm(s.acc, axis=1)))
    if acc < MIN_MEDIAN_ACC:
        hint = (
            f"in g? multiply by {G}"
            if 0.5 <= acc <= 1.5
            else "the accelerometer reads (almost) nothing"
        )
        raise InputError(
            path,
            f"median |acc| is {acc:.3g} m/s², not gravity (9.8): {hint}",
            column="acc_x,acc_y,acc_z",
        )
    if acc > MAX_MEDIAN_ACC:
        raise InputError(
            path,
            f"median |acc| is {acc:.3g} m/s², far above gravity (9.8): "
            "acc_* must be in m/s² (mg or raw counts?)",
            column="acc_x,acc_y,acc_z",
        )
    gyr = float(np.percentile(np.linalg.norm(s.gyr, axis=1), 99))
    if gyr > MAX_P99_GYR:
        raise InputError(
            path,
            f"|gyr| reaches {gyr:.3g} in 1 % of the samples; a head turns "
            "slower than 25 rad/s: gyr_* must be in rad/s (deg/s?)",
            column="gyr_x,gyr_y,gyr_z",
        )
    return notes


def _jumps(rec: Recording, dt: np.ndarray, med: float) -> list[str]:
    """Steps far longer than the sample period with no ``# gap`` line at their end."""
    t = rec.samples.t
    big = np.flatnonzero(dt > max(1.0, JUMP_STEPS * med))
    if not len(big):
        return []
    marked = np.array(sorted(g.time_s for g in rec.gaps)) if rec.gaps else np.zeros(0)
    lo, hi = t[big], t[big + 1] + med
    if len(marked):
        k = np.searchsorted(marked, lo, side="left")
        ok = (k < len(marked)) & (marked[np.minimum(k, len(marked) - 1)] <= hi)
        big = big[~ok]
    if not len(big):
        return []
    worst = big[np.argmax(dt[big])]
    return [
        f"time jumps forward {len(big)} time(s) with no gap marked, the largest by "
        f"{dt[worst]:.6g} s after {t[worst]:.3f} s"
    ]
