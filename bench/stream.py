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
    .venv/bin/python bench/stream.py --trunk [--duration 600]

``--trunk``: two simulated headsets at once (head and trunk, 100 Hz 9-axis each, real time,
MTU 247), the trunk board's crystal 50 ppm off the head's, recorded into one format v2
recording on the head's time base. Printed: samples sent and written per sensor, and the
cross-sensor alignment error (the trunk samples' recorded time minus the head recording time
at which they were measured, from the two simulated clocks), mean and largest. Simulation
only.
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
from neckimu.ble.simulated import SimulatedTrunk, pace, play_out, record_simulated
from neckimu.ble.testsignal import synthetic_stream
from neckimu.recording.reader import read_recording


async def _one(rate: float, seconds: float, speed: float, mtu: int, path: Path) -> dict:
    stream = synthetic_stream(seconds + 2.0, rate, coded=True, jitter_us=30.0)
    async with virtual_radio([stream], speed=speed, mtu=mtu) as radio:
        h = radio.headsets[0]
        client = HeadsetClient(
            h.name,
            client_backend=radio.client_backend,
            scanner_backend=radio.scanner_backend,
            silence_s=2.0,
        )
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
        "rate": rate,
        "mtu": mtu,
        "speed": speed,
        "delivered": len(r.samples) / wall,
        "lost": lost,
        "sent": len(sent),
        "p50": np.percentile(lat, 50),
        "p95": np.percentile(lat, 95),
        "notifications": h.packets_sent / wall,
        "mag": r.samples.mag is not None and not np.isnan(r.samples.mag).any(),
    }


def _coded_seq(gyr: np.ndarray, scale: float) -> np.ndarray:
    g = np.round(gyr / np.float32(scale)).astype(np.int64)
    return g[:, 0] + (g[:, 1] << 15)


def two_sensors(seconds: float, path: Path, speed: float = 1.0) -> dict:
    """Head and trunk board at 100 Hz each over bumble into one recording; counts and the
    cross-sensor alignment error (see the module docstring)."""
    head = synthetic_stream(seconds, 100.0, coded=True, jitter_us=30.0, seed=1)
    trunk = synthetic_stream(seconds, 100.0, coded=True, jitter_us=30.0, seed=2, t0_us=5_000_000)
    ratio = 1.0 + 50e-6  # the trunk's crystal runs 50 ppm fast against the head's
    offset = 5_000_000 + 3_777 - ratio * 1_000_000  # its samples fall between the head's
    t0 = time.perf_counter()
    res = asyncio.run(
        record_simulated(head, path, speed=speed, trunk=SimulatedTrunk(trunk, (offset, ratio)))
    )
    wall = time.perf_counter() - t0
    r = read_recording(path)
    sh = _coded_seq(r.samples.gyr, head.gyr_scale)
    st = _coded_seq(r.trunk.gyr, trunk.gyr_scale) if r.trunk is not None else np.zeros(0, int)
    # the head's recording time 0 is the device time of its first record
    rec0_us = float(np.median(head.t_us[sh] - r.samples.t * 1e6))
    true_s = ((trunk.t_us[st] - offset) / ratio - rec0_us) * 1e-6
    err_ms = (r.trunk.t - true_s) * 1e3 if len(st) else np.zeros(1)
    assert res.trunk is not None
    return {
        "wall": wall,
        "head_sent": len(head.t_us),
        "trunk_sent": len(trunk.t_us),
        "head_written": len(sh),
        "head_unique": len(set(sh.tolist())),
        "trunk_written": len(st),
        "trunk_unique": len(set(st.tolist())),
        "head_stats": res.stats,
        "trunk_stats": res.trunk.stats,
        "adjusted": res.trunk.adjusted,
        "err_mean": float(err_ms.mean()),
        "err_abs_p95": float(np.percentile(np.abs(err_ms), 95)),
        "err_abs_max": float(np.abs(err_ms).max()),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=10.0, help="stream length, s")
    ap.add_argument(
        "--trunk",
        action="store_true",
        help="two boards (head and trunk, 100 Hz each) into one recording",
    )
    ap.add_argument(
        "--duration", type=float, default=None, help="--trunk: stream length, s (default --seconds)"
    )
    args = ap.parse_args()
    if args.trunk:
        seconds = args.duration or args.seconds
        with tempfile.TemporaryDirectory() as tmp:
            res = two_sensors(seconds, Path(tmp) / "two.csv")
        hs, ts = res["head_stats"], res["trunk_stats"]
        print(
            f"two boards 100 Hz 9-axis each, {seconds:g} s real time over bumble (simulation): "
            f"head sent {res['head_sent']}, written {res['head_written']} "
            f"({res['head_unique']} distinct, {hs.gaps} gaps); trunk sent "
            f"{res['trunk_sent']}, written {res['trunk_written']} "
            f"({res['trunk_unique']} distinct, {ts.gaps} gaps); cross-sensor alignment error "
            f"mean {res['err_mean']:+.2f} ms, |err| p95 {res['err_abs_p95']:.2f} ms, "
            f"max {res['err_abs_max']:.2f} ms; {res['adjusted']} trunk times moved forward; "
            f"wall {res['wall']:.0f} s"
        )
        return
    with tempfile.TemporaryDirectory() as tmp:
        for rate in (100.0, 200.0):
            for mtu in (247, 23):
                for speed in (1.0, 20.0):
                    res = asyncio.run(
                        _one(rate, args.seconds, speed, mtu, Path(tmp) / f"b{rate}{mtu}{speed}.csv")
                    )
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
