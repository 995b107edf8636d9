"""Exercise verifiers: rep by rep, was the exercise done right?

:func:`verify_window` judges one exercise window (a hold rep, a stretch rep, a retraction set)
and :func:`verify_all` every window of a session, in time order, as typed results
(``neckimu.verify.reps``). The live session calls :func:`verify_window` on each window once its
data is complete; ``neckimu analyze`` calls :func:`verify_all`: the same code, on the same
causal orientation, gives the same verdicts.

The verifier modules are imported when a window needs them: a recording without exercise
windows (desk posture, ``neckimu export``) does not pay for them and for the scipy modules
they pull in (``scipy.integrate`` through ``neckimu.translation``).
"""

from __future__ import annotations

from neckimu.recording.events import HOLDS, Window
from neckimu.verify.context import Context, rep_labels
from neckimu.verify.reps import Rep

#: Exercises that have a verifier.
VERIFIED = (*HOLDS, "retraction", "rom")


def has_verifier(exercise: str) -> bool:
    """Whether ``exercise`` windows are judged rep by rep."""
    return exercise in VERIFIED or exercise.startswith("stretch_")


def margin_after_s(exercise: str) -> float:
    """Data needed after a window's end before it can be judged, s."""
    if exercise == "retraction":
        from neckimu.verify.retraction import FINAL_AFTER_S, RepFinding

        return RepFinding().margin_s + FINAL_AFTER_S
    if exercise in HOLDS:
        from neckimu.verify.hold import HoldCriteria

        return HoldCriteria().margin_s
    if exercise == "rom":
        from neckimu.verify.rom import RomCriteria

        return RomCriteria().margin_s
    return 0.6


def verify_window(ctx: Context, w: Window, index: int = 1, total: int = 1) -> list[Rep]:
    """The reps of one exercise window (``index``/``total``: its place among its exercise)."""
    if w.exercise in HOLDS:
        from neckimu.verify.hold import verify_hold

        return [verify_hold(ctx, w, index, total)]
    if w.exercise == "retraction":
        from neckimu.verify.retraction import verify_retraction_set

        return list(verify_retraction_set(ctx, w))
    if w.exercise.startswith("stretch_"):
        from neckimu.verify.stretch import verify_stretch

        return [verify_stretch(ctx, w, index, total)]
    if w.exercise == "rom":
        from neckimu.verify.rom import verify_rom

        return [verify_rom(ctx, w, index, total)]
    return []


def verify_all(ctx: Context, windows: list[Window]) -> list[Rep]:
    """Every rep of every window, in time order."""
    judged = [w for w in windows if has_verifier(w.exercise)]
    labels = rep_labels([w.exercise for w in judged])
    reps: list[Rep] = []
    for w, (index, total) in zip(judged, labels, strict=True):
        reps += verify_window(ctx, w, index, total)
    return sorted(reps, key=lambda r: r.start_s)
