"""Retractions made by leaning the trunk back (issue 15): the ``trunk_lean`` fault.

Leaning back in the chair moves the head back by several centimetres (5 deg at ~0.6 m above
the seat is ~5 cm); a person who leans back and keeps the gaze level produces a "glide" that
one sensor on the head cannot tell from a real retraction. With a second board on the upper
back the verifier measures the glide in the trunk's frame (``neckimu.trunk``) and, apart from
it, how far the trunk carried the head back: the head centre's rest position, fixed to the
trunk, followed from the rest before the rep to the kept position. When that is more than
``TrunkCriteria.trunk_glide_mm`` the glide came from the trunk, and the rep fails with
``trunk_lean`` ("keep the trunk still: glide the head back, do not lean back").

The rep finding and measurement stay the retraction verifier's (``neckimu.verify.retraction``):
:func:`trunk_lean_check` is called for a measured rep, with its rest and kept windows.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from dataclasses import fields as dataclass_fields
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from scipy.spatial.transform import Rotation

from neckimu.angles import angles_from_matrices, head_matrices
from neckimu.orientation import Orientation
from neckimu.translation import SensorErrorPrior, weighted_by_scale
from neckimu.trunk import FILTER_MARGIN_S, NeckDisplacement, neck_displacement
from neckimu.trunk.neck_angles import MAX_TRUNK_GAP_S, deviation_deg, hold_neck
from neckimu.verify.context import Context
from neckimu.verify.reps import HoldRep, Rep, RetractionRep, RomRep, _num, _r, also_words
from neckimu.verify.retraction import RetractionCriteria, classify

if TYPE_CHECKING:
    from neckimu.trunk import TrunkContext


@dataclass(frozen=True)
class TrunkCriteria:
    """Thresholds of the trunk checks (mm, deg).

    Attributes
    ----------
    trunk_glide_mm : float
        A retraction fails ``trunk_lean`` when the trunk carried the head back by more than
        this (a real glide is 10-30 mm with the trunk still; sway and breathing move the
        head centre by 1-3 mm).
    hold_trunk_deg : float
        A hold says that the trunk moved when it turned by more than this (the neck is still
        judged on its own).
    """

    trunk_glide_mm: float = 8.0
    hold_trunk_deg: float = 2.0


def trunk_lean_check(trunk_posterior_mm: float, crit: TrunkCriteria | None = None) -> bool:
    """Whether a retraction rep's glide came from the trunk: the trunk carried the head
    back by more than ``crit.trunk_glide_mm`` (``trunk_posterior_mm``: + backward, mm)."""
    crit = crit or TrunkCriteria()
    return bool(np.isfinite(trunk_posterior_mm) and trunk_posterior_mm > crit.trunk_glide_mm)


# -- reps judged with the trunk ------------------------------------------------------------------
#: The still windows around a movement, as the retraction verifier measures a rep
#: (``RepFinding``): ``EDGE_S`` inside the stations, ``REST_AVG_S`` before and ``SETTLE_S`` after.
EDGE_S = 0.15
REST_AVG_S = 0.25
SETTLE_S = 0.5
#: The trunk's still windows lie further inside: a trunk that leans starts with the head's
#: movement, and the head's activity finds that start a little late, s.
TRUNK_EDGE_S = 0.3
#: A movement longer than this between its still windows is not integrated (two reps found as
#: one, a glide that never settled): acceleration integrated that long drifts by centimetres, s.
MAX_MOVE_S = 3.0
#: Still windows of a hold's trunk reference (its first part), s.
_HOLD_REF_S = 0.2
#: The breathing is fitted over the trunk's still segments this far (s) around a rep ..
BREATH_SPAN_S = 20.0
#: .. a rest longer than twice this (s) counts only this much next to each movement (the
#: person may move the trunk in a long rest; trunk posture changes stay 1 s clear of a
#: retraction set).
REST_SEGMENT_S = 2.5

#: Typical error of the trunk's part (:func:`trunk_part`), mm: ``bench/trunk.py`` median
#: 0.95 mm (seeds 9000-9039), beside the head's own error when the neck is the head's
#: displacement less the trunk's part.
TRUNK_PART_ERROR_MM = 1.0


@dataclass(frozen=True, kw_only=True)
class TrunkRetractionRep(RetractionRep):
    """A retraction judged against the trunk: displacement and angles are the neck's own
    (trunk frame); ``trunk_posterior_mm`` is how far the trunk carried the head back."""

    trunk_posterior_mm: float | None = None
    trunk_superior_mm: float | None = None

    kind: ClassVar[str] = "retraction"

    def _describe(self) -> str:
        if self.faults and self.faults[0] == "trunk_lean":
            more = also_words(self.faults[1:])
            post = self.posterior_mm or 0.0
            neck = (
                f"the neck moved it {_num(-post)} mm forward"
                if _num(post).startswith("-")
                else f"the neck glided {_num(post)} mm"
            )
            return (
                f"the trunk leaned back and carried the head {self.trunk_posterior_mm:.0f} mm"
                f" ({neck}): keep the trunk still and glide the head back{more}"
            )
        return super()._describe()

    def _fields(self) -> dict[str, Any]:
        return {
            **super()._fields(),
            "trunk_posterior_mm": _r(self.trunk_posterior_mm),
            "trunk_superior_mm": _r(self.trunk_superior_mm),
        }


@dataclass(frozen=True, kw_only=True)
class TrunkHoldRep(HoldRep):
    """A hold judged on the neck (head relative to trunk); says when the trunk moved."""

    trunk_deviation_deg: float | None = None
    trunk_moved_deg: float = 2.0

    kind: ClassVar[str] = "hold"

    def _describe(self) -> str:
        text = "neck " + super()._describe().removeprefix("head ")
        dev = self.trunk_deviation_deg
        if dev is not None and dev > self.trunk_moved_deg:
            text += f"; the trunk moved {dev:.1f} deg (sit still against the backrest)"
        return text

    def _fields(self) -> dict[str, Any]:
        return {**super()._fields(), "trunk_deviation_deg": _r(self.trunk_deviation_deg, 2)}


def _neck_between(
    tctx: TrunkContext, t: np.ndarray, m_head: np.ndarray, a: float, b: float
) -> np.ndarray | None:
    """Mean neck rotation matrix (head -> trunk) over [a, b] s, or None."""
    i0, i1 = np.searchsorted(t, [a, b])
    if i1 - i0 < 2:
        return None
    d_t = tctx.rotation(t[i0:i1]).as_matrix()
    m = np.einsum("nji,njk->nik", d_t, m_head[i0:i1])
    return Rotation.from_matrix(m).mean().as_matrix()


@dataclass(frozen=True)
class _Movement:
    """One movement of a rep between two still windows (s)."""

    before: tuple[float, float]
    after: tuple[float, float]

    @property
    def usable(self) -> bool:
        return (
            self.after[1] > self.after[0]
            and self.before[1] > self.before[0]
            and self.after[0] - self.before[1] <= MAX_MOVE_S
        )

    def trunk_windows(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """The same movement's windows for the trunk: ``TRUNK_EDGE_S`` inside the stations."""
        d = TRUNK_EDGE_S - EDGE_S
        a, b = self.after
        return (
            (self.before[0] - d, self.before[1] - d),
            (min(a + d, b - 0.1), max(b, a + d + 0.1)),
        )


