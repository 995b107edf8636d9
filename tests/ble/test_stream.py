"""The decoding stage without Bluetooth: seq/time unwrap, gap counting, clock fit."""

from __future__ import annotations

import numpy as np

from neckimu import protocol as P
from neckimu.ble.clock import ClockFit, Unwrapper
from neckimu.ble.stream import GapRecord, LinkMarker, StreamAssembler
from neckimu.samples import SampleBlock

INFO = P.Info(imu_rate_hz=200.0, mag_rate_hz=0.0, gyr_scale=1e-3, acc_scale=1e-3, mag_scale=0.01)


def _packets(first: int, count: int, n: int = 8, period_us: int = 5000, t0: int = 10**6):
    """``count`` packets of ``n`` samples from sample index ``first``; gx = index mod 2^15."""
    out = []
    for k in range(count):
        i = first + k * n
        imu = np.zeros((n, 6), np.int16)
        imu[:, 0] = (np.arange(i, i + n) & 0x7FFF)
        out.append(P.encode_packet(i, t0 + i * period_us, imu, (n - 1) * period_us))
    return out


def _run(asm, packets, dt_s=0.04):
    outs = []
    for k, p in enumerate(packets):
        outs += asm.feed((k * dt_s, p))
    return outs + asm.flush()


def test_unwrapper_handles_wraps_both_ways():
    u = Unwrapper(1 << 16)
    assert [u(v) for v in (65530, 65535, 3, 10, 65533, 20)] == [65530, 65535, 65539, 65546,
                                                                65533, 65556]


def test_gap_across_seq_wrap_is_resolved_from_device_time():
    # a silent stretch of 70 000 samples (more than one seq wrap) inside one connection
    asm = StreamAssembler(INFO)
    pk = _packets(0, 20) + _packets(160 + 70_000, 20)
    outs = _run(asm, pk)
    gaps = [o for o in outs if isinstance(o, GapRecord)]
    assert [(g.missing, g.reason) for g in gaps] == [(70_000, "lost packets")]
    assert sum(len(o) for o in outs if isinstance(o, SampleBlock)) == 320
    assert asm.stats.missing == 70_000


def test_reconnect_gap_from_device_time_and_time_wrap():
    t0 = (1 << 32) - 3_000_000  # device time wraps 3 s in
    asm = StreamAssembler(INFO)
    first = _packets(0, 50, t0=t0)  # 400 samples = 2 s
    # reconnect: start reset seq to 0; the sensor went on for 777 samples meanwhile
    second = [P.encode_packet(k * 8, (t0 + (1177 + k * 8) * 5000) % (1 << 32),
                              np.zeros((8, 6), np.int16), 35000) for k in range(50)]
    outs = []
    for k, p in enumerate(first):
        outs += asm.feed((k * 0.04, p))
    outs += asm.feed(LinkMarker("disconnected", 2.1))
    outs += asm.feed(LinkMarker("connected", 5.0, INFO))
    for k, p in enumerate(second):
        outs += asm.feed((6.0 + k * 0.04, p))
    outs += asm.flush()
    gaps = [o for o in outs if isinstance(o, GapRecord)]
    assert [(g.missing, g.reason) for g in gaps] == [(777, "reconnect")]
    t = np.concatenate([o.t for o in outs if isinstance(o, SampleBlock)])
    assert len(t) == 800 and (np.diff(t) > 0).all()


def test_malformed_and_stale_packets_are_counted_not_raised():
    asm = StreamAssembler(INFO)
    pk = _packets(0, 10)
    feed = [pk[0], b"", b"\x01\x01", pk[1], pk[1], pk[2], b"\x02" * 20, pk[3]]
    outs = _run(asm, feed)
    assert asm.stats.malformed == 3 and asm.stats.stale == 1
    assert sum(len(o) for o in outs if isinstance(o, SampleBlock)) == 32


def test_clock_fit_recovers_drift_and_offset_under_latency():
    rng = np.random.default_rng(0)
    drift = 40e-6  # the device runs 40 ppm fast
    dev = np.arange(0, 120_000_000, 40_000)  # a notification every 40 ms for 2 min
    host = 1000.0 + dev * 1e-6 / (1 + drift) + 0.004 + rng.exponential(0.010, len(dev))
    fit = ClockFit()
    for d, h in zip(dev.tolist(), host.tolist(), strict=True):
        fit.observe(d, h)
    assert abs(fit.drift_ppm - 40.0) < 3.0
    err = fit.to_host(dev) - (1000.0 + dev * 1e-6 / (1 + drift) + 0.004)
    assert np.abs(err).max() < 0.002  # the lower envelope: within 2 ms of the true map
