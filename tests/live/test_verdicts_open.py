"""While a hold or stretch window is open its verdict is not shown; retraction reps are."""

from neckimu.live.verdicts import completed_reps
from neckimu.recording.events import Event
from neckimu.recording.reader import Recording
from neckimu.samples import SampleBlock


def test_open_windows_are_left_out():
    import numpy as np

    z = np.zeros((2, 3))
    rec = Recording(SampleBlock(np.array([0.0, 1.0]), z, z), events=[
        Event(1.0, "start", "hold_left"), Event(9.0, "end", "hold_left"),
        Event(10.0, "start", "hold_left"),
        Event(20.0, "start", "retraction"),
    ])
    reps = [{"exercise": "hold_left", "start_s": 1.0}, {"exercise": "hold_left", "start_s": 10.0},
            {"exercise": "retraction", "start_s": 21.0}]
    assert [r["start_s"] for r in completed_reps(reps, rec)] == [1.0, 21.0]
