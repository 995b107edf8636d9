"""The criteria of posture tracking and the arithmetic on head flexion: running median,
hysteresis, bouts beyond the threshold, reminder times."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neckimu.runs import true_runs


@dataclass(frozen=True)
class PostureCriteria:
    """Thresholds of posture tracking (deg and s as named).

    Attributes
    ----------
    threshold_deg : float
        Flexion beyond the neutral pose that counts as head-forward, deg.
    hysteresis_deg : float
        Once beyond, the head counts as forward until the flexion falls this far below the
        threshold, deg.
    alert_after_s : float
        Continuous time beyond the threshold before the first reminder, s.
    repeat_s : float or None
        Further reminders every this many seconds while the bout goes on; None: every
        ``alert_after_s``.
    min_bout_s : float
        Shorter bouts (a glance down) are not counted, s. At most ``alert_after_s``.
    smooth_s : float
        Running-median window applied to the flexion first, s.
    """

    threshold_deg: float = 20.0
    hysteresis_deg: float = 2.0
    alert_after_s: float = 60.0
    repeat_s: float | None = None
    min_bout_s: float = 5.0
    smooth_s: float = 1.0

    def check(self) -> None:
        """Raise ValueError naming the first bad field."""
        if not np.isfinite(self.threshold_deg):
            raise ValueError("threshold_deg must be finite")
        if not 0.0 <= self.hysteresis_deg < 90.0:
            raise ValueError("hysteresis_deg must be in [0, 90)")
        if not self.alert_after_s > 0:
            raise ValueError("alert_after_s must be > 0")
        if self.repeat_s is not None and not self.repeat_s > 0:
            raise ValueError("repeat_s must be > 0")
        if not 0.0 <= self.min_bout_s <= self.alert_after_s:
            raise ValueError("min_bout_s must be in [0, alert_after_s]")
        if not self.smooth_s >= 0:
            raise ValueError("smooth_s must be >= 0")

    @property
    def repeat_every_s(self) -> float:
        """Time between reminders within one bout, s."""
        return self.alert_after_s if self.repeat_s is None else self.repeat_s


def median_window(ts: float, crit: PostureCriteria) -> int:
    """Odd number of samples of the running median for sampling time ``ts`` (s)."""
    return 2 * max(0, round(crit.smooth_s / ts / 2.0)) + 1


def _sampling_time(t: np.ndarray) -> float:
    return float(np.median(np.diff(t))) if len(t) > 1 else 1.0


def _hysteresis(f: np.ndarray, crit: PostureCriteria, state: bool = False) -> np.ndarray:
    """Beyond-state of each sample: set above the threshold, cleared below it minus the
    hysteresis, held in between (``state``: the state before ``f[0]``)."""
    ev = np.where(
        f > crit.threshold_deg, 1, np.where(f < crit.threshold_deg - crit.hysteresis_deg, 0, -1)
    )
    idx = np.where(ev >= 0, np.arange(len(f)), -1)
    last = np.maximum.accumulate(idx) if len(f) else idx
    return np.where(last >= 0, ev[np.maximum(last, 0)] == 1, state)


def _runs(beyond: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First and last index of every run of True."""
    r = np.array(true_runs(beyond), dtype=np.int64).reshape(-1, 2)
    return r[:, 0], r[:, 1] - 1


def bouts(
    t: np.ndarray, flexion_deg: np.ndarray, crit: PostureCriteria = PostureCriteria()
) -> np.ndarray:
    """Periods with the head flexed beyond the threshold.

    Parameters
    ----------
    t : ndarray, shape (N,)
        Time, s (increasing).
    flexion_deg : ndarray, shape (N,)
        Head flexion relative to neutral, deg.
    crit : PostureCriteria

    Returns
    -------
    ndarray, shape (B, 2)
        Time of the first and the last sample of each bout lasting at least ``min_bout_s``, s.
    """
    t = np.asarray(t, float)
    f = np.asarray(flexion_deg, float)
    if len(t) < 2:
        return np.zeros((0, 2))
    from scipy.ndimage import median_filter  # not at import: `neckimu posture --help` is fast

    smooth = median_filter(f, size=median_window(_sampling_time(t), crit), mode="nearest")
    first, last = _runs(_hysteresis(smooth, crit))
    out = np.column_stack([t[first], t[last]])
    return out[(out[:, 1] - out[:, 0]) >= crit.min_bout_s]


def alert_times(bouts_s: np.ndarray, crit: PostureCriteria = PostureCriteria()) -> np.ndarray:
    """When reminders fall: ``alert_after_s`` into each bout, then every ``repeat_every_s``.

    Parameters
    ----------
    bouts_s : ndarray, shape (B, 2)
        Start and end of each bout, s.
    crit : PostureCriteria

    Returns
    -------
    ndarray, shape (A,)
        Reminder times, s, in order.
    """
    b = np.asarray(bouts_s, float).reshape(-1, 2)
    over = b[:, 1] - b[:, 0] - crit.alert_after_s
    n = np.where(over >= 0, np.floor(np.maximum(over, 0) / crit.repeat_every_s) + 1, 0)
    n = n.astype(np.int64)
    k = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
    return np.repeat(b[:, 0] + crit.alert_after_s, n) + k * crit.repeat_every_s
