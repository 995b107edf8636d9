"""Where live samples come from: the interface every source implements, and the BLE sources.

A source runs in the session's acquisition thread (:meth:`Source.run` blocks until the
stream ends or :meth:`Source.stop`) and hands what it receives to a :class:`Sink` — the live
session — exactly where the device's data enters the flow: :class:`~neckimu.samples.SampleBlock`
objects, exercise :class:`~neckimu.recording.events.Event` objects and gaps. Three sources:

- :class:`HeadsetSource`: a real headset through :class:`~neckimu.ble.client.HeadsetClient`
  (bleak); the protocol's cues are sent to the headset as *mark event* commands;
- :class:`SimulatedSource`: the simulated headset over the bumble stack, the same client code;
  the simulated person's session events are the cues;
- :class:`neckimu.live.replay.ReplaySource`: a recording played back in (scaled) real time.

The two BLE sources record through :class:`~neckimu.ble.recorder.Recorder` (the file, gaps,
counters, the calibration in the metadata) and tee its decoded output to the sink.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from neckimu.ble.client import HeadsetClient
from neckimu.ble.recorder import Recorder
from neckimu.ble.stream import GapRecord, StreamStats
from neckimu.errors import NeckimuError
from neckimu.recording.events import Event
from neckimu.recording.reader import Recording
from neckimu.samples import SampleBlock

log = logging.getLogger(__name__)


class Sink(Protocol):
    """What a source feeds (the live session); called from the acquisition thread."""

    def on_meta(self, meta: dict[str, Any]) -> None: ...
    def on_block(self, block: SampleBlock, arrivals: Sequence[float]) -> None: ...
    def on_event(self, event: Event) -> None: ...
    def on_gap(self, time_s: float, missing: int, reason: str) -> None: ...
    def on_status(self, state: str) -> None: ...
    def on_reset(self) -> None: ...


class Source:
    """Base class: a stream of samples, events and gaps.

    Attributes
    ----------
    label : str
        Shown in the window's status line.
    recording_path : Path or None
        The recording the source writes (None: it writes none).
    error : NeckimuError or None
        Why the stream ended early (the device vanished, ...).
    notes : list of str
        What the user should know about the stream (a playback that had to slow down).
    """

    label = "source"
    recording_path: Path | None = None

    def __init__(self) -> None:
        self.error: NeckimuError | None = None
        #: what the user should know about the stream (one line each; e.g. a slowed playback)
        self.notes: list[str] = []
        self._stop = threading.Event()

    def run(self, sink: Sink) -> None:  # pragma: no cover - interface
        """Stream into ``sink`` until the end or :meth:`stop`; blocking."""
        raise NotImplementedError

    def stop(self) -> None:
        """Ask :meth:`run` to return soon (thread-safe)."""
        self._stop.set()

    def stats(self) -> StreamStats:
        """Counters of the stream so far."""
        return StreamStats()

    def planned_counts(self) -> dict[str, int] | None:
        """How many windows of each exercise the stream will have, if the source knows (a
        replayed recording does; a live routine's plan is the routine's)."""
        return None

    def final_recording(self) -> Recording | None:
        """The whole session as ``neckimu analyze`` reads it, once the stream has ended: the
        closed recording the source wrote, read back (None: it wrote none or it is
        unreadable)."""
        path = self.recording_path
        if path is None or not path.exists():
            return None
        from neckimu.recording.reader import read_recording

        try:
            return read_recording(path)
        except NeckimuError:
            return None


#: Live views do not wait for the 20 Hz magnetometer record that would make a row's held
#: value exact (up to ~50 ms): rows go out at once with the latest magnetometer value.
LIVE_MAG_HOLD_S = 0.0


class _SinkListener:
    """Passes what the :class:`Recorder` writes on to the live sink (RecorderListener)."""

    def __init__(self, sink: Sink, client: HeadsetClient) -> None:
        self.sink = sink
        self.client = client

    def on_open(self, info: Any, meta: dict[str, Any]) -> None:
        self.sink.on_meta({"imu_rate_hz": info.imu_rate_hz, **meta,
                           "device_name": self.client.name})

    def on_link(self, kind: str) -> None:
        self.sink.on_status(kind)

    def on_items(self, items: list[Any], arrivals: list[float]) -> None:
        for o in items:
            if isinstance(o, SampleBlock):
                self.sink.on_block(o, arrivals)
            elif isinstance(o, GapRecord):
                self.sink.on_gap(o.time_s, o.missing, o.reason)
            elif isinstance(o, Event):
                self.sink.on_event(o)


class _BleSource(Source):
    """Shared asyncio plumbing of the two BLE sources (an event loop in the worker thread)."""

    def __init__(self, out: Path, meta: dict[str, Any]) -> None:
        super().__init__()
        self.recording_path = Path(out)
        self.meta = meta
        self._rec: Recorder | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def stats(self) -> StreamStats:
        rec = self._rec
        return rec.assembler.stats if rec is not None and rec.assembler else StreamStats()

    def stop(self) -> None:
        super().stop()
        loop, rec = self._loop, self._rec
        if loop is not None and rec is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(rec.stop)
            except RuntimeError:
                pass  # the loop just closed: nothing left to stop

    def run(self, sink: Sink) -> None:
        try:
            asyncio.run(self._main(sink))
        except NeckimuError as e:
            self.error = e
        except OSError as e:
            self.error = NeckimuError(f"cannot write {self.recording_path}: {e.strerror or e}")

    async def _main(self, sink: Sink) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    async def _record(self, rec: Recorder, sink: Sink, extra: list[asyncio.Task]) -> None:
        self._loop = asyncio.get_running_loop()
        self._rec = rec
        if self._stop.is_set():
            rec.stop()
        sink.on_status("connecting")
        try:
            await rec.run()
        finally:
            for task in extra:
                task.cancel()
            sink.on_status("finished")


class HeadsetSource(_BleSource):
    """A real headset (bleak), with the protocol's cues sent as *mark event* commands.

    Parameters
    ----------
    target : str
        Name (``neckimu-XXXX``) or address.
    out : Path
        Recording to write.
    cues : sequence of Event
        Cue times are s from the first connection.
    meta : dict
        Extra header fields (mount, protocol).
    rate_hz : float, optional
        IMU rate to ask for.
    """

    def __init__(self, target: str, out: Path, cues: Sequence[Event] = (),
                 meta: dict[str, Any] | None = None, rate_hz: float | None = None) -> None:
        super().__init__(out, meta or {})
        self.label = target
        self.target, self.cues, self.rate_hz = target, list(cues), rate_hz

    async def _main(self, sink: Sink) -> None:
        client = HeadsetClient(self.target, rate_hz=self.rate_hz)
        rec = Recorder(client, self.recording_path, meta=self.meta, mag_hold_s=LIVE_MAG_HOLD_S,
                       listener=_SinkListener(sink, client))
        cue_task = asyncio.create_task(self._cue(rec, client))
        await self._record(rec, sink, [cue_task])

    async def _cue(self, rec: Recorder, client: HeadsetClient) -> None:
        await client.connected.wait()
        t0 = time.monotonic()
        for ev in sorted(self.cues, key=lambda e: e.time_s):
            await asyncio.sleep(max(0.0, t0 + ev.time_s - time.monotonic()))
            # stamped by the headset; if the link is down, by the host clock
            await rec.mark(Event(time.monotonic() - rec.origin, ev.event, ev.exercise))


class SimulatedSource(_BleSource):
    """The simulated headset over the bumble BLE stack (what ``neckimu demo`` streams).

    Parameters
    ----------
    session : neckimu.sim.SimulatedSession
        The simulated person's session; its events are the cues.
    out : Path
        Recording to write.
    speed : float
        Playback speed (1: real time).
    duration_s : float, optional
        Stop after this much session time, s.
    meta : dict
        Extra header fields.
    mtu : int
        ATT MTU the client asks for.
    """

    label = "simulated headset"

    def __init__(self, session: Any, out: Path, *, speed: float = 1.0,
                 duration_s: float | None = None, meta: dict[str, Any] | None = None,
                 mtu: int = 247) -> None:
        super().__init__(out, {"simulated": True, **(meta or {})})
        self.session, self.speed, self.duration_s, self.mtu = session, speed, duration_s, mtu

    async def _main(self, sink: Sink) -> None:
        from neckimu.ble.link import virtual_radio
        from neckimu.ble.simulated import pace, play_cues, play_out, truncate

        speed = self.speed
        stream = truncate(self.session.device, self.duration_s)
        async with virtual_radio([stream], speed=speed, mtu=self.mtu) as radio:
            headset = radio.headsets[0]
            client = HeadsetClient(
                headset.name, client_backend=radio.client_backend,
                scanner_backend=radio.scanner_backend, scan_timeout=5.0)
            pace(headset, client)
            rec = Recorder(
                client, self.recording_path, meta=self.meta, mag_hold_s=LIVE_MAG_HOLD_S,
                listener=_SinkListener(sink, client), clock_s_per_us=1e-6 / speed)
            cues = asyncio.create_task(play_cues(rec, headset, self._events()))
            ended = asyncio.create_task(play_out(rec, headset, client, cues))
            await self._record(rec, sink, [cues, ended])
            note = rec.final_meta.get("playback", {}).get("note")
            if note:
                self.notes.append(note)
                log.warning("%s", note)

    def _events(self) -> list[Event]:
        if self.duration_s is None:
            return list(self.session.events)
        return [e for e in self.session.events if e.time_s < self.duration_s]
