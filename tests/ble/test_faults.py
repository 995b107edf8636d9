"""Fault injection on the simulated headset: the client reconnects, counts, drops, never lies."""

from __future__ import annotations

import numpy as np

from neckimu.ble.simulated_headset import Faults
from neckimu.ble.testsignal import synthetic_stream


def _check_accounting(run) -> np.ndarray:
    """Every sample sent is in the file, nothing else is, and each gap counts exactly the
    samples missing between its neighbours. Returns the recorded seq."""
    rec = run.recording
    seq = run.recorded_seq()
    np.testing.assert_array_equal(seq, run.sent_seq())
    assert (np.diff(seq) > 0).all()
    assert (np.diff(rec.samples.t) > 0).all()
    jumps = {int(i) + 1: int(d) - 1 for i, d in enumerate(np.diff(seq)) if d != 1}
    row_of = {round(float(t), 6): i for i, t in enumerate(rec.samples.t)}
    gaps = {row_of[round(g.time_s, 6)]: g.missing for g in rec.gaps}
    assert gaps == jumps
    assert len(seq) + sum(gaps.values()) == seq[-1] - seq[0] + 1
    return seq


def test_ten_forced_disconnects_in_two_minutes(record_simulated):
    stream = synthetic_stream(120.0, 200.0, coded=True, jitter_us=40.0, seed=5)
    faults = Faults(disconnect_at_s=tuple(np.linspace(8.0, 110.0, 10)))
    run = record_simulated(stream, speed=12.0, faults=faults)
    h, res = run.headset, run.result
    # a disconnect due while the host is still reconnecting from the last one finds no link
    # (at 12x a slow host's reconnect can outlast the 11 s of device time between them): how
    # many strike depends on the host's speed, that each one is accounted for does not
    assert 1 <= h.disconnects <= 10  # the first always finds the link up
    assert res.connections == h.disconnects + 1  # reconnected after each one
    _check_accounting(run)
    reasons = {g.reason for g in run.recording.gaps}
    assert reasons == {"reconnect"}
    assert len(run.recording.gaps) == h.disconnects
    assert run.recording.meta["stream_stats"]["malformed"] == 0


def test_dropped_and_malformed_packets_are_counted_and_never_written(record_simulated):
    stream = synthetic_stream(20.0, 200.0, coded=True, seed=6)
    faults = Faults(drop_every=13, malformed_every=7)
    run = record_simulated(stream, speed=8.0, faults=faults)
    h, stats = run.headset, run.result.stats
    assert h.malformed_sent > 20
    assert stats.malformed == h.malformed_sent
    assert set(stats.errors) == {"short", "bad_version", "event_with_records", "bad_length"}
    _check_accounting(run)
    dropped = np.concatenate(h.dropped_seq)
    seq = run.recorded_seq()
    dropped = dropped[(dropped > seq[0]) & (dropped < seq[-1])]
    assert sum(g.missing for g in run.recording.gaps) == len(dropped)
    assert {g.reason for g in run.recording.gaps} == {"lost packets"}


def test_stalled_link_is_noticed_and_reconnected(record_simulated):
    stream = synthetic_stream(16.0, 100.0, coded=True, seed=7)
    run = record_simulated(
        stream, speed=4.0, faults=Faults(stall_at_s=5.0, stall_s=4.0), silence_s=0.3
    )
    assert run.result.silences >= 1
    assert run.result.connections >= 2
    _check_accounting(run)


def test_device_overflow_and_drift_and_mtu23(record_simulated):
    stream = synthetic_stream(12.0, 100.0, coded=True, drop_every=50, true_rate_ratio=0.95, seed=8)
    run = record_simulated(stream, speed=6.0, mtu=23, faults=Faults(drift_ppm=300.0))
    seq = _check_accounting(run)
    assert {g.reason for g in run.recording.gaps} == {"device overflow"}
    # the device dropped every 50th sample: one gap of one sample per 50
    assert all(g.missing == 1 for g in run.recording.gaps)
    assert abs(len(run.recording.gaps) - (seq[-1] - seq[0] + 1) / 50) <= 1


def test_headset_reboot_keeps_every_new_sample(record_simulated):
    """The headset reboots 20 s in (device clock and seq restart, the link drops, the client
    reconnects): every sample sent after it is in the file, after one marked gap."""
    stream = synthetic_stream(60.0, 200.0, coded=True, jitter_us=30.0, seed=9)
    faults = Faults(reboot_at_s=(20.0,), boot_s=0.5)
    run = record_simulated(stream, speed=12.0, faults=faults)
    h, stats, rec = run.headset, run.result.stats, run.recording
    assert h.reboots == 1 and stats.reboots == 1 and run.result.connections == 2
    seq, sent = run.recorded_seq(), run.sent_seq()
    np.testing.assert_array_equal(seq, sent)
    # sent after the reboot (and all of them recorded). How many depends on how long the
    # host took to reconnect while the device clock ran on at 12x: only "some" is load-free.
    assert int(np.sum(sent > 20.0 * 200)) > 0
    assert [g.reason for g in rec.gaps] == ["reboot"] and (np.diff(rec.samples.t) > 0).all()
    # the gap is after the last sample before the reboot and counts at least the 0.5 s boot
    k = int(np.searchsorted(rec.samples.t, rec.gaps[0].time_s))
    assert seq[k - 1] < 20.0 * 200 <= seq[k]
    assert rec.gaps[0].missing >= 0.5 * 200
    # each segment is on its own device clock, exactly (up to the in-packet spacing)
    for part in (slice(0, k), slice(k, None)):
        t = rec.samples.t[part]
        idx = np.searchsorted(stream.seq, seq[part])
        err_us = np.round((t - t[0]) * 1e6) - (stream.t_us[idx] - stream.t_us[idx[0]])
        assert np.abs(err_us).max() < 500
    segs = rec.meta["time_base"]["segments"]
    assert [s["reason"] for s in segs] == ["start", "reboot"]


def test_a_packet_from_the_future_is_one_corrupt_packet(record_simulated):
    stream = synthetic_stream(20.0, 200.0, coded=True, seed=10)
    faults = Faults(future_packet_at_s=(5.0,), future_jump_s=1800.0)
    run = record_simulated(stream, speed=8.0, faults=faults)
    stats = run.result.stats
    assert run.headset.corrupt_sent == 1 and stats.corrupt == 1
    np.testing.assert_array_equal(run.recorded_seq(), run.sent_seq())
    assert len(run.sent_seq()) == len(stream.seq)
    assert run.recording.gaps == []
