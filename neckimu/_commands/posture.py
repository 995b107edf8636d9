"""``neckimu posture``: desk posture mode — time spent with the head flexed forward.

Live (``--device`` a real headset, ``--simulate`` the simulated headset over the bumble BLE
stack with a simulated person at a desk who slumps forward now and then): a short calibration
(sit tall, look ahead, then nod slowly), then a status line and a reminder (terminal bell)
after a sustained period head-forward; the session is recorded with ``calibrate`` and
``posture`` events. Offline (``--analyze REC``): the summary of a recording.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from neckimu._commands._args import add_force, seed_value

#: cue times of the live calibration with a real headset, s from the first connection
CALIBRATE_START_S, CALIBRATE_END_S = 1.0, 13.0


#: What to do during the calibration, printed once the headset streams.
CALIBRATION_TEXT = (
    "calibration: sit tall and look ahead for 5 s, then nod slowly three times, chin "
    "down first; then work as usual. Ctrl-C stops."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    from neckimu.posture import PostureCriteria

    d = PostureCriteria()
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--device", metavar="NAME|ADDRESS", help="a real headset")
    src.add_argument(
        "--simulate",
        action="store_true",
        help="the simulated headset: a person at a desk who slumps now and then",
    )
    src.add_argument("--analyze", metavar="REC", help="summarise a recorded session")
    p.add_argument("--out", help="recording to write (live; default out/posture-<time>.csv)")
    p.add_argument(
        "--duration",
        type=float,
        default=None,
        help="stop after S seconds (live; --simulate: the session's length, default 600)",
    )
    p.add_argument(
        "--threshold",
        type=float,
        default=d.threshold_deg,
        help="flexion beyond neutral that counts as head forward, deg "
        f"(default {d.threshold_deg:g}; docs/posture.md)",
    )
    p.add_argument(
        "--alert-after",
        type=float,
        default=d.alert_after_s,
        help=f"remind after this long head-forward, s (default {d.alert_after_s:g})",
    )
    p.add_argument(
        "--repeat",
        type=float,
        default=None,
        help="then remind again every this many s (default: --alert-after)",
    )
    p.add_argument("--mount", default=None, help="forehead, back_of_head or top_of_head")
    p.add_argument(
        "--json",
        dest="json_out",
        help="write the summary as JSON here ('-' with --analyze: to standard output, the "
        "summary's words then to standard error)",
    )
    sim = p.add_argument_group("simulated headset")
    sim.add_argument("--speed", type=float, default=1.0, help="playback speed (default 1)")
    sim.add_argument("--seed", type=seed_value, default=0, help="simulation seed")
    add_force(p)


def summarize_recording(path: str | Path, crit: Any, mount: str | None = None) -> dict[str, Any]:
    """Posture summary of a recording: over its ``posture`` windows, else all but calibration
    (``mount``: a preset instead of the one the recording names)."""
    import warnings

    from neckimu.pipeline import analyze
    from neckimu.posture import summarize_analysis
    from neckimu.recording.reader import RecordingWarning, read_recording

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RecordingWarning)
        rec = read_recording(path)
    a = analyze(rec, mount=mount, verify=False)
    out = summarize_analysis(a, crit)
    out.update(
        recording=str(path),
        calibration=a.calibration.method,
        windows="posture"
        if any(w.exercise == "posture" for w in a.windows)
        else "all but calibration",
    )
    return out


def _end_cue_before_stream_end(sim: Any, margin_s: float = 1.0) -> Any:
    """The simulated desk session with its cues at least ``margin_s`` before its last sample.

    The desk script ends the ``posture`` window at its very last sample; sent as a *mark
    event* then, the cue races the end of the stream and is often lost.
    """
    from dataclasses import replace

    from neckimu.recording.events import Event

    last = float(sim.samples.t[-1]) - margin_s
    return replace(
        sim, events=[Event(min(e.time_s, last), e.event, e.exercise) for e in sim.events]
    )


def _lines(s: dict[str, Any]) -> list[str]:
    m, sec = divmod(round(s["time_beyond_s"]), 60)
    if s.get("trunk"):  # the angles are the neck's (head relative to trunk)
        lines = [
            line.replace("head forward", "neck flexed forward").replace("head-forward", "neck")
            for line in _head_lines(s, m, sec)
        ]
        return lines + _trunk_lines(s["trunk"])
    return _head_lines(s, m, sec)


def _head_lines(s: dict[str, Any], m: int, sec: int) -> list[str]:
    return [
        f"{s['recording']}: {s['duration_s'] / 60:.1f} min at the desk ({s['windows']}), head "
        f"forward (> {s['threshold_deg']:g} deg) for {m}:{sec:02d} "
        f"({100 * s['fraction_beyond']:.0f} %)",
        f"{s['bouts']} head-forward period{'' if s['bouts'] == 1 else 's'}, the longest "
        f"{s['longest_bout_s']:.0f} s; {s['alerts']} reminder{'' if s['alerts'] == 1 else 's'} "
        f"(after {s['alert_after_s']:g} s); "
        f"mean flexion {s['mean_flexion_deg']:+.1f} deg",
    ]


def _trunk_lines(tr: dict[str, Any] | None) -> list[str]:
    """With a trunk sensor: neck flexion and trunk inclination apart, and which to fix."""
    if not tr:
        return []
    h, n, k = tr["head_inclination"], tr["neck_flexion"], tr["trunk_inclination"]
    return [
        f"with the trunk sensor: head inclination beyond {h['threshold_deg']:g} deg "
        f"{100 * h['fraction_beyond']:.0f} % of the time, neck flexion beyond "
        f"{n['threshold_deg']:g} deg {100 * n['fraction_beyond']:.0f} %, trunk inclination "
        f"beyond {k['threshold_deg']:g} deg {100 * k['fraction_beyond']:.0f} %; while the "
        f"head was forward: neck {tr['neck_part_deg']:+.1f} deg, trunk "
        f"{tr['trunk_part_deg']:+.1f} deg",
        f"to fix: {tr['fix']} ({tr['advice']})",
    ]


def run(args: argparse.Namespace) -> int:
    from neckimu import SAFETY_NOTICE
    from neckimu.errors import NeckimuError
    from neckimu.output_files import check_outputs, json_text, staged_outputs
    from neckimu.posture import PostureCriteria

    crit = PostureCriteria(
        threshold_deg=args.threshold, alert_after_s=args.alert_after, repeat_s=args.repeat
    )
    if not 0 < args.threshold < 90:
        raise NeckimuError("--threshold must be in (0, 90) deg")
    try:
        crit.check()
    except ValueError as e:
        raise NeckimuError(f"--alert-after/--repeat: {e}") from None
    to_stdout = args.json_out == "-"
    if to_stdout and not args.analyze:
        raise NeckimuError("--json -: only with --analyze (a live session's lines go there)")
    json_file = None if to_stdout else args.json_out
    if json_file and not Path(json_file).resolve().parent.is_dir():
        raise NeckimuError(f"--json: folder {str(Path(json_file).parent)!r} does not exist")
    check_outputs({"--json": json_file}, [args.analyze], force=args.force)
    if args.analyze:
        from neckimu._commands._args import mount_name

        mount = None if args.mount is None else mount_name(args.mount)
        summary = summarize_recording(args.analyze, crit, mount)
    else:
        summary = _live(args, crit)
    words = sys.stderr if to_stdout else sys.stdout
    print("\n".join(_lines(summary)), file=words)
    if json_file:
        with staged_outputs() as stage:
            stage.write_text(json_file, json_text(summary))
    elif to_stdout:
        sys.stdout.write(json_text(summary))
        sys.stdout.flush()
    print(SAFETY_NOTICE, file=words)
    return 0


def _live(args: argparse.Namespace, crit: Any) -> dict[str, Any]:
    import time
    from datetime import datetime

    from neckimu._commands._args import mount_name, positive, recording_out
    from neckimu.errors import NeckimuError
    from neckimu.interrupt import stop_on_signals
    from neckimu.live.ble_sources import HeadsetSource, SimulatedSource
    from neckimu.live.session import LiveSession
    from neckimu.output_files import check_outputs
    from neckimu.recording.events import Event

    positive("--duration", args.duration)
    positive("--speed", args.speed)
    mount = mount_name(args.mount or "forehead")
    if args.out is None:
        Path("out").mkdir(exist_ok=True)
    out = recording_out(args.out or time.strftime("out/posture-%Y%m%d-%H%M%S.csv"))
    check_outputs({"--out": out, "--json": args.json_out}, force=args.force, recordings=["--out"])
    meta = {
        "mount": mount,
        "posture_threshold_deg": crit.threshold_deg,
        "created": datetime.now().astimezone().isoformat(timespec="seconds"),
    }
    if args.simulate:
        from neckimu.sim import SessionConfig, simulate_session

        duration = args.duration or 600.0
        sim = simulate_session(
            SessionConfig(script="posture", rest_duration_s=duration, seed=args.seed, mount=mount)
        )
        source = SimulatedSource(_end_cue_before_stream_end(sim), out, speed=args.speed, meta=meta)
        del sim  # the source keeps the device stream; the simulation's truth can go
    else:
        cues = [
            Event(CALIBRATE_START_S, "start", "calibrate"),
            Event(CALIBRATE_END_S, "end", "calibrate"),
            Event(CALIBRATE_END_S, "start", "posture"),
        ]
        if args.duration:
            cues.append(Event(args.duration, "end", "posture"))
        source = HeadsetSource(args.device, out, cues, meta=meta)
    print(f"looking for {source.label}; Ctrl-C stops", flush=True)
    session = LiveSession(source, mount=args.mount, analyze_at_end=False)  # summed up below
    tty = sys.stdout.isatty()
    with stop_on_signals(source.stop) as stop:  # a stop signal ends the session, then sums up
        _monitor(session, args, crit, tty)
        if tty:
            print()
        if stop.requested:
            print(f"stopped by {stop.signal}")
        if source.error is not None:
            if not out.exists():
                raise source.error
            print(
                f"neckimu posture: {source.error} (summary of what was recorded)", file=sys.stderr
            )
        if not out.exists():
            raise NeckimuError("stopped before any sample arrived; no recording written")
        return summarize_recording(out, crit)


def _monitor(session: Any, args: argparse.Namespace, crit: Any, tty: bool) -> None:
    """Status lines and reminders until the session ends (or ``--duration``)."""
    import time

    import numpy as np

    from neckimu.posture import PostureMonitor

    monitor: PostureMonitor | None = None
    last_t, last_print = -np.inf, 0.0
    told = False
    session.start()
    try:
        while not session.finished:
            time.sleep(0.25)
            view = session.view()
            if not told and view.samples > 0:  # connected: not before (a headset not found)
                told = True
                print(CALIBRATION_TEXT, flush=True)
            cal = view.calibration
            if cal == "none yet" or cal.startswith("provisional"):
                continue  # angles count from the calibrated neutral pose only
            rows = session.ring.snapshot()
            rows = rows[(rows[:, 0] > last_t) & np.isfinite(rows[:, 1])]
            if len(rows) < 2:
                continue
            if monitor is None:
                monitor = PostureMonitor(float(np.median(np.diff(rows[:, 0]))), crit)
            last_t = float(rows[-1, 0])
            for at in monitor.update(rows[:, 0], rows[:, 1]):
                print(
                    f"\a\n[{at / 60:5.1f} min] head forward for {monitor.bout_s(at):.0f} s: "
                    "sit tall, chin level",
                    flush=True,
                )
            if tty or time.monotonic() - last_print > 10.0:
                last_print = time.monotonic()
                line = (
                    f"[{last_t / 60:5.1f} min] flexion {np.median(rows[-50:, 1]):+5.1f} deg"
                    f" | head forward {monitor.bout_s():4.0f} s | total "
                    f"{monitor.time_beyond_s / 60:4.1f} min | reminders {monitor.alerts}"
                )
                print("\r" + line if tty else line, end="" if tty else "\n", flush=True)
            if args.duration and last_t >= args.duration:
                break
    finally:
        session.stop()
