import json

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from neckimu.angles import angles_from_rotation
from neckimu.cli import main
from neckimu.posture import PostureCriteria, PostureMonitor, bouts, summarize
from neckimu.sim import SessionConfig, simulate_session
from neckimu.sim.truth import read_truth


def _desk(rate=50.0):
    t = np.arange(0.0, 600.0, 1.0 / rate)
    f = np.full_like(t, 3.0)
    f[(t >= 100) & (t < 250)] = 30.0  # 150 s slumped
    f[(t >= 300) & (t < 303)] = 40.0  # a 3 s glance down: not a bout
    f[(t >= 400) & (t < 430)] = 27.0  # 30 s
    return t, f


def test_bouts_and_summary_have_the_known_answers():
    t, f = _desk()
    b = bouts(t, f)
    np.testing.assert_allclose(b, [[100, 250], [400, 430]], atol=0.6)
    s = summarize(t, f)
    assert s["bouts"] == 2 and s["alerts"] == 2  # 150 s -> two 60 s reminders; 30 s -> none
    assert s["time_beyond_s"] == pytest.approx(180, abs=1.5)
    assert s["longest_bout_s"] == pytest.approx(150, abs=1)
    assert s["fraction_beyond"] == pytest.approx(0.3, abs=0.01)


def test_threshold_and_alert_delay_are_parameters():
    t, f = _desk()
    s = summarize(t, f, PostureCriteria(threshold_deg=28.0, alert_after_s=20.0))
    assert s["bouts"] == 1 and s["alerts"] == 7


def test_live_monitor_reminds_after_the_sustained_period():
    t, f = _desk()
    m = PostureMonitor()
    times = [float(t[i + 24]) for i in range(0, len(t), 25)
             if m.update(t[i:i + 25], f[i:i + 25])]
    assert times == pytest.approx([160.0, 220.0], abs=1.0)  # decided per 0.5 s block
    assert m.alerts == 2
    assert m.time_beyond_s == pytest.approx(150 + 3 + 30, abs=2)


def test_analyze_a_simulated_desk_session_against_its_truth(tmp_path):
    rec = tmp_path / "desk.csv"
    simulate_session(SessionConfig(script="posture", rest_duration_s=400.0, seed=5)).write(rec)
    out = tmp_path / "p.json"
    assert main(["posture", "--analyze", str(rec), "--json", str(out)]) == 0
    got = json.loads(out.read_text())
    _, ts = read_truth(rec)
    flex = angles_from_rotation(Rotation.from_quat(ts.head_quat[:, [1, 2, 3, 0]]))[:, 0]
    k = ts.t > 14.0  # the posture window starts after the calibration
    want = summarize(ts.t[k], flex[k])
    assert got["calibration"] == "gravity+nod"
    assert got["bouts"] == want["bouts"] >= 1
    assert got["time_beyond_s"] == pytest.approx(want["time_beyond_s"], rel=0.05, abs=3.0)


def test_bad_arguments(capsys):
    assert main(["posture", "--analyze", "nope.csv"]) == 2
    assert "cannot read" in capsys.readouterr().err
    assert main(["posture", "--analyze", "x.csv", "--threshold", "-3"]) == 2
