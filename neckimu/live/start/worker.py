"""Carrying a worker thread's result back to the start screen's thread."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6 import QtCore


class Relay(QtCore.QObject):
    """Carries a worker thread's result to the screen's thread (a queued signal)."""

    done = QtCore.Signal(object)


@dataclass(frozen=True)
class Failed:
    """A worker that raised: its one-line message."""

    message: str
