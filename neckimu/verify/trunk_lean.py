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

from dataclasses import dataclass

import numpy as np


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
