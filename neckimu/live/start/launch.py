"""Running a session from the start screen through its command's own entry point."""

from __future__ import annotations

import argparse
import importlib
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from neckimu.errors import NeckimuError


@dataclass(frozen=True)
class SessionOutcome:
    """How a session started from the screen ended.

    Attributes
    ----------
    code : int
        The command's exit code (0: fine).
    out_dir : Path
        The session's folder.
    error : str or None
        One line when the session could not start or ended with an error.
    json_path, report_path : Path or None
        The analysis JSON and the report, when written.
    reps, passed : int
        Reps judged and passed (from the JSON).
    """

    code: int
    out_dir: Path
    error: str | None = None
    json_path: Path | None = None
    report_path: Path | None = None
    reps: int = 0
    passed: int = 0

    @property
    def text(self) -> str:
        """One line for the screen."""
        if self.json_path is None:
            return f"Last session: {self.error or 'nothing was recorded'}"
        rep = "rep" if self.reps == 1 else "reps"
        line = (
            f"Last session: {self.reps} {rep} judged, {self.passed} passed; saved in {self.out_dir}"
        )
        return line + (f" ({self.error})" if self.error else "")


def command_args(name: str, argv: list[str], **settings: Any) -> argparse.Namespace:
    """Arguments of ``neckimu <name>`` from its own parser; ``settings`` override options the
    command has (ones it does not have are ignored, e.g. a sound option another version
    names differently)."""
    module = importlib.import_module(f"neckimu._commands.{name}")
    parser = argparse.ArgumentParser(prog=f"neckimu {name}")
    module.add_arguments(parser)
    args = parser.parse_args(argv)
    for key, value in settings.items():
        if hasattr(args, key):
            setattr(args, key, value)
    args._module, args._name = module, name
    return args


def sound_default() -> bool:
    """Whether the commands play sound unless told otherwise."""
    args = command_args("demo", [])
    if hasattr(args, "no_sound"):
        return not args.no_sound
    return bool(getattr(args, "sound", False))


def run_session(name: str, argv: list[str], out_dir: Path, **settings: Any) -> SessionOutcome:
    """Run ``neckimu <name> argv`` in this process (its window included) and sum it up."""
    import json

    args = command_args(name, argv, **settings)
    error = None
    try:
        code = int(args._module.run(args) or 0)
    except NeckimuError as e:
        code, error = 2, str(e)
        print(f"neckimu {name}: error: {e}", file=sys.stderr, flush=True)
    js = sorted(out_dir.glob("*.json"), key=lambda p: p.stat().st_mtime)
    if not js:
        return SessionOutcome(code, out_dir, error)
    try:
        reps = json.loads(js[-1].read_text(encoding="utf-8")).get("reps", [])
    except (OSError, ValueError):
        reps = []
    # demo: the folder's index.html; live: <stem>-report/index.html
    report = next(
        (
            p
            for p in (out_dir / "index.html", *sorted(out_dir.glob("*-report/index.html")))
            if p.exists()
        ),
        out_dir / "index.html",
    )
    return SessionOutcome(
        code,
        out_dir,
        error,
        js[-1],
        report if report.exists() else None,
        len(reps),
        sum(r.get("verdict") == "pass" for r in reps if isinstance(r, dict)),
    )
