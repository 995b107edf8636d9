"""Simulate one guided session: the public entry point of ``neckimu.sim``.

>>> from neckimu.sim import SessionConfig, simulate_session
>>> s = simulate_session(SessionConfig(seed=3, mount="forehead", faults=("moved",)))
>>> s.write("rec.csv")        # rec.csv + rec.truth.json + rec.truth.csv.gz + rec.events.csv

Every random choice comes from ``seed`` through independent streams (person, script, body,
board, timing, noise, magnetometer), so a session is reproducible and changing one part (say,
the noise switch) leaves the others as they were.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy.spatial.transform import Rotation

from neckimu.mounts import DEFAULT_MOUNT, DEFAULT_TRUNK_MOUNT, get_mount, get_trunk_mount
from neckimu.recording.events import Event
from neckimu.recording.writer import RecordingWriter
from neckimu.samples import Gap, SampleBlock
from neckimu.sim import sensors
from neckimu.sim.device import DeviceStream, dropped_gaps
from neckimu.sim.faults import FAULTS, is_known
from neckimu.sim.kinematics import Body, Kinematics, earth_field, evaluate, sensor_orientation
from neckimu.sim.motion import CHANNELS, HeadMotion, Steps
from neckimu.sim.person import Person
from neckimu.sim.ranges import RANGES, Ranges
from neckimu.sim.script import (
    Plan,
    ScriptConfig,
    build_guided,
    build_posture,
    build_rest,
    build_rom,
    build_stretch,
)
from neckimu.sim.truth import TruthSamples, rep_truth, truth_paths, write_truth
from neckimu.verify.reps import ROM_DIRECTIONS

#: Scripts :func:`simulate_session` knows.
SCRIPTS: tuple[str, ...] = ("guided", "stretch", "rest", "posture", "rom")


@dataclass(frozen=True)
class SessionConfig:
    """What to simulate (SI units unless the name says otherwise).

    Attributes
    ----------
    seed : int
        Seed of every random choice.
    mount : str
        Mount preset (``neckimu.mounts``).
    board : str
        ``"rev1"`` (LSM9DS1) or ``"rev2"`` (BMI270 + BMM150).
    rate_hz : float or None
        Nominal IMU rate; None: the board's default (119 Hz Rev1, 100 Hz Rev2).
    faults : tuple of str
        Mistakes to inject on some reps (``neckimu.sim.faults.FAULTS``; two retraction faults
        joined by ``+`` for a combined one).
    fault_rate : float
        If > 0, each rep is faulty with this probability (fault drawn from ``faults``, or from
        all faults of its exercise when ``faults`` is empty).
    near_share : float
        Share of injected mistakes whose size is drawn near the pass rule's threshold (about
        half of those then pass): 0 gives only clear mistakes.
    combined_share : float
        Share of faulty retraction reps (by ``fault_rate``) with a second fault.
    fidgets : bool
        Small out-and-back movements in the rests (not reps).
    ranges : Ranges
        How much people vary (``neckimu.sim.ranges``).
    mount_rotation_max_deg : float
        Largest extra mounting rotation (random axis, uniform angle) on top of the preset, deg.
    head_scale : tuple of float
        Range of the head size relative to the preset's (scales the lever arm).
    lever_arm_sd_m : float
        Standard deviation of where the board sits around the scaled lever arm, m.
    script : str
        ``"guided"`` (the guided session), ``"stretch"`` (the stretch routine: 4-6 alternating
        lateral stretches, ``stretch_reps``), ``"rest"`` (sitting still, ``rest_duration_s``),
        ``"posture"`` (desk work with slumps, ``rest_duration_s``) or ``"rom"`` (range of
        motion: each direction to the end and back, ``rom_reps`` times, a cue every
        ``rom_move_s`` s after ``rom_lead_s`` s).
    stretch : str or None
        The guided session's stretch, or the routine's first side; None: drawn.
    stretch_reps : int or None
        Stretches of the routine; None: drawn (4-6).
    noise_scale : tuple of float
        Range of the board's noise level relative to the datasheet densities.
    person : bool
        Sway, breathing, tremor and restless motion on (off: a perfectly still person between
        moves).
    sensor_noise, sensor_errors, bias_drift, timing_errors, magnetometer : bool
        Switch parts of the sensor model off (for physics tests).
    jitter_us, drop_prob, drop_bursts_per_min : float
        Time-stamp jitter (µs), probability of a single dropped sample, bursts per minute.
    """

    seed: int = 0
    mount: str = DEFAULT_MOUNT
    board: str = "rev1"
    rate_hz: float | None = None
    faults: tuple[str, ...] = ()
    fault_rate: float = 0.0
    near_share: float = 0.5
    combined_share: float = 0.2
    fidgets: bool = True
    ranges: Ranges = RANGES
    mount_rotation_max_deg: float = 25.0
    head_scale: tuple[float, float] = (0.92, 1.08)
    lever_arm_sd_m: float = 0.003
    script: str = "guided"
    rest_duration_s: float = 60.0
    hold_reps: int = 3
    hold_s: tuple[float, float] = (5.0, 12.0)
    retraction_reps: int = 8
    stretch: str | None = None
    stretch_hold_s: float = 30.0
    stretch_reps: int | None = None
    noise_scale: tuple[float, float] = (0.7, 1.5)
    initial_rest_s: float = 2.0
    final_rest_s: float = 2.0
    person: bool = True
    sensor_noise: bool = True
    sensor_errors: bool = True
    bias_drift: bool = True
    timing_errors: bool = True
    magnetometer: bool = True
    jitter_us: float = 25.0
    drop_prob: float = 0.001
    drop_bursts_per_min: float = 0.3
    rom_directions: tuple[str, ...] = ROM_DIRECTIONS
    rom_reps: int = 2
    rom_lead_s: float = 4.0
    rom_move_s: float = 9.0
    trunk: bool = False
    trunk_mount: str = DEFAULT_TRUNK_MOUNT
    trunk_board: str | None = None
    trunk_leans: bool = True
    trunk_lean_max_deg: float = 15.0
    trunk_alignment_sd_ms: float = 2.0
    slouch_share: float = 0.5

    def check(self) -> None:
        """Raise ValueError naming the first bad field."""
        get_mount(self.mount)
        if self.board not in sensors.SPECS:
            raise ValueError(f"unknown board {self.board!r}; known: {', '.join(sensors.SPECS)}")
        rates = sensors.SPECS[self.board].rates_hz
        if self.rate_hz is not None and float(self.rate_hz) not in rates:
            raise ValueError(
                f"{self.board} offers {', '.join(f'{r:g}' for r in rates)} Hz, not {self.rate_hz}"
            )
        bad = [f for f in self.faults if not is_known(f)]
        if bad:
            raise ValueError(f"unknown fault(s) {', '.join(bad)}; known: {', '.join(FAULTS)}")
        for name in ("fault_rate", "near_share", "combined_share"):
            v = getattr(self, name)
            if not 0.0 <= v <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], not {v}")
        if self.script not in SCRIPTS:
            raise ValueError(f"script must be {', '.join(SCRIPTS)}, not {self.script!r}")
        if self.stretch_reps is not None and self.stretch_reps < 1:
            raise ValueError(f"stretch_reps must be >= 1, not {self.stretch_reps}")
        lo, hi = self.hold_s
        if not 0.0 < lo <= hi:
            raise ValueError(f"hold_s must be (low, high) with 0 < low <= high, not {self.hold_s}")
        if self.stretch not in (None, "stretch_left", "stretch_right"):
            raise ValueError(f"stretch must be stretch_left or stretch_right, not {self.stretch}")
        if self.hold_reps < 0 or self.retraction_reps < 0:
            raise ValueError("rep counts must be >= 0")
        if not 0.0 <= self.mount_rotation_max_deg <= 90.0:
            raise ValueError("mount_rotation_max_deg must be in [0, 90]")
        bad = [d for d in self.rom_directions if d not in ROM_DIRECTIONS]
        if bad:
            raise ValueError(
                f"unknown rom direction(s) {', '.join(bad)}; known: {', '.join(ROM_DIRECTIONS)}"
            )
        if self.rom_reps < 1 or not self.rom_move_s >= 3.0 or not self.rom_lead_s >= 0.0:
            raise ValueError("rom needs rom_reps >= 1, rom_move_s >= 3 s and rom_lead_s >= 0")
        trunk_faults = [f for f in self.faults if f in ("trunk_lean", "slouch")]
        if trunk_faults and not self.trunk:
            raise ValueError(
                f"fault(s) {', '.join(trunk_faults)} need a trunk (trunk=True, --trunk)"
            )
        if self.trunk:
            get_trunk_mount(self.trunk_mount)
            if self.trunk_board is not None and self.trunk_board not in sensors.SPECS:
                raise ValueError(f"unknown trunk board {self.trunk_board!r}")


@dataclass
class SimulatedSession:
    """A simulated session and everything known about it.

    Attributes
    ----------
    config : SessionConfig
    device : DeviceStream
        Raw counts and device time stamps (what the headset would send).
    samples : SampleBlock
        ``device.to_samples()``: recording time from the first sample, SI units.
    events : list of Event
        Exercise cues on the recording clock.
    gaps : list of Gap
        Samples the board dropped (reason ``"dropped"``), on the recording clock.
    truth : dict
        The truth JSON (see ``neckimu.sim.truth``).
    truth_samples : TruthSamples
        Per-sample truth, one row per recording row.
    kinematics : Kinematics
        Ideal sensor signals at the delivered samples' physical times.
    plan, motion, body, errors :
        The script, head trajectory, sensor placement and board errors behind it.
    """

    config: SessionConfig
    device: DeviceStream
    samples: SampleBlock
    events: list[Event]
    gaps: list[Gap]
    truth: dict[str, Any]
    truth_samples: TruthSamples
    kinematics: Kinematics
    plan: Plan
    motion: HeadMotion
    body: Body
    errors: sensors.SensorErrors
    meta: dict[str, Any] = field(default_factory=dict)
    trunk: Any = None  #: ``neckimu.sim.trunk.TrunkBoard`` of a two-sensor session, else None

    def write(self, path: str | Path) -> None:
        """Write the recording (format v1) and its truth files beside it."""
        path = Path(path)
        marks = [(e.time_s, 0, e) for e in self.events] + [(g.time_s, 1, g) for g in self.gaps]
        marks.sort(key=lambda m: (m[0], m[1]))
        t = self.samples.t
        tb = self.trunk
        trunk_meta = tb.meta if tb is not None else None
        with RecordingWriter(
            path, self.meta, has_mag=self.samples.mag is not None, trunk=trunk_meta
        ) as w:
            i = 0
            k = 0  # next trunk sample to write
            tgaps = list(tb.gaps) if tb is not None else []

            def trunk_until(t_end: float) -> None:
                nonlocal k
                if tb is None:
                    return
                kt = int(np.searchsorted(tb.samples.t, t_end, side="right"))
                while tgaps and tgaps[0].time_s <= t_end:
                    g = tgaps.pop(0)
                    kg = int(np.searchsorted(tb.samples.t, g.time_s - 1e-9, side="left"))
                    w.write_trunk_block(tb.samples.slice(k, kg))
                    k = max(k, kg)
                    w.write_gap(g.time_s, g.missing, g.reason, sensor="trunk")
                if kt > k:
                    w.write_trunk_block(tb.samples.slice(k, kt))
                    k = kt

            for time_s, kind, obj in marks:
                j = int(np.searchsorted(t, time_s - 1e-9, side="left"))
                if j > i:
                    w.write_block(self.samples.slice(i, j))
                    trunk_until(float(t[j - 1]))
                    i = j
                if kind == 0:
                    w.write_event(obj)
                else:
                    w.write_gap(obj.time_s, obj.missing, obj.reason)
            w.write_block(self.samples.slice(i, len(t)))
            trunk_until(np.inf)
        write_truth(path, self.truth, self.truth_samples)
        write_events_csv(events_path(path), self.events)


def _with_trunk_leans(plan: Plan, rng: np.random.Generator, max_deg: float) -> Steps:
    """The plan's steps plus the trunk's posture changes (issue 15): every 6-25 s the person
    leans to a new trunk posture (half of the time back near upright, within 3 deg; else
    anywhere within ``max_deg`` forward or back, and 4 deg sideways) over 1.5-4 s. Never
    inside or within 1 s of a calibrate or retraction window (the neutral pose and the
    glides stay the script's)."""
    keep_out = []
    starts: dict[str, float] = {}
    for t, kind, ex in plan.events:
        if kind == "start":
            starts[ex] = t
        elif ex in starts and ex in ("calibrate", "retraction"):
            keep_out.append((starts.pop(ex) - 1.0, t + 1.0))
    end = plan.keyframes.duration_s
    cal_end = max((b for a, b in keep_out), default=0.0) if not keep_out else keep_out[0][1]
    t = cal_end + rng.uniform(2.0, 8.0)
    flex = lat = 0.0
    ch, t0s, durs, deltas = [], [], [], []
    fi, li = CHANNELS.index("trunk_flex"), CHANNELS.index("trunk_lat")
    while True:
        dur = float(rng.uniform(1.5, 4.0))
        if rng.random() < 0.5:
            nf, nl = rng.uniform(-3.0, 3.0), rng.uniform(-1.5, 1.5)
        else:
            nf, nl = rng.uniform(-max_deg, max_deg), rng.uniform(-4.0, 4.0)
        if t + dur > end - 1.0:
            break
        if not any(a < t + dur and t < b for a, b in keep_out):
            for c, new, old in ((fi, nf, flex), (li, nl, lat)):
                ch.append(c)
                t0s.append(t)
                durs.append(dur)
                deltas.append(np.radians(new - old))
            flex, lat = nf, nl
        t += dur + float(rng.uniform(6.0, 25.0))
    if not ch:
        return plan.steps
    extra = Steps(np.array(ch, np.int64), np.array(t0s), np.array(durs), np.array(deltas))
    s = plan.steps
    return Steps(
        np.concatenate([s.channel, extra.channel]),
        np.concatenate([s.t0, extra.t0]),
        np.concatenate([s.duration, extra.duration]),
        np.concatenate([s.delta, extra.delta]),
    )


def events_path(recording: str | Path) -> Path:
    """``rec.events.csv`` beside ``rec.csv`` or ``rec.csv.gz``."""
    jpath, _ = truth_paths(recording)
    return jpath.with_name(jpath.name.removesuffix(".truth.json") + ".events.csv")


def write_events_csv(path: str | Path, events: list[Event]) -> None:
    """The cues as an events CSV ``time_s,event,exercise`` (recording clock, s)."""
    lines = ["time_s,event,exercise"] + [f"{e.time_s:.6f},{e.event},{e.exercise}" for e in events]
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")


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
        "nominal_rate_hz": rate,
        "mag_rate_hz": spec.mag_rate_hz if cfg.magnetometer else 0.0,
        "ranges": {
            "gyro_dps": spec.gyro_range_dps,
            "acc_g": spec.acc_range_g,
            "mag_ut": spec.mag_range_ut,
        },
        "scales": {
            "gyr_rad_s": spec.gyr_scale,
            "acc_m_s2": spec.acc_scale,
            "mag_ut": spec.mag_scale,
        },
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
