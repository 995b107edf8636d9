"""``neckimu`` with no arguments: the start screen (routine, headset, fit check, start)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the start screen (all optional: ``neckimu`` alone opens it)."""
    parser.add_argument(
        "--out",
        default=None,
        help="folder for the sessions (default out/live, out/demo for the simulated headset)",
    )
    parser.add_argument(
        "--speed",
        type=float,
        default=1.0,
        help="playback speed of the simulated headset (default 1, real time)",
    )
    parser.add_argument("--scan-time", type=float, default=5.0, help="scan time, s (default 5)")
    parser.add_argument(
        "--routines",
        metavar="DIR",
        default=None,
        help="also list the routine files (*.toml) in this folder",
    )


def run(args: argparse.Namespace) -> int:
    """Open the start screen; without a display, say how to train in the terminal."""
    from neckimu._commands._args import positive
    from neckimu.live.display import display_available

    out = getattr(args, "out", None)
    speed = float(getattr(args, "speed", 1.0))
    scan_s = float(getattr(args, "scan_time", 5.0))
    routines = getattr(args, "routines", None)
    positive("--speed", speed)
    positive("--scan-time", scan_s)
    if not display_available():
        from neckimu.cli import build_parser

        build_parser([]).print_help()
        print(
            "neckimu: no display for the start screen; the commands above work in a "
            "terminal (try `neckimu demo --headless`)",
            file=sys.stderr,
        )
        return 2
    from neckimu.live.start import run_start_screen

    return run_start_screen(
        out_dir=None if out is None else Path(out),
        sim_speed=speed,
        scan_s=scan_s,
        routine_dir=None if routines is None else Path(routines),
    )
