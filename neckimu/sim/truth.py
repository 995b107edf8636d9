"""Ground truth of a simulated session: rep labels and per-sample pose, written beside it.

For a recording ``rec.csv`` (or ``rec.csv.gz``) the truth is ``rec.truth.json`` (session facts
and one entry per rep) and ``rec.truth.csv.gz`` (per IMU sample: head orientation relative to
the trunk, head-centre position in the trunk frame, sensor orientation in the earth frame and
the gyro bias). Quaternions are scalar-first ``w, x, y, z``; times are on the recording clock.
"""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.spatial.transform import Rotation

from neckimu.recording.writer import format_rows
from neckimu.sim.motion import HeadMotion
from neckimu.sim.script import Plan, RepPlan

TRUTH_COLUMNS: tuple[str, ...] = (
    "time_s", "q_w", "q_x", "q_y", "q_z", "pos_x_m", "pos_y_m", "pos_z_m",
    "sq_w", "sq_x", "sq_y", "sq_z", "gyro_bias_x", "gyro_bias_y", "gyro_bias_z",
)
_HOLD_FAULTS = {"moved", "creep", "tipped_back"}
_STRETCH_LABEL = {"stretch_short": "short", "stretch_unsteady": "unsteady"}


@dataclass
class TruthSamples:
    """Per-sample truth (N = the recording's rows).

    Attributes
    ----------
    t : ndarray, shape (N,)
        Recording time, s (equal to the recording's ``time_s``).
    head_quat : ndarray, shape (N, 4)
        Head -> trunk orientation, ``w, x, y, z``.
    head_pos : ndarray, shape (N, 3)
        Head centre in the trunk frame, m.
    sensor_quat : ndarray, shape (N, 4)
        Sensor -> earth orientation, ``w, x, y, z``.
    gyro_bias : ndarray, shape (N, 3)
        Gyro bias, rad/s, sensor frame.
    """

    t: np.ndarray
    head_quat: np.ndarray
    head_pos: np.ndarray
    sensor_quat: np.ndarray
    gyro_bias: np.ndarray

    def head_rotation(self) -> Rotation:
        """``R_TH`` as scipy rotations."""
        return Rotation.from_quat(wxyz_to_xyzw(self.head_quat))

    def sensor_rotation(self) -> Rotation:
        """``R_ES`` as scipy rotations."""
        return Rotation.from_quat(wxyz_to_xyzw(self.sensor_quat))

    def table(self) -> np.ndarray:
        """All columns of :data:`TRUTH_COLUMNS`, shape (N, 15)."""
        return np.column_stack(
            [self.t, self.head_quat, self.head_pos, self.sensor_quat, self.gyro_bias]
        )


def xyzw_to_wxyz(q: np.ndarray) -> np.ndarray:
    """scipy's scalar-last quaternions -> scalar-first, shape (..., 4)."""
    return np.asarray(q)[..., [3, 0, 1, 2]]


def wxyz_to_xyzw(q: np.ndarray) -> np.ndarray:
    """Scalar-first quaternions -> scipy's scalar-last, shape (..., 4)."""
    return np.asarray(q)[..., [1, 2, 3, 0]]


def truth_paths(recording: str | Path) -> tuple[Path, Path]:
    """``(rec.truth.json, rec.truth.csv.gz)`` for ``rec.csv`` or ``rec.csv.gz``."""
    p = Path(recording)
    name = p.name.removesuffix(".gz").removesuffix(".csv")
    return p.with_name(f"{name}.truth.json"), p.with_name(f"{name}.truth.csv.gz")


# -- rep labels ---------------------------------------------------------------------------------
def _direction(d_ang: np.ndarray) -> str:
    """Name of the largest component of an angle change ``flex, lat, rot`` (rad)."""
    k = int(np.argmax(np.abs(d_ang)))
    if k == 0:
        return "flexion" if d_ang[0] > 0 else "extension"
    if k == 1:
        return "right" if d_ang[1] > 0 else "left"
    return "rotation"


