"""The stretch verifier: the hold plateau, the pass rule on both sides of each threshold, and
verdicts against the simulator's truth over many simulated people (simulation only)."""

from __future__ import annotations

import numpy as np
import pytest

from neckimu.pipeline import analyze
from neckimu.recording.model import Recording
from neckimu.sim import SessionConfig, simulate_session
from neckimu.verify.stretch import (
    StretchCriteria,
    classify_stretch,
    plateau,
    stretch_measures,
    unsteadiness_deg,
)

TS = 0.01


def _move(a: float, b: float, duration_s: float) -> np.ndarray:
    """A minimum-jerk move from ``a`` to ``b`` deg."""
    tau = np.arange(0.0, 1.0, TS / duration_s)
    return a + (b - a) * (10 * tau**3 - 15 * tau**4 + 6 * tau**5)


def _stretch(
    reached: float = 40.0,
    hold_s: float = 13.0,
    bounce_deg: float = 0.0,
    bounce_hz: float = 0.5,
    move_in: bool = True,
    back: bool = True,
) -> tuple[np.ndarray, slice]:
    """Rest, move in (2.6 s), hold (with a bounce of ±``bounce_deg``), return (3.3 s), rest;
    and the true plateau (the hold)."""
    t = np.arange(0.0, hold_s, TS)
    hold = reached + bounce_deg * np.sin(2 * np.pi * bounce_hz * t)
    parts = [np.zeros(100), _move(0.0, reached, 2.6)] if move_in else []
    start = sum(len(p) for p in parts)
    parts.append(hold)
    if back:
        parts += [_move(hold[-1], 0.0, 3.3), np.zeros(150)]
    return np.concatenate(parts), slice(start, start + len(hold))


def test_the_plateau_leaves_the_moves_out():
    """A steady 40 deg hold of 13 s (the demo's short stretch): the samples beyond half the
    peak hold both moves' upper halves, 20 deg ramps that read as ±5 deg of unsteadiness."""
    theta, true = _stretch()
    got = plateau(theta, TS)
    assert abs(got.start - true.start) * TS < 0.7 and abs(got.stop - true.stop) * TS < 0.7
    assert unsteadiness_deg(theta[got]) < 0.5
    half = np.flatnonzero(theta >= 20.0)
    assert unsteadiness_deg(theta[half[0] : half[-1] + 1]) > 2.0  # the rule before
    reached, held_s, unsteady = stretch_measures(theta, TS)  # through the verifier's filters
    assert unsteady < 0.5 and reached == pytest.approx(40.0, abs=0.5) and held_s >= 13.0


@pytest.mark.parametrize("move_in, back", [(False, True), (True, False), (False, False)])
def test_a_window_cut_inside_the_hold_keeps_its_plateau_to_the_edge(move_in, back):
    """Moved in before the cue, or still holding at the end cue: the plateau runs to the
    window's edge there."""
    theta, true = _stretch(move_in=move_in, back=back)
    got = plateau(theta, TS)
    assert got.start == 0 if not move_in else abs(got.start - true.start) * TS < 0.7
    assert got.stop == len(theta) if not back else abs(got.stop - true.stop) * TS < 0.7
    assert unsteadiness_deg(theta[got]) < 0.5


@pytest.mark.parametrize("amp", [1.6, 2.4, 4.0])
@pytest.mark.parametrize("hz", [0.3, 1.0])
def test_a_bounce_is_measured_at_its_size(amp, hz):
    """A bounce of ±A deg at 0.3-1 Hz reads as about A, on both sides of the 2 deg rule."""
    theta, _ = _stretch(reached=30.0, hold_s=28.0, bounce_deg=amp, bounce_hz=hz)
    got = unsteadiness_deg(theta[plateau(theta, TS)])
    assert got == pytest.approx(amp, rel=0.15)
    unsteady = "unsteady" in classify_stretch(30.0, 28.0, got, 30.0)
    assert unsteady == (amp > StretchCriteria().max_unsteadiness_deg)


@pytest.mark.parametrize("hz", [0.3, 0.6, 1.0])
def test_the_verifiers_filter_passes_a_bounce_whole(hz):
    """Through the verifier's own filtering (a 1 Hz low-pass for the angle read a 1 Hz bounce
    at half its size): a ±2.5 deg bounce, sensor noise on top, reads 2.5 within 10 %."""
    theta, _ = _stretch(reached=30.0, hold_s=28.0, bounce_deg=2.5, bounce_hz=hz)
    noisy = theta + np.random.default_rng(0).normal(0.0, 0.05, len(theta))
    reached, held_s, unsteady = stretch_measures(noisy, TS)
    assert unsteady == pytest.approx(2.5, rel=0.1)
    assert reached == pytest.approx(30.0, abs=0.5) and held_s > 28.0


def test_pass_rule_just_inside_and_just_outside_each_threshold():
    c = StretchCriteria()
    target = 30.0
    ok = dict(reached_deg=30.0, held_s=target, unsteady_deg=0.5, target_s=target)
    assert classify_stretch(**ok) == []
    assert classify_stretch(**{**ok, "reached_deg": c.min_reached_deg + 0.1}) == []
    assert classify_stretch(**{**ok, "reached_deg": c.min_reached_deg - 0.1}) == ["not_reached"]
    assert classify_stretch(**{**ok, "reached_deg": -c.wrong_side_deg + 0.1}) == ["not_reached"]
    assert classify_stretch(**{**ok, "reached_deg": -c.wrong_side_deg - 0.1}) == ["wrong_side"]
    held = c.min_fraction * target
    assert classify_stretch(**{**ok, "held_s": held + 0.1}) == []
    assert classify_stretch(**{**ok, "held_s": held - 0.1}) == ["short"]
    u = c.max_unsteadiness_deg
    assert classify_stretch(**{**ok, "unsteady_deg": u - 0.05}) == []
    assert classify_stretch(**{**ok, "unsteady_deg": u + 0.05}) == ["unsteady"]


#: Stretch routines of simulated people (seeds no other test or bench uses), half of the
#: stretches with a mistake, half of those near the threshold of their rule.
SEEDS = range(7700, 7708)


def _verdicts(seed: int) -> list[tuple[str, str]]:
    sim = simulate_session(
        SessionConfig(
            seed=seed,
            script="stretch",
            fault_rate=0.5,
            board=("rev1", "rev2")[seed % 2],
            mount=("forehead", "back_of_head", "top_of_head")[seed % 3],
        )
    )
    rec = Recording(sim.samples, sim.events, list(sim.gaps), sim.meta, "sim")
    found = [r for r in analyze(rec).reps if r.exercise.startswith("stretch")]
    truth = [r for r in sim.truth["reps"] if r["exercise"].startswith("stretch")]
    assert len(found) == len(truth)  # one rep per window
    return [(t["verdict"], f.verdict) for t, f in zip(truth, found, strict=True)]


@pytest.mark.slow
def test_verdicts_over_many_simulated_people():
    pairs = [p for seed in SEEDS for p in _verdicts(seed)]
    n = len(pairs)
    assert n >= 30
    right = sum(t == f for t, f in pairs)
    # measured 41 of 42 (40 of 42 before the plateau left the moves out and the bounce was
    # read through a 3 Hz low-pass); half the mistakes lie near their threshold, where a few
    # are expected wrong
    assert right / n >= 0.9, pairs
