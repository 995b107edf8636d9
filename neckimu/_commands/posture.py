"""``neckimu posture``: desk posture mode — time spent with the head flexed forward.

Live (``--device`` a real headset, ``--simulate`` the simulated headset with a person at a
desk who slumps now and then): a short calibration (sit tall, look ahead, then nod slowly),
then a status line and a reminder (terminal bell) after a sustained period head-forward; the
session is recorded with ``calibrate`` and ``posture`` events. Offline (``--analyze REC``):
the summary of a recording.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

HELP = "desk posture mode: time spent with the head forward"


def add_arguments(p: argparse.ArgumentParser) -> None:
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--device", metavar="NAME|ADDRESS", help="a real headset")
    src.add_argument("--simulate", action="store_true",
                     help="the simulated headset: a person at a desk who slumps now and then")
    src.add_argument("--analyze", metavar="REC", help="summarise a recorded session")
    p.add_argument("--out", help="recording to write (live; default out/posture-<time>.csv)")
    p.add_argument("--duration", type=float, default=None, help="stop after S seconds (live)")
    p.add_argument("--threshold", type=float, default=25.0,
                   help="flexion beyond neutral that counts as head forward, deg (default 25)")
    p.add_argument("--alert-after", type=float, default=60.0,
                   help="remind after this long head-forward, s (default 60)")
    p.add_argument("--mount", default=None, help="forehead, back_of_head or top_of_head")
    p.add_argument("--json", dest="json_out", help="write the summary as JSON here")
    sim = p.add_argument_group("simulated headset")
    sim.add_argument("--speed", type=float, default=1.0, help="playback speed (default 1)")
    sim.add_argument("--seed", type=int, default=0, help="simulation seed")


def summarize_recording(path: str | Path, crit: Any) -> dict[str, Any]:
    """Posture summary of a recording: over its ``posture`` windows, else all but calibration."""
    import warnings

    from neckimu.pipeline import analyze
    from neckimu.posture import summarize_analysis
    from neckimu.recording.reader import RecordingWarning, read_recording

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RecordingWarning)
        rec = read_recording(path)
    a = analyze(rec, verify=False)
    out = summarize_analysis(a, crit)
    out.update(recording=str(path), calibration=a.calibration.method)
    return out


def _lines(s: dict[str, Any]) -> list[str]:
    m, sec = divmod(round(s["time_beyond_s"]), 60)
    return [
        f"{s['recording']}: {s['duration_s'] / 60:.1f} min at the desk, head forward "
        f"(> {s['threshold_deg']:g} deg) for {m}:{sec:02d} ({100 * s['fraction_beyond']:.0f} %)",
        f"{s['bouts']} head-forward periods, the longest {s['longest_bout_s']:.0f} s; "
        f"{s['alerts']} reminders (after {s['alert_after_s']:g} s); "
        f"mean flexion {s['mean_flexion_deg']:+.1f} deg",
    ]


def run(args: argparse.Namespace) -> int:
    from neckimu import SAFETY_NOTICE
    from neckimu.errors import NeckimuError
    from neckimu.posture import PostureCriteria

    if not args.threshold > 0 or not args.alert_after > 0:
        raise NeckimuError("--threshold and --alert-after must be > 0")
    crit = PostureCriteria(threshold_deg=args.threshold, alert_after_s=args.alert_after)
    if args.analyze:
        summary = summarize_recording(args.analyze, crit)
    else:
        summary = _live(args, crit)
    print("\n".join(_lines(summary)))
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    print(SAFETY_NOTICE)
    return 0


def _live(args: argparse.Namespace, crit: Any) -> dict[str, Any]:
    import time

    import numpy as np

    from neckimu._commands._args import recording_out
    from neckimu.errors import NeckimuError
    from neckimu.live.session import LiveSession
    from neckimu.live.source import HeadsetSource, SimulatedSource
    from neckimu.posture import PostureMonitor
    from neckimu.recording.events import Event

    out = recording_out(args.out or time.strftime("out/posture-%Y%m%d-%H%M%S.csv"))
    if args.out is None:
        out.parent.mkdir(exist_ok=True)
    if not args.speed > 0:
        raise NeckimuError("--speed must be > 0")
    meta = {"mount": args.mount or "forehead", "posture_threshold_deg": crit.threshold_deg}
    if args.simulate:
        from neckimu.sim import SessionConfig, simulate_session

        duration = args.duration or 600.0
        sim = simulate_session(SessionConfig(script="posture", rest_duration_s=duration,
                                             seed=args.seed, mount=meta["mount"]))
        source = SimulatedSource(sim, out, speed=args.speed, meta=meta)
    else:
        cues = [Event(1.0, "start", "calibrate"), Event(13.0, "end", "calibrate"),
                Event(13.0, "start", "posture")]
        source = HeadsetSource(args.device, out, cues, meta=meta)
    print("calibration: sit tall and look ahead for 5 s, then nod slowly three times, chin "
          "down first; then work as usual. Ctrl-C stops.")
    session = LiveSession(source, mount=args.mount)
    monitor = PostureMonitor(crit)
    tty = sys.stdout.isatty()
    last_t, last_print = -np.inf, 0.0
    session.start()
    try:
        while not session.finished:
            time.sleep(0.25)
            rows = session.ring.snapshot(5.0)
            rows = rows[(rows[:, 0] > last_t) & np.isfinite(rows[:, 1])]
            if not len(rows) or session.view().calibration != "gravity+nod":
                continue
            last_t = float(rows[-1, 0])
            if monitor.update(rows[:, 0], rows[:, 1]):
                print(f"\a\n[{last_t / 60:4.1f} min] head forward for "
                      f"{monitor.bout_s(last_t):.0f} s: sit tall, chin level")
            if tty or time.monotonic() - last_print > 10.0:
                last_print = time.monotonic()
                line = (f"[{last_t / 60:4.1f} min] flexion {np.median(rows[:, 1]):+5.1f} deg | "
                        f"head forward {monitor.bout_s(last_t):4.0f} s | total "
                        f"{monitor.time_beyond_s / 60:4.1f} min | reminders {monitor.alerts}")
                print("\r" + line if tty else line, end="" if tty else "\n", flush=True)
            if args.duration and last_t >= args.duration:
                break
    except KeyboardInterrupt:
        pass
    finally:
        session.stop()
    if tty:
        print()
    if source.error is not None and source.recording_path is None:
        raise source.error
    return summarize_recording(out, crit)
