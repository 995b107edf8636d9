"""Two *real* boards (issue 15): the path of ``record --device HEAD --trunk`` and ``live
--device HEAD --trunk`` — which board is the trunk (``find_trunk``), both told their role and
recorded by ``two_board_recorder`` — run against simulated headsets over bumble with the
transport swapped, as the single-board tests do. Nothing paces or ties the simulated boards'
clocks together here: each runs on its own, as two real boards would. Assertions are on
counts and what is in the file, never on host timing."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest

from neckimu import wire
from neckimu.ble.link import virtual_radio
from neckimu.ble.pairing import find_trunk, read_role, two_board_recorder
from neckimu.ble.recorder import LOST_AT_END_S
from neckimu.ble.simulated import play_out
from neckimu.ble.simulated_headset import SimulatedHeadset
from neckimu.ble.testsignal import synthetic_stream
from neckimu.errors import DeviceError
from neckimu.recording.reader import read_recording

SPEED = 4.0


def _backends(radio) -> dict:
    return {"client_backend": radio.client_backend, "scanner_backend": radio.scanner_backend}


def _options(radio) -> dict:
    return {**_backends(radio), "scan_timeout": 2.0, "backoff_s": (0.05, 0.5)}


def _seq(gyr: np.ndarray, scale: float) -> np.ndarray:
    g = np.round(gyr / np.float32(scale)).astype(np.int64)
    return g[:, 0] + (g[:, 1] << 15)


def _sent(h: SimulatedHeadset) -> np.ndarray:
    return np.concatenate(h.sent_seq) if h.sent_seq else np.zeros(0, np.int64)


async def _vanish(h: SimulatedHeadset) -> None:
    """The board is switched off: it stops advertising, measuring and drops its link."""
    for adv in list(h.device.extended_advertising_sets.values()):
        adv.auto_restart = False  # no advertising again after the disconnection
        await adv.stop()
    await h.stop()


def test_find_trunk_by_scan_and_role():
    streams = [synthetic_stream(1.0, 100.0, seed=k) for k in range(3)]

    async def main() -> None:
        async with virtual_radio(streams[:2]) as radio:
            head, other = radio.headsets
            # one other board: it is the trunk, whatever role it reports now
            assert await find_trunk(head.name, timeout=2.0, **_backends(radio)) == (
                other.device.public_address.to_string(False)
            )
        async with virtual_radio(streams) as radio:
            head, a, b = radio.headsets
            with pytest.raises(DeviceError, match="--trunk-address") as e:
                await find_trunk(head.name, timeout=2.0, **_backends(radio))
            assert "\n" not in str(e.value) and a.name in str(e.value)
            b.role = "trunk"  # told so since its last boot (the role lives in RAM)
            addr = b.device.public_address.to_string(False)
            assert await read_role(addr, timeout=2.0, **_backends(radio)) == "trunk"
            assert await find_trunk(head.name, timeout=2.0, **_backends(radio)) == addr
        async with virtual_radio(streams[:1]) as radio:
            with pytest.raises(DeviceError, match="no second board"):
                await find_trunk(radio.headsets[0].name, timeout=1.0, **_backends(radio))

    asyncio.run(main())


def _two(tmp_path: Path, head_s: float, vanish_after_s: float | None):
    head = synthetic_stream(head_s, 100.0, coded=True, jitter_us=30.0, seed=31)
    trunk = synthetic_stream(
        head_s, 100.0, coded=True, jitter_us=30.0, seed=32, t0_us=9_000_000, drop_every=50
    )
    path = tmp_path / "two.csv"

    async def main():
        async with virtual_radio([head, trunk], speed=SPEED) as radio:
            hh, th = radio.headsets
            addr = await find_trunk(hh.name, timeout=2.0, **_backends(radio))
            rec = two_board_recorder(
                hh.name,
                addr,
                path,
                trunk_mount="collar",
                clock_s_per_us=1e-6 / SPEED,
                client_options=_options(radio),
            )
            task = asyncio.create_task(rec.run())
            assert rec.trunk is not None
            pair = (th, rec.trunk.client)
            if vanish_after_s is not None:
                while th.played_s < vanish_after_s:  # device time, not host time
                    await asyncio.sleep(0.02)
                await _vanish(th)
                pair = None
            # generous guards against a hang; the test never measures host time
            await asyncio.wait_for(play_out(rec, hh, rec.client, trunk=pair), 600)
            result = await asyncio.wait_for(task, 60)
        return read_recording(path), result, hh, th, head, trunk

    return asyncio.run(main())


def test_two_real_boards_every_sample_of_both(tmp_path):
    rec, result, hh, th, head, trunk = _two(tmp_path, 8.0, None)
    assert rec.meta["role"] == "head" and rec.meta["trunk"]["role"] == "trunk"
    assert hh.role == "head" and th.role == "trunk"  # both told their role on connecting
    assert rec.meta["trunk"]["mount"] == "collar"
    np.testing.assert_array_equal(_seq(rec.samples.gyr, head.gyr_scale), _sent(hh))
    assert rec.trunk is not None
    np.testing.assert_array_equal(_seq(rec.trunk.gyr, trunk.gyr_scale), _sent(th))
    assert len(_sent(hh)) == len(head.seq) and len(_sent(th)) == len(trunk.seq)
    dropped = int(np.sum(np.diff(trunk.seq) - 1))
    assert dropped > 0 and sum(g.missing for g in rec.trunk_gaps) == dropped
    assert rec.gaps == [] and result.stats.missing == 0
    assert result.trunk is not None and result.trunk.stats.missing == dropped
    # one time base: the two boards' clocks (2 s apart, unrelated) mapped through the host
    # clock; both start within the connection of the second board (< 1.5 s of device time)
    assert abs(rec.trunk.t[0] - rec.samples.t[0]) < 1.5 * SPEED
    assert (np.diff(rec.trunk.t) > 0).all()
    assert not result.notes


def test_trunk_board_that_vanishes_the_head_records_on(tmp_path, caplog):
    rec, result, hh, th, head, trunk = _two(tmp_path, 30.0, 3.0)
    # the head: every sample, to its end
    np.testing.assert_array_equal(_seq(rec.samples.gyr, head.gyr_scale), _sent(hh))
    assert len(_sent(hh)) == len(head.seq)
    # the trunk: what it sent before it vanished, all of it, and nothing after
    assert rec.trunk is not None
    sent = _sent(th)
    np.testing.assert_array_equal(_seq(rec.trunk.gyr, trunk.gyr_scale), sent)
    assert rec.trunk.t[-1] < rec.samples.t[-1] - LOST_AT_END_S
    # accounted per sensor, in one line each: the loss while it ran, and the end without it
    assert result.trunk is not None and result.trunk.connections >= 1
    lost = [n for n in result.notes if n.startswith("trunk board: no data for the last")]
    assert len(lost) == 1 and "\n" not in lost[0]
    assert rec.meta["lost_at_end_s"]["trunk"] > LOST_AT_END_S
    warned = [r.getMessage() for r in caplog.records if "trunk board: link" in r.getMessage()]
    assert warned and "the head board keeps recording" in warned[0]


class _Sink:
    """A live sink that only keeps the states it was told (nothing streams here)."""

    def __init__(self) -> None:
        self.states: list[str] = []

    def on_status(self, state: str) -> None:
        self.states.append(state)

    def __getattr__(self, name: str):
        return lambda *a, **k: None


def _old_firmware(h: SimulatedHeadset) -> None:
    """The board answers as firmware 0.1: no role command, its info always reads as a head."""
    from dataclasses import replace

    current = h._current_info
    h._current_info = lambda: replace(current(), role="head")  # type: ignore[method-assign]


@pytest.mark.parametrize("path", ["record", "live"])
def test_both_boards_fail_one_line_no_task_traceback(path, tmp_path, caplog):
    """``record``/``live --device HEAD --trunk --trunk-address ...`` where both boards fail: the
    trunk board's failure (here: it cannot take the trunk role, so it gives up at its first
    connection) comes first, the head's (not found) ends the recording; only the head's error
    is raised, and the trunk's is retrieved, not left to asyncio's "Task exception was never
    retrieved" with a traceback at exit."""
    import gc
    import logging

    from neckimu.live.ble_sources import HeadsetSource

    stream = synthetic_stream(2.0, 100.0, seed=40)
    out = tmp_path / "x.csv"
    # warnings and errors only: a log record's arguments would hold the trunk's error, its
    # traceback the task, and keep it from being collected (and reported) below
    caplog.set_level(logging.WARNING)

    async def main() -> str:
        async with virtual_radio([stream]) as radio:
            (th,) = radio.headsets
            _old_firmware(th)
            trunk = th.device.public_address.to_string(False)
            # the head is searched for 5 times (0.3 s each); the trunk board is connected to
            # between the head's first two searches (one attempt at a time) and fails there
            opts = {**_options(radio), "scan_timeout": 0.3, "connect_attempts": 5}
            if path == "record":
                rec = two_board_recorder("neckimu-NONE", trunk, out, client_options=opts)
                with pytest.raises(DeviceError) as e:
                    await asyncio.wait_for(rec.run(), 120)  # a guard against a hang only
                msg = str(e.value)
            else:
                source = HeadsetSource("neckimu-NONE", out, trunk=trunk, client_options=opts)
                sink = _Sink()
                with pytest.raises(DeviceError) as e:
                    await asyncio.wait_for(source._main(sink), 120)
                msg = str(e.value)
                assert sink.states[-1] == "finished"
            assert any(c.opcode == wire.OP_SET_ROLE for c in th.controls)  # it was tried
        return msg

    msg = asyncio.run(main())
    assert "neckimu-NONE" in msg and "\n" not in msg
    gc.collect()  # a task never retrieved is reported when it is collected
    texts = [r.getMessage() for r in caplog.records]
    assert not any("never retrieved" in t for t in texts), texts
    assert not texts  # nothing but the one-line error
    assert not out.exists()
