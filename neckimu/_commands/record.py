"""``neckimu record``: stream from a headset (or the simulated one) into a recording."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from neckimu._commands._args import add_force, add_simulated_headset, add_trunk, checked_config

if TYPE_CHECKING:
    from neckimu.ble.recorder import RecordResult


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``neckimu record``."""
    src = parser.add_mutually_exclusive_group(required=True)
    src.add_argument(
        "--device",
        metavar="NAME|ADDRESS",
        help="the headset: its name (neckimu-XXXX, see `neckimu scan`) or address",
    )
    src.add_argument(
        "--simulate",
        action="store_true",
        help="a simulated headset (guided session) over an in-process BLE stack",
    )
    parser.add_argument("--out", required=True, help="recording to write (.csv or .csv.gz)")
    parser.add_argument(
        "--duration",
        type=float,
        default=None,
        help="stop after this many seconds (default: Ctrl-C, or the end of the simulated session)",
    )
    parser.add_argument(
        "--mount",
        default="forehead",
        help="where the headset sits: forehead, back_of_head, top_of_head",
    )
    parser.add_argument("--rate", type=float, default=None, help="IMU rate to ask for, Hz")
    parser.add_argument("--no-mag", action="store_true", help="switch the magnetometer off")
    sim = add_simulated_headset(parser, seed_default=0)
    sim.add_argument("--board", default="rev2", help="rev1 or rev2 (default rev2)")
    add_trunk(parser)
    add_force(parser)


def run(args: argparse.Namespace) -> int:
    """Record until --duration, the end of the simulated session, Ctrl-C or SIGTERM."""
    import asyncio

    from neckimu._commands._args import mount_name, positive, recording_out, trunk_options
    from neckimu.errors import NeckimuError
    from neckimu.interrupt import cancel_on_signals
    from neckimu.output_files import check_outputs

    out = recording_out(args.out)
    check_outputs({"--out": out}, force=args.force, recordings=["--out"])
    positive("--duration", args.duration)
    positive("--speed", args.speed)
    mount_name(args.mount)
    meta = {"mount": args.mount}
    trunk_options(args)

    if args.simulate:
        from neckimu.ble.simulated import record_simulated, simulated_trunk
        from neckimu.sim import SessionConfig, simulate_session

        # a healthy board on a quiet link loses nothing: the simulator's random sample drops
        # (a stressed FIFO, missed connection events) are for the fault tests and `demo`
        cfg = SessionConfig(
            seed=args.seed,
            mount=args.mount,
            board=args.board,
            rate_hz=args.rate,
            magnetometer=not args.no_mag,
            drop_prob=0.0,
            drop_bursts_per_min=0.0,
            trunk=args.trunk,
            trunk_mount=args.trunk_mount,
        )
        checked_config(cfg)
        session = simulate_session(cfg)
        trunk = simulated_trunk(session, args.trunk_mount)
        print(
            f"simulated headset{'s (head and trunk)' if trunk else ''}: "
            f"{session.device.nominal_rate_hz:g} Hz, "
            f"{session.samples.duration_s:.0f} s session, playing at {args.speed:g}x; "
            "Ctrl-C stops and keeps the file",
            flush=True,
        )
        if args.duration is not None and args.duration > session.samples.duration_s:
            print(
                f"note: --duration {args.duration:g} s is longer than the simulated session: "
                f"the recording stops at its end ({session.samples.duration_s:.0f} s)",
                flush=True,
            )
        coro = record_simulated(
            session.device,
            out,
            events=session.events,
            speed=args.speed,
            duration_s=args.duration,
            meta=meta,
            trunk=trunk,
        )
    elif args.trunk:
        coro = _two_boards(args, out, meta)
        print(
            f"looking for {args.device} (head) and "
            f"{args.trunk_address or 'a second board'} (trunk); Ctrl-C stops and keeps the file",
            flush=True,
        )
    else:
        from neckimu.ble.client import HeadsetClient
        from neckimu.ble.recorder import Recorder

        client = HeadsetClient(args.device, rate_hz=args.rate, magnetometer=not args.no_mag)
        coro = Recorder(client, out, meta=meta, duration_s=args.duration).run()
        print(f"looking for {args.device}; Ctrl-C stops and keeps the file", flush=True)

    try:
        result, signal_name = asyncio.run(cancel_on_signals(coro))
    except OSError as e:
        raise NeckimuError(f"cannot write {out}: {e.strerror or e}") from None
    if result is None:  # stopped while connecting
        print("stopped before the headset answered; no file written")
        return 1
    s = result.stats
    if s.packets == 0 and not out.exists():
        print("stopped before the headset answered; no file written")
        return 1 if result.interrupted else 2
    how = (
        f"stopped by {signal_name}"
        if signal_name
        else "interrupted"
        if result.interrupted
        else "done"
    )
    print(
        f"{out}: {how}, {s.samples} samples, {s.gaps} gaps ({s.missing} samples missing), "
        f"{s.events} event{'s' * (s.events != 1)}, {s.malformed} malformed packets dropped, "
        f"{result.connections} connection(s)"
    )
    if out.exists():
        from neckimu.pipeline import store_calibration

        store_calibration(out)
    if result.trunk is not None:
        ts = result.trunk
        print(
            f"trunk board: {ts.stats.samples} samples, {ts.stats.gaps} gaps "
            f"({ts.stats.missing} samples missing), {ts.stats.malformed} malformed packets "
            f"dropped, {ts.connections} connection(s), on the head's time base"
        )
    for note in result.notes:
        print(f"note: {note}")
    return 0


async def _two_boards(args: argparse.Namespace, out: Path, meta: dict) -> RecordResult:
    """Two real boards: the trunk by ``--trunk-address`` or found by a scan."""
    from neckimu.ble.pairing import find_trunk, two_board_recorder

    trunk = args.trunk_address
    if trunk is None:
        trunk = await find_trunk(args.device)
        print(f"trunk board: {trunk}", flush=True)
    rec = two_board_recorder(
        args.device,
        trunk,
        out,
        meta=meta,
        duration_s=args.duration,
        rate_hz=args.rate,
        magnetometer=not args.no_mag,
        trunk_mount=args.trunk_mount,
    )
    return await rec.run()
