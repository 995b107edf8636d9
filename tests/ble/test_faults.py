"""Fault injection on the simulated headset: the client reconnects, counts, drops, never lies."""

from __future__ import annotations

import numpy as np

from neckimu.ble.headset import Faults
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
    assert h.disconnects == 10
    assert res.connections == 11  # reconnected after each one
    _check_accounting(run)
    reasons = {g.reason for g in run.recording.gaps}
    assert reasons == {"reconnect"}
    assert len(run.recording.gaps) == 10
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
    run = record_simulated(stream, speed=4.0, faults=Faults(stall_at_s=5.0, stall_s=4.0),
                           silence_s=0.3)
    assert run.result.silences >= 1
    assert run.result.connections >= 2
    _check_accounting(run)


def test_device_overflow_and_drift_and_mtu23(record_simulated):
    stream = synthetic_stream(12.0, 100.0, coded=True, drop_every=50, true_rate_ratio=0.95,
                              seed=8)
    run = record_simulated(stream, speed=6.0, mtu=23, faults=Faults(drift_ppm=300.0))
    seq = _check_accounting(run)
    assert {g.reason for g in run.recording.gaps} == {"device overflow"}
    # the device dropped every 50th sample: one gap of one sample per 50
    assert all(g.missing == 1 for g in run.recording.gaps)
    assert abs(len(run.recording.gaps) - (seq[-1] - seq[0] + 1) / 50) <= 1
