"""Benchmark: ``neckimu report`` over 6 weeks of training, cold (nothing cached) and warm.

Generates 150 short simulated guided sessions (``neckimu.sim.simulate_session``: one hold per
direction, a few retractions, one stretch, about 2 minutes each at 100 Hz) spread over 6 weeks
(3-4 a day, metadata ``created``; the simulated person makes fewer mistakes as the weeks go
by), once, into ``bench/out/report/sessions``. Then runs ``neckimu report`` on the folder as a
separate process twice: cold (empty cache) and warm (everything cached), and prints the wall
time of each beside the CPU time the processes used (the machines are shared: CPU time says
how much work it was, wall time how long a person waits; on a machine busy with other work
the wall time of the cold run is longer than CPU time / cores).

Targets (issue 12): warm <= 5 s, cold <= 90 s on 2 cores.

    .venv/bin/python bench/report.py [--sessions 150] [--jobs N] [--regenerate]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date, datetime, timedelta
from pathlib import Path

OUT = Path(__file__).parent / "out" / "report"
#: First day of the 6 weeks (a Monday).
START = date(2025, 3, 3)
#: Session start times on a day with 3 or 4 sessions.
TIMES = ("07:30", "12:30", "17:30", "21:00")


def schedule(n: int, weeks: int = 6) -> list[datetime]:
    """``n`` session starts over ``weeks`` weeks, spread evenly (3-4 a day for 150)."""
    days = 7 * weeks
    extra = n - (n // days) * days
    per_day = [n // days + ((d + 1) * extra // days - d * extra // days) for d in range(days)]
    out = []
    for d, k in enumerate(per_day):
        day = START + timedelta(days=d)
        for i in range(k):
            hh, mm = TIMES[i % len(TIMES)].split(":")
            out.append(datetime(day.year, day.month, day.day, int(hh), int(mm) + i // 4))
    return out


def _one(args: tuple[int, str, float, str]) -> str:
    from neckimu.recording.writer import append_meta
    from neckimu.sim import SessionConfig, simulate_session

    k, when, fault_rate, folder = args
    path = Path(folder) / f"session-{k:03d}.csv"
    cfg = SessionConfig(
        seed=5000 + k,
        fault_rate=fault_rate,
        hold_reps=1,
        retraction_reps=4,
        stretch_hold_s=20.0,
        board="rev2",
        rate_hz=100.0,
        mount="forehead",
    )
    simulate_session(cfg).write(path)
    append_meta(path, created=when + "+01:00")
    for extra in path.parent.glob(f"{path.name.removesuffix('.csv')}.*"):
        if extra != path:  # ground truth and events files: not needed here
            extra.unlink()
    return str(path)


def generate(n: int, folder: Path) -> None:
    """Simulate the sessions (in parallel) unless ``folder`` already holds ``n`` of them."""
    if folder.is_dir() and len(list(folder.glob("session-*.csv"))) == n:
        return
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    starts = schedule(n)
    t0 = time.perf_counter()
    jobs = [
        (k, w.isoformat(), 0.45 - 0.35 * k / max(n - 1, 1), str(folder))
        for k, w in enumerate(starts)
    ]
    with ProcessPoolExecutor() as ex:
        for done, _ in enumerate(ex.map(_one, jobs), start=1):
            if done % 25 == 0:
                print(f"  simulated {done}/{n}", flush=True)
    print(f"simulated {n} sessions in {time.perf_counter() - t0:.0f} s into {folder}")


def run_report(folder: Path, out: Path, cache: Path, jobs: int | None) -> tuple[float, float, str]:
    """One ``neckimu report`` process: wall time, CPU time (s), its last lines."""
    cmd = [
        sys.executable,
        "-m",
        "neckimu",
        "report",
        str(folder),
        "--out",
        str(out),
        "--cache",
        str(cache),
        "--force",  # cold and warm runs write the same page
    ]
    if jobs:
        cmd += ["--jobs", str(jobs)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    run = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if run.returncode != 0:
        sys.exit(f"neckimu report failed ({run.returncode}): {run.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, run.stdout.strip().splitlines()[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=150)
    ap.add_argument("--jobs", type=int, default=None, help="neckimu report --jobs")
    ap.add_argument("--regenerate", action="store_true", help="simulate the sessions again")
    args = ap.parse_args()
    folder = OUT / "sessions"
    if args.regenerate:
        shutil.rmtree(folder, ignore_errors=True)
    generate(args.sessions, folder)
    cache = OUT / "cache"
    shutil.rmtree(cache, ignore_errors=True)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    size = sum(p.stat().st_size for p in folder.glob("session-*.csv")) / 2**20
    print(
        f"{args.sessions} sessions ({size:.0f} MiB) over 6 weeks; {cores} cores, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    for name in ("cold", "warm"):
        shutil.rmtree(OUT / name, ignore_errors=True)
    cold = run_report(folder, OUT / "cold", cache, args.jobs)
    print(
        f"cold report: {cold[0]:6.1f} s wall, {cold[1]:6.1f} s CPU, CPU/{cores} cores "
        f"{cold[1] / cores:5.1f} s  ({cold[2]})  target <= 90 s on 2 cores"
    )
    warm = run_report(folder, OUT / "warm", cache, args.jobs)
    print(f"warm report: {warm[0]:6.1f} s wall, {warm[1]:6.1f} s CPU  ({warm[2]})  target <= 5 s")
    same = all(
        (OUT / "cold" / p.name).read_bytes() == p.read_bytes() for p in (OUT / "warm").iterdir()
    )
    print(f"warm output byte-identical to cold: {same}; load average now {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
