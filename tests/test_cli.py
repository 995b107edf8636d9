"""The command line: help for people, every command reachable, a fast start (counted in
imported modules, never in seconds), and the start-screen hook of ``neckimu`` alone."""

from __future__ import annotations

import argparse
import importlib
import importlib.machinery
import os
import subprocess
import sys
import types

import pytest

from neckimu import SAFETY_NOTICE
from neckimu.cli import COMMANDS, GROUPS, START_MODULE, build_parser, main

#: Libraries that take from 0.1 s to seconds to import: none belongs in a quick answer.
HEAVY = (
    "numpy",
    "scipy",
    "pandas",
    "matplotlib",
    "PySide6",
    "pyqtgraph",
    "bleak",
    "bumble",
    "vqf",
    "tqdm",
)

#: Environment variables that give Qt a screen.
NO_DISPLAY = ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")


def _imported_after(argv: list[str]) -> tuple[int, set[str], str]:
    """Run ``main(argv)`` in a fresh interpreter: exit code, heavy top-level packages
    imported, stdout + stderr."""
    code = (
        "import sys\n"
        "from neckimu.cli import main\n"
        "try:\n"
        f"    rc = main({argv!r})\n"
        "except SystemExit as e:\n"
        "    rc = e.code\n"
        f"heavy = sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))\n"
        "print('HEAVY', ','.join(heavy), 'RC', rc, file=sys.stderr)\n"
    )
    # No screen: `neckimu` alone then answers with the help instead of opening a window.
    env = {k: v for k, v in os.environ.items() if k not in NO_DISPLAY}
    p = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env
    )
    last = p.stderr.strip().splitlines()[-1].split()
    heavy = set(filter(None, last[1].split(","))) if last[1] != "RC" else set()
    return int(last[-1]), heavy, p.stdout + p.stderr


