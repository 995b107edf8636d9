"""``neckimu replay``: a recording driving the live window, with pause and seek."""

from __future__ import annotations

import argparse

from neckimu._commands._args import add_force, add_screenshot


def _speed(value: str) -> float | None:
    if value == "max":
        return None
    try:
        v = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number or max, not {value!r}") from None
    if not v > 0:
        raise argparse.ArgumentTypeError("must be > 0")
    return None if v == float("inf") else v  # inf: as fast as it goes, as max


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``neckimu replay``."""
    parser.add_argument("recording", metavar="REC", help="recording (.csv or .csv.gz)")
    parser.add_argument("--events", default=None, help="events CSV time_s,event,exercise")
    parser.add_argument(
        "--speed", type=_speed, default=1.0, help="1 (real time), 4, any factor, or max (default 1)"
    )
    parser.add_argument(
        "--start",
        type=float,
        default=None,
        metavar="S",
        help="start at this recording time, s: what comes before is taken at full speed (the "
        "calibration and the verdicts are those of a straight run) and not printed as played; "
        "the final verdicts list every rep",
    )
    parser.add_argument(
        "--headless", action="store_true", help="no window: progress in the terminal"
    )
    parser.add_argument(
        "--out", default=None, help="folder for the analysis JSON and report at the end"
    )
    add_screenshot(parser, "recording")
    parser.add_argument("--mount", default=None, help="mount preset (default: the recording's)")
    add_force(parser)


def run(args: argparse.Namespace) -> int:
    """Replay ``REC`` in the window (or the terminal)."""
    from pathlib import Path

    from neckimu._commands._args import mount_name
    from neckimu.errors import NeckimuError
    from neckimu.live.app import check_png, check_session_outputs, run_and_finish
    from neckimu.live.replay import ReplaySource, recorded_routine
    from neckimu.live.session import LiveSession
    from neckimu.recording.reader import read_recording

    shot = check_png(args.screenshot)
    if args.mount is not None:
        mount_name(args.mount)
    out = Path(args.out) if args.out else None
    if out is not None and out.exists() and not out.is_dir():
        raise NeckimuError(f"--out: {str(out)!r} exists and is not a folder")
    stem = Path(args.recording).name.split(".")[0]
    check_session_outputs(
        out, stem, screenshot=shot, inputs=(args.recording, args.events), force=args.force
    )
    rec = read_recording(args.recording, args.events)
    if len(rec.samples) < 2:
        raise NeckimuError(f"{args.recording}: fewer than two samples")
    source = ReplaySource(rec, speed=args.speed)
    start_s = None
    if args.start is not None:
        start_s = _start(args.start, rec.samples.duration_s, args.recording)
        start_s += float(rec.samples.t[0])
        source.seek(start_s)
    session = LiveSession(source, mount=args.mount, routine=recorded_routine(rec))
    speed = "max" if args.speed is None else f"{args.speed:g}x"
    print(f"replaying {args.recording} ({rec.samples.duration_s:.0f} s) at {speed}", flush=True)
    return run_and_finish(
        session,
        headless=args.headless,
        out_dir=out,
        stem=stem,
        screenshot=shot,
        screenshot_at=args.screenshot_at,
        start_s=start_s,
    )


def _start(start: float, duration_s: float, path: str) -> float:
    """Check ``--start`` against the recording: from 0 to its end (one-line errors)."""
    from neckimu.errors import NeckimuError

    if not start >= 0:
        raise NeckimuError(
            f"--start must be 0 or more (s from the recording's start), not {start:g}"
        )
    if start >= duration_s:
        raise NeckimuError(
            f"--start {start:g} s is beyond the end of {path} ({duration_s:.0f} s long)"
        )
    return float(start)
