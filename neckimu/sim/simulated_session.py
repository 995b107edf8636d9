"""A simulated session and everything known about it (:class:`SimulatedSession`), and how it is
written: the recording, its truth files and its events CSV beside it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from neckimu.recording.events import Event
from neckimu.recording.writer import RecordingWriter
from neckimu.samples import Gap, SampleBlock
from neckimu.sim import sensors
from neckimu.sim.config import SessionConfig
from neckimu.sim.device import DeviceStream
from neckimu.sim.kinematics import Body, Kinematics
from neckimu.sim.motion import HeadMotion
from neckimu.sim.script import Plan
from neckimu.sim.truth import TruthSamples, truth_paths, write_truth


@dataclass
class SimulatedSession:
    """A simulated session and everything known about it.

    Attributes
    ----------
    config : SessionConfig
    device : DeviceStream
        Raw counts and device time stamps (what the headset would send).
    samples : SampleBlock
        ``device.to_samples()``: recording time from the first sample, SI units.
    events : list of Event
        Exercise cues on the recording clock.
    gaps : list of Gap
        Samples the board dropped (reason ``"dropped"``), on the recording clock.
    truth : dict
        The truth JSON (see ``neckimu.sim.truth``).
    truth_samples : TruthSamples
        Per-sample truth, one row per recording row.
    kinematics : Kinematics
        Ideal sensor signals at the delivered samples' physical times.
    plan, motion, body, errors :
        The script, head trajectory, sensor placement and board errors behind it.
    """

    config: SessionConfig
    device: DeviceStream
    samples: SampleBlock
    events: list[Event]
    gaps: list[Gap]
    truth: dict[str, Any]
    truth_samples: TruthSamples
    kinematics: Kinematics
    plan: Plan
    motion: HeadMotion
    body: Body
    errors: sensors.SensorErrors
    meta: dict[str, Any] = field(default_factory=dict)
    trunk: Any = None  #: ``neckimu.sim.trunk.TrunkBoard`` of a two-sensor session, else None

    def write(self, path: str | Path) -> None:
        """Write the recording (format v1) and its truth files beside it."""
        path = Path(path)
        marks = [(e.time_s, 0, e) for e in self.events] + [(g.time_s, 1, g) for g in self.gaps]
        marks.sort(key=lambda m: (m[0], m[1]))
        t = self.samples.t
        tb = self.trunk
        trunk_meta = tb.meta if tb is not None else None
        with RecordingWriter(
            path, self.meta, has_mag=self.samples.mag is not None, trunk=trunk_meta
        ) as w:
            i = 0
            k = 0  # next trunk sample to write
            tgaps = list(tb.gaps) if tb is not None else []

            def trunk_until(t_end: float) -> None:
                nonlocal k
                if tb is None:
                    return
                kt = int(np.searchsorted(tb.samples.t, t_end, side="right"))
                while tgaps and tgaps[0].time_s <= t_end:
                    g = tgaps.pop(0)
                    kg = int(np.searchsorted(tb.samples.t, g.time_s - 1e-9, side="left"))
                    w.write_trunk_block(tb.samples.slice(k, kg))
                    k = max(k, kg)
                    w.write_gap(g.time_s, g.missing, g.reason, sensor="trunk")
                if kt > k:
                    w.write_trunk_block(tb.samples.slice(k, kt))
                    k = kt

            for time_s, kind, obj in marks:
                j = int(np.searchsorted(t, time_s - 1e-9, side="left"))
                if j > i:
                    w.write_block(self.samples.slice(i, j))
                    trunk_until(float(t[j - 1]))
                    i = j
                if kind == 0:
                    w.write_event(obj)
                else:
                    w.write_gap(obj.time_s, obj.missing, obj.reason)
            w.write_block(self.samples.slice(i, len(t)))
            trunk_until(np.inf)
        write_truth(path, self.truth, self.truth_samples)
        write_events_csv(events_path(path), self.events)


def events_path(recording: str | Path) -> Path:
    """``rec.events.csv`` beside ``rec.csv`` or ``rec.csv.gz``."""
    jpath, _ = truth_paths(recording)
    return jpath.with_name(jpath.name.removesuffix(".truth.json") + ".events.csv")


def write_events_csv(path: str | Path, events: list[Event]) -> None:
    """The cues as an events CSV ``time_s,event,exercise`` (recording clock, s)."""
    lines = ["time_s,event,exercise"] + [f"{e.time_s:.6f},{e.event},{e.exercise}" for e in events]
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
