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
