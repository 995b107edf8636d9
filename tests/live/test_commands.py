"""``neckimu demo --headless``, ``replay --headless`` and their one-line errors."""

from __future__ import annotations

import itertools
import json
import re

import pytest

from neckimu.cli import main
from tests.live.conftest import EXAMPLE


def test_demo_headless_writes_recording_json_and_report(tmp_path, capsys):
    """... and a picture of the window taken during the session does not end it (the
    offscreen window was closed, which stops the session: a tester's demo ended 5 s after
    its ``--screenshot-at``)."""
    out = tmp_path / "demo"
    shot = ["--screenshot", str(out / "shot.png"), "--screenshot-at", "10"]
    code = main(
        ["demo", "--headless", "--speed", "12", "--duration", "40", "--out", str(out), *shot]
    )
    text = capsys.readouterr().out
    assert code == 0
    assert (out / "shot.png").stat().st_size > 10_000
    # taken at the first look at or after 10 s of session time (how much after depends on how
    # busy the machine is: only the session time's lower bound is asserted)
    taken = re.search(r"screenshot at 00:(\d\d) session time", text)
    assert taken and int(taken.group(1)) >= 10, text
    assert "Safety: neckimu is a training aid" in text
    assert "hold flexion: Palm on the forehead" in text
    assert (out / "demo.csv").exists()
    js = json.loads((out / "demo.json").read_text())
    assert [r["exercise"] for r in js["reps"]][:2] == ["hold_flexion", "hold_extension"]
    assert (out / "demo.png").exists() or any(out.glob("*.html"))
    # the cues are events in the recording: `neckimu analyze` finds the same reps
    from neckimu.pipeline import analyze
    from neckimu.recording.reader import read_recording

    rec = read_recording(out / "demo.csv")
    assert rec.samples.t[-1] > 38.0  # the session ran to its --duration
    reps = analyze(rec).reps
    assert [r.message() for r in reps] == [r["message"] for r in js["reps"]]
    # the source stored the head-frame calibration once the file was closed
    assert rec.meta["calibration"]["method"] == "gravity+nod"


def test_replay_headless_json_equals_analyze(tmp_path, capsys, example_analysis):
    code = main(["replay", str(EXAMPLE), "--speed", "max", "--headless", "--out", str(tmp_path)])
    assert code == 0
    js = json.loads((tmp_path / "example_forehead.json").read_text())
    assert [r["message"] for r in js["reps"]] == [r.message() for r in example_analysis.reps]
    out = capsys.readouterr().out  # a replay judges the whole file, however far it played
    assert f"final verdicts of the whole recording ({len(example_analysis.reps)} reps" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["replay", "nonexistent.csv", "--headless"],
        ["demo", "--headless", "--routine", "{bad}.toml"],
        ["replay", str(EXAMPLE), "--screenshot", "shot.jpg"],
        ["demo", "--headless", "--fault-rate", "3", "--out", "new/demo"],
    ],
)
def test_bad_input_is_one_line_exit_2(argv, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "{bad}.toml").write_text("[holds\n")
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "error:" in err and "Traceback" not in err
    assert not (tmp_path / "new").exists()  # refused before any output folder is made


@pytest.mark.parametrize("command", ["demo", "live"])
def test_the_old_protocol_option_names_its_new_name(command, capsys):
    from neckimu.cli import main

    with pytest.raises(SystemExit) as e:
        main([command, "--protocol", "demo"])
    assert e.value.code == 2
    assert "--protocol is now called --routine" in capsys.readouterr().err


def _stamp(line: str) -> float:
    m, s = line[1:6].split(":")
    return 60 * int(m) + int(s)


def test_replay_max_speed_prints_every_cue_at_its_own_time(capsys, example_analysis):
    """``--speed max`` printed ``[00:25] hold flexion`` for a cue at 19.5 s and missed cues
    that came between two looks at the session."""
    from neckimu.recording.reader import read_recording

    assert main(["replay", str(EXAMPLE), "--speed", "max", "--headless"]) == 0
    lines = capsys.readouterr().out.splitlines()
    events = sorted(read_recording(EXAMPLE).events, key=lambda e: e.time_s)
    for ev in events:  # each cue, stamped with its own time (whole seconds, as printed)
        name = ev.exercise.replace("_", " ") if ev.event == "start" else "rest"
        stamp = f"[{int(ev.time_s) // 60:02d}:{int(ev.time_s) % 60:02d}] {name}: "
        assert any(ln.startswith(stamp) for ln in lines), stamp
    # the times never go back; every verdict stamped with the end of its rep, or with the
    # line before it when that one came later (a verdict is final seconds after its rep),
    # and then, from LATE_S on, saying when its rep ended
    stamped = [ln for ln in lines if ln.startswith("[")]
    assert all(_stamp(a) <= _stamp(b) for a, b in itertools.pairwise(stamped))
    for rep in example_analysis.reps:
        k = next(k for k, ln in enumerate(stamped) if f"]   {rep.message()}" in ln)
        before = _stamp(stamped[k - 1]) if k else 0
        assert _stamp(stamped[k]) == max(int(rep.end_s), before), (rep.message(), stamped[k])
        end = f"{int(rep.end_s) // 60:02d}:{int(rep.end_s) % 60:02d}"
        late = stamped[k].endswith(f"{rep.message()} (rep ended {end})")
        assert late or stamped[k].endswith(rep.message()), stamped[k]
        assert not late or _stamp(stamped[k]) > rep.end_s + 4, stamped[k]


