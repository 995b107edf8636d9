"""Sensor orientation with VQF (Laidig & Seel 2023), fed with the real time base.

VQF assumes one fixed sampling time ``Ts``. Real streams jitter and lose samples, so each gyro
sample is scaled by ``dt_i / Ts`` before it reaches the filter: the filter then integrates
exactly the rotation ``gyr_i · dt_i`` that happened over the sample's own interval. Over a
gap longer than ``max_gap_s`` the rotation is unknown; the sample counts as one ``Ts`` and the
accelerometer correction (time constant ``tauAcc``, 3 s) re-levels the estimate afterwards.

Recordings use ``offlineVQF`` (acausal, the most accurate: 0.53° inclination RMSE on BROAD
against 0.72° for the online filter); live streams use :class:`OnlineOrientation`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from vqf import VQF, offlineVQF

from neckimu.samples import SampleBlock, sample_period

#: Gaps longer than this are not bridged by holding the last gyro sample, s.
MAX_GAP_S = 0.25

#: VQF parameters for a sensor on a living head. VQF counts a sample as rest when the raw
#: signals stay close to their 0.5 s low-pass (``restThGyr``, deg/s; ``restThAcc``, m/s²) *and*
#: the low-passed rate is below ``biasClip`` (2 deg/s). Physiological head tremor (8-12 Hz)
#: alone breaks the default closeness test (2 deg/s, 0.5 m/s²), so a seated person is never "at
#: rest", the gyro bias about the vertical is never learnt and the heading drifts by the full
#: bias (~0.5 deg/s). Tremor does not move the low-pass, so the second test still keeps real
#: slow movement out of the bias estimate.
HEAD_PARAMS: dict[str, float] = {"restThGyr": 6.0, "restThAcc": 1.5}


@dataclass(frozen=True)
class Orientation:
    """Orientation estimate of a sample block.

    Attributes
    ----------
    quat : ndarray, shape (N, 4)
        Sensor-to-earth unit quaternions (w, x, y, z); earth frame has z up (VQF's
        convention). 6D: heading is arbitrary but consistent within the block.
    bias : ndarray, shape (N, 3)
        Gyroscope bias estimate, rad/s (in the scaled time base; equal to rad/s where
        sampling is regular).
    rest : ndarray of bool, shape (N,)
        VQF's rest detection.
    ts : float
        Sampling time the filter ran with, s.
    mode : str
        ``"6D"`` (gyr + acc) or ``"9D"`` (with magnetometer).
    """

    quat: np.ndarray
    bias: np.ndarray
    rest: np.ndarray
    ts: float
    mode: str


#: The sensor's real period is measured over this many samples.
PERIOD_WINDOW = 100


class SampleIntervals:
    """The true interval before each sample, from jittery time stamps.

    An IMU samples on its own oscillator, at a steady period; what jitters is the *time stamp*
    (a host or a firmware loop stamping samples as it reads them: a few hundred µs on a 10 ms
    period). Integrating the gyro over each stamped interval would turn that jitter into
    rotation noise (4 % of every sample's rotation). So each interval is taken as a whole
    number of periods — 1, or more where samples were dropped — of the period measured over the
    last :data:`PERIOD_WINDOW` samples. Causal and block by block: a live stream gets the same
    intervals as the same samples read from a file.

    Parameters
    ----------
    ts : float
        Nominal sampling time, s (the real period may differ by up to ±30 %).
    """

    def __init__(self, ts: float) -> None:
        self.ts = float(ts)
        self._t = np.zeros(0)  # the last PERIOD_WINDOW + 1 stamps ..
        self._c = np.zeros(0)  # .. and the number of periods since the first one

    def __call__(self, t: np.ndarray) -> np.ndarray:
        """Intervals before each sample of the next block ``t``, s, shape (N,)."""
        n = len(t)
        if not n:
            return np.zeros(0)
        t_all = np.concatenate([self._t, t])
        start = len(self._t)
        dt = np.diff(t_all, prepend=t_all[0] - self.ts)[start:]
        k = np.maximum(1.0, np.round(dt / self.ts))
        if not start:
            k[0] = 0.0  # the first sample of the stream has no interval before it
        c0 = self._c[-1] if start else 0.0
        c_all = np.concatenate([self._c, c0 + np.cumsum(k)])
        idx = np.arange(start, start + n)
        back = np.maximum(idx - PERIOD_WINDOW, 0)
        periods = c_all[idx] - c_all[back]
        period = np.where(
            periods > 0, (t_all[idx] - t_all[back]) / np.maximum(periods, 1e-12), self.ts
        )
        out = np.where(dt > MAX_GAP_S, self.ts, np.maximum(k, 1.0) * period)
        if not start:
            out[0] = self.ts
        keep = PERIOD_WINDOW + 1
        self._t, self._c = t_all[-keep:], c_all[-keep:]
        return out


def gyro_for_fixed_rate(
    t: np.ndarray, gyr: np.ndarray, ts: float, intervals: SampleIntervals | None = None
) -> np.ndarray:
    """Scale gyro samples so a fixed-``ts`` integrator reproduces the real intervals.

    Parameters
    ----------
    t : ndarray, shape (N,)
        Sample times, s.
    gyr : ndarray, shape (N, 3)
        Angular rate, rad/s.
    ts : float
        The filter's fixed sampling time, s.
    intervals : SampleIntervals, optional
        The stream's interval estimator (live blocks); a new one by default.

    Returns
    -------
    ndarray, shape (N, 3), C-contiguous
        ``gyr_i · dt_i / ts`` with ``dt_i`` from :class:`SampleIntervals`; the ratio is 1 for
        the first sample of a stream and across gaps longer than :data:`MAX_GAP_S`.
    """
    if not len(t):
        return np.zeros((0, 3))
    dt = (intervals or SampleIntervals(ts))(t)
    return np.ascontiguousarray(gyr * (dt / ts)[:, None])


def estimate_offline(
    samples: SampleBlock, *, use_mag: bool = False, params: dict[str, Any] | None = None
) -> Orientation:
    """Orientation of a whole recording with ``offlineVQF``.

    Parameters
    ----------
    samples : SampleBlock
        At least two samples; mag is used only with ``use_mag``.
    use_mag : bool
        9D (heading from the magnetometer) instead of 6D.
    params : dict, optional
        VQF parameters overriding the defaults (e.g. ``{"tauAcc": 3.0}``).

    Returns
    -------
    Orientation
    """
    ts = sample_period(samples.t)
    gyr = gyro_for_fixed_rate(samples.t, samples.gyr, ts)
    acc = np.ascontiguousarray(samples.acc)
    mag = None
    if use_mag:
        if samples.mag is None:
            raise ValueError("9D orientation needs magnetometer data")
        mag = np.ascontiguousarray(fill_missing_mag(samples.mag))
    out = offlineVQF(gyr, acc, mag, ts, {**HEAD_PARAMS, **(params or {})})
    quat = out["quat9D"] if use_mag else out["quat6D"]
    return Orientation(
        quat, out["bias"], out["restDetected"].astype(bool), ts, "9D" if use_mag else "6D"
    )


def fill_missing_mag(mag: np.ndarray) -> np.ndarray:
    """Magnetometer rows without a reading (NaN, docs/recording-format.md) filled, µT.

    A row takes the last reading before it (the format's sample-and-hold); rows before the
    first reading take the first one. All-NaN input comes back unchanged.

    Parameters
    ----------
    mag : ndarray, shape (N, 3)
        µT, NaN rows where there was no reading yet.

    Returns
    -------
    ndarray, shape (N, 3)
    """
    ok = ~np.isnan(mag).any(axis=1)
    if ok.all() or not ok.any():
        return mag
    idx = np.maximum.accumulate(np.where(ok, np.arange(len(mag)), -1))
    idx[idx < 0] = int(np.argmax(ok))
    return mag[idx]


class OnlineOrientation:
    """Causal orientation for live streams: ``vqf.VQF`` fed block by block.

    Parameters
    ----------
    ts : float
        Nominal sampling time, s; measured intervals rescale the gyro as in
        :func:`gyro_for_fixed_rate`.
    use_mag : bool
        9D instead of 6D.
    """

    def __init__(self, ts: float, *, use_mag: bool = False) -> None:
        self.ts = float(ts)
        self.use_mag = use_mag
        self._vqf = VQF(self.ts, **HEAD_PARAMS)
        self._intervals = SampleIntervals(self.ts)

    def update(self, block: SampleBlock) -> np.ndarray:
        """Feed a block; returns its sensor-to-earth quaternions (w, x, y, z), shape (N, 4)."""
        if not len(block):
            return np.zeros((0, 4))
        gyr = gyro_for_fixed_rate(block.t, block.gyr, self.ts, self._intervals)
        acc = np.ascontiguousarray(block.acc)
        if self.use_mag and block.mag is not None:
            # no reading yet (NaN rows): a zero vector, which VQF skips
            mag = np.nan_to_num(block.mag, nan=0.0)
            out = self._vqf.updateBatch(gyr, acc, np.ascontiguousarray(mag))
            return out["quat9D"]
        return self._vqf.updateBatch(gyr, acc)["quat6D"]

    def update_full(self, block: SampleBlock) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Feed a block (6D); returns quaternions (N, 4), gyro bias (N, 3) and rest (N,)."""
        if not len(block):
            return np.zeros((0, 4)), np.zeros((0, 3)), np.zeros(0, bool)
        gyr = gyro_for_fixed_rate(block.t, block.gyr, self.ts, self._intervals)
        out = self._vqf.updateBatch(gyr, np.ascontiguousarray(block.acc))
        return out["quat6D"], out["bias"], out["restDetected"].astype(bool)

    def freeze_bias(self, frozen: bool = True) -> None:
        """Stop (or resume) gyro bias estimation.

        While an isometric hold is judged, a slow creep of the head looks like gyro bias to
        the filter's rest-phase estimator and would be absorbed; freezing keeps the bias
        learnt before the hold.
        """
        self._vqf.setRestBiasEstEnabled(not frozen)
        self._vqf.setMotionBiasEstEnabled(not frozen)

    def set_bias(self, bias: np.ndarray) -> None:
        """Replace the gyro bias estimate, rad/s, shape (3,)."""
        self._vqf.setBiasEstimate(np.ascontiguousarray(bias, dtype=float))

    @property
    def bias(self) -> np.ndarray:
        """Current gyro bias estimate, rad/s, shape (3,)."""
        return np.asarray(self._vqf.getBiasEstimate()[0])

    @property
    def rest(self) -> bool:
        """Whether VQF currently detects rest."""
        return bool(self._vqf.getRestDetected())


def filter_period(meta: dict[str, Any], t: np.ndarray) -> float:
    """The sampling time the causal filter runs with, s: the same live and offline.

    The nominal rate from the recording's metadata when it has one, else the median interval
    of the first 200 samples (all a live session would have seen when it started the filter).
    """
    rate = meta.get("nominal_rate_hz")
    if isinstance(rate, (int, float)) and np.isfinite(rate) and 1.0 <= rate <= 10_000.0:
        return 1.0 / float(rate)
    return sample_period(t[:200])


def estimate_causal(samples: SampleBlock, ts: float) -> Orientation:
    """Causal 6D orientation of a whole recording: the live filter, run offline.

    Parameters
    ----------
    samples : SampleBlock
    ts : float
        Filter sampling time (:func:`filter_period`), s.
    """
    quat, bias, rest = OnlineOrientation(ts).update_full(samples)
    return Orientation(quat, bias, rest, ts, "6D causal")


def estimate_causal_frozen(
    samples: SampleBlock,
    frozen: list[tuple[int, int]],
    *,
    ts: float | None = None,
    bias: np.ndarray | None = None,
) -> np.ndarray:
    """Causal 6D orientation with gyro bias estimation frozen inside given index ranges.

    An isometric hold must be judged with the bias learnt *before* it: a slow creep during
    the hold looks like bias to a rest-phase estimator (VQF's, Fusion's) and would be absorbed,
    hiding the movement. The online filter runs over the whole recording in one pass, fed in
    vectorised segments, with bias estimation off inside each ``frozen`` range.

    Parameters
    ----------
    samples : SampleBlock
    frozen : list of (int, int)
        Sorted, non-overlapping ``[start, stop)`` sample index ranges.
    ts : float, optional
        Sampling time, s; default: measured.
    bias : ndarray, shape (N, 3), optional
        A better bias estimate (e.g. :func:`bias_outside`), rad/s: at the start of each frozen
        range the filter's own estimate is replaced by it before freezing.

    Returns
    -------
    ndarray, shape (N, 4)
        Sensor-to-earth quaternions (w, x, y, z).
    """
    f = OnlineOrientation(ts or sample_period(samples.t))
    out = []
    pos = 0
    for a, b in [*frozen, (len(samples), len(samples))]:
        out.append(f.update(samples.slice(pos, a)))
        if b > a:
            if bias is not None:
                f.set_bias(bias[a])
            f.freeze_bias(True)
            out.append(f.update(samples.slice(a, b)))
            f.freeze_bias(False)
        pos = b
    return np.vstack(out)


def bias_outside(
    samples: SampleBlock, ranges: list[tuple[int, int]], *, ts: float | None = None
) -> np.ndarray:
    """Gyro bias estimated without the samples inside ``ranges``, frozen across each range.

    ``offlineVQF`` smooths its bias estimate forwards and backwards, so a slow creep inside a
    hold would leak into the estimate around it. Here the filter never sees the holds: it runs
    on the recording with the ranges cut out, and inside each range the bias stays at its value
    just before the range.

    Parameters
    ----------
    samples : SampleBlock
    ranges : list of (int, int)
        Sorted, non-overlapping ``[start, stop)`` index ranges to leave out.
    ts : float, optional
        Sampling time, s; default: measured.

    Returns
    -------
    ndarray, shape (N, 3)
        Gyro bias, rad/s.
    """
    n = len(samples)
    keep = np.ones(n, dtype=bool)
    for a, b in ranges:
        keep[a:b] = False
    ts = ts or sample_period(samples.t)
    bias = np.zeros((n, 3))
    if keep.sum() < 2:
        return bias
    kept = SampleBlock(samples.t[keep], samples.gyr[keep], samples.acc[keep], None)
    bias[keep] = offlineVQF(
        gyro_for_fixed_rate(kept.t, kept.gyr, ts),
        np.ascontiguousarray(kept.acc),
        None,
        ts,
        HEAD_PARAMS,
    )["bias"]
    first_kept = int(np.argmax(keep))
    for a, b in ranges:
        bias[a:b] = bias[a - 1] if a > 0 else bias[first_kept]
    return bias
