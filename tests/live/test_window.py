"""The window, offscreen, driven by the simulated headset over bumble and by a replay."""

from __future__ import annotations

import numpy as np
import pytest

from neckimu.live.replay import ReplaySource, recorded_routine
from neckimu.live.routine import load_routine
from neckimu.live.session import LiveSession
from neckimu.live.simulated_person import session_config

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

    routine = load_routine("demo")
    # seed 4: the person moves in the first (forward) hold and gets retractions wrong;
    # near_share=0: the mistakes are clear ones (not drawn near the pass rules' thresholds)
    return routine, simulate_session(
        session_config(routine, seed=4, fault_rate=0.3, near_share=0.0, board="rev2", rate_hz=100.0)
    )


def test_demo_window_over_bumble(qt_clean, tmp_path, demo_sim):
    from neckimu.live.ble_sources import SimulatedSource
    from neckimu.live.window import LiveWindow

    qtbot = qt_clean
    routine, sim = demo_sim
    src = SimulatedSource(
        sim, tmp_path / "demo.csv", speed=SPEED, duration_s=88.0, meta={"mount": "forehead"}
    )
    session = LiveSession(src, routine=routine)
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
    # generous bounds: a busy machine slows the playback (it loses nothing), the test waits
    qtbot.waitUntil(lambda: session.view().retraction and path_points > 20, timeout=120_000)
    # all three curves show head angles (finite, and not a flat line)
    for c in win.curves:
        _x, y = c.getData()
        assert len(y) > 100 and np.isfinite(y).all()
        assert np.ptp(y) > 0.5
    win.screenshot(str(tmp_path / "window.png"))
    _non_blank(tmp_path / "window.png")
    qtbot.waitUntil(lambda: session.finished, timeout=120_000)
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


def test_replay_window_shows_the_verdicts_of_analyze(
    qt_clean, example_recording, example_analysis, tmp_path
):
    from neckimu.live.window import LiveWindow

    qtbot = qt_clean
    src = ReplaySource(example_recording, speed=None)
    session = LiveSession(src, routine=recorded_routine(example_recording))
    win = LiveWindow(session)
    qtbot.addWidget(win)
    win.show()
    session.start()
    qtbot.waitUntil(lambda: session.finished, timeout=120_000)
    qtbot.wait(50)
    win.update_frame()
    texts = [win.verdicts.item(i).text() for i in range(win.verdicts.count())]
    assert texts == [r.message() for r in example_analysis.reps]
    assert (
        win.counter.text() == f"{len(texts)} reps judged, "
        f"{sum(r.verdict == 'pass' for r in example_analysis.reps)} passed"
    )
    assert win.pause_button.text() == "Pause"
    # the seek slider followed the playback to its end; the status has no frame rate left
    assert win.seek_slider.value() == int(src.duration_s)
    assert "fps" not in win.status.text() and "finished" in win.status.text()
    win.close()


# -- each panel for its exercise only; progress, never a verdict, while a rep is under way -----
class _StubSession:
    """What the window reads of a session, set by the test (no threads)."""

    def __init__(self) -> None:
        from neckimu.live.ringbuffer import RingBuffer
        from neckimu.live.session import View
        from neckimu.live.source import Source

        self.window_s = 20.0
        self.ring = RingBuffer(20000, 4)
        self.source = Source()
        self.source.label = "stub"
        self.v = View(state="connected", label="stub")

    def view(self):
        return self.v

    def drawn(self, t: float) -> None:
        pass

    def feed(self, t0: float, t1: float, angles) -> None:
        t = np.arange(t0, t1, 0.01)
        self.ring.write(np.column_stack([t, np.tile(angles, (len(t), 1))]))


