"""Head trajectory: keyframes, angle convention, the neck pivot."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.transform import Rotation

from neckimu.angles import angles_from_rotation
from neckimu.sim.motion import (
    CHANNELS,
    HeadMotion,
    Keyframes,
    Steps,
    Timeline,
    angles_to_rotation,
    min_jerk,
)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(-1.4, 1.4), min_size=3, max_size=3))
def test_angles_to_rotation_is_the_yxz_convention(a):
    a = np.array([a])
    expected = Rotation.from_euler("YXZ", [a[0, 0], a[0, 1], -a[0, 2]])
    assert (angles_to_rotation(a).inv() * expected).magnitude()[0] < 1e-12
    back = np.radians(angles_from_rotation(angles_to_rotation(a)))
    np.testing.assert_allclose(back, a, atol=1e-12)


def test_angle_signs():
    d = np.radians(10.0)
    chin = angles_to_rotation(np.array([[d, 0, 0]])).apply([1.0, 0, 0])[0]
    assert chin[2] < 0  # flexion: the nose (x forward) goes down
    top = angles_to_rotation(np.array([[0, d, 0]])).apply([0, 0, 1.0])[0]
    assert top[1] < 0  # lateral +: the top of the head goes right (-y)
    nose = angles_to_rotation(np.array([[0, 0, d]])).apply([1.0, 0, 0])[0]
    assert nose[1] < 0  # rotation +: the nose turns right


def test_min_jerk_profile():
    s = np.linspace(-0.5, 1.5, 9)
    v = min_jerk(s)
    assert v[0] == 0 and v[-1] == 1 and min_jerk(np.array([0.5]))[0] == 0.5
    assert (np.diff(v) >= 0).all()


def test_timeline_moves_and_holds():
    tl = Timeline()
    tl.hold(1.0)
    tl.move(2.0, lat=0.3)
    tl.shift(1.0, lat=0.1, glide_x=-0.02)
    kf = tl.build()
    assert isinstance(kf, Keyframes) and kf.duration_s == 4.0
    v = kf(np.array([0.5, 1.0, 2.0, 3.0, 3.5, 4.0, 9.0]))
    lat, gx = v[:, CHANNELS.index("lat")], v[:, CHANNELS.index("glide_x")]
    np.testing.assert_allclose(lat, [0, 0, 0.15, 0.3, 0.35, 0.4, 0.4])
    np.testing.assert_allclose(gx, [0, 0, 0, 0, -0.01, -0.02, -0.02])


def test_steps_add_up_and_may_overlap():
    """Steps equal the plain sum of their minimum-jerk profiles, at times in any order."""
    rng = np.random.default_rng(0)
    m = 40
    steps = Steps(
        rng.integers(0, len(CHANNELS), m),
        rng.uniform(0.0, 10.0, m),
        rng.uniform(0.1, 2.0, m),
        rng.normal(size=m),
    )
    for t in (rng.uniform(-1.0, 13.0, 3000), np.sort(rng.uniform(4.0, 6.0, 300))):
        want = np.zeros((len(t), len(CHANNELS)))
        for c, t0, d, dv in zip(steps.channel, steps.t0, steps.duration, steps.delta, strict=True):
            want[:, c] += dv * min_jerk((t - t0) / d)
        np.testing.assert_allclose(steps(t), want, atol=1e-12)
    tl = Timeline()
    tl.hold(3.0)
    tl.step(0.5, 1.0, rot=0.2)
    tl.step(1.0, 1.0, rot=-0.2)  # starts before the first has ended
    motion = HeadMotion(tl.build(), steps=tl.build_steps())
    rot = motion.angles(np.array([0.0, 1.0, 2.5]))[:, 2]
    assert rot[0] == 0.0 and 0.0 < rot[1] < 0.2 and abs(rot[2]) < 1e-12
