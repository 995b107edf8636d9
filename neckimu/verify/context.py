"""What every verifier reads: one analysis, its derived signals computed once and shared."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy.spatial.transform import Rotation

from neckimu.angles import head_matrices
from neckimu.mounts import get_mount
from neckimu.orientation import bias_outside, estimate_causal_frozen
from neckimu.pipeline import Analysis
from neckimu.recording.events import HOLDS, Window


@dataclass
class Context:
    """Signals of one analysis that the verifiers share.

    Attributes
    ----------
    analysis : Analysis
    """

    analysis: Analysis

    @property
    def t(self) -> np.ndarray:
        """Sample times, s, shape (N,)."""
        return self.analysis.recording.samples.t

    def index(self, t0: float, t1: float) -> tuple[int, int]:
        """Sample index range ``[i0, i1)`` of the time span ``[t0, t1)``."""
        i0, i1 = np.searchsorted(self.t, [t0, t1])
        return int(i0), int(i1)

    @property
    def hold_windows(self) -> list[Window]:
        return [w for w in self.analysis.windows if w.exercise in HOLDS]

    @cached_property
    def frozen_bias(self) -> np.ndarray:
        """Gyro bias learnt outside the hold windows and frozen inside them, rad/s, (N, 3)."""
        ranges = [self.index(w.start_s, w.end_s) for w in self.hold_windows]
        return bias_outside(self.analysis.recording.samples, ranges,
                            ts=self.analysis.orientation.ts)

    @cached_property
    def frozen_quat(self) -> np.ndarray:
        """Causal orientation, bias frozen inside every hold window at :attr:`frozen_bias`,
        (N, 4) wxyz. Gravity still corrects inclination: a real tilt stays visible."""
        ranges = [self.index(w.start_s, w.end_s) for w in self.hold_windows]
        return estimate_causal_frozen(self.analysis.recording.samples, ranges,
                                      ts=self.analysis.orientation.ts, bias=self.frozen_bias)

    @cached_property
    def sensor_to_head(self) -> Rotation:
        return self.analysis.calibration.sensor_to_head

    @cached_property
    def lever_arm_m(self) -> np.ndarray:
        """IMU position relative to the head centre, head frame, m (from the mount preset)."""
        return get_mount(self.analysis.calibration.mount).lever_arm_m

    def head_to_neutral(self, i0: int, i1: int) -> np.ndarray:
        """Head-to-neutral rotation matrices of samples ``i0:i1``, shape (n, 3, 3)."""
        return head_matrices(self.analysis.orientation.quat[i0:i1], self.analysis.calibration)

    def angular_speed_deg_s(self, i0: int, i1: int, *, frozen: bool = False) -> np.ndarray:
        """Bias-corrected angular speed, deg/s, shape (n,); ``frozen``: with the hold bias."""
        s = self.analysis.recording.samples
        bias = self.frozen_bias[i0] if frozen else self.analysis.orientation.bias[i0:i1]
        w = s.gyr[i0:i1] - bias
        return np.degrees(np.linalg.norm(w, axis=1))


def rep_labels(windows: list[Window]) -> dict[int, tuple[int, int]]:
    """For each window (by position), its 1-based index among its exercise and their count."""
    counts: dict[str, int] = {}
    for w in windows:
        counts[w.exercise] = counts.get(w.exercise, 0) + 1
    seen: dict[str, int] = {}
    out = {}
    for k, w in enumerate(windows):
        seen[w.exercise] = seen.get(w.exercise, 0) + 1
        out[k] = (seen[w.exercise], counts[w.exercise])
    return out
