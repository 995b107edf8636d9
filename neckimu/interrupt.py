"""Ctrl-C and SIGTERM as a request to stop: the session ends as if it had finished.

A recording command must not die in the middle of its file: the first SIGINT (Ctrl-C) or
SIGTERM asks the running session to stop (the file is drained, closed and its final metadata
written; then the analysis and the report of what was recorded are made). A second signal
ends the process at once, as the signal's default action (the file keeps what its last flush
wrote, as after ``kill -9``).

Two forms: :func:`stop_on_signals` for sessions running in worker threads (the live window,
the terminal runner, posture mode), and :func:`cancel_on_signals` for an asyncio main task
(``neckimu record``), which it cancels — the recorder treats cancellation as Ctrl-C.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

#: The signals that ask a session to stop.
STOP_SIGNALS: tuple[signal.Signals, ...] = (signal.SIGINT, signal.SIGTERM)


@dataclass
class StopRequest:
    """What :func:`stop_on_signals` saw.

    Attributes
    ----------
    signal : str or None
        Name of the first stop signal received (``"SIGINT"``, ``"SIGTERM"``), None if none.
    """

    signal: str | None = None

    @property
    def requested(self) -> bool:
        return self.signal is not None


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


#: What a stopping session does, as the first signal's line says it.
RECORDING = "closing the recording and writing what was recorded"


def _message(sig: int, doing: str = RECORDING) -> str:
    name = signal.Signals(sig).name
    return f"{name}: stopping; {doing} ({name} again to quit at once)"


@contextmanager
def stop_on_signals(
    stop: Callable[[], None], say: Callable[[str], None] = _say, doing: str = RECORDING
) -> Iterator[StopRequest]:
    """While active, the first SIGINT or SIGTERM calls ``stop()`` instead of killing.

    Parameters
    ----------
    stop : callable
        Asks the session to end (thread-safe, returns at once: e.g. ``source.stop``).
    say : callable
        Receives one line for people when a signal arrives.
    doing : str
        What stopping does, in that line (default: closing the recording).

    Yields
    ------
    StopRequest
        Filled in when a signal arrives.

    Notes
    -----
    Signal handlers can only be installed from the main thread; elsewhere this does nothing
    (the request stays empty). The previous handlers are restored on exit.
    """
    req = StopRequest()
    if threading.current_thread() is not threading.main_thread():
        yield req
        return
    previous = {s: signal.getsignal(s) for s in STOP_SIGNALS}

    def handler(sig: int, frame: object) -> None:
        if req.requested:  # the second signal: end at once, as the default action does
            _die(sig)
        req.signal = signal.Signals(sig).name
        say(_message(sig, doing))
        stop()

    for s in STOP_SIGNALS:
        signal.signal(s, handler)
    try:
        yield req
    finally:
        for s, h in previous.items():
            signal.signal(s, h if h is not None else signal.SIG_DFL)


def _die(sig: int) -> None:
    """End the process as the signal's default action would (no traceback, no cleanup: the
    recording keeps what its last flush wrote, as after ``kill -9``)."""
    for s in STOP_SIGNALS:
        signal.signal(s, signal.SIG_DFL)
    signal.raise_signal(sig)


async def cancel_on_signals(
    main: Awaitable[T], say: Callable[[str], None] = _say
) -> tuple[T | None, str | None]:
    """Await ``main`` in the current task; the first SIGINT or SIGTERM cancels the task.

    ``main`` is expected to treat cancellation as a request to finish (close its file) and
    return normally; a second signal interrupts at once.

    Returns
    -------
    result : object or None
        What ``main`` returned; None if it was cancelled before it could finish.
    signal : str or None
        Name of the signal received, None if none.
    """
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    got: list[str] = []

    def on_signal(sig: signal.Signals) -> None:
        if got:  # the second signal
            _die(sig)
        got.append(sig.name)
        say(_message(sig))
        if task is not None:
            task.cancel()

    installed = []
    for s in STOP_SIGNALS:
        try:
            loop.add_signal_handler(s, on_signal, s)
            installed.append(s)
        except (ValueError, RuntimeError, NotImplementedError):
            break  # not the main thread, or no signal support in this loop (Windows)
    try:
        result = await main
    except asyncio.CancelledError:
        if not got:
            raise
        if task is not None:
            task.uncancel()
        return None, got[0]
    finally:
        for s in installed:
            loop.remove_signal_handler(s)
    if got and task is not None and task.cancelling():
        task.uncancel()
    return result, got[0] if got else None
