"""Benchmark: verdict and measurement accuracy of ``neckimu analyze`` on labelled sessions.

Simulates N guided sessions (seeds from 1000 up, which the tests never use) with mixed mounts,
boards, output rates and injected faults, runs ``neckimu analyze --json`` on each recording and
compares the per-rep results with the simulator's ground truth. Prints the figures of issue 4:

- holds: verdict accuracy, ``moved`` recall and precision, mean abs error of max_deviation_deg;
- retractions: rep detection recall and precision, verdict accuracy, fault-label accuracy
  (exact set), displacement error (mm), path-angle error (deg);
- stretches: verdict accuracy.

    .venv/bin/python bench/accuracy.py [--sessions 40] [--jobs 2]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

MOUNTS = ("forehead", "back_of_head", "top_of_head")
BOARDS = (("rev1", None), ("rev2", 100.0), ("rev2", 200.0), ("rev1", None))


def config(k: int) -> dict[str, Any]:
    board, rate = BOARDS[k % len(BOARDS)]
    return {"seed": 1000 + k, "mount": MOUNTS[k % len(MOUNTS)], "board": board, "rate_hz": rate,
            "fault_rate": 0.4, "mount_rotation_max_deg": 30.0}


def run_one(k: int) -> dict[str, Any]:
    from neckimu.cli import main
    from neckimu.sim import SessionConfig, simulate_session

    cfg = config(k)
    with tempfile.TemporaryDirectory() as d:
        rec = Path(d) / "rec.csv"
        simulate_session(SessionConfig(**cfg)).write(rec)
        out = Path(d) / "out.json"
        code = main(["analyze", str(rec), "--json", str(out), "--quiet"])
        truth = json.loads(rec.with_suffix(".truth.json").read_text())
        result = json.loads(out.read_text()) if code == 0 else {"reps": []}
    return {"config": cfg, "code": code, "truth": truth["reps"], "reps": result["reps"]}


def _overlap(a: dict, b: dict) -> float:
    return max(0.0, min(a["end_s"], b["end_s"]) - max(a["start_s"], b["start_s"]))


def match(truth: list[dict], found: list[dict], exercise_prefix: str
          ) -> tuple[list[tuple[dict, dict]], int, int]:
    """Greedy one-to-one matching by time overlap; returns pairs, #truth, #found."""
    ts = [r for r in truth if r["exercise"].startswith(exercise_prefix)]
    fs = [r for r in found if r["exercise"].startswith(exercise_prefix)]
    pairs, used = [], set()
    for t in ts:
        best = max(((j, _overlap(t, f)) for j, f in enumerate(fs) if j not in used),
                   key=lambda x: x[1], default=(None, 0.0))
        if best[0] is not None and best[1] > 0.3 * (t["end_s"] - t["start_s"]):
            used.add(best[0])
            pairs.append((t, fs[best[0]]))
    return pairs, len(ts), len(fs)


def pct(x: float) -> str:
    return f"{100 * x:5.1f}%"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=40)
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    t0 = time.perf_counter()
    with ProcessPoolExecutor(args.jobs) as ex:
        results = list(ex.map(run_one, range(args.sessions)))
    failed = [r["config"]["seed"] for r in results if r["code"] != 0]

    holds, rets, stretches = [], [], []
    n_rt = n_rf = 0
    for r in results:
        holds += match(r["truth"], r["reps"], "hold_")[0]
        p, nt, nf = match(r["truth"], r["reps"], "retraction")
        rets += p
        n_rt, n_rf = n_rt + nt, n_rf + nf
        stretches += match(r["truth"], r["reps"], "stretch_")[0]

    n_holds_truth = sum(1 for r in results for t in r["truth"] if t["exercise"].startswith("hold_"))
    hold_ok = [t["verdict"] == f["verdict"] for t, f in holds]
    tp = sum(t["verdict"] == "fail" and f["verdict"] == "fail" for t, f in holds)
    moved_truth = sum(t["verdict"] == "fail" for t, _ in holds)
    moved_found = sum(f["verdict"] == "fail" for _, f in holds)
    dev_err = [abs(t["max_deviation_deg"] - f["max_deviation_deg"]) for t, f in holds
               if f["max_deviation_deg"] is not None]

    ret_ok = [t["verdict"] == f["verdict"] for t, f in rets]
    fault_ok = [set(t["faults"]) == set(f["faults"]) for t, f in rets]
    faulty = [(t, f) for t, f in rets if t["faults"]]
    disp = np.array([[t["displacement_mm"]["posterior"] - f["displacement_mm"]["posterior"],
                      t["displacement_mm"]["superior"] - f["displacement_mm"]["superior"]]
                     for t, f in rets])
    # the path angle means something only for a real glide: the reps done right
    ang = [abs((t["path_angle_deg"] - f["path_angle_deg"] + 180) % 360 - 180) for t, f in rets
           if t["verdict"] == "pass"]
    st_ok = [t["verdict"] == f["verdict"] for t, f in stretches]

    print(f"sessions: {len(results)} (seeds {results[0]['config']['seed']}.."
          f"{results[-1]['config']['seed']}; mounts {', '.join(MOUNTS)}; LSM9DS1 119 Hz and "
          f"BMI270 100/200 Hz; fault rate 40%); analyze failed on {len(failed)} {failed or ''}")
    print(f"holds: {len(holds)}/{n_holds_truth} reps judged")
    print(f"  hold verdict accuracy          {pct(np.mean(hold_ok))}  (target >= 98%)")
    print(f"  moved recall / precision       {pct(tp / max(moved_truth, 1))} / "
          f"{pct(tp / max(moved_found, 1))}")
    print(f"  max_deviation_deg abs error    {np.mean(dev_err):.2f} deg mean, "
          f"{np.percentile(dev_err, 95):.2f} deg p95  (target <= 0.3 deg mean)")
    print(f"retractions: {n_rt} reps in truth, {n_rf} found, {len(rets)} matched")
    print(f"  rep detection recall/precision {pct(len(rets) / max(n_rt, 1))} / "
          f"{pct(len(rets) / max(n_rf, 1))}")
    print(f"  retraction verdict accuracy    {pct(np.mean(ret_ok))}  (target >= 95%)")
    print(f"  fault-label accuracy           {pct(np.mean(fault_ok))} all reps, "
          f"{pct(np.mean([set(t['faults']) == set(f['faults']) for t, f in faulty]))} "
          f"faulty reps  (target >= 90%)")
    print(f"  displacement abs error         posterior {np.abs(disp[:, 0]).mean():.1f} mm, "
          f"superior {np.abs(disp[:, 1]).mean():.1f} mm, "
          f"vector {np.linalg.norm(disp, axis=1).mean():.1f} mm mean  (target <= 3 mm)")
    print(f"  path angle abs error           {np.mean(ang):.1f} deg mean over {len(ang)} "
          "correct reps  (target <= 6 deg)")
    print(f"stretches: verdict accuracy {pct(np.mean(st_ok))} over {len(stretches)}")
    confusion: dict[str, dict[str, int]] = {}
    for t, f in rets:
        key = ",".join(sorted(t["faults"])) or "pass"
        got = ",".join(sorted(f["faults"])) or "pass"
        confusion.setdefault(key, {}).setdefault(got, 0)
        confusion[key][got] += 1
    print("retraction labels (truth -> found):")
    for key, row in sorted(confusion.items()):
        print(f"  {key:12s} -> " + ", ".join(f"{g} {n}" for g, n in sorted(row.items())))
    print(f"time: {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
