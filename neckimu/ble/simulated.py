"""Record the simulated headset through the real client: what ``record --simulate`` and
``neckimu demo`` run.

The session's exercise cues are sent to the headset as *mark event* commands when its clock
reaches them, so they come back stamped with device time, as they would from a person
pressing the cue button during a real session. The simulated headset's clock waits at each
cue until the command arrived, so a cue is stamped at its planned instant however busy the
machine is.

Playback at any speed keeps every sample and event: the headset's clock is held while the
receiver is behind (:func:`pace`), and the recording ends only when everything the headset
sent has been received (:func:`play_out`). When that made the playback slower than asked,
:func:`playback_note` says so.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from neckimu.ble.client import HeadsetClient
from neckimu.ble.link import virtual_radio
from neckimu.ble.recorder import Recorder, RecordResult
from neckimu.ble.simulated_headset import Faults, SimulatedHeadset
from neckimu.recording.events import Event
from neckimu.sim.device import DeviceStream

#: the headset's clock is held while more notifications than this are sent but not consumed
MAX_LAG_NOTIFICATIONS = 1000
#: play_out gives up waiting for notifications in flight after this long without progress, s
DRAIN_STALL_S = 5.0


@dataclass(frozen=True)
class SimulatedTrunk:
    """The trunk board of a two-board simulated recording.

    Attributes
    ----------
    stream : DeviceStream
        Its counts on its own device clock.
    clock_map : (float, float)
        Its device time (µs) = ``offset + ratio * the head's device time`` (µs): where the
        two boards' clocks stand at one instant (:meth:`SimulatedHeadset.follow`).
    mount : str
        Trunk mount preset.
    faults : Faults, optional
        Fault injection on the trunk board.
    """

    stream: DeviceStream
    clock_map: tuple[float, float] = (0.0, 1.0)
    mount: str = "between_shoulder_blades"
    faults: Faults | None = None


def trunk_clock_map(
    head_t_us: np.ndarray, head_t_s: np.ndarray, trunk_t_us: np.ndarray, trunk_t_s: np.ndarray
) -> tuple[float, float]:
    """The linear map from the head's device clock to the trunk's, from samples whose true
    times (on any one time base) are known: a least-squares line through both clocks against
    true time (their jitter averages out).

    Parameters
    ----------
    head_t_us, trunk_t_us : ndarray of int
        Device times, µs.
    head_t_s, trunk_t_s : ndarray of float
        The same samples' true times, s.

    Returns
    -------
    (float, float)
        ``(offset_us, ratio)``: trunk µs = offset + ratio · head µs.
    """
    bh, ah = np.polyfit(head_t_s, head_t_us.astype(np.float64), 1)  # head µs = ah + bh·t
    bt, at = np.polyfit(trunk_t_s, trunk_t_us.astype(np.float64), 1)
    ratio = bt / bh
    return float(at - ratio * ah), float(ratio)


def simulated_trunk(session: Any, mount: str = "between_shoulder_blades") -> SimulatedTrunk | None:
    """The trunk board of a simulated session (``neckimu.sim.SimulatedSession`` with a trunk)
    for :func:`simulated_link`, its clock tied to the head's where the two simulated crystals
    stand at one instant; None for a session without a trunk."""
    tb = getattr(session, "trunk", None)
    if tb is None:
        return None
    clock = trunk_clock_map(
        session.device.t_us,
        session.samples.t,
        tb.device.t_us,
        tb.samples.t - tb.alignment_offset_s,
    )
    return SimulatedTrunk(tb.device, clock, mount)


def truncate(stream: DeviceStream, duration_s: float | None) -> DeviceStream:
    """The first ``duration_s`` seconds (device time) of ``stream``; all of it for None."""
    if duration_s is None:
        return stream
    end = int(stream.t_us[0]) + round(duration_s * 1e6)
    n = int(np.searchsorted(stream.t_us, end, side="left"))
    m = int(np.searchsorted(stream.mag_t_us, end, side="left"))
    return replace(
        stream,
        t_us=stream.t_us[:n],
        seq=stream.seq[:n],
        imu=stream.imu[:n],
        mag_t_us=stream.mag_t_us[:m],
        mag=stream.mag[:m],
    )


def in_flight(headset: SimulatedHeadset, client: HeadsetClient) -> int:
    """Notifications the headset sent on the current link that the client has not received
    (what a dropped link had in flight is gone); 0 when there is no link."""
    if headset.connection is None:
        return 0
    return max(0, headset.link_sent - client.link_received)


def pace(
    headset: SimulatedHeadset,
    client: HeadsetClient,
    limit: int | None = None,
    trunk: tuple[SimulatedHeadset, HeadsetClient] | None = None,
) -> None:
    """Flow control between a simulated headset and the client that records it.

    The headset's clock is held while more than ``limit`` notifications (default
    :data:`MAX_LAG_NOTIFICATIONS`) are in flight or received but not yet consumed, and a
    scheduled disconnect or reboot waits until what was sent has arrived. With ``trunk`` (a
    board that :meth:`~SimulatedHeadset.follow` s ``headset``) the head's clock, which runs
    both, is held while either receiver lags or the trunk board has stopped streaming (a lost
    link: so a trunk reconnect loses only what the fault itself loses, whatever the host's
    speed), and starts
    once both boards stream.
    """
    cap = MAX_LAG_NOTIFICATIONS if limit is None else limit

    def lag(h: SimulatedHeadset, c: HeadsetClient) -> bool:
        return in_flight(h, c) + c.queue.qsize() > cap

    if trunk is None:
        headset.backpressure = lambda: lag(headset, client)
    else:
        th, tc = trunk

        def trunk_away() -> bool:
            # the trunk board lost its link and has not streamed again yet: both clocks wait
            # (not while it boots: its boot runs on the clock)
            return th.started_at is not None and not th.streaming and not th.booting

        headset.backpressure = lambda: lag(headset, client) or lag(th, tc) or trunk_away()
        headset.start_gate = lambda: th.streaming
        th.link_idle = lambda: in_flight(th, tc) == 0
    headset.link_idle = lambda: in_flight(headset, client) == 0


async def play_cues(rec: Recorder, headset: SimulatedHeadset, events: Sequence[Event]) -> None:
    """Send each cue as *mark event* when the headset's clock reaches its time (s from the
    stream's first sample); the clock waits there until the command arrived."""
    cues = sorted(events, key=lambda e: e.time_s)
    gates = headset.arm([e.time_s for e in cues])
    try:
        for ev, gate in zip(cues, gates, strict=True):
            await headset.reach(gate)
            try:
                await rec.mark(ev)
            finally:
                headset.release(gate)  # a no-op when the mark event arrived
    finally:
        headset.release()  # cancelled: never leave the clock waiting


