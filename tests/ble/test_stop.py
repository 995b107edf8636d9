"""Stopping a recording (Ctrl-C, SIGTERM, the window closed): nothing after the stop."""

from __future__ import annotations

import asyncio

from neckimu.ble.simulated import simulated_link
from neckimu.ble.testsignal import synthetic_stream
from neckimu.errors import DeviceError
from neckimu.recording.events import Event
from neckimu.recording.reader import read_recording


def test_a_cue_after_the_stop_is_not_written(tmp_path):
    """A simulated headset's clock runs on once its link is closed, and its cue player kept
    cueing the rest of the routine into the file after Ctrl-C (a live two-board session
    stopped at 2 min had cues at 5:45): a cue the headset cannot stamp is placed by the host's
    clock — before the stop, not after it."""
    path = tmp_path / "rec.csv"

    async def main() -> None:
        sim = simulated_link(
            synthetic_stream(60.0, 100.0, seed=9),
            path,
            speed=4.0,
            client_options={"scan_timeout": 2.0, "backoff_s": (0.05, 0.5)},
        )
        async with sim as link:
            rec = link.recorder
            task = asyncio.create_task(rec.run())
            while link.client.received < 200:  # generous guards against a hang only
                await asyncio.sleep(0.01)

            async def closing(code: int) -> None:  # the link going down
                raise DeviceError("not connected")

            link.client.mark_event = closing  # type: ignore[method-assign]
            await asyncio.wait_for(rec.mark(Event(0.0, "start", "hold_flexion")), 30)
            rec.stop()
            await asyncio.wait_for(rec.mark(Event(0.0, "end", "hold_flexion")), 30)
            await asyncio.wait_for(task, 60)

    asyncio.run(main())
    events = read_recording(path).events
    assert [(e.event, e.exercise) for e in events] == [("start", "hold_flexion")]


def _ends(head_last_s: float, trunk_last_s: float, speed: float) -> list[str]:
    """The end-of-recording notes of a two-board recorder whose boards' data ended at these
    recording times, played ``speed`` times faster than real time."""
    from types import SimpleNamespace

    from neckimu.ble.recorder import Recorder

    rec = Recorder(
        SimpleNamespace(),  # type: ignore[arg-type]
        "unused.csv",
        clock_s_per_us=1e-6 / speed,
        trunk=SimpleNamespace(),  # type: ignore[arg-type]
    )
    rec._head_last_t = head_last_s
    assert rec.trunk is not None
    rec.trunk._last_t = trunk_last_s
    rec._lost_at_end()
    return rec._notes


def test_a_board_lost_at_the_end_is_measured_in_host_time():
    """``live --simulate --trunk --speed 8`` stopped with Ctrl-C said "head board: no data for
    the last 2 s of the recording (its link was lost ...)": the two links close a fraction of
    a second apart, seconds of data at 8x. The limit (2 s) is host time: 16 s of data at 8x."""
    from neckimu.ble.recorder import LOST_AT_END_S

    assert _ends(100.0, 100.0 - 0.99 * LOST_AT_END_S, 1.0) == []
    (note,) = _ends(100.0, 100.0 - 1.01 * LOST_AT_END_S, 1.0)
    assert note.startswith("trunk board: no data for the last 2 s")
    assert _ends(100.0 - 0.99 * 8 * LOST_AT_END_S, 100.0, 8.0) == []
    (note,) = _ends(100.0 - 1.01 * 8 * LOST_AT_END_S, 100.0, 8.0)
    assert note.startswith("head board: no data for the last 16 s")
