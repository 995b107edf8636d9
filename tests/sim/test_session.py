"""A simulated session written to disk: recording, truth files, conventions."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from neckimu.mounts import get_mount
from neckimu.recording.reader import read_events_csv, read_recording
from neckimu.samples import G
from neckimu.sim import SessionConfig, simulate_session
from neckimu.sim.truth import TRUTH_COLUMNS, read_truth, truth_paths

REP_KEYS = {
    "exercise",
    "index",
    "start_s",
    "end_s",
    "verdict",
    "faults",
    "max_deviation_deg",
    "direction",
    "displacement_mm",
    "path_angle_deg",
    "flexion_change_deg",
    "lateral_change_deg",
    "rotation_change_deg",
    "glide_start_s",
    "kept_start_s",
    "kept_end_s",
    "return_end_s",
    # the validation set's format (../shared/data/validation/README.md)
    "rep",
    "reached_deg",
    "held_s",
    "detail",
}


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    path = tmp_path_factory.mktemp("sim") / "rec.csv"
    s = simulate_session(
        SessionConfig(
            seed=12,
            board="rev2",
            mount="back_of_head",
            hold_reps=1,
            retraction_reps=3,
            drop_prob=0.005,
            faults=("moved", "protraction"),
        )
    )
    s.write(path)
    return s, path


def test_recording_reads_back(written):
    s, path = written
    rec = read_recording(path)
    np.testing.assert_allclose(rec.samples.t, s.samples.t, atol=1e-6)
    np.testing.assert_allclose(rec.samples.gyr, s.samples.gyr, rtol=1e-6)
    np.testing.assert_allclose(rec.samples.mag, s.samples.mag, rtol=1e-6, atol=1e-9)
    assert rec.events == s.events
    assert [g.missing for g in rec.gaps] == [g.missing for g in s.gaps]
    np.testing.assert_allclose([g.time_s for g in rec.gaps], [g.time_s for g in s.gaps], atol=1e-6)
    assert len(rec.gaps) > 3
    assert rec.meta["source"] == "simulate" and rec.meta["mount"] == "back_of_head"
    assert rec.meta["device"] == {"name": "neckimu-sim", "board": "rev2", "sensor": "BMI270+BMM150"}
    assert rec.meta["nominal_rate_hz"] == 100.0 and rec.meta["seed"] == 12
    text = path.read_text()
    assert "truth" not in text and "calibration" not in text


def test_truth_files(written):
    s, path = written
    jpath, cpath = truth_paths(path)
    assert jpath.name == "rec.truth.json" and cpath.name == "rec.truth.csv.gz"
    truth, ts = read_truth(path)
    assert truth == json.loads(json.dumps(s.truth))
    for key in (
        "seed",
        "mount",
        "sensor",
        "board",
        "nominal_rate_hz",
        "actual_rate_hz",
        "mount_rotation_extra_deg",
        "sensor_to_head_quat_wxyz",
        "lever_arm_m",
        "gyro_bias_rad_s",
        "reps",
    ):
        assert key in truth
    assert all(REP_KEYS <= set(r) for r in truth["reps"])
    np.testing.assert_allclose(ts.t, s.samples.t, atol=1e-6)
    np.testing.assert_allclose(ts.head_quat, s.truth_samples.head_quat, atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(ts.sensor_quat, axis=1), 1.0, atol=1e-6)
    assert len(TRUTH_COLUMNS) == ts.table().shape[1]
    # the cues also beside it, as an events CSV: the same events the recording carries
    assert read_events_csv(path.with_name("rec.events.csv")) == read_recording(path).events
    assert [e["exercise"] for e in truth["events"]] == [e.exercise for e in s.events]


def test_truth_conventions_scalar_first_and_frames(written):
    s, _ = written
    truth, ts = s.truth, s.truth_samples
    s2h = Rotation.from_quat(truth["sensor_to_head_quat_wxyz"], scalar_first=True)
    mount = get_mount(truth["mount"])
    extra = np.degrees((mount.sensor_to_head.inv() * s2h).magnitude())
    assert extra == pytest.approx(truth["mount_rotation_extra_deg"], abs=1e-6)
    r_et = Rotation.from_euler("z", truth["trunk_heading_deg"], degrees=True)
    expect = r_et * ts.head_rotation() * s2h
    assert np.degrees((expect.inv() * ts.sensor_rotation()).magnitude()).max() < 1e-3
    # the sensor quaternion takes the measured specific force to earth: +g up on average
    up = ts.sensor_rotation().apply(s.samples.acc)
    assert up[:, 2].mean() == pytest.approx(G, abs=0.4)  # accel bias, scale and motion aside
    assert np.abs(up[:, :2].mean(0)).max() < 0.5


def test_truth_at_rest_head_is_neutral():
    s = simulate_session(SessionConfig(seed=3, script="rest", rest_duration_s=10, person=False))
    np.testing.assert_allclose(
        s.truth_samples.head_quat, [[1, 0, 0, 0]] * len(s.samples), atol=1e-12
    )
    np.testing.assert_allclose(s.truth_samples.head_pos, 0.0, atol=1e-12)


def test_bad_config_raises():
    for bad in (
        dict(mount="chin"),
        dict(board="rev3"),
        dict(board="rev1", rate_hz=100.0),
        dict(faults=("wobble",)),
        dict(fault_rate=2.0),
        dict(script="yoga"),
        dict(faults=("too_small+too_small",)),
        dict(faults=("moved+lateral",)),
        dict(near_share=-0.1),
        dict(hold_s=(6.0, 5.0)),
        dict(stretch_reps=0),
        dict(stretch_hold_s=0.0),
        dict(stretch_hold_s=float("nan")),
        dict(rest_duration_s=-1.0),
        dict(initial_rest_s=float("inf")),
        dict(hold_s=(5.0, float("inf"))),
    ):
        with pytest.raises(ValueError):
            simulate_session(SessionConfig(**bad))
