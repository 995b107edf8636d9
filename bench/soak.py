"""Benchmark: an 8-hour desk posture session through the live path, at accelerated speed.

A simulated person at a desk (``neckimu.sim``, the ``posture`` script: calibration, then
desk work with slumps now and then) is streamed into :class:`neckimu.live.session.LiveSession`
exactly as a source does it (``on_meta``, ``on_event``, ``on_block`` with 4-sample blocks, one
BLE notification at 100 Hz), with the session's acquisition and judge threads running, as
fast as the session takes it. Every 0.25 s of session time the posture command's monitor
reads the session as ``neckimu posture`` does (``view()``, the ring buffer, a
:class:`neckimu.posture.PostureMonitor`). The desk-work part of a 30-minute simulation is
played over and over, shifted in time, after the first calibration.

At each session hour it prints the process's resident memory, its CPU share at real time
(CPU seconds the session's threads spent on that hour of data / 3600 s) and what the session
holds (history and ring rows, windows judged, posture bouts and reminders). Other work on a
shared machine inflates CPU time (caches, frequency), so the share is also given for the
quietest 5 minutes of each hour (its least CPU per 5 minutes of data), which only the
session's own cost can raise: that is the figure compared between hours.

Targets (issue 12): RSS growth < 50 MB from hour 1 to hour 8; the CPU share at hour 8 within
20 % of hour 1.

    .venv/bin/python bench/soak.py [--hours 8] [--seed 0]

``--command`` measures the command's real path instead: ``neckimu posture --simulate`` in a
child process (the simulated person, the simulated headset over the bumble BLE stack, the
recorder, the live session, the posture monitor, headless), its resident memory read from
``/proc`` every ``--sample-s`` seconds (wall) beside the session time of its last status line.
It prints the RSS at each session hour (the first sample at or after it), the growth from hour
1 to the last hour, and the peak RSS of the end-of-session summary (the recording read back
and analysed). ``--analyze-minutes 30,60,120`` writes simulated desk recordings of those
lengths and prints the peak RSS of ``neckimu posture --analyze`` on each (the end-of-session
summary alone).

    .venv/bin/python bench/soak.py --command --hours 1 --speed 60
    .venv/bin/python bench/soak.py --analyze-minutes 30,60,120
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from neckimu.live.session import LiveSession
from neckimu.live.source import Sink, Source
from neckimu.posture import PostureCriteria, PostureMonitor
from neckimu.recording.events import Event
from neckimu.samples import SampleBlock
from neckimu.sim import SessionConfig, simulate_session

#: Samples per block: one BLE notification at 100 Hz (neckimu.wire.batch_size).
BLOCK = 4
#: Session time between two looks of the posture monitor (``neckimu posture``: 0.25 s), s.
POLL_S = 0.25
#: Session time of one measurement slice (12 per hour), s.
MARK_S = 300.0


def rss_mb() -> float:
    """Resident memory of this process now, MB (Linux /proc; else the peak so far)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class DeskSource(Source):
    """A simulated desk session of ``hours``, played as fast as the sink takes it.

    Parameters
    ----------
    sim : neckimu.sim.SimulatedSession
        A ``posture`` simulation: its calibration is played once, its ``posture`` window over
        and over (shifted in time) until ``hours``.
    hours : float
        Session length, h.
    every_s : float
        Session time between two calls of ``tick``, s.
    tick : callable
        ``tick(t_s)``: the reader side (the posture monitor), in session time.
    on_mark : callable
        ``on_mark(t_s)``: called each time the session passes a multiple of ``MARK_S``.
    """

    label = "simulated desk session"

    def __init__(
        self,
        sim: Any,
        hours: float,
        every_s: float,
        tick: Callable[[float], None],
        on_mark: Callable[[float], None],
    ) -> None:
        super().__init__()
        self.sim, self.hours, self.every_s = sim, hours, every_s
        self.tick, self.on_mark = tick, on_mark

    def run(self, sink: Sink) -> None:
        s: SampleBlock = self.sim.samples
        events = sorted(self.sim.events, key=lambda e: e.time_s)
        ev = {(e.event, e.exercise): e.time_s for e in events}
        i0, i1 = (
            int(i) for i in np.searchsorted(s.t, [ev[("start", "posture")], ev[("end", "posture")]])
        )
        ts = float(np.median(np.diff(s.t[:1000])))
        end_s = self.hours * 3600.0
        sink.on_meta(
            {
                "source": "soak",
                "nominal_rate_hz": round(1.0 / ts, 3),
                "mount": self.sim.config.mount,
            }
        )
        sink.on_status("streaming")
        marks = [e for e in events if (e.event, e.exercise) != ("end", "posture")]
        next_tick, next_mark = self.every_s, MARK_S
        start, offset = 0, 0.0  # first pass from the start (calibration), then desk work only
        while not self._stop.is_set():
            t = s.t[start:i1] + offset
            for a in range(0, len(t), BLOCK):
                b = min(len(t), a + BLOCK)
                while marks and marks[0].time_s <= t[a]:
                    sink.on_event(marks.pop(0))
                k = slice(start + a, start + b)
                mag = None if s.mag is None else s.mag[k]
                sink.on_block(SampleBlock(t[a:b], s.gyr[k], s.acc[k], mag), [time.monotonic()])
                t_last = float(t[b - 1])
                if t_last >= next_tick:
                    self.tick(t_last)
                    next_tick += self.every_s
                if t_last >= next_mark:
                    self.on_mark(next_mark)
                    next_mark += MARK_S
                if t_last >= end_s:
                    sink.on_event(Event(t_last, "end", "posture"))
                    sink.on_status("finished")
                    return
            # the desk work again, one period after the last sample played
            start, offset = i0, float(t[-1]) + ts - float(s.t[i0])
        sink.on_status("finished")


