"""Playback of the simulated headset at any speed keeps every sample and cue, or slows down and
says so (issue 11). Nothing here measures host time: a slow machine is made deterministic by a
receiver that sleeps per item."""

from __future__ import annotations

import asyncio
import time

import numpy as np
import pytest

from neckimu.ble import simulated
from neckimu.ble.recorder import Recorder
from neckimu.ble.testsignal import synthetic_stream
from neckimu.recording.events import Event
from neckimu.recording.reader import read_recording

CUES = [
    Event(0.5, "start", "calibrate"),
    Event(2.0, "end", "calibrate"),
    Event(2.0, "start", "hold_left"),
    Event(5.25, "end", "hold_left"),
    Event(5.999, "start", "posture"),
]  # the last one 1 ms before the last sample


def _play(tmp_path, speed, mtu, seed=0):
    stream = synthetic_stream(6.0, 200.0, coded=True, seed=seed)
    out = tmp_path / f"s{speed:g}-{mtu}.csv"
    res = asyncio.run(simulated.record_simulated(stream, out, events=CUES, speed=speed, mtu=mtu))
    rec = read_recording(out)
    g = np.round(rec.samples.gyr / np.float32(stream.gyr_scale)).astype(np.int64)
    return res, rec, g[:, 0] + (g[:, 1] << 15), stream


@pytest.mark.parametrize(("speed", "mtu"), [(1.0, 247), (20.0, 23), (100.0, 247), (100.0, 23)])
def test_every_sample_and_cue_is_kept_at_any_speed(tmp_path, speed, mtu):
    res, rec, seq, stream = _play(tmp_path, speed, mtu)
    np.testing.assert_array_equal(seq, stream.seq)  # all of them, once, in order
    assert rec.gaps == [] and res.stats.malformed == 0
    # each cue stamped by the headset at its planned instant of the session
    assert rec.events == CUES
    assert rec.meta["playback"]["in_flight_lost"] == 0


def test_a_slow_receiver_slows_the_playback_and_says_so(tmp_path, monkeypatch):
    write = Recorder._write

    def slow_write(self, outs):  # a receiver that needs 2 ms per item: a busy machine
        time.sleep(0.002 * len(outs))
        write(self, outs)

    monkeypatch.setattr(Recorder, "_write", slow_write)
    monkeypatch.setattr(simulated, "MAX_LAG_NOTIFICATIONS", 50)
    res, rec, seq, stream = _play(tmp_path, 200.0, 23, seed=1)
    np.testing.assert_array_equal(seq, stream.seq)
    assert rec.events == CUES and rec.gaps == []
    pb = rec.meta["playback"]
    assert pb["held_s"] > 0 and pb["effective_speed"] < 200.0 * 0.8
    assert len(res.notes) == 1 and "playback slowed to" in res.notes[0]
    assert pb["note"] == res.notes[0]


def test_a_cue_that_arrives_while_an_event_packet_is_sent_is_kept(tmp_path, monkeypatch):
    """Cues come in pairs at one instant (the end of one exercise, the start of the next).
    The headset's loop sent its queued event packets from a copy of the queue and then
    cleared it: a *mark event* written while the radio was carrying the first packet was
    cleared unsent (a busy machine lost a retraction's start cue). Here the radio takes 0.2 s
    of host time for each event packet, so the second cue of each pair arrives then."""
    from neckimu.ble.simulated_headset import SimulatedHeadset
    from neckimu.wire import packets as wire

    notify = SimulatedHeadset._notify

    async def slow_event_notify(self, payload):
        if wire.decode_packet(payload).event_code is not None:
            await asyncio.sleep(0.2)
        return await notify(self, payload)

    monkeypatch.setattr(SimulatedHeadset, "_notify", slow_event_notify)
    _, rec, seq, stream = _play(tmp_path, 1.0, 247)
    np.testing.assert_array_equal(seq, stream.seq)
    assert rec.events == CUES


def test_a_cue_whose_write_times_out_is_placed_and_the_later_ones_still_sent(tmp_path, monkeypatch):
    """bumble's own GATT timeout (``bumble.core.TimeoutError``, not the builtin) escaped the
    client and ended the cue task: a busy two-board session never cued its stretch. Now the
    cue is placed on the device time base by the host's clock map, and the rest follow."""
    from bumble import core
    from bumble.gatt_client import CharacteristicProxy

    from neckimu.wire.spec import OP_MARK_EVENT

    write = CharacteristicProxy.write_value
    marks = {"n": 0}

    async def flaky_write(self, value, with_response=False):
        if len(value) >= 1 and value[0] == OP_MARK_EVENT:
            marks["n"] += 1
            if marks["n"] == 1:  # the first cue's mark event
                raise core.TimeoutError("GATT timeout for ATT_Write_Request")
        return await write(self, value, with_response=with_response)

    monkeypatch.setattr(CharacteristicProxy, "write_value", flaky_write)
    _, rec, seq, stream = _play(tmp_path, 1.0, 247)
    np.testing.assert_array_equal(seq, stream.seq)
    assert [(e.event, e.exercise) for e in rec.events] == [(e.event, e.exercise) for e in CUES]
    assert abs(rec.events[0].time_s - CUES[0].time_s) < 0.1  # placed by the clock map
    assert rec.events[1:] == CUES[1:] and marks["n"] == len(CUES)


def test_a_slowed_two_board_playback_says_the_trunk_may_be_misplaced():
    """A held clock is no crystal: with two boards the host's clock maps can place the trunk
    board's samples seconds off (a fresh-eyed tester's live session under load); the note
    says so, and only with two boards and only when the playback slowed."""
    from types import SimpleNamespace

    slowed = SimpleNamespace(played_s=100.0, speed=8.0, held_s=6.25)
    one = simulated.playback_note(slowed, loop_s=50.0)
    two = simulated.playback_note(slowed, loop_s=50.0, two_boards=True)
    assert "playback slowed to 2.0x (asked 8x)" in one and "trunk" not in one
    assert two.startswith(one) and "held 6.2 s in all" in two and "lower --speed" in two
    assert simulated.playback_note(slowed, loop_s=12.6, two_boards=True) == ""
