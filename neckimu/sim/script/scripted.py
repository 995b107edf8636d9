"""Hand-built cases: retractions and stretches doing exactly what they are given."""

from __future__ import annotations

import numpy as np

from neckimu.sim.script.builder import _D, _RETRACTION_CHANNELS
from neckimu.sim.script.exercises import _Builder
from neckimu.sim.script.plan import Plan, RepPlan, ScriptConfig


def build_scripted_retractions(
    reps: list[dict[str, float]],
    *,
    glide_s: float = 1.2,
    kept_s: float = 1.5,
    rest_s: float = 2.5,
    pause_s: float = 0.0,
) -> Plan:
    """Calibration, then one retraction set doing exactly the given reps: hand-built cases.

    Parameters
    ----------
    reps : list of dict
        Per rep, any of ``posterior_mm``, ``superior_mm``, ``flexion_deg``, ``lateral_deg``,
        ``rotation_deg`` (missing: 0): what the head is commanded to do, relative to the rest.
    glide_s, kept_s, rest_s : float
        Timing of every rep (glide and return take ``glide_s``), s.
    pause_s : float
        With a pause: the glide stops half-way for this long and goes on (each half takes
        ``glide_s / 2``), s; 0: one movement.
    """
    b = _Builder(ScriptConfig(), np.random.default_rng(0))
    b.tl.hold(2.0)
    b.calibrate()
    b.tl.hold(3.0)
    b.event("start", "retraction")
    onset = b.tl.t + 1.5
    for i, tg in enumerate(reps):
        deltas = {ch: tg.get(k, 0.0) * sc for k, (ch, sc) in _RETRACTION_CHANNELS.items()}
        k0 = onset + glide_s + pause_s
        k1 = k0 + kept_s
        if pause_s > 0.0:
            half = {k: 0.5 * v for k, v in deltas.items()}
            b.tl.step(onset, 0.5 * glide_s, **half)
            b.tl.step(onset + 0.5 * glide_s + pause_s, 0.5 * glide_s, **half)
        else:
            b.tl.step(onset, glide_s, **deltas)
        b.tl.step(k1, glide_s, **{k: -v for k, v in deltas.items()})
        b.reps.append(
            RepPlan(
                "retraction",
                i + 1,
                onset,
                k1 + glide_s,
                targets=dict(tg),
                phases={
                    "glide_start_s": onset,
                    "kept_start_s": k0,
                    "kept_end_s": k1,
                    "return_end_s": k1 + glide_s,
                    "settled_s": k1 + glide_s,
                },
            )
        )
        onset = k1 + glide_s + rest_s
    b.tl.hold(onset - b.tl.t)
    b.event("end", "retraction")
    b.tl.hold(2.0)
    return b.plan()


def build_scripted_stretches(stretches: list[dict[str, float]], *, target_s: float = 30.0) -> Plan:
    """Calibration, then the given stretches: hand-built cases.

    Parameters
    ----------
    stretches : list of dict
        Per stretch: ``side`` (-1 left, +1 right; default +1), ``lateral_deg`` (toward the
        prescribed side; negative: the other side), ``hold_s`` and ``bounce_deg`` (± amplitude
        at 0.5 Hz).
    target_s : float
        The prescribed hold (recorded in the metadata by the caller), s.
    """
    b = _Builder(ScriptConfig(stretch_hold_s=target_s), np.random.default_rng(0))
    b.tl.hold(2.0)
    b.calibrate()
    for k, st in enumerate(stretches):
        side = "stretch_left" if st.get("side", 1.0) < 0 else "stretch_right"
        sign = -1.0 if side == "stretch_left" else 1.0
        b.tl.hold(4.0)
        t0 = b.tl.t
        b.event("start", side)
        b.tl.hold(1.0)
        b.tl.move(2.0, lat=sign * st.get("lateral_deg", 25.0) * _D)
        p0, hold = b.tl.t, st.get("hold_s", target_s)
        amp = st.get("bounce_deg", 0.0) * _D
        if amp:
            half, n = 1.0, max(int(hold) - 2, 1)
            b.tl.step(p0, half, lat=amp)
            for j in range(n):
                b.tl.step(p0 + (j + 1) * half, half, lat=-2.0 * amp if j % 2 == 0 else 2.0 * amp)
            b.tl.step(p0 + (n + 1) * half, half, lat=amp if n % 2 else -amp)
        b.tl.hold(hold)
        p1 = b.tl.t
        b.tl.move(2.0, lat=0.0)
        back = b.tl.t
        b.tl.hold(1.5)
        b.event("end", side)
        b.reps.append(
            RepPlan(
                side,
                k + 1,
                t0,
                b.tl.t,
                targets={**st, "target_s": target_s},
                phases={
                    "move_start_s": t0 + 1.0,
                    "plateau_start_s": p0,
                    "plateau_end_s": p1,
                    "return_end_s": back,
                },
            )
        )
    b.tl.hold(2.0)
    return b.plan()
