"""The live window (PySide6 + pyqtgraph): draws what a :class:`LiveSession` holds.

The window owns no data and runs no analysis. A ``QTimer`` (~60 Hz) takes a snapshot of the
session's ring buffer and its :class:`~neckimu.live.session.View`, and only draws:

- the cue, large, with the seconds left of the exercise;
- a head (:class:`~neckimu.live.head.HeadFigure`, side and front views) that moves with the
  measured head, with the exercise's target band; during holds both views are zoomed on the
  nose so that the ±2 deg tolerance is a visible distance;
- the panel of the exercise under way, and only that one: the stillness indicator during a
  hold (seconds held so far, deviation now and at most against the tolerance), the sagittal
  head-centre path of the current rep during the retraction set;
- the verdicts, which come only from the session's judge (:class:`~neckimu.live.judge.
  LiveJudge`) once a rep's data are complete: while a rep is under way the window shows
  progress, never a verdict;
- the three head angles over the last seconds (curves created once; each frame calls
  ``setData(..., skipFiniteCheck=True)`` with x in seconds before now, a fixed axis range,
  peak downsampling and ``clipToView``; texts are set only when they change).

With a :class:`~neckimu.live.sound_player.SoundPlayer` the frame timer also plays the cue
sounds that are due.
"""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from neckimu import SAFETY_NOTICE
from neckimu.live.head import HeadFigure
from neckimu.live.replay import ReplaySource
from neckimu.live.session import LiveSession, View
from neckimu.live.trunk import TrunkView
from neckimu.recording.events import HOLDS
from neckimu.verify.hold import HoldCriteria
from neckimu.verify.reps import ROM_WORDS, exercise_name
from neckimu.verify.retraction import RetractionCriteria

_ANGLES = (
    ("flexion / extension", "#1f77b4"),
    ("lateral flexion", "#2ca02c"),
    ("rotation", "#d62728"),
)
_GREEN, _RED, _GREY = "#2e9d4f", "#c62828", "#9e9e9e"
#: where a glide passes (posterior mm, superior mm): the pass rule itself
_CORRIDOR = RetractionCriteria().target()
#: The pose an exercise's band is drawn about: the mean over this first part of it, s.
_REFERENCE_S = {"retraction": 0.5, **{h: HoldCriteria.reference_s for h in HOLDS}}


class _Canvas(pg.GraphicsLayoutWidget):
    """The curve area; tells the window when a frame has been painted (latency bench)."""

    painted = QtCore.Signal()

    def paintEvent(self, ev: QtGui.QPaintEvent) -> None:
        super().paintEvent(ev)
        self.painted.emit()


