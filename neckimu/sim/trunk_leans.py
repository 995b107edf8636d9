"""The trunk's posture changes of a two-sensor session (issue 15), added to a plan's steps."""

from __future__ import annotations

import numpy as np

from neckimu.sim.motion import CHANNELS, Steps
from neckimu.sim.script import Plan


def _with_trunk_leans(plan: Plan, rng: np.random.Generator, max_deg: float) -> Steps:
    """The plan's steps plus the trunk's posture changes (issue 15): every 6-25 s the person
    leans to a new trunk posture (half of the time back near upright, within 3 deg; else
    anywhere within ``max_deg`` forward or back, and 4 deg sideways) over 1.5-4 s. Never
    inside or within 1 s of a calibrate or retraction window (the neutral pose and the
    glides stay the script's)."""
    keep_out = []
    starts: dict[str, float] = {}
    for t, kind, ex in plan.events:
        if kind == "start":
            starts[ex] = t
        elif ex in starts and ex in ("calibrate", "retraction"):
            keep_out.append((starts.pop(ex) - 1.0, t + 1.0))
    end = plan.keyframes.duration_s
    cal_end = max((b for a, b in keep_out), default=0.0) if not keep_out else keep_out[0][1]
    t = cal_end + rng.uniform(2.0, 8.0)
    flex = lat = 0.0
    ch, t0s, durs, deltas = [], [], [], []
    fi, li = CHANNELS.index("trunk_flex"), CHANNELS.index("trunk_lat")
    while True:
        dur = float(rng.uniform(1.5, 4.0))
        if rng.random() < 0.5:
            nf, nl = rng.uniform(-3.0, 3.0), rng.uniform(-1.5, 1.5)
        else:
            nf, nl = rng.uniform(-max_deg, max_deg), rng.uniform(-4.0, 4.0)
        if t + dur > end - 1.0:
            break
        if not any(a < t + dur and t < b for a, b in keep_out):
            for c, new, old in ((fi, nf, flex), (li, nl, lat)):
                ch.append(c)
                t0s.append(t)
                durs.append(dur)
                deltas.append(np.radians(new - old))
            flex, lat = nf, nl
        t += dur + float(rng.uniform(6.0, 25.0))
    if not ch:
        return plan.steps
    extra = Steps(np.array(ch, np.int64), np.array(t0s), np.array(durs), np.array(deltas))
    s = plan.steps
    return Steps(
        np.concatenate([s.channel, extra.channel]),
        np.concatenate([s.t0, extra.t0]),
        np.concatenate([s.duration, extra.duration]),
        np.concatenate([s.delta, extra.delta]),
    )
