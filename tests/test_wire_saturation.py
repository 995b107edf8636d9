"""Saturation from the headset's packets to the recording: counted, marked, read back."""

from __future__ import annotations

import numpy as np

from neckimu import wire
from neckimu.ble.stream import StreamAssembler
from neckimu.recording.reader import read_recording
from neckimu.recording.saturation import Saturation
from neckimu.recording.writer import RecordingWriter
from neckimu.samples import SampleBlock

INFO = wire.Info(imu_rate_hz=100.0, mag_rate_hz=10.0, gyr_scale=1e-3, acc_scale=1e-3, mag_scale=0.1)


def _session(rng: np.random.Generator, n_packets: int, n: int = 4, period_us: int = 10_000):
    """Packets as the firmware sends them at MTU 247: ``n`` IMU samples, a 10 Hz mag record in
    every third packet; a few samples at full scale, flagged as the firmware flags them."""
    packets, truth, mag_sat = [], [], 0
    for k in range(n_packets):
        i = k * n
        imu = rng.integers(-3000, 3000, (n, 6)).astype(np.int16)
        hit = rng.random(n) < 0.08
        for j in np.flatnonzero(hit):
            imu[j, int(rng.integers(0, 6))] = rng.choice([32767, -32768, -32767])
        flags = 0
        if hit.any():
            flags |= wire.FLAG_GYR_SATURATED if (np.abs(imu[hit, :3]) >= 32767).any() else 0
            flags |= wire.FLAG_ACC_SATURATED if (np.abs(imu[hit, 3:]) >= 32767).any() else 0
        mag, off = None, ()
        if k % 3 == 0:
            mag, off = rng.integers(-500, 500, (1, 3)), [1500]
            if rng.random() < 0.2:
                flags |= wire.FLAG_MAG_SATURATED
                mag_sat += 1
        packets.append(
            wire.encode_packet(i, 10**6 + i * period_us, imu, (n - 1) * period_us, mag, off, flags)
        )
        truth.append(hit)
    return packets, np.concatenate(truth), mag_sat


def test_saturated_samples_are_counted_and_marked_in_the_recording(tmp_path):
    checked = 0
    for seed in range(8):
        rng = np.random.default_rng(seed)
        packets, truth, mag_sat = _session(rng, 300)
        asm = StreamAssembler(INFO)
        path = tmp_path / f"rec{seed}.csv"
        with RecordingWriter(path, {"mount": "forehead"}) as w:
            outs = []
            for k, p in enumerate(packets):
                outs += asm.feed((k * 0.04, p))
            outs += asm.flush()
            for o in outs:
                if isinstance(o, SampleBlock):
                    w.write_block(o)
                elif isinstance(o, Saturation):
                    w.write_saturation(o)
        assert asm.stats.samples == len(truth)
        assert asm.stats.saturated == int(truth.sum()) > 0
        assert asm.stats.saturated_mag == mag_sat
        rec = read_recording(path)
        np.testing.assert_array_equal(rec.saturated, truth)
        checked += int(truth.sum())
    assert checked > 300
