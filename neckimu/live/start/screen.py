"""The start screen window: what is chosen, scanning, starting a session; and its loop."""

from __future__ import annotations

import asyncio
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from neckimu.errors import NeckimuError
from neckimu.live.fitcheck import FIT_S, FitCheck
from neckimu.live.headsets import SIMULATED, Capture, Headset, ScanResult, signal_words
from neckimu.live.start.fit import FitCheckSteps
from neckimu.live.start.launch import SessionOutcome, run_session
from neckimu.live.start.layout import RED
from neckimu.live.start.routines import RoutineChoice, list_routines, minutes
from neckimu.live.start.worker import Failed, Relay
from neckimu.mounts import MOUNTS
from neckimu.sim.device import DeviceStream

#: Where sessions started here write, by headset kind (one sub-folder per session).
OUT_LIVE, OUT_SIMULATED = Path("out/live"), Path("out/demo")


class StartScreen(FitCheckSteps):
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
        self._relays: dict[str, Relay] = {}
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

    # -- filling -------------------------------------------------------------------------------
    def _fill_routines(self) -> None:
        self.routine_list.clear()
        for r in self.routines:
            item = QtWidgets.QListWidgetItem(r.label)
            item.setToolTip(r.routine.source)
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
    def routine(self) -> RoutineChoice | None:
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
        self.routine_list.setCurrentRow([r.routine.name for r in self.routines].index(name))

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

    def _show_plan(self) -> None:
        """Before the first session: what Start will do."""
        r, h = self.routine, self.headset
        if self.last is not None or r is None or h is None:
            return
        who = "the simulated headset" if h.simulated else h.name
        self.session_status.setText(
            f"Start opens the training window: {r.routine.name}, about "
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
        relay = Relay()
        relay.done.connect(done)
        self._relays[what] = relay  # alive until its result has been handled
        self.busy.add(what)
        self._update_buttons()

        def run() -> None:
            try:
                result: Any = work()
            except (NeckimuError, ValueError, OSError) as e:
                result = Failed(str(e))
            except Exception as e:  # a bug: keep its traceback on stderr, the screen goes on
                traceback.print_exc()
                result = Failed(f"{type(e).__name__}: {e}")
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
    def _scanned(self, result: ScanResult | Failed) -> None:
        if isinstance(result, Failed):
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

    # -- start ---------------------------------------------------------------------------------
    def _argv(self, routine: RoutineChoice, h: Headset, mount: str, out: Path) -> list[str]:
        argv = ["--routine", routine.ref, "--out", str(out), "--mount", mount]
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
        self.session_status.setStyleSheet(f"color:{RED}" if last.code else "")
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

    from neckimu.live.qtapp import qt_app

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
