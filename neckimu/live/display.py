"""Whether there is a screen for a window: a light module (no Qt, no numpy), so commands can
decide before importing the GUI."""

from __future__ import annotations

import os
import sys


def offscreen_requested() -> bool:
    """Whether the user asked Qt to render offscreen (``QT_QPA_PLATFORM=offscreen``)."""
    return os.environ.get("QT_QPA_PLATFORM", "").lower() == "offscreen"


def display_available() -> bool:
    """A screen to show the window on, or offscreen rendering asked for.

    On Linux a display needs ``DISPLAY`` or ``WAYLAND_DISPLAY``; elsewhere one is assumed.
    """
    if offscreen_requested():
        return True
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True
