"""Sensor models of the two boards: ideal motion in, raw int16 counts out.

Rev1 (Nano 33 BLE): ST LSM9DS1, as the Arduino_LSM9DS1 library configures it
(datasheet DocID025715, Table 3): gyroscope ±2000 dps at 70 mdps/LSB; accelerometer ±4 g at
0.122 mg/LSB; magnetometer ±4 gauss (400 µT) at 0.14 mgauss/LSB (0.014 µT/LSB), 20 Hz; IMU
output data rate 119 Hz nominal, ~113 Hz measured on real boards. The datasheet gives no noise
densities; we *assume* 0.015 dps/√Hz and 200 µg/√Hz (about one LSB of gyro noise, as users of
the board report) and 0.4 µT RMS magnetometer noise.

Rev2 (Nano 33 BLE Rev2): Bosch BMI270 + BMM150. BMI270 datasheet: gyroscope noise density
0.008 dps/√Hz (0.007 in performance mode), accelerometer 160 µg/√Hz, zero-rate offset ±0.5 dps
typ, zero-g offset ±20 mg typ; the firmware sets ±2000 dps (16.4 LSB/dps) and ±4 g (8192
LSB/g), ODR 100 or 200 Hz. BMM150 datasheet: 0.3 µT resolution, ~0.3 µT RMS noise (regular
preset), ±1300 µT (x, y); compensated output 1/16 µT per LSB; 10 Hz, the BMM150's power-on
data rate, which the Arduino_BMI270_BMM150 library leaves as it is (firmware/README.md; the
firmware's info characteristic reports the same 10 Hz).

Per session (drawn by :meth:`SensorErrors.draw`; sources in docs/simulator.md): gyro bias in a
random direction (Rev1 0.2–2 dps, Rev2 0.1–1 dps) with a slow random walk, scale errors of
±1.5 %, non-orthogonality of ~0.3 %, accelerometer bias (Rev1 up to ±90 mg, Rev2 up to
±20 mg), magnetometer hard-iron offset of up to ±30 µT and soft-iron scale, the white-noise
level (0.7–1.5 times the densities above: boards differ and the datasheets give typical
values), the real output data rate and the device clock's rate error. White noise per sample
has the standard deviation ``noise_scale · density · sqrt(ODR / 2)``. Values are rounded to
counts of the float32 scale the device reports and clamped at the full-scale range.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neckimu.samples import G
from neckimu.sim.device import BOARD_REV1, BOARD_REV2, DeviceStream

_DPS = np.pi / 180.0


@dataclass(frozen=True)
class SensorSpec:
    """Datasheet figures of one board's sensors (units in the names)."""

    name: str
    board: int
    rates_hz: tuple[float, ...]
    gyro_range_dps: float
    acc_range_g: float
    mag_range_ut: float
    gyro_dps_per_lsb: float
    acc_g_per_lsb: float
    mag_ut_per_lsb: float
    mag_rate_hz: float
    gyro_noise_dps_rthz: float
    acc_noise_ug_rthz: float
    mag_noise_ut: float
    real_rate_hz: tuple[float, float] | None  # uniform range of the real ODR; None: relative
    rate_error: float  # relative ODR error bound when real_rate_hz is None
    gyro_bias_dps: tuple[float, float] = (0.2, 1.0)  # range of the bias magnitude per board
    acc_bias_g: float = 0.06  # bound of the accelerometer bias per axis, g

    @property
    def gyr_scale(self) -> float:
        """rad/s per count as the device sends it (a float32 value)."""
        return float(np.float32(self.gyro_dps_per_lsb * _DPS))

    @property
    def acc_scale(self) -> float:
        """m/s² per count (float32 value)."""
        return float(np.float32(self.acc_g_per_lsb * G))

    @property
    def mag_scale(self) -> float:
        """µT per count (float32 value)."""
        return float(np.float32(self.mag_ut_per_lsb))