def _movements(rep: RetractionRep, own: bool = False) -> tuple[_Movement, _Movement]:
    """The glide (rest -> kept) and the return (kept -> rest) of a measured rep: their still
    windows ``EDGE_S`` inside the rep's stations, or (``own``) at each movement's own edges
    where the retraction verifier found them (``RetractionRep.moves_s``)."""
    assert rep.kept_s is not None
    ka, kb = rep.kept_s
    e = EDGE_S
    g0, g1, r0, r1 = rep.start_s - e, ka + e, kb - e, rep.end_s + e
    if own and rep.moves_s is not None:
        glide_s, back_s = rep.moves_s
        if glide_s is not None:
            g0, g1 = glide_s
        if back_s is not None:
            r0, r1 = back_s
    glide = _Movement((g0 - REST_AVG_S, g0), (g1, max(min(g1 + SETTLE_S, kb), g1 + 0.1)))
    back = _Movement((r0 - REST_AVG_S, r0), (r1, r1 + SETTLE_S))
    return glide, back


@dataclass
class _Head:
    """The head's data the neck measurement needs (one session or its live part)."""

    ctx: Context
    m_head: np.ndarray  #: D_h, (N, 3, 3)

    @classmethod
    def of(cls, ctx: Context) -> _Head:
        return cls(ctx, head_matrices(ctx.quat, ctx.calibration))

    def neck(
        self, tctx: TrunkContext, mv: _Movement, mv_neck: _Movement | None = None
    ) -> tuple[NeckDisplacement, np.ndarray] | None:
        """The neck's displacement over ``mv_neck`` (default ``mv``; trunk frame after it,
        with its error scale) and the trunk's part over ``mv`` (m, trunk frame before it;
        the mean of its integration and of a lean about the hips), or None."""
        ctx = self.ctx
        trunk_mv, mv = mv, mv_neck or mv
        n_rest = _neck_between(tctx, ctx.t, self.m_head, *mv.before)
        if n_rest is None:
            return None
        i0, i1 = ctx.index(mv.before[0] - 2 * FILTER_MARGIN_S, mv.after[1] + 2 * FILTER_MARGIN_S)
        s = ctx.samples
        neck = neck_displacement(
            s.t[i0:i1],
            s.acc[i0:i1],
            s.gyr[i0:i1] - ctx.bias[i0:i1],
            ctx.ts,
            ctx.head_in_level(i0, i1),
            ctx.sensor_to_head,
            ctx.lever_arm_m,
            SensorErrorPrior.for_recording(ctx.meta),
            tctx,
            n_rest,
            mv.before,
            mv.after,
        )
        tw = trunk_mv.trunk_windows()
        carried = tctx.point_displacement(*tw)
        lean = tctx.lean_displacement(*tw)
        if neck is None or carried is None or lean is None:
            return None
        return neck, 0.5 * (carried + lean)


