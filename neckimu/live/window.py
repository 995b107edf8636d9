"""The live window (PySide6 + pyqtgraph): draws what a :class:`LiveSession` holds.

The window owns no data and runs no analysis. A ``QTimer`` (~60 Hz) takes a snapshot of the
session's ring buffer and its :class:`~neckimu.live.session.View`, and only draws: the curves
and plot items are created once; each frame calls ``setData(..., skipFiniteCheck=True)`` on
them with x in seconds before now (a fixed axis range, so no axis is relaid out per frame);
texts are set only when they change. Peak downsampling and ``clipToView`` keep a 20 s window at
200 Hz cheap.
"""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from neckimu import SAFETY_NOTICE
from neckimu.live.replay import ReplaySource
from neckimu.live.session import LiveSession, View
from neckimu.verify.retraction import RetractionCriteria

_ANGLES = (("flexion / extension", "#1f77b4"), ("lateral flexion", "#2ca02c"),
           ("rotation", "#d62728"))
_GREEN, _RED, _GREY = "#2e9d4f", "#c62828", "#9e9e9e"
#: where a glide passes (posterior mm, superior mm): the pass rule itself
_CORRIDOR = RetractionCriteria().target()


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
        Started by the caller (or by :meth:`start`).
    fps : float
        Redraw rate, frames/s.
    sound : bool
        Beep (``QApplication.beep``) at every cue.
    """

    def __init__(self, session: LiveSession, *, fps: float = 60.0, sound: bool = False) -> None:
        super().__init__()
        # exitCleanup off: its atexit pass over Qt objects crashes PySide6 6.12 at exit
        pg.setConfigOptions(antialias=False, background="w", foreground="k", exitCleanup=False)
        self.session = session
        self.sound = sound
        self.frames = 0  #: frames updated by the timer
        self._frames_painted = 0  #: frames painted
        self.draw_s: list[float] = []  #: time spent in each frame's update, s
        self._texts: dict[str, object] = {}
        self._cue_count = 0
        self._t_drawn = -np.inf
        self._fps_t, self._fps_n, self.fps = time.monotonic(), 0, 0.0
        self.setWindowTitle("neckimu")
        self.resize(1280, 760)
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
        self.cue = self._label(18, bold=True)
        root.addWidget(self.cue)

        body = QtWidgets.QHBoxLayout()
        root.addLayout(body, 1)
        self.canvas = _Canvas()
        self.canvas.painted.connect(self._painted)
        self.curves: list[pg.PlotDataItem] = []
        window = self.session.window_s
        for k, (name, color) in enumerate(_ANGLES):
            p = self.canvas.addPlot(row=k, col=0)
            p.setLabel("left", name, units="deg")
            p.setXRange(-window, 0.0, padding=0)
            p.setYRange(-40, 40, padding=0)
            p.disableAutoRange()
            p.setMouseEnabled(x=False, y=False)
            p.hideButtons()
            # no alpha grid: it costs ~25 ms a frame in the raster engine; one zero line
            p.addItem(pg.InfiniteLine(0.0, angle=0, pen=pg.mkPen("#bbbbbb")))
            if k < 2:
                p.getAxis("bottom").setStyle(showValues=False)
            else:
                p.setLabel("bottom", "time before now", units="s")
            c = p.plot(pen=pg.mkPen(color, width=1))  # wider pens are ~4x slower
            c.setDownsampling(auto=True, method="peak")
            c.setClipToView(True)
            self.curves.append(c)
        body.addWidget(self.canvas, 3)

        side = QtWidgets.QVBoxLayout()
        body.addLayout(side, 2)
        self.hold = self._label(20, bold=True)
        self.hold.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.hold.setMinimumHeight(120)
        side.addWidget(self.hold)
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
        pp.plot([0, 35], [0, 35 * np.tan(np.radians(25))],
                pen=pg.mkPen(_GREEN, width=1, style=QtCore.Qt.PenStyle.DashLine))
        self.path_curve = pp.plot(pen=pg.mkPen("#333333", width=3))
        self.rep_points = pg.ScatterPlotItem(size=12)
        pp.addItem(self.rep_points)
        side.addWidget(self.path_plot, 2)
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
            self.seek_slider.setRange(0, max(1, int(src.duration_s)))
            self.seek_slider.sliderReleased.connect(
                lambda: src.seek(src.rec.samples.t[0] + self.seek_slider.value()))
            bar.addWidget(self.pause_button)
            bar.addWidget(self.seek_slider, 1)
            root.addLayout(bar)
            self.replay_bar = bar

    # -- replay controls ---------------------------------------------------------------------
    def toggle_pause(self) -> None:
        src = self.session.source
        if isinstance(src, ReplaySource):
            src.pause(not src.paused)
            self.pause_button.setText("Play" if src.paused else "Pause")

    # -- drawing -----------------------------------------------------------------------------
    def _set(self, widget: QtWidgets.QLabel, key: str, text: str, style: str | None = None) -> None:
        if self._texts.get(key) != text:
            widget.setText(text)
            self._texts[key] = text
        if style is not None and self._texts.get(key + ".style") != style:
            widget.setStyleSheet(style)
            self._texts[key + ".style"] = style

    def update_frame(self) -> None:
        """One frame: read the session, draw (the QTimer's slot)."""
        t0 = time.perf_counter()
        rows = self.session.ring.snapshot(self.session.window_s)
        if len(rows):
            t_new = rows[-1, 0]
            x = rows[:, 0] - t_new
            for k, c in enumerate(self.curves):
                c.setData(x, rows[:, k + 1], skipFiniteCheck=True)
            self._pending_t = t_new
        v = self.session.view()
        self._draw_texts(v)
        self._draw_retraction(v)
        self._draw_verdicts(v)
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
        status = (f"<span style='color:{dot}'>●</span> {v.state} — {v.label} | "
                  f"{v.rate_hz:.0f} Hz | loss {v.loss_pct:.1f} % | {m:02d}:{s:02d} | "
                  f"calibration: {v.calibration} | {self.fps:.0f} fps")
        if v.error:
            status += f" | <b style='color:{_RED}'>{v.error}</b>"
        self._set(self.status, "status", status)
        cue = v.cue_text
        if v.exercise and v.cue_planned_s:
            cue += f"   ({max(0.0, v.cue_planned_s - v.cue_elapsed_s):.0f} s left)"
        if v.finished:
            cue = "Session finished"
        self._set(self.cue, "cue", cue)
        if v.cue_count != self._cue_count:
            self._cue_count = v.cue_count
            if self.sound:
                QtWidgets.QApplication.beep()
        h = v.hold
        if h is None:
            self._set(self.hold, "hold", "stillness: —", f"background:{_GREY}; color:white;")
        else:
            left = "" if h.planned_s is None else f"{max(0.0, h.planned_s - h.elapsed_s):.0f} s"
            verdict = ("MOVED" if h.moved else "STILL") if h.active else (
                "fail" if h.moved else "pass")
            text = (f"{h.title}: {verdict}<br>{h.deviation_deg:.1f}° "
                    f"(max {h.max_deviation_deg:.1f}° / {h.tolerance_deg:.1f}°)"
                    + (f"<br>{left} left" if h.active and left else ""))
            self._set(self.hold, "hold", text,
                      f"background:{_RED if h.moved else _GREEN}; color:white;")

    def _draw_retraction(self, v: View) -> None:
        if len(v.path_posterior_mm):
            if self._texts.get("path") != (n := len(v.path_posterior_mm)):
                self._texts["path"] = n  # redraw the path plot only when the path grew
                self.path_curve.setData(v.path_posterior_mm, v.path_superior_mm,
                                        skipFiniteCheck=True)
        reps = [r for r in v.reps if r.exercise == "retraction" and r.posterior_mm is not None]
        key = "points" + str([(r.index, r.verdict) for r in reps])
        if self._texts.get("points") != key:
            self._texts["points"] = key
            self.rep_points.setData(
                [r.posterior_mm for r in reps], [r.superior_mm for r in reps],
                brush=[pg.mkBrush(_GREEN if r.verdict == "pass" else _RED) for r in reps])

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
        self._set(self.counter, "counter", f"reps: {len(v.reps)} judged, {passed} passed")

    def screenshot(self, path: str) -> None:
        """Save the window as a PNG (works offscreen)."""
        self.update_frame()
        QtWidgets.QApplication.processEvents()
        if not self.grab().save(str(path)):
            from neckimu.errors import NeckimuError

            raise NeckimuError(f"cannot write the screenshot {path}")

    def closeEvent(self, ev: QtGui.QCloseEvent) -> None:
        self.timer.stop()
        self.session.source.stop()
        super().closeEvent(ev)
