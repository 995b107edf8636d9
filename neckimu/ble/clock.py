"""Device clock -> host clock: unwrap the 32-bit µs counter and fit offset and drift online.

The board's ``micros()`` wraps every 2³² µs and its crystal drifts by tens of ppm against the
host. Each notification pairs a device time (its last sample) with the host time it arrived
(``time.monotonic()`` in the notification callback). Arrival = sample time + a latency that is
never negative and often small, so the *lower envelope* of those pairs is the clock map: a line
fitted through per-second minima, then shifted down to touch the lowest point.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from neckimu.protocol import TIME_MOD


class Unwrapper:
    """Unwrap a counter that wraps at ``modulus``: a backwards jump of more than half is a wrap.

    Parameters
    ----------
    modulus : int
        2³² for device time (µs), 2¹⁶ for ``seq``.
    """

    def __init__(self, modulus: int = TIME_MOD) -> None:
        self.modulus = modulus
        self.last: int | None = None

    def __call__(self, raw: int) -> int:
        """The unwrapped value of ``raw`` nearest to the previous one."""
        if self.last is None:
            self.last = int(raw)
            return self.last
        half = self.modulus // 2
        d = (int(raw) - self.last) % self.modulus
        if d >= half:
            d -= self.modulus
        value = self.last + d
        self.last = max(self.last, value)  # an older record (mag, event) does not pull back
        return value


class ClockFit:
    """Online linear map from device time (µs) to host time (s), with drift.

    Parameters
    ----------
    nominal_s_per_us : float
        Host seconds per device µs before there is data to fit (1e-6; a simulated headset
        played ``speed`` times faster than real time passes ``1e-6 / speed``).
    bin_us : int
        Width of the bins whose minimum latency points form the lower envelope, µs.
    window_bins : int
        How many recent bins the fit uses (the drift changes slowly with temperature).
    max_drift_ppm : float
        Fitted drift is clipped to ±this (a crystal is within ±100 ppm; more is noise).
    """

    def __init__(
        self,
        nominal_s_per_us: float = 1e-6,
        bin_us: int = 1_000_000,
        window_bins: int = 120,
        max_drift_ppm: float = 1000.0,
    ) -> None:
        self.nominal = nominal_s_per_us
        self.bin_us = bin_us
        self.max_drift = max_drift_ppm * 1e-6
        self._bins: deque[tuple[int, int, float]] = deque(maxlen=window_bins)  # bin, dev, host
        self.slope = nominal_s_per_us
        self.intercept: float | None = None  # host s at device time 0
        self._dirty = False

    @property
    def drift_ppm(self) -> float:
        """Device clock rate error against the host, ppm (positive: the device runs fast)."""
        if self._dirty and self._bins:
            self._refit()
        return (self.nominal / self.slope - 1.0) * 1e6

    def observe(self, dev_us: int, host_s: float) -> None:
        """Add one (device time, arrival time) pair."""
        b = dev_us // self.bin_us
        key = host_s - self.nominal * dev_us
        if self._bins and self._bins[-1][0] == b:
            _, d0, h0 = self._bins[-1]
            if key < h0 - self.nominal * d0:
                self._bins[-1] = (b, dev_us, host_s)
        elif not self._bins or b > self._bins[-1][0]:
            self._bins.append((b, dev_us, host_s))
        else:  # device time went back (a new segment after a reboot): start over
            self._bins.clear()
            self._bins.append((b, dev_us, host_s))
            self.intercept = None
        if self.intercept is None:
            self.intercept = key
        self._dirty = True

    def _refit(self) -> None:
        self._dirty = False
        pts = np.array([(d, h) for _, d, h in self._bins], dtype=np.float64)
        slope = self.nominal
        if len(pts) >= 3 and pts[-1, 0] - pts[0, 0] >= 2 * self.bin_us:
            d = pts[:, 0] - pts[0, 0]
            slope = float(np.polyfit(d, pts[:, 1], 1)[0])
            lo, hi = self.nominal * (1 - self.max_drift), self.nominal * (1 + self.max_drift)
            slope = min(max(slope, lo), hi)
        self.slope = slope
        self.intercept = float(np.min(pts[:, 1] - slope * pts[:, 0]))

    def to_host(self, dev_us: np.ndarray | int) -> np.ndarray:
        """Host time in s of device times in µs (array in, float64 array out)."""
        if self.intercept is None:
            raise RuntimeError("ClockFit.to_host before any observation")
        if self._dirty:
            self._refit()
        return self.intercept + self.slope * np.asarray(dev_us, dtype=np.float64)
