"""Retraction and stretch verifiers on simulated sessions (seeds < 1000; the bench uses more)."""

import json

import numpy as np
import pytest

from neckimu.cli import main
from neckimu.sim import SessionConfig, simulate_session
from neckimu.verify.retraction import classify


def _run(tmp_path, **cfg):
    rec = tmp_path / "rec.csv"
    simulate_session(SessionConfig(hold_reps=0, **cfg)).write(rec)
    out = tmp_path / "out.json"
    assert main(["analyze", str(rec), "--json", str(out), "--quiet"]) == 0
    truth = json.loads(rec.with_suffix(".truth.json").read_text())["reps"]
    return truth, json.loads(out.read_text())["reps"]


def _pairs(truth, found, prefix):
    out = []
    for t in (r for r in truth if r["exercise"].startswith(prefix)):
        near = [f for f in found if f["exercise"].startswith(prefix)
                and f["start_s"] < t["end_s"] and t["start_s"] < f["end_s"]]
        assert near, f"{prefix} rep {t['index']} at {t['start_s']:.1f} s not found"
        out.append((t, near[0]))
    return out


@pytest.mark.parametrize("fault, seed, mount, board", [
    ("extension", 11, "forehead", "rev1"),
    ("protraction", 12, "back_of_head", "rev2"),
    ("downward", 13, "top_of_head", "rev1"),
    ("nod_only", 14, "forehead", "rev2"),
    ("lateral", 15, "back_of_head", "rev1"),
    ("too_small", 16, "top_of_head", "rev2"),
])
def test_each_retraction_fault_is_found_and_named(tmp_path, fault, seed, mount, board):
    truth, found = _run(tmp_path, seed=seed, mount=mount, board=board, faults=(fault,),
                        retraction_reps=6)
    pairs = _pairs(truth, found, "retraction")
    assert len([f for f in found if f["exercise"] == "retraction"]) == len(pairs)
    assert any(t["faults"] == [fault] for t, _ in pairs), "the session injected the fault"
    for t, f in pairs:
        assert set(f["faults"]) == set(t["faults"]), f["message"]
        assert f["verdict"] == t["verdict"]
    err = np.array([[t["displacement_mm"]["posterior"] - f["displacement_mm"]["posterior"],
                     t["displacement_mm"]["superior"] - f["displacement_mm"]["superior"]]
                    for t, f in pairs])
    assert np.abs(err).mean() < 4.0, f"displacement error {np.abs(err).mean():.1f} mm"


def test_messages_and_schema(tmp_path):
    _, found = _run(tmp_path, seed=21, faults=("extension",), retraction_reps=4)
    reps = [f for f in found if f["exercise"] == "retraction"]
    for r in reps:
        for key in ("exercise", "start_s", "end_s", "verdict", "faults", "max_deviation_deg",
                    "displacement_mm", "path_angle_deg", "message"):
            assert key in r
        assert r["message"].startswith(f"retraction {r['index']}/{len(reps)}: {r['verdict']}")
    failed = [r for r in reps if "extension" in r["faults"]]
    assert failed and "tipped back" in failed[0]["message"]
    assert "keep the chin tucked" in failed[0]["message"]


def test_classify_rules():
    ok = np.array([10.0, 0.5, -0.5])
    assert classify(20, 8, ok) == []
    assert classify(20, 8, np.array([-8.0, 0, 0])) == ["extension"]
    assert classify(-15, 2, np.array([-1.0, 0, 0])) == ["protraction"]
    assert classify(5, -12, np.array([1.0, 0, 0])) == ["downward"]
    assert classify(2, 1, np.array([14.0, 0, 0])) == ["nod_only"]
    assert classify(22, 9, np.array([12.0, 10.0, 0])) == ["lateral"]
    assert classify(5, 2, np.array([3.0, 0, 0])) == ["too_small"]


@pytest.mark.parametrize("fault, seed", [(None, 31), ("stretch_short", 32),
                                         ("stretch_unsteady", 33)])
def test_stretch(tmp_path, fault, seed):
    truth, found = _run(tmp_path, seed=seed, retraction_reps=0,
                        faults=(fault,) if fault else ())
    [(t, f)] = _pairs(truth, found, "stretch_")
    assert f["verdict"] == t["verdict"] and f["faults"] == t["faults"], f["message"]
    if fault is None:
        assert f["held_s"] >= 25 and 20 <= f["reached_deg"] <= 36
