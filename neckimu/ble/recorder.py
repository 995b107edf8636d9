"""Drive a headset client into a recording: queue -> :class:`StreamAssembler` -> file.

The recorder owns the file: it opens it when the headset first answers (the header needs the
headset's info), writes blocks, gaps and events as they come, flushes at least once a second
even when the link is silent, and on stop, on an error or on Ctrl-C (task cancellation)
drains what was received, writes the counters as a ``# meta`` line and closes the file.

With a second board on the trunk (issue 15) the recorder runs two clients, each with its own
:class:`StreamAssembler` (gaps, reconnects, reboots and the device -> host clock map counted
per board), and writes one format v2 recording on the head's time base: a trunk sample's time
goes trunk device clock -> host clock (the trunk's map) -> head device clock (the inverse of
the head's map) -> the head's recording time (:class:`~neckimu.ble.trunk_track.TrunkTrack`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from neckimu.ble.client import HeadsetClient
from neckimu.ble.stream import LinkMarker, StreamAssembler
from neckimu.ble.trunk_track import TrunkResult, TrunkTrack
from neckimu.errors import DeviceError
from neckimu.recording.events import Event
from neckimu.recording.saturation import Saturation
from neckimu.recording.writer import RecordingWriter
from neckimu.samples import Gap, SampleBlock
from neckimu.stream_stats import StreamStats

log = logging.getLogger(__name__)

#: With two boards, a board whose data end this much host time before the other's is reported
#: as lost at the end (its link went and did not come back), s. A simulated playback ``speed``
#: times faster than real time is measured on its own clock: the limit is ``speed`` times this
#: in recording time (at 8x, the two links closing 0.3 s apart on Ctrl-C are 2.4 s of data).
LOST_AT_END_S = 2.0


class RecorderListener(Protocol):
    """What a live view receives from a :class:`Recorder`, besides the file it writes.

    Called from the recorder's event loop; implementations hand the data on and return fast.
    """

    def on_open(self, info: Any, meta: dict[str, Any]) -> None:
        """The headset answered: its info characteristic and the recording's header."""

    def on_link(self, kind: str) -> None:
        """The link changed: ``connected``, ``disconnected``, ..."""

    def on_items(self, items: list[Any], arrivals: list[float]) -> None:
        """Decoded items (SampleBlock, Gap, Event), just written to the file, and the
        host arrival times (``time.monotonic``) of the notifications they came from."""

    def on_trunk_block(self, block: SampleBlock) -> None:
        """Samples of the trunk board, on the head's time base, just written to the file
        (only with a trunk board; optional for listeners that never record one)."""


@dataclass
class RecordResult:
    """What a recording run did."""

    path: Path
    stats: StreamStats
    connections: int = 0
    silences: int = 0
    interrupted: bool = False
    drift_ppm: float = 0.0
    latencies_s: list[float] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  #: what the user should know (one line each)
    trunk: TrunkResult | None = None  #: the trunk board's side, when there was one


