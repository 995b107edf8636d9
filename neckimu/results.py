"""The analysis as JSON (schema: docs/analysis-json.md) and as lines for people."""

from __future__ import annotations

from typing import Any

import numpy as np

from neckimu import SAFETY_NOTICE, __version__
from neckimu.angles import ANGLE_NAMES
from neckimu.pipeline import Analysis

SCHEMA_VERSION = 1


def _r(x: float, nd: int = 2) -> float:
    return round(float(x), nd)


def angles_summary(angles_deg: np.ndarray) -> dict[str, dict[str, float]]:
    """Min, max, mean, standard deviation and 5/95th percentiles of each head angle, deg,
    over the samples that have one (with a trunk board, the neck's angles are blank where
    the trunk has no data); None for an angle with none."""
    out: dict[str, dict[str, float]] = {}
    for i, name in enumerate(ANGLE_NAMES):
        a = angles_deg[:, i]
        a = a[np.isfinite(a)]
        if not len(a):
            out[name.removesuffix("_deg")] = dict.fromkeys(
                ("min_deg", "max_deg", "mean_deg", "std_deg", "p5_deg", "p95_deg")
            )
            continue
        p5, p95 = np.percentile(a, [5, 95])
        out[name.removesuffix("_deg")] = {
            "min_deg": _r(a.min()),
            "max_deg": _r(a.max()),
            "mean_deg": _r(a.mean()),
            "std_deg": _r(a.std()),
            "p5_deg": _r(p5),
            "p95_deg": _r(p95),
        }
    return out


def to_json(analysis: Analysis) -> dict[str, Any]:
    """The analysis as a JSON-able dict (``neckimu analyze --json``)."""
    rec = analysis.recording
    t = rec.samples.t
    return {
        "schema_version": SCHEMA_VERSION,
        "neckimu_version": __version__,
        "recording": rec.path,
        "duration_s": _r(t[-1] - t[0], 3),
        "n_samples": len(t),
        "rate_hz": _r(1.0 / analysis.orientation.ts, 3),
        "gaps": {"count": len(rec.gaps), "missing_samples": sum(g.missing for g in rec.gaps)},
        "orientation": {"filter": "offlineVQF", "mode": analysis.orientation.mode},
        "calibration": analysis.calibration.to_meta(),
        "exercises": [
            {"exercise": w.exercise, "start_s": _r(w.start_s, 3), "end_s": _r(w.end_s, 3)}
            for w in analysis.windows
        ],
        "angles_summary": angles_summary(analysis.angles_deg),
        "reps": [r.to_json() for r in analysis.reps],
        "notes": analysis.notes,
        "safety": SAFETY_NOTICE,
        **_trunk_json(analysis),
    }


def _trunk_json(analysis: Analysis) -> dict[str, Any]:
    """With a trunk sensor (issue 15): ``trunk`` = its calibration, the summaries of the
    trunk's inclination and of the head's angles against the room (``angles_summary`` is
    then the neck's); nothing without one."""
    tr = getattr(analysis, "trunk", None)
    if tr is None:
        return {}
    inc = {}
    for i, name in enumerate(("forward", "right")):
        a = tr.trunk_deg[:, i]
        p5, p95 = np.percentile(a, [5, 95])
        inc[name] = {
            "min_deg": _r(a.min()),
            "max_deg": _r(a.max()),
            "mean_deg": _r(a.mean()),
            "p5_deg": _r(p5),
            "p95_deg": _r(p95),
        }
    return {
        "trunk": {
            "calibration": tr.calibration.to_meta(),
            "inclination_summary": inc,
            "head_angles_summary": angles_summary(tr.head_deg),
        }
    }


def _p5_p95_words(a: np.ndarray) -> str:
    """``"+1.2..+17.3 deg"``: the 5th to 95th percentile of the angles ``a`` (deg) that are
    there (blank where the trunk had no data), or ``"none"``."""
    a = a[np.isfinite(a)]
    return "{:+.1f}..{:+.1f} deg".format(*np.percentile(a, [5, 95])) if len(a) else "none"


def summary_lines(analysis: Analysis) -> list[str]:
    """A readable summary: the session, the calibration, each rep's verdict line."""
    rec = analysis.recording
    t = rec.samples.t
    cal = analysis.calibration
    lines = [
        f"{rec.path}: {len(t)} samples, {t[-1] - t[0]:.1f} s at "
        f"{1.0 / analysis.orientation.ts:.1f} Hz" + (f", {len(rec.gaps)} gaps" if rec.gaps else ""),
        f"head frame: {cal.method}, mount {cal.mount} ({cal.mount_source})",
    ]
    lines.append(
        "angles (5th..95th percentile): "
        + ", ".join(
            f"{name.removesuffix('_deg')} {_p5_p95_words(analysis.angles_deg[:, i])}"
            for i, name in enumerate(ANGLE_NAMES)
        )
    )
    tr = getattr(analysis, "trunk", None)
    if tr is not None:
        lines.append(
            "trunk inclination forward (5th..95th percentile): "
            f"{_p5_p95_words(tr.trunk_deg[:, 0])}; "
            "the angles above are the neck's (head relative to trunk)"
        )
    lines += [f"note: {n}" for n in analysis.notes]
    if analysis.reps:
        lines.append("")
        lines += [r.message() for r in analysis.reps]
        # a rep without enough data (cut off, a gap) failed but was not judged: not counted
        incomplete = sum("incomplete" in r.faults for r in analysis.reps)
        judged = len(analysis.reps) - incomplete
        passed = sum(r.verdict == "pass" for r in analysis.reps)
        lines.append(
            f"{passed}/{judged} reps passed"
            + (f"; {incomplete} not judged (incomplete)" if incomplete else "")
        )
    elif not analysis.windows:
        lines.append("no exercise events: angles only (pass --events to check reps)")
    lines.append("")
    lines.append(SAFETY_NOTICE)
    return lines