def test_panels_follow_the_exercise_and_show_progress_not_verdicts(qt_clean):
    from dataclasses import replace

    from neckimu.live.session import HoldView
    from neckimu.live.window import LiveWindow
    from neckimu.verify.reps import HoldRep

    qtbot = qt_clean
    s = _StubSession()
    win = LiveWindow(s)
    qtbot.addWidget(win)
    win.show()
    win.timer.stop()  # frames drawn by the test
    ref = np.array([2.0, -1.0, 0.5])
    s.feed(0.0, 10.2, ref)
    hold = HoldView("hold_flexion", 0.2, 8.0, 0.3, 0.4, 2.0, True)
    s.v = replace(
        s.v,
        exercise="hold_flexion",
        cue_text="push forward",
        session_s=10.2,
        cue_elapsed_s=0.2,
        cue_planned_s=8.0,
        hold=hold,
        cue_count=1,
    )
    win.update_frame()
    s.feed(10.2, 13.0, ref + [0.5, 0.0, 0.0])
    s.v = replace(
        s.v,
        session_s=13.0,
        cue_elapsed_s=3.0,
        hold=replace(hold, elapsed_s=3.0, deviation_deg=0.5, max_deviation_deg=0.6),
    )
    win.update_frame()
    # a hold under way: the stillness panel with its progress, the head zoomed on the nose
    # with the band about the pose at the start; no retraction panel
    assert win.hold.isVisible() and not win.path_plot.isVisible()
    text = win.hold.text()
    assert "held 3 s of 8" in text and "within 2.0°" in text
    assert "pass" not in text and "fail" not in text
    assert win.head.zoomed and win.head.bands["side"] is not None
    np.testing.assert_allclose(win.head._ref, ref)
    np.testing.assert_allclose(win.head.pose_deg, ref + [0.5, 0.0, 0.0])
    assert win.countdown.text() == "5 s left"
    # over: "judging" until the judge's verdict comes, then the judge's verdict
    s.feed(13.0, 18.0, ref)
    s.v = replace(
        s.v,
        exercise=None,
        cue_text="Rest",
        session_s=18.0,
        cue_elapsed_s=0.0,
        cue_planned_s=None,
        hold=replace(hold, elapsed_s=8.0, active=False),
        cue_count=2,
    )
    win.update_frame()
    assert "judging" in win.hold.text() and not win.head.zoomed
    rep = HoldRep(
        exercise="hold_flexion", index=1, of=1, start_s=10.0, end_s=18.0, max_deviation_deg=0.6
    )
    s.v = replace(s.v, reps=(rep,))
    win.update_frame()
    assert win.hold.text().startswith("hold forward 1/1:<br>pass")
    assert win.counter.text() == "1 rep judged, 1 passed"
    # the retraction set: its panel only, the path so far, the head shifted by the glide
    s.feed(18.0, 30.0, ref)
    path = np.linspace(0, 15, 30)
    s.v = replace(
        s.v,
        exercise="retraction",
        retraction=True,
        hold=None,
        session_s=30.0,
        cue_elapsed_s=2.0,
        cue_planned_s=37.5,
        cue_count=3,
        path_posterior_mm=path,
        path_superior_mm=path / 3,
    )
    win.update_frame()
    assert win.path_plot.isVisible() and not win.hold.isVisible()
    assert len(win.path_curve.getData()[0]) == 30
    assert not win.head.zoomed and win.head.bands["side"].lo_deg == -4.0
    from neckimu.live.head import head_geometry

    want = head_geometry(ref, np.array([-15.0, 0.0, 5.0]))["side"]["nose_tip"]
    assert np.allclose(win.head.drawn("side", "nose_tip"), want)
    # rest after the set: no retraction panel and no stray path left from it
    s.v = replace(s.v, exercise=None, retraction=False, cue_count=4, session_s=40.0)
    win.update_frame()
    assert not win.path_plot.isVisible()
    x = win.path_curve.getData()[0]
    assert x is None or len(x) == 0
    assert not win.rom.isVisible()
    # range of motion: the largest angle reached so far each way, on a wider angle axis
    s.v = replace(
        s.v, exercise="rom", cue_count=5, session_s=41.0, cue_elapsed_s=0.0, cue_planned_s=112.0
    )
    win.update_frame()
    s.feed(41.0, 42.0, [35.0, 0.0, 0.0])
    s.feed(42.0, 43.0, [-48.0, 0.0, 0.0])
    s.feed(43.0, 44.0, [0.0, -30.0, 62.0])
    s.v = replace(s.v, session_s=44.0, cue_elapsed_s=3.0)
    win.update_frame()
    text = win.rom.text()
    assert win.rom.isVisible() and not win.hold.isVisible() and not win.path_plot.isVisible()
    for want in (
        "chin down: <b>35°",
        "head back: <b>48°",
        "tilt left: <b>30°",
        "tilt right: —",
        "turn left: —",
        "turn right: <b>62°",
    ):
        assert want in text, text
    assert win.angle_plot.viewRange()[1] == [-90.0, 90.0]
    win.close()


