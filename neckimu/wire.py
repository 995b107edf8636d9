"""The BLE wire protocol of docs/wire-format.md (version 1): encode and decode, vectorised.

Everything here is pure bytes <-> numbers: no Bluetooth, no clocks. The firmware implements the
same spec in C++; ``tests/data/wire_golden.txt`` holds byte vectors both sides agree on.

A packet that does not follow the spec raises :class:`neckimu.errors.WireError` and nothing
else: the client counts it and drops it.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from neckimu.errors import WireError

VERSION = 1

SERVICE_UUID = "a3c10000-8e1f-4b6a-9c3e-6e65636b696d"
DATA_UUID = "a3c10001-8e1f-4b6a-9c3e-6e65636b696d"
CONTROL_UUID = "a3c10002-8e1f-4b6a-9c3e-6e65636b696d"
INFO_UUID = "a3c10003-8e1f-4b6a-9c3e-6e65636b696d"
NAME_PREFIX = "neckimu-"

HEADER_SIZE = 8  #: bytes
IMU_RECORD_SIZE = 12  #: bytes: int16 gx, gy, gz, ax, ay, az
MAG_RECORD_SIZE = 8  #: bytes: u16 offset_us, int16 mx, my, mz
SPAN_SIZE = 2  #: bytes: u16 span_us, present when n_imu >= 2
EVENT_PACKET_SIZE = 10  #: bytes: header + u16 code
INFO_SIZE = 36  #: bytes (firmware 0.2 on: the role at byte 32)
INFO_SIZE_V01 = 32  #: bytes of firmware 0.1, which had no role (read as the head)
MAX_IMU = 31
MAX_MAG = 3
DEFAULT_MTU = 23
BATCH_WINDOW_S = 0.040  #: no sample waits longer than this for its notification, s
SEQ_MOD = 1 << 16
TIME_MOD = 1 << 32

FLAG_ACC_SATURATED = 0x10
FLAG_GYR_SATURATED = 0x20
FLAG_MAG_SATURATED = 0x40
FLAG_OVERFLOW = 0x80
EVENT_BIT = 0x80
#: An accelerometer or gyroscope count at or beyond ±32767 is at the range's limit (the
#: firmware's ``kImuSaturationCounts``: both IMUs use the full int16 span for their range).
IMU_FULL_SCALE = 32767

OP_START = 0x01
OP_STOP = 0x02
OP_SET_RATE = 0x03
OP_SET_RANGES = 0x04
OP_MARK_EVENT = 0x05
OP_SET_MAG = 0x06
OP_SET_ROLE = 0x07
#: Where a board is worn (``OP_SET_ROLE`` argument, info byte 32).
ROLE_HEAD = 1
ROLE_TRUNK = 2
ROLES: dict[int, str] = {ROLE_HEAD: "head", ROLE_TRUNK: "trunk"}
#: opcode -> (name, struct format of the arguments)
CONTROL_OPS: dict[int, tuple[str, str]] = {
    OP_START: ("start", ""),
    OP_STOP: ("stop", ""),
    OP_SET_RATE: ("set_rate", "<H"),
    OP_SET_RANGES: ("set_ranges", "<HB"),
    OP_MARK_EVENT: ("mark_event", "<H"),
    OP_SET_MAG: ("set_mag", "<B"),
    OP_SET_ROLE: ("set_role", "<B"),
}


class PacketError(WireError):
    """A malformed packet; ``reason`` is one word, the same as the firmware's golden vectors:
    ``short``, ``bad_version``, ``zero_counts``, ``event_with_records``, ``bad_length``."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


_HEADER = struct.Struct("<BBHI")
_INFO = struct.Struct("<BBBBBBHHHBBHfffIB3x")
assert _INFO.size == INFO_SIZE
_IMU_DTYPE = np.dtype("<i2")
_MAG_DTYPE = np.dtype([("offset_us", "<u2"), ("xyz", "<i2", (3,))])


def packet_length(n_imu: int, n_mag: int) -> int:
    """Length in bytes of a data packet with ``n_imu`` IMU and ``n_mag`` mag records."""
    return (
        HEADER_SIZE
        + IMU_RECORD_SIZE * n_imu
        + (SPAN_SIZE if n_imu >= 2 else 0)
        + (MAG_RECORD_SIZE * n_mag)
    )


def max_imu_per_packet(mtu: int, n_mag: int = 0) -> int:
    """Most IMU records that fit one notification at ``mtu`` next to ``n_mag`` mag records.

    Returns 0 when not even one IMU record fits beside the mag records.
    """
    payload = mtu - 3
    n = 0
    while n < MAX_IMU and packet_length(n + 1, n_mag) <= payload:
        n += 1
    return n


def batch_size(mtu: int, rate_hz: float) -> int:
    """IMU samples per notification: ``min(n_max, floor(0.040 s · rate))``, at least 1."""
    return max(1, min(max_imu_per_packet(mtu), int(BATCH_WINDOW_S * rate_hz)))


def saturated_imu(
    imu: np.ndarray, flags: int | np.ndarray = FLAG_ACC_SATURATED | FLAG_GYR_SATURATED
) -> np.ndarray:
    """Which IMU samples saturated: a flagged sensor has a count at full scale.

    The packet's flag says *some* value of the packet reached its range's limit; the sample
    that did is the one with an accelerometer (gyroscope) count at or beyond
    ±:data:`IMU_FULL_SCALE`, which is exactly how the firmware sets the flag.

    Parameters
    ----------
    imu : ndarray of int16, shape (..., n, 6)
        ``gx, gy, gz, ax, ay, az`` counts.
    flags : int or ndarray of int, shape broadcastable to (..., n)
        ``ver_flags & 0xF0`` of each sample's packet. The default (both flags set) asks the
        counts alone, for samples whose packet is no longer at hand.

    Returns
    -------
    ndarray of bool, shape (..., n)
    """
    at_limit = np.abs(np.asarray(imu, dtype=np.int32)) >= IMU_FULL_SCALE
    f = np.asarray(flags)
    acc = ((f & FLAG_ACC_SATURATED) != 0) & at_limit[..., 3:6].any(axis=-1)
    gyr = ((f & FLAG_GYR_SATURATED) != 0) & at_limit[..., 0:3].any(axis=-1)
    return acc | gyr


