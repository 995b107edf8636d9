"""Posture mode: bouts, hysteresis, reminders on synthetic flexion with known answers; the
live monitor gives the offline answers; the command offline and live (simulated headset)."""

import json
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from neckimu.angles import angles_from_rotation
from neckimu.cli import main
from neckimu.posture import (
    PostureCriteria,
    PostureMonitor,
    alert_times,
    bouts,
    posture_over,
    summarize,
)
from neckimu.recording.reader import read_recording
from neckimu.sim import SessionConfig, simulate_session
from neckimu.sim.truth import read_truth

RATE = 50.0


def _desk(rate=RATE):
    t = np.arange(0.0, 600.0, 1.0 / rate)
    f = np.full_like(t, 3.0)
    f[(t >= 100) & (t < 250)] = 30.0  # 150 s slumped
    f[(t >= 300) & (t < 303)] = 40.0  # a 3 s glance down: not a bout
    f[(t >= 400) & (t < 430)] = 27.0  # 30 s
    return t, f


def test_bouts_and_summary_have_the_known_answers():
    t, f = _desk()
    b = bouts(t, f)
    np.testing.assert_allclose(b, [[100, 250 - 1 / RATE], [400, 430 - 1 / RATE]], atol=1e-9)
    s = summarize(t, f)
    assert s["threshold_deg"] == 20.0 and s["alert_after_s"] == 60.0
    assert s["bouts"] == 2 and s["alerts"] == 2  # 150 s -> reminders at 60 s and 120 s
    assert s["alert_times_s"] == [160.0, 220.0]
    assert s["time_beyond_s"] == pytest.approx(180, abs=0.1)
    assert s["longest_bout_s"] == pytest.approx(150, abs=0.1)
    assert s["fraction_beyond"] == pytest.approx(0.3, abs=0.001)


def test_threshold_delay_and_repeat_are_parameters():
    t, f = _desk()
    s = summarize(t, f, PostureCriteria(threshold_deg=28.0, alert_after_s=20.0))
    assert s["bouts"] == 1 and s["alerts"] == 7  # 20, 40, ..., 140 s into the 150 s bout
    s = summarize(t, f, PostureCriteria(alert_after_s=20.0, repeat_s=50.0))
    assert s["alert_times_s"] == [120.0, 170.0, 220.0, 420.0]


def test_hysteresis_and_smoothing_keep_one_bout_around_the_threshold():
    rng = np.random.default_rng(1)
    t = np.arange(0.0, 300.0, 1.0 / RATE)
    f = np.where((t >= 50) & (t < 200), 20.5, 5.0) + rng.normal(0.0, 0.8, len(t))
    f[(t >= 120) & (t < 120.3)] = 0.0  # a 0.3 s glitch (a nod) inside the bout
    b = bouts(t, f)
    assert len(b) == 1 and b[0] == pytest.approx([50, 200], abs=0.6)
    no_h = bouts(t, f, PostureCriteria(hysteresis_deg=0.0, smooth_s=0.0, min_bout_s=0.0))
    assert len(no_h) > 20  # what the hysteresis and the median prevent


def test_alert_times_vectorised():
    crit = PostureCriteria(alert_after_s=60.0, repeat_s=30.0)
    b = np.array([[0.0, 59.9], [100.0, 160.0], [200.0, 319.0], [400.0, 401.0]])
    np.testing.assert_allclose(alert_times(b, crit), [160.0, 260.0, 290.0])
    assert alert_times(np.zeros((0, 2)), crit).shape == (0,)


def test_spans_are_judged_apart():
    t, f = _desk()
    one = posture_over(t, f, [(0.0, 175.0), (175.0, 600.0)])
    np.testing.assert_allclose(one.bouts_s[:2, 0], [100.0, 175.0])  # split at the window edge
    assert one.duration_s == pytest.approx(600 - 2 / RATE)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_live_monitor_gives_the_offline_answers(seed):
    rng = np.random.default_rng(seed)
    t = np.arange(0.0, 900.0, 1.0 / RATE)
    f = np.full_like(t, 3.0)
    for _ in range(12):
        s, d = rng.uniform(0, 880), rng.uniform(1, 200)
        f[(t >= s) & (t < s + d)] = rng.uniform(15, 35)
    f += rng.normal(0.0, 1.5, len(t))
    crit = PostureCriteria(repeat_s=[None, 30.0, 45.0][seed])
    m = PostureMonitor(1.0 / RATE, crit)
    due, i = [], 0
    while i < len(t):
        n = int(rng.integers(1, 400))
        got = m.update(t[i : i + n], f[i : i + n])
        assert all(a <= t[min(i + n, len(t)) - 1] for a in got)  # never ahead of the data
        due += got
        i += n
    due += m.flush()
    b = bouts(t, f, crit)
    np.testing.assert_allclose(np.array(m.bouts).reshape(-1, 2), b)
    np.testing.assert_allclose(due, alert_times(b, crit))
    assert m.time_beyond_s == pytest.approx(float(np.sum(b[:, 1] - b[:, 0])))


