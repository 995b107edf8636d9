"""Running a live session: with the window or in the terminal, and what is left at the end.

Shared by ``neckimu live``, ``neckimu demo`` and ``neckimu replay``.
"""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path

from neckimu import SAFETY_NOTICE
from neckimu.errors import NeckimuError
from neckimu.interrupt import StopRequest, stop_on_signals
from neckimu.live.session import LiveSession
from neckimu.output_files import check_outputs


def offscreen_requested() -> bool:
    """Whether the user asked Qt to render offscreen (``QT_QPA_PLATFORM=offscreen``)."""
    return os.environ.get("QT_QPA_PLATFORM", "").lower() == "offscreen"


def display_available() -> bool:
    """A screen to show the window on, or offscreen rendering asked for.

    On Linux a display needs ``DISPLAY`` or ``WAYLAND_DISPLAY``; elsewhere one is assumed.
    """
    if offscreen_requested():
        return True
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def qt_app():
    """The QApplication (created once; offscreen when there is no display)."""
    if not display_available():
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6 import QtCore, QtWidgets

    app = QtWidgets.QApplication.instance()
    if app is None:
        QtCore.qInstallMessageHandler(_qt_message)
        app = QtWidgets.QApplication(["neckimu"])
    return app


#: Qt messages that are platform noise, not problems (the offscreen plugin cannot resize a
#: window to its size hints).
QT_NOISE = ("This plugin does not support propagateSizeHints()",)


def _qt_message(mode, context, message: str) -> None:
    if message not in QT_NOISE:
        print(f"Qt: {message}", file=sys.stderr)


def run_window(
    session: LiveSession,
    *,
    screenshot: Path | None = None,
    screenshot_at: float | None = None,
    sound: bool = False,
    quit_at_end: bool | None = None,
    stop: StopRequest | None = None,
) -> None:
    """Show the window on ``session`` (started here) until it is closed.

    Parameters
    ----------
    screenshot : Path, optional
        Save the window as PNG at session time ``screenshot_at`` (s; default: the end).
    quit_at_end : bool, optional
        Close when the stream ends; default only when rendering offscreen (nobody can close
        an offscreen window).
    stop : StopRequest, optional
        When a stop signal has asked the session to end (:func:`neckimu.interrupt.
        stop_on_signals`), the window closes as soon as the stream has ended. The poll timer
        also gives Python's signal handlers a chance to run while Qt's loop waits.
    """
    app = qt_app()
    from neckimu.live.window import LiveWindow

    if quit_at_end is None:
        quit_at_end = offscreen_requested() or not display_available()
    win = LiveWindow(session, sound=sound)
    win.show()
    session.start()
    from PySide6 import QtCore

    state = {"shot": screenshot is None}
    loop = QtCore.QEventLoop()

    def poll() -> None:  # 10 Hz: screenshot and end of stream; drawing is the window's timer
        if not win.isVisible():
            loop.quit()
            return
        v = session.view()
        if not state["shot"] and screenshot_at is not None and v.session_s >= screenshot_at:
            win.screenshot(str(screenshot))
            state["shot"] = True
        if session.finished:
            if not state["shot"]:
                win.screenshot(str(screenshot))
                state["shot"] = True
            if quit_at_end or (stop is not None and stop.requested):
                loop.quit()

    timer = QtCore.QTimer()
    timer.timeout.connect(poll)
    timer.start(100)
    try:
        loop.exec()
    finally:
        timer.stop()
        session.stop()
        win.timer.stop()
        win.close()
        win.deleteLater()
        app.processEvents()
        win = None
        gc.collect()  # Qt objects go before the interpreter finalises (PySide6 crash otherwise)


