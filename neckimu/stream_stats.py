"""The counters of one stream of samples, whatever its source: the headset over BLE (the
stream assembler counts), a replayed recording (its reader counts) or a test's fake source.

Kept below the sources so that a source that is not BLE (the replay) does not depend on the
BLE package to report what it streamed.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class StreamStats:
    """Counters of one stream (all since the assembler was made)."""

    packets: int = 0  #: notifications fed
    malformed: int = 0  #: dropped: not docs/wire-format.md
    corrupt: int = 0  #: dropped: well-formed, but an implausible device time
    stale: int = 0  #: dropped: older than what was already written (duplicate, reordered)
    samples: int = 0  #: IMU rows emitted
    missing: int = 0  #: samples counted in gaps
    gaps: int = 0
    events: int = 0
    unknown_events: int = 0
    connections: int = 0
    reboots: int = 0  #: device clock restarts (new segments)
    overflow_packets: int = 0
    saturated: int = 0  #: IMU rows emitted with an accelerometer or gyroscope at full scale
    saturated_mag: int = 0  #: magnetometer records of packets flagged saturated
    errors: dict[str, int] = field(default_factory=dict)  #: malformed, by reason
    corrupt_reasons: dict[str, int] = field(default_factory=dict)  #: corrupt, by reason
