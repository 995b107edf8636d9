"""No command overwrites an existing file without ``--force``, and none overwrites an input
even with it (neckimu/output_files.py is the one place of the rule).

Before, only recordings were protected: ``export --out``, ``analyze --json``, ``demo
--audio-out`` and ``report --out`` replaced any other existing file silently.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from neckimu.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "recordings" / "example_forehead.csv"

#: command line (``EXIST`` is the existing file, ``DIR`` its folder) and the existing file's
#: name inside ``DIR``
CASES: dict[str, tuple[list[str], str]] = {
    "export_out": (["export", str(EXAMPLE), "--out", "EXIST"], "table.csv"),
    "analyze_json": (["analyze", str(EXAMPLE), "--json", "EXIST"], "out1.json"),
    "analyze_plot": (["analyze", str(EXAMPLE), "--plot", "EXIST"], "angles.png"),
    "report_index": (["report", str(EXAMPLE), "--out", "DIR"], "index.html"),
    "demo_audio": (["demo", "--headless", "--out", "DIR/d", "--audio-out", "EXIST"], "ex.wav"),
    "demo_screenshot": (["demo", "--headless", "--out", "DIR/d", "--screenshot", "EXIST"], "s.png"),
    "demo_json": (["demo", "--headless", "--out", "DIR"], "demo.json"),
    "demo_report": (["demo", "--headless", "--out", "DIR"], "index.html"),
    "replay_report": (["replay", str(EXAMPLE), "--headless", "--out", "DIR"], "index.html"),
    "replay_json": (
        ["replay", str(EXAMPLE), "--headless", "--out", "DIR"],
        "example_forehead.json",
    ),
    "live_audio": (["live", "--simulate", "--headless", "--audio-out", "EXIST"], "cues.wav"),
    "posture_json": (["posture", "--analyze", str(EXAMPLE), "--json", "EXIST"], "desk.json"),
    "simulate_truth": (["simulate", "--out", "DIR/sim.csv"], "sim.truth.json"),
}


def _argv(argv: list[str], folder: Path, name: str) -> list[str]:
    return [str(folder / name) if a == "EXIST" else a.replace("DIR", str(folder)) for a in argv]


@pytest.mark.parametrize("case", sorted(CASES))
def test_an_existing_output_needs_force(case, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    argv, name = CASES[case]
    existing = tmp_path / name
    existing.write_bytes(b"not neckimu's: must survive\n")
    before = hashlib.sha256(EXAMPLE.read_bytes()).hexdigest()
    assert main(_argv(argv, tmp_path, name)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert err.startswith(f"neckimu {argv[0]}: error: "), err
    assert str(existing) in err and "--force" in err, err
    assert existing.read_bytes() == b"not neckimu's: must survive\n"
    assert hashlib.sha256(EXAMPLE.read_bytes()).hexdigest() == before
    assert [p.name for p in tmp_path.iterdir()] == [name]  # nothing else written


def test_force_overwrites_an_output_never_an_input(tmp_path, capsys):
    short = tmp_path / "short.csv"  # 20 s of the example: quick to analyse
    lines = [
        ln
        for ln in EXAMPLE.read_text().splitlines()
        if not ln[:1].isdigit() or float(ln.split(",", 1)[0]) < 20.0
    ]
    short.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out1.json"
    out.write_text("old\n")
    assert main(["analyze", str(short), "--json", str(out), "--quiet", "--force"]) == 0
    assert out.read_text().startswith("{")
    # an input stays refused with --force
    assert main(["analyze", str(short), "--json", str(short), "--force"]) == 2
    assert "is an input" in capsys.readouterr().err
    assert short.read_text() == "\n".join(lines) + "\n"


def test_report_force_rewrites_the_page(tmp_path, capsys):
    short = tmp_path / "short.csv"
    lines = [
        ln
        for ln in EXAMPLE.read_text().splitlines()
        if not ln[:1].isdigit() or float(ln.split(",", 1)[0]) < 60.0
    ]
    short.write_text("\n".join(lines) + "\n")
    out = tmp_path / "r"
    out.mkdir()
    (out / "index.html").write_text("old\n")
    argv = ["report", str(short), "--out", str(out), "--no-cache", "--jobs", "1"]
    assert main(argv) == 2
    assert (out / "index.html").read_text() == "old\n"
    assert main([*argv, "--force"]) == 0
    assert "<html" in (out / "index.html").read_text()
