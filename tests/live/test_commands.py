"""``neckimu demo --headless``, ``replay --headless`` and their one-line errors."""

from __future__ import annotations

import json

import pytest

from neckimu.cli import main
from tests.live.conftest import EXAMPLE


def test_demo_headless_writes_recording_json_and_report(tmp_path, capsys):
    out = tmp_path / "demo"
    code = main(["demo", "--headless", "--speed", "12", "--duration", "40", "--out", str(out)])
    text = capsys.readouterr().out
    assert code == 0
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
    reps = analyze(rec).reps
    assert [r.message() for r in reps] == [r["message"] for r in js["reps"]]
    # the source stored the head-frame calibration once the file was closed
    assert rec.meta["calibration"]["method"] == "gravity+nod"


def test_replay_headless_json_equals_analyze(tmp_path, capsys, example_analysis):
    code = main(["replay", str(EXAMPLE), "--speed", "max", "--headless", "--out", str(tmp_path)])
    assert code == 0
    js = json.loads((tmp_path / "example_forehead.json").read_text())
    assert [r["message"] for r in js["reps"]] == [r.message() for r in example_analysis.reps]
    assert f"final verdicts ({len(example_analysis.reps)} reps" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [
        ["replay", "nonexistent.csv", "--headless"],
        ["demo", "--headless", "--routine", "{bad}.toml"],
        ["replay", str(EXAMPLE), "--screenshot", "shot.jpg"],
    ],
)
def test_bad_input_is_one_line_exit_2(argv, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "{bad}.toml").write_text("[holds\n")
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "error:" in err and "Traceback" not in err


@pytest.mark.parametrize("command", ["demo", "live"])
def test_the_old_protocol_option_names_its_new_name(command, capsys):
    from neckimu.cli import main

    with pytest.raises(SystemExit) as e:
        main([command, "--protocol", "demo"])
    assert e.value.code == 2
    assert "--protocol is now called --routine" in capsys.readouterr().err
