"""Where the neck's displacement error on two-sensor sessions comes from (issue 15): the same
seeds simulated again with one error source switched off at a time, and each rep measured
twice, on the rep finder's windows and on the truth's (oracle) windows.

    .venv/bin/python bench/trunk_ablation.py [--n 12] [--first-seed 9000] [--jobs 1]
        [--variants base,no_acc_bias,...]

Variants: ``base``; ``no_sensor_errors`` (no bias, scale, misalignment on either board);
``no_acc_bias`` / ``no_head_acc_bias`` / ``no_trunk_acc_bias`` (only the accelerometer
bias, of both boards / one); ``no_acc_scale`` (accelerometer scale and cross-axis); ``no_gyro_bias``
(gyro bias and its drift); ``no_noise`` (white noise); ``no_person`` (sway, breathing, tremor,
restless motion, fidgets); ``no_drops`` (timing errors: dropped packets, jitter, clock);
``no_trunk_leans`` (no trunk posture changes, no ``trunk_lean`` fault). Sessions as in
``bench/trunk.py``. "found" figures: the reps the rep finder found one-to-one; "oracle": every
truth rep judged on the truth's windows (onset, kept station, end of the return). Simulation
only.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import tempfile
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from neckimu.pipeline import analyze
from neckimu.recording.reader import read_recording
from neckimu.sim import SessionConfig, sensors, simulate_session
from neckimu.sim.truth import read_truth
from neckimu.verify import trunk_lean
from neckimu.verify.reps import RetractionRep

MOUNTS = ("forehead", "back_of_head", "top_of_head")
TRUNK_MOUNTS = ("between_shoulder_blades", "collar")
BOARDS = (("rev1", None), ("rev2", 100.0), ("rev2", 200.0))
VARIANTS = (
    "base",
    "no_sensor_errors",
    "no_acc_bias",
    "no_head_acc_bias",
    "no_trunk_acc_bias",
    "no_acc_scale",
    "no_gyro_bias",
    "no_noise",
    "no_person",
    "no_drops",
    "no_trunk_leans",
    "ideal",
)


def _config(seed: int, variant: str) -> SessionConfig:
    cfg = SessionConfig(
        seed=seed,
        mount=MOUNTS[seed % 3],
        board=BOARDS[(seed // 3) % 3][0],
        rate_hz=BOARDS[(seed // 3) % 3][1],
        trunk=True,
        trunk_mount=TRUNK_MOUNTS[seed % 2],
        faults=("trunk_lean",),
    )
    change = {
        "no_sensor_errors": {"sensor_errors": False},
        "no_noise": {"sensor_noise": False},
        "no_person": {"person": False, "fidgets": False},
        "no_drops": {"timing_errors": False},
        "no_trunk_leans": {"trunk_leans": False, "faults": ()},
        "ideal": {
            "sensor_errors": False,
            "person": False,
            "fidgets": False,
            "timing_errors": False,
        },
    }.get(variant, {})
    return dataclasses.replace(cfg, **change)


def _patched_draw(variant: str):
    """``SensorErrors.draw`` with one error zeroed after the draw (the random streams stay as
    they are: every other error of the session is the same)."""
    original = sensors.SensorErrors.draw.__func__
    calls = {"n": 0}

    def draw(cls, *args, **kwargs):
        err = original(cls, *args, **kwargs)
        board = "head" if calls["n"] == 0 else "trunk"
        calls["n"] += 1
        if variant == "no_acc_bias" or variant == f"no_{board}_acc_bias":
            err.acc_bias = np.zeros(3)
        elif variant == "no_acc_scale":
            err.acc_matrix = np.eye(3)
        elif variant == "no_gyro_bias":
            err.gyro_bias = np.zeros(3)
            err.gyro_bias_walk = 0.0
        return err

    return classmethod(draw)


def run(seed: int, variant: str) -> list[dict]:
    """Per truth retraction rep: truth, found one-to-one and oracle-window displacements."""
    saved = sensors.SensorErrors.draw
    sensors.SensorErrors.draw = _patched_draw(variant)
    captured: dict = {}
    judge = trunk_lean.judge_with_trunk

    def capture(reps, tctx, ctx, crit=None):
        captured.update(reps=reps, tctx=tctx, ctx=ctx)
        return judge(reps, tctx, ctx, crit)

    trunk_lean.judge_with_trunk = capture
    try:
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / f"s{seed}.csv"
            simulate_session(_config(seed, variant)).write(path)
            truth, _ = read_truth(path)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                rec = read_recording(path)
        two = analyze(rec)
    finally:
        sensors.SensorErrors.draw = saved
        trunk_lean.judge_with_trunk = judge
    tr_reps = [r for r in truth["reps"] if r["exercise"] == "retraction"]
    found = [r for r in two.reps if r.exercise == "retraction"]

    def ov(a: dict, r: object) -> float:
        return min(a["end_s"], r.end_s) - max(a["start_s"], r.start_s)  # type: ignore[attr-defined]

    best = {id(r): max(range(len(tr_reps)), key=lambda k: ov(tr_reps[k], r)) for r in found}
    template = next(
        (r for r in captured.get("reps", []) if isinstance(r, RetractionRep) and r.kept_s), None
    )
    oracle = []
    if template is not None:
        for tr in tr_reps:
            oracle.append(
                dataclasses.replace(
                    template,
                    start_s=tr["glide_start_s"],
                    end_s=tr["return_end_s"],
                    kept_s=(tr["kept_start_s"], tr["kept_end_s"]),
                    incomplete=None,
                    low_confidence=None,
                )
            )
        oracle = judge(oracle, captured["tctx"], captured["ctx"])
    rows = []
    for k, tr in enumerate(tr_reps):
        cand = [(ov(tr, r), r) for r in found]
        o, r = max(cand, key=lambda x: x[0], default=(0.0, None))
        one2one = r is not None and o > 0 and best[id(r)] == k
        orc = oracle[k] if oracle else None
        rows.append(
            {
                "seed": seed,
                "variant": variant,
                "lean": "trunk_lean" in tr["faults"],
                "truth_post": tr["displacement_mm"]["posterior"],
                "truth_sup": tr["displacement_mm"]["superior"],
                "truth_trunk": tr.get("trunk_posterior_mm"),
                "post": r.posterior_mm if one2one else None,
                "sup": r.superior_mm if one2one else None,
                "trunk": getattr(r, "trunk_posterior_mm", None) if one2one else None,
                "o_post": None if orc is None else orc.posterior_mm,
                "o_sup": None if orc is None else orc.superior_mm,
                "o_trunk": None if orc is None else getattr(orc, "trunk_posterior_mm", None),
                "truth_win": [tr[k] for k in ("glide_start_s", "kept_start_s", "kept_end_s")]
                + [tr["return_end_s"]],
                "found_win": [r.start_s, *r.kept_s, r.end_s] if one2one and r.kept_s else None,
            }
        )
    return rows


def _mae(rows: list[dict], key: str, truth: str) -> tuple[float, int]:
    e = [abs(r[key] - r[truth]) for r in rows if r[key] is not None and r[truth] is not None]
    return (float(np.mean(e)) if e else float("nan")), len(e)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=12)
    ap.add_argument("--first-seed", type=int, default=9000)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--json", type=Path, default=None, help="write every rep's row here")
    args = ap.parse_args()
    variants = args.variants.split(",")
    bad = [v for v in variants if v not in VARIANTS]
    if bad:
        raise SystemExit(f"unknown variant(s) {', '.join(bad)}; known: {', '.join(VARIANTS)}")
    seeds = range(args.first_seed, args.first_seed + args.n)
    jobs = [(s, v) for v in variants for s in seeds]
    rows: list[dict] = []
    with ProcessPoolExecutor(args.jobs) as pool:
        for got in pool.map(run, *zip(*jobs, strict=True)):
            rows += got
    if args.json:
        args.json.write_text(json.dumps(rows))
    print(
        f"seeds {seeds[0]}-{seeds[-1]}, simulation only; neck displacement MAE, mm "
        "(found: one-to-one reps; oracle: all reps on the truth's windows)"
    )
    print(
        f"{'variant':18s} {'found post':>10s} {'found sup':>10s} {'n':>4s} "
        f"{'oracle post':>11s} {'oracle sup':>10s} {'n':>4s} {'trunk part (oracle)':>20s}"
    )
    for v in variants:
        vr = [r for r in rows if r["variant"] == v]
        fp, n1 = _mae(vr, "post", "truth_post")
        fs, _ = _mae(vr, "sup", "truth_sup")
        op, n2 = _mae(vr, "o_post", "truth_post")
        os_, _ = _mae(vr, "o_sup", "truth_sup")
        ot, _ = _mae(vr, "o_trunk", "truth_trunk")
        print(
            f"{v:18s} {fp:10.2f} {fs:10.2f} {n1:4d} {op:11.2f} {os_:10.2f} {n2:4d} {ot:20.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
