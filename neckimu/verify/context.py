"""What every verifier reads: samples, a causal orientation and the head frame.

The verifiers judge a rep from the samples around it and from an orientation estimate that is
*causal* (VQF fed sample by sample from the start of the session). The live session runs the
very same filter on the very same samples, so a rep judged live and the same rep judged later
by ``neckimu analyze`` get the same numbers and the same verdict.

Nothing here depends on the heading of the earth frame: 6D orientation drifts about the
vertical (~20 deg/h), so every verifier measures relative to the head's own pose at the start
of its rep, in a level frame whose forward is the head's forward at that moment.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import numpy as np
from scipy.spatial.transform import Rotation

from neckimu.headframe import Calibration
from neckimu.mounts import get_mount
from neckimu.orientation import MAX_GAP_S
from neckimu.samples import SampleBlock
from neckimu.verify.activity import NoiseFloor, Signals, movement_signals


@dataclass
class Context:
    """The data of one session (or of its recent part, live) as the verifiers see it.

    Attributes
    ----------
    samples : SampleBlock
        Samples, SI units, sensor frame.
    quat : ndarray, shape (N, 4)
        Causal sensor-to-earth orientation (w, x, y, z), earth z up.
    bias : ndarray, shape (N, 3)
        Causal gyro bias estimate, rad/s.
    ts : float
        Sampling time of the filter, s.
    calibration : Calibration
        Head frame (sensor-to-head rotation, mount, still phase).
    meta : dict
        Recording metadata (``stretch_hold_s``: prescribed stretch holds).
    t_final : float
        Data after this time is not complete yet (live: the newest sample), s.
    saturated : ndarray of bool, shape (N,), optional
        Samples where a sensor saturated.
    rest_floor : NoiseFloor, optional
        The signals of this head (with a trunk board: this neck) relaxed at rest: the
        calibration's still phase (:meth:`still_floor`). With a trunk board no retraction
        floor is set below it (:meth:`floor_before`). None: :meth:`still_floor` of this
        context (when it holds the still phase).
    trunk_rate : ndarray, shape (N, 3), optional
        With a trunk board (issue 15): the trunk's angular velocity at each head sample, in
        the head board's frame, rad/s (:func:`neckimu.trunk.trunk_rate_in_head`). The
        movement signals' angular speed is then the neck's: the trunk's breathing, sway and
        leans turn the head in the room but are no movement of the neck, and would otherwise
        raise the head's noise floor above the slow start and end of a glide.
    """

    samples: SampleBlock
    quat: np.ndarray
    bias: np.ndarray
    ts: float
    calibration: Calibration
    meta: dict[str, Any] = field(default_factory=dict)
    t_final: float = float("inf")
    saturated: np.ndarray | None = None
    rest_floor: NoiseFloor | None = None
    trunk_rate: np.ndarray | None = None

    @property
    def t(self) -> np.ndarray:
        """Sample times, s, shape (N,)."""
        return self.samples.t

    @property
    def t_end(self) -> float:
        """Time of the last sample that is final, s."""
        return min(float(self.t[-1]), self.t_final) if len(self.t) else -np.inf

    def index(self, t0: float, t1: float) -> tuple[int, int]:
        """Sample index range ``[i0, i1)`` of the time span ``[t0, t1)``."""
        i0, i1 = np.searchsorted(self.t, [t0, t1])
        return int(i0), int(i1)

    @cached_property
    def sensor_to_head(self) -> np.ndarray:
        """Board-frame vectors to head-frame vectors, matrix (3, 3)."""
        return self.calibration.sensor_to_head.as_matrix()

    @cached_property
    def lever_arm_m(self) -> np.ndarray:
        """IMU position relative to the head centre, head frame, m (from the mount preset)."""
        return get_mount(self.calibration.mount).lever_arm_m

    def floor_before(self, t0: float, span_s: float = 30.0) -> NoiseFloor:
        """The head's signals at rest, from a typical rest in the ``span_s`` before ``t0``
        (:meth:`NoiseFloor.quietest`); with a trunk board never below the neck relaxed at rest
        (:attr:`rest_floor`).

        The stretch before a retraction set is mostly cued exercises: the quietest part of it
        can be an isometric hold, the head braced against the hand and quieter than it ever is
        relaxed. On the neck's angular speed (:attr:`trunk_rate`) the holds read 0.06-0.11
        deg/s against 0.2-0.5 in the relaxed rests between reps, which then read as movement;
        the calibration's still phase is the head relaxed at rest by instruction. On the head
        in the room (no trunk board) the same lower bound made the single-sensor path worse
        (slow glide edges counted as still: bench/accuracy.py, docs/verification.md), so it
        applies with a trunk board only. Both are measured before the exercise starts, so the
        floor is known (and the same) live and offline.
        """
        a, b = self.index(t0 - span_s, t0)
        floor = NoiseFloor.quietest(self.signals(a, b), self.ts)
        if self.trunk_rate is None:
            return floor
        return floor.at_least(self.rest_floor if self.rest_floor is not None else self._still_floor)

    @cached_property
    def _still_floor(self) -> NoiseFloor | None:
        return self.still_floor()

    def still_floor(self) -> NoiseFloor | None:
        """The floor of the calibration's still phase (:meth:`NoiseFloor.quietest`: a typical
        stretch of it, not the start where the filters may still settle); None when
        this context does not hold it (a live context holds the recent past only: the live
        session measures it when it calibrates and passes it as :attr:`rest_floor`)."""
        t = self.t
        t0, t1 = self.calibration.still_s
        if not len(t) or t0 < t[0] or t1 > t[-1]:
            return None
        a, b = self.index(t0, t1)
        if b - a < 2:
            return None
        # the gyro bias as the filter knows it at the end: at the start of a session its
        # estimate may still be settling (~0.5 deg/s off for a second or two)
        s = self.samples
        gyr = s.gyr[a:b] - self.bias[b - 1]
        if self.trunk_rate is not None:
            gyr = gyr - self.trunk_rate[a:b]
        sig = movement_signals(gyr, s.acc[a:b], self.quat[a:b], self.ts)
        floor = NoiseFloor.quietest(sig, self.ts)
        if floor.source == "default":  # too short
            return None
        return replace(floor, source="calibration's still phase")

    def signals(self, i0: int, i1: int) -> Signals:
        """Movement signals of samples ``i0:i1`` (the angular speed relative to the trunk
        when :attr:`trunk_rate` is given)."""
        s = self.samples
        gyr = s.gyr[i0:i1] - self.bias[i0:i1]
        if self.trunk_rate is not None:
            gyr = gyr - self.trunk_rate[i0:i1]
        return movement_signals(gyr, s.acc[i0:i1], self.quat[i0:i1], self.ts)

    def level_frame(self, i0: int, i1: int) -> np.ndarray:
        """Sensor-to-level rotation matrices of samples ``i0:i1``, shape (n, 3, 3).

        The level frame has z up and x along the head's forward direction at sample ``i0``
        (projected on the horizontal): the trunk frame of a person facing forward, with no
        reference to the earth's heading.
        """
        m_es = Rotation.from_quat(self.quat[i0:i1], scalar_first=True).as_matrix()
        fwd = m_es[0] @ self.sensor_to_head.T[:, 0]  # head x in the earth frame
        yaw = np.arctan2(fwd[1], fwd[0])
        c, s = np.cos(yaw), np.sin(yaw)
        rz_inv = np.array([[c, s, 0.0], [-s, c, 0.0], [0.0, 0.0, 1.0]])
        return rz_inv @ m_es

    def head_in_level(self, i0: int, i1: int) -> np.ndarray:
        """Head-to-level rotation matrices of samples ``i0:i1`` (see :meth:`level_frame`)."""
        return self.level_frame(i0, i1) @ self.sensor_to_head.T

    def coverage(self, t0: float, t1: float) -> str | None:
        """Why the span ``[t0, t1]`` lacks data, in words; None when it is all there.

        Missing: samples before the recording started or after it ended (or, live, not yet
        final), or a gap longer than :data:`~neckimu.orientation.MAX_GAP_S` inside it.
        """
        t = self.t
        if not np.isfinite(t1):
            return "it has no end cue"
        if not len(t) or t0 < t[0] - 2 * self.ts:
            return "the recording starts after it began"
        if t1 > self.t_end + 2 * self.ts:
            return (
                f"the recording ends {t1 - self.t_end:.1f} s before it did"
                if self.t_final == float("inf")
                else "not over yet"
            )
        i0, i1 = self.index(t0, t1)
        dt = np.diff(t[max(0, i0 - 1) : i1 + 1])
        if len(dt) and dt.max() > MAX_GAP_S:
            return f"{dt.max():.1f} s of data are missing inside it"
        return None

    def saturated_in(self, i0: int, i1: int) -> int:
        """How many samples of ``i0:i1`` saturated a sensor."""
        return 0 if self.saturated is None else int(self.saturated[i0:i1].sum())


def rep_labels(exercises: list[str]) -> list[tuple[int, int]]:
    """For each window (by position), its 1-based index among its exercise and their count."""
    counts: dict[str, int] = {}
    for e in exercises:
        counts[e] = counts.get(e, 0) + 1
    seen: dict[str, int] = {}
    out = []
    for e in exercises:
        seen[e] = seen.get(e, 0) + 1
        out.append((seen[e], counts[e]))
    return out
