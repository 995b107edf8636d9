"""Posture with a trunk sensor (issue 15): neck flexion and trunk inclination judged apart,
and which one to fix."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from neckimu.posture.bouts import PostureCriteria
from neckimu.posture.result import PostureResult, posture_over

#: Trunk inclination judged against this threshold, deg from the neutral sitting pose (ISO
#: 11226 rates 0-20 deg of trunk inclination acceptable for static postures).
TRUNK_THRESHOLD_DEG = 20.0
#: A head-forward period is put down to one part when that part makes at least this share of
#: the head's forward inclination over it (neck flexion + trunk inclination).
MAIN_SHARE = 0.6


@dataclass(frozen=True)
class PostureSplit:
    """Posture with a trunk sensor: the head's forward inclination split into neck flexion
    (head relative to trunk) and trunk inclination, each judged on its own, and which one to
    fix.

    Attributes
    ----------
    head : PostureResult
        Head inclination against the room (what a head sensor alone reports).
    neck : PostureResult
        Neck flexion, head relative to trunk (the usual threshold).
    trunk : PostureResult
        Trunk forward inclination (threshold :data:`TRUNK_THRESHOLD_DEG`).
    neck_part_deg, trunk_part_deg : float
        Mean neck flexion and mean trunk inclination over the head-forward periods, deg
        (0 without any).
    fix : str
        ``"none"`` (no head-forward period), ``"neck"`` (looking down with the neck: raise the
        screen, tuck the chin), ``"trunk"`` (slouching: sit up, use the backrest) or
        ``"both"``.
    """

    head: PostureResult
    neck: PostureResult
    trunk: PostureResult
    neck_part_deg: float
    trunk_part_deg: float
    fix: str

    def advice(self) -> str:
        """One sentence for the user."""
        return {
            "none": "no head-forward period",
            "neck": "the head went forward mostly by bending the neck: raise the screen or "
            "the document, tuck the chin",
            "trunk": "the head went forward mostly with the trunk (slouching): sit up, use "
            "the backrest",
            "both": "the head went forward with the neck and the trunk alike: sit up and "
            "raise the screen",
        }[self.fix]

    def to_dict(self) -> dict[str, Any]:
        """JSON-able (s, deg; counts)."""
        return {
            "head_inclination": self.head.to_dict(),
            "neck_flexion": self.neck.to_dict(),
            "trunk_inclination": self.trunk.to_dict(),
            "neck_part_deg": round(self.neck_part_deg, 1),
            "trunk_part_deg": round(self.trunk_part_deg, 1),
            "fix": self.fix,
            "advice": self.advice(),
        }


def posture_split(
    t: np.ndarray,
    neck_flexion_deg: np.ndarray,
    trunk_forward_deg: np.ndarray,
    spans: Sequence[tuple[float, float]] | None = None,
    crit: PostureCriteria = PostureCriteria(),
    trunk_threshold_deg: float = TRUNK_THRESHOLD_DEG,
    head_flexion_deg: np.ndarray | None = None,
) -> PostureSplit:
    """Neck flexion and trunk inclination judged apart, and which one to fix.

    The head-forward periods are those of the head's forward inclination against the room
    (:func:`posture_over` at ``crit``); over them, the mean neck flexion and the mean trunk
    inclination (both from the neutral sitting pose) decide :attr:`fix`
    (:data:`MAIN_SHARE`).

    Parameters
    ----------
    t : ndarray, shape (N,)
        Time, s.
    neck_flexion_deg : ndarray, shape (N,)
        Neck flexion (head relative to trunk), deg.
    trunk_forward_deg : ndarray, shape (N,)
        Trunk forward inclination from neutral, deg.
    spans : sequence of (float, float), optional
        As :func:`posture_over`.
    crit : PostureCriteria
        For the head and the neck.
    trunk_threshold_deg : float
        For the trunk, deg.
    head_flexion_deg : ndarray, shape (N,), optional
        The head's flexion against the room, deg; default neck + trunk (their sagittal sum).
    """
    t = np.asarray(t, float)
    neck = np.asarray(neck_flexion_deg, float)
    trunk = np.asarray(trunk_forward_deg, float)
    head = neck + trunk if head_flexion_deg is None else np.asarray(head_flexion_deg, float)
    r_head = posture_over(t, head, spans, crit)
    r_neck = posture_over(t, neck, spans, crit)
    tcrit = replace(crit, threshold_deg=trunk_threshold_deg)
    r_trunk = posture_over(t, trunk, spans, tcrit)
    b = r_head.bouts_s
    inside = np.zeros(len(t), bool)
    if len(b) and len(t):
        k = np.searchsorted(b[:, 0], t, side="right") - 1
        inside = (k >= 0) & (t <= b[np.maximum(k, 0), 1])
    inside &= np.isfinite(neck) & np.isfinite(trunk)  # blank where the trunk had no data
    if not inside.any():
        return PostureSplit(r_head, r_neck, r_trunk, 0.0, 0.0, "none")
    pn, pt = float(neck[inside].mean()), float(trunk[inside].mean())
    total = max(pn, 0.0) + max(pt, 0.0)
    fix = (
        "neck"
        if max(pn, 0.0) >= MAIN_SHARE * total
        else "trunk"
        if max(pt, 0.0) >= MAIN_SHARE * total
        else "both"
    )
    return PostureSplit(r_head, r_neck, r_trunk, pn, pt, fix)