def still_segments(reps: list[Rep]) -> list[tuple[float, float]]:
    """The trunk's still segments of a session's retraction reps, s: the kept stations and the
    rests between reps (at most :data:`REST_SEGMENT_S` next to each movement), each
    :data:`TRUNK_EDGE_S` inside its movements."""
    measured = sorted(
        (r for r in reps if isinstance(r, RetractionRep) and r.kept_s is not None),
        key=lambda r: r.start_s,
    )
    e, out = TRUNK_EDGE_S, []
    prev_end: float | None = None
    for r in measured:
        assert r.kept_s is not None
        if prev_end is None or r.start_s - prev_end > 2.0 * REST_SEGMENT_S:
            if prev_end is not None:
                out.append((prev_end + e, prev_end + REST_SEGMENT_S))
            out.append((r.start_s - REST_SEGMENT_S, r.start_s - e))
        else:
            out.append((prev_end + e, r.start_s - e))
        out.append((r.kept_s[0] + e, r.kept_s[1] - EDGE_S))
        prev_end = r.end_s
    if prev_end is not None:
        out.append((prev_end + e, prev_end + REST_SEGMENT_S))
    return [(a, b) for a, b in out if b - a > 0.1]


def trunk_part(
    rep: RetractionRep, tctx: TrunkContext, segments: list[tuple[float, float]]
) -> np.ndarray | None:
    """How far the trunk carried the head centre's rest position from the rest before ``rep``
    to its kept station (the whole station, as the truth's rule), m, trunk frame of the rest;
    None when the trunk data do not cover it.

    The trunk's turn about the hips (:meth:`TrunkContext.lean_displacement`) with its
    breathing taken out (:meth:`TrunkContext.breathing`, fitted on ``segments`` within
    :data:`BREATH_SPAN_S` of the rep): the mean of the glide (rest -> kept) and of the return
    (kept -> the rest after, sign turned). The trunk board's integrated acceleration is not
    used: the breathing and the sway keep the trunk moving at the still windows, so its
    zero-velocity condition does not hold (2-6 mm errors on the simulator)."""
    assert rep.kept_s is not None
    span = (rep.start_s - BREATH_SPAN_S, rep.end_s + BREATH_SPAN_S)
    segs = [(max(a, span[0]), min(b, span[1])) for a, b in segments if b > span[0] and a < span[1]]
    breath = tctx.breathing(span, segs, 0.5 * (rep.start_s + rep.end_s))
    d = TRUNK_EDGE_S - EDGE_S
    rest = (rep.start_s - EDGE_S - REST_AVG_S - d, rep.start_s - EDGE_S - d)
    ka, kb = rep.kept_s
    kept = (ka + TRUNK_EDGE_S, max(kb - EDGE_S, ka + TRUNK_EDGE_S + 0.1))
    glide = tctx.lean_displacement(rest, kept, breath=breath)
    if glide is None:
        return None
    after = (rep.end_s + TRUNK_EDGE_S, rep.end_s + TRUNK_EDGE_S + SETTLE_S)
    back = tctx.lean_displacement(kept, after, breath=breath)
    return glide if back is None else 0.5 * (glide - back)


