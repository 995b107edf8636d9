"""What to simulate: :class:`SessionConfig`, the configuration of
:func:`neckimu.sim.session.simulate_session`, and the scripts it knows."""

from __future__ import annotations

import math
from dataclasses import dataclass

from neckimu.mounts import DEFAULT_MOUNT, DEFAULT_TRUNK_MOUNT, get_mount, get_trunk_mount
from neckimu.sim import sensors
from neckimu.sim.faults import FAULTS, is_known
from neckimu.sim.ranges import RANGES, Ranges
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
        for name in ("stretch_hold_s", "rest_duration_s"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v > 0.0):
                raise ValueError(f"{name} must be a duration > 0 s, not {v}")
        for name in ("initial_rest_s", "final_rest_s"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v >= 0.0):
                raise ValueError(f"{name} must be a duration >= 0 s, not {v}")
        lo, hi = self.hold_s
        if not (math.isfinite(hi) and 0.0 < lo <= hi):
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
