"""The ``neckimu`` command: one entry point dispatching to ``neckimu._commands.<name>``.

Each command module defines ``HELP`` (one line), ``add_arguments(parser)`` and
``run(args) -> int``. Command modules import their heavy dependencies (Qt, Bluetooth,
matplotlib) inside ``run``, so ``neckimu analyze`` does not pay for Qt or Bluetooth.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from neckimu import SAFETY_NOTICE, __version__
from neckimu.errors import NeckimuError

#: command name -> one-line help (the module neckimu._commands.<name> implements it)
COMMANDS: dict[str, str] = {
    "start": "the start screen (also `neckimu` alone): routine, headset, fit check, start",
    "analyze": "analyse a recording: head angles, rep verdicts, JSON and plot",
    "export": "write orientation quaternions and head angles per sample as CSV",
    "simulate": "simulate a guided session of a person wearing the headset",
    "scan": "list nearby neckimu headsets",
    "record": "stream from a headset into a recording",
    "live": "train with a real headset: live plots and verdicts",
    "demo": "a guided session with the simulated headset over a real BLE stack",
    "replay": "replay a recording through the live window",
    "report": "HTML report of a recording or a folder of recordings",
    "posture": "desk posture mode: time spent with the head forward",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="neckimu", description=__doc__.splitlines()[0], epilog=SAFETY_NOTICE
    )
    parser.add_argument("--version", action="version", version=f"neckimu {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, help_ in COMMANDS.items():
        p = sub.add_parser(name, help=help_, description=help_, epilog=SAFETY_NOTICE)
        module = _module(name)
        if module is not None:
            module.add_arguments(p)
        p.set_defaults(_module=module, _name=name)
    return parser


def _module(name: str):
    try:
        return importlib.import_module(f"neckimu._commands.{name}")
    except ModuleNotFoundError as e:
        if e.name == f"neckimu._commands.{name}":
            return None
        raise


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    if not (sys.argv[1:] if argv is None else argv) and _module("start") is not None:
        args = argparse.Namespace(_module=_module("start"), _name="start")  # the start screen
    else:
        args = build_parser().parse_args(argv)
    if args._module is None:
        print(f"neckimu {args._name}: not available in this version", file=sys.stderr)
        return 2
    try:
        return int(args._module.run(args) or 0)
    except NeckimuError as e:
        print(f"neckimu {args._name}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"neckimu {args._name}: interrupted", file=sys.stderr)
        return 130
