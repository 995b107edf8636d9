"""A recording stopped before its first sample is not left behind as a header without rows
(which ``analyze``, ``replay`` and ``report`` refuse: "no data rows"): the recorder removes it
and says so; a recording with samples is kept whole.

``demo`` with the window stopped by Ctrl-C 10 s after it started left such a file: on a busy
machine the imports, the simulation and the BLE connection took that long, and no sample had
arrived (its metadata counted 0 packets: nothing received was lost)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest

from neckimu import wire
from neckimu.ble.recorder import Recorder
from neckimu.recording.reader import read_recording

INFO = wire.Info(imu_rate_hz=200.0, mag_rate_hz=0.0, gyr_scale=1e-3, acc_scale=1e-3, mag_scale=0.01)


def _packets(count: int, n: int = 8, period_us: int = 5_000) -> list[tuple[float, bytes]]:
    """``count`` packets of ``n`` samples, gravity on z, with their arrival times."""
    out = []
    for k in range(count):
        i = k * n
        imu = np.zeros((n, 6), np.int16)
        imu[:, 5] = 9810  # 9.81 m/s² at 1e-3 per count
        t0 = 10**6 + i * period_us
        out.append((t0 * 1e-6 + 0.004, wire.encode_packet(i, t0, imu, (n - 1) * period_us)))
    return out


class _Client:
    """What the recorder uses of a HeadsetClient: connects at once, delivers ``items``."""

    name, address, mtu, connections, silences = "neckimu-TEST", "00:00:00:00:00:01", 247, 1, 0

    def __init__(self, items: list) -> None:
        self.items = items
        self.queue: asyncio.Queue = asyncio.Queue()

    def start(self) -> None:
        for it in self.items:
            self.queue.put_nowait(it)

    async def wait_connected(self, timeout: float) -> wire.Info:
        return INFO

    def raise_if_failed(self) -> None:
        pass

    async def close(self) -> None:
        pass


def _record(path: Path, packets: int):
    async def main():
        rec = Recorder(_Client(_packets(packets)), path)  # type: ignore[arg-type]
        task = asyncio.create_task(rec.run())
        await asyncio.sleep(0)  # connected and the file opened
        rec.stop()  # after what the client had delivered
        return await task

    return asyncio.run(main())


def test_stopped_before_the_first_sample_leaves_no_file(tmp_path):
    out = tmp_path / "demo.csv"
    result = _record(out, packets=0)
    assert not out.exists()
    assert result.stats.samples == 0
    assert any(n.startswith("nothing recorded") and str(out) in n for n in result.notes)


@pytest.mark.parametrize("packets", [1, 5])
def test_a_recording_with_samples_is_kept_and_reads(tmp_path, packets):
    out = tmp_path / "demo.csv"
    result = _record(out, packets=packets)
    assert not any(n.startswith("nothing recorded") for n in result.notes)
    rec = read_recording(out)
    assert len(rec.samples) == result.stats.samples == 8 * packets
