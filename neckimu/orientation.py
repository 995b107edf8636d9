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


def gyro_for_fixed_rate(
    t: np.ndarray, gyr: np.ndarray, ts: float, t_prev: float | None = None
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
    t_prev : float, optional
        Time of the sample before ``t[0]`` (live blocks), s.

    Returns
    -------
    ndarray, shape (N, 3), C-contiguous
        ``gyr_i · dt_i / ts`` with ``dt_i = t_i − t_{i−1}``; the ratio is 1 for a first
        sample without ``t_prev`` and across gaps longer than :data:`MAX_GAP_S`.
    """
    if not len(t):
        return np.zeros((0, 3))
    dt = np.diff(t, prepend=t[0] - ts if t_prev is None else t_prev)
    ratio = np.where(dt > MAX_GAP_S, ts, dt) / ts
    return np.ascontiguousarray(gyr * ratio[:, None])


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
    return Orientation(quat, out["bias"], out["restDetected"].astype(bool), ts,
                       "9D" if use_mag else "6D")


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
        self._last_t: float | None = None

    def update(self, block: SampleBlock) -> np.ndarray:
        """Feed a block; returns its sensor-to-earth quaternions (w, x, y, z), shape (N, 4)."""
        if not len(block):
            return np.zeros((0, 4))
        gyr = gyro_for_fixed_rate(block.t, block.gyr, self.ts, self._last_t)
        self._last_t = float(block.t[-1])
        acc = np.ascontiguousarray(block.acc)
        if self.use_mag and block.mag is not None:
            # no reading yet (NaN rows): a zero vector, which VQF skips
            mag = np.nan_to_num(block.mag, nan=0.0)
            out = self._vqf.updateBatch(gyr, acc, np.ascontiguousarray(mag))
            return out["quat9D"]
        return self._vqf.updateBatch(gyr, acc)["quat6D"]

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
    bias[keep] = offlineVQF(gyro_for_fixed_rate(kept.t, kept.gyr, ts),
                            np.ascontiguousarray(kept.acc), None, ts, HEAD_PARAMS)["bias"]
    first_kept = int(np.argmax(keep))
    for a, b in ranges:
        bias[a:b] = bias[a - 1] if a > 0 else bias[first_kept]
    return bias

