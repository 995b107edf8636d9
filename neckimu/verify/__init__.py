"""Exercise verifiers: rep by rep, was the exercise done right?

``verify_all`` runs the verifier of each exercise window of an analysis and returns the per-rep
records of the analysis JSON (docs/analysis-json.md), in time order.
"""

from __future__ import annotations

from typing import Any

from neckimu.pipeline import Analysis
from neckimu.recording.events import HOLDS
from neckimu.verify.context import Context, rep_labels
from neckimu.verify.hold import verify_hold
from neckimu.verify.retraction import verify_retraction_set
from neckimu.verify.stretch import verify_stretch


def verify_all(analysis: Analysis) -> list[dict[str, Any]]:
    """Per-rep records of every exercise window of ``analysis``, in time order."""
    ctx = Context(analysis)
    reps: list[dict[str, Any]] = []
    labels = rep_labels(analysis.windows)
    for k, w in enumerate(analysis.windows):
        if w.exercise in HOLDS:
            reps.append(verify_hold(ctx, w, *labels[k]))
        elif w.exercise == "retraction":
            reps += verify_retraction_set(ctx, w)
        elif w.exercise.startswith("stretch_"):
            reps.append(verify_stretch(ctx, w, *labels[k]))
    return sorted(reps, key=lambda r: r["start_s"])