def integrated_neck(
    rep: RetractionRep, tctx: TrunkContext, head: Context | _Head
) -> tuple[np.ndarray, np.ndarray, float] | None:
    """The neck's displacement over a measured rep from both boards' accelerations (m, trunk
    frame), the trunk's part measured alongside (m) and the displacement's error scale (m),
    or None when neither movement can be measured that way (both longer than
    :data:`MAX_MOVE_S`, or data missing).

    The glide and the return are measured again on the rep's own still windows (those of
    the retraction verifier) with :func:`neckimu.trunk.neck_displacement`, the return's sign
    turned, and averaged with weights the inverse square of their error scales
    (:attr:`~neckimu.trunk.NeckDisplacement.spread_m`): a movement whose still windows were
    not still (the rep finder's edge in the movement) needed a large velocity correction,
    and its displacement is off by about as much.
    """
    h = head if isinstance(head, _Head) else _Head.of(head)
    glide, back = _movements(rep)
    own = _movements(rep, own=True)
    parts = []
    for mv, mv_own, sign in ((glide, own[0], 1.0), (back, own[1], -1.0)):
        got = h.neck(tctx, mv, mv_own) if mv.usable else None
        if got is not None:
            parts.append((sign * got[0].displacement_m, sign * got[1], got[0].spread_m))
    if not parts:
        return None
    neck, spread = weighted_by_scale([p[0] for p in parts], [p[2] for p in parts])
    return neck, np.mean([p[1] for p in parts], axis=0), spread


