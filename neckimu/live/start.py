"""The start screen (``neckimu`` with no arguments): routine, headset, fit check, start.

Four steps on one screen, in the live window's look (PySide6 + pyqtgraph):

1. **Routine**: the guided routines shipped in ``neckimu/protocols/`` and any in a folder
   given (:func:`list_routines`), each with a one-line description and its length.
2. **Headset**: a scan with bleak's scanner, as ``neckimu scan``
   (:func:`neckimu.live.headsets.scan_headsets`), lists nearby headsets with their signal
   strength; the simulated headset is always there to try it out. Firmware and board show
   once the headset has answered (the fit check); the battery is shown when the headset
   reports it (protocol version 1 does not).
3. **Fit check**: a few seconds of data from the chosen headset, judged by
   :func:`neckimu.live.fitcheck.check_fit` (is it on, is it still, which mount), with advice
   in plain words and a plot of the head's movement.
4. **Start**: runs the ``live`` command (a real headset) or the ``demo`` command (the
   simulated one) through its own entry point, so the session, its window
   (:func:`neckimu.live.app.run_window`) and its outputs are exactly the command's; then the
   screen comes back with the outcome.

Slow work (scanning, the fit check) runs in worker threads; the screen stays responsive.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
import threading
import time
import tomllib
import traceback
from collections.abc import Callable
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from neckimu import SAFETY_NOTICE
from neckimu.errors import NeckimuError
from neckimu.headframe import STILL_RAD_S
from neckimu.live.fitcheck import FIT_S, FitCheck, check_fit, mount_words
from neckimu.live.headsets import SIMULATED, Capture, Headset, ScanResult, signal_words
from neckimu.live.protocol import Protocol, load_protocol
from neckimu.mounts import DEFAULT_MOUNT, MOUNTS
from neckimu.recording.events import HOLDS
from neckimu.sim.device import DeviceStream
from neckimu.verify.reps import exercise_name

_GREEN, _RED, _AMBER, _GREY = "#2e9d4f", "#c62828", "#b26a00", "#9e9e9e"
#: Where sessions started here write, by headset kind (one sub-folder per session).
OUT_LIVE, OUT_SIMULATED = Path("out/live"), Path("out/demo")
#: Session time the simulated person sits still for the fit check, s (the check takes the
#: first seconds after connecting, whenever that is).
FIT_STREAM_S = 120.0


# -- routines ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Routine:
    """A guided routine one can pick.

    Attributes
    ----------
    ref : str
        What ``--protocol`` takes: a shipped routine's name, or a file's path.
    protocol : Protocol
    description : str
        One line for people: the file's ``description`` or a summary of what it contains.
    """

    ref: str
    protocol: Protocol
    description: str

    @property
    def duration_s(self) -> float:
        return self.protocol.duration_s

    @property
    def label(self) -> str:
        """Two lines for the list: name and length, then the description."""
        return f"{self.protocol.name}  ·  about {minutes(self.duration_s)}\n{self.description}"


def minutes(seconds: float) -> str:
    """A duration for people: ``"2 min"``, ``"40 s"``."""
    return f"{seconds:.0f} s" if seconds < 90 else f"{round(seconds / 60)} min"


def describe(p: Protocol) -> str:
    """What a routine contains, in one line (from its schedule)."""
    counts = p.planned_counts()
    parts: list[str] = []
    holds = [exercise_name(e).removeprefix("hold ") for e in counts if e in HOLDS]
    for exercise in counts:
        if exercise == "calibrate":
            continue
        if exercise in HOLDS:
            if holds:
                reps = f"{p.hold_reps}× " if p.hold_reps > 1 else ""
                parts.append(f"holds {reps}{', '.join(holds)} ({p.hold_s:g} s)")
                holds = []
        elif exercise == "retraction":
            parts.append(f"{p.retraction_reps} retraction{'s' * (p.retraction_reps != 1)}")
        elif exercise.startswith("stretch_"):
            hold = p.stretch_hold_s().get(exercise)
            parts.append(exercise_name(exercise) + (f" {hold:g} s" if hold else ""))
        else:
            parts.append(exercise_name(exercise))
    return "; ".join(parts) if parts else "calibration only"


def _routine(ref: str, text: str) -> Routine:
    """One routine: ``ref`` loads it (a shipped name or a path), ``text`` is its TOML."""
    protocol = load_protocol(ref)
    try:
        described = tomllib.loads(text).get("description")
    except tomllib.TOMLDecodeError:  # pragma: no cover - load_protocol refused it already
        described = None
    return Routine(ref, protocol, described if isinstance(described, str) else describe(protocol))


def list_routines(folder: Path | None = None) -> tuple[list[Routine], list[str]]:
    """The routines shipped in ``neckimu/protocols/``, and those in ``folder`` if given.

    Parameters
    ----------
    folder : Path, optional
        More routine files (``*.toml``), e.g. one a physiotherapist wrote.

    Returns
    -------
    routines : list of Routine
        Shortest first.
    problems : list of str
        One line per file of ``folder`` that does not load (it is left out).
    """
    out: list[Routine] = []
    problems: list[str] = []
    shipped = resources.files("neckimu") / "protocols"
    for f in sorted(shipped.iterdir(), key=lambda f: f.name):
        if f.name.endswith(".toml"):
            try:
                out.append(_routine(f.name[:-5], f.read_text(encoding="utf-8")))
            except NeckimuError as e:  # a broken shipped file: `neckimu demo` says why
                problems.append(str(e))
    if folder is not None:
        files = sorted(Path(folder).glob("*.toml")) if Path(folder).is_dir() else []
        if not files:
            problems.append(f"{folder}: no routine files (*.toml) there")
        for f in files:
            try:
                out.append(_routine(str(f), f.read_text(encoding="utf-8")))
            except (NeckimuError, OSError, UnicodeDecodeError) as e:
                problems.append(str(e) if isinstance(e, NeckimuError) else f"{f}: {e}")
    return sorted(out, key=lambda r: r.duration_s), problems


# -- running a session through its command ----------------------------------------------------
@dataclass(frozen=True)
class SessionOutcome:
    """How a session started from the screen ended.

    Attributes
    ----------
    code : int
        The command's exit code (0: fine).
    out_dir : Path
        The session's folder.
    error : str or None
        One line when the session could not start or ended with an error.
    json_path, report_path : Path or None
        The analysis JSON and the report, when written.
    reps, passed : int
        Reps judged and passed (from the JSON).
    """

    code: int
    out_dir: Path
    error: str | None = None
    json_path: Path | None = None
    report_path: Path | None = None
    reps: int = 0
    passed: int = 0

    @property
    def text(self) -> str:
        """One line for the screen."""
        if self.json_path is None:
            return f"Last session: {self.error or 'nothing was recorded'}"
        rep = "rep" if self.reps == 1 else "reps"
        line = (
            f"Last session: {self.reps} {rep} judged, {self.passed} passed; saved in {self.out_dir}"
        )
        return line + (f" ({self.error})" if self.error else "")


def command_args(name: str, argv: list[str], **settings: Any) -> argparse.Namespace:
    """Arguments of ``neckimu <name>`` from its own parser; ``settings`` override options the
    command has (ones it does not have are ignored, e.g. a sound option another version
    names differently)."""
    module = importlib.import_module(f"neckimu._commands.{name}")
    parser = argparse.ArgumentParser(prog=f"neckimu {name}")
    module.add_arguments(parser)
    args = parser.parse_args(argv)
    for key, value in settings.items():
        if hasattr(args, key):
            setattr(args, key, value)
    args._module, args._name = module, name
    return args


def sound_default() -> bool:
    """Whether the commands play sound unless told otherwise."""
    args = command_args("demo", [])
    if hasattr(args, "no_sound"):
        return not args.no_sound
    return bool(getattr(args, "sound", False))


def run_session(name: str, argv: list[str], out_dir: Path, **settings: Any) -> SessionOutcome:
    """Run ``neckimu <name> argv`` in this process (its window included) and sum it up."""
    import json

    args = command_args(name, argv, **settings)
    error = None
    try:
        code = int(args._module.run(args) or 0)
    except NeckimuError as e:
        code, error = 2, str(e)
        print(f"neckimu {name}: error: {e}", file=sys.stderr, flush=True)
    js = sorted(out_dir.glob("*.json"), key=lambda p: p.stat().st_mtime)
    if not js:
        return SessionOutcome(code, out_dir, error)
    try:
        reps = json.loads(js[-1].read_text(encoding="utf-8")).get("reps", [])
    except (OSError, ValueError):
        reps = []
    report = out_dir / "index.html"
    return SessionOutcome(
        code,
        out_dir,
        error,
        js[-1],
        report if report.exists() else None,
        len(reps),
        sum(r.get("verdict") == "pass" for r in reps if isinstance(r, dict)),
    )


# -- the screen ------------------------------------------------------------------------------------
class _Relay(QtCore.QObject):
    """Carries a worker thread's result to the screen's thread (a queued signal)."""

    done = QtCore.Signal(object)


@dataclass(frozen=True)
class _Failed:
    """A worker that raised: its one-line message."""

    message: str


class StartScreen(QtWidgets.QMainWindow):
    """The start screen.

    Parameters
    ----------
    out_dir : Path, optional
        Folder for sessions (one sub-folder each); default ``out/live`` for a real headset,
        ``out/demo`` for the simulated one.
    sim_speed : float
        Playback speed of the simulated headset (1: real time).
    scan_s : float
        Scan time, s.
    scan_on_open : bool
        Scan as soon as the screen shows.
    fit_s : float
        Seconds of data the fit check takes, s.
    routine_dir : Path, optional
        A folder of more routine files to list.
    """

    closed = QtCore.Signal()
    #: a worker finished (tests wait on :attr:`busy`)
    worker_done = QtCore.Signal()

    def __init__(
        self,
        *,
        out_dir: Path | None = None,
        sim_speed: float = 1.0,
        scan_s: float = 5.0,
        scan_on_open: bool = True,
        fit_s: float = FIT_S,
        routine_dir: Path | None = None,
    ) -> None:
        super().__init__()
        pg.setConfigOptions(antialias=False, background="w", foreground="k", exitCleanup=False)
        self.out_dir = out_dir
        self.sim_speed = sim_speed
        self.scan_s = scan_s
        self.fit_s = fit_s
        self.routines, self.routine_problems = list_routines(routine_dir)
        self.headsets: list[Headset] = [SIMULATED]
        self.scan_result: ScanResult | None = None
        #: the last fit check's data, the headset it came from and the mount it was judged for
        self.capture: Capture | None = None
        self.capture_of: tuple[Headset, str] | None = None
        self.fit: FitCheck | None = None
        self.last: SessionOutcome | None = None
        self.busy: set[str] = set()
        self.sessions = 0
        self._fit_streams: dict[tuple[str, str], DeviceStream] = {}
        self._relays: dict[str, _Relay] = {}
        self.setWindowTitle("neckimu — start")
        self.resize(1180, 760)
        self._build()
        self._fill_routines()
        self._fill_headsets()
        self._mount_changed()
        self._show_fit()
        self._update_buttons()
        if scan_on_open:
            QtCore.QTimer.singleShot(0, self.scan)

    # -- layout --------------------------------------------------------------------------------
    @staticmethod
    def _label(size: int = 11, bold: bool = False) -> QtWidgets.QLabel:
        lab = QtWidgets.QLabel()
        f = lab.font()
        f.setPointSize(size)
        f.setBold(bold)
        lab.setFont(f)
        lab.setWordWrap(True)
        return lab

    def _group(self, title: str) -> tuple[QtWidgets.QGroupBox, QtWidgets.QVBoxLayout]:
        box = QtWidgets.QGroupBox(title)
        f = box.font()
        f.setPointSize(12)
        f.setBold(True)
        box.setFont(f)
        lay = QtWidgets.QVBoxLayout(box)
        return box, lay

    def _plain(self, w: QtWidgets.QWidget) -> QtWidgets.QWidget:
        f = w.font()
        f.setPointSize(10)
        f.setBold(False)
        w.setFont(f)
        return w

    def _build(self) -> None:
        central = QtWidgets.QWidget()
        self.setCentralWidget(central)
        root = QtWidgets.QVBoxLayout(central)
        title = self._label(18, bold=True)
        title.setText("neckimu — neck training")
        root.addWidget(title)
        intro = self._label(11)
        intro.setText("Pick a routine, choose your headset, check that it sits well, then start.")
        root.addWidget(intro)
        self.safety = safety = self._label(9)
        safety.setText("⚠ " + SAFETY_NOTICE)
        safety.setStyleSheet("background:#fff4d6; color:#6b4e00; padding:3px;")
        root.addWidget(safety)

        top = QtWidgets.QHBoxLayout()
        root.addLayout(top, 3)
        box, lay = self._group("1  Routine")
        self.routine_list = self._plain(QtWidgets.QListWidget())
        self.routine_list.setWordWrap(True)
        self.routine_list.setSpacing(3)
        self.routine_list.currentRowChanged.connect(lambda _row: self._update_buttons())
        lay.addWidget(self.routine_list)
        self.routine_note = self._plain(self._label(9))
        self.routine_note.setStyleSheet(f"color:{_RED}")
        lay.addWidget(self.routine_note)
        top.addWidget(box, 1)

        box, lay = self._group("2  Headset")
        row = QtWidgets.QHBoxLayout()
        self.scan_button = self._plain(QtWidgets.QPushButton("Scan for headsets"))
        self.scan_button.clicked.connect(self.scan)
        row.addWidget(self.scan_button)
        self.scan_status = self._plain(self._label())
        row.addWidget(self.scan_status, 1)
        lay.addLayout(row)
        self.headset_list = self._plain(QtWidgets.QListWidget())
        self.headset_list.currentRowChanged.connect(lambda _row: self._headset_changed())
        lay.addWidget(self.headset_list, 1)
        self.headset_info = self._plain(self._label())
        self.headset_info.setTextFormat(QtCore.Qt.TextFormat.RichText)
        lay.addWidget(self.headset_info)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self._plain(QtWidgets.QLabel("Worn on the")))
        self.mount_combo = self._plain(QtWidgets.QComboBox())
        for name, m in MOUNTS.items():
            self.mount_combo.addItem(mount_words(name), name)
            self.mount_combo.setItemData(
                self.mount_combo.count() - 1, m.description, QtCore.Qt.ItemDataRole.ToolTipRole
            )
        self.mount_combo.setCurrentIndex(list(MOUNTS).index(DEFAULT_MOUNT))
        self.mount_combo.currentIndexChanged.connect(lambda _i: self._mount_changed())
        row.addWidget(self.mount_combo, 1)
        lay.addLayout(row)
        self.mount_text = self._plain(self._label(9))
        lay.addWidget(self.mount_text)
        top.addWidget(box, 1)

        box, lay = self._group("3  Fit check")
        row = QtWidgets.QHBoxLayout()
        self.fit_button = self._plain(QtWidgets.QPushButton(f"Check the fit ({self.fit_s:g} s)"))
        self.fit_button.clicked.connect(self.check_fit)
        row.addWidget(self.fit_button)
        self.fit_status = self._plain(self._label())
        row.addWidget(self.fit_status, 1)
        lay.addLayout(row)
        body = QtWidgets.QHBoxLayout()
        lay.addLayout(body, 1)
        findings = QtWidgets.QGridLayout()
        self.finding_marks: list[QtWidgets.QLabel] = []
        self.finding_texts: list[QtWidgets.QLabel] = []
        for k, question in enumerate(("Is it on?", "Is it still?", "Which mount?")):
            mark = self._label(14, bold=True)
            mark.setFixedWidth(28)
            q = self._label(11, bold=True)
            q.setText(question)
            text = self._plain(self._label())
            findings.addWidget(mark, k, 0)
            findings.addWidget(q, k, 1)
            findings.addWidget(text, k, 2)
            self.finding_marks.append(mark)
            self.finding_texts.append(text)
        findings.setColumnStretch(2, 1)
        left = QtWidgets.QVBoxLayout()
        left.addLayout(findings)
        self.advice = self._label(11, bold=True)
        left.addWidget(self.advice)
        self.use_mount_button = self._plain(QtWidgets.QPushButton())
        self.use_mount_button.clicked.connect(self._use_found_mount)
        left.addWidget(self.use_mount_button, 0, QtCore.Qt.AlignmentFlag.AlignLeft)
        left.addStretch(1)
        body.addLayout(left, 3)
        self.fit_plot = pg.PlotWidget()
        fp = self.fit_plot.getPlotItem()
        fp.setTitle("head movement during the check")
        fp.setLabel("left", "speed", units="deg/s")
        fp.setLabel("bottom", "time", units="s")
        fp.setXRange(0.0, self.fit_s, padding=0)
        fp.setYRange(0.0, 10.0, padding=0)
        fp.disableAutoRange()
        fp.setMouseEnabled(x=False, y=False)
        fp.hideButtons()
        still = float(np.degrees(STILL_RAD_S))
        fp.addItem(
            pg.InfiniteLine(
                still, angle=0, pen=pg.mkPen(_GREEN, width=1, style=QtCore.Qt.PenStyle.DashLine)
            )
        )
        label = pg.TextItem("still below this", color=_GREEN, anchor=(0, 1))
        label.setPos(0.05, still)
        fp.addItem(label)
        self.fit_curve = fp.plot(pen=pg.mkPen("#333333", width=1))
        self.fit_plot.setMinimumHeight(160)
        body.addWidget(self.fit_plot, 2)
        root.addWidget(box, 2)

        bottom = QtWidgets.QHBoxLayout()
        self.session_status = self._plain(self._label())
        bottom.addWidget(self.session_status, 1)
        self.report_button = self._plain(QtWidgets.QPushButton("Open the report"))
        self.report_button.clicked.connect(self._open_report)
        self.report_button.hide()
        bottom.addWidget(self.report_button)
        self.sound_box = self._plain(QtWidgets.QCheckBox("Sound cues"))
        self.sound_box.setChecked(sound_default())
        bottom.addWidget(self.sound_box)
        self.start_button = QtWidgets.QPushButton("Start ▶")
        f = self.start_button.font()
        f.setPointSize(16)
        f.setBold(True)
        self.start_button.setFont(f)
        self.start_button.setMinimumSize(180, 48)
        self.start_button.setStyleSheet(
            f"QPushButton {{ background:{_GREEN}; color:white; border-radius:4px; }}"
            f"QPushButton:disabled {{ background:{_GREY}; }}"
        )
        self.start_button.clicked.connect(self.start)
        bottom.addWidget(self.start_button)
        root.addLayout(bottom)

    # -- filling -------------------------------------------------------------------------------
    def _fill_routines(self) -> None:
        self.routine_list.clear()
        for r in self.routines:
            item = QtWidgets.QListWidgetItem(r.label)
            item.setToolTip(r.protocol.source)
            self.routine_list.addItem(item)
        if self.routines:
            self.routine_list.setCurrentRow(0)
        self.routine_note.setText("\n".join(f"left out: {p}" for p in self.routine_problems))
        self.routine_note.setVisible(bool(self.routine_problems))

    def _fill_headsets(self) -> None:
        chosen = self.headset
        self.headset_list.blockSignals(True)
        self.headset_list.clear()
        for h in self.headsets:
            self.headset_list.addItem(QtWidgets.QListWidgetItem(h.label))
        row = next(
            (
                k
                for k, h in enumerate(self.headsets)
                if chosen is not None and h.address == chosen.address
            ),
            0,
        )
        self.headset_list.setCurrentRow(row)
        self.headset_list.blockSignals(False)
        self._headset_changed()

    # -- what is chosen ------------------------------------------------------------------------
    @property
    def routine(self) -> Routine | None:
        row = self.routine_list.currentRow()
        return self.routines[row] if 0 <= row < len(self.routines) else None

    @property
    def headset(self) -> Headset | None:
        row = self.headset_list.currentRow() if hasattr(self, "headset_list") else -1
        return self.headsets[row] if 0 <= row < len(self.headsets) else None

    @property
    def mount(self) -> str:
        return str(self.mount_combo.currentData())

    def select_routine(self, name: str) -> None:
        """Choose the routine called ``name`` (e.g. ``"demo"``)."""
        self.routine_list.setCurrentRow([r.protocol.name for r in self.routines].index(name))

    def select_headset(self, address: str | None = None) -> None:
        """Choose the headset at ``address``; None: the simulated one."""
        row = next(
            k
            for k, h in enumerate(self.headsets)
            if (h.simulated if address is None else h.address == address)
        )
        self.headset_list.setCurrentRow(row)

    def select_mount(self, name: str) -> None:
        self.mount_combo.setCurrentIndex(list(MOUNTS).index(name))

    # -- reactions -----------------------------------------------------------------------------
    def _headset_changed(self) -> None:
        h = self.headset
        if h is None:
            self.headset_info.setText("")
        else:
            cap = (
                self.capture
                if self.capture_of and self.capture_of[0].address == h.address
                else None
            )
            sig = "—" if h.rssi is None else f"{signal_words(h.rssi)} ({h.rssi} dBm)"
            if cap is not None and cap.info is not None:
                fw = f"{cap.firmware} · {cap.board} · {cap.nominal_rate_hz:g} Hz"
                battery = "not reported by the headset"
            else:
                fw = battery = "<i>shown after the fit check</i>"
            kind = (
                "simulated, streams over a Bluetooth stack in this program"
                if h.simulated
                else h.address
            )
            self.headset_info.setText(
                f"<b>{h.name}</b> ({kind})<br>signal: {sig}<br>firmware: {fw}<br>battery: {battery}"
            )
        self._update_fit_validity()
        self._update_buttons()

    def _mount_changed(self) -> None:
        self.mount_text.setText(MOUNTS[self.mount].description)
        self._update_fit_validity()
        self._update_buttons()

    def _update_fit_validity(self) -> None:
        """Keep the fit check only while it is about the chosen headset and mount: a real
        headset's data is judged again for another mount; the simulated person would wear
        the headset differently, so that check is dropped."""
        h, cap_of = self.headset, self.capture_of
        if cap_of is None or h is None or cap_of[0].address != h.address:
            if self.fit is not None:
                self.fit = None
                self._show_fit()
            return
        if cap_of[1] != self.mount:
            if h.simulated or self.capture is None:
                self.capture, self.capture_of, self.fit = None, None, None
            else:
                self.capture_of = (h, self.mount)
                self.fit = self._judge(self.capture)
            self._show_fit()
        elif self.fit is None and self.capture is not None:
            self.fit = self._judge(self.capture)
            self._show_fit()

    def _use_found_mount(self) -> None:
        if self.fit is not None and self.fit.mount is not None:
            self.select_mount(self.fit.mount)

    def _show_plan(self) -> None:
        """Before the first session: what Start will do."""
        r, h = self.routine, self.headset
        if self.last is not None or r is None or h is None:
            return
        who = "the simulated headset" if h.simulated else h.name
        self.session_status.setText(
            f"Start opens the training window: {r.protocol.name}, about "
            f"{minutes(r.duration_s)}, with {who}."
        )

    def _update_buttons(self) -> None:
        idle = not self.busy
        self.scan_button.setEnabled("scan" not in self.busy)
        ready = self.routine is not None and self.headset is not None
        self.fit_button.setEnabled(ready and "fit" not in self.busy)
        self.start_button.setEnabled(ready and idle)
        self.routine_list.setEnabled(idle)
        self.mount_combo.setEnabled("fit" not in self.busy)
        self.headset_list.setEnabled("fit" not in self.busy)
        self._show_plan()

    # -- background work -----------------------------------------------------------------------
    def _in_background(
        self, what: str, work: Callable[[], Any], done: Callable[[Any], None]
    ) -> None:
        relay = _Relay()
        relay.done.connect(done)
        self._relays[what] = relay  # alive until its result has been handled
        self.busy.add(what)
        self._update_buttons()

        def run() -> None:
            try:
                result: Any = work()
            except (NeckimuError, ValueError, OSError) as e:
                result = _Failed(str(e))
            except Exception as e:  # a bug: keep its traceback on stderr, the screen goes on
                traceback.print_exc()
                result = _Failed(f"{type(e).__name__}: {e}")
            relay.done.emit(result)

        threading.Thread(target=run, name=f"neckimu-start-{what}", daemon=True).start()

    def _finished(self, what: str) -> None:
        self.busy.discard(what)
        self._relays.pop(what, None)
        self._update_buttons()
        self.worker_done.emit()

    # -- scan ----------------------------------------------------------------------------------
    def scan(self) -> None:
        """Look for headsets (in the background)."""
        if "scan" in self.busy:
            return
        from neckimu.live.headsets import scan_headsets

        self.scan_status.setText(f"scanning for {self.scan_s:g} s …")
        scan_s = self.scan_s
        self._in_background("scan", lambda: asyncio.run(scan_headsets(scan_s)), self._scanned)

    @QtCore.Slot(object)
    def _scanned(self, result: ScanResult | _Failed) -> None:
        if isinstance(result, _Failed):
            self.scan_status.setText(f"scan failed: {result.message}")
        else:
            self.scan_result = result
            self.headsets = [*result.headsets, result.simulated]
            n = len(result.headsets)
            self.scan_status.setToolTip(result.error or "")
            if result.error:
                text = (
                    "Bluetooth is not available (details: hover here); the simulated headset works"
                )
            elif n:
                text = f"found {n} headset{'s' * (n != 1)}"
            else:
                text = "no headset found: is it switched on and nearby? Then scan again"
            self.scan_status.setText(text)
            self._fill_headsets()
        self._finished("scan")

    # -- fit check -----------------------------------------------------------------------------
    def _fit_stream(self, routine: Routine, mount: str) -> DeviceStream:
        """What the simulated headset streams for the fit check: the person the ``demo``
        command will simulate (same options and seed: the same head, the headset placed the
        same way on ``mount``), sitting still for :data:`FIT_STREAM_S`."""
        key = (routine.ref, mount)
        if key not in self._fit_streams:
            from neckimu.live.simulated_person import session_config
            from neckimu.sim import simulate_session

            args = command_args("demo", self._argv(routine, SIMULATED, mount, Path(".")))
            cfg = session_config(
                routine.protocol,
                seed=args.seed,
                fault_rate=args.fault_rate,
                board="rev2",
                rate_hz=args.rate,
                mount=mount,
            )
            still = replace(cfg, script="rest", rest_duration_s=FIT_STREAM_S)
            self._fit_streams[key] = simulate_session(still).device
        return self._fit_streams[key]

    def check_fit(self) -> None:
        """Take a few seconds of data from the chosen headset and judge the fit."""
        h, routine, mount = self.headset, self.routine, self.mount
        if h is None or routine is None or "fit" in self.busy:
            return
        from neckimu.live.headsets import capture_headset, capture_simulated

        self.fit_status.setText(
            f"connecting to {h.name} …  sit tall, look straight ahead and keep still"
        )
        fit_s, speed = self.fit_s, self.sim_speed

        def work() -> tuple[Headset, str, Capture]:
            if h.simulated:
                stream = self._fit_stream(routine, mount)
                cap = asyncio.run(capture_simulated(stream, fit_s, speed=speed))
            else:
                cap = asyncio.run(capture_headset(h.address, fit_s))
            return h, mount, cap

        self._in_background("fit", work, self._captured)

    @QtCore.Slot(object)
    def _captured(self, result: tuple[Headset, str, Capture] | _Failed) -> None:
        if isinstance(result, _Failed):
            self.capture = self.capture_of = self.fit = None
            self._show_fit(error=result.message)
        else:
            h, mount, cap = result
            self.capture, self.capture_of = cap, (h, mount)
            self.fit = self._judge(cap)
            self._show_fit(error=cap.error)
        self._finished("fit")
        self._headset_changed()

    def _judge(self, cap: Capture) -> FitCheck:
        return check_fit(
            cap.samples,
            self.mount,
            nominal_rate_hz=cap.nominal_rate_hz,
            asked_s=cap.asked_s,
            missing=cap.missing,
        )

    def _show_fit(self, error: str | None = None) -> None:
        f = self.fit
        self.use_mount_button.hide()
        if f is None:
            for mark, text in zip(self.finding_marks, self.finding_texts, strict=True):
                mark.setText("·")
                mark.setStyleSheet(f"color:{_GREY}")
                text.setText("—")
            self.fit_curve.setData([], [])
            self.advice.setText(
                error or "Put the headset on, sit tall and look straight ahead, then check the fit."
            )
            self.advice.setStyleSheet(f"color:{_RED}" if error else "")
            self.fit_status.setText("")
            return
        for (_q, good, answer), mark, text in zip(
            f.lines(), self.finding_marks, self.finding_texts, strict=True
        ):
            sym, color = {True: ("✓", _GREEN), False: ("✗", _RED), None: ("·", _GREY)}[good]
            mark.setText(sym)
            mark.setStyleSheet(f"color:{color}")
            text.setText(answer)
        color = {"ok": _GREEN, "check": _AMBER, "problem": _RED}[f.status]
        self.advice.setText(" ".join(f.advice) if not error else f"{error}. {f.advice[0]}")
        self.advice.setStyleSheet(f"color:{color}")
        if f.mount is not None and not f.mount_ok:
            self.use_mount_button.setText(f"Set the mount to: {mount_words(f.mount)}")
            self.use_mount_button.show()
        if len(f.t_s):
            self.fit_curve.setData(f.t_s, f.speed_deg_s)
        else:
            self.fit_curve.setData([], [])
        self.fit_status.setText(
            {
                "ok": "looks good",
                "check": "can start; see the advice",
                "problem": "needs attention",
            }[f.status]
        )

    # -- start ---------------------------------------------------------------------------------
    def _argv(self, routine: Routine, h: Headset, mount: str, out: Path) -> list[str]:
        argv = ["--protocol", routine.ref, "--out", str(out), "--mount", mount]
        if h.simulated:
            return [*argv, "--speed", f"{self.sim_speed:g}"]
        return ["--device", h.address, *argv]

    def session_plan(self) -> tuple[str, list[str], Path]:
        """The command, its arguments and the session's folder that Start would run."""
        h, routine = self.headset, self.routine
        if h is None or routine is None:
            raise NeckimuError("choose a routine and a headset first")
        base = self.out_dir or (OUT_SIMULATED if h.simulated else OUT_LIVE)
        out = base / time.strftime("session-%Y%m%d-%H%M%S")
        k = 1
        while out.exists():  # two sessions within a second: never into the same folder
            k += 1
            out = base / f"{time.strftime('session-%Y%m%d-%H%M%S')}-{k}"
        return ("demo" if h.simulated else "live"), self._argv(routine, h, self.mount, out), out

    def start(self) -> None:
        """Run the session in the live window; this screen comes back at its end."""
        if self.busy or self.routine is None or self.headset is None:
            return
        self.busy.add("session")
        self._update_buttons()
        QtCore.QTimer.singleShot(0, self._run_session)

    def _run_session(self) -> None:
        name, argv, out = self.session_plan()
        self.hide()
        try:
            sound = self.sound_box.isChecked()
            self.last = run_session(name, argv, out, sound=sound, no_sound=not sound)
        finally:
            self.sessions += 1
            self.busy.discard("session")
            self.show()
            self._update_buttons()
        last = self.last
        self.session_status.setText(last.text)
        self.session_status.setStyleSheet(f"color:{_RED}" if last.code else "")
        self.report_button.setVisible(last.report_path is not None)
        self.worker_done.emit()

    def _open_report(self) -> None:
        if self.last is not None and self.last.report_path is not None:
            QtGui.QDesktopServices.openUrl(
                QtCore.QUrl.fromLocalFile(str(self.last.report_path.resolve()))
            )

    # -- the rest --------------------------------------------------------------------------------
    def screenshot(self, path: str | Path) -> None:
        """Save the screen as a PNG (works offscreen)."""
        QtWidgets.QApplication.processEvents()
        if not self.grab().save(str(path)):
            raise NeckimuError(f"cannot write the screenshot {path}")

    def closeEvent(self, ev: QtGui.QCloseEvent) -> None:
        super().closeEvent(ev)
        self.closed.emit()