class LiveWindow(QtWidgets.QMainWindow):
    """The training window.

    Parameters
    ----------
    session : LiveSession
        Started by the caller.
    fps : float
        Redraw rate, frames/s.
    sound : bool
        Without a ``player``: beep (``QApplication.beep``) at every cue.
    player : SoundPlayer, optional
        Plays the session's cue sounds (:mod:`neckimu.live.sound_player`); polled every frame.
    """

    def __init__(
        self, session: LiveSession, *, fps: float = 60.0, sound: bool = False, player=None
    ) -> None:
        super().__init__()
        # exitCleanup off: its atexit pass over Qt objects crashes PySide6 6.12 at exit
        pg.setConfigOptions(antialias=False, background="w", foreground="k", exitCleanup=False)
        self.session = session
        self.sound = sound
        self.player = player
        self.frames = 0  #: frames updated by the timer
        self._frames_painted = 0  #: frames painted
        self.draw_s: list[float] = []  #: time spent in each frame's update, s
        self._texts: dict[str, object] = {}
        self._cue_count = 0
        self._t_drawn = -np.inf
        self._fps_t, self._fps_n, self.fps = time.monotonic(), 0, 0.0
        #: the exercise the head figure shows, its start (s) and reference pose (deg) if known
        self._figure_ex: tuple[str | None, float | None, bool] = (None, None, False)
        self._hold_start: float | None = None  #: start of the hold the indicator shows, s
        self._rows_key: tuple = ()  # what the curves show (redrawn only when it changes)
        #: range of motion: window start, newest row seen (s), largest angle each way (deg)
        self._rom_reached: tuple[float, float, np.ndarray] | None = None
        self.setWindowTitle("neckimu")
        self.resize(1280, 800)
        self._build()
        self.timer = QtCore.QTimer(self)
        self.timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self.update_frame)
        self.timer.start(max(1, round(1000.0 / fps)))

    # -- layout --------------------------------------------------------------------------------
    def _label(self, size: int = 11, bold: bool = False) -> QtWidgets.QLabel:
        lab = QtWidgets.QLabel()
        f = lab.font()
        f.setPointSize(size)
        f.setBold(bold)
        lab.setFont(f)
        lab.setWordWrap(True)
        return lab

    def _build(self) -> None:
        central = QtWidgets.QWidget()
        self.setCentralWidget(central)
        root = QtWidgets.QVBoxLayout(central)
        self.status = self._label(10)
        root.addWidget(self.status)
        safety = self._label(9)
        safety.setText("⚠ " + SAFETY_NOTICE)
        safety.setStyleSheet("background:#fff4d6; color:#6b4e00; padding:3px;")
        root.addWidget(safety)
        cue_row = QtWidgets.QHBoxLayout()
        self.cue = self._label(18, bold=True)
        cue_row.addWidget(self.cue, 1)
        self.countdown = self._label(26, bold=True)
        self.countdown.setAlignment(
            QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter
        )
        self.countdown.setWordWrap(False)
        self.countdown.setMinimumWidth(150)
        cue_row.addWidget(self.countdown)
        root.addLayout(cue_row)

        body = QtWidgets.QHBoxLayout()
        root.addLayout(body, 1)
        left = QtWidgets.QVBoxLayout()
        body.addLayout(left, 3)
        self.head = HeadFigure()
        self.head.setMinimumHeight(300)
        left.addWidget(self.head, 3)
        self.canvas = _Canvas()
        self.canvas.painted.connect(self._painted)
        self.curves: list[pg.PlotDataItem] = []
        window = self.session.window_s
        p = self.canvas.addPlot(row=0, col=0)
        self.angle_plot = p
        p.setLabel("left", "head angles", units="deg")
        p.setLabel("bottom", "time before now", units="s")
        p.setXRange(-window, 0.0, padding=0)
        p.setYRange(-40, 40, padding=0)
        p.disableAutoRange()
        p.setMouseEnabled(x=False, y=False)
        p.hideButtons()
        legend = p.addLegend(offset=(8, 4), colCount=3, labelTextSize="8pt")
        legend.setBrush(pg.mkBrush(255, 255, 255, 200))
        # no alpha grid: it costs ~25 ms a frame in the raster engine; one zero line
        p.addItem(pg.InfiniteLine(0.0, angle=0, pen=pg.mkPen("#bbbbbb")))
        for name, color in _ANGLES:
            c = p.plot(pen=pg.mkPen(color, width=1), name=name)  # wider pens are ~4x slower
            c.setDownsampling(auto=True, method="peak")
            c.setClipToView(True)
            self.curves.append(c)
        left.addWidget(self.canvas, 2)

        side = QtWidgets.QVBoxLayout()
        body.addLayout(side, 2)
        self.hold = self._label(18, bold=True)
        self.hold.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.hold.setMinimumHeight(130)
        self.hold.setVisible(False)
        side.addWidget(self.hold)
        # a second board on the trunk: its inclination, small, and "trunk moved" (issue 15)
        self.trunk = self._label(10)
        self.trunk.setStyleSheet("color:#444444; padding:2px;")
        # its lines unwrapped, room for the longest ones reserved: a text that grows (the
        # trunk moved) is never clipped while the layout has not caught up
        self.trunk.setWordWrap(False)
        fm = self.trunk.fontMetrics()
        widest = TrunkView(-99.9, -99.9, 99.9).lines
        self.trunk.setMinimumSize(
            max(fm.horizontalAdvance(line) for line in widest) + 12,
            len(widest) * fm.lineSpacing() + 10,
        )
        self.trunk.setVisible(False)
        side.addWidget(self.trunk)
        self.rom = self._label(13)
        self.rom.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.rom.setStyleSheet("background:#e8f0fe; padding:6px;")
        self.rom.setVisible(False)
        side.addWidget(self.rom)
        self.path_plot = pg.PlotWidget()
        pp = self.path_plot.getPlotItem()
        pp.setTitle("retraction: head-centre path (current rep)")
        pp.setLabel("bottom", "posterior", units="mm")
        pp.setLabel("left", "superior", units="mm")
        pp.setXRange(-15, 40, padding=0)
        pp.setYRange(-15, 30, padding=0)
        pp.disableAutoRange()
        pp.setAspectLocked(True)
        pp.setMouseEnabled(x=False, y=False)
        pp.hideButtons()
        for angle in (0, 90):
            pp.addItem(pg.InfiniteLine(0.0, angle=angle, pen=pg.mkPen("#bbbbbb")))
        corridor = QtGui.QPolygonF([QtCore.QPointF(x, y) for x, y in _CORRIDOR])
        band = QtWidgets.QGraphicsPolygonItem(corridor)
        band.setBrush(pg.mkBrush(46, 157, 79, 50))
        band.setPen(pg.mkPen(_GREEN, width=1))
        pp.addItem(band)
        self.path_curve = pp.plot(pen=pg.mkPen("#333333", width=3))
        self.rep_points = pg.ScatterPlotItem(size=12)
        pp.addItem(self.rep_points)
        self.path_plot.setVisible(False)
        side.addWidget(self.path_plot, 3)
        self.counter = self._label(12, bold=True)
        side.addWidget(self.counter)
        self.verdicts = QtWidgets.QListWidget()
        self.verdicts.setWordWrap(True)
        side.addWidget(self.verdicts, 2)

        self.replay_bar = None
        src = self.session.source
        if isinstance(src, ReplaySource):
            bar = QtWidgets.QHBoxLayout()
            self.pause_button = QtWidgets.QPushButton("Pause")
            self.pause_button.clicked.connect(self.toggle_pause)
            self.seek_slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
            self.seek_slider.setRange(0, max(1, int(np.ceil(src.duration_s))))
            self.seek_slider.sliderReleased.connect(
                lambda: src.seek(src.rec.samples.t[0] + self.seek_slider.value())
            )
            self.position = self._label(10)
            bar.addWidget(self.pause_button)
            bar.addWidget(self.seek_slider, 1)
            bar.addWidget(self.position)
            root.addLayout(bar)
            self.replay_bar = bar

    # -- replay controls ---------------------------------------------------------------------
    def toggle_pause(self) -> None:
        src = self.session.source
        if isinstance(src, ReplaySource):
            src.pause(not src.paused)
            self.pause_button.setText("Play" if src.paused else "Pause")

    def _follow_replay(self) -> None:
        """Move the seek slider with playback (unless the user holds it)."""
        src = self.session.source
        if not isinstance(src, ReplaySource) or self.seek_slider.isSliderDown():
            return
        pos = src.position_s - float(src.rec.samples.t[0])
        if self.seek_slider.value() != int(pos):
            self.seek_slider.setValue(int(pos))
        m, s = divmod(int(pos), 60)
        dm, ds = divmod(int(src.duration_s), 60)
        self._set(self.position, "position", f"{m:02d}:{s:02d} / {dm:02d}:{ds:02d}")

    # -- drawing -----------------------------------------------------------------------------
    def _set(self, widget: QtWidgets.QLabel, key: str, text: str, style: str | None = None) -> None:
        if self._texts.get(key) != text:
            widget.setText(text)
            self._texts[key] = text
        if style is not None and self._texts.get(key + ".style") != style:
            widget.setStyleSheet(style)
            self._texts[key + ".style"] = style

    def _show(self, widget: QtWidgets.QWidget, visible: bool) -> None:
        if widget.isVisibleTo(self) != visible:
            widget.setVisible(visible)

    def update_frame(self, force: bool = False) -> None:
        """One frame: read the session, draw (the QTimer's slot); ``force``: redraw curves and
        head even if no new data came (benchmarks)."""
        t0 = time.perf_counter()
        rows = self.session.ring.snapshot(self.session.window_s)
        # curves and head only when there is something new (frames outpace notifications)
        key = (len(rows), self.session.ring.total, *(rows[-1] if len(rows) else ()))
        fresh = force or key != self._rows_key
        self._rows_key = key
        if len(rows) and fresh:
            t_new = rows[-1, 0]
            x = rows[:, 0] - t_new
            for k, c in enumerate(self.curves):
                c.setData(x, rows[:, k + 1], skipFiniteCheck=True)
            self._pending_t = t_new
        v = self.session.view()
        if time.monotonic() - self._fps_t > 2.0:
            self.fps = 0.0  # nothing painted lately (paused, stalled): no stale frame rate
        self._draw_texts(v)
        self._draw_head(v, rows, fresh, force)
        self._draw_hold(v)
        self._draw_rom(v, rows, fresh)
        self._draw_retraction(v)
        self._draw_verdicts(v)
        if self.replay_bar is not None:
            self._follow_replay()
        if self.player is not None:
            self.player.poll(v.session_s)
        self.frames += 1
        self.draw_s.append(time.perf_counter() - t0)
        if len(self.draw_s) > 100_000:
            del self.draw_s[:50_000]

    def _painted(self) -> None:
        t = getattr(self, "_pending_t", None)
        if t is not None and t > self._t_drawn:
            self._t_drawn = t
            self.session.drawn(t)
        self._fps_n += 1
        self._frames_painted += 1
        now = time.monotonic()
        if now - self._fps_t >= 1.0:
            self.fps = self._fps_n / (now - self._fps_t)
            self._fps_t, self._fps_n = now, 0

    def _draw_texts(self, v: View) -> None:
        dot = {"connected": _GREEN, "replay": _GREEN, "finished": _GREY}.get(v.state, _RED)
        m, s = divmod(int(v.session_s), 60)
        status = (
            f"<span style='color:{dot}'>●</span> {v.state} — {v.label} | "
            f"{v.rate_hz:.0f} Hz | loss {v.loss_pct:.1f} % | {m:02d}:{s:02d} | "
            f"calibration: {v.calibration}"
        )
        if not v.finished and self.fps > 0:  # nothing is streaming at the end: no frame rate
            status += f" | {self.fps:.0f} fps"
        if v.error:
            status += f" | <b style='color:{_RED}'>{v.error}</b>"
        self._set(self.status, "status", status)
        if v.trunk is not None:
            if not self._texts.get("trunk.shown"):
                self._texts["trunk.shown"] = "yes"
                self.trunk.setVisible(True)
                self.angle_plot.setLabel("left", "neck angles (head to trunk)", units="deg")
            color = _RED if v.trunk.moved else "#444444"
            text = "<br>".join(v.trunk.lines)
            self._set(self.trunk, "trunk", f"<span style='color:{color}'>{text}</span>")
        cue, left = v.cue_text, ""
        if v.exercise:
            cue = f"{exercise_name(v.exercise).capitalize()}: {cue}"
            if v.cue_planned_s:
                remaining = max(0.0, v.cue_planned_s - v.cue_elapsed_s)
                left = f"{np.ceil(remaining):.0f} s left"
        if v.finished:
            cue, left = "Session finished", ""
        self._set(self.cue, "cue", cue)
        last3 = (
            bool(left) and v.cue_planned_s is not None and v.cue_planned_s - v.cue_elapsed_s <= 3.0
        )
        style = f"color:{_RED if last3 else '#333'};"
        self._set(self.countdown, "countdown", left, style)
        if v.cue_count != self._cue_count:
            self._cue_count = v.cue_count
            if self.sound and self.player is None:
                QtWidgets.QApplication.beep()

    def _draw_head(
        self, v: View, rows: np.ndarray, fresh: bool = True, force: bool = False
    ) -> None:
        """The head at the newest angles, with the band of the exercise under way."""
        fig = self.head
        ex = None if v.finished else v.exercise
        start = v.session_s - v.cue_elapsed_s if ex else None
        shown_ex, shown_start, has_ref = self._figure_ex
        if ex != shown_ex or (
            ex and start is not None and shown_start is not None and abs(start - shown_start) > 0.05
        ):
            has_ref = False
            fig.set_exercise(ex, None if not len(rows) else _finite_last(rows))
            self._figure_ex = (ex, start, False)
        if ex in _REFERENCE_S and not has_ref and start is not None and len(rows):
            # the band is drawn about the pose at the exercise's start (as the hold verifier's
            # reference: the mean over its first part) once those rows are in
            ref_s = _REFERENCE_S[ex]
            if rows[-1, 0] >= start + ref_s:
                sel = (rows[:, 0] >= start) & (rows[:, 0] < start + ref_s)
                ref = rows[sel, 1:]
                if len(ref) and np.isfinite(ref).all():
                    fig.set_exercise(ex, ref.mean(axis=0))
                    self._figure_ex = (ex, start, True)
        if len(rows) and fresh:
            offset = None
            if v.retraction and len(v.path_posterior_mm):
                offset = np.array([-v.path_posterior_mm[-1], 0.0, v.path_superior_mm[-1]])
            fig.set_pose(rows[-1, 1:], offset, force=force)

    def _draw_hold(self, v: View) -> None:
        """The stillness indicator: progress during a hold, then the judge's verdict."""
        h = v.hold
        self._show(self.hold, h is not None and not v.finished)
        if h is None:
            return
        tol = f"{h.tolerance_deg:.1f}°"
        if h.active:
            if v.exercise == h.exercise:
                self._hold_start = v.session_s - v.cue_elapsed_s
            held = f"held {int(h.elapsed_s)} s" + (f" of {h.planned_s:g}" if h.planned_s else "")
            state = f"beyond {tol}: keep still" if h.moved else f"within {tol}"
            text = (
                f"{h.title}: {held}<br>{state}<br><small>now {h.deviation_deg:.1f}°, "
                f"most {h.max_deviation_deg:.1f}° (allowed {tol})</small>"
            )
            colour = _RED if h.moved else _GREEN
        else:  # over: the verdict is the judge's, once the hold's data are complete
            start = self._hold_start
            rep = next(
                (
                    r
                    for r in v.reps
                    if r.exercise == h.exercise
                    and start is not None
                    and abs(r.start_s - start) < 0.5
                ),
                None,
            )
            if rep is None:
                text = (
                    f"{h.title}: over<br><small>most {h.max_deviation_deg:.1f}° "
                    f"(allowed {tol}); judging…</small>"
                )
                colour = _GREY
            else:
                text = rep.message().replace(": ", ":<br>", 1)
                colour = _GREEN if rep.verdict == "pass" else _RED
        self._set(self.hold, "hold", text, f"background:{colour}; color:white; padding:6px;")

    def _draw_rom(self, v: View, rows: np.ndarray, fresh: bool) -> None:
        """During the range-of-motion window: the largest angle reached so far each way (the
        live angles; the measurement is the judge's, at the end of the window)."""
        rom = v.exercise == "rom" and not v.finished
        self._show(self.rom, rom)
        span = 90.0 if rom else 40.0  # the movements go well past ±40 deg
        if self._texts.get("span") != span:
            self._texts["span"] = span
            self.angle_plot.setYRange(-span, span, padding=0)
        if not rom:
            self._rom_reached = None
            return
        start = v.session_s - v.cue_elapsed_s
        if self._rom_reached is None or self._rom_reached[0] > start + 1e-6:
            self._rom_reached = (start, start, np.full(6, np.nan))
        first, seen, reached = self._rom_reached
        if fresh and len(rows):
            new = rows[rows[:, 0] > seen]
            a = new[:, 1:][np.isfinite(new[:, 1:]).all(axis=1)]
            if len(a):
                # flexion, extension, lateral left, right, rotation left, right (deg, > 0)
                each = np.column_stack([a[:, 0], -a[:, 0], -a[:, 1], a[:, 1], -a[:, 2], a[:, 2]])
                reached = np.fmax(reached, each.max(axis=0))
                self._rom_reached = (first, float(new[-1, 0]), reached)
        cells = []
        for name, deg in zip(ROM_WORDS.values(), reached, strict=True):
            cells.append(
                f"{name}: <b>{deg:.0f}°</b>" if np.isfinite(deg) and deg >= 5.0 else f"{name}: —"
            )
        text = "range of motion, reached so far:<br>" + "<br>".join(
            " · ".join(cells[i : i + 2]) for i in range(0, 6, 2)
        )
        self._set(self.rom, "rom", text)

    def _draw_retraction(self, v: View) -> None:
        retracting = v.retraction and not v.finished
        self._show(self.path_plot, retracting)
        if not retracting:
            if self._texts.get("path") != 0:  # no stray path left for the next set
                self._texts["path"] = 0
                self.path_curve.setData([], [])
            return
        n = len(v.path_posterior_mm)
        if self._texts.get("path") != n:
            self._texts["path"] = n  # redraw the path plot only when the path grew
            self.path_curve.setData(v.path_posterior_mm, v.path_superior_mm, skipFiniteCheck=True)
        reps = [
            r
            for r in v.reps
            if r.exercise == "retraction"
            and r.posterior_mm is not None
            and r.end_s >= v.session_s - v.cue_elapsed_s
        ]
        key = "points" + str([(r.index, r.verdict) for r in reps])
        if self._texts.get("points") != key:
            self._texts["points"] = key
            self.rep_points.setData(
                [r.posterior_mm for r in reps],
                [r.superior_mm for r in reps],
                brush=[pg.mkBrush(_GREEN if r.verdict == "pass" else _RED) for r in reps],
            )

    def _draw_verdicts(self, v: View) -> None:
        key = "|".join(r.message() for r in v.reps)
        if self._texts.get("verdicts") == key:
            return
        self._texts["verdicts"] = key
        self.verdicts.clear()
        for r in v.reps:
            item = QtWidgets.QListWidgetItem(r.message())
            item.setForeground(QtGui.QColor(_GREEN if r.verdict == "pass" else _RED))
            self.verdicts.addItem(item)
        self.verdicts.scrollToBottom()
        passed = sum(r.verdict == "pass" for r in v.reps)
        n = len(v.reps)
        self._set(
            self.counter, "counter", f"{n} rep{'' if n == 1 else 's'} judged, {passed} passed"
        )

    def screenshot(self, path: str) -> None:
        """Save the window as a PNG (offscreen or on a screen)."""
        self.update_frame()
        QtWidgets.QApplication.processEvents()
        if not self.grab().save(str(path)):
            from neckimu.errors import NeckimuError

            raise NeckimuError(f"cannot write the screenshot {path}")

    def closeEvent(self, ev: QtGui.QCloseEvent) -> None:
        self.timer.stop()
        self.session.source.stop()
        super().closeEvent(ev)


def _finite_last(rows: np.ndarray) -> np.ndarray | None:
    """The newest finite angles of ring rows (t, flexion, lateral, rotation), or None."""
    ok = np.isfinite(rows[:, 1:]).all(axis=1)
    return rows[ok][-1, 1:] if ok.any() else None
