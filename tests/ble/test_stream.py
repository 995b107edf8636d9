"""The decoding stage without Bluetooth: seq/time unwrap, gap counting, clock fit."""

from __future__ import annotations

import numpy as np
import pytest

from neckimu import wire
from neckimu.ble.clock import ClockFit, Unwrapper
from neckimu.ble.stream import LinkMarker, StreamAssembler
from neckimu.samples import Gap, SampleBlock

INFO = wire.Info(imu_rate_hz=200.0, mag_rate_hz=0.0, gyr_scale=1e-3, acc_scale=1e-3, mag_scale=0.01)


def _packets(first: int, count: int, n: int = 8, period_us: int = 5000, t0: int = 10**6):
    """``count`` packets of ``n`` samples from sample index ``first``; gx = index mod 2^15."""
    out = []
    for k in range(count):
        i = first + k * n
        imu = np.zeros((n, 6), np.int16)
        imu[:, 0] = np.arange(i, i + n) & 0x7FFF
        out.append(wire.encode_packet(i, t0 + i * period_us, imu, (n - 1) * period_us))
    return out


def _arrival(packet: bytes, latency_s: float = 0.004) -> float:
    """Host arrival time of a packet: its newest record's device time plus a latency (0 for
    a malformed packet)."""
    try:
        pkt = wire.decode_packet(packet)
    except wire.WireError:
        return 0.0
    newest = pkt.t0_us + max([0, *pkt.imu_dt_us.tolist(), *pkt.mag_dt_us.tolist()])
    return newest * 1e-6 + latency_s


def _run(asm, packets):
    outs = []
    for p in packets:
        outs += asm.feed((_arrival(p), p))
    return outs + asm.flush()


def test_unwrapper_handles_wraps_both_ways():
    u = Unwrapper(1 << 16)
    assert [u(v) for v in (65530, 65535, 3, 10, 65533, 20)] == [
        65530,
        65535,
        65539,
        65546,
        65533,
        65556,
    ]


def test_gap_across_seq_wrap_is_resolved_from_device_time():
    # a silent stretch of 70 000 samples (more than one seq wrap) inside one connection
    asm = StreamAssembler(INFO)
    pk = _packets(0, 20) + _packets(160 + 70_000, 20)
    outs = _run(asm, pk)
    gaps = [o for o in outs if isinstance(o, Gap)]
    assert [(g.missing, g.reason) for g in gaps] == [(70_000, "lost packets")]
    assert sum(len(o) for o in outs if isinstance(o, SampleBlock)) == 320
    assert asm.stats.missing == 70_000


def test_reconnect_gap_from_device_time_and_time_wrap():
    t0 = (1 << 32) - 3_000_000  # device time wraps 3 s in
    asm = StreamAssembler(INFO)
    first = _packets(0, 50, t0=t0)  # 400 samples = 2 s
    # reconnect: start reset seq to 0; the sensor went on for 777 samples meanwhile
    second = [
        wire.encode_packet(
            k * 8, (t0 + (1177 + k * 8) * 5000) % (1 << 32), np.zeros((8, 6), np.int16), 35000
        )
        for k in range(50)
    ]
    outs = []
    for k, p in enumerate(first):
        outs += asm.feed((k * 0.04, p))
    outs += asm.feed(LinkMarker("disconnected", 2.1))
    outs += asm.feed(LinkMarker("connected", 5.0, INFO))
    for k, p in enumerate(second):
        outs += asm.feed((6.0 + k * 0.04, p))
    outs += asm.flush()
    gaps = [o for o in outs if isinstance(o, Gap)]
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


# -- the device time base (issue 11) ------------------------------------------------------------
def _samples(outs) -> SampleBlock:
    return SampleBlock.concat([o for o in outs if isinstance(o, SampleBlock)])


def _index(block: SampleBlock) -> np.ndarray:
    """The sample index each row carries in gx (see _packets)."""
    return np.round(block.gyr[:, 0] / np.float32(INFO.gyr_scale)).astype(np.int64)


INFO_MAG = wire.Info(
    imu_rate_hz=200.0, mag_rate_hz=20.0, gyr_scale=1e-3, acc_scale=1e-3, mag_scale=0.01
)


def test_time_base_is_the_device_clock_whatever_the_arrival_times():
    # arrival times from a host that stalls for seconds and then delivers in bursts
    rng = np.random.default_rng(1)
    pk = _packets(0, 500)
    host = np.arange(500) * 0.04 + np.cumsum(rng.exponential(0.05, 500))
    host[200:260] = host[260]  # a 2.4 s stall, then a burst
    asm = StreamAssembler(INFO)
    outs = [o for p, h in zip(pk, host.tolist(), strict=True) for o in asm.feed((h, p))]
    b = _samples(outs + asm.flush())
    assert len(b) == 4000
    # exactly the device time (µs), from the first sample
    np.testing.assert_array_equal(np.round(b.t * 1e6).astype(np.int64), _index(b) * 5000)


