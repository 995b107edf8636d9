"""Two boards at once (issue 15): head and trunk, each over its own bumble link with its own
client and clock map, into one format v2 recording on the head's time base. Assertions are on
counts (every sample each board sent is in the file, once, in order; gaps and reconnects per
board), never on host timing."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from neckimu.ble.client import HeadsetClient
from neckimu.ble.link import virtual_radio
from neckimu.ble.recorder import Recorder, RecordResult
from neckimu.ble.simulated import pace, play_out
from neckimu.ble.simulated_headset import Faults, SimulatedHeadset
from neckimu.ble.testsignal import synthetic_stream
from neckimu.recording.reader import Recording, read_recording
from neckimu.recording.writer import MAGIC_V2
from neckimu.sim.device import DeviceStream

SPEED = 8.0
#: the trunk board's device time = OFFSET + RATIO * the head's (its crystal 80 ppm fast)
RATIO = 1.0 + 80e-6
OFFSET = 7_000_000 + 4_321 - RATIO * 1_000_000


@dataclass
class TwoRun:
    recording: Recording
    result: RecordResult
    head: SimulatedHeadset
    trunk: SimulatedHeadset


def _record(
    head: DeviceStream, trunk: DeviceStream, path: Path, trunk_faults: Faults | None = None
) -> TwoRun:
    async def main() -> TwoRun:
        async with virtual_radio([head, trunk], speed=SPEED, faults=[None, trunk_faults]) as radio:
            hh, th = radio.headsets
            th.follow(hh, OFFSET, RATIO)
            kw = {
                "client_backend": radio.client_backend,
                "scanner_backend": radio.scanner_backend,
                "scan_timeout": 2.0,
                "backoff_s": (0.05, 0.5),
            }
            hc = HeadsetClient(hh.name, role="head", **kw)
            tc = HeadsetClient(th.name, role="trunk", **kw)
            pace(hh, hc, trunk=(th, tc))
            rec = Recorder(hc, path, clock_s_per_us=1e-6 / SPEED, trunk=tc, trunk_mount="collar")
            task = asyncio.create_task(rec.run())
            # generous guards against a hang; the test itself never measures host time
            await asyncio.wait_for(play_out(rec, hh, hc, trunk=(th, tc)), 600)
            result = await asyncio.wait_for(task, 60)
        return TwoRun(read_recording(path), result, hh, th)

    return asyncio.run(main())


def _seq(gyr: np.ndarray, stream: DeviceStream) -> np.ndarray:
    g = np.round(gyr / np.float32(stream.gyr_scale)).astype(np.int64)
    return g[:, 0] + (g[:, 1] << 15)


def _sent(h: SimulatedHeadset) -> np.ndarray:
    return np.concatenate(h.sent_seq) if h.sent_seq else np.zeros(0, np.int64)


def test_two_boards_every_sample_of_both(tmp_path):
    head = synthetic_stream(8.0, 100.0, coded=True, jitter_us=30.0, seed=11)
    # the trunk board loses every 40th sample in its FIFO: gaps of the trunk only
    trunk = synthetic_stream(
        8.0, 100.0, coded=True, jitter_us=30.0, seed=12, t0_us=7_000_000, drop_every=40
    )
    path = tmp_path / "two.csv"
    run = _record(head, trunk, path)
    rec = run.recording
    assert path.read_text().startswith(MAGIC_V2)
    assert rec.meta["role"] == "head" and rec.meta["trunk"]["role"] == "trunk"
    assert rec.meta["trunk"]["mount"] == "collar"
    assert run.head.role == "head" and run.trunk.role == "trunk"
    # every sample each board sent is in the file, once, in order, nothing else
    assert len(_sent(run.head)) == len(head.seq)  # both start with the first sample
    assert len(_sent(run.trunk)) == len(trunk.seq)
    np.testing.assert_array_equal(_seq(rec.samples.gyr, head), _sent(run.head))
    assert rec.trunk is not None
    np.testing.assert_array_equal(_seq(rec.trunk.gyr, trunk), _sent(run.trunk))
    # the trunk's counts unchanged
    idx = np.searchsorted(trunk.seq, _seq(rec.trunk.gyr, trunk))
    acc = np.round(rec.trunk.acc / np.float32(trunk.acc_scale)).astype(np.int64)
    np.testing.assert_array_equal(acc, trunk.imu[idx, 3:])
    # gaps per sensor: the trunk's drops counted exactly, the head has none
    assert rec.gaps == []
    dropped = int(np.sum(np.diff(trunk.seq) - 1))
    assert dropped > 0 and sum(g.missing for g in rec.trunk_gaps) == dropped
    assert run.result.trunk is not None
    assert run.result.trunk.stats.missing == dropped and run.result.stats.missing == 0
    assert (np.diff(rec.trunk.t) > 0).all() and (np.diff(rec.samples.t) > 0).all()
    ts = rec.meta["trunk_stream"]
    assert ts["stream_stats"]["samples"] == len(trunk.seq)
    assert len(ts["time_base"]["segments"]) == 1


def test_two_boards_trunk_reconnect_counted_on_its_own(tmp_path):
    head = synthetic_stream(8.0, 100.0, coded=True, seed=21)
    trunk = synthetic_stream(8.0, 100.0, coded=True, seed=22, t0_us=7_000_000)
    run = _record(head, trunk, tmp_path / "two.csv", Faults(disconnect_at_s=(3.0,)))
    rec = run.recording
    res = run.result
    assert res.trunk is not None and res.trunk.connections == 2
    assert rec.meta["trunk_stream"]["connections"] == 2
    # what each board sent is all there, and the trunk streamed to its end after the reconnect
    sent = _sent(run.trunk)
    np.testing.assert_array_equal(_seq(rec.trunk.gyr, trunk), sent)
    np.testing.assert_array_equal(_seq(rec.samples.gyr, head), _sent(run.head))
    assert sent[-1] == trunk.seq[-1]
    # what it measured while the link was down was never sent: a gap of the trunk only,
    # counted exactly (device time and the measured period), reason reconnect
    unsent = len(trunk.seq) - len(sent)
    assert rec.gaps == []
    assert sum(g.missing for g in rec.trunk_gaps) == unsent
    assert {g.reason for g in rec.trunk_gaps} <= {"reconnect"}


def test_record_command_simulate_trunk(tmp_path, capsys):
    from neckimu.cli import main

    out = tmp_path / "two.csv.gz"
    assert (
        main(
            [
                "record",
                "--simulate",
                "--trunk",
                "--speed",
                "40",
                "--duration",
                "20",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    rec = read_recording(out)
    assert rec.trunk is not None and len(rec.trunk) > 1000 and len(rec.samples) > 1000
    assert rec.meta["trunk"]["mount"] == "between_shoulder_blades"
    printed = capsys.readouterr().out
    assert "trunk" in printed
