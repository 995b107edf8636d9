"""Benchmark: range-of-motion figures against the simulator's truth, per direction.

``--n`` seeds from ``--seed0`` (the tests use 1000-1011), each on every mount with LSM9DS1 at
119 Hz and BMI270 at 100 and 200 Hz; each session is analysed as ``neckimu analyze`` does and
its ``rom_deg`` compared with the truth's. This prints figures; it is not a test.

    .venv/bin/python bench/rom_accuracy.py [--n 40] [--seed0 5000] [--jobs 2]
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor

import numpy as np

MOUNTS = ("forehead", "back_of_head", "top_of_head")
BOARDS = (("rev1", None), ("rev2", 100.0), ("rev2", 200.0))


def one(job: tuple[int, str, str, float | None]) -> tuple[list[float] | None, str]:
    """Errors (measured minus true, deg) per direction of one session, and its message."""
    from neckimu.pipeline import analyze
    from neckimu.recording.reader import Recording
    from neckimu.sim import SessionConfig, simulate_session
    from neckimu.verify.reps import ROM_DIRECTIONS

    seed, mount, board, rate = job
    s = simulate_session(
        SessionConfig(seed=seed, script="rom", mount=mount, board=board, rate_hz=rate)
    )
    rec = Recording(samples=s.samples, events=s.events, meta=s.meta, path="sim")
    (rep,) = [r for r in analyze(rec).reps if r.exercise == "rom"]
    truth = s.truth["rom_deg"]
    if any(rep.rom_deg[d] is None or truth[d] is None for d in ROM_DIRECTIONS):
        return None, rep.message()
    return [rep.rom_deg[d] - truth[d] for d in ROM_DIRECTIONS], rep.message()


def main() -> None:
    from neckimu.verify.reps import ROM_DIRECTIONS

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=40, help="seeds (default 40)")
    ap.add_argument("--seed0", type=int, default=5000, help="first seed (default 5000)")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    args = ap.parse_args()
    jobs = [
        (seed, m, *b)
        for seed in range(args.seed0, args.seed0 + args.n)
        for m in MOUNTS
        for b in BOARDS
    ]
    with ProcessPoolExecutor(args.jobs) as pool:
        results = list(pool.map(one, jobs))
    errors = np.array([e for e, _ in results if e is not None])
    failed = [m for e, m in results if e is None]
    print(
        f"{len(results)} simulated rom sessions ({args.n} seeds x 3 mounts x 3 boards/rates), "
        f"{len(failed)} without every direction measured"
    )
    err = np.abs(errors)
    for k, d in enumerate(ROM_DIRECTIONS):
        print(
            f"  {d:15s} mean |error| {err[:, k].mean():.2f} deg, 95th pct "
            f"{np.percentile(err[:, k], 95):.2f}, max {err[:, k].max():.2f}, "
            f"mean error {errors[:, k].mean():+.2f}"
        )
    print(
        f"  all directions: {100 * (err <= 2.0).mean():.2f} % within 2 deg, "
        f"{100 * (err <= 1.0).mean():.1f} % within 1 deg"
    )


if __name__ == "__main__":
    main()
