"""Holds judged with a trunk board while the trunk leans (issue 15): the two boards'
accelerometer biases must not turn a common lean into neck movement.

Each board's 6D estimate is levelled with its own biased gravity; its tilt error changes when
the board leans, differently on the two boards, so a trunk lean with the neck still used to
read as the neck moving (2-4 deg for a 25 deg lean, against a 2 deg tolerance).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from neckimu.headframe import Calibration, with_neutral
from neckimu.mounts import TRUNK_MOUNTS, get_mount
from neckimu.orientation import estimate_causal
from neckimu.samples import G, SampleBlock
from neckimu.trunk import calibrate_trunk, trunk_context
from neckimu.trunk.acc_bias import corrected_quat, estimate_acc_bias
from neckimu.verify.reps import HoldRep
from neckimu.verify.trunk_lean import judge_hold

TS = 0.01
STILL_S = (1.0, 5.0)
HOLD_S = (35.0, 47.0)


def _ramp(t: np.ndarray, t0: float, dur: float) -> np.ndarray:
    x = np.clip((t - t0) / dur, 0.0, 1.0)
    return x**3 * (10.0 - 15.0 * x + 6.0 * x**2)


def _board(rng, world: Rotation, to_segment: Rotation, bias: np.ndarray) -> SampleBlock:
    """A board fixed to a segment turning as ``world`` (segment -> world), its sensor ->
    segment rotation ``to_segment``, its accelerometer biased by ``bias`` (m/s²)."""
    r = world * to_segment
    w = (r[:-1].inv() * r[1:]).as_rotvec() / TS
    gyr = np.vstack([w, w[-1:]]) + rng.normal(0.0, 0.003, (len(r), 3))
    acc = r.inv().apply([0.0, 0.0, G]) + bias + rng.normal(0.0, 0.03, (len(r), 3))
    t = np.arange(len(r)) * TS
    return SampleBlock(t, gyr, acc, None)


def _session(seed: int, turns_before: bool = True):
    """Neutral still, two trunk posture changes in the half minute before the hold (they show
    the biases; none with ``turns_before`` False), a 20-28 deg lean inside it (the neck
    still: the head turns with the trunk), two after; biases up to 90 mg per axis."""
    rng = np.random.default_rng(seed)
    t = np.arange(0.0, 75.0, TS)
    pitch = np.zeros_like(t)
    roll = np.zeros_like(t)
    lean = np.radians(rng.uniform(20.0, 28.0)) * rng.choice([-1.0, 1.0])
    for t0, d, dp, dr in (
        (14.0, 2.5, rng.uniform(-12, 12), rng.uniform(-4, 4)),
        (24.0, 2.0, rng.uniform(-12, 12), rng.uniform(-4, 4)),
        (40.0, 2.0, np.degrees(lean), rng.uniform(-3, 3)),
        (53.0, 2.5, rng.uniform(-12, 12), rng.uniform(-4, 4)),
        (62.0, 2.0, rng.uniform(-12, 12), rng.uniform(-4, 4)),
    ):
        if turns_before or t0 > HOLD_S[0]:
            pitch += np.radians(dp) * _ramp(t, t0, d)
            roll += np.radians(dr) * _ramp(t, t0, d)
    world = Rotation.from_euler("YX", np.column_stack([pitch, roll]))

    def extra(deg: float) -> Rotation:
        return Rotation.from_rotvec(rng.normal(size=3) / np.sqrt(3) * np.radians(deg))

    s_h = get_mount("forehead").sensor_to_head * extra(3.0)
    s_t = TRUNK_MOUNTS["between_shoulder_blades"].sensor_to_head * extra(3.0)
    head = _board(rng, world, s_h, rng.uniform(-0.9, 0.9, 3))
    trunk = _board(rng, world, s_t, rng.uniform(-0.9, 0.9, 3))
    return head, trunk, s_h


def _levelled(s: Rotation, acc: np.ndarray) -> Rotation:
    """``s`` turned the least so that the board's measured up (biased) is the segment's z, as
    a gravity calibration does."""
    up = s.apply(acc.mean(axis=0) / np.linalg.norm(acc.mean(axis=0)))
    axis = np.cross(up, [0.0, 0.0, 1.0])
    return Rotation.from_rotvec(axis / np.linalg.norm(axis) * np.arcsin(np.linalg.norm(axis))) * s


def _judge(head: SampleBlock, trunk: SampleBlock, s_h: Rotation, exercise: str) -> float:
    """The hold ``HOLD_S`` of these two boards judged (``s_h``: the head board's sensor ->
    head rotation, levelled as a calibration would), its neck deviation, deg."""
    from neckimu.verify.context import Context

    o_h, o_t = estimate_causal(head, TS), estimate_causal(trunk, TS)
    cal = Calibration(
        _levelled(s_h, head.between(*STILL_S).acc),
        "gravity+nod",
        "forehead",
        "argument",
        STILL_S,
        None,
        None,
        Rotation.identity(),
    )
    cal = with_neutral(cal, head.t, o_h.quat)
    tctx = trunk_context(trunk, o_t, calibrate_trunk(trunk, STILL_S), STILL_S)
    ctx = Context(head, o_h.quat, o_h.bias, TS, cal)
    hold = HoldRep(exercise=exercise, index=1, of=1, start_s=HOLD_S[0], end_s=HOLD_S[1])
    rep = judge_hold(hold, tctx, ctx)
    assert rep.max_deviation_deg is not None
    return float(rep.max_deviation_deg)


def _judged_hold(seed: int, turns_before: bool = True) -> float:
    """The hold's judged neck deviation, deg (truth: 0, the neck never moved)."""
    return _judge(*_session(seed, turns_before), "hold_flexion")


