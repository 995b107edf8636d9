"""The window, offscreen, driven by the simulated headset over bumble and by a replay."""

from __future__ import annotations

import numpy as np
import pytest

from neckimu.live.protocol import load_protocol
from neckimu.live.replay import ReplaySource
from neckimu.live.session import LiveSession

SPEED = 10.0


def _non_blank(path) -> None:
    from PySide6 import QtGui

    img = QtGui.QImage(str(path))
    assert not img.isNull() and img.width() > 800 and img.height() > 500
    ptr = img.convertToFormat(QtGui.QImage.Format.Format_RGB32).constBits()
    px = np.frombuffer(ptr, dtype=np.uint8).reshape(img.height(), -1)
    assert px.std() > 20  # text, curves and coloured panels, not one flat colour
    assert len(np.unique(px[:, ::4])) > 50


@pytest.fixture(scope="module")
def demo_sim():
    from neckimu.sim import simulate_session

    protocol = load_protocol("demo")
    # seed 4: the person moves in the first (forward) hold and gets retractions wrong;
    # near_share=0: the mistakes are clear ones (not drawn near the pass rules' thresholds)
    return protocol, simulate_session(protocol.session_config(
        seed=4, fault_rate=0.3, near_share=0.0, board="rev2", rate_hz=100.0))


def test_demo_window_over_bumble(qt_clean, tmp_path, demo_sim):
    from neckimu.live.source import SimulatedSource
    from neckimu.live.window import LiveWindow

    qtbot = qt_clean
    protocol, sim = demo_sim
    src = SimulatedSource(sim, tmp_path / "demo.csv", speed=SPEED, duration_s=88.0,
                          meta={"mount": "forehead"})
    session = LiveSession(src, protocol=protocol)
    win = LiveWindow(session)
    qtbot.addWidget(win)
    win.show()
    session.start()
    states: set[str] = set()
    path_points = 0

    def watch() -> None:
        nonlocal path_points
        v = session.view()
        if v.hold is not None and v.hold.active:
            states.add(v.hold.state)
        x = win.path_curve.getData()[0]
        path_points = max(path_points, 0 if x is None else len(x))

    win.timer.timeout.connect(watch)
    qtbot.waitUntil(lambda: session.view().retraction and path_points > 20, timeout=15000)
    # all three curves show head angles (finite, and not a flat line)
    for c in win.curves:
        _x, y = c.getData()
        assert len(y) > 100 and np.isfinite(y).all()
        assert np.ptp(y) > 0.5
    win.screenshot(str(tmp_path / "window.png"))
    _non_blank(tmp_path / "window.png")
    qtbot.waitUntil(lambda: session.finished, timeout=15000)
    qtbot.wait(100)
    # the indicator turned red in the hold where the simulated person moved
    faults = {r.exercise for r in sim.plan.reps if r.fault == "moved"}
    assert "hold_flexion" in faults
    assert states == {"still", "moved"}
    logged = {h.exercise: h.state for h in session.hold_log}
    assert logged["hold_flexion"] == "moved"
    # verdicts and their advice are listed, retraction reps are marked on the path plot
    texts = [win.verdicts.item(i).text() for i in range(win.verdicts.count())]
    assert any(t.startswith("hold forward 1/1: fail") for t in texts)
    assert any(t.startswith("retraction 1: ") for t in texts)
    assert len(win.rep_points.data) >= 1
    assert win.frames > 50
    assert len(session.latencies_s) > 100
    win.close()


def test_replay_window_shows_the_verdicts_of_analyze(qt_clean, example_recording,
                                                     example_analysis, tmp_path):
    from neckimu.live.window import LiveWindow

    qtbot = qt_clean
    src = ReplaySource(example_recording, speed=None)
    session = LiveSession(src)
    win = LiveWindow(session)
    qtbot.addWidget(win)
    win.show()
    session.start()
    qtbot.waitUntil(lambda: session.finished, timeout=20000)
    qtbot.wait(50)
    texts = [win.verdicts.item(i).text() for i in range(win.verdicts.count())]
    assert texts == [r.message() for r in example_analysis.reps]
    assert win.counter.text() == f"reps: {len(texts)} judged, " \
        f"{sum(r.verdict == 'pass' for r in example_analysis.reps)} passed"
    assert win.pause_button.text() == "Pause"
    win.close()
