"""``neckimu live``: train with a real headset, guided by a routine, in the live window."""

from __future__ import annotations

import argparse

from neckimu._commands._args import add_force, add_renamed, add_sound


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``neckimu live``."""
    parser.add_argument(
        "--device",
        required=True,
        metavar="NAME|ADDRESS",
        help="the headset: its name (neckimu-XXXX, see `neckimu scan`) or address",
    )
    parser.add_argument(
        "--routine",
        default="default",
        help="guided routine: a shipped name (default, demo, rom) or a TOML file",
    )
    add_renamed(parser, "--protocol", "--routine")
    parser.add_argument(
        "--out",
        default="out/live",
        help="folder for the recording, JSON and report (default out/live)",
    )
    parser.add_argument(
        "--mount",
        default="forehead",
        help="where the headset sits: forehead, back_of_head, top_of_head",
    )
    parser.add_argument("--rate", type=float, default=None, help="IMU rate to ask for, Hz")
    parser.add_argument(
        "--headless", action="store_true", help="no window: progress in the terminal"
    )
    add_sound(parser)
    add_force(parser)


def run(args: argparse.Namespace) -> int:
    """Connect, cue the routine, record, judge."""
    import time

    from neckimu._commands._args import mount_name, out_folder
    from neckimu.live.app import check_session_outputs, check_wav, run_and_finish
    from neckimu.live.ble_sources import HeadsetSource
    from neckimu.live.routine import load_routine
    from neckimu.live.session import LiveSession

    mount_name(args.mount)
    routine = load_routine(args.routine)
    out = out_folder(args.out)
    stem = time.strftime("session-%Y%m%d-%H%M%S")
    cues = [c.event for c in routine.schedule()]
    audio = check_wav(args.audio_out)
    check_session_outputs(out, stem, recording=out / f"{stem}.csv", audio=audio, force=args.force)
    source = HeadsetSource(
        args.device,
        out / f"{stem}.csv",
        cues,
        meta={"mount": args.mount, "routine": routine.name, **routine.targets()},
        rate_hz=args.rate,
    )
    session = LiveSession(source, routine=routine, mount=args.mount)
    print(
        f"looking for {args.device}; routine {routine.name!r} "
        f"({routine.duration_s / 60:.0f} min); close the window or Ctrl-C to stop",
        flush=True,
    )
    return run_and_finish(
        session,
        headless=args.headless,
        out_dir=out,
        stem=stem,
        sound=args.sound,
        audio_out=audio,
    )
