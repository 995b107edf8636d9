"""Notifications -> sample blocks, gaps and events: the client's decoding stage.

:class:`StreamAssembler` takes what the notification callback queued (host arrival time and
the bytes) plus link markers (connected / disconnected), and returns, in recording order,
:class:`~neckimu.samples.SampleBlock`, :class:`~neckimu.samples.Gap`,
:class:`~neckimu.recording.events.Event` and
:class:`~neckimu.recording.saturation.Saturation` objects. It

- decodes each packet; a malformed one is counted and dropped (never raises);
- stamps every record with the **device clock**: ``time_s`` is the unwrapped device µs
  counter, in s from the first record received, exact whatever the host's load
  (docs/recording-format.md, *Time base*);
- counts gaps: inside one connection a ``seq`` jump is a gap counted exactly (whole 2¹⁶ wraps
  resolved from device time); across a reconnect (*start* resets ``seq``) the gap is counted
  from device time and the measured sample period;
- keeps a device -> host clock map per device clock (:class:`~neckimu.ble.clock.ClockFit`),
  used only to place host events on the device time base and to judge plausibility: a record
  whose time is implausible (in the future of when it arrived, or at odds with its ``seq``)
  is a counted corrupt packet and moves nothing;
- notices a headset reboot (device clock and ``seq`` restart; the client reconnects): a new
  :class:`Segment` starts, placed after the old one by the host clock, with a ``reboot`` gap;
- marks the rows whose accelerometer or gyroscope was at full scale (a ``Saturation`` after
  their block) and counts them;
- holds the magnetometer (10–20 Hz) at each IMU row: a row leaves once a mag record newer than
  it has arrived (so the held value is final), or after ``mag_hold_s`` of device time; rows
  before the first mag record carry NaN (no magnetometer reading yet).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from neckimu.ble.clock import ClockFit, Unwrapper
from neckimu.errors import WireError
from neckimu.recording.events import Event
from neckimu.recording.saturation import saturation_runs
from neckimu.samples import Gap, SampleBlock
from neckimu.stream_stats import StreamStats
from neckimu.wire import SEQ_MOD, DecodedPacket, Info, decode_packet, saturated_imu


@dataclass(frozen=True)
class LinkMarker:
    """A link state change, queued in order with the notifications.

    ``kind`` is ``"connected"`` (streaming (re)started, ``seq`` reset to 0) or
    ``"disconnected"``; ``host_s`` is ``time.monotonic()``; ``info`` is the headset's info
    read on connecting.
    """

    kind: str
    host_s: float
    info: Info | None = None
    reason: str = ""


@dataclass
class Segment:
    """A stretch of the recording on one device clock (from the first start, or a reboot).

    Recording time (µs) of a device time ``t`` (unwrapped by :attr:`unwrap`) is
    ``time_us + t - origin_us``.
    """

    reason: str  #: "start" or "reboot"
    time_us: int  #: recording time of the segment's first record, µs
    origin_us: int  #: its device time, µs (unwrapped)
    unwrap: Unwrapper
    clock: ClockFit

    def rec_us(self, dev_us: int | float) -> int:
        """Recording time (µs) of device time ``dev_us`` (µs, unwrapped)."""
        return round(self.time_us + (dev_us - self.origin_us))


class StreamAssembler:
    """Turn queued notifications into recording items.

    Parameters
    ----------
    info : Info
        The headset's info characteristic (scales, nominal rate, mag on/off).
    clock_s_per_us : float
        Host seconds per device µs before the clock map is fitted: 1e-6 in real time; a
        simulated headset played ``speed`` times faster passes ``1e-6 / speed``.
    mag_hold_s : float
        Longest a row waits (device time) for the mag record that makes its held value
        final, s.
    future_tolerance_s : float
        A record whose device time maps to more than this after its arrival (host s) is
        implausible: a packet cannot arrive before it was measured.
    """

    #: a magnetometer or event record older than the newest record by more than this is
    #: corrupt (the firmware buffers far less), device µs
    max_reorder_us = 10_000_000

    def __init__(
        self,
        info: Info,
        clock_s_per_us: float = 1e-6,
        mag_hold_s: float = 0.25,
        future_tolerance_s: float = 2.0,
    ) -> None:
        self.info = info
        self.clock_s_per_us = float(clock_s_per_us)
        self.hold_us = int(mag_hold_s * 1e6)
        self.future_tolerance_s = float(future_tolerance_s)
        self.stats = StreamStats()
        self.segments: list[Segment] = []
        self._scales = self._scale_arrays(info)
        self._mag_on = info.mag_rate_hz > 0
        self._check_epoch = True  # the next record decides: same device clock, or a reboot
        self._link_gap = "reconnect"  # reason of the gap before a connection's first sample
        self._last_seq: int | None = None  # continuous index of the last IMU sample
        self._last_t: int | None = None  # its recording time, µs
        self._newest_rec = -(1 << 62)  # newest record of any kind, recording µs
        self._new_connection = True
        self._seq_offset = 0  # continuous index = device seq + offset (start resets seq)
        self._seg_first: tuple[int, int] | None = None  # (seq, t) of a connection's 1st sample
        self._period_sum_us = 0.0  # device µs across contiguous samples, all connections
        self._period_n = 0
        self._closed = (0.0, 0)  # (device µs, samples) of finished connections
        self._seg_span = (0.0, 0)  # the same for the current one
        # rows waiting for their magnetometer value: (gap or None, t_rec_us, imu, arrival)
        self._pending: list[tuple[tuple[int, str] | None, np.ndarray, np.ndarray, float]] = []
        #: arrival host time of each chunk of rows released by the last feed (latency bench)
        self.released_arrivals: list[tuple[float, int]] = []
        self._mag_t: list[int] = []  # recording µs
        self._mag_v: list[np.ndarray] = []
        self._newest_mag = -(1 << 62)
        self._newest_imu = -(1 << 62)
        self._last_out = -np.inf
        # events before the first sample wait for it: time 0 is the first sample
        self._early_events: list[tuple[int, int]] = []  # (recording µs, code)

    @staticmethod
    def _scale_arrays(info: Info) -> tuple[float, float, float]:
        f32 = np.float32
        return float(f32(info.gyr_scale)), float(f32(info.acc_scale)), float(f32(info.mag_scale))

    # -- public ----------------------------------------------------------------------------------
    @property
    def period_us(self) -> float:
        """Measured IMU sample period, µs (nominal until samples arrived)."""
        if self._period_n >= 8:
            return self._period_sum_us / self._period_n
        return 1e6 / self.info.imu_rate_hz

    @property
    def clock(self) -> ClockFit:
        """The device -> host map of the current device clock (an empty one before data)."""
        return self.segments[-1].clock if self.segments else ClockFit(self.clock_s_per_us)

    def feed(self, item: tuple[float, bytes] | LinkMarker) -> list[SampleBlock | Gap | Event]:
        """Process one queue item; returns what is ready for the recording, in order."""
        if isinstance(item, LinkMarker):
            return self._marker(item)
        host_s, data = item
        self.stats.packets += 1
        try:
            pkt = decode_packet(data)
        except WireError as e:
            self.stats.malformed += 1
            word = getattr(e, "reason", "other")
            self.stats.errors[word] = self.stats.errors.get(word, 0) + 1
            return []
        return self._packet(pkt, host_s)

    def flush(self) -> list[SampleBlock | Gap | Event]:
        """Release every waiting row (end of the recording)."""
        return self._events_out() + self._release(force=True)

    def host_time_s(self, host_s: float) -> float | None:
        """Recording time (s) of host time ``host_s`` (``time.monotonic``), through the
        clock map of the current device clock; None before the first record."""
        seg = self.segments[-1] if self.segments else None
        if seg is None or not seg.clock.ready:
            return None
        return max(0.0, seg.rec_us(seg.clock.to_device(host_s)) * 1e-6)

    def time_base_meta(self, host_origin_s: float) -> dict[str, Any]:
        """The time base for the recording's metadata: one entry per device clock segment.

        Parameters
        ----------
        host_origin_s : float
            Host time (``time.monotonic``) the segments' ``host_s`` are counted from.
        """
        return {
            "clock": "device",
            "segments": [
                {
                    "time_s": round(s.time_us * 1e-6, 6),
                    "reason": s.reason,
                    "device_us": s.origin_us % (1 << 32),
                    **s.clock.as_meta(s.origin_us, host_origin_s),
                }
                for s in self.segments
            ],
        }

    # -- internals -------------------------------------------------------------------------------
    def _marker(self, m: LinkMarker) -> list:
        out = self._release(force=True)
        if m.kind == "connected":
            self.stats.connections += 1
            self._new_connection = True
            self._check_epoch = True
            self._link_gap = "reconnect"
            if m.info is not None and m.info != self.info:
                self.info = m.info
                self._mag_on = m.info.mag_rate_hz > 0
        return out

    def _corrupt(self, reason: str) -> list:
        self.stats.corrupt += 1
        self.stats.corrupt_reasons[reason] = self.stats.corrupt_reasons.get(reason, 0) + 1
        return self._release()

    def _tolerance_us(self, seg: Segment) -> float:
        return self.future_tolerance_s / seg.clock.slope

    def _in_future(self, seg: Segment, dev_us: int, host_s: float) -> bool:
        """Whether ``dev_us`` maps to more than the tolerance after its arrival."""
        if not seg.clock.ready:
            return False
        return dev_us > seg.clock.to_device(host_s) + self._tolerance_us(seg)

    def _in_past(self, seg: Segment, dev_us: int, host_s: float) -> bool:
        """Whether ``dev_us`` maps to more than the tolerance before its arrival: the first
        record after a (re)connection is fresh (the board drops what it measured while not
        streaming), so a clock that far behind the host's has restarted — a reboot whose
        downtime outlasted the uptime before it, which no step backwards would show."""
        if not seg.clock.ready:
            return False
        return dev_us < seg.clock.to_device(host_s) - self._tolerance_us(seg)

    def _segment(self, raw_t0: int, host_s: float) -> tuple[Segment, int] | None:
        """The segment of a record with device time ``raw_t0`` (mod 2³²) and its unwrapped
        time; a new segment on a reboot; None if the record lies implausibly in the future."""
        if not self.segments:
            self._new_segment("start", 0, raw_t0)
        seg = self.segments[-1]
        t0 = seg.unwrap.peek(raw_t0)
        if not self._check_epoch:
            return seg, t0
        self._check_epoch = False
        newest = seg.unwrap.last
        if seg.unwrap.last is not None and (
            t0 <= newest or self._in_future(seg, t0, host_s) or self._in_past(seg, t0, host_s)
        ):  # the device clock restarted: the headset rebooted while the link was down
            if seg.clock.ready:
                est = seg.rec_us(seg.clock.to_device(host_s))
            else:
                est = self._newest_rec + 1
            floor = self._newest_rec + 1
            if self._last_t is not None:
                floor = max(floor, int(self._last_t + self.period_us))
            self.stats.reboots += 1
            self._link_gap = "reboot"
            seg = self._new_segment("reboot", max(est, floor), raw_t0)
            t0 = seg.unwrap.peek(raw_t0)
        return seg, t0

    def _new_segment(self, reason: str, time_us: int, raw_t0: int) -> Segment:
        seg = Segment(reason, int(time_us), int(raw_t0), Unwrapper(), ClockFit(self.clock_s_per_us))
        self.segments.append(seg)
        return seg

    def _accept(self, seg: Segment, t_dev: int, host_s: float) -> None:
        seg.unwrap.commit(t_dev)
        seg.clock.observe(t_dev, host_s)
        self._newest_rec = max(self._newest_rec, seg.rec_us(t_dev))

    def _packet(self, pkt: DecodedPacket, host_s: float) -> list:
        seg, t0 = self._segment(pkt.t0_us, host_s)
        if not pkt.n_imu:  # an event or magnetometer-only packet: out of order is legal
            newest = seg.unwrap.last if seg.unwrap.last is not None else t0
            if t0 < newest - self.max_reorder_us:
                return self._corrupt("too_old")
            if t0 > newest + self._tolerance_us(seg) and self._in_future(seg, t0, host_s):
                return self._corrupt("future_time")
        if pkt.event_code is not None:
            self._accept(seg, t0, host_s)
            self._early_events.append((seg.rec_us(t0), pkt.event_code))
            if self._last_seq is None:
                return []  # until the first sample sets time 0
            return self._events_out() + self._release()
        if pkt.n_imu:
            if pkt.n_imu >= 2 and pkt.span_us < pkt.n_imu - 1:
                # legal bytes, impossible timing: two samples at one device time
                self.stats.malformed += 1
                self.stats.errors["bad_span"] = self.stats.errors.get("bad_span", 0) + 1
                return self._release()
            t_dev = t0 + pkt.imu_dt_us
            if self._last_seq is None and len(self.segments) == 1:
                self._set_time_zero(int(seg.rec_us(int(t_dev[0]))))
            t = seg.time_us + (t_dev - seg.origin_us)  # recording µs
            gap = self._sequence(pkt, int(t[0]), seg, int(t_dev[-1]), host_s)
            if isinstance(gap, str):
                if gap == "stale":
                    self.stats.stale += 1
                    return self._release()
                return self._corrupt(gap)
            if pkt.overflow:
                self.stats.overflow_packets += 1
            self._accept(seg, int(t_dev[-1]), host_s)
            missing, reason = gap
            gap_before = (missing, reason) if missing else None
            self._pending.append((gap_before, t, pkt.imu.copy(), host_s))
            self._newest_imu = int(t[-1])
            self._last_t = int(t[-1])
        else:
            self._accept(seg, t0, host_s)
        if pkt.n_mag:
            for dt, v, sat in zip(
                pkt.mag_dt_us.tolist(), pkt.mag, pkt.mag_saturated.tolist(), strict=True
            ):
                mt = seg.rec_us(t0 + dt)
                if mt > self._newest_mag:
                    self._mag_t.append(mt)
                    self._mag_v.append(np.array(v, dtype=np.int16))
                    self._newest_mag = mt
                    self.stats.saturated_mag += sat
        return self._events_out() + self._release()

    def _set_time_zero(self, rec_us: int) -> None:
        """Shift the first segment so that recording time 0 is ``rec_us`` (the first sample);
        records already kept (magnetometer, early events) move with it."""
        self.segments[0].time_us -= rec_us
        self._mag_t = [t - rec_us for t in self._mag_t]
        self._early_events = [(t - rec_us, c) for t, c in self._early_events]
        if self._mag_t:
            self._newest_mag -= rec_us
        self._newest_rec -= rec_us

    def _events_out(self) -> list:
        out = []
        for t_us, code in self._early_events:
            try:
                out.append(Event.from_code(t_us * 1e-6, code))
            except ValueError:
                self.stats.unknown_events += 1
        self.stats.events += len(out)
        self._early_events.clear()
        return out

    def _sequence(
        self, pkt: DecodedPacket, t_first: int, seg: Segment, t_last_dev: int, host_s: float
    ) -> tuple[int, str] | str:
        """Continuous index of the packet's samples: (missing before it, reason), or why it
        is dropped ("stale", or the reason it is corrupt)."""
        n = pkt.n_imu
        if self._last_seq is None or self._last_t is None:
            self._last_seq = pkt.seq + n - 1
            self._seq_offset = 0
            self._seg_first = (pkt.seq, t_first)
            self._new_connection = False
            self._account(pkt.seq, t_first)
            return (0, "")
        if t_first <= self._last_t:
            return "stale"
        period = self.period_us
        if self._new_connection:
            # start reset seq: count the gap from device time
            missing = max(0, round((t_first - self._last_t) / period) - 1)
            self._new_connection = False
            c, g = self._closed, self._seg_span
            self._closed = (c[0] + g[0], c[1] + g[1])
            self._seg_span = (0.0, 0)
            self._last_seq = self._last_seq + missing + n  # a continuous index across links
            self._seq_offset = self._last_seq - n + 1 - pkt.seq  # start reset the device's seq
            self._seg_first = (self._last_seq - n + 1, t_first)
            self._account(self._last_seq - n + 1, t_first)
            return (missing, self._link_gap)
        expected = self._last_seq + 1
        d = (pkt.seq + self._seq_offset - expected) % SEQ_MOD
        gap_us = t_first - (self._last_t + period)
        k = round((gap_us / period - d) / SEQ_MOD)
        missing = d + SEQ_MOD * k
        if missing < 0:
            return "stale"
        # seq and device time must tell the same story (jitter, drift, rate error aside)
        if abs(gap_us - missing * period) > 0.5 * period + 2000.0 + 0.01 * abs(gap_us):
            return "seq_time_mismatch"
        if k > 0 and self._in_future(seg, t_last_dev, host_s):
            return "future_time"  # whole seq wraps need that much host time too
        self._last_seq = expected + missing + n - 1
        self._account(self._last_seq - n + 1, t_first)
        return (missing, "device overflow" if pkt.overflow else "lost packets")

    def _account(self, seq_first: int, t_first: int) -> None:
        """Track the mean sample period: device time over seq within each connection."""
        assert self._seg_first is not None
        s0, t0 = self._seg_first
        if seq_first > s0:
            self._seg_span = (t_first - t0, seq_first - s0)
            self._period_sum_us = self._closed[0] + self._seg_span[0]
            self._period_n = self._closed[1] + self._seg_span[1]

    def _release(self, force: bool = False) -> list:
        if not self._pending:
            return []
        if force or not self._mag_on or self.hold_us <= 0:
            limit = 1 << 62  # no hold: every row goes out with the latest magnetometer value
        else:
            limit = max(self._newest_mag, self._newest_imu - self.hold_us)
        out: list = []
        while self._pending:
            gap, t, imu, arrival = self._pending[0]
            k = int(np.searchsorted(t, limit, side="left"))  # rows with t < limit are final
            if k == 0:
                break
            if k < len(t):
                self._pending[0] = (None, t[k:], imu[k:], arrival)
                t, imu = t[:k], imu[:k]
            else:
                self._pending.pop(0)
            self.released_arrivals.append((arrival, len(t)))
            out += self._emit(gap, t, imu)
        return out

    def _emit(self, gap: tuple[int, str] | None, t_rec: np.ndarray, imu: np.ndarray) -> list:
        ts = t_rec * 1e-6
        if ts[0] <= self._last_out:  # cannot happen (stale rows are dropped); stay increasing
            ts = np.maximum(ts, self._last_out + 1e-6 * np.arange(1, len(ts) + 1))
        self._last_out = float(ts[-1])
        gs, as_, ms = self._scales
        mag = None
        if self._mag_on or self._mag_t:
            mag = self._held_mag(t_rec) * ms
        out: list = []
        if gap is not None:
            self.stats.gaps += 1
            self.stats.missing += gap[0]
            out.append(Gap(float(ts[0]), gap[0], gap[1]))
        block = SampleBlock(ts, imu[:, :3] * gs, imu[:, 3:] * as_, mag)
        self.stats.samples += len(block)
        out.append(block)
        sat = saturated_imu(imu)  # the counts the firmware flags on (docs/wire-format.md)
        if sat.any():
            self.stats.saturated += int(sat.sum())
            out += saturation_runs(ts, sat)
        return out

    def _held_mag(self, t_rec: np.ndarray) -> np.ndarray:
        """The magnetometer held at each row; NaN before the first magnetometer record."""
        if not self._mag_t:
            return np.full((len(t_rec), 3), np.nan)
        mt = np.asarray(self._mag_t, dtype=np.int64)
        j = np.searchsorted(mt, t_rec, side="right") - 1
        vals = np.asarray(self._mag_v, dtype=np.float64)[np.clip(j, 0, None)]
        vals[j < 0] = np.nan  # no magnetometer reading yet
        # rows come in time order: later rows need the record held now or newer ones
        keep = int(max(j.max(), 0))
        del self._mag_t[:keep], self._mag_v[:keep]
        return vals
