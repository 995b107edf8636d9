"""Benchmark: do verdicts depend on how long ago the calibration was? (issue 11, long sessions)

One simulated guided session is repeated back to back into a ~3-hour recording (by default 41
copies): the same motion, sample for sample, every ~4.4 min. In 6D the heading drifts (~20
deg/h); the verifiers measure relative to the head's own pose at each rep, so every copy must
get the same verdicts. Prints the verdicts per copy and how many copies differ from the first.

    python bench/long_session.py [--copies 41] [--seed 7]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from neckimu.pipeline import analyze
from neckimu.recording.events import Event
from neckimu.recording.reader import Recording
from neckimu.samples import SampleBlock
from neckimu.sim import SessionConfig, simulate_session


def repeated(copies: int, seed: int) -> tuple[Recording, float]:
    """The recording of ``copies`` back-to-back copies of one session, and a copy's length, s."""
    sim = simulate_session(SessionConfig(seed=seed, fault_rate=0.3))
    s = sim.samples
    period = float(np.median(np.diff(s.t)))
    span = float(s.t[-1] - s.t[0]) + period
    t = np.concatenate([s.t + k * span for k in range(copies)])

    def tile(a: np.ndarray) -> np.ndarray:
        return np.tile(a, (copies, 1))

    block = SampleBlock(t, tile(s.gyr), tile(s.acc), None if s.mag is None else tile(s.mag))
    events = [
        Event(e.time_s + k * span, e.event, e.exercise) for k in range(copies) for e in sim.events
    ]
    return Recording(block, events, [], dict(sim.meta), "repeated"), span


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--copies", type=int, default=41)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rec, span = repeated(args.copies, args.seed)
    t0 = time.perf_counter()
    reps = analyze(rec).reps
    dt = time.perf_counter() - t0
    per_copy = [[] for _ in range(args.copies)]
    for r in reps:
        per_copy[int(r.start_s // span)].append((r.exercise, r.verdict, r.faults))
    first = per_copy[0]
    print(
        f"{args.copies} copies of {span / 60:.1f} min = {args.copies * span / 3600:.2f} h, "
        f"{len(rec.samples)} samples; analysed in {dt:.1f} s"
    )
    for k, v in enumerate(per_copy):
        passed = sum(x[1] == "pass" for x in v)
        same = "same as copy 1" if v == first else "DIFFERS"
        print(f"copy {k + 1:2d} at {k * span / 3600:4.2f} h: {passed}/{len(v)} reps pass, {same}")
    print(
        f"copies with verdicts different from the first: "
        f"{sum(v != first for v in per_copy)} of {args.copies}"
    )


if __name__ == "__main__":
    main()