def test_out_of_order_records_never_reset_the_time_base():
    """Events sent ahead of older buffered samples and magnetometer records alone, over many
    1 s clock-fit bins: the time base stays the device clock and the fit is never cleared."""
    asm = StreamAssembler(INFO_MAG)
    period, n, t0 = 5000, 8, 10**6
    feed = []
    for k in range(300):  # 12 s
        i = k * n
        imu = np.zeros((n, 6), np.int16)
        imu[:, 0] = np.arange(i, i + n) & 0x7FFF
        t_first = t0 + i * period
        pkt = wire.encode_packet(i, t_first, imu, (n - 1) * period)
        arrive = (t_first + (n - 1) * period) * 1e-6 + 0.004
        if k % 5 == 2:  # a mag record alone, older than the IMU packet before it
            mag = np.array([[k, 0, 0]], np.int16)
            feed.append(
                (arrive + 0.001, wire.encode_packet(i + n, t_first - 20_000, None, 0, mag, [0]))
            )
        if k % 25 == 24:  # an event stamped 20 ms after the newest buffered sample, sent
            t_ev = t_first + (n - 1) * period + 20_000  # ahead of those samples
            feed.append((t_ev * 1e-6 + 0.004, wire.encode_event_packet(i + n, t_ev, 0x101)))
            arrive = t_ev * 1e-6 + 0.005
        feed.append((arrive, pkt))
    outs = []
    for item in feed:
        outs += asm.feed(item)
    outs += asm.flush()
    b = _samples(outs)
    assert len(b) == 2400 and asm.stats.stale == 0 and asm.stats.corrupt == 0
    np.testing.assert_array_equal(np.round(b.t * 1e6).astype(np.int64), _index(b) * period)
    evs = [o for o in outs if not isinstance(o, (SampleBlock, Gap))]
    assert len(evs) == 12
    assert [round(e.time_s * 1e6) for e in evs] == [
        (k * n + n - 1) * period + 20_000 for k in range(24, 300, 25)
    ]
    # the clock map kept every 1 s bin: its lower envelope is the 4 ms latency line
    fit = asm.clock
    dev = np.array([t0, t0 + 11_000_000])
    np.testing.assert_allclose(fit.to_host(dev), dev * 1e-6 + 0.004, atol=2e-4)


def test_clock_fit_keeps_its_fit_when_an_older_record_arrives():
    fit = ClockFit()
    for k in range(10):
        fit.observe(k * 1_000_000, k * 1.0 + 0.004)
    before = fit.to_host(5_000_000)
    fit.observe(3_500_000, 3.5 + 0.030)  # a magnetometer record that waited
    assert fit.to_host(5_000_000) == before
    fit.observe(2_500_000, 2.5 + 0.001)  # an older point with less latency lowers the line
    assert fit.to_host(5_000_000) < before


def test_one_future_packet_is_counted_corrupt_not_a_new_epoch():
    pk = _packets(0, 2000)
    bad = wire.decode_packet(pk[1000])
    future = wire.encode_packet(
        bad.seq, bad.t0_us + 1_800_000_000, np.asarray(bad.imu), bad.span_us
    )  # well formed, 30 min in the future
    asm = StreamAssembler(INFO)
    outs = []
    for k, p in enumerate(pk):
        outs += asm.feed((_arrival(p), p))
        if k == 1000:
            outs += asm.feed((_arrival(p) + 0.001, future))
    outs += asm.flush()
    b = _samples(outs)
    assert len(b) == 16_000 and not [o for o in outs if isinstance(o, Gap)]
    np.testing.assert_array_equal(_index(b), np.arange(16_000) & 0x7FFF)
    assert asm.stats.corrupt == 1 and asm.stats.stale == 0


def test_a_future_event_or_mag_record_is_corrupt_too():
    pk = _packets(0, 100)
    asm = StreamAssembler(INFO_MAG)
    outs = []
    for k, p in enumerate(pk):
        outs += asm.feed((_arrival(p), p))
        if k == 50:
            t = wire.decode_packet(p).t0_us
            h = _arrival(p)
            outs += asm.feed((h, wire.encode_event_packet(0, t + 1_800_000_000, 0x101)))
            outs += asm.feed(
                (
                    h,
                    wire.encode_packet(
                        0, t + 1_800_000_000, None, 0, np.ones((1, 3), np.int16), [0]
                    ),
                )
            )
    outs += asm.flush()
    assert len(_samples(outs)) == 800
    assert not [o for o in outs if not isinstance(o, (SampleBlock, Gap))]
    assert asm.stats.corrupt == 2