def screenshot_of(session: LiveSession, path: Path) -> None:
    """Render the window of a finished session offscreen and save it (headless runs)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = qt_app()
    from neckimu.live.window import LiveWindow

    win = LiveWindow(session)
    win.show()
    app.processEvents()
    win.screenshot(str(path))
    win.timer.stop()
    win.close()
    win.deleteLater()
    app.processEvents()
    del win
    gc.collect()


def check_png(value: str | None) -> Path | None:
    """Check a ``--screenshot`` path: .png in an existing folder."""
    if value is None:
        return None
    p = Path(value)
    if p.suffix.lower() != ".png":
        raise NeckimuError(f"--screenshot must end in .png, not {p.name!r}")
    if not p.parent.is_dir():
        raise NeckimuError(f"--screenshot: folder {str(p.parent)!r} does not exist")
    return p


def print_safety() -> None:
    print(f"Safety: {SAFETY_NOTICE}")


def check_session_outputs(
    out_dir: Path | None,
    stem: str,
    *,
    recording: Path | None = None,
    screenshot: Path | None = None,
    inputs: tuple[str | Path | None, ...] = (),
    force: bool = False,
) -> None:
    """Refuse, before the session starts, outputs that would overwrite an input or an existing
    recording (without ``force``): the recording, ``<stem>.json``, the report, the
    screenshot (:func:`neckimu.output_files.check_outputs`)."""
    outputs: dict[str, Path | None] = {"recording": recording, "--screenshot": screenshot}
    if out_dir is not None:
        outputs["analysis JSON"] = out_dir / f"{stem}.json"
        outputs["report"] = out_dir / "index.html"
    check_outputs(outputs, inputs, force=force, recordings=["recording"])


def run_and_finish(
    session: LiveSession,
    *,
    headless: bool,
    out_dir: Path | None,
    stem: str,
    screenshot: Path | None = None,
    screenshot_at: float | None = None,
    sound: bool = False,
) -> int:
    """Run ``session`` (window or terminal), then write the JSON and the report.

    Ctrl-C and SIGTERM stop the session as if it had ended (the recording is closed with its
    final metadata) and what was recorded is analysed and reported; a second signal
    interrupts at once.

    Returns the exit code: 0, or 2 when the stream ended with an error (a vanished device);
    whatever was received stays in the recording either way.
    """
    with stop_on_signals(session.source.stop) as stop:
        return _run_and_finish(
            session,
            stop,
            headless=headless,
            out_dir=out_dir,
            stem=stem,
            screenshot=screenshot,
            screenshot_at=screenshot_at,
            sound=sound,
        )


def _run_and_finish(
    session: LiveSession,
    stop: StopRequest,
    *,
    headless: bool,
    out_dir: Path | None,
    stem: str,
    screenshot: Path | None,
    screenshot_at: float | None,
    sound: bool,
) -> int:
    from neckimu.live.headless import run_headless

    if headless or not display_available():
        if not headless:
            print("no display found: running in the terminal (--headless)")
        session.start()
        try:
            run_headless(session, sound=sound)
        finally:
            session.stop()
        if screenshot is not None:
            screenshot_of(session, screenshot)
    else:
        print_safety()
        run_window(
            session, screenshot=screenshot, screenshot_at=screenshot_at, sound=sound, stop=stop
        )
    if stop.requested:
        print(f"stopped by {stop.signal}")
    if screenshot is not None and screenshot.exists():
        print(f"screenshot: {screenshot}")
    rec_path = session.source.recording_path
    if rec_path is not None and rec_path.exists():
        print(f"recording: {rec_path}")
    analysis = session.analysis
    if analysis is not None and out_dir is not None:
        from neckimu.live.outputs import write_outputs

        paths, note = write_outputs(analysis, rec_path or _source_path(session), out_dir, stem)
        for p in paths:
            print(f"wrote {p}")
        if "instead" in note:
            print(note)
    elif analysis is None:
        print("no verdicts: the session ended before an exercise was recorded")
    err = session.source.error
    if err is not None:
        raise NeckimuError(
            f"{err} (data received so far is in the recording)"
            if rec_path is not None and rec_path.exists()
            else str(err)
        )
    return 0


def _source_path(session: LiveSession) -> Path | None:
    path = getattr(getattr(session.source, "rec", None), "path", "")
    return Path(path) if path else None
