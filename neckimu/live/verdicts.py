"""Per-rep verdicts while the session runs, from the offline pipeline itself.

The verdict thread runs :func:`neckimu.pipeline.analyze` on a copy of everything received so
far — at each exercise window's end and every few seconds while an exercise runs (~0.4 s per
hour of data) — so the live verdicts are the ones ``neckimu analyze`` gives. The final run, on
the closed recording when there is one, *is* ``neckimu analyze``'s answer.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from neckimu.errors import NeckimuError
from neckimu.pipeline import Analysis, analyze
from neckimu.recording.reader import Recording

log = logging.getLogger(__name__)


class VerdictWorker:
    """Runs the pipeline off the GUI and acquisition threads.

    Parameters
    ----------
    snapshot : callable
        Returns a :class:`Recording` of the data so far (or None: not enough yet).
    interval_s : float
        Shortest wall time between two runs requested without urgency, s.
    """

    def __init__(self, snapshot: Callable[[], Recording | None], interval_s: float = 3.0) -> None:
        self._snapshot = snapshot
        self.interval_s = interval_s
        self._lock = threading.Lock()
        self._run_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._pending = False
        self._urgent = False
        self._last = 0.0
        self._generation = 0
        self._reps: tuple[dict[str, Any], ...] = ()
        self.analysis: Analysis | None = None  #: the final analysis
        self.runs = 0
        self._thread: threading.Thread | None = None

    @property
    def reps(self) -> tuple[dict[str, Any], ...]:
        """Per-rep records of the latest run (docs/analysis-json.md)."""
        with self._lock:
            return self._reps

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="neckimu-verdicts", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(5.0)

    def reset(self) -> None:
        """Forget the verdicts (a replay seek); a run in flight is discarded."""
        with self._lock:
            self._generation += 1
            self._reps = ()
            self._pending = self._urgent = False
            self.analysis = None

    def request(self, urgent: bool = False) -> None:
        """Ask for a run: now (``urgent``, a window ended) or within ``interval_s``."""
        self._pending = True
        if urgent:
            self._urgent = True
            self._wake.set()

    def final(self, rec: Recording | None = None) -> Analysis | None:
        """Run once more, in the calling thread, on ``rec`` or the data so far."""
        with self._lock:
            gen = self._generation
        return self._run(gen, rec if rec is not None else self._snapshot(), final=True)

    # -- internals -----------------------------------------------------------------------------
    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(0.1)
            self._wake.clear()
            due = self._urgent or (self._pending
                                   and time.monotonic() - self._last >= self.interval_s)
            if not due or self._stop.is_set():
                continue
            with self._lock:
                gen = self._generation
                self._pending = self._urgent = False
            self._last = time.monotonic()
            self._run(gen, self._snapshot())

    def _run(self, gen: int, rec: Recording | None, final: bool = False) -> Analysis | None:
        if rec is None or not rec.events:
            return None
        with self._run_lock:
            try:
                a = analyze(rec)
            except (NeckimuError, ValueError) as e:  # too little data so far
                log.debug("verdicts not ready: %s", e)
                return None
            self.runs += 1
        with self._lock:
            if gen != self._generation:
                return None
            self._reps = tuple(a.reps if final else completed_reps(a.reps, rec))
            if final:
                self.analysis = a
        return a


def completed_reps(reps: list[dict[str, Any]], rec: Recording) -> list[dict[str, Any]]:
    """The reps whose verdict is final while the session runs.

    A hold or a stretch is judged over its whole window, so while its ``end`` cue has not come
    its verdict is premature and left out. Retraction reps are judged one by one inside the
    set's window, each once the head is back and still, so they are kept.
    """
    open_since: dict[str, float] = {}
    for ev in sorted(rec.events, key=lambda e: e.time_s):
        if ev.event == "start":
            open_since[ev.exercise] = ev.time_s
        else:
            open_since.pop(ev.exercise, None)
    return [r for r in reps if r["exercise"] == "retraction"
            or r["start_s"] < open_since.get(r["exercise"], float("inf")) - 1e-6]
