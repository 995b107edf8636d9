"""The guided script, injected faults and their truth labels."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from neckimu.recording.events import HOLDS, windows
from neckimu.sim import SessionConfig, simulate_session
from neckimu.sim.script import RETRACTION_FAULTS

HOLD_FAULTS = ("moved", "creep", "tipped_back")


@pytest.fixture(scope="module")
def hold_sessions():
    return [simulate_session(SessionConfig(seed=s, faults=HOLD_FAULTS, retraction_reps=2))
            for s in range(4)]


@pytest.fixture(scope="module")
def retraction_sessions():
    return [simulate_session(SessionConfig(seed=100 + s, hold_reps=1, retraction_reps=14,
                                           faults=RETRACTION_FAULTS)) for s in range(3)]


def test_events_pair_into_windows_and_hold_reps_are_windows(hold_sessions):
    for s in hold_sessions:
        starts = [e for e in s.events if e.event == "start"]
        ends = [e for e in s.events if e.event == "end"]
        assert len(starts) == len(ends)
        ws = windows(s.events)
        assert all(np.isfinite(w.end_s) and w.end_s > w.start_s for w in ws)
        assert all(a.end_s <= b.start_s for a, b in itertools.pairwise(ws))
        assert [w.exercise for w in ws][:1] == ["calibrate"]
        hold_w = [(w.exercise, w.start_s, w.end_s) for w in ws if w.exercise in HOLDS]
        hold_r = [(r["exercise"], r["start_s"], r["end_s"])
                  for r in s.truth["reps"] if r["exercise"] in HOLDS]
        assert len(hold_w) == 4 * 3
        for (ew, sw, tw), (er, sr, tr) in zip(hold_w, hold_r, strict=True):
            assert ew == er and abs(sw - sr) < 1e-5 and abs(tw - tr) < 1e-5
        assert 0.0 <= ws[0].start_s and ws[-1].end_s <= s.samples.t[-1]


def test_hold_truth_correct_below_1_2_faulty_at_least_3(hold_sessions):
    n_ok = n_bad = 0
    for s in hold_sessions:
        for r in s.truth["reps"]:
            if r["exercise"] not in HOLDS:
                continue
            if r["faults"]:
                assert r["faults"] == ["moved"] and r["verdict"] == "fail"
                assert r["max_deviation_deg"] >= 3.0, r
                n_bad += 1
            else:
                assert r["verdict"] == "pass"
                assert r["max_deviation_deg"] < 1.2, r
                n_ok += 1
            assert r["direction"] in ("flexion", "extension", "left", "right", "rotation")
    assert n_ok >= 5 and n_bad >= 5


def test_tipped_back_tips_into_extension(hold_sessions):
    reps = [r for s in hold_sessions for r in s.truth["reps"] if r["injected"] == "tipped_back"]
    assert reps and all(r["direction"] == "extension" for r in reps)


def test_hold_deviation_is_measured_on_the_truth_samples(hold_sessions):
    s = hold_sessions[0]
    rot = s.truth_samples.head_rotation()
    for r in s.truth["reps"][:6]:
        if r["exercise"] not in HOLDS:
            continue
        i0, i1 = np.searchsorted(s.truth_samples.t, [r["start_s"], r["end_s"]])
        dev = np.degrees((rot[int(i0)].inv() * rot[int(i0):int(i1)]).magnitude()).max()
        assert dev == pytest.approx(r["max_deviation_deg"], abs=0.25)


def _check_retraction(r: dict) -> None:
    d = r["displacement_mm"]
    post, sup, ang = d["posterior"], d["superior"], r["path_angle_deg"]
    flex, lat, rot = r["flexion_change_deg"], r["lateral_change_deg"], r["rotation_change_deg"]
    f = r["faults"][0] if r["faults"] else None
    glide_ok = 15 <= post <= 30 and 3 <= sup <= 12 and 10 <= ang <= 35
    if f is None:
        assert glide_ok and 4 <= flex / (post / 10) <= 6 and abs(lat) < 2 and abs(rot) < 2
    elif f == "extension":
        assert glide_ok and -15 <= flex <= -8
    elif f == "protraction":
        assert -25 <= post <= -10
    elif f == "downward":
        assert -15 <= sup <= -8
    elif f == "nod_only":
        assert 10 <= flex <= 20 and np.hypot(post, sup) < 3
    elif f == "lateral":
        assert glide_ok and 8 <= max(abs(lat), abs(rot)) <= 15
    elif f == "too_small":
        assert 3 <= post <= 7 and 10 <= ang <= 35 and 4 <= flex / (post / 10) <= 6


def test_retraction_truth_in_range_per_fault(retraction_sessions):
    seen = set()
    for s in retraction_sessions:
        reps = [r for r in s.truth["reps"] if r["exercise"] == "retraction"]
        assert len(reps) == 14 and [r["index"] for r in reps] == list(range(1, 15))
        for r in reps:
            _check_retraction(r)
            seen.add(r["faults"][0] if r["faults"] else None)
            assert r["start_s"] == pytest.approx(r["glide_start_s"] - 0.5, abs=1e-3)
            assert r["end_s"] == pytest.approx(r["return_end_s"] + 0.5, abs=1e-3)
            assert r["glide_start_s"] < r["kept_start_s"] < r["kept_end_s"] < r["return_end_s"]
    assert seen == {None, *RETRACTION_FAULTS}


def test_one_retraction_window_holds_all_reps(retraction_sessions):
    s = retraction_sessions[0]
    (w,) = [w for w in windows(s.events) if w.exercise == "retraction"]
    reps = [r for r in s.truth["reps"] if r["exercise"] == "retraction"]
    assert w.start_s < reps[0]["start_s"] and reps[-1]["end_s"] < w.end_s


def test_retraction_glide_is_seen_in_the_truth_samples(retraction_sessions):
    s = retraction_sessions[0]
    r = next(r for r in s.truth["reps"] if r["exercise"] == "retraction" and not r["faults"])
    ts, pos = s.truth_samples.t, s.truth_samples.head_pos
    before = pos[(ts > r["glide_start_s"] - 1.0) & (ts < r["glide_start_s"])].mean(0)
    kept = pos[(ts > r["kept_start_s"]) & (ts < r["kept_end_s"])].mean(0)
    assert -(kept - before)[0] * 1e3 == pytest.approx(r["displacement_mm"]["posterior"], abs=0.3)


def test_fault_rate_one_fails_every_rep_and_zero_none():
    bad = simulate_session(SessionConfig(seed=5, fault_rate=1.0, hold_reps=2, retraction_reps=4))
    assert all(r["verdict"] == "fail" for r in bad.truth["reps"])
    good = simulate_session(SessionConfig(seed=5, hold_reps=2, retraction_reps=4))
    assert all(r["verdict"] == "pass" for r in good.truth["reps"])


@pytest.mark.parametrize(("fault", "label"),
                         [(None, []), ("stretch_short", ["short"]),
                          ("stretch_unsteady", ["unsteady"])])
def test_stretch(fault, label):
    s = simulate_session(SessionConfig(
        seed=7, hold_reps=0, retraction_reps=0, stretch="stretch_left",
        faults=(fault,) if fault else (),
    ))
    (r,) = [r for r in s.truth["reps"] if r["exercise"].startswith("stretch_")]
    assert r["exercise"] == "stretch_left" and r["faults"] == label
    t = np.arange(0.0, s.motion.duration_s, 0.05)
    lat = np.degrees(s.motion.angles(t)[:, 1])
    held = lat < -15.0  # toward the left shoulder
    idx = np.flatnonzero(held)
    plateau = lat[idx[0] + 40 : idx[-1] - 40]  # without the first and last 2 s
    if fault == "stretch_short":
        assert 6.0 < held.sum() * 0.05 < 14.0
    else:
        assert held.sum() * 0.05 > 27.0
    assert (np.ptp(plateau) > 6.0) == (fault == "stretch_unsteady")


def test_calibration_nods_start_downward():
    s = simulate_session(SessionConfig(seed=3, hold_reps=0, retraction_reps=0))
    (w,) = [w for w in windows(s.events) if w.exercise == "calibrate"]
    start = s.plan.events[0][0]
    t = np.linspace(start, start + 5.0 + 1.5, 400)
    flex = np.degrees(s.motion.angles(t)[:, 0])
    assert np.abs(flex[t < start + 4.9]).max() < 1.0  # still first
    first = flex[np.argmax(np.abs(flex) > 5.0)]
    assert first > 5.0  # chin down first
    assert np.degrees(np.ptp(s.motion.angles(np.linspace(start, start + 12, 600))[:, 0])) > 14
    assert w.end_s - w.start_s == pytest.approx(12.0, abs=0.5)
