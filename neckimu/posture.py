"""Desk posture: how long the head stays flexed forward beyond a threshold, and reminders.

Pure, vectorised functions on head flexion (``neckimu.angles``: relative to the calibrated
neutral pose, sitting tall and looking ahead), used offline (``neckimu posture --analyze``,
the report) and live (:class:`PostureMonitor`, which gives the same bouts and reminders as the
offline functions on the same samples, only later).

The steps, each a parameter of :class:`PostureCriteria`:

1. a running median over ``smooth_s`` (sensor noise, tremor, a nod);
2. *beyond* starts when the smoothed flexion exceeds ``threshold_deg`` and lasts until it
   falls below ``threshold_deg - hysteresis_deg`` (no flicker around the threshold);
3. a *bout* is one stretch beyond, from its first to its last sample; bouts shorter than
   ``min_bout_s`` (a glance at the keyboard) are dropped;
4. a reminder falls ``alert_after_s`` into every bout that lasts that long, then every
   ``repeat_s`` while the bout goes on.

Defaults and their sources: docs/posture.md (threshold 20 deg; ISO 11226:2000 rates head
inclination up to 25 deg as acceptable for static postures, Ariëns et al. 2001 saw a trend to
more neck pain with the neck flexed at least 20 deg for more than 70 % of the working time).
The reminder delay is our choice, not a limit from a study.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

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


@dataclass(frozen=True)
class PostureResult:
    """Posture over one or more spans of a recording.

    Attributes
    ----------
    duration_s : float
        Time covered, s.
    bouts_s : ndarray, shape (B, 2)
        Start and end of each bout, s.
    alerts_s : ndarray, shape (A,)
        Reminder times, s.
    mean_flexion_deg : float
    threshold_deg, alert_after_s : float
        The criteria used.
    """

    duration_s: float
    bouts_s: np.ndarray
    alerts_s: np.ndarray
    mean_flexion_deg: float
    threshold_deg: float
    alert_after_s: float

    @property
    def time_beyond_s(self) -> float:
        """Total time in bouts, s."""
        return float(np.sum(self.bouts_s[:, 1] - self.bouts_s[:, 0]))

    @property
    def fraction_beyond(self) -> float:
        return self.time_beyond_s / self.duration_s if self.duration_s > 0 else 0.0

    @property
    def longest_bout_s(self) -> float:
        d = self.bouts_s[:, 1] - self.bouts_s[:, 0]
        return float(d.max()) if len(d) else 0.0

    def to_dict(self) -> dict[str, Any]:
        """The summary as JSON-able numbers (s, deg; counts)."""
        return {
            "duration_s": round(self.duration_s, 1),
            "time_beyond_s": round(self.time_beyond_s, 1),
            "fraction_beyond": round(self.fraction_beyond, 3),
            "bouts": len(self.bouts_s),
            "longest_bout_s": round(self.longest_bout_s, 1),
            "alerts": len(self.alerts_s),
            "alert_times_s": [round(float(a), 2) for a in self.alerts_s],
            "mean_flexion_deg": round(self.mean_flexion_deg, 1),
            "threshold_deg": self.threshold_deg,
            "alert_after_s": self.alert_after_s,
        }


def posture_over(
    t: np.ndarray,
    flexion_deg: np.ndarray,
    spans: Sequence[tuple[float, float]] | None = None,
    crit: PostureCriteria = PostureCriteria(),
) -> PostureResult:
    """Bouts and reminders within each span (``posture`` windows), pooled.

    Parameters
    ----------
    t : ndarray, shape (N,)
        Time, s.
    flexion_deg : ndarray, shape (N,)
        Head flexion relative to neutral, deg.
    spans : sequence of (float, float), optional
        ``[start, end)`` time spans, s, each judged on its own; default the whole array.
    crit : PostureCriteria
    """
    t = np.asarray(t, float)
    f = np.asarray(flexion_deg, float)
    if spans is None:
        spans = [(-np.inf, np.inf)] if len(t) else []
    parts, dur, n, total = [], 0.0, 0, 0.0
    for s, e in spans:
        i0, i1 = np.searchsorted(t, [s, e])
        if i1 - i0 < 2:
            continue
        parts.append(bouts(t[i0:i1], f[i0:i1], crit))
        dur += float(t[i1 - 1] - t[i0])
        n += int(i1 - i0)
        total += float(f[i0:i1].sum())
    b = np.concatenate(parts) if parts else np.zeros((0, 2))
    return PostureResult(
        dur,
        b,
        alert_times(b, crit),
        total / n if n else 0.0,
        crit.threshold_deg,
        crit.alert_after_s,
    )


def summarize(
    t: np.ndarray, flexion_deg: np.ndarray, crit: PostureCriteria = PostureCriteria()
) -> dict[str, Any]:
    """Time spent head-forward, bouts and reminders over one span, as a dict.

    Returns
    -------
    dict
        ``duration_s``, ``time_beyond_s``, ``fraction_beyond``, ``bouts``, ``longest_bout_s``,
        ``alerts``, ``alert_times_s``, ``mean_flexion_deg``, ``threshold_deg``,
        ``alert_after_s`` (see :class:`PostureResult`).
    """
    return posture_over(t, flexion_deg, None, crit).to_dict()


def analysis_spans(analysis: Any) -> list[tuple[float, float]]:
    """The spans of an Analysis that posture is judged over: its ``posture`` windows, else
    everything but the calibration."""
    t = analysis.recording.samples.t
    wins = [(w.start_s, w.end_s) for w in analysis.windows if w.exercise == "posture"]
    if wins:
        return wins
    cuts = sorted((w.start_s, w.end_s) for w in analysis.windows if w.exercise == "calibrate")
    spans, s = [], float(t[0])
    for c0, c1 in cuts:
        if c0 > s:
            spans.append((s, c0))
        s = max(s, c1)
    spans.append((s, float(t[-1]) + 1.0))
    return spans


def posture_analysis(analysis: Any, crit: PostureCriteria = PostureCriteria()) -> PostureResult:
    """:func:`posture_over` an Analysis: flexion of ``angles_deg``, :func:`analysis_spans`."""
    return posture_over(
        analysis.recording.samples.t, analysis.angles_deg[:, 0], analysis_spans(analysis), crit
    )


def summarize_analysis(analysis: Any, crit: PostureCriteria = PostureCriteria()) -> dict[str, Any]:
    """:func:`posture_analysis` as a dict (see :func:`summarize`); with a trunk sensor the
    flexion is the neck's, and ``trunk`` holds :meth:`PostureSplit.to_dict`."""
    out = posture_analysis(analysis, crit).to_dict()
    split = posture_split_analysis(analysis, crit)
    if split is not None:
        out["trunk"] = split.to_dict()
    return out


