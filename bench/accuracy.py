"""Benchmark: rep verdicts and measurements of the analysis, on own and on independent sessions.

Two sets, scored by the same scorer (``../shared/data/validation/score.py``, found beside the
repository) and printed side by side with the targets of issue 10:

- **own**: ``--n`` sessions from the development simulator over its widened ranges
  (``neckimu.sim``; seeds ``--seed0`` .. ``--seed0 + n - 1``, which the tests never use):
  guided sessions and stretch routines (every 4th), all three mounts, LSM9DS1 at 119 Hz and
  BMI270 at 100 and 200 Hz, 35 % of the reps with an injected mistake (half of them near the
  pass rule's threshold, so some of those pass), labels measured from the simulated motion;
- **validation**: every labelled session of the independent simulator in
  ``../shared/data/validation`` (its ``NAME.csv.gz`` with ``NAME.events.csv``).

Each session is analysed as ``neckimu analyze --json`` does (``neckimu.pipeline.analyze`` and
``neckimu.results.to_json``), in a process pool. This prints figures; it is not a test.

    .venv/bin/python bench/accuracy.py [--n 100] [--seed0 5000] [--only own|validation]
                                       [--keep DIR] [--jobs 2]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
VALIDATION = REPO.parent / "shared" / "data" / "validation"
MOUNTS = ("forehead", "back_of_head", "top_of_head")
BOARDS = (("rev1", None), ("rev2", 100.0), ("rev2", 200.0))
FAULT_RATE = 0.35

#: (label, score.py metric, kind, issue-10 target as (comparison, value) or None)
ROWS: tuple[tuple[str, str, str, tuple[str, float] | None], ...] = (
    ("holds: reps in truth", "hold_reps_truth", "n", None),
    ("  verdict accuracy", "hold_verdict_accuracy", "%", (">=", 0.98)),
    ("  'moved' recall", "hold_moved_recall", "%", (">=", 0.98)),
    ("  max_deviation MAE", "hold_max_deviation_mae_deg", "deg", ("<=", 0.3)),
    ("retraction: reps in truth", "retraction_reps_truth", "n", None),
    ("  rep recall", "retraction_detection_recall", "%", (">=", 0.97)),
    ("  rep precision", "retraction_detection_precision", "%", None),
    ("  verdict accuracy", "retraction_verdict_accuracy", "%", (">=", 0.95)),
    ("  fault-label accuracy", "retraction_fault_label_accuracy", "%", (">=", 0.90)),
    ("  displacement MAE posterior", "displacement_mae_mm_posterior", "mm", ("<=", 3.0)),
    ("  displacement MAE superior", "displacement_mae_mm_superior", "mm", ("<=", 3.0)),
    ("  path-angle MAE", "path_angle_mae_deg", "deg", ("<=", 6.0)),
    ("stretch: reps in truth", "stretch_reps_truth", "n", None),
    ("  verdict accuracy", "stretch_verdict_accuracy", "%", (">=", 0.95)),
    ("  fault-label accuracy", "stretch_fault_label_accuracy", "%", (">=", 0.90)),
    ("  reached_deg MAE", "stretch_reached_mae_deg", "deg", ("<=", 2.0)),
    ("  held_s MAE", "stretch_held_mae_s", "s", ("<=", 2.0)),
)


def own_config(seed0: int, k: int) -> dict[str, Any]:
    """Session k of the own set: kind, mount and board/rate cycle independently."""
    board, rate = BOARDS[(k // len(MOUNTS)) % len(BOARDS)]
    return {
        "seed": seed0 + k,
        "script": "stretch" if k % 4 == 3 else "guided",
        "mount": MOUNTS[k % len(MOUNTS)],
        "board": board,
        "rate_hz": rate,
        "fault_rate": FAULT_RATE,
    }


def _analyze(csv: Path, events: Path | None, out: Path) -> str | None:
    """``neckimu analyze --json`` of one recording; the error in one line, or None."""
    from neckimu.errors import NeckimuError
    from neckimu.pipeline import analyze
    from neckimu.recording.reader import read_recording
    from neckimu.results import to_json

    try:
        rec = read_recording(csv, events)
        out.write_text(json.dumps(to_json(analyze(rec)), indent=1) + "\n", encoding="utf-8")
    except (NeckimuError, ValueError) as e:
        return f"{csv.name}: {e}"
    return None


def run_own(job: tuple[dict[str, Any], str, str]) -> str | None:
    """Simulate one own session into ``truth_dir`` and analyse it into ``pred_dir``."""
    from neckimu.sim import SessionConfig, simulate_session

    cfg, truth_dir, pred_dir = job
    name = f"own{cfg['seed']}"
    csv = Path(truth_dir) / f"{name}.csv"
    simulate_session(SessionConfig(**cfg)).write(csv)
    csv.with_name(f"{name}.truth.csv.gz").unlink()  # per-sample truth: not scored
    return _analyze(csv, None, Path(pred_dir) / f"{name}.json")


def run_validation(job: tuple[str, str]) -> str | None:
    """Analyse one validation session (recording + events CSV) into ``pred_dir``."""
    name, pred_dir = job
    events = VALIDATION / f"{name}.events.csv"
    return _analyze(
        VALIDATION / f"{name}.csv.gz",
        events if events.exists() else None,
        Path(pred_dir) / f"{name}.json",
    )


def score(truth_dir: Path, pred_dir: Path, report: Path) -> dict[str, Any]:
    """score.py's overall metrics; its printed report goes to ``report``."""
    metrics = pred_dir / "metrics.json"
    with open(report, "w", encoding="utf-8") as f:
        subprocess.run(
            [
                sys.executable,
                str(VALIDATION / "score.py"),
                "--truth",
                str(truth_dir),
                "--pred",
                str(pred_dir),
                "--json",
                str(metrics),
            ],
            check=True,
            stdout=f,
            stderr=subprocess.STDOUT,
        )
    return json.loads(metrics.read_text())["overall"]


