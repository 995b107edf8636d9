"""Notifications -> sample blocks, gaps and events: the client's decoding stage.

:class:`StreamAssembler` takes what the notification callback queued (host arrival time and
the bytes) plus link markers (connected / disconnected), and returns, in recording order,
:class:`~neckimu.samples.SampleBlock`, :class:`GapRecord`,
:class:`~neckimu.recording.events.Event` and
:class:`~neckimu.recording.saturation.Saturation` objects. It

- decodes each packet; a malformed one is counted and dropped (never raises);
- unwraps device time and ``seq``; inside one connection a ``seq`` jump is a gap counted
  exactly (whole 2¹⁶ wraps resolved from device time); across a reconnect (``start`` resets
  ``seq``) the gap is counted from device time and the measured sample period;
- maps device time to host time (:class:`~neckimu.ble.clock.ClockFit`) and keeps the time
  stamps strictly increasing;
- marks the rows whose accelerometer or gyroscope was at full scale (a ``Saturation`` after
  their block) and counts them;
- holds the magnetometer (20 Hz) at each IMU row: a row leaves once a mag record newer than it
  has arrived (so the held value is final), or after ``mag_hold_s`` of device time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from neckimu.ble.clock import ClockFit, Unwrapper
from neckimu.errors import ProtocolError
from neckimu.protocol import SEQ_MOD, DecodedPacket, Info, decode_packet, saturated_imu
from neckimu.recording.events import Event
from neckimu.recording.saturation import saturation_runs
from neckimu.samples import SampleBlock

_MIN_STEP_S = 1e-5  # strictly increasing, also after rounding to µs in the file


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


@dataclass(frozen=True)
class GapRecord:
    """``missing`` samples the headset produced that did not reach us, before ``time_s``."""

    time_s: float
    missing: int
    reason: str


@dataclass
class StreamStats:
    """Counters of one stream (all since the assembler was made)."""

    packets: int = 0  #: notifications fed
    malformed: int = 0  #: dropped: not docs/protocol.md
    stale: int = 0  #: dropped: older than what was already written (duplicate, reordered)
    samples: int = 0  #: IMU rows emitted
    missing: int = 0  #: samples counted in gaps
    gaps: int = 0
    events: int = 0
    unknown_events: int = 0
    connections: int = 0
    overflow_packets: int = 0
    saturated: int = 0  #: IMU rows emitted with an accelerometer or gyroscope at full scale
    saturated_mag: int = 0  #: magnetometer records of packets flagged saturated
    errors: dict[str, int] = field(default_factory=dict)  #: malformed, by reason


class StreamAssembler:
    """Turn queued notifications into recording items.

    Parameters
    ----------
    info : Info
        The headset's info characteristic (scales, nominal rate, mag on/off).
    clock : ClockFit, optional
        Device -> host map; a new one at real-time speed by default.
    host_origin_s : float
        Host time (s, ``time.monotonic``) that becomes ``time_s = 0`` in the recording.
    mag_hold_s : float
        Longest a row waits (device time) for the mag record that makes its held value
        final, s.
    time_scale : float
        Recording seconds per host second: 1 in real time; a simulated headset played
        ``speed`` times faster passes ``speed``, so the recording keeps the session's own
        time base (a 40 s session is 40 s long, whatever the playback speed).
    """

    def __init__(
        self,
        info: Info,
        clock: ClockFit | None = None,
        host_origin_s: float = 0.0,
        mag_hold_s: float = 0.25,
        time_scale: float = 1.0,
    ) -> None:
        self.info = info
        self.clock = clock or ClockFit()
        self.origin = host_origin_s
        self.time_scale = float(time_scale)
        self.hold_us = int(mag_hold_s * 1e6)
        self.stats = StreamStats()
        self._time = Unwrapper()
        self._scales = self._scale_arrays(info)
        self._mag_on = info.mag_rate_hz > 0
        self._last_seq: int | None = None  # unwrapped index of the last IMU sample
        self._last_t: int | None = None  # its device time, µs unwrapped
        self._new_segment = True
        self._seq_offset = 0  # continuous index = device seq + offset (start resets seq)
        self._seg_first: tuple[int, int] | None = None  # (seq, t) of a segment's first sample
        self._period_sum_us = 0.0  # device µs across contiguous samples, all segments
        self._period_n = 0
        self._closed = (0.0, 0)  # (device µs, samples) of finished connections
        self._seg_span = (0.0, 0)  # the same for the current one
        # rows waiting for their magnetometer value: chunks of (gap or None, t_dev, imu)
        self._pending: list[tuple[tuple[int, str] | None, np.ndarray, np.ndarray, float]] = []
        #: arrival host time of each chunk of rows released by the last feed (latency bench)
        self.released_arrivals: list[tuple[float, int]] = []
        self._mag_t: list[int] = []
        self._mag_v: list[np.ndarray] = []
        self._newest_mag = -(1 << 62)
        self._newest_imu = -(1 << 62)
        self._last_out = -np.inf

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

    def feed(self, item: tuple[float, bytes] | LinkMarker) -> list[SampleBlock | GapRecord | Event]:
        """Process one queue item; returns what is ready for the recording, in order."""
        if isinstance(item, LinkMarker):
            return self._marker(item)
        host_s, data = item
        self.stats.packets += 1
        try:
            pkt = decode_packet(data)
        except ProtocolError as e:
            self.stats.malformed += 1
            word = getattr(e, "reason", "other")
            self.stats.errors[word] = self.stats.errors.get(word, 0) + 1
            return []
        return self._packet(pkt, host_s)

    def flush(self) -> list[SampleBlock | GapRecord | Event]:
        """Release every waiting row (end of the recording)."""
        return self._release(force=True)

    # -- internals -------------------------------------------------------------------------------
    def _marker(self, m: LinkMarker) -> list:
        out = self._release(force=True)
        if m.kind == "connected":
            self.stats.connections += 1
            self._new_segment = True
            if m.info is not None and m.info != self.info:
                self.info = m.info
                self._mag_on = m.info.mag_rate_hz > 0
        return out

    def _packet(self, pkt: DecodedPacket, host_s: float) -> list:
        t0 = self._time(pkt.t0_us)
        out: list = []
        if pkt.event_code is not None:
            self.clock.observe(t0, host_s)
            try:
                ev = Event.from_code(float(self._map(np.array([t0]))[0]), pkt.event_code)
            except ValueError:
                self.stats.unknown_events += 1
                return out
            self.stats.events += 1
            return [ev]
        if pkt.n_mag:
            mt = t0 + pkt.mag_dt_us
            for t, v, sat in zip(mt.tolist(), pkt.mag, pkt.mag_saturated.tolist(), strict=True):
                if t > self._newest_mag:
                    self._mag_t.append(t)
                    self._mag_v.append(np.array(v, dtype=np.int16))
                    self._newest_mag = t
                    self.stats.saturated_mag += sat
        if pkt.n_imu:
            if pkt.n_imu >= 2 and pkt.span_us < pkt.n_imu - 1:
                # legal bytes, impossible timing: two samples at one device time
                self.stats.malformed += 1
                self.stats.errors["bad_span"] = self.stats.errors.get("bad_span", 0) + 1
                return self._release()
            t = t0 + pkt.imu_dt_us
            gap = self._sequence(pkt, int(t[0]))
            if gap is None:
                self.stats.stale += 1
                return self._release()
            if pkt.overflow:
                self.stats.overflow_packets += 1
            self.clock.observe(int(t[-1]), host_s)
            missing, reason = gap
            gap_before = (missing, reason) if missing else None
            self._pending.append((gap_before, t, pkt.imu.copy(), host_s))
            self._newest_imu = int(t[-1])
            self._last_t = int(t[-1])
        else:
            self.clock.observe(t0, host_s)
        return out + self._release()

    def _sequence(self, pkt: DecodedPacket, t_first: int) -> tuple[int, str] | None:
        """Unwrapped seq of the packet; returns (missing before it, reason) or None if stale."""
        n = pkt.n_imu
        if self._last_seq is None or self._last_t is None:
            self._last_seq = pkt.seq + n - 1
            self._seg_first = (pkt.seq, t_first)
            self._new_segment = False
            self._account(pkt.seq, t_first, n)
            return (0, "")
        if t_first <= self._last_t:
            return None
        period = self.period_us
        if self._new_segment:
            # start reset seq: count the gap from device time
            missing = max(0, round((t_first - self._last_t) / period) - 1)
            self._new_segment = False
            c, g = self._closed, self._seg_span
            self._closed = (c[0] + g[0], c[1] + g[1])
            self._seg_span = (0.0, 0)
            self._last_seq = self._last_seq + missing + n  # a continuous index across segments
            self._seq_offset = self._last_seq - n + 1 - pkt.seq  # start reset the device's seq
            self._seg_first = (self._last_seq - n + 1, t_first)
            self._account(self._last_seq - n + 1, t_first, n)
            return (missing, "reconnect")
        expected = self._last_seq + 1
        d = (pkt.seq + self._seq_offset - expected) % SEQ_MOD
        gap_us = t_first - (self._last_t + period)
        k = round((gap_us / period - d) / SEQ_MOD)
        missing = d + SEQ_MOD * k
        if missing < 0:
            return None
        self._last_seq = expected + missing + n - 1
        self._account(self._last_seq - n + 1, t_first, n)
        return (missing, "device overflow" if pkt.overflow else "lost packets")

    def _account(self, seq_first: int, t_first: int, n: int) -> None:
        """Track the mean sample period: device time over seq within each connection."""
        del n
        assert self._seg_first is not None
        s0, t0 = self._seg_first
        if seq_first > s0:
            self._seg_span = (t_first - t0, seq_first - s0)
            self._period_sum_us = self._closed[0] + self._seg_span[0]
            self._period_n = self._closed[1] + self._seg_span[1]

    def _map(self, t_dev: np.ndarray) -> np.ndarray:
        return (self.clock.to_host(t_dev) - self.origin) * self.time_scale

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

    def _emit(self, gap: tuple[int, str] | None, t_dev: np.ndarray, imu: np.ndarray) -> list:
        ts = self._map(t_dev)
        if ts[0] <= self._last_out:
            ts = np.maximum(ts, self._last_out + _MIN_STEP_S * np.arange(1, len(ts) + 1))
        self._last_out = float(ts[-1])
        gs, as_, ms = self._scales
        mag = None
        if self._mag_on or self._mag_t:
            mag = self._held_mag(t_dev) * ms
        out: list = []
        if gap is not None:
            self.stats.gaps += 1
            self.stats.missing += gap[0]
            out.append(GapRecord(float(ts[0]), gap[0], gap[1]))
        block = SampleBlock(ts, imu[:, :3] * gs, imu[:, 3:] * as_, mag)
        self.stats.samples += len(block)
        out.append(block)
        sat = saturated_imu(imu)  # the counts the firmware flags on (docs/protocol.md)
        if sat.any():
            self.stats.saturated += int(sat.sum())
            out += saturation_runs(ts, sat)
        return out

    def _held_mag(self, t_dev: np.ndarray) -> np.ndarray:
        if not self._mag_t:
            return np.full((len(t_dev), 3), np.nan)
        mt = np.asarray(self._mag_t, dtype=np.int64)
        j = np.clip(np.searchsorted(mt, t_dev, side="right") - 1, 0, None)
        vals = np.asarray(self._mag_v, dtype=np.float64)[j]
        # rows come in time order: later rows need the record held now or newer ones
        del self._mag_t[: int(j.max())], self._mag_v[: int(j.max())]
        return vals
