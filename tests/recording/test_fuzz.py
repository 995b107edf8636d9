"""Whatever bytes a file holds, the reader returns a recording or raises InputError."""

import warnings

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neckimu.errors import InputError
from neckimu.recording.events import Event
from neckimu.recording.reader import read_recording
from neckimu.recording.writer import RecordingWriter
from neckimu.samples import SampleBlock


def _valid(tmp_path_factory) -> bytes:
    p = tmp_path_factory.mktemp("v") / "v.csv"
    t = np.arange(40) * 0.01
    rng = np.random.default_rng(0)
    with RecordingWriter(p, {"mount": "forehead"}) as w:
        w.write_event(Event(0.05, "start", "hold_left"))
        w.write_block(
            SampleBlock(
                t, rng.normal(size=(40, 3)), rng.normal(size=(40, 3)), rng.normal(size=(40, 3))
            )
        )
        w.write_gap(0.2, 2, "sequence")
    return p.read_bytes()


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_mutated_recordings_never_raise_anything_but_input_error(tmp_path_factory, data):
    raw = bytearray(_valid(tmp_path_factory))
    for _ in range(data.draw(st.integers(1, 4))):
        kind = data.draw(st.sampled_from(["cut", "flip", "insert", "delete"]))
        i = data.draw(st.integers(0, max(0, len(raw) - 1)))
        if kind == "cut":
            del raw[i:]
        elif kind == "flip" and raw:
            raw[i] = data.draw(st.integers(0, 255))
        elif kind == "insert":
            raw[i:i] = data.draw(st.binary(min_size=1, max_size=8))
        elif raw:
            del raw[i : i + data.draw(st.integers(1, 20))]
    p = tmp_path_factory.mktemp("m") / "m.csv"
    p.write_bytes(bytes(raw))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            rec = read_recording(p)
        except InputError:
            return
    assert len(rec.samples) >= 1
    assert np.isfinite(rec.samples.table()[:, :7]).all()
    assert (np.diff(rec.samples.t) > 0).all()
