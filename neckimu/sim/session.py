"""Simulate one guided session: the public entry point of ``neckimu.sim``.

>>> from neckimu.sim import SessionConfig, simulate_session
>>> s = simulate_session(SessionConfig(seed=3, mount="forehead", faults=("moved",)))
>>> s.write("rec.csv")        # rec.csv + rec.truth.json + rec.truth.csv.gz + rec.events.csv

Every random choice comes from ``seed`` through independent streams (person, script, body,
board, timing, noise, magnetometer), so a session is reproducible and changing one part (say,
the noise switch) leaves the others as they were.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.spatial.transform import Rotation

from neckimu.mounts import get_mount, get_trunk_mount
from neckimu.recording.events import Event
from neckimu.sim import sensors
from neckimu.sim.config import SCRIPTS, SessionConfig
from neckimu.sim.device import dropped_gaps
from neckimu.sim.kinematics import Body, earth_field, evaluate, sensor_orientation
from neckimu.sim.motion import HeadMotion
from neckimu.sim.person import Person
from neckimu.sim.script import (
    Plan,
    ScriptConfig,
    build_guided,
    build_posture,
    build_rest,
    build_rom,
    build_stretch,
)
from neckimu.sim.simulated_session import SimulatedSession, events_path, write_events_csv
from neckimu.sim.trunk_leans import _with_trunk_leans
from neckimu.sim.truth import TruthSamples, rep_truth

__all__ = [
    "SCRIPTS",
    "SessionConfig",
    "SimulatedSession",
    "events_path",
    "simulate_session",
    "write_events_csv",
]


def _script(cfg: SessionConfig, rng: np.random.Generator) -> Plan:
    """The script's plan. It never sees the person: nothing is corrected for their sway."""
    if cfg.script == "rest":
        return build_rest(cfg.rest_duration_s)
    if cfg.script == "posture":
        slouch = cfg.slouch_share if cfg.trunk and "slouch" in cfg.faults else 0.0
        return build_posture(cfg.rest_duration_s, rng, slouch)
    sc = ScriptConfig(
        initial_rest_s=cfg.initial_rest_s,
        final_rest_s=cfg.final_rest_s,
        hold_reps=cfg.hold_reps,
        hold_s=tuple(cfg.hold_s),
        retraction_reps=cfg.retraction_reps,
        stretch=cfg.stretch,
        stretch_hold_s=cfg.stretch_hold_s,
        stretch_reps=cfg.stretch_reps,
        faults=tuple(cfg.faults),
        fault_rate=cfg.fault_rate,
        near_share=cfg.near_share,
        combined_share=cfg.combined_share,
        fidgets=cfg.fidgets,
        ranges=cfg.ranges,
        rom_directions=tuple(cfg.rom_directions),
        rom_reps=cfg.rom_reps,
        rom_lead_s=cfg.rom_lead_s,
        rom_move_s=cfg.rom_move_s,
    )
    build = {"stretch": build_stretch, "rom": build_rom}.get(cfg.script, build_guided)
    return build(sc, rng)