def _fmt(v: float | None, kind: str) -> str:
    if v is None or v != v:
        return "-"
    return {
        "n": f"{v:.0f}",
        "%": f"{100 * v:.1f} %",
        "deg": f"{v:.2f} deg",
        "mm": f"{v:.1f} mm",
        "s": f"{v:.2f} s",
    }[kind]


def _meets(v: float | None, target: tuple[str, float] | None) -> str:
    if target is None or v is None or v != v:
        return ""
    ok = v >= target[1] if target[0] == ">=" else v <= target[1]
    return "" if ok else " *"


def table(sets: dict[str, dict[str, Any]]) -> list[str]:
    """The figures of each set side by side, with the issue-10 target; * = target not met."""
    names = list(sets)
    lines = [f"{'measure':32s}" + "".join(f"{n:>24s}" for n in names) + f"{'target':>12s}"]
    for label, key, kind, target in ROWS:
        cells = "".join(
            f"{_fmt(sets[n].get(key), kind) + _meets(sets[n].get(key), target):>24s}" for n in names
        )
        tgt = "" if target is None else f"{target[0]} {_fmt(target[1], kind)}"
        lines.append(f"{label:32s}{cells}{tgt:>12s}")
    return lines


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100, help="own sessions (default 100)")
    ap.add_argument("--seed0", type=int, default=5000, help="first seed (default 5000)")
    ap.add_argument("--only", choices=["own", "validation"], help="score one set only")
    ap.add_argument("--keep", help="keep recordings, truth, analyses and scorer reports here")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    args = ap.parse_args()
    if not (VALIDATION / "score.py").exists():
        print(f"accuracy: error: no scorer at {VALIDATION / 'score.py'}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="neckimu-accuracy-"))
    dirs = {k: work / k for k in ("own", "own_pred", "validation_pred")}
    for d in dirs.values():
        d.mkdir(parents=True, exist_ok=True)
    val_names = sorted(p.name.removesuffix(".truth.json") for p in VALIDATION.glob("*.truth.json"))
    own_cfgs = [own_config(args.seed0, k) for k in range(args.n)]
    errors: list[str | None] = []
    try:
        with ProcessPoolExecutor(args.jobs) as ex:
            if args.only != "validation":
                errors += ex.map(
                    run_own, [(c, str(dirs["own"]), str(dirs["own_pred"])) for c in own_cfgs]
                )
            if args.only != "own":
                errors += ex.map(
                    run_validation, [(n, str(dirs["validation_pred"])) for n in val_names]
                )
        sets: dict[str, dict[str, Any]] = {}
        if args.only != "validation":
            sets[f"own sim ({args.n})"] = score(
                dirs["own"], dirs["own_pred"], work / "own_score.txt"
            )
        if args.only != "own":
            sets[f"validation ({len(val_names)})"] = score(
                VALIDATION, dirs["validation_pred"], work / "validation_score.txt"
            )
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    failed = [e for e in errors if e]
    if args.only != "validation":
        kinds = sum(c["script"] == "stretch" for c in own_cfgs)
        print(
            f"own: {args.n} simulated sessions, seeds {args.seed0}..{args.seed0 + args.n - 1} "
            f"({args.n - kinds} guided, {kinds} stretch routines; mounts "
            f"{', '.join(MOUNTS)}; LSM9DS1 119 Hz, BMI270 100/200 Hz; "
            f"{100 * FAULT_RATE:.0f} % of reps with a mistake, half near the threshold)"
        )
    if args.only != "own":
        print(f"validation: {len(val_names)} sessions of the independent simulator in {VALIDATION}")
    print(f"analysis failed on {len(failed)} session(s)" + "".join(f"\n  {e}" for e in failed))
    print("scored by the validation set's score.py; * = issue-10 target not met")
    print("\n".join(table(sets)))
    if args.keep:
        print(f"kept in {work} (scorer reports: *_score.txt)")
    print(f"time: {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
