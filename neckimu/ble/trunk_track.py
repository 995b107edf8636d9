"""The trunk board's stream on the head's time base (issue 15): a trunk sample's time goes
trunk device clock -> host clock (the trunk's map) -> head device clock (the inverse of the
head's map) -> the head's recording time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from neckimu.ble.client import HeadsetClient
from neckimu.ble.stream import StreamAssembler
from neckimu.recording.saturation import Saturation
from neckimu.samples import Gap, SampleBlock
from neckimu.stream_stats import StreamStats


@dataclass
class TrunkResult:
    """What a recording run did with the trunk board."""

    stats: StreamStats
    connections: int = 0
    silences: int = 0
    drift_ppm: float = 0.0
    #: trunk samples whose mapped time did not advance past the previous one's and were moved
    #: just after it (a clock map that stepped back), count
    adjusted: int = 0


class TrunkTrack:
    """The trunk board's stream, placed on the head's time base.

    Parameters
    ----------
    client : HeadsetClient
        The trunk board's client (``role="trunk"``), not started yet.
    clock_s_per_us : float
        As :class:`Recorder`.
    mag_hold_s : float
        As :class:`Recorder`.
    mount : str
        The trunk mount preset (``neckimu/mounts.toml`` ``[trunk.*]``).
    """

    def __init__(
        self, client: HeadsetClient, clock_s_per_us: float, mag_hold_s: float, mount: str
    ) -> None:
        self.client = client
        self.clock_s_per_us = clock_s_per_us
        self.mag_hold_s = mag_hold_s
        self.mount = mount
        self.assembler: StreamAssembler | None = None
        self.adjusted = 0
        self.unplaced_events = 0
        self._waiting: list[Any] = []  # trunk items before the head's clock map exists
        self._last_t = -np.inf

    def open(self, info: Any) -> dict[str, Any]:
        """Start decoding; returns the recording header's ``trunk`` metadata."""
        self.assembler = StreamAssembler(
            info, clock_s_per_us=self.clock_s_per_us, mag_hold_s=self.mag_hold_s
        )
        c = self.client
        return {
            "device": {"name": c.name, "address": c.address, "role": "trunk"},
            "att_mtu": c.mtu,
            **info.as_meta(),
            "mount": self.mount,
            "has_mag": info.mag_rate_hz > 0,
        }

    @property
    def last_s(self) -> float:
        """Head recording time of the last trunk sample written, s (-inf before any)."""
        return self._last_t

    def to_head_s(self, t_s: np.ndarray, head: StreamAssembler) -> np.ndarray | None:
        """Head recording time (s) of trunk recording times ``t_s`` (s); None while either
        clock map is missing."""
        a = self.assembler
        if a is None or not a.segments or not head.segments:
            return None
        hseg = head.segments[-1]
        if not hseg.clock.ready:
            return None
        t_us = np.asarray(t_s, dtype=np.float64) * 1e6
        starts = np.array([seg.time_us for seg in a.segments], dtype=np.float64)
        which = np.clip(np.searchsorted(starts, t_us, side="right") - 1, 0, len(starts) - 1)
        out = np.empty(len(t_us))
        for k in np.unique(which):  # one device clock per segment (a reboot starts another)
            seg = a.segments[int(k)]
            if not seg.clock.ready:
                return None
            sel = which == k
            host = seg.clock.to_host(seg.origin_us + (t_us[sel] - seg.time_us))
            h_dev = hseg.clock.to_device(0.0) + host / hseg.clock.slope
            out[sel] = (hseg.time_us + (h_dev - hseg.origin_us)) * 1e-6
        return np.round(out, 6)

    def feed(self, item: Any, head: StreamAssembler) -> list[tuple[str, Any]]:
        """Decode one queued trunk item; returns what can be written now as ``(kind, obj)``
        on the head's time base (kinds ``block``, ``gap``, ``sat``)."""
        assert self.assembler is not None
        self._waiting += self.assembler.feed(item)
        return self.place(head)

    def place(self, head: StreamAssembler, force: bool = False) -> list[tuple[str, Any]]:
        """The waiting items placed on the head's time base (all of them with ``force``:
        on the trunk's own time base if the head never had a clock map)."""
        if not self._waiting:
            return []
        probe = self.to_head_s(np.zeros(1), head)
        if probe is None and not force:
            return []
        items, self._waiting = self._waiting, []
        out: list[tuple[str, Any]] = []
        for o in items:
            if isinstance(o, SampleBlock):
                t = self.to_head_s(o.t, head)
                t = o.t.copy() if t is None else t
                t = self._after_last(t)
                self._last_t = float(t[-1])
                out.append(("block", SampleBlock(t, o.gyr, o.acc, o.mag)))
            elif isinstance(o, Gap):
                t = self.to_head_s(np.array([o.time_s]), head)
                out.append(
                    ("gap", Gap(float(o.time_s if t is None else t[0]), o.missing, o.reason))
                )
            elif isinstance(o, Saturation):
                t = self.to_head_s(np.array([o.t0_s, o.t1_s]), head)
                if t is not None:
                    o = Saturation(float(t[0]), float(t[1]), o.n)
                out.append(("sat", o))
            else:  # an event from the trunk board: cues go to the head
                self.unplaced_events += 1
        return out

    def _after_last(self, t: np.ndarray) -> np.ndarray:
        """``t`` made to advance past the last trunk time written by >= 1 µs at every sample
        (a clock map that stepped back moves a few samples forward: order kept, nothing
        lost; counted in :attr:`adjusted`)."""
        if t[0] > self._last_t and (len(t) < 2 or (np.diff(t) > 0).all()):
            return t
        step = np.arange(len(t)) * 1e-6
        v = np.maximum.accumulate(np.concatenate([[self._last_t + 1e-6], t - step]))[1:]
        fixed = np.round(v + step, 6)
        self.adjusted += int(np.count_nonzero(fixed != t))
        return fixed

    def result(self) -> TrunkResult:
        """The trunk board's counters."""
        a = self.assembler
        return TrunkResult(
            a.stats if a else StreamStats(),
            self.client.connections,
            self.client.silences,
            a.clock.drift_ppm if a else 0.0,
            self.adjusted,
        )
