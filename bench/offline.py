"""Benchmark: ``neckimu analyze`` on a 1-hour 100 Hz recording, whole process, beside a script.

The script is what anyone would write first: read the same CSV with pandas and run
``vqf.offlineVQF`` on it. Both run as whole processes (interpreter start, imports, reading,
computing, writing), alternately, in the same run, because these machines are shared and
noisy: only the ratio within one run means something. Also timed: ``neckimu --help``.

Targets (issue 12): ``analyze`` at most 1.5x the script (wall time); ``--help`` <= 0.25 s.

    .venv/bin/python bench/offline.py [--minutes 60] [--repeat 5] [--stages]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from scipy.spatial.transform import Rotation

from neckimu.angles import rotation_from_angles
from neckimu.mounts import MOUNTS
from neckimu.recording.events import Event
from neckimu.recording.writer import RecordingWriter
from neckimu.samples import G, SampleBlock

OUT = Path(__file__).parent / "out"

#: The reference: read the CSV with pandas, run offlineVQF (a whole process).
SCRIPT = """\
import sys

import numpy as np
import pandas as pd
from vqf import offlineVQF

df = pd.read_csv(sys.argv[1], comment="#")
t = df["time_s"].to_numpy()
gyr = np.ascontiguousarray(df[["gyr_x", "gyr_y", "gyr_z"]].to_numpy())
acc = np.ascontiguousarray(df[["acc_x", "acc_y", "acc_z"]].to_numpy())
out = offlineVQF(gyr, acc, None, float(np.median(np.diff(t))))
print(len(out["quat6D"]), "quaternions")
"""


def synthetic_session(minutes: float, rate_hz: float = 100.0, seed: int = 0) -> SampleBlock:
    """Head motion (calibration, then slow mixed motion) as int16 counts times device scales."""
    rng = np.random.default_rng(seed)
    t = np.arange(0.0, minutes * 60.0, 1.0 / rate_hz)
    t = np.round((t + rng.normal(0, 20e-6, len(t))) * 1e6) / 1e6  # µs stamps with jitter
    a = np.zeros((len(t), 3))
    nod = (t > 7) & (t < 13)
    a[nod, 0] = 18 * np.sin(np.pi * (t[nod] - 7) / 2) ** 2
    later = t > 16
    for k, (amp, f) in enumerate([(20, 0.05), (10, 0.03), (25, 0.02)]):
        a[later, k] = amp * np.sin(2 * np.pi * f * t[later] + k) * np.sin(0.001 * t[later])
    r_es = (
        Rotation.from_euler("z", 40, degrees=True)
        * rotation_from_angles(a)
        * MOUNTS["forehead"].sensor_to_head
    )
    rel = (r_es[:-1].inv() * r_es[1:]).as_rotvec() / np.diff(t)[:, None]
    gyr = np.vstack([rel[:1], rel]) + np.radians(0.4) + rng.normal(0, 0.005, (len(t), 3))
    acc = r_es.inv().apply([0, 0, G]) + rng.normal(0, 0.03, (len(t), 3))
    mag = r_es.inv().apply([0, 20.0, -45.0]) + rng.normal(0, 0.3, (len(t), 3))
    gs, as_, ms = (float(np.float32(s)) for s in (np.radians(0.07), 0.000122 * G, 0.014))
    return SampleBlock(
        t, np.round(gyr / gs) * gs, np.round(acc / as_) * as_, np.round(mag / ms) * ms
    )


def write_recording(path: Path, minutes: float) -> int:
    """The synthetic session as a neckimu recording with a calibration window; its samples."""
    block = synthetic_session(minutes)
    meta = {"source": "bench", "mount": "forehead", "nominal_rate_hz": 100.0}
    with RecordingWriter(path, meta) as w:
        w.write_event(Event(2.0, "start", "calibrate"))
        w.write_event(Event(14.0, "end", "calibrate"))
        w.write_block(block)
    return len(block)


def timed(cmd: list[str]) -> tuple[float, float]:
    """Run a whole process; its wall time and CPU time (user + system), s."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def stages(path: Path) -> None:
    """CPU time of each step of ``analyze``, in this process (imports already paid)."""
    from neckimu.orientation import estimate_causal, estimate_offline, filter_period
    from neckimu.output_files import json_text
    from neckimu.pipeline import analyze
    from neckimu.recording.reader import read_recording
    from neckimu.results import to_json

    def cpu(label: str, fn):
        c0 = time.process_time()
        out = fn()
        print(f"  {label:<34}{time.process_time() - c0:6.3f} s CPU")
        return out

    print("analyze step by step (in this process):")
    rec = cpu("read_recording", lambda: read_recording(path))
    s = rec.samples
    cpu("offlineVQF (angles shown)", lambda: estimate_offline(s))
    cpu("causal VQF (for the verifiers)", lambda: estimate_causal(s, filter_period(rec.meta, s.t)))
    a = cpu("analyze (all of it)", lambda: analyze(rec))
    cpu("JSON", lambda: json_text(to_json(a)))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--repeat", type=int, default=5, help="runs of each process (default 5)")
    ap.add_argument("--stages", action="store_true", help="also time each step in-process")
    args = ap.parse_args()
    OUT.mkdir(exist_ok=True)
    path = OUT / f"synthetic_{args.minutes:g}min.csv"
    if not path.exists():
        n = write_recording(path, args.minutes)
    else:
        n = sum(1 for line in path.open() if line[:1].isdigit())
    script = OUT / "read_vqf.py"
    script.write_text(SCRIPT)
    print(
        f"recording: {n} samples ({args.minutes:g} min at 100 Hz), "
        f"{path.stat().st_size / 1e6:.1f} MB CSV; load average {os.getloadavg()[0]:.1f} "
        f"on {os.cpu_count()} cores"
    )
    commands = {
        "read + offlineVQF script": [sys.executable, str(script), str(path)],
        "neckimu analyze --json": [
            sys.executable,
            "-m",
            "neckimu",
            "analyze",
            str(path),
            "--quiet",
            "--json",
            str(OUT / "bench.json"),
            "--force",
        ],
    }
    runs: dict[str, list[tuple[float, float]]] = {k: [] for k in commands}
    for _ in range(args.repeat):  # alternate, so both see the same machine
        for k, cmd in commands.items():
            runs[k].append(timed(cmd))
    print(f"whole process, {args.repeat} runs each:   best wall (median)   best CPU")
    best: dict[str, tuple[float, float]] = {}
    for k, r in runs.items():
        walls, cpus = [w for w, _ in r], [c for _, c in r]
        best[k] = (min(walls), min(cpus))
        print(f"  {k:<32}{min(walls):7.2f} s ({statistics.median(walls):5.2f}){min(cpus):9.2f} s")
    (ws, cs), (wa, ca) = best.values()
    print(
        f"  {'ratio analyze / script':<32}{wa / ws:7.2f}x{'':9}{ca / cs:8.2f}x"
        "   (target: wall <= 1.5x)"
    )

    helps = [timed([sys.executable, "-m", "neckimu", "--help"])[0] for _ in range(10)]
    print(
        f"neckimu --help, 10 runs: best {min(helps):.3f} s, median "
        f"{statistics.median(helps):.3f} s   (target <= 0.25 s)"
    )
    if args.stages:
        stages(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
