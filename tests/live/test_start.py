"""The start screen (``neckimu`` with no arguments): routines, headsets, the fit check, start.

The fit check is tested on simulated people over many seeds (the mount preset they wear is
known); the screen drives a whole simulated session end to end, offscreen, and the checks are
on counts and results (never on how long anything took).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from neckimu import SAFETY_NOTICE
from neckimu.live.fitcheck import check_fit
from neckimu.live.routine import load_routine
from neckimu.live.simulated_person import session_config
from neckimu.mounts import MOUNTS
from neckimu.samples import SampleBlock

#: Playback speed of the simulated headset in the end-to-end test. The simulated playback
#: keeps every sample and cue at any speed (it slows down when the machine cannot keep up), so
#: the results do not depend on the machine's speed.
SPEED = 8.0


def _person(seed: int, mount: str, script: str = "rest"):
    """A simulated person wearing the headset on ``mount``: sitting still (``rest``) or the
    demo routine (``guided``)."""
    from neckimu.sim import simulate_session

    cfg = session_config(
        load_routine("demo"),
        seed=seed,
        fault_rate=0.3,
        board=("rev1", "rev2")[seed % 2],
        mount=mount,
    )
    if script == "rest":
        cfg = replace(cfg, script="rest", rest_duration_s=12.0)
    return simulate_session(cfg)


# -- routines --------------------------------------------------------------------------------------
#: A short routine (every exercise once, as short as the routine format allows): the
#: simulated person takes ~75 s for it, the demo routine ~120 s.
SHORT = """
name = "short"
description = "every exercise once, briefly (tests)"
lead_in_s = 1.0
rest_s = 1.0
[calibration]
still_s = 2.0
nods = 1
[holds]
reps = 1
hold_s = 3.0
rest_s = 1.0
[retraction]
reps = 1
rep_s = 5.0
[[stretch]]
side = "left"
hold_s = 5.0
"""


@pytest.fixture
def routine_dir(tmp_path):
    d = tmp_path / "routines"
    d.mkdir()
    (d / "short.toml").write_text(SHORT)
    return d


def test_routines_are_listed_with_description_and_length(routine_dir):
    from neckimu.live.start import list_routines, minutes

    (routine_dir / "broken.toml").write_text("[holds\n")
    listed, problems = list_routines(routine_dir)
    routines = {r.routine.name: r for r in listed}
    assert {"demo", "default", "short"} <= set(routines)
    assert [r.duration_s for r in listed] == sorted(r.duration_s for r in listed)
    demo = routines["demo"]
    assert demo.ref == "demo" and demo.duration_s == load_routine("demo").duration_s
    assert "5 retractions" in demo.description and "stretch left 12 s" in demo.description
    assert "10 retractions" in routines["default"].description
    first, second = demo.label.split("\n")
    assert first == f"demo  ·  about {minutes(demo.duration_s)}" and second == demo.description
    assert minutes(124.0) == "2 min" and minutes(40.0) == "40 s"
    short = routines["short"]
    assert short.description == "every exercise once, briefly (tests)"
    assert short.ref == str(routine_dir / "short.toml")
    assert len(problems) == 1 and "broken.toml" in problems[0] and "malformed TOML" in problems[0]
    assert list_routines(routine_dir / "none")[1] == [
        f"{routine_dir / 'none'}: no routine files (*.toml) there"
    ]


# -- the fit check -------------------------------------------------------------------------------
SEEDS = range(6)


@pytest.fixture(scope="module")
def still_people():
    """(mount, seed, the first seconds of a still person) for every mount preset."""
    return [(m, s, _person(s, m)) for m in MOUNTS for s in SEEDS]


def test_fit_check_finds_the_mount_a_still_person_wears(still_people):
    right = 0
    for mount, _seed, sim in still_people:
        f = check_fit(
            sim.samples.between(0.5, 4.5), mount, nominal_rate_hz=sim.device.nominal_rate_hz
        )
        right += f.status == "ok" and f.on and f.still and f.mount == mount
        assert f.tilt_deg is not None and f.tilt_deg <= 26.0  # the simulator tilts up to 25
        assert f.advice[0].startswith("Ready")
    assert right == len(still_people)


def test_fit_check_says_when_another_mount_is_worn(still_people):
    """Gravity tells the top of the head from the forehead and the back of the head; the
    forehead and the back of the head look the same to it (the chosen one is taken)."""
    told = 0
    for mount, _seed, sim in still_people:
        s = sim.samples.between(0.5, 4.5)
        other = "forehead" if mount == "top_of_head" else "top_of_head"
        f = check_fit(s, other, nominal_rate_hz=sim.device.nominal_rate_hz)
        where = "top of the head" if mount == "top_of_head" else "forehead or back of the head"
        told += (
            f.status == "problem"
            and not f.mount_ok
            and f"sits as on the {where}, but" in f.advice[0]
        )
        if mount != "top_of_head":  # the twin preset: judged as the chosen one
            twin = "back_of_head" if mount == "forehead" else "forehead"
            g = check_fit(s, twin, nominal_rate_hz=sim.device.nominal_rate_hz)
            assert g.mount == twin and g.same_up == (mount,) and g.status == "ok"
    assert told == len(still_people)


def test_fit_check_on_a_moving_head_asks_to_keep_still():
    """The nods of the calibration are no still head."""
    moving = 0
    for seed in SEEDS:
        sim = _person(seed, "forehead", script="guided")
        cal = [e.time_s for e in sim.events if e.exercise == "calibrate"]
        nods = sim.samples.between(cal[1] - 6.0, cal[1] - 2.0)  # the middle of the nods
        f = check_fit(nods, "forehead", nominal_rate_hz=sim.device.nominal_rate_hz)
        moving += f.on and not f.still and f.status != "ok"
        assert any("still" in a for a in f.advice)
    assert moving == len(SEEDS)


def test_fit_check_without_data_or_with_losses():
    empty = SampleBlock.concat([])
    f = check_fit(empty, "forehead", nominal_rate_hz=100.0)
    assert not f.on and f.status == "problem" and f.mount is None
    assert f.advice == [f.advice[0]] and "switched on" in f.advice[0]
    assert [good for _q, good, _a in f.lines()] == [False, None, None]

    sim = _person(1, "forehead")
    s = sim.samples.between(0.5, 4.5)
    few = check_fit(s.slice(0, 100), "forehead", nominal_rate_hz=sim.device.nominal_rate_hz)
    assert not few.on and "Only 100 samples" in few.advice[0]
    lossy = check_fit(
        s, "forehead", nominal_rate_hz=sim.device.nominal_rate_hz, missing=len(s) // 4
    )
    assert lossy.on and lossy.status == "check" and lossy.loss_pct == pytest.approx(20.0, 0.01)
    assert any("closer" in a for a in lossy.advice)
    with pytest.raises(ValueError, match="unknown mount"):
        check_fit(s, "chin", nominal_rate_hz=100.0)


def test_fit_check_speed_is_zero_for_a_constant_gyro_bias():
    t = np.arange(400) * 0.01
    acc = np.tile([0.0, 9.81, 0.0], (400, 1))  # board y up: the forehead preset
    gyr = np.tile([0.02, -0.03, 0.01], (400, 1))  # a bias only
    f = check_fit(SampleBlock(t, gyr, acc), "forehead", nominal_rate_hz=100.0)
    assert f.still and f.still_share == 1.0 and np.allclose(f.speed_deg_s, 0.0)
    assert f.mount == "forehead" and f.tilt_deg == pytest.approx(0.0, abs=1e-6)


# -- the screen ----------------------------------------------------------------------------------
def _idle(screen) -> bool:
    return not screen.busy


def test_start_screen_drives_a_simulated_session(qt_clean, tmp_path, routine_dir):
    """Pick a short routine, scan, choose the simulated headset, check the fit, start: the
    session runs in the live window (offscreen it closes at the end) and writes its files."""
    from neckimu.live.start import StartScreen
    from neckimu.recording.reader import read_recording

    qtbot = qt_clean
    out = tmp_path / "out"
    screen = StartScreen(
        out_dir=out, sim_speed=SPEED, scan_s=1.0, scan_on_open=False, routine_dir=routine_dir
    )
    qtbot.addWidget(screen)
    screen.show()
    assert screen.start_button.isEnabled()  # a routine and the simulated headset: ready
    assert SAFETY_NOTICE in screen.safety.text()
    screen.scan_button.click()
    qtbot.waitUntil(lambda: _idle(screen), timeout=60_000)
    sim = [h for h in screen.headsets if h.simulated]
    assert len(sim) == 1 and sim[0].rssi is not None  # found by scanning the bumble radio
    assert screen.headset_list.count() == len(screen.headsets)

    screen.select_routine("short")
    screen.select_headset(None)
    assert "shown after the fit check" in screen.headset_info.text()
    screen.fit_button.click()
    qtbot.waitUntil(lambda: _idle(screen), timeout=60_000)
    fit = screen.fit
    assert fit is not None and fit.status == "ok", fit and fit.advice
    assert fit.mount == "forehead" and fit.samples >= 300
    assert [m.text() for m in screen.finding_marks] == ["✓", "✓", "✓"]
    assert "1.0.0" in screen.headset_info.text() and "Rev2" in screen.headset_info.text()
    assert screen.advice.text().startswith("Ready")

    screen.start_button.click()
    qtbot.waitUntil(lambda: screen.last is not None, timeout=600_000)
    qtbot.waitUntil(lambda: _idle(screen), timeout=10_000)
    last = screen.last
    assert screen.isVisible() and screen.sessions == 1 and screen.start_button.isEnabled()
    assert last.code == 0 and last.error is None, last
    assert last.json_path is not None, "no analysis JSON written"
    assert last.out_dir.parent == out and last.out_dir.name.startswith("session-")
    # the demo command's outputs: recording, analysis JSON, report
    rec = read_recording(last.out_dir / "demo.csv")
    routine = load_routine(routine_dir / "short.toml")
    planned = routine.planned_counts()
    assert len(rec.events) == 2 * sum(planned.values())  # every cue is in the recording
    js = json.loads(last.json_path.read_text())
    assert last.json_path == last.out_dir / "demo.json"
    assert last.report_path is not None and last.report_path.exists()
    exercises = {r["exercise"] for r in js["reps"]}
    assert exercises == set(planned) - {"calibrate"}
    assert js["calibration"]["mount"] == "forehead"
    # what the screen says is what the JSON holds
    passed = sum(r["verdict"] == "pass" for r in js["reps"])
    assert (last.reps, last.passed) == (len(js["reps"]), passed)
    assert f"{len(js['reps'])} reps judged, {passed} passed" in screen.session_status.text()
    assert screen.report_button.isVisibleTo(screen)
    screen.close()


def test_changing_the_mount_judges_a_real_headsets_data_again(qt_clean, tmp_path):
    """A real headset's fit check data is judged again when the mount changes; the mount the
    data fits is offered as one click."""
    from neckimu.live.headsets import Capture, Headset
    from neckimu.live.start import StartScreen

    qtbot = qt_clean
    screen = StartScreen(out_dir=tmp_path, scan_on_open=False)
    qtbot.addWidget(screen)
    real = Headset("neckimu-ABCD", "AA:BB:CC:DD:EE:FF", -70)
    screen.headsets = [real, *screen.headsets]
    screen._fill_headsets()
    screen.select_headset(real.address)
    sim = _person(2, "top_of_head")
    cap = Capture(sim.samples.between(0.5, 4.5), 4.0)
    screen._captured((real, screen.mount, cap))
    assert screen.fit is not None and screen.fit.status == "problem"
    assert screen.use_mount_button.isVisibleTo(screen)
    assert "top of the head" in screen.use_mount_button.text()
    screen.use_mount_button.click()
    assert screen.mount == "top_of_head"
    assert screen.fit.status == "ok" and not screen.use_mount_button.isVisibleTo(screen)
    assert "good (-70 dBm)" in screen.headset_info.text()
    name, argv, out = screen.session_plan()
    assert name == "live" and argv[:2] == ["--device", real.address]
    assert argv[argv.index("--mount") + 1] == "top_of_head" and out.parent == tmp_path
    screen.close()


# -- the command line ------------------------------------------------------------------------------
def test_no_arguments_open_the_start_screen(monkeypatch):
    import neckimu.live.start as start
    from neckimu.cli import main

    seen = {}
    monkeypatch.setattr(start, "run_start_screen", lambda **kw: seen.update(kw) or 0)
    assert main([]) == 0
    assert seen == {"out_dir": None, "sim_speed": 1.0, "scan_s": 5.0, "routine_dir": None}
    assert main(["start", "--routines", "r", "--speed", "2", "--out", "o"]) == 0
    assert seen == {"out_dir": Path("o"), "sim_speed": 2.0, "scan_s": 5.0, "routine_dir": Path("r")}


def test_start_options_are_checked(capsys):
    from neckimu.cli import main

    assert main(["start", "--speed", "0"]) == 2
    err = capsys.readouterr().err
    assert err == "neckimu start: error: --speed must be > 0\n"


def test_no_arguments_without_a_display_print_the_commands(monkeypatch, capsys):
    from neckimu.cli import main

    for var in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    assert main([]) == 2
    out, err = capsys.readouterr()
    assert "demo" in out and "analyze" in out  # the commands, as --help lists them
    assert err.count("\n") == 1 and "no display for the start screen" in err


def test_commands_keep_working(capsys):
    from neckimu.cli import main

    assert main(["scan", "--simulate", "--timeout", "1"]) == 0
    assert "neckimu-" in capsys.readouterr().out
    with pytest.raises(SystemExit) as e:
        main(["--version"])
    assert e.value.code == 0
