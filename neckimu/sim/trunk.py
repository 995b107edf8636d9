"""The trunk of the seated person and a second board on it (issue 15).

Frames: W is the earth-fixed level frame of the trunk in its neutral sitting pose (origin at
the neutral head centre, x forward, y left, z up; ``R_EW`` is the trunk heading about z), T
the trunk (thorax) frame, which coincides with W at neutral and leans with the trunk. The head
moves in T exactly as without a trunk (``neckimu.sim.motion.HeadMotion``), so the neck
angles and the head-centre position in the trunk frame are the same truth as before.

The trunk moves by three script channels (``trunk_flex``, ``trunk_lat``, ``slouch``) plus the
person's own trunk motion:

* **lean about the hips**: ``R_lean = Ry(trunk_flex) · Rx(trunk_lat)`` about the hip point,
  ``hip_to_head_m`` (0.55–0.70 m: seated hip joint to ear line, adults) below the neutral
  head centre; + forward, + toward the right;
* **slouch**: the thorax flexes forward about a mid-back pivot ``slouch_pivot_m`` (0.22–0.32 m)
  above the hips (a sitter's lumbar and lower thoracic spine round, the upper trunk tips
  forward and down);
* **breathing at the sternum**: each breath (12–18 /min) lifts the upper thorax 1–2.5 mm and
  extends it 0.15–0.4 deg (the sternum rises and the upper back straightens a little);
* **sway**: slow lean of 0.1–0.3 deg per axis at 0.05–0.25 Hz.

``p_T^W(t) = hip + R_lean (pivot + R_slouch (r_head − pivot)) + lift``, ``R_WT = R_lean R_slouch
R_breath``. The trunk board sits at ``sensor_pos_m`` (trunk frame, from the neutral head centre)
with the preset's rotation plus a random extra mounting rotation; it feels what the head board
feels, computed the same way (central differences of the analytic pose).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.spatial.transform import Rotation

from neckimu.samples import G, Gap, SampleBlock
from neckimu.sim.kinematics import FD_STEP_S, Body, Kinematics
from neckimu.sim.motion import SLOUCH, TRUNK_FLEX, TRUNK_LAT, HeadMotion

_DEG = np.pi / 180.0


@dataclass(frozen=True)
class TrunkBody:
    """This person's trunk and how the second board sits on it (SI units).

    Attributes
    ----------
    hip_to_head_m : float
        Hip joint (lean pivot) to the neutral head centre, vertical, m.
    slouch_pivot_m : float
        Height of the slouch pivot above the hips, m.
    sensor_to_trunk : Rotation
        The TRUE board -> trunk rotation (preset plus the extra mounting rotation).
    sensor_pos_m : ndarray, shape (3,)
        The trunk board's position from the neutral head centre, trunk frame, m.
    breath_hz, breath_mm, breath_deg, breath_phase : float
        Breathing rate, sternum lift (peak), thoracic extension (peak), phase.
    sway : list of tuple
        Per axis (flex, lat): frequencies (Hz), amplitudes (rad), phases of the trunk sway.
    """

    hip_to_head_m: float
    slouch_pivot_m: float
    sensor_to_trunk: Rotation
    sensor_pos_m: np.ndarray
    breath_hz: float
    breath_mm: float
    breath_deg: float
    breath_phase: float
    sway: list[tuple[np.ndarray, np.ndarray, np.ndarray]]

    @classmethod
    def draw(
        cls,
        rng: np.random.Generator,
        sensor_to_trunk: Rotation,
        lever_arm_m: np.ndarray,
        mount_rotation_max_deg: float = 8.0,
        lever_arm_sd_m: float = 0.01,
        person: bool = True,
    ) -> TrunkBody:
        """A person's trunk and the board's placement on it (preset plus random error)."""
        axis = rng.normal(size=3)
        extra = Rotation.from_rotvec(
            axis / np.linalg.norm(axis) * rng.uniform(0.0, mount_rotation_max_deg) * _DEG
        )
        sway = []
        for _ in range(2):
            f = rng.uniform(0.05, 0.25, 3)
            w = rng.uniform(0.5, 1.0, 3)
            sway.append(
                (f, rng.uniform(0.1, 0.3) * _DEG * w / w.sum(), rng.uniform(0.0, 2.0 * np.pi, 3))
            )
        body = cls(
            hip_to_head_m=float(rng.uniform(0.55, 0.70)),
            slouch_pivot_m=float(rng.uniform(0.22, 0.32)),
            sensor_to_trunk=sensor_to_trunk * extra,
            sensor_pos_m=np.asarray(lever_arm_m, float) + rng.normal(0.0, lever_arm_sd_m, 3),
            breath_hz=float(rng.uniform(12.0, 18.0) / 60.0),
            breath_mm=float(rng.uniform(1.0, 2.5)),
            breath_deg=float(rng.uniform(0.15, 0.4)),
            breath_phase=float(rng.uniform(0.0, 2.0 * np.pi)),
            sway=sway,
        )
        if not person:
            body = cls(
                body.hip_to_head_m,
                body.slouch_pivot_m,
                body.sensor_to_trunk,
                body.sensor_pos_m,
                body.breath_hz,
                0.0,
                0.0,
                0.0,
                [(f, a * 0.0, p) for f, a, p in sway],
            )
        return body


def _sines(t: np.ndarray, comp: tuple[np.ndarray, np.ndarray, np.ndarray]) -> np.ndarray:
    f, a, ph = comp
    return np.sin(2.0 * np.pi * np.outer(t, f) + ph) @ a


class TrunkMotion:
    """Trunk pose in W from the script's trunk channels and the person's breathing and sway.

    Parameters
    ----------
    motion : HeadMotion
        Carries the keyframes and steps (the trunk channels are read from them).
    body : TrunkBody
    """

    def __init__(self, motion: HeadMotion, body: TrunkBody) -> None:
        self.motion = motion
        self.body = body

    def angles(self, t: np.ndarray) -> np.ndarray:
        """Lean forward, lean right, slouch and breathing extension, rad, shape (N, 4)."""
        t = np.asarray(t, dtype=np.float64)
        ch = self.motion.channels(t)
        b = self.body
        flex = ch[:, TRUNK_FLEX] + _sines(t, b.sway[0])
        lat = ch[:, TRUNK_LAT] + _sines(t, b.sway[1])
        breath = np.sin(2.0 * np.pi * b.breath_hz * t + b.breath_phase)
        return np.column_stack([flex, lat, ch[:, SLOUCH], -b.breath_deg * _DEG * breath])

    def pose(self, t: np.ndarray) -> tuple[Rotation, np.ndarray]:
        """``R_WT`` (trunk -> W) and the trunk origin in W (m, shape (N, 3)) at times ``t``."""
        t = np.asarray(t, dtype=np.float64)
        a = self.angles(t)
        b = self.body
        lean = Rotation.from_euler("YX", a[:, :2])
        slouch = Rotation.from_euler("Y", a[:, 2:3])
        breath = Rotation.from_euler("Y", a[:, 3:4])
        hip = np.array([0.0, 0.0, -b.hip_to_head_m])
        pivot = np.array([0.0, 0.0, b.slouch_pivot_m])
        r_head = -hip
        pos = hip + lean.apply(pivot + slouch.apply(r_head - pivot))
        lift = (
            b.breath_mm
            * 1e-3
            * 0.5
            * (1.0 + np.sin(2.0 * np.pi * b.breath_hz * t + b.breath_phase))
        )
        pos = pos + lean.apply(np.column_stack([np.zeros_like(t), np.zeros_like(t), lift]))
        return lean * slouch * breath, pos

    def inclination_deg(self, t: np.ndarray) -> np.ndarray:
        """Trunk inclination: forward lean of the thorax from upright (+ forward), deg, (N,).

        The pitch of ``R_WT`` (its y-x-z Cardan angle about y)."""
        rot, _ = self.pose(t)
        return np.degrees(rot.as_euler("YXZ")[:, 0])


def evaluate_two(
    motion: HeadMotion,
    trunk: TrunkMotion,
    body: Body,
    t_head: np.ndarray,
    t_trunk: np.ndarray,
    step_s: float = FD_STEP_S,
) -> tuple[Kinematics, Kinematics]:
    """What the head board and the trunk board feel, at their own physical times.

    Returns
    -------
    head : Kinematics
        As :func:`neckimu.sim.kinematics.evaluate` (``head_rot`` = ``R_TH``, ``head_pos`` in
        the trunk frame), with the trunk's motion in the sensor signals.
    trunk : Kinematics
        ``head_rot`` = ``R_WT`` (trunk -> W), ``head_pos`` = the trunk origin in W, and the
        trunk board's signals.
    """
    r_ew = body.trunk_to_earth
    g = np.array([0.0, 0.0, G])

    def kinematics(
        t: np.ndarray, rot3: Rotation, pos3: np.ndarray, body_rot: Rotation, body_pos: np.ndarray
    ) -> Kinematics:
        """A board's ideal signals from its pose at ``t - step``, ``t``, ``t + step``."""
        n = len(t)
        pm, p0, pp = pos3[:n], pos3[n : 2 * n], pos3[2 * n :]
        acc_e = (pp - 2.0 * p0 + pm) / step_s**2
        vel_e = (pp - pm) / (2.0 * step_s)
        rm, r_es, rp = rot3[:n], rot3[n : 2 * n], rot3[2 * n :]
        w = (rm.inv() * rp).as_rotvec() / (2.0 * step_s)  # body rate of the sensor
        return Kinematics(
            t=t,
            head_rot=body_rot[n : 2 * n],
            head_pos=body_pos[n : 2 * n],
            sensor_rot=r_es,
            sensor_pos=p0,
            sensor_vel=vel_e,
            gyr=w,
            acc=r_es.inv().apply(acc_e + g),
            mag=r_es.inv().apply(body.field_ut),
        )

    # head board
    t = np.asarray(t_head, dtype=np.float64)
    t3 = np.concatenate([t - step_s, t, t + step_s])
    r_th, p_h = motion.pose(t3)
    r_wt, p_t = trunk.pose(t3)
    r_es3 = r_ew * r_wt * r_th * body.sensor_to_head
    p_s = r_ew.apply(p_t + r_wt.apply(p_h + r_th.apply(body.lever_arm_m)))
    head = kinematics(t, r_es3, p_s, r_th, p_h)
    # trunk board
    t = np.asarray(t_trunk, dtype=np.float64)
    t3 = np.concatenate([t - step_s, t, t + step_s])
    r_wt, p_t = trunk.pose(t3)
    b = trunk.body
    r_es3 = r_ew * r_wt * b.sensor_to_trunk
    p_s = r_ew.apply(p_t + r_wt.apply(b.sensor_pos_m))
    tk = kinematics(t, r_es3, p_s, r_wt, p_t)
    return head, tk