def judge_retraction(
    rep: RetractionRep,
    tctx: TrunkContext,
    head: Context | _Head,
    crit: TrunkCriteria | None = None,
    rcrit: RetractionCriteria | None = None,
    segments: list[tuple[float, float]] | None = None,
) -> Rep:
    """A measured retraction rep judged against the trunk (see module docstring).

    The trunk's part with :func:`trunk_part` (its turn about the hips, breathing taken out;
    where that cannot be measured, the mean of the trunk board's integrated displacement and
    of its turn). The neck's displacement is the mean of two measurements, each weighted by
    the inverse square of its error scale: both boards' accelerations integrated over the
    rep's own movements (:func:`integrated_neck`), and the retraction verifier's head
    displacement (:attr:`RetractionRep.spread_mm`, with :data:`TRUNK_PART_ERROR_MM` beside
    it), turned into the trunk's frame, less the trunk's part. A rep with neither movement
    measurable from the accelerations (both longer than :data:`MAX_MOVE_S`) has the second
    only, with ``low_confidence`` saying so.

    Parameters
    ----------
    rep : RetractionRep
        As the retraction verifier measured it (head in the level frame).
    tctx : TrunkContext
    head : Context
        The head's verification context.
    segments : list of (float, float), optional
        The trunk's still segments around the session's retractions (:func:`still_segments`
        of all its reps); default: this rep's own.
    """
    crit, rcrit = crit or TrunkCriteria(), rcrit or RetractionCriteria()
    if rep.incomplete is not None or rep.posterior_mm is None or rep.kept_s is None:
        return rep
    h = head if isinstance(head, _Head) else _Head.of(head)
    glide, _ = _movements(rep)
    n_rest = _neck_between(tctx, h.ctx.t, h.m_head, *glide.before)
    n_kept = _neck_between(tctx, h.ctx.t, h.m_head, *glide.after)
    if n_rest is None or n_kept is None:
        return replace(rep, low_confidence="trunk data missing: judged without the trunk")
    low = rep.low_confidence
    clean = trunk_part(rep, tctx, still_segments([rep]) if segments is None else segments)
    integrated = integrated_neck(rep, tctx, h)
    part_t = clean
    if part_t is None and integrated is not None:
        part_t = integrated[1]
    if part_t is None:
        part_t = tctx.lean_displacement(*glide.trunk_windows())
    if part_t is None:
        return replace(rep, low_confidence="trunk data missing: judged without the trunk")
    # the head's own displacement (the retraction verifier's, level frame) in the trunk's
    # frame at the rest, less the trunk's part
    head_level = np.array([-rep.posterior_mm, rep.lateral_mm or 0.0, rep.superior_mm or 0.0])
    _, m_lt = tctx.level_frames(*(int(i) for i in np.searchsorted(tctx.samples.t, glide.before)))
    m_rest = Rotation.from_matrix(m_lt).mean().as_matrix() if len(m_lt) else np.eye(3)
    less_trunk = m_rest.T @ head_level * 1e-3 - part_t
    if integrated is not None:
        # two measurements of the neck with errors of their own: the difference of the two
        # boards' accelerations integrated (its errors: the trunk board's breathing and sway
        # in its still windows) and the head's integration less the trunk's turn (its
        # errors: the head's, and a slow lean the head's integration misses); each weighted
        # by the inverse square of its error scale, the second's with the trunk's part's
        # error beside the head's (docs/trunk.md: posterior 5.87 and 5.54 mm -> 5.00)
        s_int = integrated[2] * 1e3
        s_head = float(np.hypot(rep.spread_mm or s_int, TRUNK_PART_ERROR_MM))
        neck, _ = weighted_by_scale([integrated[0], less_trunk], [s_int, s_head])
    else:
        neck = less_trunk
        low = (f"{low}; " if low else "") + (
            "glide and return too long to measure against "
            "the trunk: the trunk's part from its lean only"
        )
    post, sup, lat = -neck[0] * 1e3, neck[2] * 1e3, neck[1] * 1e3
    d_ang = angles_from_matrices((n_rest.T @ n_kept)[None])[0]
    faults = list(classify(float(post), float(sup), d_ang, rcrit))
    trunk_post = float(-part_t[0] * 1e3)
    if trunk_lean_check(trunk_post, crit):
        faults = ["trunk_lean"] + faults
    fields = {f.name: getattr(rep, f.name) for f in dataclass_fields(rep)}
    fields.update(
        faults=tuple(faults),
        posterior_mm=float(post),
        superior_mm=float(sup),
        lateral_mm=float(lat),
        flexion_deg=float(d_ang[0]),
        lateral_deg=float(d_ang[1]),
        rotation_deg=float(d_ang[2]),
        trunk_posterior_mm=trunk_post,
        trunk_superior_mm=float(part_t[2] * 1e3),
        low_confidence=low,
    )
    return TrunkRetractionRep(**fields)


def _trunk_covers(tctx: TrunkContext, start_s: float, end_s: float) -> bool:
    """Whether the trunk board's samples cover ``[start_s, end_s]`` (s) without a gap longer
    than :data:`MAX_TRUNK_GAP_S`: a trunk whose data ended (or stopped) must not be taken as
    a trunk that kept still."""
    t = tctx.samples.t
    if len(t) < 2 or t[0] > start_s + MAX_TRUNK_GAP_S or t[-1] < end_s - MAX_TRUNK_GAP_S:
        return False
    i0, i1 = np.searchsorted(t, [start_s, end_s])
    inside = t[max(0, i0 - 1) : min(len(t), i1 + 1)]
    return len(inside) >= 2 and float(np.diff(inside).max()) <= MAX_TRUNK_GAP_S


