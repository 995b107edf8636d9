"""Argument checks shared by several commands (one-line errors, exit 2)."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from neckimu.errors import NeckimuError


def checked_config(cfg: object) -> None:
    """A simulated session's configuration (``neckimu.sim.SessionConfig``) checked: a value
    out of range is the one-line error of the option that set it."""
    try:
        cfg.check()  # type: ignore[attr-defined]
    except ValueError as e:
        raise NeckimuError(str(e)) from None


def seed_value(text: str) -> int:
    """``--seed``: a whole number >= 0 (numpy's generators take no negative seed)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"a seed is 0 or more, not {value}")
    return value


def add_simulated_headset(parser: argparse.ArgumentParser, seed_default: int) -> Any:
    """The options of the simulated headset (``--speed``, ``--seed``), in their own group
    (returned, for a command's own further options)."""
    sim = parser.add_argument_group("simulated headset")
    sim.add_argument(
        "--speed",
        type=float,
        default=1.0,
        help="playback speed of the simulated session (default 1, real time)",
    )
    sim.add_argument(
        "--seed",
        type=seed_value,
        default=seed_default,
        help=f"simulation seed (default {seed_default})",
    )
    return sim


def recording_out(value: str) -> Path:
    """Check an output recording path: ``.csv`` or ``.csv.gz`` in an existing folder."""
    out = Path(value)
    if not out.name.endswith((".csv", ".csv.gz")):
        raise NeckimuError(f"--out must end in .csv or .csv.gz, not {out.name!r}")
    if not out.parent.is_dir():
        raise NeckimuError(f"--out: folder {str(out.parent)!r} does not exist")
    return out


def mount_name(value: str) -> str:
    """Check a mount preset name (``neckimu/mounts.toml``)."""
    from neckimu.mounts import get_mount

    try:
        get_mount(value)
    except ValueError as e:
        raise NeckimuError(str(e)) from None
    return value


def positive(option: str, value: float | None) -> None:
    """Check that an option's value, when given, is > 0 and finite (``--speed``,
    ``--duration``: ``--speed inf`` hung the simulated headset)."""
    if value is not None and not 0 < value < float("inf"):
        raise NeckimuError(f"{option} must be > 0" + (" and finite" if value > 0 else ""))


def out_folder(value: str) -> Path:
    """Create (if needed) an output folder."""
    out = Path(value)
    if out.exists() and not out.is_dir():
        raise NeckimuError(f"--out: {str(out)!r} exists and is not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise NeckimuError(f"--out: cannot create {out}: {e.strerror or e}") from None
    return out


@contextlib.contextmanager
def session_folder(value: str) -> Iterator[Path]:
    """:func:`out_folder` for a session; the folders it created are removed again if the
    session left them empty (a device that could not be reached)."""
    path = Path(value)
    created = [p for p in (path, *path.parents) if not p.exists()]  # deepest first
    out = out_folder(value)
    try:
        yield out
    finally:
        for folder in created:
            try:
                folder.rmdir()
            except OSError:  # not empty: the session wrote to it
                break


def add_force(parser: argparse.ArgumentParser) -> None:
    """``--force``: allow overwriting existing output files (never an input)."""
    parser.add_argument(
        "--force",
        action="store_true",
        help="overwrite existing output files (an input is never overwritten)",
    )


def add_sound(parser: argparse.ArgumentParser) -> None:
    """``--sound``/``--no-sound`` (cue sounds, on by default) and ``--audio-out WAV``."""
    parser.add_argument(
        "--sound",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="cue sounds: start and end of each exercise, a countdown, a warning when a hold "
        "moves, pass or fail per rep (default on; --no-sound mutes them)",
    )
    parser.add_argument(
        "--audio-out",
        metavar="WAV",
        default=None,
        help="also write the session's cue sounds to this WAV file (0 s = session time 0)",
    )


def add_screenshot(parser: argparse.ArgumentParser, clock: str) -> None:
    """``--screenshot PNG`` and ``--screenshot-at S`` (``clock``: "session" or "recording")."""
    parser.add_argument(
        "--screenshot",
        metavar="PNG",
        default=None,
        help="save a picture of the window (rendered offscreen if needed)",
    )
    parser.add_argument(
        "--screenshot-at",
        type=float,
        default=None,
        metavar="S",
        help=f"{clock} time of the screenshot, s (default: the end)",
    )


#: File types ``--plot`` can write (matplotlib picks the format from the suffix).
PLOT_SUFFIXES = (".png", ".svg", ".pdf")


def plot_out(value: str | None) -> Path | None:
    """Check a ``--plot`` path: a picture type matplotlib writes."""
    if value is None:
        return None
    p = Path(value)
    if p.suffix.lower() not in PLOT_SUFFIXES:
        raise NeckimuError(f"--plot must end in {', '.join(PLOT_SUFFIXES)}, not {p.name!r}")
    return p


def add_renamed(parser: argparse.ArgumentParser, old: str, new: str) -> None:
    """Accept a renamed option only to say what it is called now (hidden from the help)."""

    class Renamed(argparse.Action):
        def __call__(
            self,
            parser: argparse.ArgumentParser,
            namespace: argparse.Namespace,
            values: object,
            option_string: str | None = None,
        ) -> None:
            parser.error(f"{old} is now called {new} (e.g. {new} {values})")

    parser.add_argument(old, action=Renamed, help=argparse.SUPPRESS)


def add_trunk(parser: argparse.ArgumentParser) -> None:
    """``--trunk``, ``--trunk-address``, ``--trunk-mount``: a second board on the upper back."""
    g = parser.add_argument_group("second board on the trunk")
    g.add_argument(
        "--trunk",
        action="store_true",
        help="a second board on the upper back, recorded at the same time (format v2 "
        "recording; with --simulate a second simulated board)",
    )
    g.add_argument(
        "--trunk-address",
        metavar="NAME|ADDRESS",
        default=None,
        help="the trunk board (default: the one other neckimu board a scan finds, or of "
        "several the one that reports role trunk)",
    )
    g.add_argument(
        "--trunk-mount",
        default=None,
        help="trunk mount preset: between_shoulder_blades (default) or collar; needs --trunk",
    )


#: The trunk mount preset when ``--trunk`` is given without ``--trunk-mount``.
DEFAULT_TRUNK_MOUNT = "between_shoulder_blades"


def trunk_options(args: argparse.Namespace) -> None:
    """Check the trunk options (one-line errors): ``--trunk-address`` implies ``--trunk``;
    it needs a real head board; ``--trunk-mount`` needs ``--trunk`` (an option that would
    be ignored is an error) and must be a trunk preset. Sets ``args.trunk_mount`` to the
    default preset when it was not given."""
    from neckimu.mounts import TRUNK_MOUNTS

    if getattr(args, "trunk_address", None) is not None:
        if getattr(args, "simulate", False):
            raise NeckimuError("--trunk-address names a real board: not with --simulate")
        args.trunk = True
    if args.trunk_mount is None:
        args.trunk_mount = DEFAULT_TRUNK_MOUNT
    elif not args.trunk:
        raise NeckimuError("--trunk-mount needs --trunk")
    if args.trunk and args.trunk_mount not in TRUNK_MOUNTS:
        raise NeckimuError(
            f"unknown trunk mount {args.trunk_mount!r}; presets: {', '.join(sorted(TRUNK_MOUNTS))}"
        )