def run_start_screen(
    *,
    out_dir: Path | None = None,
    sim_speed: float = 1.0,
    scan_s: float = 5.0,
    routine_dir: Path | None = None,
) -> int:
    """Show the start screen until it is closed (Ctrl-C or SIGTERM close it too).

    Returns the exit code: 0, or 2 when the last session started here ended with an error.
    """
    import gc
    import signal

    from neckimu.live.app import qt_app

    app = qt_app()
    screen = StartScreen(
        out_dir=out_dir, sim_speed=sim_speed, scan_s=scan_s, routine_dir=routine_dir
    )
    loop = QtCore.QEventLoop()
    screen.closed.connect(loop.quit)
    screen.show()
    # Python runs signal handlers only between bytecodes: a timer lets them run while Qt waits
    tick = QtCore.QTimer()
    tick.timeout.connect(lambda: None)
    tick.start(200)
    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    for s in previous:
        signal.signal(s, lambda _sig, _frame: screen.close())
    try:
        loop.exec()
    finally:
        for s, h in previous.items():
            signal.signal(s, h if h is not None else signal.SIG_DFL)
        tick.stop()
        last = screen.last
        screen.deleteLater()
        app.processEvents()
        screen = None
        gc.collect()  # Qt objects go before the interpreter finalises (PySide6 crash otherwise)
    return 2 if last is not None and last.code else 0
