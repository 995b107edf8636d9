"""Control commands written to the control characteristic: encode and decode."""

from __future__ import annotations

import struct
from dataclasses import dataclass

from neckimu.errors import WireError
from neckimu.wire.spec import (
    CONTROL_OPS,
)


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
