"""The live session: the model behind the window and the terminal runner.

Acquisition runs in a worker thread (:meth:`LiveSession.start`): the source calls the sink
methods (``on_block``, ``on_event``, ...) there, and each block goes through the live stages

    block -> causal orientation (VQF) -> head angles -> ring buffer (drawn by the view)
                                      -> history (last minutes) -> hold indicator, retraction
                                         path (progress) -> judge (verdicts, another thread)

The calibration is provisional (gravity only, from the first still second) until the
``calibrate`` window ends; then :func:`neckimu.headframe.calibrate` runs on the buffered
samples and the angles in the ring are recomputed. The orientation filter is the causal one
``neckimu analyze`` hands to its verifiers, never frozen or reset here, so the judge
(:class:`~neckimu.live.judge.LiveJudge`) gives each rep the verdict the analysis of the
recording gives. While a hold runs, the indicator shows the deviation measured so far with
the verifier's own function (:func:`neckimu.verify.hold.hold_rotation`): progress, not a
verdict. With a trunk board it shows the neck's deviation (head relative to trunk, as the hold
verifier with a trunk measures it: :meth:`~neckimu.live.trunk.LiveTrunk.hold_deviation`), and
the warning sound follows it.

With a second board on the trunk (issue 15; the source calls ``on_trunk_block``), the angles
drawn are the **neck**'s (head relative to trunk) and the view carries a trunk readout
(:class:`~neckimu.live.trunk.TrunkView`); the judge judges each rep again against the trunk
as ``neckimu analyze`` does (:func:`neckimu.verify.trunk_lean.judge_with_trunk` on
:class:`~neckimu.live.trunk.LiveTrunk`'s context), so the verdicts agree with the analysis of
the two-sensor recording. Without a trunk board nothing changes.

The view never calls into the worker: it reads :attr:`LiveSession.ring` and
:meth:`LiveSession.view` (a copy made under a lock) on its own timer.
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from neckimu.angles import head_angles_deg
from neckimu.errors import NeckimuError
from neckimu.headframe import Calibration, calibrate
from neckimu.live.history import History
from neckimu.live.judge import LiveJudge
from neckimu.live.path import RetractionPath
from neckimu.live.ringbuffer import RingBuffer
from neckimu.live.routine import INSTRUCTIONS, Prompt, Routine
from neckimu.live.session_view import Cue, HoldView, SessionObserver, View
from neckimu.live.source import Source
from neckimu.live.trunk import LiveTrunk
from neckimu.orientation import OnlineOrientation, filter_period
from neckimu.pipeline import Analysis, analyze, trunk_meta
from neckimu.recording.events import HOLDS, Event, Window
from neckimu.samples import SampleBlock
from neckimu.trunk import ACC_BIAS_SPAN_S, TrunkContext
from neckimu.verify.activity import NoiseFloor
from neckimu.verify.context import Context
from neckimu.verify.hold import HoldCriteria, hold_rotation
from neckimu.verify.reps import Rep
from neckimu.verify.trunk_lean import judge_with_trunk

#: The judge waits for trunk data up to the head's newest sample unless the trunk board is
#: further behind than this (its link is down): then it judges with what there is, s.
TRUNK_WAIT_S = 5.0

__all__ = ["HoldView", "LiveSession", "SessionObserver", "View"]


class LiveSession:
    """One live session: a source streaming into the live stages.

    Parameters
    ----------
    source : Source
    routine : Routine, optional
        For cue texts and countdowns.
    window_s : float
        Seconds of angles the ring buffer keeps for the view.
    mount : str, optional
        Mount preset; default the stream's metadata.
    analyze_at_end : bool
        Analyse the closed recording when the stream ends (:attr:`analysis`, for the JSON
        and the report). Off for desk posture mode, which sums up the recording itself: the
        analysis of a 3-hour recording peaks at ~0.7 GB, of an 8-hour desk day at ~2 GB.
    """

    def __init__(
        self,
        source: Source,
        *,
        routine: Routine | None = None,
        window_s: float = 20.0,
        mount: str | None = None,
        analyze_at_end: bool = True,
    ) -> None:
        self.source = source
        self.analyze_at_end = analyze_at_end
        self.routine = routine or Routine()
        self.window_s = window_s
        self.mount = mount
        #: rows (t s, flexion, lateral, rotation deg); 260 Hz x 1.5 windows of room
        self.ring = RingBuffer(int(window_s * 1.5 * 260) + 64, 4)
        self.hist = History()
        self.meta: dict[str, Any] = {}
        #: per notification: its arrival (client callback) -> its samples painted, s
        self.latencies_s: collections.deque[float] = collections.deque(maxlen=100_000)
        #: per block: handed to the session -> painted, s (the live stages and the view alone)
        self.block_latencies_s: collections.deque[float] = collections.deque(maxlen=100_000)
        self._lock = threading.Lock()
        self._hist_lock = threading.Lock()  # appends vs the judge thread's copy
        self._view = View(label=source.label)
        self._arrivals: collections.deque[tuple[float, float | None, float | None]] = (
            collections.deque()
        )
        self.judge = LiveJudge(
            self._context,
            source.planned_counts() or self.routine.planned_counts(),
            rejudge=self._with_trunk,
        )
        #: the trunk board's side, when the stream has one (its metadata says so)
        self.trunk: LiveTrunk | None = None
        self._judge_wake = threading.Event()
        self._judge_stop = False
        self._judge_thread: threading.Thread | None = None
        self._analysis: Analysis | None = None
        self._thread: threading.Thread | None = None
        self._observers: list[SessionObserver] = []
        self._reset_state()

    def _reset_state(self) -> None:
        self.hist.clear()
        self.ring.clear()
        self._orient: OnlineOrientation | None = None
        self._ts = 0.01
        self._cal: Calibration | None = None
        #: the head relaxed at rest (the calibration's still phase), for the judge's contexts
        self._rest_floor: NoiseFloor | None = None
        self._cal_pending: Window | None = None
        self._next_provisional = 2.0
        self._open: dict[str, float] = {}
        self._hold: tuple[str, float] | None = None  # exercise, start s
        self._hold_view: HoldView | None = None
        #: every finished hold as the indicator last showed it
        self.hold_log: list[HoldView] = []
        self._cue_start = 0.0
        self._cue_log: list[Cue] = []  # every cue since the start (or the last seek)
        self._prompts: list[Prompt] = []  # instructions still to come inside the open window
        self._prompt_t0 = 0.0
        self._path: RetractionPath | None = None
        self._newest = -np.inf
        self._trunk_cal_for: Calibration | None = None  # a head frame the trunk still needs
        if getattr(self, "trunk", None) is not None:
            self.trunk = LiveTrunk(self.trunk.meta)
        self.judge.reset()

    def cues(self) -> list[Cue]:
        """Every cue given since the start (or the last seek), in order, with its own session
        time: a reader polling :meth:`view` less often than cues come (a replay at full speed)
        misses none and can tell when each was given."""
        with self._lock:
            return list(self._cue_log)

    def add_observer(self, observer: SessionObserver) -> None:
        """Tell ``observer`` each cue (after the session took it), the newest sample time and
        the hold indicator after each block, and each reset; add before :meth:`start`."""
        self._observers.append(observer)

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        """Start the acquisition and judge threads (once: a second start would run a second
        acquisition into the same history)."""
        if self._thread is not None:
            raise RuntimeError("the session was started already")
        self._judge_thread = threading.Thread(
            target=self._judge_loop, name="neckimu-judge", daemon=True
        )
        self._judge_thread.start()
        self._thread = threading.Thread(
            target=self._acquire, name="neckimu-acquisition", daemon=True
        )
        self._thread.start()

    def _acquire(self) -> None:
        try:
            self.source.run(self)
        finally:
            self._stop_judge()
            self.judge.update(self._judge_newest(final=True), final=True)
            rec = self.source.final_recording() if self.analyze_at_end else None
            if rec is not None:
                try:
                    self._analysis = analyze(rec)
                except (NeckimuError, ValueError):
                    self._analysis = None
            err = self.source.error
            with self._lock:
                self._view = replace(
                    self._view,
                    finished=True,
                    state="finished",
                    error=None if err is None else str(err),
                )

    @property
    def analysis(self) -> Analysis | None:
        """The analysis of the closed recording (None before the end or without one)."""
        return self._analysis

    @property
    def finished(self) -> bool:
        return self._thread is not None and not self._thread.is_alive()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the source and wait for the threads (the recording is closed)."""
        self.source.stop()
        self.wait(timeout)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the stream to end; True if it did."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self.finished

    # -- what the view reads -------------------------------------------------------------------
    def view(self) -> View:
        """A consistent copy of the state (cheap; call it on every frame)."""
        with self._lock:
            v = self._view
        st = self.source.stats()
        lost = st.missing / max(1, st.missing + st.samples) * 100.0
        t = self.ring.snapshot(2.0)[:, 0]
        rate = (len(t) - 1) / (t[-1] - t[0]) if len(t) > 2 and t[-1] > t[0] else 0.0
        trunk = self.trunk.view() if self.trunk is not None else None
        return replace(
            v, loss_pct=lost, rate_hz=rate, samples=st.samples, reps=self.judge.reps, trunk=trunk
        )

    def drawn(self, t_newest: float) -> None:
        """The view drew every sample up to ``t_newest`` (s): record notification latencies."""
        now = time.monotonic()
        arr = self._arrivals
        while arr and arr[0][0] <= t_newest:
            _, a, received = arr.popleft()
            if a is not None:
                self.latencies_s.append(now - a)
            if received is not None:
                self.block_latencies_s.append(now - received)

    # -- sink (acquisition thread) -----------------------------------------------------------
    def on_meta(self, meta: dict[str, Any]) -> None:
        self.meta = dict(meta)
        if self.mount is not None:
            self.meta["mount"] = self.mount
        tmeta = trunk_meta(self.meta)
        if tmeta and self.trunk is None:
            self.trunk = LiveTrunk(tmeta)

    def on_trunk_block(self, block: SampleBlock) -> None:
        """Samples of the trunk board, on the head's time base (after the head's, or with)."""
        if self.trunk is None:
            self.trunk = LiveTrunk(trunk_meta(self.meta))
        with self._hist_lock:
            self.trunk.append(block)
        if self._trunk_cal_for is not None and self.trunk.calibrate(self._trunk_cal_for):
            self._trunk_cal_for = None
            if self._cal is not None:  # the still phase's floor is the neck's now
                self._rest_floor = self._still_floor(self._cal)
            self._redraw()

    def on_status(self, state: str) -> None:
        with self._lock:
            self._view = replace(self._view, state=state)

    def on_reset(self) -> None:
        self._reset_state()
        with self._lock:
            self._view = View(label=self.source.label, state=self._view.state)
        for o in self._observers:
            o.on_reset()

    def on_gap(self, time_s: float, missing: int, reason: str) -> None:
        pass  # counted by the source (``stats()``, shown as loss); nothing kept per gap

    def on_event(self, ev: Event) -> None:
        self.judge.on_event(ev)
        if self.trunk is not None:
            self.trunk.on_cue(ev.event == "start")
        if ev.event == "start":
            self._open[ev.exercise] = ev.time_s
            text = INSTRUCTIONS.get(ev.exercise, ev.exercise)
            self._hold_view = None
            if ev.exercise in HOLDS:
                self._start_hold(ev)
            if ev.exercise == "retraction" and self._cal is not None:
                self._path = RetractionPath(self._ts, self._cal, ev.time_s)
            self._prompts, self._prompt_t0 = list(self.routine.prompts(ev.exercise)), ev.time_s
            self._set_cue(ev.exercise, text, ev.time_s)
        else:
            self._prompts = []
            start = self._open.pop(ev.exercise, None)
            if ev.exercise == "calibrate" and start is not None:
                self._cal_pending = Window("calibrate", start, ev.time_s)
            if self._hold is not None and self._hold[0] == ev.exercise:
                self._end_hold()
            if ev.exercise == "retraction":
                self._path = None
            self._set_cue(None, "Rest", ev.time_s)
        for o in self._observers:
            o.on_cue(ev)

    def _set_cue(
        self, exercise: str | None, text: str, t: float, planned_s: float | None = None
    ) -> None:
        planned = (
            planned_s
            if planned_s is not None
            else self.routine.exercise_s(exercise)
            if exercise
            else None
        )
        with self._lock:
            v = self._view
            self._cue_log.append(Cue(t, exercise, text, planned))
            self._view = replace(
                v,
                exercise=exercise,
                cue_text=text,
                cue_count=v.cue_count + 1,
                cue_planned_s=planned,
                retraction=exercise == "retraction",
                hold=self._hold_view if exercise is None else None,
                path_posterior_mm=np.zeros(0) if exercise == "retraction" else v.path_posterior_mm,
                path_superior_mm=np.zeros(0) if exercise == "retraction" else v.path_superior_mm,
            )
            self._cue_start = t

    def on_block(self, block: SampleBlock, arrivals: Sequence[float] = ()) -> None:
        if not len(block):
            return
        t_received = time.monotonic()
        if self._orient is None:  # the filter analyze's verifiers use: same period, same state
            self._ts = filter_period(self.meta, block.t)
            self._orient = OnlineOrientation(self._ts)
        quat, bias, _ = self._orient.update_full(block)
        h = self.hist
        with self._hist_lock:
            h.append(block, quat, bias)
        self._newest = float(block.t[-1])
        self._calibrate_if_due()
        angles = self._angles(block.t, quat)
        self.ring.write(np.column_stack([block.t, angles]))
        if self._hold is not None:
            self._update_hold()
        if self._path is not None:
            self._path.update(h)
        t_last = float(block.t[-1])
        if self._prompts and t_last >= self._prompt_t0 + self._prompts[0].offset_s:
            while len(self._prompts) > 1 and t_last >= self._prompt_t0 + self._prompts[1].offset_s:
                self._prompts.pop(0)  # a block spanning two prompts shows the later one
            p = self._prompts.pop(0)
            self._set_cue(self._view.exercise, p.text, self._prompt_t0 + p.offset_s, p.planned_s)
        self._arrivals.append((t_last, None, t_received))
        for a in arrivals:
            self._arrivals.append((t_last, a, None))
        while len(self._arrivals) > 10_000:
            self._arrivals.popleft()
        exercise = self._view.exercise
        with self._lock:
            self._view = replace(
                self._view,
                session_s=t_last,
                cue_elapsed_s=t_last - self._cue_start if exercise else 0.0,
                hold=self._hold_view if exercise is None or exercise in HOLDS else None,
                **(
                    {
                        "path_posterior_mm": self._path.posterior_mm,
                        "path_superior_mm": self._path.superior_mm,
                    }
                    if self._path
                    else {}
                ),
            )
        if self.judge.due(self._judge_newest()):
            self._judge_wake.set()
        for o in self._observers:
            o.on_progress(t_last, self._hold_view if self._hold is not None else None)

    # -- calibration ---------------------------------------------------------------------------
    def _calibrate_if_due(self) -> None:
        h = self.hist
        t_now = float(h.t[-1])
        window = self._cal_pending
        if window is not None and t_now >= window.end_s:
            self._cal_pending = None
            self._calibrate(window)
        elif self._cal is None and t_now - float(h.t[0]) >= self._next_provisional:
            self._next_provisional += 1.0
            self._calibrate(None)

    def _calibrate(self, window: Window | None) -> None:
        h = self.hist
        mount = self.mount or (
            self.meta.get("mount") if isinstance(self.meta.get("mount"), str) else None
        )
        try:
            cal = calibrate(
                h.samples(),
                h.orientation(self._ts),
                window,
                mount=mount,
                mount_source="argument" if self.mount else "recording",
            )
        except (NeckimuError, ValueError):
            return
        self._cal = cal
        if self.trunk is not None:
            self._trunk_cal_for = None if self.trunk.calibrate(cal) else cal
        self._rest_floor = self._still_floor(cal)
        self._redraw()
        # samples that arrived before there was a head frame were never drawn as they came:
        # they have no live latency (counting them would report the calibration wait)
        self._arrivals.clear()
        label = cal.method if window is not None else "provisional (gravity only)"
        with self._lock:
            self._view = replace(self._view, calibration=label)

    def _still_floor(self, cal: Calibration) -> NoiseFloor | None:
        """The noise floor of the calibration's still phase, as ``analyze`` measures it
        (:meth:`neckimu.verify.context.Context.still_floor`, with a calibrated trunk board
        the neck's): the history drops old rows, so it is measured when the head (or the
        trunk) calibrates, while it holds the still phase."""
        with self._hist_lock:
            h = self.hist
            i0 = h.index(cal.still_s[0] - 1.0)
            if h.n - i0 < 3:
                return None
            samples = h.samples(i0, copy=True)
            o = h.orientation(self._ts, i0, copy=True)
            tctx = self._trunk_context(float(samples.t[0]))
        ctx = Context(samples, o.quat, o.bias, self._ts, cal)
        self._with_trunk_rate(ctx, tctx)
        return ctx.still_floor()

    def _redraw(self) -> None:
        """The angles held in the ring again, with the current head (and trunk) frame."""
        h = self.hist
        n = min(h.n, self.ring.capacity)
        if n:
            self.ring.reset(np.column_stack([h.t[-n:], self._angles(h.t[-n:], h.quat[-n:])]))

    def _angles(self, t: np.ndarray, quat: np.ndarray) -> np.ndarray:
        """What the view draws at head times ``t``: the neck's angles once the trunk board is
        calibrated, the head's before (and without one), NaN before any head frame; deg."""
        if self._cal is None:
            return np.full((len(t), 3), np.nan)
        if self.trunk is not None and self.trunk.cal is not None:
            with self._hist_lock:
                neck = self.trunk.neck_angles(t, quat, self._cal)
            if neck is not None:
                return neck
        return head_angles_deg(quat, self._cal)

    # -- the hold indicator ----------------------------------------------------------------
    def _start_hold(self, ev: Event) -> None:
        self._hold = (ev.exercise, ev.time_s)
        self._hold_view = None

    def _update_hold(self) -> None:
        assert self._hold is not None
        exercise, t0 = self._hold
        h = self.hist
        i0 = h.index(t0)
        n_ref = max(1, round(HoldCriteria.reference_s / self._ts))
        if h.n - i0 <= n_ref or self._cal is None:
            return
        angle = None
        if self.trunk is not None and self.trunk.cal is not None:
            # with a trunk board the hold is the neck's (head relative to trunk), as the
            # verifier with a trunk judges it: a trunk that leans is not the neck moving
            with self._hist_lock:
                j0 = h.index(t0 - ACC_BIAS_SPAN_S)
                angle = self.trunk.hold_deviation(
                    h.samples(j0), h.orientation(self._ts, j0), self._cal, t0
                )
        if angle is None:
            rot = hold_rotation(
                h.t[i0:],
                h.gyr[i0:] - h.bias[i0],
                h.acc[i0:],
                self._ts,
                band_hz=HoldCriteria.tilt_band_hz,
            )
            angle = np.degrees((rot[:n_ref].mean().inv() * rot).magnitude())
        # the largest deviation of the hold so far as measured now: an earlier, rougher look
        # at the same samples does not count (with a trunk, each board's bias is measured
        # again with every block; without one, the newest samples' tilt changes once the
        # low-pass filter has the data after them), so at the hold's end it is the verdict's
        worst = float(angle.max())
        self._hold_view = HoldView(
            exercise,
            float(h.t[-1]) - t0,
            self.routine.exercise_s(exercise),
            float(angle[-1]),
            worst,
            HoldCriteria.tolerance_deg,
            True,
        )

    def _end_hold(self) -> None:
        if self._hold_view is not None:
            self._hold_view = replace(self._hold_view, active=False)
            self.hold_log.append(self._hold_view)
        self._hold = None

    # -- verdicts ------------------------------------------------------------------------------
    def _context(self, t0: float, t_final: float) -> Context | None:
        """The history from ``t0`` as the verifiers see it (a copy: acquisition goes on)."""
        if self._cal is None or not self._cal.method.startswith("gravity"):
            return None
        with self._hist_lock:
            h = self.hist
            i0 = h.index(t0)
            if h.n - i0 < 3:
                return None
            samples = h.samples(i0, copy=True)
            o = h.orientation(self._ts, i0, copy=True)
            tctx = self._trunk_context(float(samples.t[0]))
        ctx = Context(
            samples,
            o.quat,
            o.bias,
            self._ts,
            self._cal,
            meta=self._judge_meta(),
            t_final=t_final,
            rest_floor=self._rest_floor,
        )
        self._with_trunk_rate(ctx, tctx)
        return ctx

    def _trunk_context(self, t0: float) -> TrunkContext | None:
        """The trunk board's verifier context from just before ``t0`` (None: no trunk board,
        or not calibrated yet). Called with the history lock held."""
        if self.trunk is None:
            return None
        tctx = self.trunk.context(t0 - 1.0)
        return tctx if tctx is not None and len(tctx.samples) >= 2 else None

    def _with_trunk_rate(self, ctx: Context, tctx: TrunkContext | None) -> None:
        """With a trunk board the rep finder's angular speed is the neck's, as in ``analyze``
        (:attr:`neckimu.verify.context.Context.trunk_rate`)."""
        if tctx is not None:
            ctx.trunk_rate = tctx.rate_in_head(ctx.t, ctx.quat, ctx.calibration)

    def _judge_newest(self, final: bool = False) -> float:
        """Session time up to which the judge has all data: the head's newest sample, or the
        trunk board's when it is behind by less than :data:`TRUNK_WAIT_S` (more: its link is
        down, judge with what there is)."""
        tr = self.trunk
        if tr is None or final:
            return self._newest
        t = tr.newest_s
        return t if self._newest - TRUNK_WAIT_S < t < self._newest else self._newest

    def _with_trunk(self, reps: list[Rep], ctx: Context) -> list[Rep]:
        """The reps judged again against the trunk, as ``neckimu analyze`` does (the judge's
        ``rejudge``); as they are without a trunk board."""
        if self.trunk is None or not reps:
            return reps
        with self._hist_lock:
            # from just before the head's data, as every trunk context here: the trunk's
            # first samples may come before the head's first (analyze reads them all)
            tctx = self._trunk_context(float(ctx.t[0]))
        if tctx is None:
            return reps
        return judge_with_trunk(reps, tctx, ctx)

    def _judge_meta(self) -> dict[str, Any]:
        meta = dict(self.meta)
        meta.setdefault("stretch_hold_s", self.routine.stretch_hold_s())
        return meta

    def _judge_loop(self) -> None:
        while True:
            self._judge_wake.wait()
            self._judge_wake.clear()
            if self._judge_stop:
                return
            self.judge.update(self._judge_newest())

    def _stop_judge(self) -> None:
        self._judge_stop = True
        self._judge_wake.set()
        if self._judge_thread is not None and self._judge_thread is not threading.current_thread():
            self._judge_thread.join()
