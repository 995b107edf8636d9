"""Ground truth of a simulated session: rep labels and per-sample pose, written beside it.

For a recording ``rec.csv`` (or ``rec.csv.gz``) the truth is ``rec.truth.json`` (session facts
and one entry per rep), ``rec.truth.csv.gz`` (per IMU sample: head orientation relative to
the trunk, head-centre position in the trunk frame, sensor orientation in the earth frame and
the gyro bias) and ``rec.events.csv`` (the cues, ``time_s,event,exercise``). Quaternions are
scalar-first ``w, x, y, z``; times are on the recording clock.

**Truth is what the head did.** Each rep's label is measured from the simulated head motion
(sway, breathing and fidgets included) with the definitions of the validation set's README
(``../shared/data/validation``) and the verifiers' own pass rules (``classify``,
``classify_stretch``, ``HoldCriteria``), so its ``score.py`` scores our sessions too:

- hold: ``max_deviation_deg`` = largest rotation of the head from its orientation at the start
  cue, between the cues; ``moved`` beyond the tolerance;
- retraction: ``start_s`` motion onset, ``end_s`` end of the return; ``displacement_mm``
  (posterior = −x, superior = +z, lateral = +y of the trunk frame) and the angle changes =
  mean over the kept position minus mean over the 0.25 s before the onset;
  ``path_angle_deg`` = atan2(superior, posterior); faults = ``classify`` of these (all of
  them, first one first);
- stretch: θ = lateral flexion relative to the start cue's orientation (z-y-x angles), + toward
  the prescribed side; ``reached_deg`` = median θ over the plateau; ``held_s`` = time between
  the cues with |θ − reached| <= min(band, |reached|/2); faults = ``classify_stretch``.
- rom: ``rom_deg`` = the verifier's ``rom_from_angles`` of the head's angles relative to the
  trunk (the true neutral) between the cues: per direction the largest angle reached.
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

from neckimu.angles import angles_from_rotation
from neckimu.recording.writer import format_rows
from neckimu.sim.faults import HOLD_RULE, RETRACTION_RULE, STRETCH_RULE
from neckimu.sim.motion import HeadMotion
from neckimu.sim.script import Plan, RepPlan
from neckimu.verify.hold import HoldCriteria
from neckimu.verify.retraction import RetractionCriteria, classify
from neckimu.verify.rom import RomCriteria, rom_from_angles
from neckimu.verify.stretch import StretchCriteria, classify_stretch, unsteadiness_deg

TRUTH_COLUMNS: tuple[str, ...] = (
    "time_s",
    "q_w",
    "q_x",
    "q_y",
    "q_z",
    "pos_x_m",
    "pos_y_m",
    "pos_z_m",
    "sq_w",
    "sq_x",
    "sq_y",
    "sq_z",
    "gyro_bias_x",
    "gyro_bias_y",
    "gyro_bias_z",
)
#: Extra columns of a two-sensor session (issue 15): the trunk's orientation (trunk -> the
#: level neutral trunk frame W) and its origin in W, m, at each head sample.
TRUNK_TRUTH_COLUMNS: tuple[str, ...] = (
    "tq_w",
    "tq_x",
    "tq_y",
    "tq_z",
    "tpos_x_m",
    "tpos_y_m",
    "tpos_z_m",
)


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
    trunk_quat: np.ndarray | None = None
    trunk_pos: np.ndarray | None = None

    def head_rotation(self) -> Rotation:
        """``R_TH`` as scipy rotations."""
        return Rotation.from_quat(self.head_quat, scalar_first=True)

    def sensor_rotation(self) -> Rotation:
        """``R_ES`` as scipy rotations."""
        return Rotation.from_quat(self.sensor_quat, scalar_first=True)

    def table(self) -> np.ndarray:
        """All columns of :data:`TRUTH_COLUMNS` (and :data:`TRUNK_TRUTH_COLUMNS` with a
        trunk), shape (N, 15) or (N, 22)."""
        cols = [self.t, self.head_quat, self.head_pos, self.sensor_quat, self.gyro_bias]
        if self.trunk_quat is not None and self.trunk_pos is not None:
            cols += [self.trunk_quat, self.trunk_pos]
        return np.column_stack(cols)

    def trunk_rotation(self) -> Rotation | None:
        """``R_WT`` (trunk -> level neutral trunk frame), or None without a trunk."""
        if self.trunk_quat is None:
            return None
        return Rotation.from_quat(self.trunk_quat, scalar_first=True)


def truth_paths(recording: str | Path) -> tuple[Path, Path]:
    """``(rec.truth.json, rec.truth.csv.gz)`` for ``rec.csv`` or ``rec.csv.gz``."""
    p = Path(recording)
    name = p.name.removesuffix(".gz").removesuffix(".csv")
    return p.with_name(f"{name}.truth.json"), p.with_name(f"{name}.truth.csv.gz")


# -- rep labels ---------------------------------------------------------------------------------
#: Rate of the time grid the labels are measured on, Hz.
GRID_HZ = 200.0
#: Length of the still phase before a retraction's onset that its displacement starts from, s.
BEFORE_S = 0.25


def _grid(t0: float, t1: float) -> np.ndarray:
    """Times from ``t0`` to ``t1`` (s) at :data:`GRID_HZ`, ends included."""
    return np.linspace(t0, t1, max(round((t1 - t0) * GRID_HZ) + 1, 2))


def _angles_deg(motion: HeadMotion, t: np.ndarray) -> np.ndarray:
    """Head angles (flexion, lateral, rotation; neckimu.angles convention), deg, (N, 3)."""
    return angles_from_rotation(motion.rotation(t))


def _direction(d_ang: np.ndarray) -> str:
    """Name of the largest component of an angle change ``flex, lat, rot``."""
    k = int(np.argmax(np.abs(d_ang)))
    if k == 0:
        return "flexion" if d_ang[0] > 0 else "extension"
    if k == 1:
        return "right" if d_ang[1] > 0 else "left"
    return "rotation"


def hold_truth(rep: RepPlan, motion: HeadMotion, crit: HoldCriteria = HOLD_RULE) -> dict[str, Any]:
    """Label of one hold: the largest rotation of the head from its orientation at the start
    cue, between the cues; ``moved`` beyond ``crit.tolerance_deg``."""
    t = _grid(rep.start_s, rep.end_s)
    rot = motion.rotation(t)
    dev = np.degrees((rot[0].inv() * rot).magnitude())
    k = int(np.argmax(dev))
    ang = angles_from_rotation(rot[[0, k]])
    moved = bool(dev[k] > crit.tolerance_deg)
    over = np.flatnonzero(dev > crit.tolerance_deg)
    return {
        "faults": ["moved"] if moved else [],
        "max_deviation_deg": float(dev[k]),
        "direction": _direction(ang[1] - ang[0]),
        "detail": {
            "tolerance_deg": crit.tolerance_deg,
            "first_exceeded_s": float(t[over[0]] - t[0]) if len(over) else None,
            "commanded": dict(rep.targets),
            "near_threshold": rep.near,
        },
    }


def retraction_truth(
    rep: RepPlan, motion: HeadMotion, crit: RetractionCriteria = RETRACTION_RULE
) -> dict[str, Any]:
    """Label of one retraction rep from the head's motion.

    Displacement and angle changes: mean over the kept position minus mean over the
    :data:`BEFORE_S` before the onset; faults: ``classify`` of those values.
    """
    g0, k0, k1 = (rep.phases[k] for k in ("glide_start_s", "kept_start_s", "kept_end_s"))
    tb, tk = _grid(g0 - BEFORE_S, g0), _grid(k0, k1)
    dp = (motion.head_centre(tk).mean(0) - motion.head_centre(tb).mean(0)) * 1e3
    da = _angles_deg(motion, tk).mean(0) - _angles_deg(motion, tb).mean(0)
    post, sup = float(-dp[0]), float(dp[2])
    faults = list(classify(post, sup, da, crit))
    return {
        "faults": faults,
        "displacement_mm": {"posterior": post, "superior": sup, "lateral": float(dp[1])},
        "path_angle_deg": float(np.degrees(np.arctan2(sup, post))),
        "flexion_change_deg": float(da[0]),
        "lateral_change_deg": float(da[1]),
        "rotation_change_deg": float(da[2]),
        "detail": {"commanded": dict(rep.targets), "near_threshold": rep.near},
    }


def stretch_angle_deg(motion: HeadMotion, exercise: str, t: np.ndarray) -> np.ndarray:
    """θ: lateral flexion relative to the head's orientation at ``t[0]`` (z-y-x angles), signed
    so the side ``exercise`` names is positive, deg, shape (N,)."""
    rot = motion.rotation(t)
    roll = np.degrees((rot[0].inv() * rot).as_euler("ZYX")[:, 2])
    return -roll if exercise == "stretch_left" else roll


def stretch_truth(
    rep: RepPlan, motion: HeadMotion, clock: float = 1.0, crit: StretchCriteria = STRETCH_RULE
) -> dict[str, Any]:
    """Label of one stretch from the head's motion.

    ``reached_deg``: median θ over the plateau (end of the move in .. start of the return);
    ``held_s``: time between the cues with |θ − reached| <= min(band, |reached| / 2);
    faults: ``classify_stretch`` with the plateau's ``unsteadiness_deg``. ``clock`` converts
    physical seconds to recording seconds.
    """
    t = _grid(rep.start_s, rep.end_s)
    theta = stretch_angle_deg(motion, rep.exercise, t)
    p0, p1 = rep.phases["plateau_start_s"], rep.phases["plateau_end_s"]
    plateau = (t >= p0) & (t <= p1)
    reached = float(np.median(theta[plateau]))
    band = min(crit.band_deg, abs(reached) / 2.0)
    dt = (t[-1] - t[0]) / (len(t) - 1) * clock
    held = float(np.count_nonzero(np.abs(theta - reached) <= band) * dt)
    unsteady = unsteadiness_deg(theta[plateau])
    target = float(rep.targets.get("target_s", crit.target_s))
    ang = _angles_deg(motion, t[plateau])
    return {
        "faults": list(classify_stretch(reached, held, unsteady, target, crit)),
        "reached_deg": reached,
        "held_s": held,
        "detail": {
            "unsteadiness_deg": unsteady,
            "band_deg": band,
            "target_s": target,
            "max_abs_flexion_deg": float(np.abs(ang[:, 0]).max()),
            "max_abs_rotation_deg": float(np.abs(ang[:, 2]).max()),
            "commanded": dict(rep.targets),
            "near_threshold": rep.near,
        },
    }


def rom_truth(
    rep: RepPlan, motion: HeadMotion, min_deg: float = RomCriteria.min_deg
) -> dict[str, Any]:
    """Range of motion of one ``rom`` window: per direction the largest angle of the head
    relative to the trunk (true neutral) between the cues (``rom_from_angles``); a direction
    below ``min_deg`` is None and fails (``not_measured``), as in the verifier."""
    rom = rom_from_angles(_angles_deg(motion, _grid(rep.start_s, rep.end_s)), min_deg)
    return {
        "faults": ["not_measured"] if any(v is None for v in rom.values()) else [],
        "rom_deg": rom,
        "detail": {"commanded": dict(rep.targets), "min_deg": min_deg},
    }


_PHASE_KEYS = ("glide_start_s", "kept_start_s", "kept_end_s", "return_end_s")


def rep_truth(
    plan: Plan, motion: HeadMotion, to_rec: Callable[[float], float]
) -> list[dict[str, Any]]:
    """One truth entry per planned rep; ``to_rec`` maps physical to recording time (s).

    Every label is measured from ``motion`` (the head as it moved, sway included) with the
    pass rules of ``neckimu.verify``; the injected mistake is kept as ``injected``.
    """
    clock = to_rec(1.0) - to_rec(0.0)
    out = []
    for rep in plan.reps:
        entry: dict[str, Any] = {
            "exercise": rep.exercise,
            "rep": rep.index,
            "index": rep.index,
            "start_s": round(float(to_rec(rep.start_s)), 6),
            "end_s": round(float(to_rec(rep.end_s)), 6),
            "verdict": "pass",
            "faults": [],
            "injected": rep.fault,
            "max_deviation_deg": None,
            "direction": None,
            "displacement_mm": None,
            "path_angle_deg": None,
            "flexion_change_deg": None,
            "lateral_change_deg": None,
            "rotation_change_deg": None,
            "glide_start_s": None,
            "kept_start_s": None,
            "kept_end_s": None,
            "return_end_s": None,
            "reached_deg": None,
            "held_s": None,
            "detail": None,
        }
        if rep.exercise.startswith("hold_"):
            entry.update(hold_truth(rep, motion))
        elif rep.exercise == "retraction":
            entry.update(retraction_truth(rep, motion))
            entry.update({k: round(float(to_rec(rep.phases[k])), 6) for k in _PHASE_KEYS})
        elif rep.exercise.startswith("stretch_"):
            entry.update(stretch_truth(rep, motion, clock))
        elif rep.exercise == "rom":
            entry.update(rom_truth(rep, motion))
        if isinstance(entry["detail"], dict):
            entry["detail"]["phases_s"] = {
                k: round(float(to_rec(v)), 6) for k, v in rep.phases.items()
            }
        entry["verdict"] = "fail" if entry["faults"] else "pass"
        out.append(entry)
    return out


# -- files --------------------------------------------------------------------------------------
def write_truth(recording: str | Path, truth: dict[str, Any], samples: TruthSamples) -> None:
    """Write ``truth`` (JSON) and ``samples`` (gzip CSV, deterministic bytes) beside it."""
    jpath, cpath = truth_paths(recording)
    jpath.write_text(json.dumps(truth, indent=1, allow_nan=False) + "\n", encoding="utf-8")
    cols = TRUTH_COLUMNS + (TRUNK_TRUTH_COLUMNS if samples.trunk_quat is not None else ())
    text = ",".join(cols) + "\n" + format_rows(samples.table())
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
    out = TruthSamples(a[:, 0], a[:, 1:5], a[:, 5:8], a[:, 8:12], a[:, 12:15])
    if all(c in df.columns for c in TRUNK_TRUTH_COLUMNS):
        b = df[list(TRUNK_TRUTH_COLUMNS)].to_numpy()
        out.trunk_quat, out.trunk_pos = b[:, :4], b[:, 4:]
    return truth, out
