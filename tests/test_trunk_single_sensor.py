"""Without a trunk sensor everything works as before (issue 15).

A two-sensor recording analysed without its trunk must give exactly the analysis of the same
head data written as a single-sensor (format v1) recording: the v2 reader keeps the head's
rows, events, gaps and saturation apart from the trunk's, and nothing of the trunk reaches a
single-sensor analysis. Together with the writer test (a single-sensor recording is still v1
byte for byte) and the pipeline test (a v1 recording never enters the trunk path) this pins
the single-sensor path."""

from __future__ import annotations

import dataclasses
import json
import warnings

import pytest

from neckimu.pipeline import analyze
from neckimu.recording.reader import read_recording
from neckimu.recording.writer import MAGIC, MAGIC_V2
from neckimu.results import to_json
from neckimu.sim import SessionConfig, simulate_session

#: header fields that say there was a trunk board (the only allowed difference)
_TRUNK_META = ("trunk", "trunk_mount")


def _read(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read_recording(path)


def _json(analysis, path) -> str:
    """The analysis JSON without its file's path and the header fields about a trunk."""
    d = to_json(analysis)
    meta = d.get("meta")
    if isinstance(meta, dict):
        for k in _TRUNK_META:
            meta.pop(k, None)
    return json.dumps(d, sort_keys=True, default=str).replace(str(path), "<recording>")


@pytest.mark.parametrize(("seed", "board"), [(6301, "rev1"), (6302, "rev2")])
def test_two_sensor_file_without_its_trunk_analyses_as_single_sensor(tmp_path, seed, board):
    s = simulate_session(
        SessionConfig(
            seed=seed,
            board=board,
            trunk=True,
            faults=("trunk_lean",),
            retraction_reps=4,
            hold_reps=2,
            rest_duration_s=20.0,
        )
    )
    p2, p1 = tmp_path / "two.csv", tmp_path / "one.csv"
    s.write(p2)
    dataclasses.replace(s, trunk=None).write(p1)
    assert p2.read_text().startswith(MAGIC_V2) and p1.read_text().startswith(MAGIC + "\n")
    two, one = _read(p2), _read(p1)
    assert two.trunk is not None and one.trunk is None and two.trunk_gaps is not None
    # the head's part of the v2 file is the v1 file's, field for field
    assert (two.samples.t == one.samples.t).all() and (two.samples.gyr == one.samples.gyr).all()
    assert two.events == one.events and two.gaps == one.gaps
    assert two.saturation == one.saturation
    a_two = analyze(dataclasses.replace(two, trunk=None))
    a_one = analyze(one)
    assert a_two.trunk is None and a_one.trunk is None
    assert _json(a_two, p2) == _json(a_one, p1)
    # and with its trunk, the same file analyses differently (the test can fail)
    assert _json(analyze(two), p2) != _json(a_one, p1)
