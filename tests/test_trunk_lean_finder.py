"""The retraction rep finder sees a lean of the trunk as the excursion it is (issue 15).

A slow lean with the gaze level hardly turns the head and moves it too slowly for the
integrated acceleration to see; with a trunk board the finder also compares the stations on
the trunk's carry of the head centre (its gyro, no integration), so the leaning rep's kept
position is the station the trunk leaned to. Simulated two-sensor sessions (seeds used by
no other test and by no bench); simulation only.
"""

from __future__ import annotations

import numpy as np
import pytest

from neckimu import pipeline
from neckimu.recording.model import Recording
from neckimu.sim import SessionConfig, simulate_session
from neckimu.verify.context import Context
from neckimu.verify.retraction import verify_retraction_set

SEEDS = range(7600, 7612)
#: A found kept station counts as the true one within this much of it, s (a kept position
#: of a fraction of a second is found at the movement's turning point, a little off).
NEAR_S = 0.5


def _kept_found(seed: int) -> tuple[int, int]:
    """Leaning reps (truth ``trunk_lean``) of one session and how many of them the rep finder
    found with their kept station."""
    cfg = SessionConfig(
        seed=seed,
        trunk=True,
        faults=("trunk_lean",),
        fault_rate=0.6,
        retraction_reps=8,
        board=("rev1", "rev2")[seed % 2],
        mount=("forehead", "back_of_head", "top_of_head")[seed % 3],
        trunk_mount=("between_shoulder_blades", "collar")[seed % 2],
    )
    sim = simulate_session(cfg)  # in memory: the file round trip is tested elsewhere
    rec = Recording(
        sim.samples,
        sim.events,
        list(sim.gaps),
        {**sim.meta, "trunk": sim.trunk.meta},
        "sim",
        trunk=sim.trunk.samples,
    )
    truth = sim.truth
    # what analyze gives the verifiers (its causal filter and calibration), without the
    # offline filter and the angles it computes for showing
    causal = pipeline.estimate_causal(rec.samples, pipeline.filter_period(rec.meta, rec.samples.t))
    wins = pipeline.windows(rec.events)
    cal_win = next(w for w in wins if w.exercise == "calibrate")
    cal = pipeline.calibrate(rec.samples, causal, cal_win, mount=rec.meta.get("mount"))
    assert rec.trunk is not None
    ctx = Context(rec.samples, causal.quat, causal.bias, causal.ts, cal, meta=rec.meta)
    ctx.trunk_rate = pipeline._judging_trunk(rec, cal).rate_in_head(ctx.t, ctx.quat, cal)
    found = [
        r.kept_s
        for w in wins
        if w.exercise == "retraction"
        for r in verify_retraction_set(ctx, w)
        if r.kept_s is not None
    ]
    lean = [r for r in truth["reps"] if "trunk_lean" in r["faults"]]
    hits = 0
    for tr in lean:
        ph = tr["detail"]["phases_s"]
        a, b = ph["kept_start_s"], ph["kept_end_s"]
        hits += any(min(b, k[1]) - max(a, k[0]) > -NEAR_S for k in found)
    return len(lean), hits


@pytest.mark.slow
def test_leaning_reps_are_found_with_the_station_the_trunk_leaned_to():
    counts = np.array([_kept_found(seed) for seed in SEEDS])
    n, hits = counts.sum(axis=0)
    assert n >= 30  # enough leaning reps for a rate
    # the finder without the trunk's carry: 33 of 37 (0.89) on these sessions (a lean seen
    # by no integration pairs the rest with a later station); with it 35 of 37
    assert hits / n >= 0.92, (hits, n)


def test_a_rep_starts_at_the_last_rest_whatever_the_breathing():
    """With a trunk board the rep finder compares stations on the trunk's carry too; a
    station that is still at the rest pose (head within the fidget sizes) starts the rep even
    when breathing and sway turned the trunk a few millimetres at the head since the station
    before — only a carry beyond ``carry_error_mm`` (a lean) keeps the earlier rest. Seed
    9015's second rep started at the previous rep's return (3.3 s early) before this, and its
    trunk's part read 2.0 mm for a lean of 8.4 mm. Hand-built station poses (mm)."""
    from types import SimpleNamespace

    from neckimu.verify.retraction import RepFinding, _last_at_rest, _Station

    f = RepFinding()
    view = SimpleNamespace(finding=f, head=lambda st, last_s=None: np.eye(3))
    stations = [_Station(0, 10), _Station(20, 30), _Station(40, 50)]  # rest?, rest?, kept

    def start(head_mm: float, carry_mm: float) -> int:
        poses = np.array([[0.0, 0.0, 0.0, 0.0], [head_mm, 0.0, carry_mm, 0.0], [-20, 5, 0, 0]])
        return _last_at_rest(view, stations, 0, 2, poses)

    assert start(0.5, 4.0) == 1  # breathing-sized carry: the later station is the rest
    assert start(0.5, f.carry_error_mm - 0.5) == 1
    assert start(0.5, f.carry_error_mm + 0.5) == 0  # the trunk leaned: not the rest
    assert start(f.min_excursion_mm + 0.5, 0.0) == 0  # the head moved: not the rest
    single = np.array([[0.0, 0.0], [0.5, 0.0], [-20.0, 5.0]])  # one board: as before
    assert _last_at_rest(view, stations, 0, 2, single) == 1
