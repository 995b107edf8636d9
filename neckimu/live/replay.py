"""Replay a recording as if it were streaming: the source behind ``neckimu replay``.

Samples, events and gaps are handed to the session in the recording's order, paced so that
recording time advances ``speed`` times faster than the wall clock (``speed=None``: as fast
as the session takes them). :meth:`ReplaySource.pause` and :meth:`ReplaySource.seek` may be
called from any thread; a seek resets the session and feeds it everything before the new
position at full speed, so orientation, calibration and verdicts are those of a straight run.
A recording with a trunk sensor (format v2) hands the trunk's samples up to each head block's
last time to the sink's ``on_trunk_block`` before that block.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from typing import Any

import numpy as np

from neckimu.errors import NeckimuError
from neckimu.live.routine import Routine, load_routine
from neckimu.live.source import Sink, Source
from neckimu.recording.events import windows
from neckimu.recording.reader import Recording
from neckimu.stream_stats import StreamStats


def recorded_routine(rec: Recording) -> Routine:
    """The guided routine of a recording, for the countdowns of its replay: the shipped
    routine its metadata names (``"routine"``; else the default one) with the recorded
    ``hold_s``. (How many windows each exercise has comes from the recording itself:
    :meth:`ReplaySource.planned_counts`.)"""
    name = rec.meta.get("routine", rec.meta.get("protocol"))
    base = Routine()
    if isinstance(name, str) and name.isidentifier():
        try:
            base = load_routine(name)
        except NeckimuError:
            pass
    hold_s = rec.meta.get("hold_s")
    if isinstance(hold_s, int | float) and not isinstance(hold_s, bool) and hold_s > 0:
        base = replace(base, hold_s=float(hold_s))
    return base


class ReplaySource(Source):
    """A :class:`~neckimu.recording.reader.Recording` played in (scaled) real time.

    Parameters
    ----------
    rec : Recording
    speed : float or None
        Recording seconds per wall second; None: as fast as possible.
    block_s : float
        Wall time between blocks, s (a BLE headset notifies every 10-40 ms).
    """

    def planned_counts(self) -> dict[str, int]:
        """Windows per exercise in the replayed recording."""
        counts: dict[str, int] = {}
        for w in windows(self.rec.events):
            counts[w.exercise] = counts.get(w.exercise, 0) + 1
        return counts

    def final_recording(self) -> Recording:
        """The replayed recording itself (replay = analyze)."""
        return self.rec

    def __init__(self, rec: Recording, speed: float | None = 1.0, block_s: float = 0.02) -> None:
        super().__init__()
        self.rec = rec
        self.speed = speed
        self.block_s = block_s
        self.label = f"replay {rec.path or 'recording'}"
        t = rec.samples.t
        self._t = t
        self._pos = 0  # next sample to emit
        self._ev = 0  # next event
        self._gap = 0  # next gap
        self._events = sorted(rec.events, key=lambda e: e.time_s)
        self._gaps = sorted(rec.gaps, key=lambda g: g.time_s)
        self._lock = threading.Lock()
        self._paused = False
        self._pause_at: float | None = None
        self._seek_to: float | None = None
        self._stats = StreamStats()
        trunk = getattr(rec, "trunk", None)
        self._trunk = trunk if trunk is not None and len(trunk) else None
        self._tpos = 0  # next trunk sample to emit

    # -- control (any thread) ---------------------------------------------------------------
    @property
    def duration_s(self) -> float:
        return float(self._t[-1] - self._t[0])

    @property
    def position_s(self) -> float:
        """Recording time of the last sample played, s."""
        return float(self._t[max(0, self._pos - 1)])

    @property
    def paused(self) -> bool:
        return self._paused

    def pause(self, paused: bool = True) -> None:
        self._paused = paused

    def pause_at(self, time_s: float) -> None:
        """Pause once the first sample at or after recording time ``time_s`` (s) is played
        (never, beyond the end): a ``--screenshot-at`` at ``--speed max`` then shows that
        moment, not the one the window happened to look at next."""
        self._pause_at = float(time_s)

    def seek(self, time_s: float) -> None:
        """Continue from recording time ``time_s`` (s)."""
        with self._lock:
            self._seek_to = float(np.clip(time_s, self._t[0], self._t[-1]))

    def stats(self) -> StreamStats:
        return self._stats

    # -- the stream ---------------------------------------------------------------------------
    def run(self, sink: Sink) -> None:
        meta: dict[str, Any] = dict(self.rec.meta)
        sink.on_meta({"source": "replay", **meta})
        sink.on_status("replay")
        n = len(self._t)
        anchor_wall, anchor_t = time.monotonic(), float(self._t[0])
        while not self._stop.is_set():
            with self._lock:
                target, self._seek_to = self._seek_to, None
            if target is not None:
                self._restart(sink, target)
                anchor_wall, anchor_t = time.monotonic(), self.position_s
            if self._paused:
                time.sleep(0.02)
                anchor_wall, anchor_t = time.monotonic(), self.position_s
                continue
            if self.speed is None:
                j = min(n, self._pos + 256)
            else:
                now_t = anchor_t + (time.monotonic() - anchor_wall) * self.speed
                j = int(np.searchsorted(self._t, now_t, "right"))
            pause_at = self._pause_at
            stop_at = None if pause_at is None else int(np.searchsorted(self._t, pause_at)) + 1
            if stop_at is not None:
                j = min(j, stop_at)
            if j > self._pos:
                self._emit(sink, j)
            if stop_at is not None and self._pos >= stop_at:
                self._paused, self._pause_at = True, None
                continue
            if self._pos >= n:
                self._emit_marks(sink, np.inf)
                self._emit_trunk(sink, np.inf)
                break
            if self.speed is not None:
                time.sleep(self.block_s)
        sink.on_status("finished")

    def _restart(self, sink: Sink, target: float) -> None:
        sink.on_reset()
        self._pos = self._ev = self._gap = self._tpos = 0
        self._stats = StreamStats()
        j = int(np.searchsorted(self._t, target, "right"))
        step = 512
        while self._pos < j and not self._stop.is_set():
            self._emit(sink, min(j, self._pos + step))

    def _emit_marks(self, sink: Sink, up_to: float) -> None:
        """Events and gaps with time < ``up_to`` not yet sent, in time order."""
        while self._ev < len(self._events) and self._events[self._ev].time_s < up_to:
            sink.on_event(self._events[self._ev])
            self._stats.events += 1
            self._ev += 1
        while self._gap < len(self._gaps) and self._gaps[self._gap].time_s < up_to:
            g = self._gaps[self._gap]
            sink.on_gap(g.time_s, g.missing, g.reason)
            self._stats.gaps += 1
            self._stats.missing += g.missing
            self._gap += 1

    def _emit(self, sink: Sink, j: int) -> None:
        """Samples ``pos:j``, split where events and gaps fall, marks before their samples."""
        s = self.rec.samples
        i = self._pos
        while i < j:
            self._emit_marks(sink, float(self._t[i]) + 1e-9)
            nxt = min(
                self._events[self._ev].time_s if self._ev < len(self._events) else np.inf,
                self._gaps[self._gap].time_s if self._gap < len(self._gaps) else np.inf,
            )
            k = min(j, max(i + 1, int(np.searchsorted(self._t, nxt, "left"))))
            self._emit_trunk(sink, float(self._t[k - 1]))
            sink.on_block(s.slice(i, k), [time.monotonic()])
            self._stats.samples += k - i
            self._stats.packets += 1
            i = k
        self._pos = j

    def _emit_trunk(self, sink: Sink, up_to: float) -> None:
        """Trunk samples with time <= ``up_to`` not yet sent (a recording with a trunk)."""
        tr = self._trunk
        if tr is None:
            return
        k = int(np.searchsorted(tr.t, up_to, "right"))
        if k > self._tpos:
            sink.on_trunk_block(tr.slice(self._tpos, k))
            self._tpos = k