def test_replay_max_speed_takes_the_screenshot_at_its_time(tmp_path, capsys):
    """``--screenshot-at 60`` at ``--speed max`` took the picture at 01:05 or 01:00, as the
    loop happened to look; the playback now waits for it."""
    shot = tmp_path / "at60.png"
    argv = ["replay", str(EXAMPLE), "--speed", "max", "--headless", "--screenshot", str(shot)]
    assert main([*argv, "--screenshot-at", "60"]) == 0
    out = capsys.readouterr().out
    assert f"screenshot at 01:00 session time: {shot}" in out and shot.stat().st_size > 0


def test_replay_start_prints_nothing_before_it_as_played(capsys, example_analysis):
    """``--start 100`` printed the calibrate cue and the verdicts from 0 s as if played."""
    start = 100.0
    assert main(["replay", str(EXAMPLE), "--speed", "max", "--headless", "--start", "100"]) == 0
    lines = capsys.readouterr().out.splitlines()
    played = [ln for ln in lines if ln.startswith("[")]
    assert "replay from here" in played[0]
    before = [r for r in example_analysis.reps if r.end_s < start]
    assert not any("calibrate" in ln for ln in played)
    cues = [ln for ln in played[1:] if ":" in ln[7:] and not ln[7:].startswith("  ")]
    assert all(_stamp(ln) >= start for ln in cues[1:])  # [0]: the cue in force at 100 s
    for rep in before:  # in the final verdicts only
        assert sum(ln.endswith(rep.message()) for ln in lines) == 1


@pytest.mark.parametrize("start", ["9999", "-1"])
def test_replay_start_outside_the_recording_is_an_error(start, capsys):
    assert main(["replay", str(EXAMPLE), "--headless", "--start", start]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--start" in err


def test_live_sessions_into_one_folder_each_keep_their_report(tmp_path, capsys):
    """Every output needs --force over an existing file; ``live`` writes a new recording per
    session, and its report into the session's own folder, so a second session into the
    same ``--out`` needs no --force and overwrites nothing of the first."""
    out = tmp_path / "live"
    argv = ["live", "--simulate", "--headless", "--no-sound", "--routine", "demo"]
    argv += ["--speed", "12", "--duration", "8", "--out", str(out)]
    assert main(argv) == 0
    first = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert main(argv) == 0, capsys.readouterr().err
    assert all(p.read_bytes() == b for p, b in first.items())  # nothing of the first changed
    assert len(list(out.glob("session-*.csv"))) == 2
    assert len(list(out.glob("session-*-report/index.html"))) == 2
    assert not (out / "index.html").exists()


def test_make_run_command_accepts_outputs_inside_the_out_folder_it_creates(tmp_path):
    """`make run` (README's first command) asks for a screenshot inside the --out folder
    that demo itself creates; the output checks, which run before anything is created, must
    accept it (a fresh clone's `make run` failed with "folder 'out/demo' does not exist")."""
    import re
    import shlex
    from pathlib import Path

    from neckimu.errors import NeckimuError
    from neckimu.live.app import check_png, check_wav

    make = (Path(__file__).parents[2] / "Makefile").read_text()
    recipe = re.search(r"^run:.*\n\t(.+)$", make, re.M).group(1)
    argv = shlex.split(recipe)
    out = tmp_path / argv[argv.index("--out") + 1]
    shot = tmp_path / argv[argv.index("--screenshot") + 1]
    assert shot.parent == out and not out.exists()
    assert check_png(str(shot), creates=out) == shot
    assert check_wav(str(out / "a.wav"), creates=out) == out / "a.wav"
    with pytest.raises(NeckimuError, match="does not exist"):
        check_png(str(tmp_path / "elsewhere" / "w.png"), creates=out)
