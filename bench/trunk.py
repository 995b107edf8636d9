"""Two-sensor accuracy on the simulator (issue 15): trunk_lean recall/precision, neck angles
while the trunk leans, neck displacement, and what the single-sensor pipeline reports on the
same sessions.

    .venv/bin/python bench/trunk.py [--n 40] [--first-seed 9000]

Sessions: guided, ``trunk=True`` with the fault ``trunk_lean`` on some retraction reps (sizes
near and clearly beyond the threshold, ``near_share`` 0.5), trunk posture changes of up to
15 deg in the rests, three head mounts, both trunk mounts, LSM9DS1 119 Hz and BMI270
100/200 Hz. Seeds 9000+ are used by no test. Everything here is the simulation only.
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
import warnings
from pathlib import Path

import numpy as np

from neckimu.angles import angles_from_rotation
from neckimu.pipeline import analyze
from neckimu.recording.reader import read_recording
from neckimu.sim import SessionConfig, simulate_session
from neckimu.sim.truth import read_truth

MOUNTS = ("forehead", "back_of_head", "top_of_head")
TRUNK_MOUNTS = ("between_shoulder_blades", "collar")
BOARDS = (("rev1", None), ("rev2", 100.0), ("rev2", 200.0))


def _match(truth_reps: list[dict], reps: list) -> list[tuple[dict, object | None]]:
    """Each truth retraction rep with the analysed rep that overlaps it most (or None)."""
    out = []
    for tr in truth_reps:
        best, ov = None, 0.0
        for r in reps:
            o = min(tr["end_s"], r.end_s) - max(tr["start_s"], r.start_s)
            if o > ov:
                best, ov = r, o
        out.append((tr, best))
    return out


def run_session(seed: int, tmp: Path) -> dict:
    mount = MOUNTS[seed % 3]
    board, rate = BOARDS[(seed // 3) % 3]
    cfg = SessionConfig(seed=seed, mount=mount, board=board, rate_hz=rate, trunk=True,
                        trunk_mount=TRUNK_MOUNTS[seed % 2], faults=("trunk_lean",))
    path = tmp / f"s{seed}.csv"
    simulate_session(cfg).write(path)
    truth, ts = read_truth(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rec = read_recording(path)
    two = analyze(rec)
    one = analyze(dataclasses.replace(rec, trunk=None))
    # neck angles against the truth (both relative to the mean over the calibration's still)
    a, b = two.calibration.still_s
    still = (ts.t >= a) & (ts.t < b)
    true_neck = angles_from_rotation(ts.head_rotation())
    true_neck -= true_neck[still].mean(axis=0)
    trunk_rot = ts.trunk_rotation()
    lean = np.abs(np.degrees(trunk_rot.magnitude()))
    err2 = two.angles_deg - true_neck
    err1 = one.angles_deg - true_neck
    tr_reps = [r for r in truth["reps"] if r["exercise"] == "retraction"]
    rows2 = _match(tr_reps, [r for r in two.reps if r.exercise == "retraction"])
    rows1 = _match(tr_reps, [r for r in one.reps if r.exercise == "retraction"])
    return {"seed": seed, "err2": err2, "err1": err1, "lean": lean, "rows2": rows2,
            "rows1": rows1}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=40)
    ap.add_argument("--first-seed", type=int, default=9000)
    args = ap.parse_args()
    tp = fp = fn = 0
    single_passed = single_lean = 0
    dpost, dsup = [], []
    dpost_lean = []
    e2, e1, leans = [], [], []
    with tempfile.TemporaryDirectory() as d:
        for seed in range(args.first_seed, args.first_seed + args.n):
            s = run_session(seed, Path(d))
            e2.append(s["err2"])
            e1.append(s["err1"])
            leans.append(s["lean"])
            for (tr, r2), (_, r1) in zip(s["rows2"], s["rows1"], strict=True):
                truth_lean = "trunk_lean" in tr["faults"]
                got = r2 is not None and "trunk_lean" in r2.faults
                tp += truth_lean and got
                fp += (not truth_lean) and got
                fn += truth_lean and not got
                if truth_lean:
                    single_lean += 1
                    single_passed += r1 is not None and not r1.faults
                if r2 is not None and r2.posterior_mm is not None:
                    dp = abs(r2.posterior_mm - tr["displacement_mm"]["posterior"])
                    ds = abs(r2.superior_mm - tr["displacement_mm"]["superior"])
                    dpost.append(dp)
                    dsup.append(ds)
                    if truth_lean:
                        dpost_lean.append(dp)
            print(f"seed {seed}: trunk_lean tp {tp} fp {fp} fn {fn}", flush=True)
    err2, err1, lean = np.concatenate(e2), np.concatenate(e1), np.concatenate(leans)
    leaned = lean > 5.0
    rms2 = np.sqrt(np.mean(err2**2, axis=0))
    rms2l = np.sqrt(np.mean(err2[leaned] ** 2, axis=0))
    rms1l = np.sqrt(np.mean(err1[leaned] ** 2, axis=0))
    print(f"sessions {args.n} (seeds {args.first_seed}-{args.first_seed + args.n - 1}), "
          "simulation only")
    print(f"trunk_lean: recall {tp / max(tp + fn, 1):.1%} precision {tp / max(tp + fp, 1):.1%}"
          f" (tp {tp}, fp {fp}, fn {fn})")
    print(f"neck angles RMS error, deg (flexion, lateral, rotation): all samples "
          f"{rms2.round(2).tolist()}; while the trunk is turned > 5 deg from neutral "
          f"({leaned.mean():.0%} of samples, up to {lean.max():.0f} deg) "
          f"{rms2l.round(2).tolist()}")
    print(f"single sensor, same samples (head angles against the neck truth): "
          f"{rms1l.round(2).tolist()}")
    print(f"neck displacement MAE: posterior {np.mean(dpost):.2f} mm, superior "
          f"{np.mean(dsup):.2f} mm over {len(dpost)} reps; trunk_lean reps posterior "
          f"{np.mean(dpost_lean):.2f} mm ({len(dpost_lean)} reps)")
    print(f"single sensor: passes {single_passed} of {single_lean} trunk_lean reps")


if __name__ == "__main__":
    main()
