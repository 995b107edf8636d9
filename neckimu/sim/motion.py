"""Head trajectory of a seated person: orientation and head-centre position versus time.

The script (``neckimu.sim.script``) commands a few *channels* through keyframes joined by
minimum-jerk transitions, plus additive minimum-jerk :class:`Steps` that may overlap in time
(a rep that starts before the last one has quite settled, a fidget, a bounce); the person model
(``neckimu.sim.person``) adds sway, breathing and tremor. :class:`HeadMotion` turns all of it
into the head's pose in the trunk frame T:

* ``R_TH(t) = Rotation.from_euler("YXZ", [flex, lat, -rot])`` (intrinsic; flexion + is chin
  down, lateral + toward the right shoulder, rotation + to the right);
* the head centre ``p_H(t)`` moves when the whole neck flexes (the lower cervical spine pivots
  about ~C7, 0.12 m below and 0.03 m behind the head centre), when the head glides (retraction)
  and with sway and breathing; a "yes" nod (upper cervical) pivots at the head centre.

Everything is vectorised over time and SI (s, rad, m).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy.spatial.transform import Rotation

if TYPE_CHECKING:
    from neckimu.sim.person import Person

#: Channel names of the keyframes, in column order. Angles in rad, glides in m, brace 0..1.
#: The last three move the trunk (``neckimu.sim.trunk``: lean about the hips forward +,
#: sideways + to the right, slouch +), zero and unused without a trunk.
CHANNELS: tuple[str, ...] = (
    "neck_flex",
    "nod_flex",
    "lat",
    "rot",
    "glide_x",
    "glide_z",
    "brace",
    "trunk_flex",
    "trunk_lat",
    "slouch",
)
NECK_FLEX, NOD_FLEX, LAT, ROT, GLIDE_X, GLIDE_Z, BRACE, TRUNK_FLEX, TRUNK_LAT, SLOUCH = range(
    len(CHANNELS)
)

#: Lower-cervical pivot of whole-neck flexion relative to the head centre, trunk frame, m.
NECK_PIVOT_M = np.array([-0.03, 0.0, -0.12])


def min_jerk(s: np.ndarray) -> np.ndarray:
    """Minimum-jerk profile ``10s³ − 15s⁴ + 6s⁵`` for ``s`` in [0, 1] (clipped outside)."""
    s = np.clip(s, 0.0, 1.0)
    return s * s * s * (10.0 + s * (-15.0 + 6.0 * s))


@dataclass(frozen=True)
class Keyframes:
    """Channel values at knot times, joined by minimum-jerk transitions.

    Attributes
    ----------
    times : ndarray, shape (K,)
        Knot times in s (physical time from session start), strictly increasing.
    values : ndarray, shape (K, C)
        Channel values at the knots (columns as :data:`CHANNELS`).
    """

    times: np.ndarray
    values: np.ndarray

    @property
    def duration_s(self) -> float:
        """Time of the last knot, s."""
        return float(self.times[-1])

    def __call__(self, t: np.ndarray) -> np.ndarray:
        """Channel values at times ``t`` (shape (N,)) -> shape (N, C)."""
        t = np.asarray(t, dtype=np.float64)
        k = len(self.times)
        if k == 1:
            return np.broadcast_to(self.values[0], (len(t), self.values.shape[1])).copy()
        i = np.clip(np.searchsorted(self.times, t, side="right") - 1, 0, k - 2)
        t0 = self.times[i]
        s = (t - t0) / (self.times[i + 1] - t0)
        v0 = self.values[i]
        return v0 + (self.values[i + 1] - v0) * min_jerk(s)[:, None]


@dataclass(frozen=True)
class Steps:
    """Additive minimum-jerk steps on the channels; steps may overlap each other.

    Step k adds ``delta[k] · min_jerk((t − t0[k]) / duration[k])`` to channel ``channel[k]``:
    0 before ``t0``, ``delta`` after ``t0 + duration``.

    Attributes
    ----------
    channel : ndarray of int, shape (M,)
        Column of :data:`CHANNELS`.
    t0 : ndarray, shape (M,)
        Start of each step, s.
    duration : ndarray, shape (M,)
        Its length, s (> 0).
    delta : ndarray, shape (M,)
        Its size, in the channel's unit (rad, m or brace).
    """

    channel: np.ndarray
    t0: np.ndarray
    duration: np.ndarray
    delta: np.ndarray

    @classmethod
    def empty(cls) -> Steps:
        """No steps."""
        z = np.zeros(0)
        return cls(np.zeros(0, dtype=np.int64), z, z, z)

    def __len__(self) -> int:
        return len(self.t0)

    def __call__(self, t: np.ndarray) -> np.ndarray:
        """Sum of the steps at times ``t`` (shape (N,), any order) -> shape (N, C)."""
        t = np.asarray(t, dtype=np.float64)
        out = np.zeros((len(t), len(CHANNELS)))
        if not len(self) or not len(t):
            return out
        order = np.argsort(t, kind="stable")
        ts = t[order]
        t1 = self.t0 + self.duration
        done = t1 <= ts[0]  # complete before the first time: a constant
        base = np.zeros(len(CHANNELS))
        np.add.at(base, self.channel[done], self.delta[done])
        live = np.flatnonzero(~done & (self.t0 < ts[-1]))
        inside = np.zeros((len(t), len(CHANNELS)))
        after = np.zeros((len(t) + 1, len(CHANNELS)))  # the full delta from this index on
        i0 = np.searchsorted(ts, self.t0[live], side="left")
        i1 = np.searchsorted(ts, t1[live], side="left")
        for k, a, b in zip(live, i0, i1, strict=True):  # one vectorised slice per step
            c = self.channel[k]
            inside[a:b, c] += self.delta[k] * min_jerk((ts[a:b] - self.t0[k]) / self.duration[k])
            after[b, c] += self.delta[k]
        out[order] = base + inside + np.cumsum(after, axis=0)[:-1]
        return out


class Timeline:
    """Builder of :class:`Keyframes` (moves and holds one after another) and :class:`Steps`.

    Parameters
    ----------
    t0 : float
        Start time, s.
    """

    def __init__(self, t0: float = 0.0) -> None:
        self._times = [float(t0)]
        self._values = [np.zeros(len(CHANNELS))]
        self._steps: list[tuple[int, float, float, float]] = []

    @property
    def t(self) -> float:
        """Time at the end of what has been built so far, s."""
        return self._times[-1]

    def value(self, channel: int) -> float:
        """The current (last commanded) value of ``channel``."""
        return float(self._values[-1][channel])

    def set_last(self, channel: str, value: float) -> None:
        """Set ``channel`` of the last keyframe (the pose just reached) to ``value``."""
        self._values[-1][CHANNELS.index(channel)] = value

    def move(self, duration_s: float, **targets: float) -> float:
        """Minimum-jerk move of the named channels to absolute values over ``duration_s``.

        Channels not named hold their value. Returns the end time, s.
        """
        if duration_s <= 0:
            raise ValueError(f"move duration must be > 0, not {duration_s}")
        v = self._values[-1].copy()
        for name, val in targets.items():
            v[CHANNELS.index(name)] = val
        self._times.append(self.t + float(duration_s))
        self._values.append(v)
        return self.t

    def shift(self, duration_s: float, **deltas: float) -> float:
        """Like :meth:`move` with values relative to the current ones."""
        cur = self._values[-1]
        return self.move(duration_s, **{k: cur[CHANNELS.index(k)] + d for k, d in deltas.items()})

    def hold(self, duration_s: float) -> float:
        """Keep every channel still for ``duration_s``; returns the end time, s."""
        return self.move(duration_s)

    def step(self, t0: float, duration_s: float, **deltas: float) -> None:
        """Add minimum-jerk steps (``channel=delta``) from ``t0`` over ``duration_s``.

        Steps are added on top of the keyframes and of each other, at any time (before or
        after :attr:`t`); they do not move the timeline's end.
        """
        if duration_s <= 0:
            raise ValueError(f"step duration must be > 0, not {duration_s}")
        for name, dv in deltas.items():
            self._steps.append((CHANNELS.index(name), float(t0), float(duration_s), float(dv)))

    def build(self) -> Keyframes:
        """The keyframes built so far."""
        return Keyframes(np.array(self._times), np.array(self._values))

    def build_steps(self) -> Steps:
        """The steps added so far."""
        if not self._steps:
            return Steps.empty()
        c, t0, d, dv = (np.array(v) for v in zip(*self._steps, strict=True))
        return Steps(c.astype(np.int64), t0, d, dv)


class HeadMotion:
    """Head pose in the trunk frame from keyframes plus a person model.

    Parameters
    ----------
    keyframes : Keyframes
        The commanded channels.
    person : neckimu.sim.person.Person or None
        Sway, breathing and tremor; None for a perfectly still person.
    steps : Steps, optional
        Commanded steps added to the keyframes.
    """

    def __init__(
        self, keyframes: Keyframes, person: Person | None = None, steps: Steps | None = None
    ) -> None:
        self.keyframes = keyframes
        self.person = person
        self.steps = steps if steps is not None else Steps.empty()

    def channels(self, t: np.ndarray) -> np.ndarray:
        """Commanded channel values (keyframes plus steps, without the person), shape (N, C)."""
        t = np.asarray(t, dtype=np.float64)
        ch = self.keyframes(t)
        if len(self.steps):
            ch = ch + self.steps(t)
        return ch

    @property
    def duration_s(self) -> float:
        """Length of the commanded trajectory, s."""
        return self.keyframes.duration_s

    def angles(self, t: np.ndarray) -> np.ndarray:
        """Head angles ``flex, lat, rot`` relative to the trunk, rad, shape (N, 3)."""
        return self._angles(t, self.channels(t))

    def _angles(self, t: np.ndarray, ch: np.ndarray) -> np.ndarray:
        ang = np.column_stack([ch[:, NECK_FLEX] + ch[:, NOD_FLEX], ch[:, LAT], ch[:, ROT]])
        if self.person is not None:
            ang += self.person.angles(t, ch[:, BRACE])
        return ang

    def rotation(self, t: np.ndarray) -> Rotation:
        """``R_TH``: head -> trunk rotation at times ``t`` (N rotations)."""
        return angles_to_rotation(self.angles(t))

    def head_centre(self, t: np.ndarray) -> np.ndarray:
        """Head-centre position in the trunk frame, m, shape (N, 3).

        Zero in the neutral pose without sway; whole-neck flexion swings it about
        :data:`NECK_PIVOT_M`.
        """
        return self._head_centre(t, self.channels(t))

    def _head_centre(self, t: np.ndarray, ch: np.ndarray) -> np.ndarray:
        th = ch[:, NECK_FLEX]
        v = -NECK_PIVOT_M  # pivot -> head centre
        c, s = np.cos(th), np.sin(th)
        pos = np.column_stack(
            [
                NECK_PIVOT_M[0] + c * v[0] + s * v[2] + ch[:, GLIDE_X],
                np.zeros_like(th),
                NECK_PIVOT_M[2] - s * v[0] + c * v[2] + ch[:, GLIDE_Z],
            ]
        )
        if self.person is not None:
            pos += self.person.position(t)
        return pos

    def pose(self, t: np.ndarray) -> tuple[Rotation, np.ndarray]:
        """:meth:`rotation` and :meth:`head_centre` at once (one keyframe evaluation)."""
        t = np.asarray(t, dtype=np.float64)
        ch = self.channels(t)
        return angles_to_rotation(self._angles(t, ch)), self._head_centre(t, ch)


def angles_to_rotation(angles: np.ndarray) -> Rotation:
    """Head angles ``flex, lat, rot`` (rad, shape (N, 3)) -> ``R_TH`` (head -> trunk).

    Equal to ``Rotation.from_euler("YXZ", [flex, lat, -rot])`` (intrinsic), computed as the
    quaternion product ``q_y(flex) ⊗ q_x(lat) ⊗ q_z(-rot)``, which is several times faster.
    """
    a = 0.5 * np.asarray(angles, dtype=np.float64)
    cy, sy = np.cos(a[:, 0]), np.sin(a[:, 0])
    cx, sx = np.cos(a[:, 1]), np.sin(a[:, 1])
    cz, sz = np.cos(a[:, 2]), -np.sin(a[:, 2])
    # q_y ⊗ q_x = (cy cx, cy sx, sy cx, -sy sx) as (w, x, y, z); then ⊗ q_z
    w, x, y, z = cy * cx, cy * sx, sy * cx, -sy * sx
    quat = np.column_stack([x * cz + y * sz, y * cz - x * sz, z * cz + w * sz, w * cz - z * sz])
    return Rotation.from_quat(quat)  # scipy: scalar last
