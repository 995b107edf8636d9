"""Shared helpers of the BLE tests: record a simulated headset through the real client."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from neckimu.ble.recorder import RecordResult
from neckimu.ble.simulated import play_out, simulated_link
from neckimu.ble.simulated_headset import Faults, SimulatedHeadset
from neckimu.recording.events import Event
from neckimu.recording.reader import Recording, read_recording
from neckimu.sim.device import DeviceStream


@dataclass
class Run:
    recording: Recording
    result: RecordResult
    headset: SimulatedHeadset
    stream: DeviceStream
    recorder_hold_s: float = 0.25

    def recorded_seq(self) -> np.ndarray:
        """Stream seq of every recorded row, read back from index-coded counts."""
        g = np.round(self.recording.samples.gyr / np.float32(self.stream.gyr_scale))
        g = g.astype(np.int64)
        return g[:, 0] + (g[:, 1] << 15)

    def sent_seq(self) -> np.ndarray:
        h = self.headset
        return np.concatenate(h.sent_seq) if h.sent_seq else np.zeros(0, np.int64)


def _record(
    stream: DeviceStream,
    path: Path,
    *,
    speed: float = 8.0,
    mtu: int = 247,
    faults: Faults | None = None,
    silence_s: float = 2.0,
    events: tuple[tuple[float, Event], ...] = (),
    mag_hold_s: float = 0.25,
) -> Run:
    async def main() -> Run:
        sim = simulated_link(
            stream,
            path,
            speed=speed,
            faults=faults,
            mtu=mtu,
            meta={"mount": "test"},
            mag_hold_s=mag_hold_s,
            client_options={"scan_timeout": 2.0, "silence_s": silence_s, "backoff_s": (0.05, 0.5)},
        )
        async with sim as link:
            rec = link.recorder
            task = asyncio.create_task(rec.run())
            for at_s, ev in events:  # at_s: host s after the start
                await asyncio.sleep(at_s)
                await rec.mark(ev)
            # generous guards against a hang; the test itself never measures host time
            await asyncio.wait_for(play_out(rec, link.headset, link.client), 600)
            result = await asyncio.wait_for(task, 60)
        return Run(read_recording(path), result, link.headset, stream, mag_hold_s)

    return asyncio.run(main())


@pytest.fixture
def record_simulated(tmp_path: Path) -> Callable[..., Run]:
    """``record_simulated(stream, **options) -> Run``: simulated headset -> bumble GATT ->
    HeadsetClient -> Recorder -> file, read back."""
    counter = iter(range(1000))

    def run(stream: DeviceStream, **kwargs: object) -> Run:
        return _record(stream, tmp_path / f"rec{next(counter)}.csv", **kwargs)  # type: ignore[arg-type]

    return run
