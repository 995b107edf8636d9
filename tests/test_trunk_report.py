"""Report and analysis JSON with a trunk sensor (issue 15): the trunk's inclination beside
the neck angles; nothing of it without a trunk."""

from __future__ import annotations

import dataclasses

from neckimu.report.record import analyse_recording
from neckimu.sim import SessionConfig, simulate_session


def test_report_record_shows_trunk_beside_neck(tmp_path):
    s = simulate_session(
        SessionConfig(seed=6401, trunk=True, retraction_reps=2, hold_reps=1, rest_duration_s=10.0)
    )
    two, one = tmp_path / "two.csv", tmp_path / "one.csv"
    s.write(two)
    dataclasses.replace(s, trunk=None).write(one)
    (tmp_path / "r2").mkdir()
    (tmp_path / "r1").mkdir()
    r2 = analyse_recording(two, tmp_path / "r2")
    r1 = analyse_recording(one, tmp_path / "r1")
    assert "trunk.png" in [f.file for f in r2.figures]
    assert (tmp_path / "r2" / "trunk.png").stat().st_size > 1000
    tr = r2.analysis["trunk"]
    assert set(tr["inclination_summary"]) == {"forward", "right"}
    assert set(tr["head_angles_summary"]) == set(r2.analysis["angles_summary"])
    assert "trunk.png" not in [f.file for f in r1.figures] and "trunk" not in r1.analysis


def test_export_and_plot_say_the_angles_are_the_necks(tmp_path, capsys):
    """A two-sensor recording's export has the neck angles, then the head against the room and
    the trunk's inclination (named); its plot labels the neck and draws the trunk."""
    import matplotlib.figure
    import numpy as np
    import pandas as pd

    from neckimu._commands.export import COLUMNS, TRUNK_COLUMNS
    from neckimu.cli import main

    s = simulate_session(
        SessionConfig(seed=6402, trunk=True, retraction_reps=2, hold_reps=1, rest_duration_s=10.0)
    )
    two, one = tmp_path / "two.csv", tmp_path / "one.csv"
    s.write(two)
    dataclasses.replace(s, trunk=None).write(one)
    for rec, cols in ((two, COLUMNS + TRUNK_COLUMNS), (one, COLUMNS)):
        out = tmp_path / f"{rec.stem}.angles.csv"
        assert main(["export", str(rec), "--out", str(out)]) == 0
        df = pd.read_csv(out)
        assert tuple(df.columns) == cols
    assert "are the neck's" in capsys.readouterr().out
    df = pd.read_csv(tmp_path / "two.angles.csv")
    # the neck is the head relative to the trunk: where the trunk leans, they differ
    assert np.abs(df["trunk_forward_deg"]).max() > 3
    labels = []
    orig = matplotlib.figure.Figure.savefig

    def keep_labels(fig, *a, **k):
        labels.extend(ax.get_ylabel() for ax in fig.axes)
        return orig(fig, *a, **k)

    matplotlib.figure.Figure.savefig = keep_labels
    try:
        assert main(["analyze", str(two), "--plot", str(tmp_path / "two.png")]) == 0
        assert main(["analyze", str(one), "--plot", str(tmp_path / "one.png")]) == 0
    finally:
        matplotlib.figure.Figure.savefig = orig
    two_labels, one_labels = labels[:4], labels[4:]
    assert all(lab.startswith("neck ") for lab in two_labels[:3])
    assert two_labels[3].startswith("trunk inclination")
    assert len(one_labels) == 3 and not any("neck" in lab for lab in one_labels)


def test_report_posture_is_the_heads_with_the_split(tmp_path):
    """A slouching desk session with a trunk board: the report's "head tilted forward" is the
    head's inclination against the room, as `neckimu posture` measures it, not the neck's
    flexion (a tester's slouching session read 0 %), and the split says to fix the trunk."""
    from neckimu.report.sections import _posture_split

    cfg = SessionConfig(
        seed=4730,
        script="posture",
        rest_duration_s=150.0,
        trunk=True,
        faults=("slouch",),
        slouch_share=1.0,
    )
    path = tmp_path / "desk.csv"
    simulate_session(cfg).write(path)
    (tmp_path / "r").mkdir()
    p = analyse_recording(path, tmp_path / "r").posture
    assert p is not None and "trunk" in p
    head = p["trunk"]["head_inclination"]
    assert p["fraction_beyond"] == head["fraction_beyond"] > 0.2
    assert p["trunk"]["neck_flexion"]["fraction_beyond"] < 0.5 * head["fraction_beyond"]
    assert p["trunk"]["fix"] == "trunk"
    text = _posture_split(p["trunk"])
    assert "To fix:" in text and "slouching" in text
