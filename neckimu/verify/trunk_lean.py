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

from neckimu.angles import angles_from_matrices
from neckimu.verify.reps import HoldRep, Rep, RetractionRep, _r
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
#: Still windows used around a rep's movements, s.
_STILL_S = 0.5


@dataclass(frozen=True, kw_only=True)
class TrunkRetractionRep(RetractionRep):
    """A retraction judged against the trunk: displacement and angles are the neck's own
    (trunk frame); ``trunk_posterior_mm`` is how far the trunk carried the head back."""

    trunk_posterior_mm: float | None = None
    trunk_superior_mm: float | None = None

    kind: ClassVar[str] = "retraction"

    def _describe(self) -> str:
        if self.faults and self.faults[0] == "trunk_lean":
            more = "; also " + ", ".join(f.replace("_", " ") for f in self.faults[1:]) \
                if len(self.faults) > 1 else ""
            return (f"the trunk leaned back and carried the head {self.trunk_posterior_mm:.0f} mm"
                    f" (the neck glided {self.posterior_mm or 0.0:.0f} mm): keep the trunk "
                    f"still and glide the head back{more}")
        return super()._describe()

    def _fields(self) -> dict[str, Any]:
        return {**super()._fields(), "trunk_posterior_mm": _r(self.trunk_posterior_mm),
                "trunk_superior_mm": _r(self.trunk_superior_mm)}


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


def _neck_between(tctx: TrunkContext, t: np.ndarray, m_head: np.ndarray, a: float, b: float
                  ) -> np.ndarray | None:
    """Mean neck rotation matrix (head relative to trunk) over [a, b] s, or None."""
    i0, i1 = np.searchsorted(t, [a, b])
    if i1 - i0 < 2:
        return None
    d_t = tctx.rotation(t[i0:i1]).as_matrix()
    m = np.einsum("nji,njk->nik", d_t, m_head[i0:i1])
    return Rotation.from_matrix(m).mean().as_matrix()


def judge_retraction(rep: RetractionRep, tctx: TrunkContext, t: np.ndarray, m_head: np.ndarray,
                     crit: TrunkCriteria | None = None,
                     rcrit: RetractionCriteria | None = None) -> Rep:
    """A measured retraction rep judged against the trunk (see module docstring).

    Parameters
    ----------
    rep : RetractionRep
        As the retraction verifier measured it (head in the level frame).
    tctx : TrunkContext
    t : ndarray, shape (N,)
        The head's sample times, s.
    m_head : ndarray, shape (N, 3, 3)
        ``D_h``: head rotation since neutral, neutral head frame (``neckimu.angles``).
    """
    crit, rcrit = crit or TrunkCriteria(), rcrit or RetractionCriteria()
    if rep.incomplete is not None or rep.posterior_mm is None or rep.kept_s is None:
        return rep
    k0, k1 = rep.kept_s
    rest = (rep.start_s - _STILL_S - 0.3, rep.start_s - 0.3)  # the trunk may start first
    kept_a = (k0, min(k0 + _STILL_S, k1))
    kept_b = (max(k1 - _STILL_S, k0), k1)
    after = (rep.end_s + 0.1, rep.end_s + 0.1 + _STILL_S)
    glide = tctx.point_displacement(rest, kept_a)
    back = tctx.point_displacement(kept_b, after)
    n_rest = _neck_between(tctx, t, m_head, *rest)
    n_kept = _neck_between(tctx, t, m_head, *kept_a)
    if glide is None or n_rest is None or n_kept is None:
        return replace(rep, low_confidence="trunk data missing: judged without the trunk")
    m_rest = glide[1]
    part_t = glide[0]
    if back is not None:  # the return: the same excursion measured again, in the rest frame
        part_t = 0.5 * (glide[0] - m_rest.T @ back[1] @ back[0])
    head_level = np.array([-rep.posterior_mm, rep.lateral_mm or 0.0, rep.superior_mm or 0.0])
    neck = m_rest.T @ head_level * 1e-3 - part_t
    post, sup, lat = -neck[0] * 1e3, neck[2] * 1e3, neck[1] * 1e3
    d_ang = angles_from_matrices((n_rest.T @ n_kept)[None])[0]
    faults = list(classify(float(post), float(sup), d_ang, rcrit))
    trunk_post = float(-part_t[0] * 1e3)
    if trunk_lean_check(trunk_post, crit):
        faults = ["trunk_lean"] + faults
    fields = {f.name: getattr(rep, f.name) for f in dataclass_fields(rep)}
    fields.update(faults=tuple(faults), posterior_mm=float(post), superior_mm=float(sup),
                  lateral_mm=float(lat), flexion_deg=float(d_ang[0]),
                  lateral_deg=float(d_ang[1]), rotation_deg=float(d_ang[2]),
                  trunk_posterior_mm=trunk_post, trunk_superior_mm=float(part_t[2] * 1e3))
    return TrunkRetractionRep(**fields)


def judge_hold(rep: HoldRep, tctx: TrunkContext, t: np.ndarray, m_head: np.ndarray,
               crit: TrunkCriteria | None = None) -> Rep:
    """A hold judged on the neck: the largest rotation of the head relative to the trunk from
    its pose over the first 0.2 s; the trunk's own largest rotation reported beside it."""
    crit = crit or TrunkCriteria()
    if rep.incomplete is not None:
        return rep
    i0, i1 = np.searchsorted(t, [rep.start_s, rep.end_s])
    if i1 - i0 < 5:
        return rep
    tt = t[i0:i1]
    d_t = tctx.rotation(tt)
    neck = Rotation.from_matrix(np.einsum("nji,njk->nik", d_t.as_matrix(), m_head[i0:i1]))
    n0 = max(2, int(np.searchsorted(tt, tt[0] + 0.2)))
    rel = neck[:n0].mean().inv() * neck
    dev = np.degrees(rel.magnitude())
    k = int(np.argmax(dev))
    trunk_dev = float(np.degrees((d_t[:n0].mean().inv() * d_t).magnitude()).max())
    ang = angles_from_matrices(rel[k].as_matrix()[None])[0]
    j = int(np.argmax(np.abs(ang)))
    direction = [("flexion", "extension"), ("lateral_right", "lateral_left"),
                 ("rotation_right", "rotation_left")][j][0 if ang[j] > 0 else 1]
    over = np.flatnonzero(dev > rep.tolerance_deg)
    moved = len(over) > 0
    faults = tuple(f for f in rep.faults if f != "moved") + (("moved",) if moved else ())
    fields = {f.name: getattr(rep, f.name) for f in dataclass_fields(rep)}
    fields.update(faults=faults, max_deviation_deg=float(dev[k]), direction=direction,
                  first_exceeded_s=float(tt[over[0]] - tt[0]) if moved else None,
                  trunk_deviation_deg=trunk_dev, trunk_moved_deg=crit.hold_trunk_deg)
    return TrunkHoldRep(**fields)


def judge_with_trunk(reps: list[Rep], tctx: TrunkContext, t: np.ndarray, m_head: np.ndarray,
                     crit: TrunkCriteria | None = None) -> list[Rep]:
    """Every rep that the trunk changes, judged again with it (retractions, holds); others
    as they are."""
    out: list[Rep] = []
    for rep in reps:
        if isinstance(rep, RetractionRep):
            out.append(judge_retraction(rep, tctx, t, m_head, crit))
        elif isinstance(rep, HoldRep):
            out.append(judge_hold(rep, tctx, t, m_head, crit))
        else:
            out.append(rep)
    return out
