"""Verdicts do not depend on how long ago the calibration was (issue 11: long sessions).

The same simulated session repeated back to back: the heading of a 6D estimate drifts, the
verifiers measure relative to the head's own pose at each rep, so every copy gets the same
verdicts as the first (bench/long_session.py runs 41 copies, ~3 h).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from long_session import repeated

from neckimu.pipeline import analyze


def test_every_copy_of_a_repeated_session_gets_the_same_verdicts():
    rec, span = repeated(copies=16, seed=7)  # 70 min: the code before issue 11 differed in 15, 16
    per_copy: list[list[tuple]] = [[] for _ in range(16)]
    for r in analyze(rec).reps:
        per_copy[int(r.start_s // span)].append((r.exercise, r.verdict, r.faults))
    assert len(per_copy[0]) >= 15
    assert all(v == per_copy[0] for v in per_copy), [
        k + 1 for k, v in enumerate(per_copy) if v != per_copy[0]
    ]
