"""Device clock: unwrap the 32-bit µs counter, and map it to the host clock for host events.

A recording's time base is the device clock itself (docs/recording-format.md, *Time base*).
The host clock enters only to place what the host does (a cue while the headset is not
connected) and to judge whether a device time is plausible. For that, each notification pairs
a device time with the host time it arrived (``time.monotonic()`` in the notification
callback). Arrival = sample time + a latency that is never negative and often small, so the
*lower envelope* of those pairs is the clock map: a line fitted through per-second minima,
then shifted down to touch the lowest point. The board's crystal drifts by tens of ppm
against the host, so the line has a slope (drift).
"""

from __future__ import annotations

from collections import deque
from typing import Any

import numpy as np

from neckimu.wire import TIME_MOD


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

    def peek(self, raw: int) -> int:
        """The unwrapped value of ``raw`` nearest to the newest one, without keeping it."""
        if self.last is None:
            return int(raw)
        half = self.modulus // 2
        d = (int(raw) - self.last) % self.modulus
        if d >= half:
            d -= self.modulus
        return self.last + d

    def commit(self, value: int) -> None:
        """Keep an unwrapped value; an older one (a mag record, an event) does not pull back."""
        self.last = value if self.last is None else max(self.last, value)

    def __call__(self, raw: int) -> int:
        """The unwrapped value of ``raw`` nearest to the newest one (and keep it)."""
        value = self.peek(raw)
        self.commit(value)
        return value


class ClockFit:
    """Online linear map from device time (µs) to host time (s), with drift.

    Observations may come in any order (an event sent ahead of older buffered samples, a
    magnetometer record alone): an older one updates its bin or is ignored, it never resets
    the fit. One device clock has one fit; a headset reboot starts a new device clock, and its
    owner starts a new fit.

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
        self.observations = 0
        self._dirty = False

    @property
    def ready(self) -> bool:
        """Whether there is at least one observation (the map is defined)."""
        return self.intercept is not None

    @property
    def drift_ppm(self) -> float:
        """Device clock rate error against the host, ppm (positive: the device runs fast)."""
        if self._dirty and self._bins:
            self._refit()
        return (self.nominal / self.slope - 1.0) * 1e6

    def measured_drift_ppm(self, min_span_s: float = 30.0) -> float | None:
        """:attr:`drift_ppm` when the fit can vouch for it, else None: the points span less
        than ``min_span_s`` of device time, or the fit hit the ±``max_drift_ppm`` bound (a
        simulated playback held back by a slow receiver, not a crystal)."""
        drift = self.drift_ppm
        if len(self._bins) < 3 or self._bins[-1][1] - self._bins[0][1] < min_span_s * 1e6:
            return None
        if abs(self.slope / self.nominal - 1.0) >= self.max_drift * (1 - 1e-9):
            return None  # clipped by _refit
        return drift

    def observe(self, dev_us: int, host_s: float) -> None:
        """Add one (device time, arrival time) pair, in any order."""
        self.observations += 1
        b = dev_us // self.bin_us
        key = host_s - self.nominal * dev_us
        bins = self._bins
        if not bins or b > bins[-1][0]:
            bins.append((b, dev_us, host_s))
        else:  # the newest bin or an older one: keep each bin's lowest latency point
            for i in range(len(bins) - 1, -1, -1):
                bb, d0, h0 = bins[i]
                if bb == b:
                    if key < h0 - self.nominal * d0:
                        bins[i] = (b, dev_us, host_s)
                    break
                if bb < b:
                    break  # a bin the window never held: leave it out
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

    def to_device(self, host_s: float) -> float:
        """Device time in µs at host time ``host_s`` (the inverse of :meth:`to_host`)."""
        if self.intercept is None:
            raise RuntimeError("ClockFit.to_device before any observation")
        if self._dirty:
            self._refit()
        return (float(host_s) - self.intercept) / self.slope

    def as_meta(self, dev_us: int, host_origin_s: float) -> dict[str, Any]:
        """The map as recording metadata: the host time of device time ``dev_us``.

        Parameters
        ----------
        dev_us : int
            A device time (unwrapped, µs), e.g. a segment's first record.
        host_origin_s : float
            Host time (``time.monotonic``) the returned ``host_s`` is counted from.
        """
        if self.intercept is None:
            return {}
        return {
            "host_s": round(float(self.to_host(dev_us)) - host_origin_s, 6),
            "host_s_per_device_s": float(f"{self.slope * 1e6:.9g}"),
            "drift_ppm": None if (d := self.measured_drift_ppm()) is None else round(d, 2),
        }