LSM9DS1 = SensorSpec(
    name="LSM9DS1",
    board=BOARD_REV1,
    rates_hz=(119.0,),
    gyro_range_dps=2000.0,
    acc_range_g=4.0,
    mag_range_ut=400.0,
    gyro_dps_per_lsb=0.070,
    acc_g_per_lsb=0.122e-3,
    mag_ut_per_lsb=0.014,
    mag_rate_hz=20.0,
    gyro_noise_dps_rthz=0.015,
    acc_noise_ug_rthz=200.0,
    mag_noise_ut=0.4,
    real_rate_hz=(111.5, 114.5),
    rate_error=0.0,
    gyro_bias_dps=(0.2, 2.0),
    acc_bias_g=0.09,
)
BMI270_BMM150 = SensorSpec(
    name="BMI270+BMM150",
    board=BOARD_REV2,
    rates_hz=(100.0, 200.0),
    gyro_range_dps=2000.0,
    acc_range_g=4.0,
    mag_range_ut=1300.0,
    gyro_dps_per_lsb=2000.0 / 32768.0,
    acc_g_per_lsb=4.0 / 32768.0,
    mag_ut_per_lsb=1.0 / 16.0,
    mag_rate_hz=10.0,
    gyro_noise_dps_rthz=0.008,
    acc_noise_ug_rthz=160.0,
    mag_noise_ut=0.3,
    real_rate_hz=None,
    rate_error=0.01,
    gyro_bias_dps=(0.1, 1.0),
    acc_bias_g=0.02,
)
#: board name -> spec
SPECS: dict[str, SensorSpec] = {"rev1": LSM9DS1, "rev2": BMI270_BMM150}


@dataclass
class SensorErrors:
    """One board's error realisation (SI units).

    Attributes
    ----------
    gyro_bias : ndarray, shape (3,)
        Initial gyro bias, rad/s.
    gyro_bias_walk : float
        Random-walk intensity of the bias drift, rad/s/√s.
    gyro_matrix, acc_matrix, mag_matrix : ndarray, shape (3, 3)
        ``I + scale errors + non-orthogonality``; measured = M · true + bias.
    acc_bias : ndarray, shape (3,)
        m/s².
    hard_iron : ndarray, shape (3,)
        µT, sensor frame.
    real_rate_hz : float
        Actual IMU output data rate (sensor oscillator), Hz.
    mag_rate_hz : float
        Actual magnetometer rate, Hz.
    clock_ppm : float
        Device clock rate error, parts per million (device µs per true µs − 1).
    noise_scale : float
        White-noise level of this board relative to the spec's densities.
    """

    gyro_bias: np.ndarray
    gyro_bias_walk: float
    gyro_matrix: np.ndarray
    acc_bias: np.ndarray
    acc_matrix: np.ndarray
    hard_iron: np.ndarray
    mag_matrix: np.ndarray
    real_rate_hz: float
    mag_rate_hz: float
    clock_ppm: float
    noise_scale: float = 1.0

    @classmethod
    def draw(
        cls,
        rng: np.random.Generator,
        spec: SensorSpec,
        rate_hz: float,
        *,
        errors: bool = True,
        drift: bool = True,
        timing: bool = True,
        noise_scale: tuple[float, float] = (0.7, 1.5),
    ) -> SensorErrors:
        """Draw a board: ``errors`` (bias, scale, misalignment, iron, noise level), ``drift``,
        ``timing``; ``noise_scale`` is the range of the noise level relative to the spec."""

        def matrix(scale: float, skew: float) -> np.ndarray:
            m = np.eye(3) + np.diag(rng.uniform(-scale, scale, 3))
            off = rng.normal(0.0, skew, (3, 3))
            np.fill_diagonal(off, 0.0)
            return m + off

        d = rng.normal(size=3)
        gyro_bias = d / np.linalg.norm(d) * rng.uniform(*spec.gyro_bias_dps) * _DPS
        acc_bias = rng.uniform(-spec.acc_bias_g, spec.acc_bias_g, 3) * G
        mats = [matrix(0.015, 0.003), matrix(0.015, 0.003), matrix(0.02, 0.005)]
        hard_iron = rng.uniform(-30.0, 30.0, 3)
        level = float(rng.uniform(*noise_scale))
        if spec.real_rate_hz is not None:
            real = rng.uniform(*spec.real_rate_hz) * rate_hz / spec.rates_hz[0]
        else:
            real = rate_hz * (1.0 + rng.uniform(-spec.rate_error, spec.rate_error))
        mag_rate = spec.mag_rate_hz * (1.0 + rng.uniform(-0.01, 0.01))
        ppm = rng.uniform(-40.0, 40.0)
        if not errors:
            gyro_bias, acc_bias, hard_iron = np.zeros(3), np.zeros(3), np.zeros(3)
            mats = [np.eye(3)] * 3
            level = 1.0
        if not timing:
            real, mag_rate, ppm = rate_hz, spec.mag_rate_hz, 0.0
        return cls(
            gyro_bias=gyro_bias,
            gyro_bias_walk=(0.002 * _DPS if drift and errors else 0.0),
            gyro_matrix=mats[0],
            acc_bias=acc_bias,
            acc_matrix=mats[1],
            hard_iron=hard_iron,
            mag_matrix=mats[2],
            real_rate_hz=float(real),
            mag_rate_hz=float(mag_rate),
            clock_ppm=float(ppm),
            noise_scale=level,
        )


