"""Live-window tests run offscreen and fail on Qt warnings (as pyqtgraph's own suite does)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any Qt import

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "recordings" / "example_forehead.csv"


@pytest.fixture
def qt_clean(qtbot, qtlog):
    """Use in every GUI test: afterwards, any Qt warning (except offscreen noise) fails it."""
    yield qtbot
    from PySide6 import QtCore

    from neckimu.live.qtapp import QT_NOISE  # platform noise the app itself ignores

    bad = [
        r.message
        for r in qtlog.records
        if r.type != QtCore.QtMsgType.QtDebugMsg and r.message not in QT_NOISE
    ]
    assert not bad, f"Qt warnings: {bad}"


@pytest.fixture(scope="session")
def example_recording():
    from neckimu.recording.reader import read_recording

    return read_recording(EXAMPLE)


@pytest.fixture(scope="session")
def example_analysis(example_recording):
    from neckimu.pipeline import analyze

    return analyze(example_recording)
