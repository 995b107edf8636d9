"""A recording replayed through the live session reaches ``neckimu analyze``'s verdicts."""

from __future__ import annotations

import time

import pytest

from neckimu.live.replay import ReplaySource, recorded_routine
from neckimu.live.session import LiveSession


def _run(session: LiveSession, timeout: float = 30.0) -> list:
    seen = []
    session.start()
    t_end = time.monotonic() + timeout
    while not session.finished and time.monotonic() < t_end:
        v = session.view()
        if v.hold is not None and v.hold.active:
            seen.append(v.hold.state)
        time.sleep(0.002)
    assert session.wait(5.0)
    return seen


def test_replay_reaches_the_verdicts_of_analyze(example_recording, example_analysis):
    session = LiveSession(
        ReplaySource(example_recording, speed=None), routine=recorded_routine(example_recording)
    )
    _run(session)
    v = session.view()
    assert v.error is None and v.calibration == "gravity+nod"
    assert [r.message() for r in v.reps] == [r.message() for r in example_analysis.reps]
    # the live stillness indicator agrees with the hold verifier on every hold
    holds = [r for r in example_analysis.reps if r.exercise.startswith("hold_")]
    assert [h.exercise for h in session.hold_log] == [r.exercise for r in holds]
    assert [h.state for h in session.hold_log] == [
        "moved" if r.verdict == "fail" else "still" for r in holds
    ]
    # everything reached the ring buffer: the last 20 s of head angles, all finite
    rows = session.ring.snapshot(20.0)
    assert rows[-1, 0] == example_recording.samples.t[-1]
    assert rows[:, 1:].std(axis=0).min() > 0.01 and not (rows != rows).any()


def test_seek_and_pause_give_a_straight_run(example_recording, example_analysis):
    src = ReplaySource(example_recording, speed=40.0)
    session = LiveSession(src, routine=recorded_routine(example_recording))
    session.start()
    time.sleep(0.3)
    src.pause()
    time.sleep(0.1)
    pos = src.position_s
    time.sleep(0.2)
    assert src.position_s == pos  # paused
    src.seek(150.0)  # inside the retraction set, after the holds
    src.pause(False)
    t_end = time.monotonic() + 20
    while src.position_s < 151.0 and time.monotonic() < t_end:
        time.sleep(0.005)
    v = session.view()
    assert v.calibration == "gravity+nod"  # rebuilt from the start by the seek
    assert 150.0 <= v.session_s < 160.0
    session.stop()
    assert session.finished


def test_pause_at_stops_the_playback_at_that_time(example_recording, example_analysis):
    """``--screenshot-at`` at ``--speed max``: the playback pauses at the first sample at or
    after the time until the picture is taken (a tester's screenshot at 60 s showed 65 s:
    the window looked at a session that had run on), then plays on to analyze's verdicts."""
    t = example_recording.samples.t
    src = ReplaySource(example_recording, speed=None)
    session = LiveSession(src, routine=recorded_routine(example_recording))
    src.pause_at(60.0)
    session.start()
    t_end = time.monotonic() + 30
    while not src.paused and time.monotonic() < t_end:
        time.sleep(0.005)
    assert src.paused
    first = float(t[t >= 60.0][0])
    time.sleep(0.1)
    assert src.position_s == first and session.view().session_s == first
    src.pause(False)
    t_end = time.monotonic() + 30
    while not session.finished and time.monotonic() < t_end:
        time.sleep(0.005)
    assert session.wait(5.0)
    assert [r.message() for r in session.view().reps] == [
        r.message() for r in example_analysis.reps
    ]


def test_a_session_starts_once(example_recording):
    """A second start ran a second acquisition into the same history (a test did, and the
    hold indicator failed on arrays of two lengths)."""
    session = LiveSession(ReplaySource(example_recording, speed=1.0))
    session.start()
    with pytest.raises(RuntimeError, match="started already"):
        session.start()
    session.stop()
    assert session.wait(5.0)
