"""The guided script, injected faults and their truth labels."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from neckimu.recording.events import HOLDS, windows
from neckimu.sim import SessionConfig, simulate_session
from neckimu.sim.script import RETRACTION_FAULTS
from neckimu.verify.hold import HoldCriteria
from neckimu.verify.stretch import StretchCriteria

HOLD_FAULTS = ("moved", "creep", "tipped_back")


@pytest.fixture(scope="module")
def hold_sessions():
    return [
        simulate_session(SessionConfig(seed=s, faults=HOLD_FAULTS, retraction_reps=2))
        for s in range(4)
    ]


@pytest.fixture(scope="module")
def retraction_sessions():
    return [
        simulate_session(
            SessionConfig(
                seed=100 + s,
                hold_reps=1,
                retraction_reps=14,
                faults=RETRACTION_FAULTS,
                near_share=0.0,
            )
        )
        for s in range(3)
    ]


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
        hold_r = [
            (r["exercise"], r["start_s"], r["end_s"])
            for r in s.truth["reps"]
            if r["exercise"] in HOLDS
        ]
        assert len(hold_w) == 4 * 3
        for (ew, sw, tw), (er, sr, tr) in zip(hold_w, hold_r, strict=True):
            assert ew == er and abs(sw - sr) < 1e-5 and abs(tw - tr) < 1e-5
        assert 0.0 <= ws[0].start_s and ws[-1].end_s <= s.samples.t[-1]


def test_hold_truth_still_holds_stay_within_sway_and_labels_follow_the_tolerance(hold_sessions):
    tol = HoldCriteria().tolerance_deg
    n_ok = n_bad = 0
    for s in hold_sessions:
        for r in s.truth["reps"]:
            if r["exercise"] not in HOLDS:
                continue
            moved = r["max_deviation_deg"] > tol
            assert r["faults"] == (["moved"] if moved else [])
            assert r["verdict"] == ("fail" if moved else "pass")
            if r["injected"] is None:
                assert r["max_deviation_deg"] < 1.2, r  # sway and tremor only
            n_bad += moved
            n_ok += not moved
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
        dev = np.degrees((rot[int(i0)].inv() * rot[int(i0) : int(i1)]).magnitude()).max()
        assert dev == pytest.approx(r["max_deviation_deg"], abs=0.25)


def test_clear_retraction_faults_are_labelled_with_what_was_injected(retraction_sessions):
    """Drawn clearly beyond the threshold (near_share=0), the injected fault is what the head
    did: the rule applied to the motion names it (sway can add a second fault)."""
    seen, hits, n = set(), 0, 0
    for s in retraction_sessions:
        reps = [r for r in s.truth["reps"] if r["exercise"] == "retraction"]
        assert len(reps) == 14 and [r["index"] for r in reps] == list(range(1, 15))
        assert [r["rep"] for r in reps] == list(range(1, 15))
        for r in reps:
            assert r["start_s"] == pytest.approx(r["glide_start_s"], abs=1e-6)
            assert r["end_s"] == pytest.approx(r["return_end_s"], abs=1e-6)
            assert r["glide_start_s"] < r["kept_start_s"] < r["kept_end_s"] < r["return_end_s"]
            if r["injected"]:
                seen.add(r["injected"])
                n += 1
                hits += r["injected"] in r["faults"]
    assert seen == set(RETRACTION_FAULTS)
    assert hits >= 0.95 * n


def test_one_retraction_window_holds_all_reps(retraction_sessions):
    s = retraction_sessions[0]
    (w,) = [w for w in windows(s.events) if w.exercise == "retraction"]
    reps = [r for r in s.truth["reps"] if r["exercise"] == "retraction"]
    assert w.start_s < reps[0]["start_s"] and reps[-1]["end_s"] < w.end_s


def test_retraction_glide_is_seen_in_the_truth_samples(retraction_sessions):
    """The label's displacement is the head centre's in the per-sample truth: kept mean minus
    the mean of the 0.25 s before the onset."""
    s = retraction_sessions[0]
    ts, pos = s.truth_samples.t, s.truth_samples.head_pos
    for r in (r for r in s.truth["reps"] if r["exercise"] == "retraction"):
        before = pos[(ts >= r["glide_start_s"] - 0.25) & (ts <= r["glide_start_s"])].mean(0)
        kept = pos[(ts >= r["kept_start_s"]) & (ts <= r["kept_end_s"])].mean(0)
        d = (kept - before) * 1e3
        assert -d[0] == pytest.approx(r["displacement_mm"]["posterior"], abs=0.3)
        assert d[2] == pytest.approx(r["displacement_mm"]["superior"], abs=0.3)


def test_fault_rate_one_injects_into_every_rep_and_zero_into_none():
    bad = simulate_session(
        SessionConfig(seed=5, fault_rate=1.0, near_share=0.0, hold_reps=2, retraction_reps=4)
    )
    assert all(r["injected"] for r in bad.truth["reps"])
    assert sum(r["verdict"] == "fail" for r in bad.truth["reps"]) >= 0.8 * len(bad.truth["reps"])
    good = simulate_session(SessionConfig(seed=5, hold_reps=2, retraction_reps=4))
    assert not any(r["injected"] for r in good.truth["reps"])


def test_reps_meant_to_be_right_mostly_pass():
    """Correct reps are drawn over the range of real people, so a few fall outside the pass
    rule (a glide of 8-10 mm is too small); holds and stretches done right all pass."""
    n = failed = 0
    for seed in range(4):
        s = simulate_session(SessionConfig(seed=40 + seed, hold_reps=1, retraction_reps=10))
        for r in s.truth["reps"]:
            n += 1
            if r["verdict"] == "fail":
                failed += 1
                assert r["exercise"] == "retraction", r
    assert failed <= 0.2 * n


@pytest.mark.parametrize(
    "fault",
    [None, "not_reached", "wrong_side", "short", "unsteady", "stretch_short", "stretch_unsteady"],
)
def test_stretch_clear_faults(fault):
    s = simulate_session(
        SessionConfig(
            seed=7,
            hold_reps=0,
            retraction_reps=0,
            stretch="stretch_left",
            near_share=0.0,
            faults=(fault,) if fault else (),
        )
    )
    (r,) = [r for r in s.truth["reps"] if r["exercise"].startswith("stretch_")]
    label = {"stretch_short": "short", "stretch_unsteady": "unsteady"}.get(fault, fault)
    assert r["exercise"] == "stretch_left" and r["faults"] == ([label] if fault else [])
    assert r["injected"] == label
    plan = s.plan.reps[-1]
    lat = np.degrees(s.motion.angles(np.arange(plan.start_s, plan.end_s, 0.05))[:, 1])
    if fault == "wrong_side":
        assert r["reached_deg"] < 0 and lat.max() > 10.0  # toward the right shoulder
    else:
        assert lat.min() < -0.5 * abs(r["reached_deg"])  # toward the left shoulder
    crit = StretchCriteria()
    short = r["held_s"] < crit.min_fraction * crit.target_s
    assert short == (fault in ("short", "stretch_short"))


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
