"""The simulated range-of-motion routine: who the people are, what they do, and its truth."""

from __future__ import annotations

import json

import numpy as np
import pytest

from neckimu.cli import main
from neckimu.recording.events import windows
from neckimu.recording.reader import read_recording
from neckimu.sim import SessionConfig, simulate_session
from neckimu.sim.ranges import RomRanges
from neckimu.sim.script import ScriptConfig, build_rom, rom_person
from neckimu.verify.reps import ROM_DIRECTIONS

RR = RomRanges()


def test_people_are_drawn_from_the_literature_ranges():
    """Healthy ranges per direction, 5-20 deg less with neck pain (about 40 % of people),
    and left and right not the same."""
    rng = np.random.default_rng(7)
    people = [rom_person(rng, RR) for _ in range(400)]
    pain = np.array([p for _, p in people])
    assert 0.33 < pain.mean() < 0.47
    deg = {d: np.array([r[d] for r, _ in people]) for d in ROM_DIRECTIONS}
    healthy = {
        "flexion": RR.flexion_deg,
        "extension": RR.extension_deg,
        "lateral_left": RR.lateral_deg,
        "rotation_left": RR.rotation_deg,
    }
    for d, (lo, hi) in healthy.items():
        x = deg[d][~pain]
        assert lo * 0.95 <= x.min() and x.max() <= hi * 1.05, d
        assert deg[d][pain].mean() < x.mean() - 5.0, d  # neck pain: less range
    lat = np.abs(deg["lateral_left"] - deg["lateral_right"])
    rot = np.abs(deg["rotation_left"] - deg["rotation_right"])
    assert np.median(lat) > 1.0 and np.median(rot) > 1.0 and (rot > 8.0).mean() > 0.05
    assert rot[pain].mean() > 1.5 * rot[~pain].mean()  # more asymmetric with neck pain


def test_one_movement_per_cue_each_direction_twice():
    cfg = ScriptConfig()
    plan = build_rom(cfg, np.random.default_rng(3))
    (rep,) = plan.reps
    assert [(k, e) for _, k, e in plan.events] == [
        ("start", "calibrate"),
        ("end", "calibrate"),
        ("start", "rom"),
        ("end", "rom"),
    ]
    start = plan.events[2][0]
    moves = rep.targets["movements"]
    assert [m["direction"] for m in moves] == [d for d in ROM_DIRECTIONS for _ in range(2)]
    for k, m in enumerate(moves):
        cue = start + cfg.rom_lead_s + k * cfg.rom_move_s
        onset = rep.phases[f"{m['direction']}_{m['rep']}_onset_s"]
        assert cue + RR.reaction_s[0] - 1e-9 <= onset <= cue + RR.reaction_s[1] + 1e-9
        person = rep.targets["person_rom_deg"][m["direction"]]
        assert RR.reach_fraction[0] * person <= m["angle_deg"] <= person
    assert plan.events[3][0] == pytest.approx(start + cfg.rom_lead_s + 12 * cfg.rom_move_s)


@pytest.mark.parametrize("seed", range(6))
def test_truth_is_the_largest_angle_the_head_reached(seed):
    """Truth is measured from the head's motion (sway included): the deepest commanded
    movement per direction, within the sway and the rests' small offsets."""
    s = simulate_session(SessionConfig(seed=seed, script="rom"))
    (rep,) = [r for r in s.truth["reps"] if r["exercise"] == "rom"]
    assert s.truth["rom_deg"] == rep["rom_deg"] and rep["verdict"] == "pass"
    moves = rep["detail"]["commanded"]["movements"]
    for d in ROM_DIRECTIONS:
        deepest = max(m["angle_deg"] for m in moves if m["direction"] == d)
        assert rep["rom_deg"][d] == pytest.approx(deepest, abs=1.0), d
    (w,) = [w for w in windows(s.events) if w.exercise == "rom"]
    assert (w.start_s, w.end_s) == pytest.approx((rep["start_s"], rep["end_s"]), abs=1e-3)


def test_simulate_routine_rom_writes_truth_with_rom_deg(tmp_path, capsys):
    out = tmp_path / "rom.csv"
    assert main(["simulate", "--routine", "rom", "--out", str(out), "--seed", "5"]) == 0
    printed = capsys.readouterr().out
    assert "true range of motion, deg: flexion" in printed
    truth = json.loads((tmp_path / "rom.truth.json").read_text())
    assert list(truth["rom_deg"]) == list(ROM_DIRECTIONS)
    assert truth["session_kind"] == "rom"
    assert {e.exercise for e in read_recording(out).events} == {"calibrate", "rom"}
    # the old option name still works
    again = tmp_path / "again.csv"
    assert main(["simulate", "--script", "rom", "--out", str(again), "--seed", "5"]) == 0
    assert json.loads((tmp_path / "again.truth.json").read_text())["rom_deg"] == truth["rom_deg"]


def test_unknown_routine_is_one_line(tmp_path, capsys):
    assert main(["simulate", "--routine", "yoga", "--out", str(tmp_path / "r.csv")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--routine must be guided, stretch, rom or posture" in err


def test_bad_rom_settings_are_refused():
    with pytest.raises(ValueError, match="unknown rom direction"):
        SessionConfig(script="rom", rom_directions=("sideways",)).check()
    with pytest.raises(ValueError, match="rom_move_s >= 3"):
        SessionConfig(script="rom", rom_move_s=1.0).check()
