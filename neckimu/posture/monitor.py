"""Live posture, fed block by block: :class:`PostureMonitor`."""

from __future__ import annotations

import numpy as np

from neckimu.posture.bouts import PostureCriteria, _hysteresis, _runs, median_window


class PostureMonitor:
    """Live posture, fed block by block: the same bouts and reminders as :func:`bouts` and
    :func:`alert_times` on the same samples, each known as soon as the data allows.

    The running median needs half its window of later samples, so every sample is judged
    ``smooth_s / 2`` after it arrives; :meth:`flush` judges the rest at the end.

    Parameters
    ----------
    ts : float
        Sampling time, s (the nominal rate's; offline, the median sample spacing).
    crit : PostureCriteria
    """

    def __init__(self, ts: float, crit: PostureCriteria = PostureCriteria()) -> None:
        crit.check()
        self.crit = crit
        self.w = median_window(ts, crit)
        self.h = self.w // 2
        self._t = np.zeros(0)  #: raw samples still needed (context and not yet judged)
        self._f = np.zeros(0)
        self._next = 0  #: index in the buffer of the first sample not judged yet
        self._state = False  #: beyond, after the last judged sample
        self._run_start: float | None = None  #: first sample of the current run, s
        self._run_last: float | None = None  #: last sample beyond so far, s
        self._alerted = 0  #: reminders given in the current run
        self._closed_s = 0.0
        self.now_s: float | None = None  #: time of the last judged sample, s
        self.bouts: list[tuple[float, float]] = []  #: finished bouts, s
        self.alert_times: list[float] = []  #: every reminder so far, s

    @property
    def alerts(self) -> int:
        """Reminders so far."""
        return len(self.alert_times)

    @property
    def time_beyond_s(self) -> float:
        """Time in counted bouts so far, s (the current one once it lasts ``min_bout_s``)."""
        return self._closed_s + self._open_s()

    def _open_s(self) -> float:
        if self._run_start is None or self._run_last is None:
            return 0.0
        d = self._run_last - self._run_start
        return d if d >= self.crit.min_bout_s else 0.0

    def bout_s(self, now: float | None = None) -> float:
        """Length of the current head-forward period, s (0 when sitting up)."""
        if self._run_start is None:
            return 0.0
        return (self.now_s if now is None else now) - self._run_start

    def update(self, t: np.ndarray, flexion_deg: np.ndarray) -> list[float]:
        """Feed one block; returns the times of the reminders that fell due in it, s.

        Parameters
        ----------
        t : ndarray, shape (n,)
            Time, s, after every sample fed before.
        flexion_deg : ndarray, shape (n,)
            Head flexion relative to neutral, deg.
        """
        t = np.asarray(t, float)
        f = np.asarray(flexion_deg, float)
        if not len(t):
            return []
        if not len(self._t):  # the offline median's "nearest" padding at the start
            self._t = np.full(self.h, np.nan)
            self._f = np.full(self.h, f[0])
            self._next = self.h
        self._t = np.concatenate([self._t, t])
        self._f = np.concatenate([self._f, f])
        return self._judge(len(self._t) - self.h)

    def flush(self) -> list[float]:
        """The stream ended: judge the last samples and close the open bout."""
        if not len(self._t):
            return []
        self._t = np.concatenate([self._t, np.full(self.h, np.nan)])
        self._f = np.concatenate([self._f, np.full(self.h, self._f[-1])])
        due = self._judge(len(self._t) - self.h)
        self._close()
        return due

    def _judge(self, stop: int) -> list[float]:
        """Judge buffered samples ``_next..stop-1`` (their median windows are complete)."""
        lo, h = self._next, self.h
        if stop <= lo:
            return []
        seg = self._f[lo - h : stop + h]
        from scipy.ndimage import median_filter

        smooth = median_filter(seg, size=self.w, mode="nearest")[h : h + stop - lo]
        t = self._t[lo:stop]
        beyond = _hysteresis(smooth, self.crit, self._state)
        due: list[float] = []
        if self._state and not beyond[0]:  # the open run ended with the previous block
            self._close()
        first, last = _runs(beyond)
        for a, b in zip(first, last, strict=True):
            if a > 0 or not self._state:  # a new run (else the open one goes on)
                self._run_start, self._alerted = float(t[a]), 0
            self._run_last = float(t[b])
            due += self._due()
            if b < len(t) - 1:  # the run ended inside this block
                self._close()
        self._state = bool(beyond[-1])
        self.now_s = float(t[-1])
        self._next = stop
        keep = max(0, stop - h)  # context of the next median windows
        self._t, self._f, self._next = self._t[keep:], self._f[keep:], stop - keep
        return due

    def _due(self) -> list[float]:
        assert self._run_start is not None and self._run_last is not None
        c = self.crit
        times = []
        while True:
            at = self._run_start + c.alert_after_s + self._alerted * c.repeat_every_s
            if at > self._run_last:
                return times
            times.append(at)
            self.alert_times.append(at)
            self._alerted += 1

    def _close(self) -> None:
        if self._run_start is not None and self._run_last is not None:
            if self._run_last - self._run_start >= self.crit.min_bout_s:
                self.bouts.append((self._run_start, self._run_last))
                self._closed_s += self._run_last - self._run_start
        self._run_start = self._run_last = None
        self._alerted = 0
        self._state = False
