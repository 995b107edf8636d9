"""What the simulated headset does wrong on purpose: :class:`Faults` (disconnects, dropped
notifications, malformed packets, a stalled link, clock drift, reboots, a packet from the
future) and the malformed packets it sends."""

from __future__ import annotations

from dataclasses import dataclass

from neckimu import wire
from neckimu.errors import WireError


@dataclass
class Faults:
    """What goes wrong, on the headset's device clock (s after the stream's first sample).

    Attributes
    ----------
    disconnect_at_s : sequence of float
        The headset drops the link at these times (it keeps advertising, as the firmware).
    drop_every : int
        Drop every n-th data packet before the radio (its samples are lost, ``seq`` advances).
    malformed_every : int
        After every n-th data packet, send one malformed packet (truncated, wrong version,
        impossible counts or a bad length, in turn) in addition.
    stall_at_s, stall_s : float
        From ``stall_at_s`` for ``stall_s`` the link stays up but nothing is notified.
    drift_ppm : float
        The device crystal runs fast by this much against the host clock, ppm.
    reboot_at_s : sequence of float
        The headset reboots at these times: the link drops, buffered samples are lost, for
        ``boot_s`` nothing is measured, then the device clock restarts from 0 (``micros()``
        counts from the reboot) and, after the client's *start*, ``seq`` from 0.
    boot_s : float
        How long a reboot takes, s (device time).
    future_packet_at_s : sequence of float
        After the first data packet sent at or after each of these times, one more copy of it
        whose device time is ``future_jump_s`` in the future (well-formed, implausible).
    future_jump_s : float
        How far in the future, s.
    """

    disconnect_at_s: tuple[float, ...] = ()
    drop_every: int = 0
    malformed_every: int = 0
    stall_at_s: float | None = None
    stall_s: float = 0.0
    drift_ppm: float = 0.0
    reboot_at_s: tuple[float, ...] = ()
    boot_s: float = 0.5
    future_packet_at_s: tuple[float, ...] = ()
    future_jump_s: float = 1800.0


def malformed_variant(packet: bytes, which: int) -> bytes:
    """A malformed copy of a valid data ``packet``, kind ``which % 5``: cut inside the header,
    cut in half, wrong version, impossible counts, one byte too many. ``decode_packet``
    rejects every one.
    """
    b = bytearray(packet)
    kind = which % 5
    if kind == 0:
        b = b[:5]
    elif kind == 1:
        b = b[: max(wire.HEADER_SIZE, len(b) // 2)] if len(b) > wire.HEADER_SIZE + 1 else b[:-1]
    elif kind == 2:
        b[0] = (b[0] & 0xF0) | (wire.VERSION + 1)
    elif kind == 3:
        b[1] = wire.EVENT_BIT | 0x01  # an event packet that claims an IMU record
    else:
        b += b"\x00"
    try:
        wire.decode_packet(bytes(b))
    except WireError:
        return bytes(b)
    return bytes(b[:3])  # pragma: no cover - every variant above is malformed