class Recorder:
    """Record one headset.

    Parameters
    ----------
    client : HeadsetClient
        Not started yet; the recorder starts and closes it.
    path : str or Path
        The recording to write (``.gz`` compresses).
    meta : dict, optional
        Extra header fields (mount, subject, ...).
    duration_s : float, optional
        Stop after this much host time from the first connection, s.
    clock_s_per_us : float
        Host seconds per device µs before the drift fit (1e-6 in real time).
    first_connect_timeout_s : float
        Give up (DeviceError) when the headset has not answered by then, s.
    measure_latency : bool
        Keep, per notification, the time from its arrival (callback) to the decoded block
        holding its samples, s (bench).
    listener : RecorderListener, optional
        Receives what is written, as it is written (a live view).
    mag_hold_s : float
        Longest a row waits for the magnetometer record that makes its held value exact, s.
        0 releases rows at once with the latest magnetometer value known (live views: the
        20 Hz magnetometer otherwise adds up to ~50 ms of latency to every sample).
    trunk : HeadsetClient, optional
        A second board on the trunk (``role="trunk"``), not started yet: the recording is
        format v2 with its samples on the head's time base (:class:`TrunkTrack`).
    trunk_mount : str
        Where the trunk board is worn (a ``[trunk.*]`` preset of ``neckimu/mounts.toml``).
    """

    def __init__(
        self,
        client: HeadsetClient,
        path: str | Path,
        *,
        meta: dict[str, Any] | None = None,
        duration_s: float | None = None,
        clock_s_per_us: float = 1e-6,
        first_connect_timeout_s: float = 60.0,
        measure_latency: bool = False,
        listener: RecorderListener | None = None,
        mag_hold_s: float = 0.25,
        trunk: HeadsetClient | None = None,
        trunk_mount: str = "between_shoulder_blades",
    ) -> None:
        self.client = client
        self.path = Path(path)
        self.meta = dict(meta or {})
        self.duration_s = duration_s
        self.clock_s_per_us = clock_s_per_us
        self.first_connect_timeout_s = first_connect_timeout_s
        self.measure_latency = measure_latency
        self.listener = listener
        self.mag_hold_s = mag_hold_s
        #: more metadata for the closing ``# meta`` line (e.g. how a playback went)
        self.final_meta: dict[str, Any] = {}
        self.stop_event = asyncio.Event()
        self.writer: RecordingWriter | None = None
        self.assembler: StreamAssembler | None = None
        self.origin = time.monotonic()
        self._latencies: list[float] = []
        self._notes: list[str] = []
        self._head_last_t = -float("inf")
        self._head_link = "connected"  # the head's last link state (what a live view shows)
        self.trunk = (
            None if trunk is None else TrunkTrack(trunk, clock_s_per_us, mag_hold_s, trunk_mount)
        )
        if trunk is not None:
            client.connect_lock = trunk.connect_lock = asyncio.Lock()

    def stop(self) -> None:
        """Ask :meth:`run` to finish (drain, close the file); call it on the recorder's loop."""
        self.stop_event.set()
        self.client.queue.put_nowait(None)  # wake the consumer now, not at its next timeout

    async def mark(self, event: Event) -> None:
        """Write an exercise cue, stamped by the headset's clock when it is connected.

        When the headset cannot echo it (not connected), the cue is placed on the device time
        base through the clock map at the host time now; ``event.time_s`` is used only before
        the first record arrived (no map yet). A cue after :meth:`stop` is not written: the
        person stopped the session before it (a simulated headset's clock runs on once its link
        is closed, and would cue the rest of the routine into the file).
        """
        if self.stop_event.is_set():
            return
        try:
            await self.client.mark_event(event.code())
        except DeviceError:
            if self.writer is None:
                return
            placed = (
                None if self.assembler is None else self.assembler.host_time_s(time.monotonic())
            )
            ev = event if placed is None else Event(placed, event.event, event.exercise)
            self.writer.write_event(ev)
            if self.listener is not None:
                self.listener.on_items([ev], [])

    async def run(self) -> RecordResult:
        """Record until the duration, :meth:`stop`, or cancellation (Ctrl-C)."""
        interrupted = False
        self.origin = time.monotonic()
        self.client.start()
        if self.trunk is not None:
            self.trunk.client.start()
        try:
            info = await self.client.wait_connected(self.first_connect_timeout_s)
            tinfo = None
            if self.trunk is not None:
                tinfo = await self.trunk.client.wait_connected(self.first_connect_timeout_s)
            self._open(info, tinfo)
            await self._consume()
        except asyncio.CancelledError:
            interrupted = True  # Ctrl-C: consume the cancellation, close the file cleanly
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()
        finally:
            await self._finish()
        assert self.assembler is not None or self.writer is None
        stats = self.assembler.stats if self.assembler else StreamStats()
        return RecordResult(
            self.path,
            stats,
            self.client.connections,
            self.client.silences,
            interrupted,
            self.assembler.clock.drift_ppm if self.assembler else 0.0,
            self._latencies,
            notes=list(self._notes),
            trunk=None if self.trunk is None else self.trunk.result(),
        )

    # -- internals -----------------------------------------------------------------------------
    def _open(self, info: Any, trunk_info: Any = None) -> None:
        c = self.client
        meta = {
            "source": "ble",
            "created": datetime.now().astimezone().isoformat(timespec="seconds"),
            "device_name": c.name,
            "device_address": c.address,
            "att_mtu": c.mtu,
            "time_base": {"clock": "device"},
            **info.as_meta(),
            **self.meta,
        }
        tmeta = None
        if self.trunk is not None and trunk_info is not None:
            tmeta = self.trunk.open(trunk_info)
        self.writer = RecordingWriter(self.path, meta, has_mag=info.mag_rate_hz > 0, trunk=tmeta)
        self.assembler = StreamAssembler(
            info, clock_s_per_us=self.clock_s_per_us, mag_hold_s=self.mag_hold_s
        )
        if self.listener is not None:
            self.listener.on_open(info, meta if tmeta is None else {**meta, "trunk": tmeta})

    async def _consume(self) -> None:
        assert self.writer is not None
        t_end = None if self.duration_s is None else time.monotonic() + self.duration_s
        q = self.client.queue
        while not self.stop_event.is_set():
            timeout = 0.5 if self.trunk is None else 0.05
            self._drain_trunk()
            if t_end is not None:
                timeout = min(timeout, t_end - time.monotonic())
                if timeout <= 0:
                    break
            try:
                item = await asyncio.wait_for(q.get(), timeout)
            except TimeoutError:
                self.writer.flush() if self.writer.flush_due else None
                self.client.raise_if_failed()  # a DeviceError ends the recording
                if self.trunk is not None:
                    self.trunk.client.raise_if_failed()  # the trunk board's ends it too
                continue
            for it in [item, *(q.get_nowait() for _ in range(q.qsize()))]:
                if it is not None:  # None: the wake-up of stop()
                    self._handle(it)

    def _drain_trunk(self) -> None:
        """Write what the trunk board's queue holds (on the head's time base)."""
        tr = self.trunk
        if tr is None or tr.assembler is None or self.assembler is None:
            return
        q = tr.client.queue
        while not q.empty():
            item = q.get_nowait()
            if item is not None:
                if isinstance(item, LinkMarker):
                    self._tell_link("trunk", item, "head")
                self._write_trunk(tr.feed(item, self.assembler))
        self._write_trunk(tr.place(self.assembler))

    def _write_trunk(self, outs: list[tuple[str, Any]]) -> None:
        assert self.writer is not None
        tell = getattr(self.listener, "on_trunk_block", None)
        for kind, o in outs:
            if kind == "block":
                self.writer.write_trunk_block(o)
                if tell is not None:
                    tell(o)
            elif kind == "gap":
                self.writer.write_gap(o.time_s, o.missing, o.reason, sensor="trunk")
            elif kind == "sat":
                self.writer.write_saturation(o, sensor="trunk")

    def _handle(self, item: tuple[float, bytes] | LinkMarker) -> None:
        assert self.writer is not None and self.assembler is not None
        if isinstance(item, LinkMarker) and self.listener is not None:
            self._head_link = item.kind
            self.listener.on_link(item.kind)
        if isinstance(item, LinkMarker) and self.trunk is not None:
            self._tell_link("head", item, "trunk")
        outs = self.assembler.feed(item)
        arrivals = [a for a, _ in self.assembler.released_arrivals]
        self.assembler.released_arrivals.clear()
        if self.measure_latency:
            now = time.monotonic()
            self._latencies += [now - a for a in arrivals]
        self._write(outs)
        if self.listener is not None and outs:
            self.listener.on_items(outs, arrivals)

    def _tell_link(self, board: str, item: LinkMarker, other: str) -> None:
        """With two boards: one line when a board's link is lost (the other records on)."""
        if item.kind == "disconnected" and item.reason != "closed":
            log.warning(
                "%s board: link %s; the %s board keeps recording, reconnecting",
                board,
                item.reason or "lost",
                other,
            )
            if self.listener is not None and board == "trunk":
                self.listener.on_link("trunk disconnected")
        elif item.kind == "connected" and self.listener is not None and board == "trunk":
            self.listener.on_link(self._head_link)  # the trunk is back: the head's state again

    def _lost_at_end(self) -> None:
        """With two boards: a note for a board whose data end well before the other's."""
        tr = self.trunk
        if tr is None or not (np.isfinite(tr.last_s) and np.isfinite(self._head_last_t)):
            return
        limit = LOST_AT_END_S * 1e-6 / self.clock_s_per_us  # recording s (playback speed)
        for board, last, other in (
            ("trunk", tr.last_s, self._head_last_t),
            ("head", self._head_last_t, tr.last_s),
        ):
            if other - last > limit:
                self._notes.append(
                    f"{board} board: no data for the last {other - last:.0f} s of the "
                    f"recording (its link was lost at {last:.0f} s and did not come back)"
                )
                self.final_meta.setdefault("lost_at_end_s", {})[board] = round(other - last, 3)

    def _write(self, outs: list) -> None:
        assert self.writer is not None
        for o in outs:
            if isinstance(o, SampleBlock):
                self.writer.write_block(o)
                self._head_last_t = float(o.t[-1])
            elif isinstance(o, Gap):
                self.writer.write_gap(o.time_s, o.missing, o.reason)
            elif isinstance(o, Event):
                self.writer.write_event(o)
            elif isinstance(o, Saturation):
                self.writer.write_saturation(o)

    async def _finish(self) -> None:
        clients = [self.client] + ([self.trunk.client] if self.trunk is not None else [])
        # both links at once: closed one after the other, the second board would stream on
        # while the first closes, past the end of the first's data
        try:
            closed = await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)
        except asyncio.CancelledError as e:  # the file matters more now
            closed = [e]
        for r in closed:
            if isinstance(r, BaseException):
                log.warning("closing the link: %s", r)
        if self.writer is None or self.assembler is None:
            return
        try:
            q = self.client.queue
            while not q.empty():
                item = q.get_nowait()
                if item is not None:
                    self._handle(item)
            self._write(self.assembler.flush())
            tr = self.trunk
            if tr is not None and tr.assembler is not None:
                self._drain_trunk()
                tr._waiting += tr.assembler.flush()
                self._write_trunk(tr.place(self.assembler, force=True))
                tres = tr.result()
                self._lost_at_end()
                self.writer.update_meta(
                    trunk_stream={
                        "stream_stats": asdict(tres.stats),
                        "connections": tres.connections,
                        "silences": tres.silences,
                        "clock_drift_ppm": _rounded(tr.assembler.clock.measured_drift_ppm()),
                        "time_adjusted_samples": tres.adjusted,
                        "events_ignored": tr.unplaced_events,
                        "time_base": tr.assembler.time_base_meta(self.origin),
                    }
                )
            st = asdict(self.assembler.stats)
            self.writer.update_meta(
                stream_stats=st,
                connections=self.client.connections,
                silences=self.client.silences,
                clock_drift_ppm=_rounded(self.assembler.clock.measured_drift_ppm()),
                time_base=self.assembler.time_base_meta(self.origin),
                **self.final_meta,
            )
        finally:
            self.writer.close()
            self._drop_if_empty()

    def _drop_if_empty(self) -> None:
        """A recording that ended with no samples (stopped while the stream was starting) is
        removed, with a note: a header alone is no file any command could read, and nothing
        received is lost (no sample arrived)."""
        assert self.writer is not None
        if self.writer.rows_written > 0:
            return
        try:
            self.path.unlink()
        except OSError:
            return
        self._notes.append(f"nothing recorded: no samples arrived; {self.path} not kept")


def _rounded(x: float | None) -> float | None:
    return None if x is None else round(x, 2)