def test_trunk_readout_only_with_a_trunk_board(qt_clean):
    """A second board on the trunk (issue 15): a small trunk line, red when the trunk moved,
    and the angle plot says the angles are the neck's; nothing of it without one."""
    from dataclasses import replace

    from neckimu.live.trunk import TrunkView
    from neckimu.live.window import LiveWindow

    qtbot = qt_clean
    s = _StubSession()
    win = LiveWindow(s)
    qtbot.addWidget(win)
    win.show()
    win.timer.stop()  # frames drawn by the test
    s.feed(0.0, 5.0, np.zeros(3))
    win.update_frame()
    assert not win.trunk.isVisible()
    assert "neck" not in win.angle_plot.getAxis("left").labelText
    s.v = replace(s.v, trunk=TrunkView(4.2, -0.6, 0.5))
    win.update_frame()
    assert win.trunk.isVisible()
    assert "trunk 4.2° forward, 0.6° left" in win.trunk.text() and "moved" not in win.trunk.text()
    assert "neck" in win.angle_plot.getAxis("left").labelText
    s.v = replace(s.v, trunk=TrunkView(6.9, -0.6, 3.2))
    win.update_frame()
    assert "trunk moved 3.2°" in win.trunk.text()
    win.close()


def test_trunk_readout_fits_its_label(qt_clean):
    """The trunk readout is never clipped in the window at its default size: every line of
    it fits the label's width (font metrics), and the label is tall enough for all lines, at
    once when the text grows (the trunk moved), before any relayout."""
    import re
    from dataclasses import replace

    from neckimu.live.trunk import TrunkView
    from neckimu.live.window import LiveWindow

    qtbot = qt_clean
    s = _StubSession()
    win = LiveWindow(s)
    qtbot.addWidget(win)
    win.show()
    win.timer.stop()  # frames drawn by the test
    s.feed(0.0, 5.0, np.zeros(3))
    views = [
        TrunkView(),  # waiting for the calibration
        TrunkView(1.2, -0.1, 0.3),
        TrunkView(-11.8, 1.5, 24.8),  # what a tester saw clipped
        TrunkView(-99.9, -99.9, 99.9),
        TrunkView(3.0, 2.0, 0.5),
    ]
    for k, tv in enumerate(views):
        s.v = replace(s.v, trunk=tv, session_s=5.0 + k)
        win.update_frame()
        lab = win.trunk
        rect = lab.contentsRect()
        fm = lab.fontMetrics()
        lines = [re.sub("<[^>]+>", "", x) for x in lab.text().split("<br>")]
        assert lines[0].startswith("trunk")
        assert ("trunk moved" in lab.text()) == tv.moved
        for line in lines:
            assert fm.horizontalAdvance(line) <= rect.width(), (line, rect.width())
        assert len(lines) * fm.lineSpacing() <= rect.height(), (lines, rect.height())
        qtbot.wait(10)  # the layout catches up: still fits
        assert len(lines) * fm.lineSpacing() <= lab.contentsRect().height()
        assert max(fm.horizontalAdvance(x) for x in lines) <= lab.contentsRect().width()
    win.close()
