"""The ``neckimu`` command line, and the one home of its help text.

:data:`GROUPS` lists every command with its one-line help, grouped by what people do; the
module ``neckimu._commands.<name>`` implements it with ``add_arguments(parser)`` and
``run(args) -> int``. Only the module of the command being run is imported (and its heavy
libraries only inside ``run``), so ``neckimu --help`` and argument errors answer at once.

``neckimu`` without arguments opens the start screen (``neckimu._commands.start.run``) where
that module exists, else prints the help.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
import textwrap
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from types import ModuleType

from neckimu import SAFETY_NOTICE, __version__
from neckimu.errors import NeckimuError

#: What neckimu is, for people (the top of ``neckimu --help``).
ABOUT = (
    "neckimu guides your neck exercises with a small motion sensor worn on a headband: it\n"
    "cues each exercise, checks every repetition as you do it (did the head stay still, did\n"
    "the chin glide straight back, was the stretch held) and tells you what to correct.\n"
    "It records each session so you can follow your progress over the weeks of training."
)

#: Every command with its one-line help, grouped by what people do with it.
GROUPS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        "Train",
        (
            ("start", "the start screen (also `neckimu` alone): routine, headset, fit check"),
            ("demo", "try a guided session with a simulated headset (no hardware needed)"),
            ("live", "a guided session with your headset: cues and a verdict on every rep"),
            ("posture", "desk mode: a reminder when your head stays bent forward too long"),
        ),
    ),
    (
        "Look back at your sessions",
        (
            ("report", "a web page of one session or all of them: verdicts, advice, progress"),
            ("replay", "watch a recorded session again in the live window"),
            ("analyze", "check a recording: head angles and a verdict for every rep"),
        ),
    ),
    (
        "Headset and files",
        (
            ("scan", "find headsets nearby"),
            ("record", "record from a headset without the guided session"),
            ("export", "write a recording's head (or neck) angles and orientation as a CSV table"),
            ("simulate", "make a simulated session: a recording and what really happened"),
        ),
    ),
)

#: command name -> one-line help (the module neckimu._commands.<name> implements it)
COMMANDS: dict[str, str] = {name: text for _, cmds in GROUPS for name, text in cmds}

#: The module that opens the start screen when ``neckimu`` runs without arguments.
START_MODULE = "neckimu._commands.start"


def _commands_text() -> str:
    width = max(map(len, COMMANDS)) + 2
    lines = []
    for title, cmds in GROUPS:
        lines += ["", f"{title}:"]
        lines += [f"  {name:<{width}}{text}" for name, text in cmds]
    return "\n".join(lines)


def build_parser(commands: Collection[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser.

    Parameters
    ----------
    commands : collection of str, optional
        Import and fill in only these commands' options (:func:`main` passes the one it
        runs, or none); default every command's (this imports every command module).
    """
    parser = argparse.ArgumentParser(
        prog="neckimu",
        usage="neckimu [COMMAND] [options]",
        description=ABOUT + "\n" + _commands_text(),
        epilog='Run "neckimu COMMAND --help" for what a command can do, e.g. '
        "neckimu demo --help.\n\n" + textwrap.fill(SAFETY_NOTICE, 88),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"neckimu {__version__}",
        help="show the version of neckimu and exit",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", help=argparse.SUPPRESS)
    for name, text in COMMANDS.items():
        p = sub.add_parser(name, prog=f"neckimu {name}", description=text, epilog=SAFETY_NOTICE)
        p.set_defaults(_parser=p)
        if commands is None or name in commands:
            module = _module(name)
            module.add_arguments(p)
            p.set_defaults(_module=module)
    return parser


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"neckimu._commands.{name}")


def _command_in(argv: Sequence[str]) -> str | None:
    """The command named in ``argv``: its first word that is not an option."""
    first = next((a for a in argv if not a.startswith("-")), None)
    return first if first in COMMANDS else None


def _start(parser: argparse.ArgumentParser) -> int:
    """``neckimu`` alone: the start screen."""
    module = importlib.import_module(START_MODULE)
    start = argparse.ArgumentParser(prog="neckimu")
    module.add_arguments(start)
    return _run("start", module, start.parse_args([]))


class _UserLines(logging.Handler):
    """neckimu's log messages for people: ``neckimu: <message>`` on the stderr of the moment
    (not ``WARNING:neckimu.pipeline:...``)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.setFormatter(logging.Formatter("neckimu: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            print(self.format(record).splitlines()[0], file=sys.stderr, flush=True)
        except Exception:  # a closed stderr at exit: never a logging traceback
            pass


@contextmanager
def user_logging() -> Iterator[None]:
    """While a command runs, the ``neckimu`` loggers' warnings reach people as one
    ``neckimu: ...`` line each, and only there (no root handler prints them again with the
    logger's name); restored afterwards (commands also run inside tests and the start
    screen)."""
    logger = logging.getLogger("neckimu")
    handler = _UserLines()
    propagate = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def _run(name: str, module: ModuleType, args: argparse.Namespace) -> int:
    with user_logging():
        return _run_command(name, module, args)


def _run_command(name: str, module: ModuleType, args: argparse.Namespace) -> int:
    try:
        return int(module.run(args) or 0)
    except NeckimuError as e:
        print(f"neckimu {name}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"neckimu {name}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `neckimu analyze x.csv | head -1`: the reader has left
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no error at exit
        return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    command = _command_in(argv)
    parser = build_parser([] if command is None else [command])
    if not argv:
        return _start(parser)
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # the usage of the command it was given to, not neckimu's
        where = getattr(args, "_parser", parser)
        where.error(f"unrecognized arguments: {' '.join(unknown)}")
    if args.command is None:  # e.g. `neckimu --`: nothing to run
        parser.print_help()
        return 0
    return _run(args.command, args._module, args)