def test_a_common_trunk_lean_is_not_the_neck_moving_over_many_draws():
    """A still neck while the trunk leans 20-28 deg inside the hold, with both boards'
    accelerometers biased by up to 90 mg per axis: the hold passes (the old judge, levelled
    by each board's biased gravity, failed 9 of these 12)."""
    dev = np.array([_judged_hold(seed) for seed in range(7300, 7312)])
    # the old judge: 3 of 12 within the 2 deg tolerance, median 2.9 deg; with the bias from
    # before the hold: 10 of 12, 0.6; also from the hold itself: 12 of 12, 0.63
    assert np.mean(dev < 2.0) >= 9 / 12, dev.round(2)
    assert np.median(dev) < 1.0, dev.round(2)


@pytest.mark.parametrize("seed", [7320, 7321])
def test_acc_bias_is_measured_from_gravity_turned_by_the_gyro(seed):
    """The bias of a board that turns about several axes, within 0.1 m/s² (10 mg)."""
    rng = np.random.default_rng(seed)
    t = np.arange(0.0, 90.0, TS)
    ang = np.zeros((len(t), 3))
    for k, t0 in enumerate(np.arange(5.0, 85.0, 6.0)):
        ang[:, k % 3] += np.radians(rng.uniform(-40, 40)) * _ramp(t, t0, 2.0)
    world = Rotation.from_euler("ZYX", ang)
    bias = rng.uniform(-0.9, 0.9, 3)
    board = _board(rng, world, Rotation.identity(), bias)
    o = estimate_causal(board, TS)
    est = estimate_acc_bias(board.t, board.gyr, board.acc, o.bias, TS)
    assert np.abs(est.bias_m_s2 - bias).max() < 0.1, (est.bias_m_s2, bias)


def test_corrected_quat_levels_with_the_true_gravity():
    """A 6D estimate levelled with biased gravity, corrected with that bias, maps the true
    up onto z."""
    rng = np.random.default_rng(7330)
    true = Rotation.random(50, random_state=7330)
    bias = rng.uniform(-0.9, 0.9, 3)
    up_s = true.inv().apply([0.0, 0.0, 1.0])
    meas = up_s * G + bias
    meas /= np.linalg.norm(meas, axis=1)[:, None]
    # the filter's estimate: the true one turned so that the measured up is its z
    axis = np.cross(up_s, meas)
    n = np.linalg.norm(axis, axis=1)
    c = Rotation.from_rotvec(axis / n[:, None] * np.arcsin(n)[:, None])
    est = true * c.inv()
    fixed, _ = corrected_quat(est.as_quat(scalar_first=True), bias)
    got = Rotation.from_quat(fixed, scalar_first=True).inv().apply([0.0, 0.0, 1.0])
    assert np.degrees(np.arccos(np.clip(np.sum(got * up_s, axis=1), -1, 1))).max() < 0.01


def test_a_lean_inside_the_hold_shows_the_bias_of_a_trunk_still_before_it():
    """The same still neck, but neither board turned in the half minute before the hold:
    their biases show only in the lean inside it, so the hold's own data measure them (the
    bias measured before the hold only: 7 of 24 within the 2 deg tolerance, median 2.4 deg;
    to the hold's end: 15 of 24, median 1.4). The lean's own axis still hides the bias
    along it, so not every draw passes (docs/trunk.md)."""
    dev = np.array([_judged_hold(seed, turns_before=False) for seed in range(7340, 7364)])
    assert np.mean(dev < 2.0) >= 0.5, dev.round(2)
    assert np.median(dev) < 1.8, dev.round(2)


def _judged_creep(seed: int, creep_deg: float) -> float:
    """A hold whose neck turns slowly by ``creep_deg`` about the vertical (the trunk still,
    posture changes before it as in :func:`_session`), judged deviation, deg."""
    rng = np.random.default_rng(seed)
    t = np.arange(0.0, 60.0, TS)
    pitch = np.zeros_like(t)
    for t0 in (14.0, 24.0):
        pitch += np.radians(rng.uniform(-12, 12)) * _ramp(t, t0, 2.0)
    trunk_world = Rotation.from_euler("Y", pitch[:, None])
    # a steady creep from 1 s into the hold to its end: 0.3-0.4 deg/s, slow enough for the
    # filter's rest test
    x = np.clip((t - HOLD_S[0] - 1.0) / (HOLD_S[1] - HOLD_S[0] - 1.0), 0.0, 1.0)
    neck = Rotation.from_euler("Z", (np.radians(creep_deg) * rng.choice([-1.0, 1.0]) * x)[:, None])
    s_h = get_mount("forehead").sensor_to_head
    s_t = TRUNK_MOUNTS["between_shoulder_blades"].sensor_to_head
    head = _board(rng, trunk_world * neck, s_h, np.zeros(3))
    trunk = _board(rng, trunk_world, s_t, np.zeros(3))
    return _judge(head, trunk, s_h, "hold_left")


def test_a_slow_neck_creep_is_not_learnt_as_gyro_bias():
    """A neck that turns 3.5 deg over a 12 s hold (0.3 deg/s) while the trunk keeps still: the
    head filter's rest test takes that for a still head and its bias estimate learns it, so
    the hold is judged with the bias as it was when the hold started (a tester's finding:
    with the trunk board such holds passed that one sensor failed). 8 draws: the old judge
    read a median 1.2 deg, none over the 2 deg tolerance; now 2.1-2.3 deg, all of them
    (the refiltered estimate still learns part of it: docs/trunk.md)."""
    dev = np.array([_judged_creep(seed, 3.5) for seed in range(7340, 7348)])
    assert np.mean(dev > 2.0) >= 7 / 8, dev.round(2)
    assert np.median(dev) > 1.8, dev.round(2)