def test_live_monitor_reminds_half_a_median_window_after_the_time():
    t, f = _desk()
    m = PostureMonitor(1.0 / RATE)
    when = {}
    for i in range(0, len(t), 25):  # 0.5 s blocks
        for a in m.update(t[i : i + 25], f[i : i + 25]):
            when[a] = float(t[min(i + 24, len(t) - 1)])
    assert list(when) == [160.0, 220.0]
    assert all(0.0 <= when[a] - a <= 1.0 for a in when)
    assert m.alerts == 2 and m.time_beyond_s == pytest.approx(180 - 2 / RATE)


def test_analyze_a_simulated_desk_session_against_its_truth(tmp_path, capsys):
    rec = tmp_path / "desk.csv"
    simulate_session(SessionConfig(script="posture", rest_duration_s=400.0, seed=5)).write(rec)
    out = tmp_path / "p.json"
    assert main(["posture", "--analyze", str(rec), "--json", str(out)]) == 0
    got = json.loads(out.read_text())
    _, ts = read_truth(rec)
    flex = angles_from_rotation(Rotation.from_quat(ts.head_quat, scalar_first=True))[:, 0]
    win = next(w for w in read_recording(rec).events if w.exercise == "posture")
    k = ts.t >= win.time_s
    want = summarize(ts.t[k], flex[k])
    assert got["calibration"] == "gravity+nod" and got["windows"] == "posture"
    assert got["bouts"] == want["bouts"] >= 1
    assert got["time_beyond_s"] == pytest.approx(want["time_beyond_s"], rel=0.05, abs=3.0)
    assert got["alerts"] == want["alerts"]
    # --json -: the same document on standard output, the words on standard error
    capsys.readouterr()
    assert main(["posture", "--analyze", str(rec), "--json", "-"]) == 0
    cap = capsys.readouterr()
    assert json.loads(cap.out) == got and "head forward" in cap.err


def test_live_on_the_simulated_headset(tmp_path, capsys):
    rec = tmp_path / "live.csv"
    assert (
        main(
            [
                "posture",
                "--simulate",
                "--duration",
                "150",
                "--speed",
                "25",
                "--seed",
                "3",
                "--out",
                str(rec),
                "--alert-after",
                "20",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "head forward (> 20 deg)" in out and "reminders (after 20 s)" in out
    r = read_recording(rec)
    kinds = [(e.event, e.exercise) for e in r.events]
    assert kinds == [
        ("start", "calibrate"),
        ("end", "calibrate"),
        ("start", "posture"),
        ("end", "posture"),
    ]
    assert "created" in r.meta


#: a recording that exists (the argument under test is the mount)
EXAMPLE_REC = Path(__file__).resolve().parents[1] / "recordings" / "example_forehead.csv"


@pytest.mark.parametrize(
    "argv, expect",
    [
        (["--analyze", "nope.csv"], "cannot read"),
        (["--analyze", "x.csv", "--threshold", "-3"], "--threshold"),
        (["--analyze", "x.csv", "--alert-after", "2"], "min_bout_s"),
        (["--simulate", "--duration", "0", "--out", "x.csv"], "--duration"),
        (["--simulate", "--out", "no/such/dir/x.csv"], "does not exist"),
        (["--analyze", str(EXAMPLE_REC), "--mount", "chin"], "unknown mount 'chin'"),
        (["--simulate", "--json", "-"], "only with --analyze"),
    ],
)
def test_bad_arguments_are_one_line_exit_2(capsys, argv, expect):
    assert main(["posture", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and expect in err and "Traceback" not in err
