"""Protocol v1 codec: round trips, batch sizing, and the firmware's golden vectors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from neckimu import wire
from neckimu.errors import WireError

GOLDEN = Path(__file__).parent / "data" / "wire_golden.txt"


def test_round_trip_sample_packet():
    rng = np.random.default_rng(0)
    imu = rng.integers(-32768, 32768, (5, 6)).astype(np.int16)
    mag = rng.integers(-32768, 32768, (2, 3)).astype(np.int16)
    b = wire.encode_packet(70000, 2**32 + 5, imu, 20000, mag, [100, 20000], wire.FLAG_OVERFLOW)
    assert len(b) == wire.packet_length(5, 2) == 8 + 60 + 2 + 16
    d = wire.decode_packet(b)
    assert (d.seq, d.t0_us, d.span_us, d.overflow) == (70000 % 65536, 5, 20000, True)
    np.testing.assert_array_equal(d.imu, imu)
    np.testing.assert_array_equal(d.mag, mag)
    np.testing.assert_array_equal(d.imu_dt_us, [0, 5000, 10000, 15000, 20000])
    np.testing.assert_array_equal(d.mag_dt_us, [100, 20000])
    assert d.event_code is None


def test_event_packet_and_control_round_trip():
    d = wire.decode_packet(wire.encode_event_packet(41, 2031000, 0x0102))
    assert (d.is_event, d.event_code, d.seq, d.n_imu, d.n_mag) == (True, 0x0102, 41, 0, 0)
    for op, args in [
        (wire.OP_START, ()),
        (wire.OP_SET_RATE, (200,)),
        (wire.OP_SET_RANGES, (500, 8)),
        (wire.OP_MARK_EVENT, (0x0203,)),
        (wire.OP_SET_MAG, (0,)),
    ]:
        c = wire.decode_control(wire.encode_control(op, *args))
        assert (c.opcode, c.args) == (op, args)
    for bad in (b"", b"\x09", b"\x03\x01", b"\x01\x00"):
        with pytest.raises(WireError):
            wire.decode_control(bad)


def test_info_round_trip():
    info = wire.Info(
        board=1,
        firmware=(1, 2, 3),
        imu_rate_hz=119.0,
        mag_rate_hz=20.0,
        gyr_scale=1.5e-3,
        acc_scale=1.2e-3,
        mag_scale=0.0122,
        overflow_count=7,
    )
    back = wire.decode_info(wire.encode_info(info))
    assert back.firmware == (1, 2, 3) and back.imu_rate_hz == 119.0
    assert back.gyr_scale == float(np.float32(1.5e-3))
    with pytest.raises(WireError):
        wire.decode_info(bytes(31))


@pytest.mark.parametrize(
    ("mtu", "rate", "n"),
    [(23, 100, 1), (23, 200, 1), (247, 100, 4), (247, 200, 8), (247, 119, 4), (40, 200, 2)],
)
def test_batch_size_follows_mtu_and_40ms(mtu, rate, n):
    assert wire.batch_size(mtu, rate) == n


def test_max_imu_per_packet_table():
    assert wire.max_imu_per_packet(23) == 1
    assert wire.max_imu_per_packet(23, n_mag=1) == 0  # mag goes alone at MTU 23
    assert wire.max_imu_per_packet(247) == 19
    assert wire.max_imu_per_packet(247, n_mag=1) == 18


def test_decode_batch_equals_one_by_one():
    rng = np.random.default_rng(1)
    pkts = [
        wire.encode_packet(
            i * 4,
            1000 + i * 40000,
            rng.integers(-999, 999, (4, 6)),
            30000,
            rng.integers(-99, 99, (1, 3)),
            [int(rng.integers(0, 30000))],
        )
        for i in range(50)
    ]
    b = wire.decode_batch(pkts)
    for k, raw in enumerate(pkts):
        d = wire.decode_packet(raw)
        assert (b.seq[k], b.t0_us[k], b.span_us[k]) == (d.seq, d.t0_us, d.span_us)
        np.testing.assert_array_equal(b.imu[k], d.imu)
        np.testing.assert_array_equal(b.mag[k], d.mag)
        np.testing.assert_array_equal(b.mag_dt_us[k], d.mag_dt_us)
    with pytest.raises(WireError):
        wire.decode_batch([pkts[0], pkts[1][:-1]])


# -- golden vectors of the firmware core (tests/data/wire_golden.txt) ------------------------
def _golden() -> list[list[str]]:
    if not GOLDEN.exists():
        pytest.fail(f"{GOLDEN} missing: it is committed, and rewritten by `make firmware-test`")
    lines = [ln.split() for ln in GOLDEN.read_text().splitlines()]
    return [f for f in lines if f and not f[0].startswith("#")]


def _kv(fields: list[str]) -> dict[str, str]:
    return dict(f.split("=", 1) for f in fields)


def test_golden_vectors_decode():
    lines = _golden()
    packets = {f[1]: bytes.fromhex(f[2]) for f in lines if f[0] == "P"}
    kinds = {f[0] for f in lines}
    assert {"P", "H", "I", "M", "X", "C", "N"} <= kinds
    described = {f[1] for f in lines if f[0] == "H"}
    checked = 0
    for f in lines:
        kind, name = f[0], f[1]
        if kind == "P":  # its decoded content is asserted by its H line (and I/M lines)
            assert name in described, f"{name}: no H line gives its decoded header"
        elif kind == "H":
            d, h = wire.decode_packet(packets[name]), _kv(f[2:])
            assert int(h["version"]) == wire.VERSION
            assert d.flags >> 4 == int(h["flags"])
            assert (d.seq, d.t0_us) == (int(h["seq"]), int(h["t0_us"]))
            assert (d.n_imu, d.n_mag) == (int(h["n_imu"]), int(h["n_mag"]))
            assert d.span_us == int(h["span_us"])
            assert d.is_event == (h["event"] == "1")
            assert (d.event_code or 0) == int(h["code"])
            # encoding the decoded fields gives the same bytes back
            if d.is_event:
                again = wire.encode_event_packet(d.seq, d.t0_us, d.event_code or 0, d.flags)
            else:
                again = wire.encode_packet(
                    d.seq, d.t0_us, d.imu, d.span_us, d.mag, d.mag_dt_us, d.flags
                )
            assert again == packets[name]
        elif kind == "I":
            d, i = wire.decode_packet(packets[name]), int(f[2])
            assert (d.t0_us + int(d.imu_dt_us[i])) % wire.TIME_MOD == int(f[3])
            assert d.imu[i].tolist() == [int(v) for v in f[4:10]]
        elif kind == "M":
            d, j = wire.decode_packet(packets[name]), int(f[2])
            assert (d.t0_us + int(d.mag_dt_us[j])) % wire.TIME_MOD == int(f[3])
            assert d.mag[j].tolist() == [int(v) for v in f[4:7]]
        elif kind == "X":
            with pytest.raises(wire.PacketError) as e:
                wire.decode_packet(bytes.fromhex(f[2]))
            assert e.value.reason == f[3], name
        elif kind == "C":
            raw = bytes.fromhex(f[2])
            c = wire.decode_control(raw)
            assert [c.opcode, *c.args] == [int(v) for v in f[3:]]
            assert wire.encode_control(c.opcode, *c.args) == raw
        elif kind == "N":
            raw, want = bytes.fromhex(f[2]), _kv(f[3:])
            info = wire.decode_info(raw)
            got = {
                "protocol_version": info.version,
                "board": info.board,
                "frame": info.frame,
                "fw_major": info.firmware[0],
                "fw_minor": info.firmware[1],
                "fw_patch": info.firmware[2],
                "imu_rate_chz": round(info.imu_rate_hz * 100),
                "mag_rate_chz": round(info.mag_rate_hz * 100),
                "gyro_range_dps": info.gyro_range_dps,
                "acc_range_g": info.acc_range_g,
                "streaming": int(info.streaming),
                "mag_range_ut": info.mag_range_ut,
                "overflow_count": info.overflow_count,
                "role": {v: k for k, v in wire.ROLES.items()}[info.role],
            }
            for k, v in got.items():
                assert int(want[k]) == v, (name, k)
            for k, v in (
                ("gyro_scale", info.gyr_scale),
                ("acc_scale", info.acc_scale),
                ("mag_scale", info.mag_scale),
            ):
                assert np.float32(want[k]) == np.float32(v), (name, k)
            assert wire.encode_info(info) == raw
        else:
            continue
        checked += 1
    assert checked == len(lines)


def test_role_command_and_info_of_both_roles_and_of_older_firmware():
    """The role command (issue 15): the golden vectors hold a head and a trunk board; the
    32-byte info of firmware 0.1 (no role byte) still reads, as a head; a bad role is refused."""
    lines = _golden()
    roles = {
        f[1]: [int(v) for v in f[3:]] for f in lines if f[0] == "C" and f[1].startswith("role")
    }
    assert roles == {
        "role_head": [wire.OP_SET_ROLE, wire.ROLE_HEAD],
        "role_trunk": [wire.OP_SET_ROLE, wire.ROLE_TRUNK],
    }
    infos = {f[1]: bytes.fromhex(f[2]) for f in lines if f[0] == "N"}
    assert wire.decode_info(infos["rev2_default_streaming_trunk"]).role == "trunk"
    assert wire.decode_info(infos["rev2_default_idle"]).role == "head"
    old = infos["rev2_default_idle"][: wire.INFO_SIZE_V01]
    info = wire.decode_info(old)
    assert info.role == "head" and info.board == 2 and info.imu_rate_hz == 100.0
    bad = bytearray(infos["rev2_default_idle"])
    bad[32] = 3
    with pytest.raises(WireError, match="unknown role"):
        wire.decode_info(bytes(bad))
    with pytest.raises(WireError):
        wire.decode_info(infos["rev2_default_idle"][:33])


# -- decode_batch: every valid packet, the same as one by one ------------------------------------
def _assert_batch_equals_one_by_one(pkts: list[bytes]) -> None:
    b = wire.decode_batch(pkts)
    assert len(b.seq) == len(pkts)
    for k, raw in enumerate(pkts):
        d = wire.decode_packet(raw)
        assert (b.flags[k], b.seq[k], b.t0_us[k], b.span_us[k]) == (
            d.flags,
            d.seq,
            d.t0_us,
            d.span_us,
        )
        assert b.event_code[k] == (-1 if d.event_code is None else d.event_code)
        assert b.overflow[k] == d.overflow
        for got, want in (
            (b.imu[k], d.imu),
            (b.imu_dt_us[k], d.imu_dt_us),
            (b.mag[k], d.mag),
            (b.mag_dt_us[k], d.mag_dt_us),
            (b.imu_saturated[k], d.imu_saturated),
            (b.mag_saturated[k], d.mag_saturated),
        ):
            assert got.shape == want.shape
            np.testing.assert_array_equal(got, want)


def test_decode_batch_handles_every_golden_packet():
    """Magnetometer-only and event packets included (decode_batch raised on both)."""
    packets = {f[1]: bytes.fromhex(f[2]) for f in _golden() if f[0] == "P"}
    assert {"mag_only_mtu23", "mag_only_3", "mag_only_saturated_rev2", "event_start_ex2"} <= set(
        packets
    )
    for name, raw in packets.items():
        _assert_batch_equals_one_by_one([raw])
        _assert_batch_equals_one_by_one([raw, raw, raw])
        assert wire.decode_batch([raw]).imu.shape[1:] == (wire.decode_packet(raw).n_imu, 6), name


def test_decode_batch_of_many_mag_only_packets():
    rng = np.random.default_rng(7)
    pkts = [
        wire.encode_packet(
            i,
            1000 + 100_000 * i,
            None,
            0,
            rng.integers(-999, 999, (2, 3)),
            [0, int(rng.integers(1, 65536))],
            wire.FLAG_MAG_SATURATED if i % 3 == 0 else 0,
        )
        for i in range(40)
    ]
    b = wire.decode_batch(pkts)
    assert b.imu.shape == (40, 0, 6) and b.mag.shape == (40, 2, 3)
    np.testing.assert_array_equal(b.mag_saturated[:, 0], np.arange(40) % 3 == 0)
    _assert_batch_equals_one_by_one(pkts)


# -- saturation, per sample -----------------------------------------------------------------------
def test_saturation_of_the_golden_packets_per_sample():
    packets = {f[1]: bytes.fromhex(f[2]) for f in _golden() if f[0] == "P"}
    want = {  # name: (IMU samples saturated, mag records saturated)
        "flags_acc_gyro": ([True], []),
        "flags_mag_overflow": ([], [True]),
        "flags_all": ([True, False], [True]),
        "mag_only_saturated_rev2": ([], [True]),  # 13 000 counts: Rev2's 1300 µT, not int16's
        "imu2_acc_saturated_rev1": ([False, True], []),
        "batch14_mag3_mtu247": ([False] * 14, [False] * 3),
    }
    for name, (imu, mag) in want.items():
        d = wire.decode_packet(packets[name])
        assert d.imu_saturated.tolist() == imu, name
        assert d.mag_saturated.tolist() == mag, name
        b = wire.decode_batch([packets[name]])
        assert b.imu_saturated[0].tolist() == imu and b.mag_saturated[0].tolist() == mag, name


def test_saturation_needs_the_flag_of_that_sensor_and_a_value_at_full_scale():
    imu = np.zeros((4, 6), np.int16)
    imu[1, 4] = 32767  # accelerometer y at full scale
    imu[2, 0] = -32768  # gyroscope x at full scale
    imu[3, 5] = -32767
    span = 30000
    for flags, want in [
        (0, [False] * 4),  # values at the limit, but the firmware did not flag them
        (wire.FLAG_ACC_SATURATED, [False, True, False, True]),
        (wire.FLAG_GYR_SATURATED, [False, False, True, False]),
        (
            wire.FLAG_ACC_SATURATED | wire.FLAG_GYR_SATURATED | wire.FLAG_OVERFLOW,
            [False, True, True, True],
        ),
    ]:
        raw = wire.encode_packet(5, 0, imu, span, flags=flags)
        assert wire.decode_packet(raw).imu_saturated.tolist() == want
    # a batch keeps each packet's own flags
    mixed = [
        wire.encode_packet(4 * i, 40_000 * i, imu, span, flags=wire.FLAG_ACC_SATURATED * (i % 2))
        for i in range(6)
    ]
    b = wire.decode_batch(mixed)
    np.testing.assert_array_equal(b.imu_saturated.any(axis=1), np.arange(6) % 2 == 1)
    _assert_batch_equals_one_by_one(mixed)


# -- one magnetometer rate for firmware and simulator ---------------------------------------------
def test_simulated_magnetometer_runs_at_the_firmware_s_rate():
    """The info value the firmware reports (golden N lines) is the rate the simulator uses:
    Rev1 20 Hz, Rev2 10 Hz (what Arduino_BMI270_BMM150 leaves the BMM150 at)."""
    from neckimu.sim.sensors import SPECS

    infos = {f[1]: _kv(f[3:]) for f in _golden() if f[0] == "N"}
    for name, board in (("rev1_default_streaming", "rev1"), ("rev2_default_idle", "rev2")):
        assert int(infos[name]["board"]) == SPECS[board].board
        assert int(infos[name]["mag_rate_chz"]) == round(SPECS[board].mag_rate_hz * 100), board
    assert SPECS["rev2"].mag_rate_hz == 10.0
