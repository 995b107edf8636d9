"""Fuzz the decoder (and the client's assembler) with random and mutated packets.

The only exception the decoder may raise is WireError; whatever it accepts is consistent
(exact length, re-encodes to the same bytes), and the batch decoder accepts exactly the same
packets with the same result. The assembler never raises at all.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neckimu import wire
from neckimu.ble.stream import StreamAssembler
from neckimu.errors import WireError
from neckimu.recording.saturation import Saturation
from neckimu.samples import SampleBlock

PER_EXAMPLE = 100
EXAMPLES = 1_000  # x PER_EXAMPLE = 100 000 packets per test


def _valid_packet(rng: np.random.Generator) -> bytes:
    if rng.random() < 0.1:
        return wire.encode_event_packet(
            int(rng.integers(0, 1 << 16)),
            int(rng.integers(0, 1 << 32)),
            int(rng.integers(0, 1 << 16)),
        )
    n_imu = int(rng.integers(0, wire.MAX_IMU + 1))
    n_mag = int(rng.integers(0 if n_imu else 1, wire.MAX_MAG + 1))
    imu = rng.integers(-32768, 32768, (n_imu, 6))
    mag = rng.integers(-32768, 32768, (n_mag, 3))
    return wire.encode_packet(
        int(rng.integers(0, 1 << 16)),
        int(rng.integers(0, 1 << 32)),
        imu,
        int(rng.integers(0, 1 << 16)),
        mag,
        rng.integers(0, 1 << 16, n_mag),
        int(rng.integers(0, 16)) << 4,
    )


def _mutate(rng: np.random.Generator, b: bytes) -> bytes:
    a = bytearray(b)
    for _ in range(int(rng.integers(1, 4))):
        op = int(rng.integers(0, 7))
        if op == 0 and a:  # flip a bit
            i = int(rng.integers(0, len(a)))
            a[i] ^= 1 << int(rng.integers(0, 8))
        elif op == 1:  # truncate
            a = a[: int(rng.integers(0, len(a) + 1))]
        elif op == 2:  # append junk
            a += rng.integers(0, 256, int(rng.integers(1, 20)), dtype=np.uint8).tobytes()
        elif op == 3 and len(a) > 1:  # counts byte
            a[1] = int(rng.integers(0, 256))
        elif op == 4 and a:  # version/flags byte
            a[0] = int(rng.integers(0, 256))
        elif op == 5:  # random bytes of a plausible length
            a = bytearray(rng.integers(0, 256, int(rng.integers(0, 250)), dtype=np.uint8))
        else:  # splice two packets
            other = _valid_packet(rng)
            cut = int(rng.integers(0, len(a) + 1))
            a = a[:cut] + other[int(rng.integers(0, len(other))) :]
    return bytes(a)


def _packets(seed: int, raw: list[bytes]) -> list[bytes]:
    rng = np.random.default_rng(seed)
    out = list(raw)
    while len(out) < PER_EXAMPLE:
        v = _valid_packet(rng)
        out.append(v if rng.random() < 0.2 else _mutate(rng, v))
    return out


def _check(pkt: bytes) -> bool:
    try:
        d = wire.decode_packet(pkt)
    except WireError:
        try:
            wire.decode_batch([pkt])
        except WireError:
            return False
        raise AssertionError(
            f"decode_batch accepted what decode_packet refused: {pkt.hex()}"
        ) from None
    _check_batch(pkt, d)
    assert len(pkt) == (
        wire.EVENT_PACKET_SIZE if d.is_event else wire.packet_length(d.n_imu, d.n_mag)
    )
    if d.is_event:
        again = wire.encode_event_packet(d.seq, d.t0_us, d.event_code or 0, d.flags)
    else:
        assert d.imu.shape == (d.n_imu, 6) and d.mag.shape == (d.n_mag, 3)
        assert (np.diff(d.imu_dt_us) >= 0).all() and (d.imu_dt_us <= d.span_us).all()
        again = wire.encode_packet(d.seq, d.t0_us, d.imu, d.span_us, d.mag, d.mag_dt_us, d.flags)
    assert again == pkt
    return True


def _check_batch(pkt: bytes, d: wire.DecodedPacket) -> None:
    """decode_batch takes every packet decode_packet takes, with the same result."""
    b = wire.decode_batch([pkt])
    assert (b.flags[0], b.seq[0], b.t0_us[0], b.span_us[0]) == (d.flags, d.seq, d.t0_us, d.span_us)
    assert b.event_code[0] == (-1 if d.event_code is None else d.event_code)
    for got, want in (
        (b.imu[0], d.imu),
        (b.imu_dt_us[0], d.imu_dt_us),
        (b.mag[0], d.mag),
        (b.mag_dt_us[0], d.mag_dt_us),
        (b.imu_saturated[0], d.imu_saturated),
        (b.mag_saturated[0], d.mag_saturated),
    ):
        assert got.shape == want.shape and (got == want).all()


_settings = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def test_decoder_raises_only_wire_error():
    seen = {"packets": 0, "accepted": 0}

    @_settings
    @given(st.integers(0, 2**32 - 1), st.lists(st.binary(max_size=260), max_size=20))
    def run(seed: int, raw: list[bytes]) -> None:
        for pkt in _packets(seed, raw):
            seen["packets"] += 1
            seen["accepted"] += _check(pkt)

    run()
    assert seen["packets"] >= 100_000
    assert 0.1 * seen["packets"] < seen["accepted"] < 0.9 * seen["packets"]


def test_assembler_never_raises():
    info = wire.Info(
        imu_rate_hz=200.0, mag_rate_hz=20.0, gyr_scale=1e-3, acc_scale=1e-3, mag_scale=0.01
    )
    seen = {"packets": 0}

    @settings(
        max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
    )
    @given(st.integers(0, 2**32 - 1))
    def run(seed: int) -> None:
        asm = StreamAssembler(info)
        last = -np.inf
        for k, pkt in enumerate(_packets(seed, [])):
            seen["packets"] += 1
            outs = asm.feed((0.001 * k, pkt)) + (asm.flush() if k % 37 == 0 else [])
            for o in outs:
                if isinstance(o, SampleBlock):
                    assert o.t[0] > last and (np.diff(o.t) > 0).all()
                    last = o.t[-1]
                elif isinstance(o, Saturation):  # marks rows of the block just emitted
                    assert o.n >= 1 and o.t0_s <= o.t1_s <= last
        asm.flush()
        assert asm.stats.packets == PER_EXAMPLE

    run()
    assert seen["packets"] >= 20_000
