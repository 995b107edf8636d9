"""A real window: a display Qt cannot use is one line and exit 2 (not Qt's abort, exit 134);
``--screenshot-at`` in a window on a real X server (Xvfb, when installed)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from neckimu.live.qtapp import debian_package, qt_platform_problem

linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Qt's xcb is Linux's")
#: Longest wait for a subprocess condition, s (a bound for a busy machine, not a timing).
PATIENCE_S = 180.0


def test_debian_package_names():
    assert debian_package("libxcb-cursor.so.0") == "libxcb-cursor0"
    assert debian_package("libxcb-icccm.so.4") == "libxcb-icccm4"
    assert debian_package("libxkbcommon-x11.so.0") == "libxkbcommon-x11-0"
    assert debian_package("libxcb-render-util.so.0") == "libxcb-render-util0"


def test_qt_messages_become_one_line_naming_what_to_install(monkeypatch):
    import neckimu.live.qtapp as qtapp

    monkeypatch.setattr(qtapp, "_missing_xcb_libraries", lambda: [])
    err = (
        'qt.core.library: "/x/libqxcb.so" cannot load: Cannot load library /x/libqxcb.so: '
        "libxcb-icccm.so.4: cannot open shared object file: No such file or directory\n"
        "qt.qpa.plugin: From 6.5.0, xcb-cursor0 or libxcb-cursor0 is needed to load the Qt "
        "xcb platform plugin.\n"
        'qt.qpa.plugin: Could not load the Qt platform plugin "xcb" in "" even though it was '
        "found.\n"
    )
    msg = qt_platform_problem(err)
    assert "\n" not in msg and "libxcb-icccm.so.4" in msg and "apt install libxcb-icccm4" in msg
    assert "--headless" in msg
    # Qt's own hint (xcb-cursor) when the loader names nothing
    msg = qt_platform_problem("From 6.5.0, xcb-cursor0 or libxcb-cursor0 is needed\n")
    assert "apt install libxcb-cursor0" in msg
    msg = qt_platform_problem("qt.qpa.xcb: could not connect to display :9\nAborted\n")
    assert "no display" in msg and "--headless" in msg


def _env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY", "DISPLAY")
    }
    env.update(PYTHONUNBUFFERED="1", **extra)
    return env


@linux
def test_a_display_qt_cannot_use_is_one_line_and_exit_2(tmp_path):
    """No X server at DISPLAY (or, on a machine without Qt's xcb libraries, those missing):
    before this, Qt aborted the process (exit 134) with a page of messages."""
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "neckimu",
            "demo",
            "--duration",
            "3",
            "--no-sound",
            "--out",
            str(tmp_path / "out"),
        ],
        env=_env(DISPLAY=":4242"),
        capture_output=True,
        text=True,
        timeout=PATIENCE_S,
        cwd=tmp_path,
    )
    assert r.returncode == 2, r.stderr
    assert r.stderr.count("\n") == 1 and "--headless" in r.stderr
    assert "Traceback" not in r.stderr and "Aborted" not in r.stderr
    assert "Safety:" not in r.stdout  # said before the session starts


def _xvfb() -> tuple[subprocess.Popen, str]:
    """An Xvfb server on a free display (it picks the number and writes it to a pipe)."""
    rd, wr = os.pipe()
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(wr), "-screen", "0", "1400x900x24", "-nolisten", "tcp"],
        pass_fds=(wr,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(wr)
    with os.fdopen(rd) as f:
        number = f.readline().strip()
    if not number:
        proc.kill()
        pytest.skip("Xvfb did not start")
    return proc, f":{number}"


@linux
@pytest.mark.skipif(shutil.which("Xvfb") is None, reason="Xvfb is not installed")
def test_screenshot_at_in_a_real_window(tmp_path):
    """``--screenshot-at`` in a window on an X server (not offscreen): the picture is taken at
    that session time, while the session runs."""
    from PySide6 import QtGui

    server, display = _xvfb()
    shot = tmp_path / "window.png"
    try:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "neckimu",
                "demo",
                "--duration",
                "40",
                "--speed",
                "2",
                "--no-sound",
                "--out",
                str(tmp_path / "out"),
                "--screenshot",
                str(shot),
                "--screenshot-at",
                "4",
            ],
            env=_env(DISPLAY=display),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=tmp_path,
        )
        lines: list[str] = []
        errs: list[str] = []
        readers = [
            threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True),
            threading.Thread(target=lambda: errs.extend(proc.stderr), daemon=True),
        ]
        for r in readers:
            r.start()
        t_end = time.monotonic() + PATIENCE_S
        while (
            proc.poll() is None
            and time.monotonic() < t_end
            and not any(ln.startswith("screenshot at") for ln in lines)
        ):
            time.sleep(0.1)
        if proc.poll() is not None:
            for r in readers:
                r.join(10)
            err = "".join(errs)
            if proc.returncode == 2 and "Qt needs" in err:
                pytest.skip(err.strip())  # this machine lacks Qt's xcb libraries
            pytest.fail(f"ended with {proc.returncode}: {err}")
        proc.send_signal(signal.SIGTERM)  # a real window stays open at the end: close it
        assert proc.wait(PATIENCE_S) == 0, "".join(errs)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)
        for r in readers:
            r.join(10)
        proc.stdout.close()
        proc.stderr.close()
        server.terminate()
        server.wait(30)
    taken = next(ln for ln in lines if ln.startswith("screenshot at"))
    m, s = (int(v) for v in taken.split()[2].split(":"))
    assert 4 <= 60 * m + s < 40  # at the asked time, while the session ran
    img = QtGui.QImage(str(shot))
    assert not img.isNull() and img.width() >= 1000 and img.height() >= 600
    ptr = img.convertToFormat(QtGui.QImage.Format.Format_RGB32).constBits()
    px = np.frombuffer(ptr, dtype=np.uint8).reshape(img.height(), -1)
    assert px.std() > 20  # a drawn window, not a blank one
    assert Path(tmp_path / "out" / "demo.csv").exists()


def test_qt_shutdown_flush_message_is_not_shown(capsys):
    """Ctrl-C on the start screen printed ``Qt: QBackingStore::flush() called for
    QWidgetWindow(...) which does not have a handle.``; other Qt messages still show."""
    from types import SimpleNamespace

    from neckimu.live.qtapp import _qt_message

    ctx = SimpleNamespace(category="default")
    _qt_message(
        None,
        ctx,
        'QBackingStore::flush() called for QWidgetWindow(0x55d0, name="StartScreenWindow") '
        "which does not have a handle.",
    )
    assert capsys.readouterr().err == ""
    _qt_message(None, ctx, "something else went wrong")
    assert capsys.readouterr().err == "Qt: something else went wrong\n"
