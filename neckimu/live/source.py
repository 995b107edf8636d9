"""Where live samples come from: the interface every source implements.

A source runs in the session's acquisition thread (:meth:`Source.run` blocks until the
stream ends or :meth:`Source.stop`) and hands what it receives to a :class:`Sink` — the live
session — exactly where the device's data enters the flow: :class:`~neckimu.samples.SampleBlock`
objects, exercise :class:`~neckimu.recording.events.Event` objects and gaps. Three sources:

- :class:`neckimu.live.ble_sources.HeadsetSource`: a real headset through
  :class:`~neckimu.ble.client.HeadsetClient` (bleak); the routine's cues are sent to the
  headset as *mark event* commands;
- :class:`neckimu.live.ble_sources.SimulatedSource`: the simulated headset over the bumble
  stack, the same client code; the simulated person's session events are the cues;
- :class:`neckimu.live.replay.ReplaySource`: a recording played back in (scaled) real time.

This module is the interface only: the session and the replay do not depend on the BLE
package through it.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from neckimu.errors import NeckimuError
from neckimu.recording.events import Event
from neckimu.recording.reader import Recording
from neckimu.samples import SampleBlock
from neckimu.stream_stats import StreamStats


class Sink(Protocol):
    """What a source feeds (the live session); called from the acquisition thread."""

    def on_meta(self, meta: dict[str, Any]) -> None: ...
    def on_block(self, block: SampleBlock, arrivals: Sequence[float]) -> None: ...
    def on_event(self, event: Event) -> None: ...
    def on_gap(self, time_s: float, missing: int, reason: str) -> None: ...
    def on_status(self, state: str) -> None: ...
    def on_reset(self) -> None: ...
    def on_trunk_block(self, block: SampleBlock) -> None:
        """Samples of a second board on the trunk, on the head's time base (issue 15)."""


class Source:
    """Base class: a stream of samples, events and gaps.

    Attributes
    ----------
    label : str
        Shown in the window's status line.
    recording_path : Path or None
        The recording the source writes (None: it writes none).
    error : NeckimuError or None
        Why the stream ended early (the device vanished, ...).
    notes : list of str
        What the user should know about the stream (a playback that had to slow down).
    """

    label = "source"
    recording_path: Path | None = None

    def __init__(self) -> None:
        self.error: NeckimuError | None = None
        #: what the user should know about the stream (one line each; e.g. a slowed playback)
        self.notes: list[str] = []
        self._stop = threading.Event()

    def run(self, sink: Sink) -> None:  # pragma: no cover - interface
        """Stream into ``sink`` until the end or :meth:`stop`; blocking."""
        raise NotImplementedError

    def stop(self) -> None:
        """Ask :meth:`run` to return soon (thread-safe)."""
        self._stop.set()

    def stats(self) -> StreamStats:
        """Counters of the stream so far."""
        return StreamStats()

    def planned_counts(self) -> dict[str, int] | None:
        """How many windows of each exercise the stream will have, if the source knows (a
        replayed recording does; a live routine's plan is the routine's)."""
        return None

    def final_recording(self) -> Recording | None:
        """The whole session as ``neckimu analyze`` reads it, once the stream has ended: the
        closed recording the source wrote, read back (None: it wrote none or it is
        unreadable)."""
        path = self.recording_path
        if path is None or not path.exists():
            return None
        from neckimu.recording.reader import read_recording

        try:
            return read_recording(path)
        except NeckimuError:
            return None