# -- with a trunk sensor: neck flexion and trunk inclination apart (issue 15) ------------------
#: Trunk inclination judged against this threshold, deg from the neutral sitting pose (ISO
#: 11226 rates 0-20 deg of trunk inclination acceptable for static postures).
TRUNK_THRESHOLD_DEG = 20.0
#: A head-forward period is put down to one part when that part makes at least this share of
#: the head's forward inclination over it (neck flexion + trunk inclination).
MAIN_SHARE = 0.6


@dataclass(frozen=True)
class PostureSplit:
    """Posture with a trunk sensor: the head's forward inclination split into neck flexion
    (head relative to trunk) and trunk inclination, each judged on its own, and which one to
    fix.

    Attributes
    ----------
    head : PostureResult
        Head inclination against the room (what a head sensor alone reports).
    neck : PostureResult
        Neck flexion, head relative to trunk (the usual threshold).
    trunk : PostureResult
        Trunk forward inclination (threshold :data:`TRUNK_THRESHOLD_DEG`).
    neck_part_deg, trunk_part_deg : float
        Mean neck flexion and mean trunk inclination over the head-forward periods, deg
        (0 without any).
    fix : str
        ``"none"`` (no head-forward period), ``"neck"`` (looking down with the neck: raise the
        screen, tuck the chin), ``"trunk"`` (slouching: sit up, use the backrest) or
        ``"both"``.
    """

    head: PostureResult
    neck: PostureResult
    trunk: PostureResult
    neck_part_deg: float
    trunk_part_deg: float
    fix: str

    def advice(self) -> str:
        """One sentence for the user."""
        return {
            "none": "no head-forward period",
            "neck": "the head went forward mostly by bending the neck: raise the screen or "
            "the document, tuck the chin",
            "trunk": "the head went forward mostly with the trunk (slouching): sit up, use "
            "the backrest",
            "both": "the head went forward with the neck and the trunk alike: sit up and "
            "raise the screen",
        }[self.fix]

    def to_dict(self) -> dict[str, Any]:
        """JSON-able (s, deg; counts)."""
        return {
            "head_inclination": self.head.to_dict(),
            "neck_flexion": self.neck.to_dict(),
            "trunk_inclination": self.trunk.to_dict(),
            "neck_part_deg": round(self.neck_part_deg, 1),
            "trunk_part_deg": round(self.trunk_part_deg, 1),
            "fix": self.fix,
            "advice": self.advice(),
        }


