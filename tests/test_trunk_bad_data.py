"""A trunk board whose data cannot stand for a trunk (a dead accelerometer, a frozen stream)
or whose data end early (issue 15, found by a tester): never taken as a trunk that kept still."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from neckimu.pipeline import analyze
from neckimu.recording.reader import read_recording
from neckimu.sim import SessionConfig, simulate_session


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    s = simulate_session(SessionConfig(seed=6411, trunk=True, retraction_reps=3, hold_reps=2))
    path = tmp_path_factory.mktemp("bad") / "s.csv"
    s.write(path)
    return read_recording(path)


def _verdicts(analysis):
    return [(r.exercise, r.verdict, r.faults) for r in analysis.reps]


@pytest.mark.parametrize("kind", ["zero", "frozen"])
def test_unusable_trunk_data_is_not_used_and_says_why(recording, kind):
    tr = recording.trunk
    if kind == "zero":
        bad = dataclasses.replace(tr, acc=np.zeros_like(tr.acc), gyr=np.zeros_like(tr.gyr))
    else:
        bad = dataclasses.replace(
            tr, acc=np.tile(tr.acc[0], (len(tr), 1)), gyr=np.tile(tr.gyr[0], (len(tr), 1))
        )
    got = analyze(dataclasses.replace(recording, trunk=bad))
    alone = analyze(dataclasses.replace(recording, trunk=None))
    assert got.trunk is None
    assert any(n.startswith("trunk board not used") for n in got.notes), got.notes
    assert _verdicts(got) == _verdicts(alone)


def test_holds_after_the_trunk_data_end_are_marked_uncertain(recording):
    holds = [r for r in analyze(recording).reps if r.exercise.startswith("hold_")]
    cut_s = 0.5 * (holds[0].end_s + holds[-1].start_s)  # trunk data end between holds
    tr = recording.trunk
    short = tr.slice(0, int(np.searchsorted(tr.t, cut_s)))
    got = [r for r in analyze(dataclasses.replace(recording, trunk=short)).reps]
    got_holds = [r for r in got if r.exercise.startswith("hold_") and r.incomplete is None]
    before = [r for r in got_holds if r.end_s < cut_s]
    after = [r for r in got_holds if r.start_s > cut_s]
    assert before and after
    assert all(r.low_confidence is None or "trunk" not in r.low_confidence for r in before)
    assert all(r.low_confidence and "trunk data missing" in r.low_confidence for r in after)


def test_no_neck_angles_where_the_trunk_data_ended(recording):
    """Neck angles and trunk inclination are blank where the trunk board has no data, not
    the last trunk pose held (a tester's finding: the "neck" was the head less a frozen
    trunk, with a false nod in the plot); the summaries count only the samples that have
    them, and the analysis says for how long."""
    from neckimu.posture.analysis import posture_split_analysis
    from neckimu.results import angles_summary, to_json

    tr = recording.trunk
    cut_s = 0.5 * float(tr.t[-1])
    short = tr.slice(0, int(np.searchsorted(tr.t, cut_s)))
    got = analyze(dataclasses.replace(recording, trunk=short))
    t = recording.samples.t
    before, after = t < cut_s - 0.3, t > cut_s + 0.3
    assert np.isfinite(got.angles_deg[before]).all()
    assert np.isfinite(got.trunk.trunk_deg[before]).all()
    assert np.isnan(got.angles_deg[after]).all() and np.isnan(got.trunk.trunk_deg[after]).all()
    assert np.isfinite(got.trunk.head_deg).all()  # the head against the room: all of it
    note = [n for n in got.notes if "no neck or trunk angles there" in n]
    assert len(note) == 1 and any(f"{p}%" in note[0] for p in (49, 50, 51)), note
    s = angles_summary(got.angles_deg)
    assert all(np.isfinite(v) for a in s.values() for v in a.values())
    assert np.isfinite(to_json(got)["angles_summary"]["flexion"]["mean_deg"])
    split = posture_split_analysis(got)
    assert split is not None and np.isfinite(split.neck.mean_flexion_deg)


def test_a_file_whose_trunk_rows_are_gone_says_so(tmp_path):
    """A two-sensor recording whose trunk rows were lost (cut by hand, a tool that drops
    comment lines) is judged with the head alone, and the analysis says why (found by a
    tester: it said nothing)."""
    s = simulate_session(SessionConfig(seed=6412, trunk=True, retraction_reps=2, hold_reps=1))
    full = tmp_path / "s.csv"
    s.write(full)
    lines = full.read_text(encoding="utf-8").splitlines(keepends=True)
    head_only = tmp_path / "head_only.csv"
    head_only.write_text("".join(x for x in lines if not x.startswith("# trunk")), "utf-8")
    rec = read_recording(head_only)
    got = analyze(rec)
    assert got.trunk is None
    assert any("names a trunk board" in n and "none of its samples" in n for n in got.notes)
    assert not any("names a trunk board" in n for n in analyze(read_recording(full)).notes)
