"""``neckimu simulate``: write a simulated guided session (recording + ground truth)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from neckimu._commands._args import add_force, checked_config, seed_value
from neckimu.errors import NeckimuError

if TYPE_CHECKING:
    from neckimu.sim.session import SimulatedSession


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``neckimu simulate``."""
    parser.add_argument(
        "--out",
        required=True,
        help="recording to write (.csv or .csv.gz); "
        "the truth goes to <name>.truth.json and <name>.truth.csv.gz",
    )
    parser.add_argument("--seed", type=seed_value, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--mount", default="forehead", help="mount preset: forehead, back_of_head, top_of_head"
    )
    parser.add_argument("--board", default="rev1", help="rev1 (LSM9DS1) or rev2 (BMI270+BMM150)")
    parser.add_argument(
        "--rate",
        type=float,
        default=None,
        help="nominal IMU rate, Hz (rev1: 119; rev2: 100 or 200)",
    )
    parser.add_argument(
        "--routine",
        "--script",
        dest="routine",
        default="guided",
        help="guided: calibration, holds, retractions, one stretch; stretch: "
        "calibration and 4-6 alternating lateral stretches; rom: calibration and the range "
        "of motion, each direction to its end and back twice, true angles in "
        "<name>.truth.json; posture: desk work with slumps, --duration long "
        "(default guided; --script is the old name)",
    )
    parser.add_argument(
        "--duration",
        type=float,
        default=600.0,
        help="length of the posture routine's desk work, s (default 600)",
    )
    parser.add_argument(
        "--faults",
        default="",
        # written out, not imported (help stays light): tests check it names every fault
        help="comma list of mistakes to inject: holds moved, creep, tipped_back; "
        "retractions extension, protraction, downward, nod_only, lateral, too_small (two "
        "joined by +, e.g. too_small+extension); stretches not_reached, wrong_side, short, "
        "unsteady (also stretch_short, stretch_unsteady); with --trunk: trunk_lean "
        "(retractions), slouch (--routine posture)",
    )
    parser.add_argument(
        "--fault-rate",
        type=float,
        default=0.0,
        help="probability that a rep is faulty (mixes faults over reps)",
    )
    parser.add_argument(
        "--near-share",
        type=float,
        default=0.5,
        help="share of mistakes drawn near the pass rule's threshold, about "
        "half of which then pass (default 0.5; 0: only clear mistakes)",
    )
    parser.add_argument(
        "--mount-rotation-max-deg",
        type=float,
        default=25.0,
        help="largest extra mounting rotation, deg (default 25)",
    )
    parser.add_argument("--hold-reps", type=int, default=3, help="reps per hold (default 3)")
    parser.add_argument(
        "--retraction-reps", type=int, default=8, help="reps of the retraction set (default 8)"
    )
    parser.add_argument(
        "--stretch",
        default=None,
        choices=["stretch_left", "stretch_right"],
        help="which stretch, or the routine's first (default: chosen by the seed)",
    )
    parser.add_argument(
        "--stretch-reps",
        type=int,
        default=None,
        help="stretches of the stretch routine (default: 4-6 by the seed)",
    )
    parser.add_argument(
        "--stretch-hold-s", type=float, default=30.0, help="stretch hold time, s (default 30)"
    )
    parser.add_argument(
        "--trunk",
        action="store_true",
        help="a second board on the upper back (format v2 recording; faults trunk_lean, slouch)",
    )
    parser.add_argument(
        "--trunk-mount",
        default=None,
        help="trunk mount preset: between_shoulder_blades (default) or collar; needs --trunk",
    )
    add_force(parser)


#: The kinds of fault each routine has reps for (the kinds of ``neckimu.sim.faults``).
_ROUTINE_FAULTS = {
    "guided": ("hold", "retraction", "stretch", "trunk_lean"),
    "stretch": ("stretch",),
    "rom": (),
    "posture": ("slouch",),
}


