"""``neckimu export PATH [--events E] --out FILE.csv``: per-sample orientation and angles.

With a trunk board in the recording, the angle columns are the neck's (head relative to the
trunk, as everywhere in neckimu) and three more columns follow: the head against the room
(``head_*``) and the trunk's inclination (``trunk_forward_deg``, ``trunk_right_deg``)."""

from __future__ import annotations

import argparse
import warnings

from neckimu._commands._args import add_force

COLUMNS = ("time_s", "q_w", "q_x", "q_y", "q_z", "flexion_deg", "lateral_deg", "rotation_deg")
#: Added after :data:`COLUMNS` when the recording has a trunk board.
TRUNK_COLUMNS = (
    "head_flexion_deg",
    "head_lateral_deg",
    "head_rotation_deg",
    "trunk_forward_deg",
    "trunk_right_deg",
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", help="recording or interchange CSV (.csv or .csv.gz)")
    p.add_argument("--events", help="events CSV time_s,event,exercise")
    p.add_argument("--out", required=True, help="output CSV (.csv, or .csv.gz compressed)")
    p.add_argument("--mount", help="mount preset (forehead, back_of_head, top_of_head)")
    p.add_argument(
        "--mag",
        action="store_true",
        help="9D quaternions: heading from the magnetometer (east-north-up); "
        "default 6D, whose heading is arbitrary",
    )
    add_force(p)


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from neckimu._commands._args import mount_name, recording_out
    from neckimu.output_files import check_outputs, staged_outputs
    from neckimu.pipeline import analyze
    from neckimu.recording.reader import RecordingWarning, read_recording
    from neckimu.recording.writer import format_rows

    if args.mount is not None:
        mount_name(args.mount)
    recording_out(args.out)  # .csv or .csv.gz, in a folder that exists
    check_outputs({"--out": args.out}, [args.path, args.events], force=args.force)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RecordingWarning)
        rec = read_recording(args.path, args.events)
    analysis = analyze(rec, mount=args.mount, verify=False)
    quat = analysis.orientation.quat
    if args.mag:
        from neckimu.errors import InputError
        from neckimu.orientation import estimate_offline

        if rec.samples.mag is None:
            raise InputError(rec.path, "--mag needs mag_x, mag_y, mag_z columns")
        quat = estimate_offline(rec.samples, use_mag=True).quat  # angles stay 6D-based
    table = np.column_stack([rec.samples.t, quat, analysis.angles_deg])
    formats = ["%.6f"] + ["%.8f"] * 4 + ["%.4f"] * 3
    columns = COLUMNS
    if analysis.trunk is not None:
        table = np.column_stack([table, analysis.trunk.head_deg, analysis.trunk.trunk_deg])
        formats += ["%.4f"] * 5
        columns += TRUNK_COLUMNS
        print(
            "note: with the trunk board, flexion/lateral/rotation_deg are the neck's (head "
            "relative to the trunk); head_* are the head against the room, trunk_* the trunk's "
            "inclination"
        )
    with staged_outputs() as stage:
        stage.write_text(args.out, ",".join(columns) + "\n" + format_rows(table, formats))
    for note in analysis.notes:
        print(f"note: {note}")
    print(f"wrote {len(table)} rows to {args.out}")
    return 0
