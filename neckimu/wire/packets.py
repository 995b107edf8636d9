"""Data and event packets: decode one, decode a batch of one length at once (vectorised),
encode (for the simulated headset and the tests)."""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from neckimu.errors import WireError
from neckimu.wire.spec import (
    EVENT_BIT,
    EVENT_PACKET_SIZE,
    FLAG_MAG_SATURATED,
    FLAG_OVERFLOW,
    HEADER_SIZE,
    IMU_RECORD_SIZE,
    MAG_RECORD_SIZE,
    MAX_IMU,
    MAX_MAG,
    SEQ_MOD,
    SPAN_SIZE,
    TIME_MOD,
    VERSION,
    packet_length,
    sample_offsets_us,
    saturated_imu,
)


class PacketError(WireError):
    """A malformed packet; ``reason`` is one word, the same as the firmware's golden vectors:
    ``short``, ``bad_version``, ``zero_counts``, ``event_with_records``, ``bad_length``."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


_HEADER = struct.Struct("<BBHI")
_IMU_DTYPE = np.dtype("<i2")
_MAG_DTYPE = np.dtype([("offset_us", "<u2"), ("xyz", "<i2", (3,))])


# -- data packets --------------------------------------------------------------------------------
@dataclass(frozen=True)
class DecodedPacket:
    """One data packet, decoded.

    Attributes
    ----------
    flags : int
        Bits 4–7 of ``ver_flags`` (``FLAG_*``).
    seq : int
        Index of the first IMU sample mod 2¹⁶ (the next IMU index for n_imu = 0).
    t0_us : int
        Device time of the first record, µs mod 2³².
    imu : ndarray of int16, shape (n_imu, 6)
        ``gx, gy, gz, ax, ay, az`` counts (a read-only view of the packet bytes).
    imu_dt_us : ndarray of int64, shape (n_imu,)
        Time of each IMU sample after ``t0_us``, µs.
    mag : ndarray of int16, shape (n_mag, 3)
        ``mx, my, mz`` counts.
    mag_dt_us : ndarray of int64, shape (n_mag,)
        Time of each mag record after ``t0_us``, µs.
    span_us : int
        First-to-last IMU sample time, µs (0 when n_imu < 2).
    event_code : int or None
        The code of an event packet, None for a sample packet.
    """

    flags: int
    seq: int
    t0_us: int
    imu: np.ndarray
    imu_dt_us: np.ndarray
    mag: np.ndarray
    mag_dt_us: np.ndarray
    span_us: int = 0
    event_code: int | None = None

    @property
    def n_imu(self) -> int:
        return len(self.imu)

    @property
    def n_mag(self) -> int:
        return len(self.mag)

    @property
    def is_event(self) -> bool:
        return self.event_code is not None

    @property
    def overflow(self) -> bool:
        """The device dropped buffered samples before this packet (they still advance seq)."""
        return bool(self.flags & FLAG_OVERFLOW)

    @property
    def imu_saturated(self) -> np.ndarray:
        """Per IMU sample, shape (n_imu,) bool: accelerometer or gyroscope at full scale
        (:func:`saturated_imu`)."""
        return saturated_imu(self.imu, self.flags)

    @property
    def mag_saturated(self) -> np.ndarray:
        """Per mag record, shape (n_mag,) bool: the packet's magnetometer flag. Its limit is
        the board's (Rev2: 1300 µT, below int16 full scale), so every mag record of a flagged
        packet counts as saturated (at most three)."""
        return np.full(self.n_mag, bool(self.flags & FLAG_MAG_SATURATED))


_EMPTY_IMU = np.zeros((0, 6), dtype=np.int16)
_EMPTY_MAG = np.zeros((0, 3), dtype=np.int16)
_EMPTY_T = np.zeros(0, dtype=np.int64)
for _a in (_EMPTY_IMU, _EMPTY_MAG, _EMPTY_T):
    _a.setflags(write=False)


def _check_header(data: bytes | bytearray | memoryview) -> tuple[int, int, int, int, int, bool]:
    n = len(data)
    if n < HEADER_SIZE:
        raise PacketError("short", f"short packet: {n} bytes, the header alone is {HEADER_SIZE}")
    ver_flags, counts, seq, t0 = _HEADER.unpack_from(data)
    if ver_flags & 0x0F != VERSION:
        raise PacketError("bad_version", f"protocol version {ver_flags & 0x0F}, expected {VERSION}")
    n_imu, n_mag, event = counts & 0x1F, (counts >> 5) & 0x03, bool(counts & EVENT_BIT)
    if event:
        if n_imu or n_mag:
            raise PacketError(
                "event_with_records", f"event packet with n_imu={n_imu}, n_mag={n_mag}"
            )
        want = EVENT_PACKET_SIZE
    elif n_imu == 0 and n_mag == 0:
        raise PacketError("zero_counts", "packet with no IMU, no mag and no event record")
    else:
        want = packet_length(n_imu, n_mag)
    if n != want:
        raise PacketError(
            "bad_length",
            f"bad length: {n} bytes, n_imu={n_imu}, n_mag={n_mag}, event={int(event)} needs {want}",
        )
    return ver_flags & 0xF0, n_imu, n_mag, seq, t0, event


def decode_packet(data: bytes | bytearray | memoryview) -> DecodedPacket:
    """Decode one notification.

    Parameters
    ----------
    data : bytes-like
        The notification's value.

    Returns
    -------
    DecodedPacket
        Arrays are views of ``data`` where possible (copy ``data`` first if it will change).

    Raises
    ------
    PacketError
        (a WireError) Short packet, wrong version, impossible counts or a length that
        disagrees with them.
    """
    flags, n_imu, n_mag, seq, t0, event = _check_header(data)
    if event:
        (code,) = struct.unpack_from("<H", data, HEADER_SIZE)
        return DecodedPacket(flags, seq, t0, _EMPTY_IMU, _EMPTY_T, _EMPTY_MAG, _EMPTY_T, 0, code)
    buf = bytes(data) if not isinstance(data, bytes) else data
    pos = HEADER_SIZE
    imu = np.frombuffer(buf, _IMU_DTYPE, 6 * n_imu, pos).reshape(n_imu, 6)
    pos += IMU_RECORD_SIZE * n_imu
    span = 0
    if n_imu >= 2:
        (span,) = struct.unpack_from("<H", buf, pos)
        pos += SPAN_SIZE
    if n_mag:
        recs = np.frombuffer(buf, _MAG_DTYPE, n_mag, pos)
        mag, mag_dt = recs["xyz"], recs["offset_us"].astype(np.int64)
    else:
        mag, mag_dt = _EMPTY_MAG, _EMPTY_T
    return DecodedPacket(
        flags,
        seq,
        t0,
        imu,
        sample_offsets_us(n_imu, span) if n_imu else _EMPTY_T,
        mag,
        mag_dt,
        span,
        None,
    )


@dataclass(frozen=True)
class DecodedBatch:
    """Many packets of one length and one ``counts`` byte, decoded at once.

    Any valid packet can be part of a batch: IMU packets with or without mag records,
    magnetometer-only packets (``n_imu`` = 0) and event packets (``n_imu`` = ``n_mag`` = 0).

    Attributes
    ----------
    flags, seq, t0_us, span_us : ndarray of int64, shape (K,)
        Header fields per packet (``flags`` is ``ver_flags & 0xF0``).
    imu : ndarray of int16, shape (K, n_imu, 6)
        ``gx, gy, gz, ax, ay, az`` counts.
    imu_dt_us : ndarray of int64, shape (K, n_imu)
        Time of each IMU sample after the packet's ``t0_us``, µs.
    mag : ndarray of int16, shape (K, n_mag, 3)
        ``mx, my, mz`` counts.
    mag_dt_us : ndarray of int64, shape (K, n_mag)
        Time of each mag record after the packet's ``t0_us``, µs.
    event_code : ndarray of int64, shape (K,)
        The code of each event packet; −1 for sample packets.
    imu_saturated : ndarray of bool, shape (K, n_imu)
        Per IMU sample: accelerometer or gyroscope at full scale (:func:`saturated_imu`).
    mag_saturated : ndarray of bool, shape (K, n_mag)
        Per mag record: its packet's magnetometer flag (see
        :attr:`DecodedPacket.mag_saturated`).
    """

    flags: np.ndarray
    seq: np.ndarray
    t0_us: np.ndarray
    span_us: np.ndarray
    imu: np.ndarray
    imu_dt_us: np.ndarray
    mag: np.ndarray
    mag_dt_us: np.ndarray
    event_code: np.ndarray
    imu_saturated: np.ndarray
    mag_saturated: np.ndarray

    @property
    def overflow(self) -> np.ndarray:
        """Per packet, shape (K,) bool: the device dropped buffered samples before it."""
        return (self.flags & FLAG_OVERFLOW) != 0


def decode_batch(packets: Sequence[bytes]) -> DecodedBatch:
    """Decode ``K`` packets that share one length and one ``counts`` byte, vectorised.

    Every valid packet decodes: sample packets (with or without IMU records) and event
    packets. The result equals :func:`decode_packet` on each packet.

    Raises
    ------
    WireError
        If any packet is malformed or the packets differ in length, version or counts (decode
        such a mix one by one with :func:`decode_packet`).
    """
    if not packets:
        raise WireError("empty batch")
    k, length = len(packets), len(packets[0])
    if any(len(p) != length for p in packets):
        raise WireError("packets of a batch differ in length")
    _flags, n_imu, n_mag, _, _, event = _check_header(packets[0])
    raw = np.frombuffer(b"".join(packets), np.uint8).reshape(k, length)
    ver = raw[:, 0] & 0x0F
    if (ver != VERSION).any() or (raw[:, 1] != raw[0, 1]).any():
        raise WireError("packets of a batch differ in version or counts")

    def field(a: int, b: int, dtype: np.dtype | str) -> np.ndarray:
        return np.ascontiguousarray(raw[:, a:b]).view(dtype)

    hdr = field(0, HEADER_SIZE, np.dtype("<u1,<u1,<u2,<u4")).ravel()
    flags = (raw[:, 0] & 0xF0).astype(np.int64)
    code = np.full(k, -1, dtype=np.int64)
    if event:
        code = field(HEADER_SIZE, EVENT_PACKET_SIZE, "<u2").ravel().astype(np.int64)
    pos = HEADER_SIZE
    imu = field(pos, pos + IMU_RECORD_SIZE * n_imu, "<i2").reshape(k, n_imu, 6)
    pos += IMU_RECORD_SIZE * n_imu
    span = np.zeros(k, dtype=np.int64)
    imu_dt = np.zeros((k, n_imu), dtype=np.int64)
    if n_imu >= 2:
        span = field(pos, pos + SPAN_SIZE, "<u2").ravel().astype(np.int64)
        pos += SPAN_SIZE
        d = n_imu - 1
        imu_dt = (2 * np.arange(n_imu, dtype=np.int64) * span[:, None] + d) // (2 * d)
    recs = field(pos, pos + MAG_RECORD_SIZE * n_mag, _MAG_DTYPE).reshape(k, n_mag)
    mag_sat = np.broadcast_to(((flags & FLAG_MAG_SATURATED) != 0)[:, None], (k, n_mag))
    return DecodedBatch(
        flags=flags,
        seq=hdr["f2"].astype(np.int64),
        t0_us=hdr["f3"].astype(np.int64),
        span_us=span,
        imu=imu,
        imu_dt_us=imu_dt,
        mag=recs["xyz"],
        mag_dt_us=recs["offset_us"].astype(np.int64),
        event_code=code,
        imu_saturated=saturated_imu(imu, flags[:, None]),
        mag_saturated=mag_sat.copy(),
    )


def encode_packet(
    seq: int,
    t0_us: int,
    imu: np.ndarray | None = None,
    span_us: int = 0,
    mag: np.ndarray | None = None,
    mag_offsets_us: Sequence[int] | np.ndarray = (),
    flags: int = 0,
) -> bytes:
    """Build a sample packet.

    Parameters
    ----------
    seq : int
        Index of the first IMU sample (taken mod 2¹⁶).
    t0_us : int
        Device time of the first record, µs (taken mod 2³²).
    imu : array_like of int16, shape (n_imu, 6), optional
    span_us : int
        First-to-last IMU time, µs; written when n_imu >= 2.
    mag : array_like of int16, shape (n_mag, 3), optional
    mag_offsets_us : sequence of int, shape (n_mag,)
        Time of each mag record after ``t0_us``, µs.
    flags : int
        ``FLAG_*`` bits.
    """
    imu_a = np.zeros((0, 6), np.int16) if imu is None else np.asarray(imu, dtype="<i2")
    mag_a = np.zeros((0, 3), np.int16) if mag is None else np.asarray(mag, dtype="<i2")
    n_imu, n_mag = len(imu_a), len(mag_a)
    if not (0 <= n_imu <= MAX_IMU and 0 <= n_mag <= MAX_MAG) or n_imu + n_mag == 0:
        raise ValueError(f"cannot encode n_imu={n_imu}, n_mag={n_mag}")
    if len(mag_offsets_us) != n_mag:
        raise ValueError("one offset per mag record")
    parts = [
        _HEADER.pack(
            VERSION | (flags & 0xF0), n_imu | (n_mag << 5), seq % SEQ_MOD, t0_us % TIME_MOD
        ),
        imu_a.reshape(n_imu, 6).tobytes(),
    ]
    if n_imu >= 2:
        parts.append(struct.pack("<H", span_us))
    if n_mag:
        recs = np.zeros(n_mag, _MAG_DTYPE)
        recs["offset_us"] = np.asarray(mag_offsets_us, dtype=np.int64)
        recs["xyz"] = mag_a
        parts.append(recs.tobytes())
    return b"".join(parts)


def encode_event_packet(seq: int, t0_us: int, code: int, flags: int = 0) -> bytes:
    """Build an event packet: ``code`` stamped with device time ``t0_us``."""
    return _HEADER.pack(
        VERSION | (flags & 0xF0), EVENT_BIT, seq % SEQ_MOD, t0_us % TIME_MOD
    ) + struct.pack("<H", code)
