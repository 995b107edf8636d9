"""Benchmark: ``neckimu analyze`` end to end on a synthetic 1-hour 100 Hz recording.

Prints samples/s of each stage beside the throughput of the orientation filter alone
(``offlineVQF``, and ``VQF.updateBatch`` for scale) on the same data in the same run, because
these machines are shared and noisy: only ratios within one run mean something.

Target (issue 3): parsing + orientation + angles at least half as fast as offlineVQF alone.

    .venv/bin/python bench/offline.py [--minutes 60] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np
from scipy.spatial.transform import Rotation
from vqf import VQF, offlineVQF

from neckimu.angles import rotation_from_angles
from neckimu.mounts import MOUNTS
from neckimu.pipeline import analyze
from neckimu.recording.events import Event
from neckimu.recording.reader import read_recording
from neckimu.recording.writer import RecordingWriter
from neckimu.results import to_json
from neckimu.samples import G, SampleBlock

OUT = Path(__file__).parent / "out"
T = TypeVar("T")


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
    r_es = (Rotation.from_euler("z", 40, degrees=True) * rotation_from_angles(a)
            * MOUNTS["forehead"].sensor_to_head)
    rel = (r_es[:-1].inv() * r_es[1:]).as_rotvec() / np.diff(t)[:, None]
    gyr = np.vstack([rel[:1], rel]) + np.radians(0.4) + rng.normal(0, 0.005, (len(t), 3))
    acc = r_es.inv().apply([0, 0, G]) + rng.normal(0, 0.03, (len(t), 3))
    mag = r_es.inv().apply([0, 20.0, -45.0]) + rng.normal(0, 0.3, (len(t), 3))
    gs, as_, ms = (float(np.float32(s)) for s in (np.radians(0.07), 0.000122 * G, 0.014))
    return SampleBlock(t, np.round(gyr / gs) * gs, np.round(acc / as_) * as_,
                       np.round(mag / ms) * ms)


def best_of(repeat: int, fn: Callable[[], T]) -> tuple[float, T]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    OUT.mkdir(exist_ok=True)
    path = OUT / f"synthetic_{args.minutes:g}min.csv"
    block = synthetic_session(args.minutes)
    with RecordingWriter(path, {"source": "bench", "mount": "forehead",
                                "nominal_rate_hz": 100.0}) as w:
        w.write_event(Event(2.0, "start", "calibrate"))
        w.write_event(Event(14.0, "end", "calibrate"))
        w.write_block(block)
    n = len(block)
    size_mb = path.stat().st_size / 1e6
    print(f"recording: {n} samples ({args.minutes:g} min at 100 Hz), {size_mb:.1f} MB CSV")

    t_read, rec = best_of(args.repeat, lambda: read_recording(path))
    gyr = np.ascontiguousarray(rec.samples.gyr)
    acc = np.ascontiguousarray(rec.samples.acc)
    ts = 0.01
    t_offline, _ = best_of(args.repeat, lambda: offlineVQF(gyr, acc, None, ts))
    t_online, _ = best_of(args.repeat, lambda: VQF(ts).updateBatch(gyr, acc))
    t_analyze, analysis = best_of(args.repeat, lambda: analyze(rec))
    t_json, _ = best_of(args.repeat, lambda: json.dumps(to_json(analysis)))
    t_e2e = t_read + t_analyze + t_json

    def rate(sec: float) -> str:
        return f"{n / sec / 1e6:6.2f} M samples/s ({sec * 1e3:7.1f} ms)"

    print(f"vqf.offlineVQF alone            : {rate(t_offline)}")
    print(f"vqf.VQF.updateBatch alone       : {rate(t_online)}")
    print(f"read (pandas C parser)          : {rate(t_read)}")
    print(f"analyze (orientation..verdicts) : {rate(t_analyze)}")
    print(f"end to end (read+analyze+JSON)  : {rate(t_e2e)}")
    print(f"ratio end-to-end / offlineVQF   : {t_offline / t_e2e:.2f} (target >= 0.5)")

    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "neckimu", "analyze", str(path), "--quiet",
                    "--json", str(OUT / "bench.json")], check=True)
    print(f"CLI neckimu analyze, 1 run      : {rate(time.perf_counter() - t0)} "
          "incl. interpreter start and imports")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
