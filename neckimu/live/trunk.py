"""The trunk board in a live session (issue 15): its causal orientation, its recent past, its
frame, and what the session derives from it — neck angles, trunk inclination, and the trunk
context the live judge hands to :func:`neckimu.verify.trunk_lean.judge_with_trunk`.

Everything here is the offline path's own code run on what a live session has:
:func:`neckimu.trunk.calibrate_trunk` on the neutral still phase of the head's calibration,
:func:`neckimu.trunk.trunk_angles` for the neck (head relative to trunk) and the trunk's
inclination, :func:`neckimu.trunk.trunk_context` for the verifiers, with the trunk board's
causal filter (:class:`neckimu.orientation.OnlineOrientation`, the period of
:func:`neckimu.orientation.filter_period`) as ``neckimu analyze`` judges with
(:func:`neckimu.pipeline.trunk_meta`). What the live session cannot have is the heading link
over the whole recording; the analysis shows its angles with it, but judges without it, so the
verdicts agree.

The history keeps the last minutes (:class:`~neckimu.live.history.History`); the neutral still
phase, which every trunk rotation refers to, is kept apart once calibrated, so a context built
an hour later still holds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from neckimu.errors import NeckimuError
from neckimu.headframe import Calibration
from neckimu.live.history import History
from neckimu.orientation import OnlineOrientation, Orientation, filter_period
from neckimu.samples import SampleBlock
from neckimu.trunk import (
    TrunkCalibration,
    TrunkContext,
    calibrate_trunk,
    deviation_deg,
    hold_neck,
    trunk_angles,
    trunk_context,
    trunk_data_problem,
)
from neckimu.verify.hold import HoldCriteria
from neckimu.verify.trunk_lean import TrunkCriteria


@dataclass(frozen=True)
class TrunkView:
    """The trunk readout of the live window.

    Attributes
    ----------
    forward_deg, right_deg : float
        Trunk inclination from the neutral sitting pose, deg (+ forward, + right); NaN before
        the calibration.
    moved_deg : float
        The trunk's largest change of inclination since the current exercise's cue, deg (0
        at rest).
    moved_limit_deg : float
        Above this the trunk moved (:class:`~neckimu.verify.trunk_lean.TrunkCriteria`).
    samples : int
        Trunk samples received.
    problem : str or None
        Why the trunk board's data are not used (:func:`neckimu.trunk.trunk_data_problem`).
    """

    forward_deg: float = float("nan")
    right_deg: float = float("nan")
    moved_deg: float = 0.0
    moved_limit_deg: float = TrunkCriteria().hold_trunk_deg
    samples: int = 0
    problem: str | None = None

    @property
    def moved(self) -> bool:
        return self.moved_deg > self.moved_limit_deg

    @property
    def lines(self) -> tuple[str, ...]:
        """The readout in short lines (the window shows one under the other): the
        inclination, e.g. ``trunk 3.1° forward, 0.4° right``, and when the trunk moved
        ``trunk moved 2.6°: sit still against the backrest``."""
        if self.problem is not None:
            return ("trunk board not used:", self.problem)
        if not np.isfinite(self.forward_deg):
            return ("trunk: waiting for the calibration",)
        fwd = "forward" if self.forward_deg >= 0 else "back"
        side = "right" if self.right_deg >= 0 else "left"
        line = f"trunk {abs(self.forward_deg):.1f}° {fwd}, {abs(self.right_deg):.1f}° {side}"
        if self.moved:
            return line, f"trunk moved {self.moved_deg:.1f}°: sit still against the backrest"
        return (line,)

    @property
    def text(self) -> str:
        """One line (the terminal's status), e.g. ``trunk 3.1° forward, 0.4° right; trunk
        moved 2.6°: sit still against the backrest``."""
        return "; ".join(self.lines)


class LiveTrunk:
    """The trunk board's side of a live session (fed from the acquisition thread).

    Parameters
    ----------
    meta : dict
        The trunk board's metadata (the recording header's ``trunk``): its nominal rate and
        mount preset.
    """

    def __init__(self, meta: dict[str, Any]) -> None:
        self.meta = dict(meta)
        self.hist = History()
        self.cal: TrunkCalibration | None = None
        #: why the trunk's data cannot stand for a trunk (then it is not used), or None
        self.problem: str | None = None
        self._orient: OnlineOrientation | None = None
        self._ts = 0.01
        self._still: tuple[float, float] | None = None
        self._neutral: tuple[SampleBlock, Orientation] | None = None
        self._cue_incl: np.ndarray | None = None
        self._moved = 0.0
        self._incl = np.full(2, np.nan)

    @property
    def newest_s(self) -> float:
        """Time of the newest trunk sample (head time base), s; -inf before the first."""
        return float(self.hist.t[-1]) if self.hist.n else -np.inf

    def append(self, block: SampleBlock) -> None:
        """A trunk block, on the head's time base."""
        if not len(block):
            return
        if self._orient is None:  # as analyze: the same period, the same filter
            self._ts = filter_period(self.meta, block.t)
            self._orient = OnlineOrientation(self._ts)
        quat, bias, _ = self._orient.update_full(block)
        self.hist.append(block, quat, bias)

    def calibrate(self, cal: Calibration) -> bool:
        """The trunk frame for the head calibration ``cal`` (its neutral still phase); False
        when the trunk data do not cover it yet. Data that cannot stand for a trunk
        (:func:`neckimu.trunk.trunk_data_problem`) leave :attr:`cal` None and say why in
        :attr:`problem`: the session goes on with the head alone, as ``analyze`` does."""
        a, b = cal.still_s
        h = self.hist
        if not h.n or h.t[0] > a or h.t[-1] < b:
            return False
        i0, i1 = h.index(a), h.index(b)
        self.problem = trunk_data_problem(h.samples(), cal.still_s)
        if self.problem is not None:  # as analyze: the trunk is not used (self.cal stays None)
            return True
        try:
            tcal = calibrate_trunk(h.samples(), cal.still_s, mount=self.meta.get("mount"))
        except (NeckimuError, ValueError):
            return False
        self.cal, self._still = tcal, cal.still_s
        o = h.orientation(self._ts, i0, copy=True)
        seg = h.samples(i0, copy=True).slice(0, i1 - i0)
        n = i1 - i0
        self._neutral = (seg, Orientation(o.quat[:n], o.bias[:n], o.rest[:n], o.ts, o.mode))
        return True

    # -- what the session shows ------------------------------------------------------------------
    def neck_angles(
        self, t: np.ndarray, head_quat: np.ndarray, cal: Calibration
    ) -> np.ndarray | None:
        """Neck angles (head relative to trunk) at head times ``t``, deg, shape (N, 3), and
        the trunk's inclination kept for :meth:`view`; None before the trunk calibration.
        Trunk data not yet in are held at the newest trunk sample."""
        part = self._part(float(t[0]) - 1.0)
        if part is None or self.cal is None or self._still is None:
            return None
        samples, orient = part
        ang = trunk_angles(t, head_quat, cal, samples.t, orient.quat, self.cal)
        incl = ang.trunk_deg[-1]
        self._incl = incl
        if self._cue_incl is not None:
            self._moved = max(
                self._moved, float(np.abs(ang.trunk_deg - self._cue_incl).max(initial=0.0))
            )
        return ang.neck_deg

    def hold_deviation(
        self, head: SampleBlock, head_orient: Orientation, cal: Calibration, t0: float
    ) -> np.ndarray | None:
        """The neck's rotation during a hold, as the hold verifier with a trunk measures it
        (:func:`neckimu.verify.trunk_lean.judge_hold`, through the same
        :func:`neckimu.trunk.hold_neck`): the head relative to the trunk, each board's
        inclination corrected for its accelerometer bias, from its mean pose over the first
        :attr:`HoldCriteria.reference_s` of the hold; deg.

        Parameters
        ----------
        head : SampleBlock
            The head's samples from :data:`neckimu.trunk.ACC_BIAS_SPAN_S` before the hold (or
            as far back as there are) to now.
        head_orient : Orientation
            Their causal orientation.
        cal : Calibration
            The head frame.
        t0 : float
            The hold's start, s.

        Returns
        -------
        ndarray, shape (N,), or None
            Deviation at each head sample from ``t0``, deg; None before the trunk calibration.
            Trunk data not yet in are held at the newest trunk sample.
        """
        i0 = int(np.searchsorted(head.t, t0))
        part = self._part(float(head.t[0]) - 1.0) if len(head.t) - i0 >= 2 else None
        if part is None or self.cal is None or self._still is None:
            return None
        samples, orient = part
        t = head.t[i0:]
        neck, _ = hold_neck(t, head, head_orient, cal, samples, orient, self.cal, self._still)
        return deviation_deg(t, neck, HoldCriteria.reference_s)

    def on_cue(self, start: bool) -> None:
        """An exercise started (``start``) or ended: 'trunk moved' counts from its start."""
        self._moved = 0.0
        self._cue_incl = self._incl.copy() if start and np.isfinite(self._incl).all() else None

    def view(self) -> TrunkView:
        return TrunkView(
            float(self._incl[0]),
            float(self._incl[1]),
            self._moved,
            samples=self.hist.n,
            problem=self.problem,
        )

    # -- what the judge uses ---------------------------------------------------------------------
    def _part(self, t0: float, copy: bool = False) -> tuple[SampleBlock, Orientation] | None:
        """The trunk's samples and causal orientation from ``t0`` with the neutral still phase
        in front (every trunk rotation refers to it); a copy when concatenated or ``copy``."""
        h = self.hist
        if self._neutral is None or h.n < 2:
            return None
        seg, o = self._neutral
        if t0 <= seg.t[-1] and h.t[0] <= seg.t[0]:  # the history itself holds the still phase
            i0 = h.index(min(t0, float(seg.t[0])))
            return h.samples(i0, copy), h.orientation(self._ts, i0, copy)
        i0 = max(h.index(t0), h.index(float(seg.t[-1]) + 1e-9))
        s, r = h.samples(i0), h.orientation(self._ts, i0)
        mag = None if seg.mag is None or s.mag is None else np.concatenate([seg.mag, s.mag])
        return (
            SampleBlock(
                np.concatenate([seg.t, s.t]),
                np.concatenate([seg.gyr, s.gyr]),
                np.concatenate([seg.acc, s.acc]),
                mag,
            ),
            Orientation(
                np.concatenate([o.quat, r.quat]),
                np.concatenate([o.bias, r.bias]),
                np.concatenate([o.rest, r.rest]),
                self._ts,
                o.mode,
            ),
        )

    def context(self, t0: float) -> TrunkContext | None:
        """The trunk context of the verifiers over the data from ``t0`` (a copy), as
        ``neckimu analyze`` builds it; None before the trunk calibration."""
        if self.cal is None or self._still is None:
            return None
        part = self._part(t0, copy=True)
        if part is None:
            return None
        return trunk_context(part[0], part[1], self.cal, self._still, meta=self.meta)