def proc_rss_mb(pid: int) -> tuple[float, float] | None:
    """Resident memory now and its peak so far (VmRSS, VmHWM) of process ``pid``, MB; None
    once it is gone."""
    got: dict[str, float] = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    got[line[:5]] = int(line.split()[1]) / 1024
    except OSError:
        return None
    if len(got) < 2:
        return None
    return got["VmRSS"], got["VmHWM"]


#: a headless status line of ``neckimu posture``: ``[ 12.3 min] flexion ...``
STATUS = re.compile(r"^\[\s*([0-9.]+) min\] flexion")


def command_soak(hours: float, speed: float, seed: int, sample_s: float) -> int:
    """Run ``neckimu posture --simulate`` for ``hours`` of session at ``speed`` in a child
    process and print its RSS at each session hour and during the end-of-session summary."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONUNBUFFERED": "1"}
    with tempfile.TemporaryDirectory(prefix="neckimu-soak-") as tmp:
        cmd = [
            sys.executable,
            "-m",
            "neckimu",
            "posture",
            "--simulate",
            "--duration",
            f"{hours * 3600:g}",
            "--speed",
            f"{speed:g}",
            "--seed",
            str(seed),
            "--out",
            str(Path(tmp) / "posture.csv"),
        ]
        print("soak (command path):", " ".join(cmd[1:]), flush=True)
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env)
        status: list[tuple[float, float]] = []  # (wall s, session s) of each status line
        samples: list[tuple[float, float, float]] = []  # (wall s, RSS MB, peak RSS MB)

        def sample() -> None:
            while proc.poll() is None:
                got = proc_rss_mb(proc.pid)
                if got is not None:
                    samples.append((time.perf_counter(), *got))
                time.sleep(sample_s)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        assert proc.stdout is not None
        for line in proc.stdout:
            m = STATUS.match(line)
            if m:
                status.append((time.perf_counter(), 60.0 * float(m.group(1))))
            elif "min at the desk" in line or "playback slowed" in line:
                print(line.rstrip(), flush=True)
        rc = proc.wait()
        sampler.join()
    if not status or not samples:
        print(f"no status line sampled (exit code {rc})")
        return 1
    # each status line paired with the last RSS sample before it (the session still running:
    # a sample after the last line may fall into the end-of-session summary)
    walls = np.array([w for w, _, _ in samples])
    live: list[tuple[float, float]] = []
    for w, t in status:
        i = int(np.searchsorted(walls, w)) - 1
        if i >= 0:
            live.append((t, samples[i][1]))
    print(f"first sample: session {live[0][0] / 60:.1f} min, RSS {live[0][1]:.1f} MB")
    marks: dict[int, tuple[float, float]] = {}  # first sample in each 10 min of session
    hours_seen: dict[int, tuple[float, float]] = {}  # first sample at or after each hour
    for t, r in live:
        marks.setdefault(int(t // 600), (t, r))
        if t >= 3600.0:
            hours_seen.setdefault(int(t // 3600), (t, r))
    for k in sorted(marks):
        t, r = marks[k]
        print(f"session {t / 60:6.1f} min: RSS {r:6.1f} MB")
    for h in sorted(hours_seen):
        t, r = hours_seen[h]
        print(f"hour {h}: RSS {r:6.1f} MB (sampled at session {t / 60:.1f} min)")
    base = hours_seen.get(1, live[0])
    last_t, last_r = live[-1]
    print(
        f"RSS growth {base[0] / 60:.1f} -> {last_t / 60:.1f} min of session: "
        f"{last_r - base[1]:+.1f} MB ({(last_r - base[1]) / max(last_t - base[0], 1.0) * 3600:+.1f}"
        " MB per session hour)"
    )
    after = [r for w, r, _ in samples if w > status[-1][0]]  # the session's end and summary
    if after:
        print(f"after the last status line (end of session, summary): peak RSS {max(after):.1f} MB")
    print(f"whole process peak RSS (VmHWM) {max(h for _, _, h in samples):.1f} MB, exit code {rc}")
    return rc


def analyze_peaks(minutes: list[float], seed: int) -> int:
    """Peak RSS of ``neckimu posture --analyze`` (the end-of-session summary alone) on
    simulated desk recordings of ``minutes``."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    with tempfile.TemporaryDirectory(prefix="neckimu-soak-") as tmp:
        for m in minutes:
            rec = Path(tmp) / f"desk-{m:g}min.csv"
            sim = simulate_session(
                SessionConfig(script="posture", rest_duration_s=60.0 * m, seed=seed)
            )
            sim.write(rec)
            del sim
            size = rec.stat().st_size / 1e6
            code = (
                "import runpy, sys; sys.argv = ['neckimu', 'posture', '--analyze', "
                f"{str(rec)!r}]\n"
                "try:\n    runpy.run_module('neckimu', run_name='__main__')\n"
                "except SystemExit:\n    pass\n"
                # VmHWM: this process's own peak (ru_maxrss would count the parent's at fork)
                "print('PEAK', [int(x.split()[1]) / 1024 for x in open('/proc/self/status')"
                " if x.startswith('VmHWM')][0])"
            )
            t0 = time.perf_counter()
            out = subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, env=env
            )
            wall = time.perf_counter() - t0
            peak = [ln for ln in out.stdout.splitlines() if ln.startswith("PEAK")]
            got = float(peak[-1].split()[1]) if peak else float("nan")
            print(
                f"posture --analyze {m:5g} min ({size:6.1f} MB CSV): peak RSS {got:6.1f} MB, "
                f"{wall:5.1f} s wall",
                flush=True,
            )
            for f in Path(tmp).iterdir():
                f.unlink()
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=float, default=8.0, help="session length, h (default 8)")
    ap.add_argument("--seed", type=int, default=0, help="simulation seed (default 0)")
    ap.add_argument(
        "--command",
        action="store_true",
        help="measure `neckimu posture --simulate` (the command's real path) in a child process",
    )
    ap.add_argument("--speed", type=float, default=50.0, help="--command: playback speed")
    ap.add_argument(
        "--sample-s", type=float, default=1.0, help="--command: RSS sampling period, s (wall)"
    )
    ap.add_argument(
        "--analyze-minutes",
        default=None,
        help="comma list of desk recording lengths, min: peak RSS of `posture --analyze` on each",
    )
    args = ap.parse_args()
    if args.analyze_minutes:
        return analyze_peaks([float(x) for x in args.analyze_minutes.split(",")], args.seed)
    if args.command:
        return command_soak(args.hours, args.speed, args.seed, args.sample_s)

    sim = simulate_session(
        SessionConfig(
            script="posture", rest_duration_s=1800.0, seed=args.seed, board="rev2", rate_hz=100.0
        )
    )
    crit = PostureCriteria()
    state: dict[str, Any] = {"monitor": None, "last_t": -np.inf, "alerts": 0}
    session: LiveSession | None = None

    def tick(_t: float) -> None:  # what `neckimu posture` does every 0.25 s
        assert session is not None
        cal = session.view().calibration
        if cal == "none yet" or cal.startswith("provisional"):
            return
        rows = session.ring.snapshot()
        rows = rows[(rows[:, 0] > state["last_t"]) & np.isfinite(rows[:, 1])]
        if len(rows) < 2:
            return
        if state["monitor"] is None:
            state["monitor"] = PostureMonitor(float(np.median(np.diff(rows[:, 0]))), crit)
        state["last_t"] = float(rows[-1, 0])
        state["alerts"] += len(state["monitor"].update(rows[:, 0], rows[:, 1]))

    figures: dict[int, tuple[float, float]] = {}
    clock = {"cpu": time.process_time(), "wall": time.perf_counter()}
    slices: list[tuple[float, float]] = []  # (CPU s, wall s) per MARK_S of session time

    def on_mark(t_s: float) -> None:
        assert session is not None
        cpu, wall = time.process_time(), time.perf_counter()
        slices.append((cpu - clock["cpu"], wall - clock["wall"]))
        clock.update(cpu=cpu, wall=wall)
        if len(slices) * MARK_S % 3600.0:
            return
        hour = round(t_s / 3600.0)
        cpu_s = sum(c for c, _ in slices[-12:])
        quiet = min(c for c, _ in slices[-12:]) / MARK_S
        speed = 3600.0 / sum(w for _, w in slices[-12:])
        mem = rss_mb()
        figures[hour] = (mem, quiet)
        h, m = session.hist, state["monitor"]
        print(
            f"hour {hour}: RSS {mem:6.1f} MB, CPU share at real time {100 * quiet:5.2f} % "
            f"(quietest 5 min; whole hour {100 * cpu_s / 3600.0:5.2f} %, {cpu_s:4.1f} s CPU, "
            f"played at {speed:3.0f}x) | history {h.n} rows (capacity {h.capacity}), ring "
            f"{len(session.ring)} rows, windows judged {sum(session.judge.verified.values())}, "
            f"partial runs {session.judge.partial_runs}, bouts "
            f"{0 if m is None else len(m.bouts)}, reminders {state['alerts']}",
            flush=True,
        )

    source = DeskSource(sim, args.hours, POLL_S, tick, on_mark)
    session = LiveSession(source, mount="forehead")
    print(
        f"soak: {args.hours:g} h desk posture session through LiveSession, "
        f"{BLOCK}-sample blocks at 100 Hz; RSS at start {rss_mb():.1f} MB",
        flush=True,
    )
    session.start()
    session.wait()
    v = session.view()
    print(f"finished: state {v.state}, calibration {v.calibration}, error {v.error}")
    if 1 in figures and 8 in figures:
        (m1, c1), (m8, c8) = figures[1], figures[8]
        print(
            f"RSS growth hour 1 -> 8: {m8 - m1:+.1f} MB (target < 50 MB); CPU share hour 8 / "
            f"hour 1: {c8 / c1:.2f} (target 0.8 .. 1.2)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
