"""``neckimu analyze PATH [--events E] [--json OUT] [--plot OUT.png]``."""

from __future__ import annotations

import argparse
import sys
import warnings
from typing import TYPE_CHECKING

from neckimu._commands._args import add_force

if TYPE_CHECKING:
    from neckimu.recording.reader import Recording


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", help="recording or interchange CSV (.csv or .csv.gz)")
    p.add_argument("--events", help="events CSV time_s,event,exercise")
    p.add_argument("--json", dest="json_out", help="write the analysis as JSON here")
    p.add_argument(
        "--plot",
        help="write a picture (.png, .svg or .pdf) of the three head angles over time here",
    )
    p.add_argument("--mount", help="mount preset (forehead, back_of_head, top_of_head)")
    p.add_argument("--quiet", action="store_true", help="no summary on stdout")
    p.add_argument(
        "--store-calibration",
        action="store_true",
        help="append the head-frame calibration to the recording's metadata "
        "(neckimu recordings in plain .csv only)",
    )
    add_force(p)


def progress_bar(total_samples: int):
    """A stage progress bar on stderr for long files (over ~10 minutes of data)."""
    from tqdm import tqdm

    stages = ["read", "orientation", "head frame", "angles", "verification", "output"]
    bar = tqdm(
        total=len(stages),
        desc="analyze",
        unit="stage",
        leave=False,
        disable=total_samples < 60_000 or not sys.stderr.isatty(),
    )

    def step(name: str) -> None:
        bar.set_postfix_str(name)
        bar.update(1)

    return step, bar.close


def run(args: argparse.Namespace) -> int:
    from neckimu._commands._args import plot_out
    from neckimu.errors import InputError
    from neckimu.mounts import get_mount
    from neckimu.output_files import check_outputs, json_text, staged_outputs
    from neckimu.pipeline import analyze
    from neckimu.recording.reader import RecordingWarning, read_recording
    from neckimu.results import summary_lines, to_json

    if args.mount:
        try:
            get_mount(args.mount)
        except ValueError as e:
            raise InputError("--mount", str(e)) from None
    plot = plot_out(args.plot)
    check_outputs(
        {"--json": args.json_out, "--plot": plot}, [args.path, args.events], force=args.force
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RecordingWarning)  # kept in rec.warnings, printed below
        rec = read_recording(args.path, args.events)
    step, close = progress_bar(len(rec.samples))
    step("read")
    try:
        analysis = analyze(rec, mount=args.mount, progress=step)
        step("output")
        with staged_outputs() as stage:  # all outputs or none
            if args.json_out:
                stage.write_text(args.json_out, json_text(to_json(analysis)))
            if plot is not None:
                from neckimu.plots import plot_angles

                plot_angles(analysis, stage.path(plot))
            if args.store_calibration:
                _store_calibration(rec, analysis.calibration.to_meta())
    finally:
        close()
    if not args.quiet:
        print("\n".join(summary_lines(analysis)))
    return 0


def _store_calibration(rec: Recording, calibration: dict) -> None:
    """Append the calibration to the recording's metadata unless it is there already."""
    from neckimu.errors import InputError
    from neckimu.recording.writer import append_meta

    if rec.meta.get("calibration") == calibration:
        return
    try:
        append_meta(rec.path, calibration=calibration)
    except ValueError as e:
        raise InputError(rec.path, f"--store-calibration: {e}") from None
