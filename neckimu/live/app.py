"""Running a live session: with the window or in the terminal, and what is left at the end.

Shared by ``neckimu live``, ``neckimu demo`` and ``neckimu replay``.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable
from pathlib import Path

from neckimu import SAFETY_NOTICE
from neckimu.errors import NeckimuError
from neckimu.interrupt import RECORDING, StopRequest, stop_on_signals
from neckimu.live.audio import CueSounds, write_wav
from neckimu.live.display import display_available, offscreen_requested
from neckimu.live.headless import clock
from neckimu.live.qtapp import qt_app
from neckimu.live.session import LiveSession, View
from neckimu.output_files import check_outputs


def _hold_for_screenshot(
    session: LiveSession, screenshot: Path | None, screenshot_at: float | None
) -> Callable[[], None]:
    """Have a replayed recording pause at the screenshot's time until it is taken (the
    playback may run far faster than the window looks at it); returns what resumes it
    (nothing to do for a source that cannot pause)."""
    pause_at = getattr(session.source, "pause_at", None)
    if screenshot is None or screenshot_at is None or pause_at is None:
        return lambda: None
    pause_at(screenshot_at)
    return lambda: session.source.pause(False)


def run_window(
    session: LiveSession,
    *,
    screenshot: Path | None = None,
    screenshot_at: float | None = None,
    sound: bool = False,
    quit_at_end: bool | None = None,
    stop: StopRequest | None = None,
    cues: CueSounds | None = None,
) -> None:
    """Show the window on ``session`` (started here) until it is closed.

    Parameters
    ----------
    screenshot : Path, optional
        Save the window as PNG at session time ``screenshot_at`` (s; default: the end), on
        a screen or offscreen.
    sound : bool
        Play the cue sounds (:mod:`neckimu.live.audio`); without a sound output, one line
        says why and the session runs silent.
    quit_at_end : bool, optional
        Close when the stream ends; default only when rendering offscreen (nobody can close
        an offscreen window).
    stop : StopRequest, optional
        When a stop signal has asked the session to end (:func:`neckimu.interrupt.
        stop_on_signals`), the window closes as soon as the stream has ended. The poll timer
        also gives Python's signal handlers a chance to run while Qt's loop waits.
    cues : CueSounds, optional
        The session's cue sounds, already observing it (made here when ``sound`` asks for
        sound and none is given).
    """
    app = qt_app()
    from neckimu.live.window import LiveWindow

    if quit_at_end is None:
        quit_at_end = offscreen_requested() or not display_available()
    player = None
    if sound:
        if cues is None:
            cues = session_cues(session)
        from neckimu.live.sound_player import open_player

        player = open_player(cues, lambda: session.view().session_s)
    win = LiveWindow(session, player=player)
    win.show()
    session.start()
    from PySide6 import QtCore

    state = {"shot": screenshot is None}
    resume = _hold_for_screenshot(session, screenshot, screenshot_at)
    loop = QtCore.QEventLoop()

    def poll() -> None:  # 10 Hz: screenshot and end of stream; drawing is the window's timer
        if not win.isVisible():
            loop.quit()
            return
        v = session.view()
        if not state["shot"] and screenshot_at is not None and v.session_s >= screenshot_at:
            win.screenshot(str(screenshot))
            state["shot"] = True
            print(f"screenshot at {clock(v.session_s)} session time: {screenshot}", flush=True)
            resume()
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
        if player is not None:
            player.close()
        win.close()
        win.deleteLater()
        app.processEvents()
        win = None
        gc.collect()  # Qt objects go before the interpreter finalises (PySide6 crash otherwise)


def screenshot_of(session: LiveSession, path: Path) -> None:
    """Render the session's window offscreen and save it (headless runs), during the session
    (``--screenshot-at``) or after it. The window is hidden, not closed: closing it is how a
    user stops the session (a tester's ``demo --headless --screenshot-at 30`` ended at 35 s)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = qt_app()
    from neckimu.live.window import LiveWindow

    win = LiveWindow(session)
    win.show()
    app.processEvents()
    win.screenshot(str(path))
    win.timer.stop()
    win.hide()
    win.deleteLater()
    app.processEvents()
    del win
    gc.collect()


def _folder_ready(p: Path, creates: Path | None) -> bool:
    """Whether ``p``'s folder exists, or is the ``--out`` folder the command creates."""
    if p.parent.is_dir():
        return True
    return creates is not None and p.parent.resolve() == Path(creates).resolve()


def check_png(value: str | None, creates: Path | None = None) -> Path | None:
    """Check a ``--screenshot`` path: .png in an existing folder (or in ``creates``, the
    ``--out`` folder the command makes once nothing is refused)."""
    if value is None:
        return None
    p = Path(value)
    if p.suffix.lower() != ".png":
        raise NeckimuError(f"--screenshot must end in .png, not {p.name!r}")
    if not _folder_ready(p, creates):
        raise NeckimuError(f"--screenshot: folder {str(p.parent)!r} does not exist")
    return p


def check_wav(value: str | None, creates: Path | None = None) -> Path | None:
    """Check an ``--audio-out`` path: .wav in an existing folder (or in ``creates``)."""
    if value is None:
        return None
    p = Path(value)
    if p.suffix.lower() != ".wav":
        raise NeckimuError(f"--audio-out must end in .wav, not {p.name!r}")
    if not _folder_ready(p, creates):
        raise NeckimuError(f"--audio-out: folder {str(p.parent)!r} does not exist")
    return p


def print_safety() -> None:
    print(f"Safety: {SAFETY_NOTICE}")


def session_cues(session: LiveSession) -> CueSounds:
    """The cue sounds of ``session`` (observing it from now on: make them before it starts)."""
    cues = CueSounds(session.routine, lambda: session.judge.reps)
    session.add_observer(cues)
    return cues


def check_session_outputs(
    out_dir: Path | None,
    stem: str,
    *,
    recording: Path | None = None,
    screenshot: Path | None = None,
    audio: Path | None = None,
    inputs: tuple[str | Path | None, ...] = (),
    force: bool = False,
    report_dir: Path | None = None,
) -> None:
    """Refuse, before the session starts, outputs that would overwrite an input or (without
    ``force``) an existing file: the recording, ``<stem>.json``, the report
    (``report_dir/index.html``, default in ``out_dir``), the screenshot, the audio track
    (:func:`neckimu.output_files.check_outputs`)."""
    outputs: dict[str, Path | None] = {
        "recording": recording,
        "--screenshot": screenshot,
        "--audio-out": audio,
    }
    if out_dir is not None:
        outputs["analysis JSON"] = out_dir / f"{stem}.json"
        outputs["report"] = (report_dir or out_dir) / "index.html"
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
    audio_out: Path | None = None,
    report_dir: Path | None = None,
    start_s: float | None = None,
) -> int:
    """Run ``session`` (window or terminal), then write the JSON and the report.

    Ctrl-C and SIGTERM stop the session as if it had ended (the recording is closed with its
    final metadata) and what was recorded is analysed and reported; a second signal
    interrupts at once.

    Parameters
    ----------
    sound : bool
        Play the cue sounds (:mod:`neckimu.live.audio`) as the session runs.
    audio_out : Path, optional
        Write the session's audio track there (WAV; sample 0 is session time 0).
    report_dir : Path, optional
        Folder of the HTML report (default ``out_dir``).
    start_s : float, optional
        Session time a replay starts at (``replay --start``): in the terminal, nothing
        before it is printed as if it happened during the playback
        (:func:`neckimu.live.headless.run_headless`).

    Returns the exit code: 0, or 2 when the stream ended with an error (a vanished device);
    whatever was received stays in the recording either way.
    """
    cues = session_cues(session) if (sound or audio_out is not None) else None
    doing = (
        RECORDING
        if session.source.recording_path is not None
        else "the verdicts of the whole recording follow"  # a replay records nothing
    )
    with stop_on_signals(session.source.stop, doing=doing) as stop:
        return _run_and_finish(
            session,
            stop,
            headless=headless,
            out_dir=out_dir,
            stem=stem,
            screenshot=screenshot,
            screenshot_at=screenshot_at,
            sound=sound,
            cues=cues,
            audio_out=audio_out,
            report_dir=report_dir,
            start_s=start_s,
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
    cues: CueSounds | None,
    audio_out: Path | None,
    report_dir: Path | None = None,
    start_s: float | None = None,
) -> int:
    from neckimu.live.headless import run_headless

    if headless or not display_available():
        if not headless:
            print("no display found: running in the terminal (--headless)")
        player = None
        if sound and cues is not None:
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # no window: sound only
            qt_app()
            from neckimu.live.sound_player import open_player

            player = open_player(cues, lambda: session.view().session_s)
        shot = {"taken": screenshot is None}
        resume = _hold_for_screenshot(session, screenshot, screenshot_at)

        def at_time(v: View) -> None:  # --screenshot-at: the window as it would look then
            if not shot["taken"] and screenshot_at is not None and v.session_s >= screenshot_at:
                shot["taken"] = True
                screenshot_of(session, screenshot)
                print(f"screenshot at {clock(v.session_s)} session time: {screenshot}")
                resume()

        session.start()
        try:
            run_headless(session, player=player, each=at_time, start_s=start_s)
        finally:
            session.stop()
            if player is not None:
                player.close()
        if not shot["taken"]:
            screenshot_of(session, screenshot)
    else:
        qt_app()  # Qt can open a window here (else one line and exit 2), before the notice
        print_safety()
        run_window(
            session,
            screenshot=screenshot,
            screenshot_at=screenshot_at,
            sound=sound,
            stop=stop,
            cues=cues,
        )
    if stop.requested:
        print(f"stopped by {stop.signal}")
    if screenshot is not None and screenshot.exists():
        print(f"screenshot: {screenshot}")
    rec_path = session.source.recording_path
    if rec_path is not None and rec_path.exists():
        print(f"recording: {rec_path}")
    if cues is not None and audio_out is not None:
        end_s = session.view().session_s
        cues.finish(end_s)
        write_wav(cues.events(), audio_out, end_s=end_s + 0.5)
        print(f"wrote {audio_out} (the session's cue sounds; 0 s is session time 0)")
    analysis = session.analysis
    if analysis is not None and out_dir is not None:
        from neckimu.live.outputs import write_outputs

        paths, note = write_outputs(
            analysis, rec_path or _source_path(session), out_dir, stem, report_dir=report_dir
        )
        for p in paths:
            print(f"wrote {p}")
        if "instead" in note:
            print(note)
    err = session.source.error
    if analysis is None and (err is None or (rec_path is not None and rec_path.exists())):
        # (nothing received at all: the error below says why)
        print("no verdicts: the session ended before an exercise was recorded")
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