def judge_hold(
    rep: HoldRep, tctx: TrunkContext, head: Context | _Head, crit: TrunkCriteria | None = None
) -> Rep:
    """A hold judged on the neck: the largest rotation of the head relative to the trunk from
    its pose over the first 0.2 s; the trunk's own largest rotation reported beside it."""
    crit = crit or TrunkCriteria()
    if rep.incomplete is not None:
        return rep
    if not _trunk_covers(tctx, rep.start_s, rep.end_s):
        return replace(rep, low_confidence="trunk data missing: judged without the trunk")
    ctx = head.ctx if isinstance(head, _Head) else head
    i0, i1 = (int(i) for i in np.searchsorted(ctx.t, [rep.start_s, rep.end_s]))
    if i1 - i0 < 5:
        return rep
    tt = ctx.t[i0:i1]
    neck, d_t = hold_neck(
        tt,
        ctx.samples,
        Orientation(ctx.quat, ctx.bias, np.zeros(len(ctx.t), bool), ctx.ts, "6D"),
        ctx.calibration,
        tctx.samples,
        tctx.orientation,
        tctx.cal,
        tctx.still_s,
    )
    n0 = max(2, int(np.searchsorted(tt, tt[0] + _HOLD_REF_S)))
    rel = neck[:n0].mean().inv() * neck
    dev = deviation_deg(tt, neck, _HOLD_REF_S)
    k = int(np.argmax(dev))
    trunk_dev = float(deviation_deg(tt, d_t, _HOLD_REF_S).max())
    ang = angles_from_matrices(rel[k].as_matrix()[None])[0]
    j = int(np.argmax(np.abs(ang)))
    direction = [
        ("flexion", "extension"),
        ("lateral_right", "lateral_left"),
        ("rotation_right", "rotation_left"),
    ][j][0 if ang[j] > 0 else 1]
    over = np.flatnonzero(dev > rep.tolerance_deg)
    moved = len(over) > 0
    faults = tuple(f for f in rep.faults if f != "moved") + (("moved",) if moved else ())
    fields = {f.name: getattr(rep, f.name) for f in dataclass_fields(rep)}
    fields.update(
        faults=faults,
        max_deviation_deg=float(dev[k]),
        direction=direction,
        first_exceeded_s=float(tt[over[0]] - tt[0]) if moved else None,
        trunk_deviation_deg=trunk_dev,
        trunk_moved_deg=crit.hold_trunk_deg,
    )
    return TrunkHoldRep(**fields)


def judge_with_trunk(
    reps: list[Rep], tctx: TrunkContext, head: Context, crit: TrunkCriteria | None = None
) -> list[Rep]:
    """Every rep that the trunk changes, judged again with it (retractions, holds, range of
    motion: the neck's, :func:`neckimu.verify.rom.neck_rom`); others
    as they are.

    Parameters
    ----------
    reps : list of Rep
        The usual verifiers' reps (``neckimu.verify.verify_all``).
    tctx : TrunkContext
        The trunk board's data, on the head's time base.
    head : Context
        The head's verification context those reps were judged on.
    """
    if not any(isinstance(r, (RetractionRep, HoldRep, RomRep)) for r in reps):
        return list(reps)
    h = _Head.of(head)
    segments = still_segments(reps)
    out: list[Rep] = []
    for rep in reps:
        if isinstance(rep, RetractionRep):
            out.append(judge_retraction(rep, tctx, h, crit, segments=segments))
        elif isinstance(rep, HoldRep):
            out.append(judge_hold(rep, tctx, h, crit))
        elif isinstance(rep, RomRep):
            from neckimu.verify.rom import neck_rom

            out.append(neck_rom(rep, head, tctx.rotation))
        else:
            out.append(rep)
    return out