async def play_out(
    rec: Recorder,
    headset: SimulatedHeadset,
    client: HeadsetClient,
    cues: asyncio.Task | None = None,
    trunk: tuple[SimulatedHeadset, HeadsetClient] | None = None,
) -> None:
    """Wait until the stream was played and every cue sent, then until the client received
    every notification the headset sent (both boards' with ``trunk``); note how the playback
    went, and stop ``rec``."""
    pairs = [(headset, client)] + ([trunk] if trunk is not None else [])
    for h, _ in pairs:
        await h.finished.wait()
    if cues is not None:
        await asyncio.wait({cues})
    last, stalled = -1, 0.0

    def busy() -> bool:
        return any(h.pending or in_flight(h, c) > 0 for h, c in pairs)

    while busy() and stalled < DRAIN_STALL_S:
        await asyncio.sleep(0.01)
        got = sum(c.received for _, c in pairs)
        stalled = 0.0 if got != last else stalled + 0.01
        last = got
    started = headset.started_at
    loop_s = 0.0 if started is None else asyncio.get_running_loop().time() - started
    rec.final_meta["playback"] = {
        "speed": headset.speed,
        "effective_speed": round(headset.played_s / loop_s, 3) if loop_s > 0 else None,
        "held_s": round(headset.held_s, 3),
        "in_flight_lost": sum(in_flight(h, c) for h, c in pairs),
    }
    note = playback_note(headset, loop_s, two_boards=trunk is not None)
    if note:
        rec.final_meta["playback"]["note"] = note
    rec.stop()


def playback_note(headset: SimulatedHeadset, loop_s: float, two_boards: bool = False) -> str:
    """A sentence when the playback took clearly longer than asked ("" otherwise).

    Parameters
    ----------
    headset : SimulatedHeadset
        After its stream was played.
    loop_s : float
        Host time from the first *start* to the last notification received, s.
    two_boards : bool
        A trunk board played along: its clock was held with the head's, and a held clock
        is no crystal, so the host's clock maps place its samples off by up to seconds
        (docs/trunk.md): said so.
    """
    played = headset.played_s
    if loop_s <= 0 or loop_s - played / headset.speed < 0.5:
        return ""
    eff = played / loop_s
    if eff >= 0.8 * headset.speed:
        return ""
    note = (
        f"simulated headset: playback slowed to {eff:.1f}x (asked {headset.speed:g}x): the "
        f"machine could not keep up (samples the headset had to drop are counted as gaps)"
    )
    if two_boards:
        note += (
            f"; its clock was held {headset.held_s:.1f} s in all, which can place the trunk "
            "board's samples up to seconds off the head's (reps then say 'trunk data "
            "missing'): with two boards use a lower --speed"
        )
    return note


@dataclass
class SimulatedLink:
    """A simulated headset on the bumble stack, the real client that reaches it, and the
    recorder that records it (not running yet)."""

    headset: SimulatedHeadset
    client: HeadsetClient
    recorder: Recorder
    #: the trunk board's simulated headset and client, when there is one
    trunk: tuple[SimulatedHeadset, HeadsetClient] | None = None


