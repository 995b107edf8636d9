"""``neckimu simulate`` on the command line."""

from __future__ import annotations

import pytest

from neckimu.cli import main
from neckimu.recording.reader import read_recording
from neckimu.sim.truth import read_truth


def test_simulate_writes_recording_and_truth(tmp_path, capsys):
    out = tmp_path / "rec.csv"
    rc = main(
        [
            "simulate",
            "--out",
            str(out),
            "--seed",
            "4",
            "--mount",
            "top_of_head",
            "--faults",
            "creep,too_small",
            "--hold-reps",
            "1",
            "--retraction-reps",
            "3",
        ]
    )
    assert rc == 0
    assert str(out) in capsys.readouterr().out
    rec = read_recording(out)
    truth, ts = read_truth(out)
    assert rec.meta["mount"] == "top_of_head" and truth["seed"] == 4
    assert len(ts.t) == len(rec.samples)
    assert {e.exercise for e in rec.events} >= {"calibrate", "retraction", "hold_left"}
    assert (tmp_path / "rec.truth.json").exists() and (tmp_path / "rec.truth.csv.gz").exists()


def test_simulate_stretch_routine(tmp_path, capsys):
    out = tmp_path / "st.csv"
    assert (
        main(
            [
                "simulate",
                "--out",
                str(out),
                "--script",
                "stretch",
                "--stretch-reps",
                "4",
                "--faults",
                "wrong_side,unsteady",
                "--near-share",
                "0",
            ]
        )
        == 0
    )
    truth, _ = read_truth(out)
    assert [r["exercise"][8:] for r in truth["reps"]] in (
        ["left", "right"] * 2,
        ["right", "left"] * 2,
    )
    assert {r["injected"] for r in truth["reps"]} == {None, "wrong_side", "unsteady"}
    assert "4 reps (2 with injected mistakes" in capsys.readouterr().out
    assert (tmp_path / "st.events.csv").exists()


def test_simulate_gzip_output(tmp_path):
    out = tmp_path / "rec.csv.gz"
    assert (
        main(
            [
                "simulate",
                "--out",
                str(out),
                "--hold-reps",
                "0",
                "--retraction-reps",
                "1",
                "--board",
                "rev2",
                "--rate",
                "200",
            ]
        )
        == 0
    )
    assert read_recording(out).meta["nominal_rate_hz"] == 200.0
    assert (tmp_path / "rec.truth.json").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["--faults", "bogus"],
        ["--mount", "chin"],
        ["--board", "rev9"],
        ["--rate", "50"],
        ["--fault-rate", "1.5"],
        ["--script", "yoga"],
        ["--near-share", "2"],
        ["--stretch-hold-s", "0"],
        ["--stretch-hold-s", "-5"],
        ["--stretch-hold-s", "nan"],
    ],
)
def test_bad_arguments_exit_2_with_one_line(tmp_path, capsys, args):
    rc = main(["simulate", "--out", str(tmp_path / "r.csv"), *args])
    err = capsys.readouterr().err
    assert rc == 2
    assert err.count("\n") == 1 and err.startswith("neckimu simulate: error:")
    assert not (tmp_path / "r.csv").exists()


def test_bad_out_path_exit_2(tmp_path, capsys):
    assert main(["simulate", "--out", str(tmp_path / "r.txt")]) == 2
    assert main(["simulate", "--out", str(tmp_path / "nope" / "r.csv")]) == 2
    assert capsys.readouterr().err.count("\n") == 2


def test_help_names_every_fault_and_routine(capsys):
    """The --faults help is written out (help imports no numpy): it must not go stale."""
    from neckimu.sim.faults import FAULTS

    with pytest.raises(SystemExit):
        main(["simulate", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    missing = [f for f in FAULTS if f not in text]
    assert missing == []
    assert all(r in text for r in ("guided:", "stretch:", "rom:", "posture:"))


@pytest.mark.parametrize(
    "routine, fault, where",
    [
        ("guided", "slouch", "posture"),
        ("posture", "trunk_lean", "guided"),
        ("stretch", "too_small", "guided"),
        ("rom", "unsteady", "guided or stretch"),
    ],
)
def test_a_fault_the_routine_has_no_rep_for_is_one_line(tmp_path, capsys, routine, fault, where):
    """``--faults slouch`` in a guided session injected nothing, without a word."""
    out = tmp_path / "x.csv"
    argv = ["simulate", "--trunk", "--routine", routine, "--faults", fault, "--out", str(out)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"use --routine {where}" in err
    assert not out.exists()


def test_posture_routine_takes_a_duration(tmp_path):
    """The desk work lasted 60 s whatever was asked: too short for a slump to show."""
    out = tmp_path / "desk.csv"
    argv = ["simulate", "--trunk", "--routine", "posture", "--faults", "slouch"]
    assert main([*argv, "--duration", "240", "--seed", "3", "--out", str(out)]) == 0
    rec = read_recording(out)
    assert 240.0 <= rec.samples.duration_s < 300.0
    assert rec.trunk is not None
