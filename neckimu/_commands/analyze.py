"""``neckimu analyze PATH [--events E] [--json OUT] [--plot OUT.png]``."""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from neckimu._commands._args import add_force
from neckimu.errors import NeckimuError

if TYPE_CHECKING:
    from neckimu.recording.reader import Recording


def add_arguments(p: argparse.ArgumentParser) -> None:
    # optional here so that a missing recording gets a hint (`analyze --json rec.csv` takes
    # rec.csv as the JSON to write), not only argparse's "the following arguments are required"
    p.add_argument("path", nargs="?", help="recording or interchange CSV (.csv or .csv.gz)")
    p.add_argument("--events", help="events CSV time_s,event,exercise")
    p.add_argument(
        "--json",
        dest="json_out",
        help="write the analysis as JSON here ('-': to standard output, the summary then to "
        "standard error)",
    )
    p.add_argument(
        "--plot",
        help="write a picture (.png, .svg or .pdf) of the three head angles over time here "
        "(the neck's and the trunk's inclination with a trunk board)",
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


def progress_bar(total_samples: int) -> tuple[Callable[[str], None], Callable[[], None]]:
    """A stage progress bar on stderr for long files (over ~10 minutes of data).

    Returns ``(step, close)``; both do nothing (and tqdm is not imported) when no bar is shown.
    """
    if total_samples < 60_000 or not sys.stderr.isatty():
        return (lambda _name: None), (lambda: None)
    from tqdm import tqdm

    stages = ["read", "orientation", "head frame", "angles", "verification", "output"]
    bar = tqdm(total=len(stages), desc="analyze", unit="stage", leave=False)

    def step(name: str) -> None:
        bar.set_postfix_str(name)
        bar.update(1)

    return step, bar.close


def _missing_path(json_out: str | None) -> str:
    """The one-line error for an ``analyze`` without a recording."""
    text = "which recording? neckimu analyze REC.csv [--json OUT.json]"
    if json_out and json_out.endswith((".csv", ".csv.gz")):
        text += f" (--json names the file to write, not the recording: got {json_out})"
    return text


def run(args: argparse.Namespace) -> int:
    from neckimu._commands._args import mount_name, plot_out
    from neckimu.output_files import check_outputs

    if args.path is None:
        raise NeckimuError(_missing_path(args.json_out))
    plot = plot_out(args.plot)
    to_stdout = args.json_out == "-"
    json_file = None if to_stdout else args.json_out
    check_outputs({"--json": json_file, "--plot": plot}, [args.path, args.events], force=args.force)
    from neckimu.recording.reader import RecordingWarning

    with warnings.catch_warnings():  # for the reading thread too: it ends inside
        warnings.simplefilter("ignore", RecordingWarning)  # kept in rec.warnings, printed below
        # parse the file (pandas' tokenizer runs without the GIL) while scipy and the
        # verifiers are imported: on two cores this costs about the longer of the two
        reading = _read_in_background(args.path, args.events)
        from neckimu.output_files import json_text, staged_outputs
        from neckimu.pipeline import analyze
        from neckimu.results import summary_lines, to_json

        if args.mount:
            mount_name(args.mount)
        rec = reading()
    step, close = progress_bar(len(rec.samples))
    step("read")
    try:
        analysis = analyze(rec, mount=args.mount, progress=step)
        step("output")
        with staged_outputs() as stage:  # all outputs or none
            if json_file:
                stage.write_text(json_file, json_text(to_json(analysis)))
            if plot is not None:
                from neckimu.plots import plot_angles

                plot_angles(analysis, stage.path(plot))
            if args.store_calibration:
                _store_calibration(rec, analysis.calibration.to_meta())
    finally:
        close()
    if to_stdout:
        sys.stdout.write(json_text(to_json(analysis)))
        sys.stdout.flush()
    if not args.quiet:
        words = sys.stderr if to_stdout else sys.stdout
        print("\n".join(summary_lines(analysis)), file=words)
        written = [str(p) for p in (json_file, plot) if p is not None]
        if args.store_calibration:
            written.append(f"{args.path} (calibration stored)")
        if written:
            print("wrote " + ", ".join(written), file=words)
    return 0


def _read_in_background(path: str, events: str | None) -> Callable[[], Recording]:
    """Start reading the recording in a thread; the returned function waits for it and
    returns it, or raises what the reader raised."""
    import threading

    from neckimu.recording.reader import read_recording

    out: dict[str, Any] = {}

    def read() -> None:
        try:
            out["rec"] = read_recording(path, events)
        except BaseException as e:  # handed to the main thread
            out["error"] = e

    thread = threading.Thread(target=read, name="neckimu-read", daemon=True)
    thread.start()

    def result() -> Recording:
        thread.join()
        if "error" in out:
            raise out["error"]
        return out["rec"]

    return result


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
