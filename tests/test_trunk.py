"""A second board on the trunk (issue 15): format v2, simulation, neck angles, trunk_lean, and
single-sensor analyses left exactly as they were. Simulation only."""

from __future__ import annotations

import dataclasses
import json
import warnings
from pathlib import Path

import numpy as np
import pytest

import neckimu.pipeline as pipeline
from neckimu.angles import angles_from_rotation
from neckimu.errors import InputError
from neckimu.recording.reader import read_recording
from neckimu.recording.writer import MAGIC, MAGIC_V2, RecordingWriter
from neckimu.samples import SampleBlock
from neckimu.sim import SessionConfig, simulate_session
from neckimu.sim.truth import read_truth

VALIDATION = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "validation"


def _block(t0: float, n: int, seed: int = 0) -> SampleBlock:
    rng = np.random.default_rng(seed)
    t = t0 + np.arange(n) * 0.01
    g = rng.normal(0.0, 0.01, (n, 3))
    return SampleBlock(t, g, g + [0.0, 0.0, 9.81], rng.normal(20.0, 1.0, (n, 3)))


def test_single_sensor_recording_is_still_format_v1(tmp_path):
    p = tmp_path / "a.csv"
    with RecordingWriter(p, {"source": "test"}) as w:
        w.write_block(_block(0.0, 50))
    text = p.read_text()
    assert text.startswith(MAGIC + "\n") and "trunk" not in text
    rec = read_recording(p)
    assert rec.trunk is None and rec.trunk_gaps == [] and rec.meta["format_version"] == 1


def test_format_v2_round_trip_keeps_every_trunk_sample_and_its_gaps(tmp_path):
    p = tmp_path / "b.csv"
    head, trunk = _block(0.0, 300), _block(0.0037, 290, seed=1)
    sat = np.zeros(290, bool)
    sat[10:13] = True
    with RecordingWriter(p, {"source": "test"}, trunk={"mount": "collar"}) as w:
        for k in range(3):
            w.write_block(head.slice(100 * k, 100 * k + 100))
            w.write_trunk_block(
                trunk.slice(100 * k, min(100 * k + 100, 290)),
                saturated=sat[100 * k : 100 * k + 100],
            )
        w.write_gap(1.5, 4, "lost packets", sensor="trunk")
    assert p.read_text().startswith(MAGIC_V2 + "\n")
    rec = read_recording(p)
    assert rec.meta["format_version"] == 2 and rec.meta["trunk"]["mount"] == "collar"
    np.testing.assert_allclose(rec.trunk.t, trunk.t, atol=5e-7)
    np.testing.assert_allclose(rec.trunk.gyr, trunk.gyr, rtol=1e-6, atol=1e-9)
    assert len(rec.samples) == 300 and rec.gaps == []
    assert [(g.time_s, g.missing) for g in rec.trunk_gaps] == [(1.5, 4)]
    assert rec.trunk_saturated.sum() == 3 and not rec.saturated.any()


def test_a_bad_trunk_line_is_a_one_line_error_naming_its_line(tmp_path):
    p = tmp_path / "c.csv"
    with RecordingWriter(p, {}, trunk={}) as w:
        w.write_block(_block(0.0, 20))
        w.write_trunk_block(_block(0.0, 20))
    lines = p.read_text().splitlines()
    k = next(i for i, s in enumerate(lines) if s.startswith("# trunk ")) + 3
    lines[k] = lines[k].replace(lines[k].split(",")[2], "abc", 1)
    p.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match=rf"line {k + 1}, column trunk gyr_y"):
        read_recording(p)


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    """One two-sensor session with clear trunk_lean reps (seed used by no bench)."""
    d = tmp_path_factory.mktemp("trunk")
    cfg = SessionConfig(
        seed=101, trunk=True, faults=("trunk_lean",), near_share=0.0, retraction_reps=8
    )
    simulate_session(cfg).write(d / "s.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rec = read_recording(d / "s.csv")
    truth, ts = read_truth(d / "s.csv")
    return (
        rec,
        truth,
        ts,
        pipeline.analyze(rec),
        pipeline.analyze(dataclasses.replace(rec, trunk=None)),
    )


def test_simulated_two_sensor_session_has_both_streams_and_trunk_truth(session):
    rec, truth, ts, _, _ = session
    assert rec.trunk is not None and len(rec.trunk) > 0.9 * len(rec.samples)
    assert truth["trunk"]["mount"] == "between_shoulder_blades"
    assert ts.trunk_quat is not None and len(ts.trunk_quat) == len(rec.samples)
    lean = [r for r in truth["reps"] if r["injected"] == "trunk_lean"]
    assert lean and all("trunk_lean" in r["faults"] for r in lean)  # clear ones


def test_trunk_lean_reps_fail_with_the_trunk_and_single_sensor_misses_them(session):
    _, truth, _, two, one = session
    lean = [r for r in truth["reps"] if "trunk_lean" in r["faults"]]

    def at(reps, tr):
        ov = [
            (min(tr["end_s"], r.end_s) - max(tr["start_s"], r.start_s), r)
            for r in reps
            if r.exercise == "retraction"
        ]
        o, r = max(ov, key=lambda x: x[0])
        return r if o > 0 else None

    flagged = [at(two.reps, tr) for tr in lean]
    assert sum(r is not None and "trunk_lean" in r.faults for r in flagged) >= len(lean) - 1
    assert all(
        "trunk_lean" not in (r.faults if r else ()) for r in (at(one.reps, tr) for tr in lean)
    )  # one sensor cannot say it


def test_neck_angles_follow_the_truth_while_the_trunk_leans(session):
    rec, _, ts, two, one = session
    a, b = two.calibration.still_s
    still = (ts.t >= a) & (ts.t < b)
    truth = angles_from_rotation(ts.head_rotation())
    truth -= truth[still].mean(axis=0)
    leaned = np.degrees(ts.trunk_rotation().magnitude()) > 5.0
    assert leaned.mean() > 0.05
    err_two = np.sqrt(np.mean((two.angles_deg - truth)[leaned] ** 2, axis=0))
    err_one = np.sqrt(np.mean((one.angles_deg - truth)[leaned] ** 2, axis=0))
    assert (err_two < 1.5).all(), err_two  # rotation too: the boards' drift is followed
    assert err_one[0] > 3.0 * err_two[0]  # the head against the room is not the neck
    assert two.trunk is not None and two.trunk.trunk_deg.shape == (len(rec.samples), 2)


def test_single_sensor_analysis_never_enters_the_trunk_path(monkeypatch):
    """The validation sessions (single sensor) analyse as before: the trunk code is never
    reached, so their JSON cannot change (measured once against main before issue 15: every
    session byte-identical, see the branch report)."""
    from neckimu.results import to_json

    files = sorted(VALIDATION.glob("val0[1-2].csv.gz"))
    if not files:
        pytest.fail(f"validation sessions not found in {VALIDATION}")

    def boom(*_a, **_k):
        raise AssertionError("trunk path entered for a single-sensor recording")

    for f in files:
        rec = read_recording(f)
        assert rec.trunk is None
        before = json.dumps(to_json(pipeline.analyze(rec)), sort_keys=True)
        monkeypatch.setattr(pipeline, "_with_trunk", boom)
        after = json.dumps(to_json(pipeline.analyze(rec)), sort_keys=True)
        monkeypatch.undo()
        assert before == after
