"""Record the simulated headset through the real client: what ``record --simulate`` and
``neckimu demo`` run.

The session's exercise cues are sent to the headset as *mark event* commands when its clock
reaches them, so they come back stamped with device time, as they would from a person
pressing the cue button during a real session.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from neckimu.ble.client import HeadsetClient
from neckimu.ble.headset import Faults, SimulatedHeadset
from neckimu.ble.link import virtual_radio
from neckimu.ble.recorder import Recorder, RecordResult
from neckimu.recording.events import Event
from neckimu.sim.device import DeviceStream


async def _cue(rec: Recorder, headset: SimulatedHeadset, events: Sequence[Event]) -> None:
    t0 = int(headset.stream.t_us[0])
    for ev in sorted(events, key=lambda e: e.time_s):
        while headset._device_now() < t0 + ev.time_s * 1e6:
            await asyncio.sleep(0.01)
        await rec.mark(ev)


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
        Playback speed (1 = real time).
    duration_s : float, optional
        Stop after this much stream time, s; default the whole stream.
    faults : Faults, optional
        Fault injection on the headset.
    mtu : int
        ATT MTU the client requests.
    meta : dict, optional
        Extra header fields.
    """
    async with virtual_radio([stream], speed=speed, faults=faults, mtu=mtu) as radio:
        headset = radio.headsets[0]
        client = HeadsetClient(
            headset.name, client_backend=radio.client_backend,
            scanner_backend=radio.scanner_backend, scan_timeout=5.0,
            silence_s=max(0.5, 2.0 / speed),
        )
        rec = Recorder(
            client, path, meta={"simulated": True, **(meta or {})},
            duration_s=None if duration_s is None else duration_s / speed,
            clock_s_per_us=1e-6 / speed,
        )
        task = asyncio.create_task(rec.run())
        cues = asyncio.create_task(_cue(rec, headset, events))
        ended = asyncio.create_task(headset.finished.wait())
        try:
            await asyncio.wait({task, ended}, return_when=asyncio.FIRST_COMPLETED)
            if not task.done():
                await asyncio.sleep(0.2)
                rec.stop()
            return await task
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
