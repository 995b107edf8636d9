"""The info characteristic: what the headset is and the settings in force; encode and decode."""

from __future__ import annotations

import struct
from dataclasses import dataclass

from neckimu.errors import WireError
from neckimu.wire.spec import (
    INFO_SIZE,
    INFO_SIZE_V01,
    ROLE_HEAD,
    ROLES,
    VERSION,
)

_INFO = struct.Struct("<BBBBBBHHHBBHfffIB3x")
assert _INFO.size == INFO_SIZE


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
