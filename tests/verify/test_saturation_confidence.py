"""A saturated sensor inside a rep's window makes its verdict low-confidence (issue 11)."""

import dataclasses

from neckimu.pipeline import analyze
from neckimu.recording.reader import Recording
from neckimu.recording.saturation import Saturation
from neckimu.sim import SessionConfig, simulate_session


def test_saturated_samples_in_a_window_make_its_verdict_uncertain():
    sim = simulate_session(SessionConfig(seed=41, hold_reps=2, retraction_reps=2))
    rec = Recording(sim.samples, sim.events, [], dict(sim.meta), "sim")
    clean = analyze(rec).reps
    hold = next(r for r in clean if r.exercise.startswith("hold_"))
    t = sim.samples.t
    inside = t[(t > hold.start_s + 1.0) & (t < hold.start_s + 1.2)]
    marked = dataclasses.replace(
        rec, saturation=[Saturation(float(inside[0]), float(inside[-1]), len(inside))]
    )
    reps = analyze(marked).reps
    judged = {(r.exercise, r.start_s): r for r in reps}
    r = judged[(hold.exercise, hold.start_s)]
    assert r.low_confidence == f"{len(inside)} saturated samples"
    assert "[uncertain: " in r.message() and r.to_json()["low_confidence"]
    # every other rep is as confident as before
    assert [x.low_confidence for x in reps if x is not r] == [None] * (len(reps) - 1)
    assert [x.verdict for x in reps] == [x.verdict for x in clean]