def regular_times(rng: np.random.Generator, duration_s: float, rate_hz: float) -> np.ndarray:
    """Sample instants of a free-running oscillator over [0, duration_s], s, shape (N,)."""
    t0 = rng.uniform(0.0, 1.0 / rate_hz)
    n = int(np.floor((duration_s - t0) * rate_hz)) + 1
    return t0 + np.arange(n) / rate_hz


def drop_mask(
    rng: np.random.Generator, n: int, rate_hz: float, prob: float, bursts_per_min: float
) -> np.ndarray:
    """Which of n samples arrive (True) after random single drops and burst losses.

    Bursts (a missed connection event, a full FIFO) lose 5–40 consecutive samples; the first
    and last samples always arrive.
    """
    keep = rng.random(n) >= prob
    n_bursts = rng.poisson(bursts_per_min * n / rate_hz / 60.0) if bursts_per_min > 0 else 0
    for start, length in zip(
        rng.integers(1, max(n - 1, 2), n_bursts), rng.integers(5, 41, n_bursts), strict=True
    ):
        keep[start : start + length] = False
    keep[0] = keep[-1] = True
    return keep


def device_clock(
    rng: np.random.Generator, t: np.ndarray, boot_us: int, ppm: float, jitter_us: float
) -> np.ndarray:
    """Device time stamps (µs, int64, strictly increasing) of physical instants ``t`` (s).

    The stamp is the device clock (rate error ``ppm``) when the firmware reads the sample:
    Gaussian jitter of ``jitter_us`` plus, rarely (0.2 %), an interrupt latency of 0.1–0.4 ms.
    """
    j = rng.normal(0.0, jitter_us, len(t)) if jitter_us > 0 else np.zeros(len(t))
    if jitter_us > 0:
        late = rng.random(len(t)) < 0.002
        j[late] += rng.uniform(100.0, 400.0, int(late.sum()))
    us = boot_us + np.round(t * (1.0 + ppm * 1e-6) * 1e6 + j).astype(np.int64)
    k = np.arange(len(us), dtype=np.int64)
    return np.maximum.accumulate(us - k) + k  # strictly increasing by >= 1 µs


def quantise(values: np.ndarray, scale: float, full_scale: float) -> np.ndarray:
    """SI values -> int16 counts of ``scale``, clamped at ±``full_scale`` (same unit)."""
    lim = min(32767.0, np.floor(full_scale / scale))
    return np.clip(np.round(values / scale), -lim, lim).astype(np.int16)