def posture_split(
    t: np.ndarray,
    neck_flexion_deg: np.ndarray,
    trunk_forward_deg: np.ndarray,
    spans: Sequence[tuple[float, float]] | None = None,
    crit: PostureCriteria = PostureCriteria(),
    trunk_threshold_deg: float = TRUNK_THRESHOLD_DEG,
    head_flexion_deg: np.ndarray | None = None,
) -> PostureSplit:
    """Neck flexion and trunk inclination judged apart, and which one to fix.

    The head-forward periods are those of the head's forward inclination against the room
    (:func:`posture_over` at ``crit``); over them, the mean neck flexion and the mean trunk
    inclination (both from the neutral sitting pose) decide :attr:`fix`
    (:data:`MAIN_SHARE`).

    Parameters
    ----------
    t : ndarray, shape (N,)
        Time, s.
    neck_flexion_deg : ndarray, shape (N,)
        Neck flexion (head relative to trunk), deg.
    trunk_forward_deg : ndarray, shape (N,)
        Trunk forward inclination from neutral, deg.
    spans : sequence of (float, float), optional
        As :func:`posture_over`.
    crit : PostureCriteria
        For the head and the neck.
    trunk_threshold_deg : float
        For the trunk, deg.
    head_flexion_deg : ndarray, shape (N,), optional
        The head's flexion against the room, deg; default neck + trunk (their sagittal sum).
    """
    t = np.asarray(t, float)
    neck = np.asarray(neck_flexion_deg, float)
    trunk = np.asarray(trunk_forward_deg, float)
    head = neck + trunk if head_flexion_deg is None else np.asarray(head_flexion_deg, float)
    r_head = posture_over(t, head, spans, crit)
    r_neck = posture_over(t, neck, spans, crit)
    tcrit = replace(crit, threshold_deg=trunk_threshold_deg)
    r_trunk = posture_over(t, trunk, spans, tcrit)
    b = r_head.bouts_s
    inside = np.zeros(len(t), bool)
    if len(b) and len(t):
        k = np.searchsorted(b[:, 0], t, side="right") - 1
        inside = (k >= 0) & (t <= b[np.maximum(k, 0), 1])
    if not inside.any():
        return PostureSplit(r_head, r_neck, r_trunk, 0.0, 0.0, "none")
    pn, pt = float(neck[inside].mean()), float(trunk[inside].mean())
    total = max(pn, 0.0) + max(pt, 0.0)
    fix = (
        "neck"
        if max(pn, 0.0) >= MAIN_SHARE * total
        else "trunk"
        if max(pt, 0.0) >= MAIN_SHARE * total
        else "both"
    )
    return PostureSplit(r_head, r_neck, r_trunk, pn, pt, fix)


def posture_split_analysis(
    analysis: Any, crit: PostureCriteria = PostureCriteria()
) -> PostureSplit | None:
    """:func:`posture_split` of an Analysis with a trunk sensor (its neck angles and trunk
    inclination, :func:`analysis_spans`); None without one."""
    tr = getattr(analysis, "trunk", None)
    if tr is None:
        return None
    return posture_split(
        analysis.recording.samples.t,
        analysis.angles_deg[:, 0],
        tr.trunk_deg[:, 0],
        analysis_spans(analysis),
        crit,
        head_flexion_deg=tr.head_deg[:, 0],
    )


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
