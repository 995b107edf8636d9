"""The Recording type: a session in memory, as the reader gives it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from neckimu.recording.events import Event
from neckimu.recording.saturation import Saturation, saturated_mask
from neckimu.samples import Gap, SampleBlock


class RecordingWarning(UserWarning):
    """Data was recovered from a damaged file (for instance a cut-off last line)."""


@dataclass
class Recording:
    """A session in memory.

    Attributes
    ----------
    samples : SampleBlock
        All samples, SI units, sensor frame.
    events : list of Event
        Exercise cues in time order.
    gaps : list of Gap
        Gaps the recorder marked (lost packets, reconnects).
    meta : dict
        Metadata: the header, updated by later ``# meta`` lines.
    path : str
        Where it was read from ("" if built in memory).
    warnings : list of str
        What was recovered or assumed while reading.
    saturation : list of Saturation
        Time ranges of rows with a sensor at full scale (``# sat`` lines).
    trunk : SampleBlock or None
        The second sensor, worn on the trunk (format v2, ``# trunk`` lines): its samples on
        this recording's time base, SI units, its own board frame; None without one.
    trunk_gaps : list of Gap
        Gaps of the trunk sensor.
    trunk_saturation : list of Saturation
        Saturated trunk samples.
    """

    samples: SampleBlock
    events: list[Event] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    path: str = ""
    warnings: list[str] = field(default_factory=list)
    saturation: list[Saturation] = field(default_factory=list)
    trunk: SampleBlock | None = None
    trunk_gaps: list[Gap] = field(default_factory=list)
    trunk_saturation: list[Saturation] = field(default_factory=list)

    @property
    def saturated(self) -> np.ndarray:
        """Per row, shape (N,) bool: an accelerometer or gyroscope value at full scale."""
        return saturated_mask(self.samples.t, self.saturation)

    @property
    def trunk_saturated(self) -> np.ndarray | None:
        """Per trunk sample, shape (M,) bool; None without a trunk sensor."""
        if self.trunk is None:
            return None
        return saturated_mask(self.trunk.t, self.trunk_saturation)