def gyro_bias_path(rng: np.random.Generator, err: SensorErrors, t: np.ndarray) -> np.ndarray:
    """Gyro bias at times ``t`` (s): the initial bias plus its random walk, rad/s, (N, 3)."""
    if err.gyro_bias_walk <= 0 or len(t) < 2:
        return np.broadcast_to(err.gyro_bias, (len(t), 3)).copy()
    dt = np.diff(t, prepend=t[0])[:, None]
    steps = rng.normal(0.0, 1.0, (len(t), 3)) * err.gyro_bias_walk * np.sqrt(dt)
    return err.gyro_bias + np.cumsum(steps, axis=0)


def measure_imu(
    rng: np.random.Generator,
    spec: SensorSpec,
    err: SensorErrors,
    rate_hz: float,
    gyr: np.ndarray,
    acc: np.ndarray,
    bias: np.ndarray,
    noise: bool = True,
) -> np.ndarray:
    """True rate (rad/s) and specific force (m/s²), sensor frame -> counts, int16 (N, 6).

    Parameters
    ----------
    rate_hz : float
        The output data rate, which sets the noise bandwidth (ODR/2).
    bias : ndarray, shape (N, 3)
        Gyro bias per sample, rad/s (:func:`gyro_bias_path`).
    noise : bool
        Add white noise.
    """
    g = gyr @ err.gyro_matrix.T + bias
    a = acc @ err.acc_matrix.T + err.acc_bias
    if noise:
        bw = np.sqrt(rate_hz / 2.0) * err.noise_scale
        g = g + rng.normal(0.0, spec.gyro_noise_dps_rthz * _DPS * bw, g.shape)
        a = a + rng.normal(0.0, spec.acc_noise_ug_rthz * 1e-6 * G * bw, a.shape)
    return np.column_stack(
        [
            quantise(g, spec.gyr_scale, spec.gyro_range_dps * _DPS),
            quantise(a, spec.acc_scale, spec.acc_range_g * G),
        ]
    )


def measure_mag(
    rng: np.random.Generator,
    spec: SensorSpec,
    err: SensorErrors,
    field: np.ndarray,
    noise: bool = True,
) -> np.ndarray:
    """True field in the sensor frame (µT, (M, 3)) -> counts, int16 (M, 3)."""
    m = field @ err.mag_matrix.T + err.hard_iron
    if noise:
        m = m + rng.normal(0.0, spec.mag_noise_ut * err.noise_scale, m.shape)
    return quantise(m, spec.mag_scale, spec.mag_range_ut)


def device_stream(
    spec: SensorSpec,
    rate_hz: float,
    t_us: np.ndarray,
    seq: np.ndarray,
    imu: np.ndarray,
    mag_t_us: np.ndarray,
    mag: np.ndarray,
    meta: dict,
) -> DeviceStream:
    """What a board with ``spec``'s sensors sends: its counts with the board's scales and
    ranges (shapes and units as in :class:`~neckimu.sim.device.DeviceStream`)."""
    return DeviceStream(
        t_us=t_us,
        seq=seq,
        imu=imu,
        mag_t_us=mag_t_us,
        mag=mag,
        gyr_scale=spec.gyr_scale,
        acc_scale=spec.acc_scale,
        mag_scale=spec.mag_scale,
        board=spec.board,
        nominal_rate_hz=rate_hz,
        gyro_range_dps=spec.gyro_range_dps,
        acc_range_g=spec.acc_range_g,
        mag_range_ut=spec.mag_range_ut,
        meta={"sensor": spec.name, **meta, "mag_rate_hz": spec.mag_rate_hz},
    )


def board_meta(spec: SensorSpec, rate_hz: float, magnetometer: bool) -> dict:
    """A simulated board's rates, full-scale ranges and count scales, as a recording's
    metadata states them (docs/recording-format.md)."""
    return {
        "nominal_rate_hz": rate_hz,
        "mag_rate_hz": spec.mag_rate_hz if magnetometer else 0.0,
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
    }