@asynccontextmanager
async def simulated_link(
    stream: DeviceStream,
    path: str | Path,
    *,
    speed: float = 1.0,
    faults: Faults | None = None,
    mtu: int = 247,
    meta: dict[str, Any] | None = None,
    mag_hold_s: float = 0.25,
    client_options: dict[str, Any] | None = None,
    trunk: SimulatedTrunk | None = None,
) -> AsyncIterator[SimulatedLink]:
    """A simulated headset streaming ``stream`` over bumble to a paced client and its recorder:
    the plumbing of every simulated recording (``record``, ``demo``, the live window, tests).

    Parameters
    ----------
    stream : DeviceStream
        The sensors' output.
    path : str or Path
        Recording the recorder writes.
    speed : float
        Playback speed (1 = real time).
    faults : Faults, optional
        Fault injection on the headset.
    mtu : int
        ATT MTU the client requests.
    meta : dict, optional
        Extra header fields.
    mag_hold_s : float
        The recorder's magnetometer hold, s (0 for live views).
    client_options : dict, optional
        Extra :class:`HeadsetClient` options (``scan_timeout`` defaults to 5 s).
    trunk : SimulatedTrunk, optional
        A second board on the trunk, played by a second simulated headset whose clock follows
        the head's; the recording is format v2.
    """
    streams = [stream] if trunk is None else [stream, trunk.stream]
    faults_all = [faults] if trunk is None else [faults, trunk.faults]
    async with virtual_radio(streams, speed=speed, faults=faults_all, mtu=mtu) as radio:
        options = {"scan_timeout": 5.0, **(client_options or {})}

        def client_for(h: SimulatedHeadset, role: str | None) -> HeadsetClient:
            return HeadsetClient(
                h.name,
                client_backend=radio.client_backend,
                scanner_backend=radio.scanner_backend,
                role=role,
                **options,
            )

        headset = radio.headsets[0]
        client = client_for(headset, None if trunk is None else "head")
        pair = None
        if trunk is not None:
            th = radio.headsets[1]
            th.follow(headset, *trunk.clock_map)
            pair = (th, client_for(th, "trunk"))
        pace(headset, client, trunk=pair)
        rec = Recorder(
            client,
            path,
            meta=meta,
            clock_s_per_us=1e-6 / speed,
            mag_hold_s=mag_hold_s,
            trunk=None if pair is None else pair[1],
            trunk_mount="between_shoulder_blades" if trunk is None else trunk.mount,
        )
        yield SimulatedLink(headset, client, rec, pair)


async def record_simulated(
    stream: DeviceStream,
    path: str | Path,
    *,
    events: Sequence[Event] = (),
    speed: float = 1.0,
    duration_s: float | None = None,
    faults: Faults | None = None,
    mtu: int = 247,
    meta: dict[str, Any] | None = None,
    trunk: SimulatedTrunk | None = None,
) -> RecordResult:
    """Play ``stream`` on a simulated headset and record it over the bumble stack.

    Parameters
    ----------
    stream : DeviceStream
        The sensors' output (e.g. ``simulate_session(cfg).device``).
    path : str or Path
        Recording to write.
    events : sequence of Event
        Cues at stream time (s from the first sample), sent as *mark event*.
    speed : float
        Playback speed (1 = real time); slower when the machine cannot keep up (noted in
        the result's ``notes`` and the recording's ``playback`` metadata).
    duration_s : float, optional
        Play only this much stream time, s; default the whole stream.
    faults : Faults, optional
        Fault injection on the headset.
    mtu : int
        ATT MTU the client requests.
    meta : dict, optional
        Extra header fields.
    trunk : SimulatedTrunk, optional
        A second board on the trunk, played by a second simulated headset whose clock follows
        the head's; the recording is format v2.
    """
    stream = truncate(stream, duration_s)
    if duration_s is not None:
        events = [e for e in events if e.time_s < duration_s]
    if trunk is not None:
        trunk = replace(trunk, stream=truncate(trunk.stream, duration_s))
    sim = simulated_link(
        stream,
        path,
        speed=speed,
        faults=faults,
        mtu=mtu,
        meta={"simulated": True, **(meta or {})},
        trunk=trunk,
    )
    async with sim as link:
        headset, client, rec, pair = link.headset, link.client, link.recorder, link.trunk
        task = asyncio.create_task(rec.run())
        cues = asyncio.create_task(play_cues(rec, headset, events))
        ended = asyncio.create_task(play_out(rec, headset, client, cues, trunk=pair))
        try:
            await asyncio.wait({task, ended}, return_when=asyncio.FIRST_COMPLETED)
            result = await task
            note = rec.final_meta.get("playback", {}).get("note")
            if note:
                result.notes.append(note)
            return result
        except asyncio.CancelledError:
            # Ctrl-C: let the recorder close the file, then report what was written
            asyncio.current_task().uncancel()  # type: ignore[union-attr]
            rec.stop()
            result = await task
            result.interrupted = True
            return result
        finally:
            cues.cancel()
            ended.cancel()