def sample_offsets_us(n_imu: int, span_us: int) -> np.ndarray:
    """Offsets of the IMU samples of a packet from ``t0_us``, µs, int64, shape (n_imu,).

    ``round(i · span_us / (n_imu − 1))`` rounding halves up, in integers as the firmware:
    ``(2·i·span_us + n_imu − 1) // (2·(n_imu − 1))`` (not Python's ``round``).
    """
    if n_imu < 2:
        return np.zeros(n_imu, dtype=np.int64)
    d = n_imu - 1
    i = np.arange(n_imu, dtype=np.int64)
    return (2 * i * int(span_us) + d) // (2 * d)


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


# -- control -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Control:
    """A control command: ``opcode`` and its arguments (see :data:`CONTROL_OPS`)."""

    opcode: int
    args: tuple[int, ...] = ()

    @property
    def name(self) -> str:
        return CONTROL_OPS[self.opcode][0]


def encode_control(opcode: int, *args: int) -> bytes:
    """Bytes of a control write, e.g. ``encode_control(OP_SET_RATE, 200)``."""
    if opcode not in CONTROL_OPS:
        raise ValueError(f"unknown opcode 0x{opcode:02x}")
    return bytes([opcode]) + struct.pack(CONTROL_OPS[opcode][1], *args)


def decode_control(data: bytes | bytearray) -> Control:
    """Parse a control write; raises WireError for an unknown opcode or bad length."""
    if not data:
        raise WireError("empty control write")
    op = data[0]
    if op not in CONTROL_OPS:
        raise WireError(f"unknown control opcode 0x{op:02x}")
    fmt = CONTROL_OPS[op][1]
    size = struct.calcsize(fmt) if fmt else 0
    if len(data) != 1 + size:
        raise WireError(f"control {CONTROL_OPS[op][0]}: {len(data)} bytes, needs {1 + size}")
    return Control(op, struct.unpack(fmt, bytes(data[1:])) if fmt else ())


# -- info ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Info:
    """The info characteristic: what the headset is and the settings in force.

    Rates in Hz, ranges in dps / g / µT, scales in rad/s, m/s², µT per count.
    """

    version: int = VERSION
    board: int = 2
    frame: int = 1
    firmware: tuple[int, int, int] = (0, 0, 0)
    imu_rate_hz: float = 100.0
    mag_rate_hz: float = 20.0
    gyro_range_dps: int = 2000
    acc_range_g: int = 4
    streaming: bool = False
    mag_range_ut: int = 400
    gyr_scale: float = 0.0
    acc_scale: float = 0.0
    mag_scale: float = 0.0
    overflow_count: int = 0
    role: str = "head"

    def as_meta(self) -> dict:
        """JSON-able fields for a recording header."""
        return {
            "protocol_version": self.version,
            "board": self.board,
            "frame": self.frame,
            "firmware": ".".join(map(str, self.firmware)),
            "nominal_rate_hz": self.imu_rate_hz,
            "mag_rate_hz": self.mag_rate_hz,
            "gyro_range_dps": self.gyro_range_dps,
            "acc_range_g": self.acc_range_g,
            "mag_range_ut": self.mag_range_ut,
            "gyr_scale": self.gyr_scale,
            "acc_scale": self.acc_scale,
            "mag_scale": self.mag_scale,
            "role": self.role,
        }


def encode_info(info: Info) -> bytes:
    """The 36 bytes of the info characteristic."""
    return _INFO.pack(
        info.version,
        info.board,
        info.frame,
        *info.firmware,
        round(info.imu_rate_hz * 100),
        round(info.mag_rate_hz * 100),
        info.gyro_range_dps,
        info.acc_range_g,
        int(info.streaming),
        info.mag_range_ut,
        info.gyr_scale,
        info.acc_scale,
        info.mag_scale,
        info.overflow_count,
        {v: k for k, v in ROLES.items()}[info.role],
    )


def decode_info(data: bytes | bytearray) -> Info:
    """Parse the info characteristic; raises WireError if it is not 36 bytes of version 1.

    32 bytes (firmware 0.1, before the role command) read as a head; an unknown role byte is
    an error.
    """
    if len(data) == INFO_SIZE_V01:
        data = bytes(data) + bytes([ROLE_HEAD, 0, 0, 0])
    if len(data) != INFO_SIZE:
        raise WireError(f"info is {len(data)} bytes, expected {INFO_SIZE}")
    f = _INFO.unpack(bytes(data))
    if f[16] not in ROLES:
        raise WireError(f"info: unknown role {f[16]} (1 head, 2 trunk)")
    if f[0] != VERSION:
        raise WireError(f"headset speaks protocol version {f[0]}, expected {VERSION}")
    return Info(
        version=f[0],
        board=f[1],
        frame=f[2],
        firmware=(f[3], f[4], f[5]),
        imu_rate_hz=f[6] / 100,
        mag_rate_hz=f[7] / 100,
        gyro_range_dps=f[8],
        acc_range_g=f[9],
        streaming=bool(f[10]),
        mag_range_ut=f[11],
        gyr_scale=f[12],
        acc_scale=f[13],
        mag_scale=f[14],
        overflow_count=f[15],
        role=ROLES[f[16]],
    )
