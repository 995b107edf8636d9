"""The wire format's constants (UUIDs, sizes, flags, opcodes, roles) and the arithmetic on
them: packet lengths, batch sizes, sample offsets within a packet, which samples saturated."""

from __future__ import annotations

import numpy as np

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
