"""The Qt application: made once, offscreen without a display, and only after checking that Qt
can open a window here (else one line naming what to install, not Qt's abort)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from neckimu.errors import NeckimuError
from neckimu.live.display import display_available


def qt_app():
    """The QApplication (created once; offscreen when there is no display).

    Raises
    ------
    NeckimuError
        Qt cannot open windows on this display (:func:`check_qt_platform`), instead of the
        abort Qt would end the process with.
    """
    if not display_available():
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6 import QtCore, QtWidgets

    app = QtWidgets.QApplication.instance()
    if app is None:
        check_qt_platform()
        QtCore.qInstallMessageHandler(_qt_message)
        app = QtWidgets.QApplication(["neckimu"])
    return app


#: Creates a Qt GUI application and exits: run in a subprocess, a Qt abort cannot take neckimu
#: down with it.
_PROBE = "from PySide6 import QtGui\napp = QtGui.QGuiApplication(['neckimu'])\n"


def _needs_probe() -> bool:
    """Whether Qt would open a real display here (xcb or wayland on Linux)."""
    if not sys.platform.startswith("linux"):
        return False
    plat = os.environ.get("QT_QPA_PLATFORM", "").lower()
    return plat == "" or plat.startswith(("xcb", "wayland"))


def check_qt_platform() -> None:
    """Check, before the QApplication is made, that Qt can open a window on this display.

    On Linux Qt aborts the whole process (exit 134) when its platform plugin cannot load —
    mostly missing X11 libraries (libxcb-cursor0, libxcb-icccm4, ...) — or cannot reach the
    display. A throwaway subprocess tries first (~0.5 s, only where a display is used).

    Raises
    ------
    NeckimuError
        One line: what to install (the missing libraries and their Debian/Ubuntu packages),
        or that the display cannot be reached; and that ``--headless`` works without one.
    """
    if not _needs_probe():
        return
    env = {**os.environ, "QT_DEBUG_PLUGINS": "1"}
    try:
        r = subprocess.run(
            [sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired):
        return  # cannot tell: let Qt try
    if r.returncode == 0:
        return
    raise NeckimuError(qt_platform_problem(r.stderr))


def qt_platform_problem(stderr: str) -> str:
    """The one-line explanation of a failed Qt start from its (debug) messages."""
    missing = sorted(
        set(re.findall(r"(lib[\w.+-]+?\.so(?:\.\d+)*): cannot open shared object", stderr))
        | set(_missing_xcb_libraries())
    )
    if "xcb-cursor0" in stderr and not missing:
        missing = ["libxcb-cursor.so.0"]
    if missing:
        pkgs = " ".join(dict.fromkeys(debian_package(lib) for lib in missing))
        return (
            f"the window cannot open: Qt needs {', '.join(missing)} "
            f"(Debian/Ubuntu: sudo apt install {pkgs}); or run with --headless"
        )
    if "could not connect to display" in stderr.lower():
        return (
            f"the window cannot open: no display at DISPLAY="
            f"{os.environ.get('DISPLAY', '')!r}; or run with --headless"
        )
    lines = [
        ln.strip()
        for ln in stderr.splitlines()
        if ln.strip() and not ln.startswith(("qt.core.", "Got keys", "QFactoryLoader"))
    ]
    why = next((ln for ln in lines if "platform plugin" in ln), lines[-1] if lines else "")
    return f"the window cannot open ({why or 'Qt failed to start'}); run with --headless"


def _missing_xcb_libraries() -> list[str]:
    """Libraries the Qt xcb platform plugin needs that are not installed (``ldd``)."""
    try:
        import PySide6

        plugin = Path(PySide6.__file__).parent / "Qt" / "plugins" / "platforms" / "libqxcb.so"
        if not plugin.exists():
            return []
        out = subprocess.run(
            ["ldd", str(plugin)], capture_output=True, text=True, timeout=20
        ).stdout
    except (OSError, subprocess.TimeoutExpired, ImportError):
        return []
    return sorted(set(re.findall(r"^\s*(\S+) => not found", out, re.MULTILINE)))


def debian_package(soname: str) -> str:
    """The Debian/Ubuntu package that ships a library (``libxcb-icccm.so.4`` ->
    ``libxcb-icccm4``, ``libxkbcommon-x11.so.0`` -> ``libxkbcommon-x11-0``)."""
    name, _, version = soname.partition(".so")
    version = version.lstrip(".").split(".")[0]
    if not version:
        return name
    return f"{name}{'-' if name[-1].isdigit() else ''}{version}"


#: Qt messages that are platform noise, not problems (the offscreen plugin cannot resize a
#: window to its size hints; Qt Multimedia looking for a sound server that is not there: the
#: sound player says so in one line).
QT_NOISE = (
    "This plugin does not support propagateSizeHints()",
    "PulseAudioService: pa_context_connect() failed",
    "No audio device detected",
)

#: Starts of Qt messages that are noise too: a window whose native handle is already gone is
#: flushed once more while the application shuts down (Ctrl-C on the start screen).
QT_NOISE_STARTS = ("QBackingStore::flush() called for",)


def _qt_message(mode, context, message: str) -> None:
    if (
        message not in QT_NOISE
        and not message.startswith(QT_NOISE_STARTS)
        and not (context.category or "").startswith("qt.multimedia")
    ):
        print(f"Qt: {message}", file=sys.stderr)
