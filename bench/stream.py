"""Benchmark: live streaming through the bumble BLE stack into the client.

For 100 Hz and 200 Hz, 9-axis (IMU + magnetometer), a simulated headset plays a stream in
real time over the in-process bumble link; the real client (bleak over the bumble backend)
records it. Printed per rate: samples/s delivered into the recording, loss (samples the
headset sent that are not in the file: must be 0), and the latency from the notification
callback to the decoded SampleBlock holding the samples (p50/p95). A second line per rate
plays the stream 20x faster (throughput headroom): the headset's clock is held while the
receiver lags and the run ends when every notification sent was received (as ``record
--simulate`` and ``demo`` play), so a stack slower than asked shows as fewer samples/s,
never as loss.

    .venv/bin/python bench/stream.py [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import numpy as np

from neckimu.ble.client import HeadsetClient
from neckimu.ble.link import virtual_radio
from neckimu.ble.recorder import Recorder
from neckimu.ble.simulated import pace, play_out
from neckimu.ble.testsignal import synthetic_stream
from neckimu.recording.reader import read_recording


async def _one(rate: float, seconds: float, speed: float, mtu: int, path: Path) -> dict:
    stream = synthetic_stream(seconds + 2.0, rate, coded=True, jitter_us=30.0)
    async with virtual_radio([stream], speed=speed, mtu=mtu) as radio:
        h = radio.headsets[0]
        client = HeadsetClient(h.name, client_backend=radio.client_backend,
                               scanner_backend=radio.scanner_backend, silence_s=2.0)
        pace(h, client)
        rec = Recorder(client, path, clock_s_per_us=1e-6 / speed, measure_latency=True)
        task = asyncio.create_task(rec.run())
        await client.connected.wait()
        t0 = time.perf_counter()
        await play_out(rec, h, client)  # every notification sent was received
        wall = time.perf_counter() - t0
        res = await task
    r = read_recording(path)
    g = np.round(r.samples.gyr / np.float32(stream.gyr_scale)).astype(np.int64)
    got = set((g[:, 0] + (g[:, 1] << 15)).tolist())
    sent = np.concatenate(h.sent_seq)
    lost = int(sum(s not in got for s in sent.tolist()))
    lat = np.array(res.latencies_s) * 1e3
    return {
        "rate": rate, "mtu": mtu, "speed": speed, "delivered": len(r.samples) / wall,
        "lost": lost, "sent": len(sent), "p50": np.percentile(lat, 50),
        "p95": np.percentile(lat, 95), "notifications": h.packets_sent / wall,
        "mag": r.samples.mag is not None and not np.isnan(r.samples.mag).any(),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=10.0, help="stream length, s")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for rate in (100.0, 200.0):
            for mtu in (247, 23):
                for speed in (1.0, 20.0):
                    res = asyncio.run(_one(rate, args.seconds, speed, mtu,
                                           Path(tmp) / f"b{rate}{mtu}{speed}.csv"))
                    mode = "real time" if speed == 1 else f"{speed:g}x playback"
                    print(
                        f"{rate:3.0f} Hz 9-axis, MTU {mtu:3d}, {mode:>14}: "
                        f"{res['delivered']:7.0f} samples/s delivered "
                        f"({res['notifications']:5.0f} notifications/s), "
                        f"loss {res['lost']}/{res['sent']}, "
                        f"notification->block latency p50 {res['p50']:5.1f} ms, "
                        f"p95 {res['p95']:5.1f} ms"
                    )


if __name__ == "__main__":
    main()