def simulate_session(
    config: SessionConfig | None = None, plan: Plan | None = None
) -> SimulatedSession:
    """Simulate a person doing a session with the headset on.

    Parameters
    ----------
    config : SessionConfig, optional
        Defaults to ``SessionConfig()``.
    plan : Plan, optional
        What the person does, instead of the script ``config`` names (hand-built cases:
        :func:`neckimu.sim.script.build_scripted_retractions`).

    Returns
    -------
    SimulatedSession

    Raises
    ------
    ValueError
        For a bad configuration (unknown mount, board, rate or fault).
    """
    cfg = config or SessionConfig()
    cfg.check()
    streams = np.random.SeedSequence(cfg.seed).spawn(8)  # the first 7: as before the trunk
    r_person, r_script, r_body, r_err, r_time, r_noise, r_mag, r_trunk = (
        np.random.default_rng(s) for s in streams
    )
    spec = sensors.SPECS[cfg.board]
    rate = float(cfg.rate_hz or spec.rates_hz[0])

    person = Person(r_person) if cfg.person else None
    plan = plan if plan is not None else _script(cfg, r_script)
    steps = plan.steps
    if cfg.trunk and cfg.trunk_leans:
        steps = _with_trunk_leans(plan, r_trunk, cfg.trunk_lean_max_deg)
    motion = HeadMotion(plan.keyframes, person, steps)

    mount = get_mount(cfg.mount)
    axis = r_body.normal(size=3)
    extra_deg = float(r_body.uniform(0.0, cfg.mount_rotation_max_deg))
    extra = Rotation.from_rotvec(axis / np.linalg.norm(axis) * np.radians(extra_deg))
    head_scale = float(r_body.uniform(*cfg.head_scale))
    body = Body(
        trunk_heading_rad=float(r_body.uniform(0.0, 2.0 * np.pi)),
        sensor_to_head=mount.sensor_to_head * extra,
        lever_arm_m=mount.lever_arm_m * head_scale + r_body.normal(0.0, cfg.lever_arm_sd_m, 3),
        field_ut=earth_field(r_body.uniform(45.0, 55.0), r_body.uniform(60.0, 70.0)),
    )
    err = sensors.SensorErrors.draw(
        r_err,
        spec,
        rate,
        errors=cfg.sensor_errors,
        drift=cfg.bias_drift,
        timing=cfg.timing_errors,
        noise_scale=cfg.noise_scale,
    )

    # IMU samples on the sensor's own oscillator; some never arrive
    duration = motion.duration_s
    t_all = sensors.regular_times(r_time, duration, err.real_rate_hz)
    if cfg.timing_errors:
        keep = sensors.drop_mask(
            r_time, len(t_all), err.real_rate_hz, cfg.drop_prob, cfg.drop_bursts_per_min
        )
    else:
        keep = np.ones(len(t_all), bool)
    seq = np.flatnonzero(keep).astype(np.int64)
    t = t_all[keep]
    trunk_sim = None
    if cfg.trunk:
        from neckimu.sim.trunk import TrunkBody, TrunkMotion, evaluate_two

        tmount = get_trunk_mount(cfg.trunk_mount)
        tbody = TrunkBody.draw(
            r_trunk, tmount.sensor_to_head, tmount.lever_arm_m, person=cfg.person
        )
        tmotion = TrunkMotion(motion, tbody)
        tspec = sensors.SPECS[cfg.trunk_board or cfg.board]
        trate = float(
            cfg.rate_hz if cfg.rate_hz and cfg.rate_hz in tspec.rates_hz else tspec.rates_hz[0]
        )
        terr = sensors.SensorErrors.draw(
            r_trunk,
            tspec,
            trate,
            errors=cfg.sensor_errors,
            drift=cfg.bias_drift,
            timing=cfg.timing_errors,
            noise_scale=cfg.noise_scale,
        )
        tt_all = sensors.regular_times(r_trunk, motion.duration_s, terr.real_rate_hz)
        tkeep = (
            sensors.drop_mask(
                r_trunk, len(tt_all), terr.real_rate_hz, cfg.drop_prob, cfg.drop_bursts_per_min
            )
            if cfg.timing_errors
            else np.ones(len(tt_all), bool)
        )
        tt = tt_all[tkeep]
        kin, tkin = evaluate_two(motion, tmotion, body, t, tt)
        trunk_sim = (tmount, tbody, tmotion, tspec, trate, terr, tt_all, tkeep, tt, tkin)
    else:
        kin = evaluate(motion, body, t)
    bias = sensors.gyro_bias_path(r_noise, err, t)
    imu = sensors.measure_imu(
        r_noise, spec, err, rate, kin.gyr, kin.acc, bias, noise=cfg.sensor_noise
    )
    jitter = cfg.jitter_us if cfg.timing_errors else 0.0
    boot_us = int(r_time.integers(1_000_000, 30_000_000))
    t_us = sensors.device_clock(r_time, t, boot_us, err.clock_ppm, jitter)

    if cfg.magnetometer:
        tm = sensors.regular_times(r_mag, duration, err.mag_rate_hz)
        if trunk_sim is not None:
            r_wt, _ = trunk_sim[2].pose(tm)
            r_es = body.trunk_to_earth * r_wt * motion.rotation(tm) * body.sensor_to_head
            field_s = r_es.inv().apply(body.field_ut)
        else:
            field_s = sensor_orientation(motion, body, tm).inv().apply(body.field_ut)
        mag = sensors.measure_mag(r_mag, spec, err, field_s, noise=cfg.sensor_noise)
        mag_t_us = sensors.device_clock(r_mag, tm, boot_us, err.clock_ppm, jitter)
    else:
        mag, mag_t_us = np.zeros((0, 3), np.int16), np.zeros(0, np.int64)

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
            "mount": cfg.mount,
        },
    )
    samples = device.to_samples()
    t0_us = int(t_us[0])
    clock = 1.0 + err.clock_ppm * 1e-6

    def to_rec(t_phys: float) -> float:
        return (boot_us + t_phys * clock * 1e6 - t0_us) * 1e-6

    events = [Event(round(to_rec(te), 6), kind, ex) for te, kind, ex in plan.events]
    gaps = dropped_gaps(samples.t, seq)

    sensor_to_head = body.sensor_to_head.as_quat(scalar_first=True)
    truth: dict[str, Any] = {
        "seed": cfg.seed,
        "session_kind": cfg.script,
        "mount": cfg.mount,
        "mount_preset": cfg.mount,
        "sensor": spec.name,
        "board": cfg.board,
        "nominal_rate_hz": rate,
        "sample_rate_hz": rate,
        "actual_rate_hz": err.real_rate_hz / clock,
        "mount_rotation_extra_deg": extra_deg,
        "mounting_misalignment_deg": extra_deg,
        "sensor_to_head_quat_wxyz": [float(v) for v in sensor_to_head],
        "head_scale": head_scale,
        "lever_arm_m": [float(v) for v in body.lever_arm_m],
        "gyro_bias_rad_s": [float(v) for v in err.gyro_bias],
        "acc_bias_m_s2": [float(v) for v in err.acc_bias],
        "noise_scale": err.noise_scale,
        "trunk_heading_deg": float(np.degrees(body.trunk_heading_rad)),
        "clock_ppm": err.clock_ppm,
        "dropped_samples": int(len(t_all) - len(t)),
        "n_samples": len(samples.t),
        "duration_s": float(samples.t[-1]),
        "person": None if person is None else {"rest_acc_m_s2": person.rest_acc_m_s2},
        "faults_requested": list(cfg.faults),
        "fault_rate": cfg.fault_rate,
        "near_share": cfg.near_share,
        "events": [{"time_s": e.time_s, "event": e.event, "exercise": e.exercise} for e in events],
        "fidgets": [
            {
                "start_s": round(to_rec(f["start_s"]), 6),
                "end_s": round(to_rec(f["end_s"]), 6),
                "angle_deg": f["angle_deg"],
                "glide_mm": f["glide_mm"],
            }
            for f in plan.fidgets
        ],
        "reps": rep_truth(plan, motion, to_rec),
    }
    rom = [r["rom_deg"] for r in truth["reps"] if r["exercise"] == "rom"]
    if rom:  # the range of motion of the session: its (last) rom window
        truth["rom_deg"] = rom[-1]
    truth_samples = TruthSamples(
        t=samples.t,
        head_quat=kin.head_rot.as_quat(scalar_first=True),
        head_pos=kin.head_pos,
        sensor_quat=kin.sensor_rot.as_quat(scalar_first=True),
        gyro_bias=bias,
    )
    meta = {
        "source": "simulate",
        "device": {"name": "neckimu-sim", "board": cfg.board, "sensor": spec.name},
        "firmware": "sim",
        **sensors.board_meta(spec, rate, cfg.magnetometer),
        "mount": cfg.mount,
        "seed": cfg.seed,
    }
    stretches = sorted({r.exercise for r in plan.reps if r.exercise.startswith("stretch_")})
    if stretches:  # the prescribed hold, as the guided routine writes it
        meta["stretch_hold_s"] = {name: cfg.stretch_hold_s for name in stretches}
    trunk_out = None
    if trunk_sim is not None:
        from neckimu.sim.trunk import simulate_trunk_board

        trunk_out = simulate_trunk_board(
            cfg,
            trunk_sim,
            r_trunk,
            body,
            motion,
            plan,
            truth,
            truth_samples,
            to_rec,
            boot_us,
            t0_us,
            clock,
        )
        r_wt, p_t = trunk_out.motion.pose(t)
        truth_samples.trunk_quat = r_wt.as_quat(scalar_first=True)
        truth_samples.trunk_pos = p_t
        meta["trunk_mount"] = cfg.trunk_mount
    return SimulatedSession(
        config=cfg,
        device=device,
        samples=samples,
        events=events,
        gaps=gaps,
        truth=truth,
        truth_samples=truth_samples,
        kinematics=kin,
        plan=plan,
        motion=motion,
        body=body,
        errors=err,
        meta=meta,
        trunk=trunk_out,
    )
