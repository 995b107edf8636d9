"""Ctrl-C (SIGINT) and SIGTERM stop a session cleanly: the recording is closed with its final
metadata, then what was recorded is analysed and reported (issue 11: the window crashed with a
segmentation fault, headless Ctrl-C wrote no analysis, SIGTERM no final metadata).

Each test runs the real command in a subprocess, waits for a readiness condition (the
recording holds data, or a line was printed) and sends the signal; it asserts on exit codes
and files, never on timing.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from neckimu.errors import InputError
from neckimu.recording.reader import read_recording
from tests.live.conftest import EXAMPLE

#: Longest wait for a readiness condition or for the process to end, s (a generous bound
#: for a busy machine; the tests pass as soon as the condition holds).
PATIENCE_S = 180.0


def _rows(path: Path) -> int:
    """Data rows written so far (0 before the file exists)."""
    try:
        text = path.read_bytes()
    except OSError:
        return 0
    return sum(1 for line in text.splitlines() if line[:1].isdigit())


class Run:
    """A ``neckimu`` subprocess whose stdout is collected line by line."""

    def __init__(self, argv: list[str], cwd: Path) -> None:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "neckimu", *argv],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self.err = ""
        self._out = threading.Thread(target=self._read_out, daemon=True)
        self._err = threading.Thread(target=self._read_err, daemon=True)
        self._out.start()
        self._err.start()

    def _read_out(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def _read_err(self) -> None:
        assert self.proc.stderr is not None
        self.err = self.proc.stderr.read()

    def wait_for(self, ready: Callable[[], bool], what: str) -> None:
        end = time.monotonic() + PATIENCE_S
        while not ready():
            if self.proc.poll() is not None:
                self._close()
                pytest.fail(f"ended before {what}: {self.proc.returncode}\n{self.err[-2000:]}")
            if time.monotonic() > end:
                self.proc.kill()
                self._close()
                pytest.fail(f"never {what}")
            time.sleep(0.05)

    def stop(self, sig: signal.Signals) -> int:
        self.proc.send_signal(sig)
        try:
            code = self.proc.wait(PATIENCE_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self._close()
            pytest.fail(f"still running {PATIENCE_S:.0f} s after {sig.name}")
        self._close()
        return code

    def _close(self) -> None:
        self.proc.wait()
        self._out.join()
        self._err.join()
        for f in (self.proc.stdout, self.proc.stderr):
            if f is not None:
                f.close()

    def printed(self, text: str) -> bool:
        return any(text in line for line in self.lines)


def _closed_recording(path: Path):
    """The recording reads, and its final metadata (the stream counters) is there."""
    try:
        rec = read_recording(path)
    except InputError as e:
        if _MAG_NAN.search(str(e)):
            pytest.xfail(f"NaN magnetometer rows (issue 11 item 1, rec-timebase): {e}")
        raise
    assert "stream_stats" in rec.meta, "no final metadata"
    assert len(rec.samples) > 0
    return rec


def _strict_json(path: Path) -> dict:
    def refuse(name: str) -> None:
        raise AssertionError(f"{name} in {path}")

    return json.loads(path.read_text(), parse_constant=refuse)


#: Issue 11, item 1 (branch rec-timebase): rows written before the first magnetometer record
#: hold NaN and the reader refuses the file. Not what these tests are about; once NaN
#: magnetometer cells are legal this never matches.
_MAG_NAN = re.compile(r"column mag_[xyz]: value is nan")


def _stopped(run: Run, code: int, sig: signal.Signals) -> None:
    if code == 2 and _MAG_NAN.search(run.err):
        pytest.xfail("the recording has NaN magnetometer rows (issue 11 item 1, rec-timebase)")
    assert code == 0, f"exit {code}\n{run.err[-3000:]}"
    assert "Traceback" not in run.err, run.err[-3000:]
    assert run.printed(f"stopped by {sig.name}"), run.lines[-10:]


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_record(tmp_path, sig):
    out = tmp_path / "r.csv"
    run = Run(["record", "--simulate", "--speed", "2", "--out", str(out)], tmp_path)
    run.wait_for(lambda: _rows(out) > 100, "recorded 100 rows")
    code = run.stop(sig)
    _stopped(run, code, sig)
    _closed_recording(out)


@pytest.mark.parametrize(
    ("sig", "window"),
    [(signal.SIGTERM, False), (signal.SIGINT, True)],
    ids=["SIGTERM-headless", "SIGINT-window"],
)
def test_demo(tmp_path, sig, window):
    out = tmp_path / "demo"
    run = Run(
        ["demo", "--speed", "4", "--out", str(out), *([] if window else ["--headless"])], tmp_path
    )
    run.wait_for(lambda: _rows(out / "demo.csv") > 300, "recorded 300 rows")
    code = run.stop(sig)
    _stopped(run, code, sig)  # the window used to end in a segmentation fault (-11)
    rec = _closed_recording(out / "demo.csv")
    js = _strict_json(out / "demo.json")
    assert js["n_samples"] == len(rec.samples)
    assert (out / "index.html").exists()


def test_replay_window_sigterm(tmp_path):
    out, shot = tmp_path / "replay", tmp_path / "shot.png"
    # the window saves its picture at 35 s of the recording: then it has shown 5 s of data
    run = Run(
        [
            "replay",
            str(EXAMPLE),
            "--speed",
            "2",
            "--start",
            "30",
            "--out",
            str(out),
            "--screenshot",
            str(shot),
            "--screenshot-at",
            "35",
        ],
        tmp_path,
    )
    run.wait_for(shot.exists, "saved the screenshot")
    code = run.stop(signal.SIGTERM)
    _stopped(run, code, signal.SIGTERM)
    # a replay records nothing: it does not say it closes a recording
    assert "the verdicts of the whole recording follow" in run.err
    assert "closing the recording" not in run.err
    assert _strict_json(out / "example_forehead.json")["n_samples"] > 0
    assert (out / "index.html").exists()


def test_posture_sigint(tmp_path):
    rec, js = tmp_path / "desk.csv", tmp_path / "desk.json"
    run = Run(
        ["posture", "--simulate", "--speed", "8", "--out", str(rec), "--json", str(js)], tmp_path
    )
    run.wait_for(lambda: _rows(rec) > 300, "recorded 300 rows")
    code = run.stop(signal.SIGINT)
    _stopped(run, code, signal.SIGINT)
    _closed_recording(rec)
    assert _strict_json(js)["recording"] == str(rec)
