"""The BLE wire protocol of docs/wire-format.md (version 1): encode and decode, vectorised.

Everything here is pure bytes <-> numbers: no Bluetooth, no clocks. The firmware implements the
same spec in C++; ``tests/data/wire_golden.txt`` holds byte vectors both sides agree on.

A packet that does not follow the spec raises :class:`neckimu.errors.WireError` and nothing
else: the client counts it and drops it.

The package's modules: :mod:`~neckimu.wire.spec` (constants and sizes),
:mod:`~neckimu.wire.packets` (data and event packets), :mod:`~neckimu.wire.control` (control
commands), :mod:`~neckimu.wire.info` (the info characteristic). Every name is importable from
``neckimu.wire`` itself.
"""

from __future__ import annotations

from neckimu.errors import WireError
from neckimu.wire.control import (
    Control,
    decode_control,
    encode_control,
)
from neckimu.wire.info import (
    Info,
    decode_info,
    encode_info,
)
from neckimu.wire.packets import (
    DecodedBatch,
    DecodedPacket,
    PacketError,
    decode_batch,
    decode_packet,
    encode_event_packet,
    encode_packet,
)
from neckimu.wire.spec import (
    BATCH_WINDOW_S,
    CONTROL_OPS,
    CONTROL_UUID,
    DATA_UUID,
    DEFAULT_MTU,
    EVENT_BIT,
    EVENT_PACKET_SIZE,
    FLAG_ACC_SATURATED,
    FLAG_GYR_SATURATED,
    FLAG_MAG_SATURATED,
    FLAG_OVERFLOW,
    HEADER_SIZE,
    IMU_FULL_SCALE,
    IMU_RECORD_SIZE,
    INFO_SIZE,
    INFO_SIZE_V01,
    INFO_UUID,
    MAG_RECORD_SIZE,
    MAX_IMU,
    MAX_MAG,
    NAME_PREFIX,
    OP_MARK_EVENT,
    OP_SET_MAG,
    OP_SET_RANGES,
    OP_SET_RATE,
    OP_SET_ROLE,
    OP_START,
    OP_STOP,
    ROLE_HEAD,
    ROLE_TRUNK,
    ROLES,
    SEQ_MOD,
    SERVICE_UUID,
    SPAN_SIZE,
    TIME_MOD,
    VERSION,
    batch_size,
    max_imu_per_packet,
    packet_length,
    sample_offsets_us,
    saturated_imu,
)

__all__ = [
    "BATCH_WINDOW_S",
    "CONTROL_OPS",
    "CONTROL_UUID",
    "DATA_UUID",
    "DEFAULT_MTU",
    "EVENT_BIT",
    "EVENT_PACKET_SIZE",
    "FLAG_ACC_SATURATED",
    "FLAG_GYR_SATURATED",
    "FLAG_MAG_SATURATED",
    "FLAG_OVERFLOW",
    "HEADER_SIZE",
    "IMU_FULL_SCALE",
    "IMU_RECORD_SIZE",
    "INFO_SIZE",
    "INFO_SIZE_V01",
    "INFO_UUID",
    "MAG_RECORD_SIZE",
    "MAX_IMU",
    "MAX_MAG",
    "NAME_PREFIX",
    "OP_MARK_EVENT",
    "OP_SET_MAG",
    "OP_SET_RANGES",
    "OP_SET_RATE",
    "OP_SET_ROLE",
    "OP_START",
    "OP_STOP",
    "ROLES",
    "ROLE_HEAD",
    "ROLE_TRUNK",
    "SEQ_MOD",
    "SERVICE_UUID",
    "SPAN_SIZE",
    "TIME_MOD",
    "VERSION",
    "Control",
    "DecodedBatch",
    "DecodedPacket",
    "Info",
    "PacketError",
    "WireError",
    "batch_size",
    "decode_batch",
    "decode_control",
    "decode_info",
    "decode_packet",
    "encode_control",
    "encode_event_packet",
    "encode_info",
    "encode_packet",
    "max_imu_per_packet",
    "packet_length",
    "sample_offsets_us",
    "saturated_imu",
]
