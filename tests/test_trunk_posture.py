"""Posture with a trunk sensor (issue 15): neck flexion and trunk inclination judged apart,
and which one to fix; without a trunk the summary is as before."""

from __future__ import annotations

import warnings

import numpy as np

from neckimu.pipeline import analyze
from neckimu.posture import (
    PostureCriteria,
    posture_split,
    posture_split_analysis,
    summarize_analysis,
)
from neckimu.recording.reader import read_recording
from neckimu.sim import SessionConfig, simulate_session


def _desk(t: np.ndarray, neck_peak: float, trunk_peak: float) -> tuple[np.ndarray, np.ndarray]:
    """A 600 s desk session at 50 Hz: forward from 100 s to 300 s by the given parts."""
    on = ((t > 100) & (t < 300)).astype(float)
    rng = np.random.default_rng(0)
    return (
        neck_peak * on + rng.normal(0, 1.0, len(t)),
        trunk_peak * on + rng.normal(0, 1.0, len(t)),
    )


def test_split_says_which_part_to_fix():
    t = np.arange(0, 600, 0.02)
    crit = PostureCriteria()
    neck, trunk = _desk(t, 28.0, 2.0)  # looking down with the neck
    s = posture_split(t, neck, trunk, crit=crit)
    assert s.fix == "neck" and len(s.head.bouts_s) == 1 and len(s.trunk.bouts_s) == 0
    assert s.neck_part_deg > 25 and abs(s.trunk_part_deg) < 4
    neck, trunk = _desk(t, 4.0, 24.0)  # slouching: the same head inclination
    s = posture_split(t, neck, trunk, crit=crit)
    assert s.fix == "trunk" and len(s.head.bouts_s) == 1 and len(s.neck.bouts_s) == 0
    assert len(s.trunk.bouts_s) == 1 and "sit up" in s.advice()
    neck, trunk = _desk(t, 14.0, 14.0)
    assert posture_split(t, neck, trunk, crit=crit).fix == "both"
    neck, trunk = _desk(t, 5.0, 5.0)  # never forward
    s = posture_split(t, neck, trunk, crit=crit)
    assert s.fix == "none" and len(s.head.bouts_s) == 0
    d = s.to_dict()
    assert set(d) >= {"head_inclination", "neck_flexion", "trunk_inclination", "fix", "advice"}


def _analysis(tmp_path, seed: int, slouch: bool, trunk: bool = True):
    cfg = SessionConfig(
        seed=seed,
        script="posture",
        rest_duration_s=150.0,
        trunk=trunk,
        faults=("slouch",) if slouch else (),
        slouch_share=1.0,
    )
    path = tmp_path / f"p{seed}{slouch}{trunk}.csv"
    simulate_session(cfg).write(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return analyze(read_recording(path), verify=False)


def test_simulated_desk_slouch_or_neck(tmp_path):
    # seeds no other test uses; every slump of a session is either the neck's (no fault) or
    # the trunk's (fault slouch, slouch_share 1): the advice must say which, in most sessions
    right = total = 0
    for seed in range(4710, 4714):
        for slouch in (False, True):
            s = posture_split_analysis(_analysis(tmp_path, seed, slouch))
            assert s is not None
            if len(s.head.bouts_s) == 0:
                continue
            total += 1
            right += s.fix == ("trunk" if slouch else "neck")
    assert total >= 6 and right >= total - 1


def test_single_sensor_posture_summary_has_no_trunk(tmp_path):
    a = _analysis(tmp_path, 4720, False, trunk=False)
    assert posture_split_analysis(a) is None
    assert "trunk" not in summarize_analysis(a)
