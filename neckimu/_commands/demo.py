"""``neckimu demo``: a guided session with a simulated person over the real BLE stack."""

from __future__ import annotations

import argparse

from neckimu._commands._args import (
    add_force,
    add_renamed,
    add_screenshot,
    add_sound,
    checked_config,
    seed_value,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``neckimu demo``."""
    parser.add_argument(
        "--routine",
        default="demo",
        help="guided routine: a shipped name (demo, default, rom) or a TOML file",
    )
    add_renamed(parser, "--protocol", "--routine")
    parser.add_argument(
        "--out",
        default="out/demo",
        help="folder for the recording, JSON and report (default out/demo)",
    )
    parser.add_argument(
        "--speed",
        type=float,
        default=1.0,
        help="playback speed of the simulated session (default 1, real time)",
    )
    parser.add_argument(
        "--duration",
        type=float,
        default=None,
        help="stop after this many session seconds (a shortened session)",
    )
    parser.add_argument(
        "--headless", action="store_true", help="no window: progress in the terminal"
    )
    add_screenshot(parser, "session")
    add_sound(parser)
    parser.add_argument(
        "--seed",
        type=seed_value,
        default=4,
        help="simulation seed (default 4: a few mistakes in holds and retractions)",
    )
    parser.add_argument(
        "--fault-rate",
        type=float,
        default=0.3,
        help="share of reps the simulated person gets wrong (default 0.3)",
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=100.0,
        choices=(100.0, 200.0),
        help="IMU rate of the simulated headset, Hz (default 100)",
    )
    parser.add_argument(
        "--mount",
        default="forehead",
        help="where the headset sits: forehead, back_of_head, top_of_head",
    )
    add_force(parser)


def run(args: argparse.Namespace) -> int:
    """Simulate the person, stream them over bumble into the window (or the terminal)."""

    from neckimu._commands._args import mount_name, out_folder, positive
    from neckimu.live.app import check_png, check_session_outputs, check_wav, run_and_finish
    from neckimu.live.ble_sources import SimulatedSource
    from neckimu.live.routine import load_routine
    from neckimu.live.session import LiveSession
    from neckimu.live.simulated_person import session_config
    from neckimu.output_files import check_folder
    from neckimu.sim import simulate_session

    positive("--speed", args.speed)
    positive("--duration", args.duration)
    mount_name(args.mount)
    routine = load_routine(args.routine)
    out = check_folder("--out", args.out)
    shot = check_png(args.screenshot, creates=out)
    audio = check_wav(args.audio_out, creates=out)
    rec_path = out / "demo.csv"
    check_session_outputs(
        out, "demo", recording=rec_path, screenshot=shot, audio=audio, force=args.force
    )
    cfg = session_config(
        routine,
        seed=args.seed,
        fault_rate=args.fault_rate,
        board="rev2",
        rate_hz=args.rate,
        mount=args.mount,
    )
    checked_config(cfg)
    out_folder(args.out)  # created only once nothing is refused
    print(
        f"simulating the person for routine {routine.name!r} "
        f"({routine.duration_s:.0f} s, about {cfg.fault_rate:.0%} of reps with a mistake)"
    )
    sim = simulate_session(cfg)
    source = SimulatedSource(
        sim,
        rec_path,
        speed=args.speed,
        duration_s=args.duration,
        meta={"mount": args.mount, "routine": routine.name, **routine.targets()},
    )
    session = LiveSession(source, routine=routine)
    return run_and_finish(
        session,
        headless=args.headless,
        out_dir=out,
        stem="demo",
        screenshot=shot,
        screenshot_at=args.screenshot_at,
        sound=args.sound,
        audio_out=audio,
    )
