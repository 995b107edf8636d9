"""Per-rep verdicts while the session runs: each exercise window judged once, as ``analyze`` does.

The judge keeps the exercise windows of the session (from its cues) and, when the samples a
window needs are all in (its end plus the margin its verifier needs), judges it once with
:func:`neckimu.verify.verify_window` on a :class:`~neckimu.verify.context.Context` made of the
live history: the same causal orientation, the same code, the same samples as
``neckimu analyze`` on the recording, so the same verdict. A retraction set is also looked at
while it runs; the reps its verifier reports as *final* (their data complete) are shown at once,
and they are exactly the first reps of the set's final verification.

It runs off the acquisition thread; its cost per window is bounded by the window's length, not
by the session's.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace

from neckimu.errors import NeckimuError
from neckimu.recording.events import Event, Window
from neckimu.verify import has_verifier, margin_after_s, verify_window
from neckimu.verify.context import Context
from neckimu.verify.reps import Rep

#: A rep judged while its set runs is judged again with the trunk (``rejudge``) only once this
#: much data follows its end: the trunk's windows reach past it (settle, filter margins), s.
REJUDGE_AFTER_S = 3.0

#: ``rejudge(reps, context)``: the reps judged again with more data (a trunk board).
Rejudge = Callable[[list[Rep], Context], list[Rep]]

log = logging.getLogger(__name__)

#: Data before a window that its verifier may read (the retraction set's noise floor), s.
MARGIN_BEFORE_S = 35.0
#: Session time between looks at a retraction set under way, s.
PARTIAL_EVERY_S = 1.0


@dataclass
class _Open:
    window: Window
    index: int
    total: int
    done: bool = False
    shown: int = 0  # reps of a set under way already shown


class LiveJudge:
    """Judges the windows of a live session.

    Parameters
    ----------
    context : callable
        ``context(t0, t_final)`` returns a :class:`Context` over the history from ``t0`` with
        data final up to ``t_final`` (None: no head frame yet).
    planned : dict, optional
        How many windows of each exercise the routine plans (for "2/5").
    rejudge : callable, optional
        Applied to the reps of every verification with the context they were judged on
        (e.g. :func:`neckimu.verify.trunk_lean.judge_with_trunk` with the trunk board's data,
        as ``neckimu analyze`` applies it); None keeps the verifiers' reps.
    """

    def __init__(
        self,
        context: Callable[[float, float], Context | None],
        planned: dict[str, int] | None = None,
        rejudge: Rejudge | None = None,
    ) -> None:
        self._context = context
        self.rejudge = rejudge
        self._planned = dict(planned or {})
        self._lock = threading.Lock()
        self._open: dict[str, float] = {}
        self._windows: list[_Open] = []
        self._seen: Counter[str] = Counter()
        self._reps: list[Rep] = []
        self._last_partial = -1e9
        self._last_event: Event | None = None
        #: how often each window was judged (final verifications; one each)
        self.verified: Counter[tuple[str, float]] = Counter()
        #: looks at retraction sets under way
        self.partial_runs = 0

    @property
    def reps(self) -> tuple[Rep, ...]:
        """Every rep judged so far, in time order (final: none changes afterwards)."""
        with self._lock:
            return tuple(sorted(self._reps, key=lambda r: r.start_s))

    def reset(self) -> None:
        """Forget everything (a replay seek)."""
        with self._lock:
            self._open.clear()
            self._windows.clear()
            self._seen.clear()
            self._reps.clear()
            self.verified.clear()
            self._last_event = None

    def on_event(self, ev: Event) -> None:
        """A cue of the session."""
        with self._lock:
            self._last_event = ev
            if ev.event == "start":
                self._open[ev.exercise] = ev.time_s
                if ev.exercise == "retraction":  # judged while it runs: known from its start
                    self._add(Window(ev.exercise, ev.time_s, float("inf")))
            elif ev.exercise in self._open:
                start = self._open.pop(ev.exercise)
                w = Window(ev.exercise, start, ev.time_s)
                if ev.exercise == "retraction":
                    for o in self._windows:
                        if o.window.exercise == "retraction" and o.window.start_s == start:
                            o.window = w
                else:
                    self._add(w)

    def _add(self, w: Window) -> None:
        if not has_verifier(w.exercise):
            return
        self._seen[w.exercise] += 1
        total = self._planned.get(w.exercise, 0)
        self._windows.append(
            _Open(w, self._seen[w.exercise], max(total, self._seen[w.exercise]) if total else 0)
        )

    def due(self, t_newest: float) -> bool:
        """Whether :meth:`update` has work at session time ``t_newest``."""
        with self._lock:
            return any(
                not o.done
                and (
                    o.window.end_s + margin_after_s(o.window.exercise) <= t_newest
                    or o.window.exercise == "retraction"
                )
                for o in self._windows
            )

    def update(self, t_newest: float, *, final: bool = False) -> list[Rep]:
        """Judge what is complete at ``t_newest`` (``final``: the stream ended, judge the
        rest with what there is). Returns the new reps."""
        with self._lock:
            if final:
                self._close_open()
            todo = [o for o in self._windows if not o.done]
        new: list[Rep] = []
        for o in todo:
            w = o.window
            complete = w.end_s + margin_after_s(w.exercise) <= t_newest
            if not (complete or final):
                if w.exercise == "retraction" and t_newest - self._last_partial >= PARTIAL_EVERY_S:
                    self._last_partial = t_newest
                    new += self._partial(o, t_newest)
                continue
            ctx = self._context(w.start_s - MARGIN_BEFORE_S, t_newest)
            if ctx is None:
                continue
            try:
                reps = verify_window(ctx, w, o.index, o.total)
                if self.rejudge is not None:
                    reps = self.rejudge(reps, ctx)
            except (NeckimuError, ValueError) as e:  # not enough data to judge
                log.debug("window %s not judged: %s", w, e)
                reps = []
            with self._lock:
                o.done = True
                self.verified[(w.exercise, w.start_s)] += 1
                # a set's reps shown while it ran are the first ones of the final answer
                self._reps = [
                    r
                    for r in self._reps
                    if not (
                        r.exercise == w.exercise and w.start_s - 1.5 <= r.start_s <= w.end_s + 0.5
                    )
                ]
                self._reps += reps
            new += reps[o.shown :]
        return new

    def _close_open(self) -> None:
        """The stream ended inside an exercise: its window, open to the end, is judged as
        ``neckimu analyze`` judges it (``neckimu.recording.events.pair_windows``: only when its
        start is the last cue; a start that other cues follow has lost its end, and is left
        out). Called with the lock held."""
        last = self._last_event
        for exercise, start in list(self._open.items()):
            del self._open[exercise]
            if exercise == "retraction":  # its window is known from its start
                continue
            if last is not None and (last.event, last.exercise, last.time_s) == (
                "start",
                exercise,
                start,
            ):
                self._add(Window(exercise, start, float("inf")))

    def _partial(self, o: _Open, t_newest: float) -> list[Rep]:
        w = Window(o.window.exercise, o.window.start_s, float("inf"))
        ctx = self._context(w.start_s - MARGIN_BEFORE_S, t_newest)
        if ctx is None:
            return []
        self.partial_runs += 1
        try:
            reps = verify_window(ctx, w)
            if self.rejudge is not None:
                # only reps whose trunk windows are all in: their verdict is final
                n = len(reps)
                while n > o.shown and reps[n - 1].end_s + REJUDGE_AFTER_S > t_newest:
                    n -= 1
                reps = self.rejudge(reps[:n], ctx)
        except (NeckimuError, ValueError):
            return []
        fresh = [replace(r, of=0) for r in reps[o.shown :]]
        with self._lock:
            o.shown += len(fresh)
            self._reps += fresh
        return fresh