def _faults_fit_routine(faults: tuple[str, ...], routine: str) -> None:
    """One line for a fault the routine has no rep for (``--faults slouch`` in a guided
    session injected nothing, silently)."""
    from neckimu.sim import faults as F

    kinds = {
        **dict.fromkeys(F.HOLD_FAULTS, "hold"),
        **dict.fromkeys(F.RETRACTION_FAULTS, "retraction"),
        **dict.fromkeys(F.STRETCH_FAULTS + tuple(F.LEGACY_NAMES), "stretch"),
        "trunk_lean": "trunk_lean",
        "slouch": "slouch",
    }
    for f in faults:
        kind = kinds.get(f.split("+")[0])
        if kind is not None and kind not in _ROUTINE_FAULTS.get(routine, ()):
            where = " or ".join(r for r, kinds in _ROUTINE_FAULTS.items() if kind in kinds)
            raise NeckimuError(
                f"--faults {f}: the {routine} routine has no rep it can happen in "
                f"(use --routine {where})"
            )


def run(args: argparse.Namespace) -> int:
    """Simulate and write; bad arguments raise NeckimuError (one line, exit 2)."""

    from neckimu._commands._args import positive, recording_out, trunk_options
    from neckimu.output_files import check_outputs
    from neckimu.sim.session import SessionConfig, simulate_session
    from neckimu.sim.truth import truth_paths

    trunk_options(args)
    out = recording_out(args.out)
    if args.routine not in ("guided", "stretch", "rom", "posture"):
        raise NeckimuError(
            f"--routine must be guided, stretch, rom or posture, not {args.routine!r}"
        )
    truth_json, truth_csv = truth_paths(out)
    events_csv = out.with_name(out.name.removesuffix(".gz").removesuffix(".csv") + ".events.csv")
    check_outputs(
        {"--out": out, "truth": truth_json, "truth samples": truth_csv, "events": events_csv},
        force=args.force,
        recordings=["--out"],
    )
    faults = tuple(f.strip() for f in args.faults.split(",") if f.strip())
    _faults_fit_routine(faults, args.routine)
    positive("--duration", args.duration)
    cfg = SessionConfig(
        seed=args.seed,
        mount=args.mount,
        board=args.board,
        rate_hz=args.rate,
        faults=faults,
        fault_rate=args.fault_rate,
        mount_rotation_max_deg=args.mount_rotation_max_deg,
        hold_reps=args.hold_reps,
        retraction_reps=args.retraction_reps,
        stretch=args.stretch,
        stretch_hold_s=args.stretch_hold_s,
        script=args.routine,
        stretch_reps=args.stretch_reps,
        near_share=args.near_share,
        trunk=args.trunk,
        trunk_mount=args.trunk_mount,
        **({"rest_duration_s": args.duration} if args.routine == "posture" else {}),
    )
    checked_config(cfg)
    session = simulate_session(cfg)
    _write_all_or_nothing(session, out)
    reps = session.truth["reps"]
    failed = sum(r["verdict"] == "fail" for r in reps)
    injected = sum(r["injected"] is not None for r in reps)
    print(
        f"{out}: {len(session.samples)} samples, {session.samples.duration_s:.0f} s, "
        f"{len(reps)} reps ({injected} with injected mistakes, {failed} failing the pass "
        "rules), truth and events beside it"
    )
    if "rom_deg" in session.truth:
        rom = session.truth["rom_deg"]
        print(
            "true range of motion, deg: "
            + ", ".join(
                f"{k.replace('_', ' ')} {v:.1f}" if v is not None else f"{k} -"
                for k, v in rom.items()
            )
        )
    return 0


def _write_all_or_nothing(session: SimulatedSession, out: Path) -> None:
    """Write the recording and its truth files into a hidden folder beside ``out``, then move
    them into place: a failure leaves no partial file."""
    import os
    import shutil
    import tempfile

    try:
        tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}."))
    except OSError as e:
        raise NeckimuError(f"cannot write {out}: {e.strerror or e}") from None
    try:
        session.write(tmp / out.name)
        for f in sorted(tmp.iterdir()):
            os.replace(f, out.parent / f.name)
    except OSError as e:
        raise NeckimuError(f"cannot write {out}: {e.strerror or e}") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
