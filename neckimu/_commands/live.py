"""``neckimu live``: train with a real headset, guided by a routine, in the live window."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from neckimu._commands._args import (
    add_force,
    add_renamed,
    add_simulated_headset,
    add_sound,
    add_trunk,
    checked_config,
)

if TYPE_CHECKING:
    from neckimu.live.ble_sources import SimulatedSource
    from neckimu.live.routine import Routine


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``neckimu live``."""
    src = parser.add_mutually_exclusive_group(required=True)
    src.add_argument(
        "--device",
        metavar="NAME|ADDRESS",
        help="the headset: its name (neckimu-XXXX, see `neckimu scan`) or address",
    )
    src.add_argument(
        "--simulate",
        action="store_true",
        help="a simulated person on simulated headsets over an in-process BLE stack "
        "(as `neckimu demo`, with the options below)",
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
    add_trunk(parser)
    sim = add_simulated_headset(parser, seed_default=4)
    sim.add_argument(
        "--duration",
        type=float,
        default=None,
        help="stop after this many session seconds (a shortened simulated session)",
    )
    add_force(parser)


def run(args: argparse.Namespace) -> int:
    """Connect, cue the routine, record, judge."""
    import time

    from neckimu._commands._args import mount_name, positive, session_folder, trunk_options
    from neckimu.live.app import check_session_outputs, check_wav, run_and_finish
    from neckimu.live.ble_sources import HeadsetSource
    from neckimu.live.routine import load_routine
    from neckimu.live.session import LiveSession
    from neckimu.output_files import check_folder

    mount_name(args.mount)
    trunk_options(args)
    positive("--speed", args.speed)
    positive("--duration", args.duration)
    routine = load_routine(args.routine)
    out = check_folder("--out", args.out)
    stem = time.strftime("session-%Y%m%d-%H%M%S")
    cues = [c.event for c in routine.schedule()]
    audio = check_wav(args.audio_out, creates=out)
    # each session its own report folder: a second session into the same --out folder
    # neither overwrites the first one's report nor needs --force
    report_dir = out / f"{stem}-report"
    check_session_outputs(
        out,
        stem,
        recording=out / f"{stem}.csv",
        audio=audio,
        force=args.force,
        report_dir=report_dir,
    )
    with session_folder(args.out):  # created only once nothing is refused
        meta = {"mount": args.mount, "routine": routine.name, **routine.targets()}
        if args.simulate:
            source = _simulated(args, routine, out / f"{stem}.csv", meta)
            what = source.label
        else:
            source = HeadsetSource(
                args.device,
                out / f"{stem}.csv",
                cues,
                meta=meta,
                rate_hz=args.rate,
                trunk=(args.trunk_address or "scan") if args.trunk else None,
                trunk_mount=args.trunk_mount,
            )
            what = args.device + (
                f" and the trunk board {args.trunk_address or '(scanning)'}" if args.trunk else ""
            )
        session = LiveSession(source, routine=routine, mount=args.mount)
        print(
            f"looking for {what}; routine {routine.name!r} "
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
            report_dir=report_dir,
        )


def _simulated(
    args: argparse.Namespace, routine: Routine, path: Path, meta: dict
) -> SimulatedSource:
    """The simulated person of the routine on simulated headsets (with ``--trunk`` a second
    board on the trunk, recorded into the same format v2 recording)."""
    from neckimu.ble.simulated import simulated_trunk
    from neckimu.live.ble_sources import SimulatedSource
    from neckimu.live.simulated_person import session_config
    from neckimu.sim import simulate_session

    cfg = session_config(
        routine,
        seed=args.seed,
        fault_rate=0.3,
        board="rev2",
        rate_hz=args.rate or 100.0,
        mount=args.mount,
        trunk=args.trunk,
        trunk_mount=args.trunk_mount,
    )
    checked_config(cfg)
    sim = simulate_session(cfg)
    return SimulatedSource(
        sim,
        path,
        speed=args.speed,
        duration_s=args.duration,
        meta=meta,
        trunk=simulated_trunk(sim, args.trunk_mount),
    )