@dataclass
class TrunkBoard:
    """The trunk board of a two-sensor session.

    Attributes
    ----------
    device : DeviceStream
        Its raw counts on its own device clock (what the simulated headset plays).
    samples : SampleBlock
        Its samples on the recording's (head's) time base, s.
    gaps : list of Gap
        Its dropped samples, recording time base.
    meta : dict
        Its ``trunk`` header metadata (format v2).
    kinematics : Kinematics
        Ideal signals at its delivered samples (``head_rot`` = ``R_WT``).
    body : TrunkBody
    motion : TrunkMotion
    errors : SensorErrors
    alignment_offset_s : float
        Error of placing its samples on the head's clock (recording minus true time), s.
    """

    device: Any
    samples: SampleBlock
    gaps: list[Gap]
    meta: dict[str, Any]
    kinematics: Kinematics
    body: TrunkBody
    motion: TrunkMotion
    errors: Any
    alignment_offset_s: float


def trunk_rep_truth(
    entry: dict[str, Any], rep: Any, motion: HeadMotion, trunk: TrunkMotion, crit: Any = None
) -> None:
    """Add the trunk's part to one rep's truth (in place).

    Retraction: ``trunk_posterior_mm`` = how far the trunk carried the head back (the head
    centre's rest position, fixed to the trunk, from the 0.25 s before the onset to the kept
    position, in the rest's trunk frame, + backward); ``trunk_lean`` leads the faults beyond
    ``TrunkCriteria.trunk_glide_mm``. Hold: ``trunk_deviation_deg`` = the trunk's largest
    rotation from its orientation at the start cue.
    """
    from neckimu.sim.truth import BEFORE_S, _grid
    from neckimu.verify.trunk_lean import TrunkCriteria, trunk_lean_check

    crit = crit or TrunkCriteria()
    if rep.exercise == "retraction":
        g0, k0, k1 = (rep.phases[k] for k in ("glide_start_s", "kept_start_s", "kept_end_s"))
        tb, tk = _grid(g0 - BEFORE_S, g0), _grid(k0, k1)
        q = motion.head_centre(tb).mean(0)
        rb, pb = trunk.pose(tb)
        rk, pk = trunk.pose(tk)
        d = (pk + rk.apply(q)).mean(0) - (pb + rb.apply(q)).mean(0)
        d = rb.mean().inv().apply(d) * 1e3
        entry["trunk_posterior_mm"] = float(-d[0])
        entry["trunk_superior_mm"] = float(d[2])
        if trunk_lean_check(-float(d[0]), crit):
            entry["faults"] = ["trunk_lean"] + [f for f in entry["faults"] if f != "trunk_lean"]
    elif rep.exercise.startswith("hold_"):
        t = _grid(rep.start_s, rep.end_s)
        r, _ = trunk.pose(t)
        entry["trunk_deviation_deg"] = float(np.degrees((r[0].inv() * r).magnitude()).max())
    entry["verdict"] = "fail" if entry["faults"] else "pass"


