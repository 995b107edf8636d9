"""The two BLE sources of the live session: a real headset and the simulated one.

Both record through :class:`~neckimu.ble.recorder.Recorder` (the file, gaps, counters) and
tee its decoded output to the sink (:class:`neckimu.live.source.Sink`); once the file is
closed the source adds the head-frame calibration to its metadata
(:func:`neckimu.pipeline.store_calibration`). With a second board on the trunk (issue 15) both
boards are recorded into one format v2 recording (the recorder of ``record --trunk``) and the
trunk's blocks go to the sink's ``on_trunk_block``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from neckimu.ble.client import HeadsetClient
from neckimu.ble.recorder import Recorder
from neckimu.errors import NeckimuError
from neckimu.live.source import Sink, Source
from neckimu.recording.events import Event
from neckimu.samples import Gap, SampleBlock
from neckimu.stream_stats import StreamStats

log = logging.getLogger(__name__)

#: Live views do not wait for the 20 Hz magnetometer record that would make a row's held
#: value exact (up to ~50 ms): rows go out at once with the latest magnetometer value.
LIVE_MAG_HOLD_S = 0.0


class _SinkListener:
    """Passes what the :class:`Recorder` writes on to the live sink (RecorderListener)."""

    def __init__(self, sink: Sink, client: HeadsetClient) -> None:
        self.sink = sink
        self.client = client

    def on_open(self, info: Any, meta: dict[str, Any]) -> None:
        self.sink.on_meta(
            {"imu_rate_hz": info.imu_rate_hz, **meta, "device_name": self.client.name}
        )

    def on_link(self, kind: str) -> None:
        self.sink.on_status(kind)

    def on_items(self, items: list[Any], arrivals: list[float]) -> None:
        for o in items:
            if isinstance(o, SampleBlock):
                self.sink.on_block(o, arrivals)
            elif isinstance(o, Gap):
                self.sink.on_gap(o.time_s, o.missing, o.reason)
            elif isinstance(o, Event):
                self.sink.on_event(o)

    def on_trunk_block(self, block: SampleBlock) -> None:
        self.sink.on_trunk_block(block)


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

    def trunk_stats(self) -> StreamStats | None:
        """The trunk board's counters (None without one)."""
        rec = self._rec
        tr = None if rec is None else rec.trunk
        if tr is None:
            return None
        return tr.assembler.stats if tr.assembler is not None else StreamStats()

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
            result = await rec.run()
            for note in result.notes:
                self.notes.append(note)
                log.warning("%s", note)
        finally:
            for task in extra:
                task.cancel()
            if self.recording_path is not None and self.recording_path.exists():
                from neckimu.pipeline import store_calibration  # scipy, vqf: once, at the end

                store_calibration(self.recording_path)
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
    trunk : str, optional
        A second board on the trunk: its name or address, or ``"scan"`` to find it
        (:func:`neckimu.ble.pairing.find_trunk`).
    trunk_mount : str
        Trunk mount preset.
    client_options : dict, optional
        Extra :class:`HeadsetClient` options (the bumble backends in tests).
    """

    def __init__(
        self,
        target: str,
        out: Path,
        cues: Sequence[Event] = (),
        meta: dict[str, Any] | None = None,
        rate_hz: float | None = None,
        *,
        trunk: str | None = None,
        trunk_mount: str = "between_shoulder_blades",
        client_options: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(out, meta or {})
        self.label = target if trunk is None else f"{target} + trunk board"
        self.target, self.cues, self.rate_hz = target, list(cues), rate_hz
        self.trunk, self.trunk_mount = trunk, trunk_mount
        self.client_options = dict(client_options or {})

    async def _main(self, sink: Sink) -> None:
        if self.trunk is None:
            client = HeadsetClient(self.target, rate_hz=self.rate_hz, **self.client_options)
            rec = Recorder(
                client,
                self.recording_path,
                meta=self.meta,
                mag_hold_s=LIVE_MAG_HOLD_S,
                listener=_SinkListener(sink, client),
            )
        else:
            from neckimu.ble.pairing import find_trunk, two_board_recorder

            trunk = self.trunk
            if trunk == "scan":
                sink.on_status("looking for the trunk board")
                backends = {k: v for k, v in self.client_options.items() if k.endswith("_backend")}
                trunk = await find_trunk(self.target, **backends)
            rec = two_board_recorder(
                self.target,
                trunk,
                self.recording_path,
                meta=self.meta,
                rate_hz=self.rate_hz,
                trunk_mount=self.trunk_mount,
                mag_hold_s=LIVE_MAG_HOLD_S,
                client_options=self.client_options,
            )
            client = rec.client
            rec.listener = _SinkListener(sink, client)
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
        The simulated person's session; its events are the cues. Only its device stream and
        its events are kept (the truth and the kinematics of a long session are not).
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
    trunk : neckimu.ble.simulated.SimulatedTrunk, optional
        A second simulated board on the trunk, streamed at the same time.
    """

    label = "simulated headset"

    def __init__(
        self,
        session: Any,
        out: Path,
        *,
        speed: float = 1.0,
        duration_s: float | None = None,
        meta: dict[str, Any] | None = None,
        mtu: int = 247,
        trunk: Any = None,
    ) -> None:
        super().__init__(out, {"simulated": True, **(meta or {})})
        self.device, self.events = session.device, list(session.events)
        self.speed, self.duration_s, self.mtu = speed, duration_s, mtu
        self.trunk = trunk
        if trunk is not None:
            self.label = "simulated headsets (head and trunk)"

    async def _main(self, sink: Sink) -> None:
        from dataclasses import replace

        from neckimu.ble.simulated import play_cues, play_out, simulated_link, truncate

        stream = truncate(self.device, self.duration_s)
        trunk = self.trunk
        if trunk is not None:
            trunk = replace(trunk, stream=truncate(trunk.stream, self.duration_s))
        sim = simulated_link(
            stream,
            self.recording_path,
            speed=self.speed,
            mtu=self.mtu,
            meta=self.meta,
            mag_hold_s=LIVE_MAG_HOLD_S,
            trunk=trunk,
        )
        async with sim as link:
            rec = link.recorder
            rec.listener = _SinkListener(sink, link.client)
            cues = asyncio.create_task(play_cues(rec, link.headset, self._events()))
            ended = asyncio.create_task(
                play_out(rec, link.headset, link.client, cues, trunk=link.trunk)
            )
            await self._record(rec, sink, [cues, ended])
            note = rec.final_meta.get("playback", {}).get("note")
            if note:
                self.notes.append(note)
                log.warning("%s", note)

    def _events(self) -> list[Event]:
        if self.duration_s is None:
            return list(self.events)
        return [e for e in self.events if e.time_s < self.duration_s]