def test_a_corrupt_seq_is_dropped_not_a_gap():
    pk = _packets(0, 200)
    bad = wire.decode_packet(pk[100])
    wrong = wire.encode_packet(bad.seq + 30_000, bad.t0_us, np.asarray(bad.imu), bad.span_us)
    asm = StreamAssembler(INFO)
    outs = _run(asm, [*pk[:100], wrong, *pk[101:]])
    assert len(_samples(outs)) == 199 * 8
    assert [(g.missing, g.reason) for g in outs if isinstance(g, Gap)] == [(8, "lost packets")]
    assert asm.stats.corrupt == 1


@pytest.mark.parametrize("old_t0", [10**6, (1 << 32) - 40_000_000])
def test_reboot_starts_a_new_segment_and_keeps_every_sample(old_t0):
    """The headset reboots 30 s in: its clock restarts at 0, seq at 0, the client reconnects.
    Every new sample is kept, after a marked gap. With the old clock near its 2³² wrap the
    restart looks like a small step forward; the host clock tells it apart."""
    asm = StreamAssembler(INFO)
    first = _packets(0, 750, t0=old_t0)  # 30 s at 200 Hz
    outs = _run(asm, first)
    last_host = _arrival(first[-1])
    outs += asm.feed(LinkMarker("disconnected", last_host + 0.01))
    outs += asm.feed(LinkMarker("connected", last_host + 1.5, INFO))
    boot = 700_000  # micros() 0.7 s after the reboot, which was 0.2 s after the last packet
    second = _packets(0, 3750, t0=boot)  # 150 s: 30 000 samples
    base = last_host + 0.2 - 0.004  # host time of the reboot (device time 0)
    for p in second:
        outs += asm.feed((base + _arrival(p), p))
    outs += asm.flush()
    b = _samples(outs)
    assert len(b) == 6000 + 30_000
    assert (np.diff(b.t) > 0).all()
    gaps = [o for o in outs if isinstance(o, Gap)]
    assert [g.reason for g in gaps] == ["reboot"] and asm.stats.reboots == 1
    # the gap is placed by the host clock: the 0.2 s + 0.7 s not streamed, ~180 samples
    assert 170 <= gaps[0].missing <= 190
    # inside the new segment the time base is the (new) device clock, exactly
    new = b.t[6000:]
    np.testing.assert_array_equal(
        np.round((new - new[0]) * 1e6).astype(np.int64), np.arange(30_000) * 5000
    )
    assert [s.reason for s in asm.segments] == ["start", "reboot"]


def test_a_reboot_after_a_long_downtime_is_still_a_reboot():
    """Rebooted 10 s in, reconnected 60 s later: the new clock (60 s) is ahead of the last
    one seen (10 s), so no step backwards shows it; the host clock does (the device clock
    should read ~70 s). On a slow host the simulated headsets' faults hit exactly this."""
    asm = StreamAssembler(INFO)
    first = _packets(0, 250)  # 10 s at 200 Hz
    outs = _run(asm, first)
    last_host = _arrival(first[-1])
    outs += asm.feed(LinkMarker("disconnected", last_host + 0.01))
    outs += asm.feed(LinkMarker("connected", last_host + 60.0, INFO))
    base = last_host + 0.2  # host time of the reboot (device time 0)
    second = _packets(0, 500, t0=59_900_000)  # streaming again 59.9 s after the reboot
    for p in second:
        outs += asm.feed((base + _arrival(p), p))
    outs += asm.flush()
    b = _samples(outs)
    assert len(b) == 2000 + 4000
    assert (np.diff(b.t) > 0).all()
    assert asm.stats.reboots == 1
    assert [g.reason for g in outs if isinstance(g, Gap)] == ["reboot"]
    # placed by the host clock: ~60 s after the old segment's end
    assert b.t[2000] - b.t[1999] == pytest.approx(60.0, abs=0.5)


def test_a_host_event_is_placed_on_the_device_time_base():
    asm = StreamAssembler(INFO)
    _run(asm, _packets(0, 100, t0=5_000_000))  # arrival = device s + 4 ms
    assert asm.host_time_s(7.004) == pytest.approx(2.0, abs=1e-6)


def test_drift_is_stated_only_when_the_fit_can_vouch_for_it():
    """Under 30 s of device time, or a fit at its ±1000 ppm bound (a simulated playback held
    back by a slow receiver), the recording says null instead of a made-up crystal error."""
    from neckimu.ble.clock import ClockFit

    def fit(ratio: float, seconds: int) -> ClockFit:
        f = ClockFit()
        for k in range(seconds * 10):
            dev_us = k * 100_000
            f.observe(dev_us, 5.0 + dev_us * 1e-6 * ratio)
        return f

    assert fit(1.0 + 40e-6, 10).measured_drift_ppm() is None  # 10 s: too short
    assert abs(fit(1.0 - 40e-6, 120).measured_drift_ppm() - 40.0) < 3.0  # a crystal 40 ppm fast
    assert fit(1.01, 120).measured_drift_ppm() is None  # 1 % off: the bound, not a crystal
    assert fit(1.01, 120).as_meta(0, 0.0)["drift_ppm"] is None