def simulate_trunk_board(
    cfg: Any,
    sim: tuple,
    rng: np.random.Generator,
    body: Body,
    motion: HeadMotion,
    plan: Any,
    truth: dict[str, Any],
    truth_samples: Any,
    to_rec: Any,
    head_boot_us: int,
    head_t0_us: int,
    head_clock: float,
) -> TrunkBoard:
    """The trunk board's counts, its samples on the head's time base, and the trunk truth
    (``truth['trunk']``, per-rep trunk fields, per-sample trunk pose), for
    :func:`neckimu.sim.session.simulate_session`."""
    from neckimu.sim import sensors
    from neckimu.sim.device import dropped_gaps

    tmount, tbody, tmotion, spec, rate, err, t_all, keep, t, kin = sim
    bias = sensors.gyro_bias_path(rng, err, t)
    imu = sensors.measure_imu(rng, spec, err, rate, kin.gyr, kin.acc, bias, noise=cfg.sensor_noise)
    jitter = cfg.jitter_us if cfg.timing_errors else 0.0
    boot_us = int(rng.integers(1_000_000, 30_000_000))
    t_us = sensors.device_clock(rng, t, boot_us, err.clock_ppm, jitter)
    if cfg.magnetometer:
        tm = sensors.regular_times(rng, motion.duration_s, err.mag_rate_hz)
        r_wt, _ = tmotion.pose(tm)
        field_s = (body.trunk_to_earth * r_wt * tbody.sensor_to_trunk).inv().apply(body.field_ut)
        mag = sensors.measure_mag(rng, spec, err, field_s, noise=cfg.sensor_noise)
        mag_t_us = sensors.device_clock(rng, tm, boot_us, err.clock_ppm, jitter)
    else:
        mag, mag_t_us = np.zeros((0, 3), np.int16), np.zeros(0, np.int64)
    seq = np.flatnonzero(keep).astype(np.int64)
    device = sensors.device_stream(
        spec,
        rate,
        t_us,
        seq,
        imu,
        mag_t_us,
        mag,
        {
            "seed": cfg.seed,
            "mount": cfg.trunk_mount,
            "role": "trunk",
        },
    )
    # on the head's clock: device time -> physical time -> the head's recording time, plus
    # the error of the two clock maps (a constant offset, docs/recording-format.md)
    offset = float(rng.normal(0.0, cfg.trunk_alignment_sd_ms * 1e-3)) if cfg.timing_errors else 0.0
    phys = (t_us - boot_us) * 1e-6 / (1.0 + err.clock_ppm * 1e-6)
    t_rec = (head_boot_us + phys * head_clock * 1e6 - head_t0_us) * 1e-6 + offset
    block = device.to_samples()
    samples = SampleBlock(np.round(t_rec, 6), block.gyr, block.acc, block.mag)
    gaps = dropped_gaps(samples.t, seq)
    extra_deg = float(np.degrees((tmount.sensor_to_head.inv() * tbody.sensor_to_trunk).magnitude()))
    meta = {
        "device": {
            "name": "neckimu-sim-trunk",
            "board": cfg.trunk_board or cfg.board,
            "sensor": spec.name,
            "role": "trunk",
        },
        "firmware": "sim",
        **sensors.board_meta(spec, rate, cfg.magnetometer),
        "mount": cfg.trunk_mount,
        "has_mag": bool(cfg.magnetometer),
    }
    # truth
    truth["trunk"] = {
        "mount": cfg.trunk_mount,
        "board": cfg.trunk_board or cfg.board,
        "sensor": spec.name,
        "hip_to_head_m": tbody.hip_to_head_m,
        "slouch_pivot_m": tbody.slouch_pivot_m,
        "sensor_pos_m": [float(v) for v in tbody.sensor_pos_m],
        "sensor_to_trunk_quat_wxyz": [
            float(v) for v in tbody.sensor_to_trunk.as_quat(scalar_first=True)
        ],
        "mount_rotation_extra_deg": extra_deg,
        "gyro_bias_rad_s": [float(v) for v in err.gyro_bias],
        "acc_bias_m_s2": [float(v) for v in err.acc_bias],
        "clock_ppm": err.clock_ppm,
        "alignment_offset_s": offset,
        "dropped_samples": int(len(t_all) - len(t)),
        "n_samples": len(t),
        "breath_hz": tbody.breath_hz,
    }
    for entry, rep in zip(truth["reps"], plan.reps, strict=True):
        trunk_rep_truth(entry, rep, motion, tmotion)
    # per head sample (physical time of the head's samples: from the head truth's own times)
    return TrunkBoard(
        device=device,
        samples=samples,
        gaps=gaps,
        meta=meta,
        kinematics=kin,
        body=tbody,
        motion=tmotion,
        errors=err,
        alignment_offset_s=offset,
    )
