import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from neckimu.angles import angles_from_rotation, head_angles_deg, rotation_from_angles
from neckimu.headframe import calibrate
from neckimu.mounts import MOUNTS
from neckimu.orientation import estimate_offline
from neckimu.recording.events import windows
from tests.synth import calibration_session


def test_sign_conventions():
    # chin down = positive rotation about the left axis (y) = flexion +
    a = angles_from_rotation(Rotation.from_rotvec([0, np.radians(10), 0]))[0]
    assert a == pytest.approx([10, 0, 0], abs=1e-9)
    # right ear to right shoulder: top of head moves toward -y (right) = +rotation about x
    a = angles_from_rotation(Rotation.from_rotvec([np.radians(10), 0, 0]))[0]
    assert a == pytest.approx([0, 10, 0], abs=1e-9)
    # turning right: nose moves toward -y = negative rotation about z = rotation +
    a = angles_from_rotation(Rotation.from_rotvec([0, 0, -np.radians(10)]))[0]
    assert a == pytest.approx([0, 0, 10], abs=1e-9)


def test_angle_round_trip():
    rng = np.random.default_rng(0)
    a = rng.uniform([-60, -40, -70], [60, 40, 70], (500, 3))
    assert angles_from_rotation(rotation_from_angles(a)) == pytest.approx(a, abs=1e-9)


@pytest.mark.parametrize("name", sorted(MOUNTS))
def test_known_head_motions_reproduced_within_1_deg(name):
    extra = Rotation.from_euler("xyz", [12, -20, 8], degrees=True)
    rec, truth = calibration_session(MOUNTS[name].sensor_to_head * extra, seed=11)
    orient = estimate_offline(rec.samples)
    win = next(w for w in windows(rec.events) if w.exercise == "calibrate")
    cal = calibrate(rec.samples, orient, win)
    ang = head_angles_deg(orient.quat, cal)
    after = rec.samples.t > 16.0  # the scripted motions: flexion 25, extension 20, ...
    err = np.abs(ang[after] - truth[after]).max(axis=0)
    assert (err < 1.0).all(), f"max error per angle {err} deg"
    # and the peaks are there: flexion reaches 25 deg, rotation 30 deg
    assert ang[after, 0].max() == pytest.approx(25, abs=1.0)
    assert ang[after, 2].max() == pytest.approx(30, abs=1.0)


def test_fast_composition_equals_scipy():
    from neckimu.angles import head_matrices, head_rotation
    from neckimu.headframe import Calibration

    cal = Calibration(
        Rotation.random(random_state=1),
        "gravity+nod",
        "forehead",
        "argument",
        (0.0, 1.0),
        None,
        None,
        Rotation.random(random_state=2),
    )
    q = Rotation.random(200, random_state=4).as_quat(scalar_first=True)
    want = cal.neutral.inv() * Rotation.from_quat(q, scalar_first=True) * cal.sensor_to_head.inv()
    np.testing.assert_allclose(head_matrices(q, cal), want.as_matrix(), atol=1e-12)
    np.testing.assert_allclose(head_angles_deg(q, cal), angles_from_rotation(want), atol=1e-9)
    assert (head_rotation(q, cal) * want.inv()).magnitude().max() < 1e-9