def _hold_truth(rep: RepPlan, motion: HeadMotion) -> dict[str, Any]:
    t = np.linspace(rep.start_s, rep.end_s, max(int((rep.end_s - rep.start_s) * 200) + 1, 2))
    rot = motion.rotation(t)
    dev = np.degrees((rot[0].inv() * rot).magnitude())
    k = int(np.argmax(dev))
    ang = motion.angles(t[[0, k]])
    faulty = rep.fault in _HOLD_FAULTS
    return {
        "faults": ["moved"] if faulty else [],
        "max_deviation_deg": float(dev[k]),
        "direction": _direction(ang[1] - ang[0]),
    }


def _retraction_truth(rep: RepPlan, motion: HeadMotion) -> dict[str, Any]:
    g0, k0, k1 = (rep.phases[k] for k in ("glide_start_s", "kept_start_s", "kept_end_s"))
    tb, tk = np.linspace(g0 - 1.0, g0, 401), np.linspace(k0, k1, 401)
    dp = motion.head_centre(tk).mean(0) - motion.head_centre(tb).mean(0)
    da = np.degrees(motion.angles(tk).mean(0) - motion.angles(tb).mean(0))
    post, sup = -dp[0] * 1e3, dp[2] * 1e3
    return {
        "faults": [rep.fault] if rep.fault else [],
        "displacement_mm": {"posterior": float(post), "superior": float(sup)},
        "path_angle_deg": float(np.degrees(np.arctan2(sup, post))),
        "flexion_change_deg": float(da[0]),
        "lateral_change_deg": float(da[1]),
        "rotation_change_deg": float(da[2]),
    }


def rep_truth(
    plan: Plan, motion: HeadMotion, to_rec: Callable[[float], float]
) -> list[dict[str, Any]]:
    """One truth entry per planned rep; ``to_rec`` maps physical to recording time (s)."""
    out = []
    for rep in plan.reps:
        entry: dict[str, Any] = {
            "exercise": rep.exercise, "index": rep.index,
            "start_s": round(float(to_rec(rep.start_s)), 6),
            "end_s": round(float(to_rec(rep.end_s)), 6),
            "verdict": "pass", "faults": [], "injected": rep.fault,
            "max_deviation_deg": None, "direction": None, "displacement_mm": None,
            "path_angle_deg": None, "flexion_change_deg": None, "lateral_change_deg": None,
            "rotation_change_deg": None, "glide_start_s": None, "kept_start_s": None,
            "kept_end_s": None, "return_end_s": None,
        }
        if rep.exercise.startswith("hold_"):
            entry.update(_hold_truth(rep, motion))
        elif rep.exercise == "retraction":
            entry.update(_retraction_truth(rep, motion))
            entry.update({k: round(float(to_rec(v)), 6) for k, v in rep.phases.items()})
        elif rep.exercise.startswith("stretch_"):
            entry["faults"] = [_STRETCH_LABEL[rep.fault]] if rep.fault else []
        entry["verdict"] = "fail" if entry["faults"] else "pass"
        out.append(entry)
    return out


# -- files --------------------------------------------------------------------------------------
def write_truth(recording: str | Path, truth: dict[str, Any], samples: TruthSamples) -> None:
    """Write ``truth`` (JSON) and ``samples`` (gzip CSV, deterministic bytes) beside it."""
    jpath, cpath = truth_paths(recording)
    jpath.write_text(json.dumps(truth, indent=1, allow_nan=False) + "\n", encoding="utf-8")
    text = ",".join(TRUTH_COLUMNS) + "\n" + format_rows(samples.table())
    with (
        open(cpath, "wb") as raw,
        gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0, compresslevel=6) as gz,
    ):
        gz.write(text.encode("utf-8"))


def read_truth(recording: str | Path) -> tuple[dict[str, Any], TruthSamples]:
    """Read the truth files of ``recording`` (``rec.csv`` -> ``rec.truth.*``).

    Returns
    -------
    truth : dict
        The JSON (session facts and ``reps``).
    samples : TruthSamples
        Per-sample truth.
    """
    jpath, cpath = truth_paths(recording)
    truth = json.loads(jpath.read_text(encoding="utf-8"))
    with gzip.open(cpath, "rb") as f:
        df = pd.read_csv(io.BytesIO(f.read()), dtype=np.float64, engine="c")
    a = df[list(TRUTH_COLUMNS)].to_numpy()
    return truth, TruthSamples(a[:, 0], a[:, 1:5], a[:, 5:8], a[:, 8:12], a[:, 12:15])
