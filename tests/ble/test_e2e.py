"""End to end: simulated headset -> bumble GATT -> bleak backend -> client -> recording."""

from __future__ import annotations

import numpy as np
import pytest

from neckimu import wire
from neckimu.ble.testsignal import synthetic_stream
from neckimu.recording.events import Event


@pytest.mark.parametrize(("rate", "mtu"), [(200.0, 247), (100.0, 247), (200.0, 23)])
def test_recorded_counts_equal_sent_counts(record_simulated, rate, mtu):
    stream = synthetic_stream(8.0, rate, coded=True, jitter_us=30.0, seed=3)
    run = record_simulated(stream, speed=8.0, mtu=mtu)
    rec, h = run.recording, run.headset
    seq = run.recorded_seq()
    sent = run.sent_seq()
    assert len(sent) == len(stream.seq)  # the session starts with the first *start*
    # the headset's log of what it sent is one run of indices, not one array per notification
    # (an 8-hour session would keep 720 000 of them: ~17 MB per session hour)
    assert h.packets_sent > 100 and len(h.sent_seq) == 1
    assert h.sent_imu.runs() == [(0, len(stream.seq))]
    # every sample the headset sent is in the file, once, in order, nothing else
    np.testing.assert_array_equal(seq, sent)
    idx = np.searchsorted(stream.seq, seq)
    counts = np.column_stack(
        [
            np.round(rec.samples.gyr / np.float32(stream.gyr_scale)),
            np.round(rec.samples.acc / np.float32(stream.acc_scale)),
        ]
    ).astype(np.int64)
    np.testing.assert_array_equal(counts, stream.imu[idx])
    # the magnetometer held at each IMU sample, from the first mag record the headset sent
    first_mag_t = stream.mag_t_us[min(h.sent_mag_idx)]
    ok = stream.t_us[idx] >= first_mag_t
    ref = np.round(stream.to_samples().mag[idx] / np.float32(stream.mag_scale))
    got = np.round(rec.samples.mag / np.float32(stream.mag_scale))
    np.testing.assert_array_equal(got[ok], ref[ok])
    # time stamps: the device clock from the first sample, however loaded the host; inside a
    # packet the protocol spaces samples evenly (span_us), so the 30 µs jitter of each sample
    # is replaced by the packet's line (exact at its first and last sample)
    t = rec.samples.t
    assert t[0] == 0.0 and (np.diff(t) > 0).all()
    err_us = np.round(t * 1e6) - (stream.t_us[idx] - stream.t_us[idx[0]])
    assert np.abs(err_us).max() < 500
    assert np.mean(err_us == 0) >= 1.0 / wire.batch_size(mtu, rate)
    assert rec.gaps == []
    assert rec.meta["att_mtu"] == mtu
    assert rec.meta["stream_stats"]["malformed"] == 0
    assert rec.meta["device_name"] == h.name


def test_events_are_stamped_by_the_headset(record_simulated):
    stream = synthetic_stream(6.0, 100.0, coded=True)
    evs = ((0.3, Event(0.0, "start", "hold_left")), (0.1, Event(0.0, "end", "hold_left")))
    run = record_simulated(stream, speed=4.0, events=evs)
    got = run.recording.events
    assert [(e.event, e.exercise) for e in got] == [("start", "hold_left"), ("end", "hold_left")]
    assert [code for _, code in run.headset.events_sent] == [e.code() for _, e in evs]
    t = run.recording.samples.t
    assert t[0] < got[0].time_s < got[1].time_s < t[-1]


def test_simulated_session_rev1_sample_for_sample(record_simulated):
    from neckimu.sim import SessionConfig, simulate_session

    stream = simulate_session(
        SessionConfig(board="rev1", script="rest", rest_duration_s=20.0, seed=2)
    ).device
    run = record_simulated(stream, speed=8.0)
    idx = np.searchsorted(stream.seq, run.sent_seq())
    rec = run.recording
    counts = np.column_stack(
        [
            np.round(rec.samples.gyr / np.float32(stream.gyr_scale)),
            np.round(rec.samples.acc / np.float32(stream.acc_scale)),
        ]
    ).astype(np.int64)
    np.testing.assert_array_equal(counts, stream.imu[idx])
    assert (np.diff(rec.samples.t) > 0).all()
    # the simulated board drops samples now and then: each is one exactly counted gap
    missing = int(np.sum(np.diff(stream.seq[idx]) - 1))
    assert sum(g.missing for g in rec.gaps) == missing


def test_record_command_simulate(tmp_path, capsys):
    from neckimu.cli import main
    from neckimu.recording.reader import read_recording

    out = tmp_path / "sim.csv.gz"
    assert (
        main(["record", "--simulate", "--speed", "40", "--duration", "30", "--out", str(out)]) == 0
    )
    rec = read_recording(out)
    assert len(rec.samples) > 1000 and rec.events
    assert "samples" in capsys.readouterr().out
    assert main(["record", "--simulate", "--out", str(tmp_path / "x.txt")]) == 2