def test_top_level_help_is_for_people(capsys):
    with pytest.raises(SystemExit) as e:
        main(["--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert "dispatching" not in out and "_commands" not in out  # no developer docstring
    assert "neckimu guides your neck exercises" in out
    for title, cmds in GROUPS:
        assert f"\n{title}:\n" in out
        for name, text in cmds:
            assert f"  {name}" in out and text in out
    assert " ".join(SAFETY_NOTICE.split()) in " ".join(out.split())
    assert max(map(len, out.splitlines())) <= 90


def test_help_text_has_one_home():
    """Each command's one-line help lives in cli.GROUPS only (no module-level HELP)."""
    assert len(COMMANDS) == sum(len(c) for _, c in GROUPS) == 11
    for name in COMMANDS:
        module = importlib.import_module(f"neckimu._commands.{name}")
        assert not hasattr(module, "HELP"), name
        assert callable(module.add_arguments) and callable(module.run)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_its_help(name, capsys):
    with pytest.raises(SystemExit) as e:
        main([name, "--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: neckimu {name}") and COMMANDS[name] in out


def test_full_parser_knows_every_command():
    parser = build_parser()
    args = parser.parse_args(["analyze", "x.csv", "--quiet"])
    assert args.command == "analyze" and args.path == "x.csv" and args.quiet
    assert args._module.__name__ == "neckimu._commands.analyze"


def test_unknown_command_is_an_argument_error(capsys):
    with pytest.raises(SystemExit) as e:
        main(["frobnicate"])
    assert e.value.code == 2
    assert "invalid choice: 'frobnicate'" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        [],
        ["--version"],
        ["frobnicate"],
        ["analyze"],
        ["analyze", "--help"],
        ["demo", "--help"],
        ["replay", "--speed", "0", "x.csv"],
        ["simulate", "--help"],
        ["report", "--help"],
        ["record", "--help"],
        ["scan", "--help"],
        ["live", "--help"],
    ],
)
def test_quick_answers_import_no_heavy_library(argv):
    rc, heavy, text = _imported_after(argv)
    assert rc in (0, 2), text
    assert heavy == set(), f"{argv}: imported {heavy}"


def test_posture_help_imports_numpy_only():
    """Its defaults come from PostureCriteria (numpy), the median filter (scipy) stays out."""
    rc, heavy, text = _imported_after(["posture", "--threshold", "x"])
    assert rc == 2 and "--threshold" in text
    assert heavy == {"numpy"}


def test_analyze_imports_only_what_it_uses(tmp_path):
    """No plotting, GUI, Bluetooth, progress bar (not a terminal) or scipy.signal."""
    out = tmp_path / "a.json"
    code = (
        "import sys\n"
        "from neckimu.cli import main\n"
        f"rc = main(['analyze', {str(cli_example())!r}, '--quiet', '--json', {str(out)!r}])\n"
        "mods = {m for m in sys.modules}\n"
        "bad = sorted(m for m in mods if m.split('.')[0] in "
        "('matplotlib', 'PySide6', 'pyqtgraph', 'bleak', 'bumble', 'tqdm') "
        "or m.startswith(('scipy.signal', 'scipy.stats')))\n"
        "print(rc, bad)\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert p.stdout.strip() == "0 []", p.stdout + p.stderr
    assert out.exists()


def test_export_imports_no_verifier(tmp_path):
    """export needs orientation and angles only: no verifier, no scipy.integrate."""
    out = tmp_path / "e.csv"
    code = (
        "import sys\n"
        "from neckimu.cli import main\n"
        f"rc = main(['export', {str(cli_example())!r}, '--out', {str(out)!r}])\n"
        "bad = sorted(m for m in sys.modules if m.startswith(('neckimu.verify.hold', "
        "'neckimu.verify.retraction', 'neckimu.verify.stretch', 'neckimu.translation', "
        "'scipy.integrate', 'scipy.signal')))\n"
        "print(rc, bad)\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert p.stdout.strip().splitlines()[-1] == "0 []", p.stdout + p.stderr


def cli_example():
    from pathlib import Path

    return Path(__file__).resolve().parents[1] / "recordings" / "example_forehead.csv"


def test_no_arguments_opens_the_start_screen(monkeypatch):
    """The hook for the start screen: ``neckimu._commands.start.run(args)`` when it exists."""
    seen: list[argparse.Namespace] = []
    fake = types.ModuleType(START_MODULE)
    fake.__spec__ = importlib.machinery.ModuleSpec(START_MODULE, None)
    fake.add_arguments = lambda p: p.add_argument("--routine", default="default")
    fake.run = lambda args: seen.append(args) or 7
    monkeypatch.setitem(sys.modules, START_MODULE, fake)
    assert main([]) == 7
    assert len(seen) == 1 and seen[0].routine == "default"


def test_log_warnings_reach_people_as_neckimu_lines(capsys, monkeypatch):
    """Not ``WARNING:neckimu.pipeline:...``: one ``neckimu: ...`` line, even where the root
    logger has a handler of its own (``logging.basicConfig``, as a library may call)."""
    import logging

    from neckimu import cli

    class Cmd:
        @staticmethod
        def run(args):
            logging.getLogger("neckimu.pipeline").warning("calibration not stored: %s", "x.csv")
            return 0

    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [logging.StreamHandler()])  # what basicConfig adds
    assert cli._run("analyze", Cmd, None) == 0
    assert capsys.readouterr().err == "neckimu: calibration not stored: x.csv\n"
    assert logging.getLogger("neckimu").propagate  # restored: tests' log capture sees neckimu


def test_posture_says_what_to_do_only_once_the_headset_streams(tmp_path, capsys, monkeypatch):
    """``posture --device X`` printed the calibration instructions, then failed to connect."""
    from neckimu.errors import NeckimuError
    from neckimu.live import ble_sources

    def run(self, sink):
        self.error = NeckimuError("cannot connect to neckimu-NONE: not found")

    monkeypatch.setattr(ble_sources.HeadsetSource, "run", run)
    out = tmp_path / "p.csv"
    assert main(["posture", "--device", "neckimu-NONE", "--out", str(out)]) == 2
    cap = capsys.readouterr()
    assert "calibration" not in cap.out
    assert cap.err == "neckimu posture: error: cannot connect to neckimu-NONE: not found\n"
    assert not out.exists()


def test_live_device_not_found_is_one_line_and_leaves_no_folder(tmp_path, capsys, monkeypatch):
    """``live --device X --out new`` with X unreachable: the error once (it was printed as
    "stream ended early" too, with "no verdicts" between), exit 2, and the folder it created
    is gone; a folder that existed before stays."""
    from neckimu.errors import NeckimuError
    from neckimu.live import ble_sources

    def run(self, sink):
        self.error = NeckimuError("cannot connect to neckimu-NONE: not found")

    monkeypatch.setattr(ble_sources.HeadsetSource, "run", run)
    for out, existed in ((tmp_path / "new" / "out", False), (tmp_path, True)):
        args = ["live", "--device", "neckimu-NONE", "--out", str(out), "--headless"]
        assert main([*args, "--no-sound"]) == 2
        cap = capsys.readouterr()
        assert cap.err == "neckimu live: error: cannot connect to neckimu-NONE: not found\n"
        assert "not found" not in cap.out and "no verdicts" not in cap.out
        assert out.exists() == existed
        assert not (tmp_path / "new").exists()  # the parent it created too


def test_record_simulate_says_when_duration_outlasts_the_session(tmp_path, capsys, monkeypatch):
    """``record --simulate --duration 900`` stopped quietly at the simulated session's end."""
    from neckimu.ble import simulated

    async def nothing(*args, **kwargs):
        return None  # stopped before the headset answered: no streaming in this test

    monkeypatch.setattr(simulated, "record_simulated", nothing)
    out = tmp_path / "r.csv"
    main(["record", "--simulate", "--duration", "900", "--out", str(out)])
    lines = capsys.readouterr().out.splitlines()
    note = [ln for ln in lines if ln.startswith("note: --duration 900 s is longer")]
    assert len(note) == 1 and note[0].endswith(" s)"), lines
    main(["record", "--simulate", "--duration", "10", "--out", str(out)])
    assert "longer than the simulated session" not in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "usage"),
    [
        (["analyze", "long.csv", "--bogus"], "usage: neckimu analyze "),
        (["report", "a.csv", "--bogus", "1"], "usage: neckimu report "),
        (["--bogus"], "usage: neckimu [COMMAND]"),
    ],
)
def test_an_unknown_option_shows_the_usage_of_its_command(argv, usage, capsys):
    """``neckimu analyze long.csv --bogus`` showed neckimu's usage, not analyze's."""
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(usage), err
    assert "unrecognized arguments: --bogus" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["simulate", "--out", "x.csv", "--seed", "-5"],
        ["demo", "--headless", "--seed", "-1"],
        ["record", "--simulate", "--seed", "-1"],
        ["live", "--simulate", "--seed", "-1"],
        ["posture", "--simulate", "--seed", "-1"],
    ],
)
def test_a_negative_seed_is_an_argument_error(argv, capsys, tmp_path, monkeypatch):
    """``--seed -5`` reached numpy, whose generators take no negative seed: a traceback
    (found by a fresh-eyed tester). Now argparse's one line, exit 2, nothing written."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
    assert "a seed is 0 or more" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize(
    "argv",
    [
        ["record", "--simulate", "--speed", "inf", "--out", "x.csv"],
        ["live", "--simulate", "--speed", "inf", "--headless"],
        ["demo", "--speed", "inf", "--headless"],
        ["posture", "--simulate", "--speed", "inf"],
        ["record", "--simulate", "--duration", "inf", "--out", "x.csv"],
    ],
)
def test_an_infinite_speed_or_duration_is_one_line(argv, capsys, tmp_path, monkeypatch):
    """``--speed inf`` hung the simulated headset ("connected but silent"), then printed
    OverflowError tracebacks when stopped (found by a fresh-eyed tester)."""
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "must be > 0 and finite" in err
    assert list(tmp_path.iterdir()) == []
