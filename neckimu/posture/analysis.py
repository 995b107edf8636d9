"""Posture of an offline Analysis (``neckimu.pipeline``): the spans judged, the result, the
split with a trunk sensor, the summary dict. The Analysis is duck-typed (``Any``): this layer
sits below the pipeline."""

from __future__ import annotations

from typing import Any

from neckimu.posture.bouts import PostureCriteria
from neckimu.posture.result import PostureResult, posture_over
from neckimu.posture.split import PostureSplit, posture_split


def analysis_spans(analysis: Any) -> list[tuple[float, float]]:
    """The spans of an Analysis that posture is judged over: its ``posture`` windows, else
    everything but the calibration."""
    t = analysis.recording.samples.t
    wins = [(w.start_s, w.end_s) for w in analysis.windows if w.exercise == "posture"]
    if wins:
        return wins
    cuts = sorted((w.start_s, w.end_s) for w in analysis.windows if w.exercise == "calibrate")
    spans, s = [], float(t[0])
    for c0, c1 in cuts:
        if c0 > s:
            spans.append((s, c0))
        s = max(s, c1)
    spans.append((s, float(t[-1]) + 1.0))
    return spans


def posture_analysis(analysis: Any, crit: PostureCriteria = PostureCriteria()) -> PostureResult:
    """:func:`posture_over` an Analysis: flexion of ``angles_deg``, :func:`analysis_spans`."""
    return posture_over(
        analysis.recording.samples.t, analysis.angles_deg[:, 0], analysis_spans(analysis), crit
    )


def summarize_analysis(analysis: Any, crit: PostureCriteria = PostureCriteria()) -> dict[str, Any]:
    """:func:`posture_analysis` as a dict (see :func:`summarize`); with a trunk sensor the
    flexion is the neck's, and ``trunk`` holds :meth:`PostureSplit.to_dict`."""
    out = posture_analysis(analysis, crit).to_dict()
    split = posture_split_analysis(analysis, crit)
    if split is not None:
        out["trunk"] = split.to_dict()
    return out


def posture_split_analysis(
    analysis: Any, crit: PostureCriteria = PostureCriteria()
) -> PostureSplit | None:
    """:func:`posture_split` of an Analysis with a trunk sensor (its neck angles and trunk
    inclination, :func:`analysis_spans`); None without one."""
    tr = getattr(analysis, "trunk", None)
    if tr is None:
        return None
    return posture_split(
        analysis.recording.samples.t,
        analysis.angles_deg[:, 0],
        tr.trunk_deg[:, 0],
        analysis_spans(analysis),
        crit,
        head_flexion_deg=tr.head_deg[:, 0],
    )
