"""Cervical retraction: glide the head straight back and slightly up, keep it, return.

One ``retraction`` window holds a whole set; the verifier finds the reps in it.

**Finding the reps.** The head's movement is measured against this session's own noise floor
(``neckimu.verify.activity``): samples whose activity stays low are *stations* — the head at
rest or keeping a position — and the movements lie between them. A rep is the sequence
rest → glide → kept → return → rest: from a rest station the head moves to a station away from
it (the kept position: the pose that differs most) and comes back to within half that
excursion of where it started. A movement that is over before the head keeps any position (a
kept position of a fraction of a second) is split at its turning point, where the head's speed
dips and its pose is furthest out. Excursions smaller than ``min_excursion_mm`` and
``min_excursion_deg`` are fidgets, not reps. With a trunk board the stations are compared on
the trunk's carry of the head centre as well (its turn about the hips, from its gyro:
:func:`_excursions`): a lean of the trunk with the gaze level hardly turns the head and moves
it too slowly for the integrated acceleration to see, and is still an excursion (to be
judged ``trunk_lean``, ``neckimu.verify.trunk_lean``); a station the trunk leaned to is no
rest to come back to, and a movement in which the trunk turned back is split where it turned
(a lean reversed at once: the head's own speeds show no stop).

The search takes, from each rest, the station that comes back first. Two rules keep it from
merging two reps when the integration misreads a return (a slow end of a movement sinks into
the station after it): a rest whose rep has a whole rep of its own before its kept position
is passed over, the search going on from the next rest; and a rep whose glide stopped at two
stations or more, and that is also a rep from the later one, starts there — the stations
before it are then the rep whose return was misread, ending at that rest.

**Measuring a rep** (``neckimu.translation``), from the rest before to the kept position:

- the head-centre displacement (posterior, superior, lateral; mm) in a level frame whose forward
  is the head's forward at the rest: the gravity-free acceleration, rotated by the gyro into the
  first pose, integrated twice with zero velocity at every station (a constant error cancels),
  the sensor's lever arm (mount preset) removed; each movement integrated between its own
  edges, found from its speed (the stations' edges, from the floor, lie fractions of a second
  off the movement: :meth:`_SetView._edges`);
- the change of flexion, lateral flexion and rotation (deg), from the orientation.

The glide out and the return are two measurements of the same excursion; the displacement is
their average (the return's sign flipped), each weighted by the inverse square of its error
scale (:func:`neckimu.translation.error_scale`: the velocity its zero-velocity condition had
to take out), which halves the integration noise of two good movements and follows the
better one when a movement's still phase was not still.

Faults (the pass rule, :class:`RetractionCriteria`): ``extension`` (tipped back),
``protraction`` (moved forward), ``downward`` (dropped), ``nod_only`` (nodded: flexion
beyond a chin tuck), ``lateral`` (tilted or turned) and ``too_small`` (correct form, glide too
short) — the last only when no other fault explains the rep. Retraction combines
lower-cervical extension with upper-cervical flexion (Ordway et al. 1999), so the head flexes
as it glides, by a chin tuck of up to ~10 deg; beyond ``nod_flexion_deg`` it nods, glide
or not.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np
from scipy.integrate import cumulative_trapezoid
from scipy.spatial.transform import Rotation

from neckimu.angles import angles_from_matrices
from neckimu.filters import FIR_HALF_S
from neckimu.orientation import MAX_GAP_S
from neckimu.recording.events import Window
from neckimu.runs import true_runs
from neckimu.translation import (
    SensorErrorPrior,
    TurnResidual,
    acc_bias_from_turns,
    head_centre_movement,
    turn_residual,
    weighted_by_scale,
)
from neckimu.trunk import HIP_TO_HEAD_M
from neckimu.verify.activity import SUPPORT_S, moving_runs
from neckimu.verify.context import Context
from neckimu.verify.reps import RetractionRep


@dataclass(frozen=True)
class RetractionCriteria:
    """The pass rule of a retraction rep (mm and deg as named): one definition, read by the
    verifier, the simulator's truth, the live view and the report's target drawing.

    Attributes
    ----------
    min_glide_mm : float
        Shortest posterior glide of a complete rep (correct reps glide ~10-30 mm).
    max_glide_mm : float
        Drawn edge of the target only (a longer glide is not a fault), mm.
    protraction_mm : float
        Posterior displacement below −this: the head went forward.
    downward_mm : float
        Superior displacement below −this: the head dropped.
    extension_deg : float
        Flexion change below −this: the head tipped back.
    nod_flexion_deg : float
        Flexion change above this is a nod, with or without a glide: the chin tuck that comes
        with a retraction is 0-10 deg (docs/simulator.md), and the threshold leaves ~2 deg
        above it for the measurement's error (~1 deg) so a correct tuck does not fail; beyond
        it the head is nodding down, which the exercise asks people not to do. (Judging the
        nod by its glide as well would depend on the point the glide is measured at: a 20 deg
        nod about a point 17 mm above the head centre moves the centre 6 mm back.)
    lateral_deg : float
        Lateral flexion or rotation change beyond this: tilted or turned.
    """

    min_glide_mm: float = 10.0
    max_glide_mm: float = 35.0
    protraction_mm: float = 5.0
    downward_mm: float = 4.0
    extension_deg: float = 4.0
    nod_flexion_deg: float = 12.0
    lateral_deg: float = 5.0

    def target(self) -> list[tuple[float, float]]:
        """The region of (posterior, superior) mm that passes (with no angle fault), as a
        polygon for drawing: posterior ``min_glide_mm``..``max_glide_mm`` and superior at least
        −``downward_mm`` — the rule itself, not a prettier corridor."""
        lo, hi = self.min_glide_mm, self.max_glide_mm
        top = 0.6 * hi
        return [(lo, -self.downward_mm), (hi, -self.downward_mm), (hi, top), (lo, top)]


def classify(
    posterior_mm: float,
    superior_mm: float,
    d_angles: np.ndarray,
    crit: RetractionCriteria = RetractionCriteria(),
) -> list[str]:
    """Fault names of one rep, in the order they matter to people; [] for a correct rep.

    Parameters
    ----------
    posterior_mm, superior_mm : float
        Head-centre displacement at the kept position, mm.
    d_angles : array_like, shape (3,)
        Change of flexion, lateral flexion and rotation, deg.
    """
    flex, lat, rot = (float(v) for v in d_angles)
    faults = []
    if flex < -crit.extension_deg:
        faults.append("extension")
    if posterior_mm < -crit.protraction_mm:
        faults.append("protraction")
    if superior_mm < -crit.downward_mm:
        faults.append("downward")
    if flex > crit.nod_flexion_deg:
        faults.append("nod_only")
    if max(abs(lat), abs(rot)) > crit.lateral_deg:
        faults.append("lateral")
    if not faults and posterior_mm < crit.min_glide_mm:
        faults.append("too_small")
    return faults


@dataclass(frozen=True)
class RepFinding:
    """How reps are found in a set (not the pass rule).

    Attributes
    ----------
    on, off : float
        Activity (multiples of the noise floor) that starts a movement / keeps it going.
    bridge_s : float
        Shorter dips do not end a movement, s.
    min_move_s : float
        Shorter bursts are not movements, s.
    rest_avg_s : float
        The pose before a rep is the mean over this last part of the rest, s.
    edge_s : float
        A movement is integrated from this far inside the still phases around it, s.
    settle_s : float
        A station's pose after a movement is measured over its first part this long, s: a
        second of the kept position (people keep it 0.3-5 s), the mean over the plateau that
        the pose is; a shorter part holds more of the movement's slow end, which then reads as
        an error and is taken off the glide (docs/verification.md).
    min_excursion_mm, min_excursion_deg : float
        An excursion below both is a fidget, not a rep.
    returned_fraction : float
        A rep ends where the pose is back within this fraction of the excursion ..
    angle_error_deg, displacement_error_mm : float
        .. or within these (the measurement's own error over a rep).
    split_speed : float
        A movement is split where its angular and head-centre speeds both fall below this
        fraction of their peaks ..
    split_min_mm_s, split_min_deg_s : float
        .. counting only a speed whose peak exceeds these (mm/s, deg/s) ..
    split_min_s : float
        .. in a movement longer than one glide can last (0.6-2 s: docs/simulator.md), s.
    max_excursion_mm : float
        A head-centre excursion beyond this is an integration gone wrong, not a movement, mm.
    dip : float
        Activity below this fraction of the local peak counts as still (a brief stop).
    motion_frac, motion_margin_s : float
        A movement is measured from where its speed rose above this fraction of its peak
        to where it fell below it, widened by the margin (s); 0: between the floor's edges
        (:meth:`_SetView._edges`).
    margin_s : float
        Time searched beyond the set's window for its first and last rep's rests, s.
    carry_error_mm : float
        With a trunk board: how far the trunk's carry of the head centre between two
        stations may differ without a lean (:func:`_excursions`), mm: the breathing extends
        the thorax by up to ~0.4 deg either way and the trunk sways, up to ~0.8 deg (9 mm at
        the head) from one station to the next on the simulator; a station the trunk carried
        further than this (or than ``returned_fraction`` of the rep's carry) is no rest.
    carry_split_mm : float
        With a trunk board: a movement in which the trunk's carry went this far out and
        this far back is split where it turned (:func:`_carry_turn`), mm: 1.5 times the
        furthest the breathing carries the head centre (0.4 deg at 0.62 m, ~4 mm).
    max_move_gap_s : float
        A movement with a longer gap in its data (a reconnection, as
        :data:`~neckimu.orientation.MAX_GAP_S`) is not measured from the acceleration, whose
        course across the gap is unknown; the other movement of the rep stands for both, s.
    """

    on: float = 2.5
    off: float = 1.3
    bridge_s: float = 0.1
    min_move_s: float = 0.2
    rest_avg_s: float = 0.25
    edge_s: float = 0.15
    settle_s: float = 1.0
    min_excursion_mm: float = 3.0
    min_excursion_deg: float = 3.0
    returned_fraction: float = 0.5
    split_speed: float = 0.25
    split_min_s: float = 2.4
    max_excursion_mm: float = 60.0
    split_min_mm_s: float = 8.0
    split_min_deg_s: float = 3.0
    dip: float = 0.0
    motion_frac: float = 0.2
    motion_margin_s: float = 0.15
    angle_error_deg: float = 2.0
    displacement_error_mm: float = 8.0
    margin_s: float = 2.0
    carry_error_mm: float = 12.0
    carry_split_mm: float = 6.0
    max_move_gap_s: float = MAX_GAP_S


# -- the set, as stations and movements -------------------------------------------------------
@dataclass
class _Station:
    """A stretch of samples where the head keeps still (chunk indices ``[a, b)``)."""

    a: int
    b: int
    virtual: bool = False
    trunk_turn: bool = False  # virtual, where the trunk turned back (:func:`_carry_turn`)


class _Track(NamedTuple):
    """Where the head centre is over a set (:meth:`_SetView.track`).

    Attributes
    ----------
    poses : ndarray, shape (m, 3)
        Displacement of each station from the first, level frame, mm.
    t, path : ndarray, shapes (n,) and (n, 3)
        The path over the set, s and mm (constant through the real stations).
    spread_mm : ndarray, shape (m,)
        The error scale (:func:`~neckimu.translation.error_scale`) of the movement that ends
        at each station (from the station before it, real or a stop), mm; 0 for the first.
    """

    poses: np.ndarray
    t: np.ndarray
    path: np.ndarray
    spread_mm: np.ndarray

    def spread_between(self, i: int, j: int) -> float:
        """Error scale of the displacement from station ``i`` to ``j`` (``i < j``), mm: the
        movements it went through, as independent errors."""
        return float(np.sqrt(np.sum(self.spread_mm[i + 1 : j + 1] ** 2)))


class _SetView:
    """The samples of one set and the quantities derived from them (chunk indices)."""

    def __init__(self, ctx: Context, i0: int, i1: int, finding: RepFinding) -> None:
        self.ctx, self.i0, self.i1, self.finding = ctx, i0, i1, finding
        self.ts = ctx.ts
        s = ctx.samples
        self.t = s.t[i0:i1]
        self.gyr_raw = s.gyr[i0:i1]
        self.bias = ctx.bias[i0:i1]
        self.acc = s.acc[i0:i1]
        self.m_lh = ctx.head_in_level(i0, i1)  # head -> level (heading of the set's start)
        self.m_ls = self.m_lh @ ctx.sensor_to_head  # sensor -> level
        self.prior = SensorErrorPrior.for_recording(ctx.meta)
        sig = ctx.signals(i0, i1)
        self.floor = ctx.floor_before(float(s.t[i0]))
        self.activity = self.floor.activity(sig)
        self.speed = sig.speed_deg_s
        self._residuals: dict[tuple[int, int, int, int], TurnResidual] = {}
        self._edge_cache: dict[tuple, tuple[int, int]] = {}
        self._floor_moves: dict[tuple, tuple[np.ndarray, int]] = {}
        self._tracks: dict[tuple, _Track] = {}
        # with a trunk board: the trunk-fixed point at the head centre, carried by the trunk's
        # turn about the hips, level frame, mm (n, 3)
        self.carry: np.ndarray | None = None
        if ctx.trunk_rate is not None:
            self.carry = _trunk_carry(self.t, self.m_ls, ctx.trunk_rate[i0:i1])

    def carried(self, stations: list[_Station], first_s: float | None = None) -> np.ndarray | None:
        """How far the trunk carried the head centre at each station (mean over it, or over
        its first ``first_s`` only), level frame, mm (m, 3), from the trunk's rotation only
        (:func:`_trunk_carry`); None without a trunk board."""
        if self.carry is None:
            return None
        n = len(self.t) if first_s is None else max(1, round(first_s / self.ts))
        return np.array([self.carry[st.a : min(st.b, st.a + n)].mean(axis=0) for st in stations])

    def stations(self) -> list[_Station]:
        f = self.finding
        moves = moving_runs(
            self.activity,
            self.ts,
            on=f.on,
            off=f.off,
            bridge_s=f.bridge_s,
            min_s=f.min_move_s,
            dip=f.dip,
        )
        out, pos = [], 0
        for a, b in moves:
            if a > pos:
                out.append(_Station(pos, a))
            pos = b
        if pos < len(self.t):
            out.append(_Station(pos, len(self.t)))
        return out

    def head(
        self, st: _Station, *, last_s: float | None = None, first_s: float | None = None
    ) -> np.ndarray:
        """Mean head-to-level rotation over a station, or over its last ``last_s`` or first
        ``first_s`` only, (3, 3)."""
        a, b = st.a, st.b
        if last_s is not None:
            a = max(st.a, st.b - max(1, round(last_s / self.ts)))
        if first_s is not None:
            b = min(st.b, st.a + max(1, round(first_s / self.ts)))
        return Rotation.from_matrix(self.m_lh[a:b]).mean().as_matrix()

    def _windows_at(
        self, s1: _Station, s2: _Station, k1: int, k2: int
    ) -> tuple[int, int, slice, slice]:
        """Samples ``[a, b)`` of the movement ``s1`` -> ``s2`` integrated from ``k1`` to ``k2``
        and its two still windows: the last ``rest_avg_s`` up to ``k1`` and the first
        ``settle_s`` from ``k2``."""
        f, ts = self.finding, self.ts
        n_avg = max(1, round(f.rest_avg_s / ts))
        a = max(s1.a, k1 - n_avg)
        b = min(max(s2.b, k2 + 1), k2 + round(f.settle_s / ts))
        return a, b, slice(0, k1 - a), slice(k2 - a, b - a)

    def _floor_edges(self, s1: _Station, s2: _Station) -> tuple[int, int]:
        """Where the movement ``s1`` -> ``s2`` is integrated from and to, as the noise floor
        places it: ``edge_s`` inside the still phase before and after (at most half of each):
        a slow start or end of a glide hardly moves the activity, and the displacement it
        carries would otherwise be lost."""
        f, ts = self.finding, self.ts
        pre = min(round(f.edge_s / ts), (s1.b - s1.a) // 2)
        post = min(round(f.edge_s / ts), (s2.b - s2.a) // 2)
        return s1.b - pre, s2.a + post

    def _edges(
        self, s1: _Station, s2: _Station, measured: bool, stops: Sequence[int] = ()
    ) -> tuple[int, int]:
        """Where the movement ``s1`` -> ``s2`` is integrated from and to (chunk indices):
        for finding reps, the floor's edges (:meth:`_floor_edges`); for measuring them
        (``measured``), the movement's own.

        The noise floor places a movement's edges ~0.2 s out in the still phases (the
        low-pass and the jerk envelope spread it in time), and integrating those extra
        fractions of a second lets a residual acceleration move the result by millimetres.
        So each movement's own edges are found from its speed: the head centre's (a first
        integration between the floor's edges) and the head's angular speed, each over its
        peak; the movement starts where the speed first rose above ``motion_frac`` of the
        peak before its first rise above half of it, and ends where it last fell below that
        fraction, widened by ``motion_margin_s``; never outside the floor's edges. With
        ``stops`` (chunk indices of the moments the head stops inside the movement), the start
        is found on the part before the first stop and the end on the part after the last,
        each against its own peak: a return may be slower than the glide it follows.

        The rep finder keeps the floor's edges: its decisions (where a movement stops, whether
        the head came back) were made on them, and a finer measurement of the displacement
        is not a finer decision of which movements make a rep.
        """
        k1, k2 = self._floor_edges(s1, s2)
        f, ts = self.finding, self.ts
        if not measured or f.motion_frac <= 0 or k2 - k1 <= 2:
            return k1, k2
        key = (s1.a, s1.b, s2.a, s2.b, tuple(stops))
        if key in self._edge_cache:
            return self._edge_cache[key]
        # the first integration: the rep finder's, when it has made it (the set's track)
        if key in self._floor_moves:
            d, a = self._floor_moves[key]
        else:
            _, d, a, _ = self.displacement(s1, s2, stops)
        signals = self.movement_speeds(d, a, k1 - a, min(k2 - a, len(d)))
        n = len(signals[0][0])
        inner = [k - k1 for k in stops if k1 < k < k1 + n]
        first = slice(0, inner[0] if inner else n)
        last = slice(inner[-1] if inner else 0, n)
        m = round(f.motion_margin_s / ts)
        start = _rise(signals, first, f.motion_frac)
        end = _rise([(x[::-1], peak) for x, peak in signals], _flip(last, n), f.motion_frac)
        out = (
            k1 if start is None else max(k1, k1 + start - m),
            k2 if end is None else min(k2, k1 + n - 1 - end + m),
        )
        out = (out[0], max(out[1], out[0] + 1))
        self._edge_cache[key] = out
        return out

    def movement_speeds(
        self, d: np.ndarray, a: int, lo: int, hi: int
    ) -> list[tuple[np.ndarray, float]]:
        """The speeds a movement's edges and stops show in, samples ``lo:hi`` of its
        integration ``d`` (m, (n, 3), from chunk index ``a``): the head's angular speed
        (deg/s) and, while the integration stays under ``max_excursion_mm``, the head
        centre's (mm/s) — over a long movement the integration may have drifted far (a head
        does not go further than a few cm in a retraction), and then only the turn tells.
        Each with the least peak that counts (``split_min_deg_s``, ``split_min_mm_s``)."""
        f = self.finding
        v = np.linalg.norm(np.gradient(d[lo:hi], self.ts, axis=0), axis=1) * 1e3
        signals = [(self.speed[a + lo : a + lo + len(v)], f.split_min_deg_s)]
        if np.abs(d).max() * 1e3 < f.max_excursion_mm:
            signals.append((v, f.split_min_mm_s))
        return signals

    def _span(
        self, s1: _Station, s2: _Station, measured: bool, stops: Sequence[int] = ()
    ) -> tuple[int, int, int, int, slice, slice]:
        """The integration of the movement ``s1`` -> ``s2`` (edges: :meth:`_edges`): chunk
        indices ``[a_m, b_m)`` of its samples with the low-pass filter's support on both
        sides, ``[a, b)`` of the result, and the two still windows (indices into ``a_m:b_m``)."""
        a, b, still_1, still_2 = self._windows_at(s1, s2, *self._edges(s1, s2, measured, stops))
        m = round(FIR_HALF_S / self.ts)
        a_m, b_m = max(0, a - m), min(len(self.t), b + m)
        still_1 = slice(still_1.start + a - a_m, still_1.stop + a - a_m)
        still_2 = slice(still_2.start + a - a_m, still_2.stop + a - a_m)
        return a_m, b_m, a, b, still_1, still_2

    def turn_residual(self, s1: _Station, s2: _Station) -> TurnResidual:
        """What the movement ``s1`` -> ``s2`` tells about the accelerometer's bias (read
        between the floor's edges: the bias does not depend on where a movement's own edges
        are)."""
        key = (s1.a, s1.b, s2.a, s2.b)
        if key not in self._residuals:
            a_m, b_m, _, _, still_1, still_2 = self._span(s1, s2, False)
            k1 = a_m + still_1.stop - 1
            self._residuals[key] = turn_residual(
                self.t[a_m:b_m],
                self.acc[a_m:b_m],
                self.gyr_raw[a_m:b_m] - self.bias[k1],
                self.ts,
                still_1,
                still_2,
            )
        return self._residuals[key]

    def displacement(
        self,
        s1: _Station,
        s2: _Station,
        stops: Sequence[int] = (),
        acc_bias: np.ndarray | None = None,
        measured: bool = False,
    ) -> tuple[np.ndarray, np.ndarray, int, np.ndarray]:
        """Head-centre displacement over the movement from station ``s1`` to ``s2``, level
        frame, m.

        The integration runs from the last ``rest_avg_s`` of ``s1`` to the first ``settle_s``
        of ``s2``, with zero velocity at both ends: inside a station the head is still, so a
        long station adds no drift; nor at ``stops`` (chunk indices of the virtual stations in
        between). ``acc_bias`` (sensor frame, m/s²), when known, is taken off the accelerometer
        first. Returns the mean over the start of ``s2`` relative to the mean over the end of
        ``s1`` (3,), the trajectory on the same reference (n, 3), the chunk index of its
        first sample and its error scale (m, :func:`~neckimu.translation.error_scale`).
        ``measured``: between the movement's own edges (:meth:`_edges`). The error scale is
        one per part of the movement between its stops (m, ``len(stops) + 1``).
        """
        a_m, b_m, a, b, still_1, still_2 = self._span(s1, s2, measured, stops)
        k1 = a_m + still_1.stop - 1
        acc = self.acc[a_m:b_m] if acc_bias is None else self.acc[a_m:b_m] - acc_bias
        mv = head_centre_movement(
            # the bias as estimated when the movement starts, held: the filter's estimate may
            # wander while the head moves, and that wandering would tilt the integration
            self.t[a_m:b_m],
            acc,
            self.gyr_raw[a_m:b_m] - self.bias[k1],
            self.ts,
            still_1,
            still_2,
            self.m_ls[k1],
            self.m_lh[a_m:b_m],
            self.ctx.lever_arm_m,
            self.prior,
            [k - a_m for k in stops],
        )
        # only the windows and the movement between them are the result
        d = mv.d_m[a - a_m : b - a_m]
        still_1 = slice(still_1.start - (a - a_m), still_1.stop - (a - a_m))
        still_2 = slice(still_2.start - (a - a_m), still_2.stop - (a - a_m))
        d = d - d[still_1].mean(axis=0)
        return d[still_2].mean(axis=0), d, a, mv.spread_m

    def track(self, stations: list[_Station], measured: bool = False) -> _Track:
        """:meth:`_track`, computed once per list of stations (every rep's path reads it)."""
        key = (tuple((st.a, st.b, st.virtual) for st in stations), measured)
        if key not in self._tracks:
            out = self._track(stations, measured)
            for a in out:
                a.flags.writeable = False  # shared by every caller
            self._tracks[key] = out
        return self._tracks[key]

    def _track(self, stations: list[_Station], measured: bool) -> _Track:
        """Where the head centre is at every station, and its path over the whole set; each
        movement between the floor's edges (for finding reps) or its own (``measured``:
        :meth:`_edges`).

        Movements are integrated from one *real* station to the next only: a station found
        at a turning point (virtual) is a moment of zero velocity, but its acceleration is the
        largest of the movement, so it is no reference for gravity; but the velocity is zero
        there, which the integration through it uses (an acceleration error then grows the
        velocity only from one stop to the next), and its pose is read off that integration.

        Returns
        -------
        _Track
        """
        poses = np.zeros((len(stations), 3))
        spread = np.zeros(len(stations))
        real = [k for k, st in enumerate(stations) if not st.virtual]
        ts_out, ds_out = [], []
        seen: list[TurnResidual] = []
        for k1, k2 in itertools.pairwise(real):
            # the head stops at every virtual station in between: zero velocity there
            stops = _stops(stations, k1, k2)
            # the accelerometer's bias from this movement and every one before it (what a
            # live session knows by then, so both give one verdict)
            seen.append(self.turn_residual(stations[k1], stations[k2]))
            b = acc_bias_from_turns(seen, self.prior)
            end_m, d, a, spread_m = self.displacement(
                stations[k1], stations[k2], stops, b, measured
            )
            if not measured:
                key = (stations[k1].a, stations[k1].b, stations[k2].a, stations[k2].b)
                self._floor_moves[(*key, tuple(stops))] = (d, a)
            spread[k1 + 1 : k2 + 1] = spread_m * 1e3  # one per stop, then the last part
            d = poses[k1] + d * 1e3
            for v in range(k1 + 1, k2):
                st = stations[v]
                poses[v] = d[max(0, st.a - a) : max(1, st.b - a)].mean(axis=0)
            poses[k2] = poses[k1] + end_m * 1e3
            ts_out.append(self.t[a : a + len(d)])
            ds_out.append(d)
            nxt = stations[k2].b  # still until the next movement's integration starts
            ts_out.append(self.t[a + len(d) : nxt])
            ds_out.append(np.tile(poses[k2], (len(ts_out[-1]), 1)))
        if not ts_out:
            return _Track(poses, np.zeros(0), np.zeros((0, 3)), spread)
        t = np.concatenate(ts_out)
        path = np.concatenate(ds_out)
        # segments overlap at their ends (a movement measured between its own edges reaches
        # into the next one's): a sample is kept only after every one before it
        keep = np.concatenate([[True], t[1:] > np.maximum.accumulate(t)[:-1]])
        return _Track(poses, t[keep], path[keep], spread)


def _trunk_carry(t: np.ndarray, m_ls: np.ndarray, trunk_rate: np.ndarray) -> np.ndarray:
    """The trunk-fixed point at the head centre, carried by the trunk's turn about the hips
    (:data:`~neckimu.trunk.HIP_TO_HEAD_M` below it), from the first sample, level frame, mm.

    The trunk's angular velocity (head board frame, rad/s, (n, 3)) is turned into the level
    frame (``m_ls``: board -> level, (n, 3, 3)) and integrated to a rotation vector (the
    trunk turns by a few degrees in a set, where the small-angle sum is exact to a few
    hundredths of its size); the point moves by ``θ × (0, 0, HIP_TO_HEAD_M)``. No
    acceleration is integrated: a slow lean (~0.02 m/s²) is below that integration's error,
    but the trunk board's gyro sees it as clearly as a fast one.
    """
    if len(t) < 2:
        return np.zeros((len(t), 3))
    w = np.einsum("nij,nj->ni", m_ls, trunk_rate)
    theta = cumulative_trapezoid(w, t, axis=0, initial=0.0)
    return np.cross(theta, np.array([0.0, 0.0, HIP_TO_HEAD_M])) * 1e3


def _stops(stations: list[_Station], i: int, j: int) -> list[int]:
    """Chunk indices where the head stops between real stations ``i`` and ``j``: the middle
    of each virtual station between them."""
    return [(stations[v].a + stations[v].b) // 2 for v in range(i + 1, j)]


def _flip(part: slice, n: int) -> slice:
    """The slice ``part`` of ``n`` samples, counted from the end."""
    return slice(n - part.stop, n - part.start)


def _over_peak(signals: list[tuple[np.ndarray, float]], part: slice) -> np.ndarray | None:
    """The largest of the signals over their own peaks in ``part``, sample by sample; a signal
    whose peak is below its least (the second of each pair) does not count; None if none
    does."""
    parts = [
        x[part] / x[part].max() for x, least in signals if len(x[part]) and x[part].max() > least
    ]
    return np.max(parts, axis=0) if parts else None


def _rise(signals: list[tuple[np.ndarray, float]], part: slice, frac: float) -> int | None:
    """Where a movement starts in ``part`` of its signals: the sample after the last one below
    ``frac`` of the peak before the signals first reach half of it (each signal over its own
    peak in ``part``; a signal whose peak is below its minimum, the second of each pair, does
    not count), or None when no signal counts or none was below ``frac``."""
    p = _over_peak(signals, part)
    if p is None:
        return None
    half = int(np.flatnonzero(p >= 0.5)[0])
    below = np.flatnonzero(p[:half] < frac)
    return None if not len(below) else part.start + int(below[-1]) + 1


def _features(d_ang: np.ndarray, d_mm: np.ndarray) -> np.ndarray:
    """A pose change scaled so 3 deg and 8 mm weigh the same (``d_mm``: the rep finder's
    excursion, :func:`_excursions`)."""
    return np.concatenate([np.asarray(d_ang) / 3.0, np.asarray(d_mm) / 8.0])


def _excursions(
    view: _SetView, stations: list[_Station], poses: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """What the rep finder compares between stations, mm (m, 2 or 4): the head centre's
    posterior/superior pose (level frame) and, with a trunk board, beside it how far the
    trunk's turn carried the head centre (:meth:`_SetView.carried`), posterior/superior; the
    second array is the same with the carry over each station's first ``settle_s`` only (a
    station that ends a rep: live, its later samples are not final yet).

    A lean of the trunk with the gaze level hardly turns the head and moves it too slowly
    for the integrated acceleration to see: without the trunk's own evidence the finder
    would not see that excursion and would pair the rest with a later station. The two are
    kept apart (not added): where the integration does see the lean, it does not count twice
    against the integration's errors elsewhere.
    """
    out = poses[:, [0, 2]]
    carry = view.carried(stations)
    if carry is None:
        return out, out
    first = view.carried(stations, first_s=view.finding.settle_s)
    assert first is not None
    return (
        np.concatenate([out, carry[:, [0, 2]]], axis=1),
        np.concatenate([out, first[:, [0, 2]]], axis=1),
    )


def _angle_change(m_before: np.ndarray, m_after: np.ndarray) -> np.ndarray:
    """Flexion, lateral flexion and rotation of the head from one pose to another, deg (3,).

    The relative rotation is taken in the first pose's head frame, so the result does not
    depend on where the head was pointing.
    """
    return angles_from_matrices((m_before.T @ m_after)[None])[0]


@dataclass
class _Found:
    rest: _Station
    kept: _Station
    back: _Station
    glide_mm: np.ndarray
    return_mm: np.ndarray
    d_ang: np.ndarray
    spread_mm: tuple[float, float] = (1.0, 1.0)  # glide's and return's error scales


def _split_virtual(view: _SetView, stations: list[_Station]) -> list[_Station]:
    """Insert a station wherever a movement stops for a moment.

    Between a glide and its return the head may keep its position for only a fraction of a
    second, and the next rep may start almost at once after a return: the noise floor cannot
    tell such a stop from slow motion. Inside a movement, though, the head's velocity is known
    (integrated with zero velocity at the still phases on both sides), so a stop shows as a
    moment where the angular speed *and* the head-centre speed fall below ``split_speed`` of
    their peaks in that movement.
    """
    f, ts = view.finding, view.ts
    out = [stations[0]]
    edge = max(1, round(0.2 / ts))
    half = max(1, round(0.05 / ts))
    for s1, s2 in itertools.pairwise(stations):
        _, d, a, _ = view.displacement(s1, s2)
        lo, hi = max(0, s1.b - a), min(s2.a - a, len(d))
        if (hi - lo) * ts > f.split_min_s:
            ps = _over_peak(view.movement_speeds(d, a, lo, hi), slice(None))
            if ps is not None:
                for r0, r1 in true_runs(ps < f.split_speed):
                    if r0 < edge or r1 > len(ps) - edge:
                        continue  # the movement's own start or end
                    k = a + lo + r0 + int(np.argmin(ps[r0:r1]))
                    if k - half - out[-1].b >= edge:  # movements on both sides
                        out.append(_Station(k - half, k + half + 1, virtual=True))
        if view.carry is not None and not out[-1].virtual:
            k = _carry_turn(view.carry[s1.b : s2.a], f.carry_split_mm)
            if k is not None and edge <= k < s2.a - s1.b - edge:
                k += s1.b
                out.append(_Station(k - half, k + half + 1, virtual=True, trunk_turn=True))
        out.append(s2)
    return out


def _carry_turn(carry: np.ndarray, least_mm: float) -> int | None:
    """Where the trunk turned back inside one movement (``carry``: :func:`_trunk_carry` over
    it, mm (n, 3)): the sample where the carry is furthest from where the movement started,
    if it went at least ``least_mm`` out and came at least that far back; else None.

    A lean that the person reverses at once (a kept position of a fraction of a second) with
    the gaze level leaves the head's own speeds without a clear stop — the head hardly turns,
    and over a long movement the integrated head-centre speed has drifted — but the trunk's
    gyro shows the turn as clearly as a slow lean.
    """
    if len(carry) < 3:
        return None
    out = np.linalg.norm(carry - carry[0], axis=1)
    k = int(np.argmax(out))
    back = float(np.linalg.norm(carry[k] - carry[-1]))
    return k if min(float(out[k]), back) >= least_mm else None


def _last_at_rest(
    view: _SetView, stations: list[_Station], i: int, j: int, poses: np.ndarray
) -> int:
    """The last real station in ``i..j-1`` whose pose is within the fidget sizes
    (``min_excursion_mm``, ``min_excursion_deg``) of station ``i``'s: where the rep whose
    kept position is station ``j`` really starts (``poses``: :func:`_excursions`). With a
    trunk board the trunk's carry must be within ``carry_error_mm`` as well, not within the
    fidget size: breathing and sway alone turn the trunk that far between stations."""
    f = view.finding
    rest_head = view.head(stations[i], last_s=f.rest_avg_s)
    for r in range(j - 1, i, -1):
        st = stations[r]
        if st.virtual:
            continue
        d_ang = _angle_change(rest_head, view.head(st))
        d_mm = poses[r] - poses[i]
        if (
            np.abs(d_ang).max() < f.min_excursion_deg
            and float(np.linalg.norm(d_mm[:2])) < f.min_excursion_mm
            and float(np.linalg.norm(d_mm[2:])) < f.carry_error_mm
        ):
            return r
    return i


def find_reps(
    view: _SetView, crit: RetractionCriteria, final: int | None = None
) -> tuple[list[_Found], list[_Station]]:
    """Rest -> kept -> rest sequences of the set, and the stations they were found among.

    Parameters
    ----------
    view : _SetView
    crit : RetractionCriteria
    final : int, optional
        Chunk index up to which the data is final (live: the newest samples are not); the
        search stops before any decision that would need later data, so every rep it returns
        is the one the complete data gives. None: all of it is final.
    """
    f = view.finding
    n_final = len(view.t) if final is None else final
    stations = view.stations()
    if final is not None:  # the activity of the newest samples is not final yet
        stations = [st for st in stations if st.a < n_final]
    if len(stations) < 3:
        return [], stations
    stations = _split_virtual(view, stations)
    n_settle = round(f.settle_s / view.ts)

    def settled(st: _Station) -> bool:  # its pose after the movement is measured
        return final is None or st.a + n_settle <= n_final

    poses = view.track(stations).poses
    exc, exc_first = _excursions(view, stations, poses)

    def attempt(i: int, k: int, misread: bool = False) -> _Found | None:
        """The rep from rest station ``i`` back at station ``k``, if stations ``i..k`` make one
        (``misread``: station ``k`` is known to be a rest, and the displacement's return is
        not asked for)."""
        rest_head = view.head(stations[i], last_s=f.rest_avg_s)
        pos = exc[i + 1 : k + 1] - exc[i]  # stations i+1..k relative to i, mm
        pos[-1] = exc_first[k] - exc[i]  # station k: as far as it is final
        sizes = [
            np.linalg.norm(
                _features(_angle_change(rest_head, view.head(stations[j])), pos[j - i - 1])
            )
            for j in range(i + 1, k)
        ]
        j = i + 1 + int(np.argmax(sizes))
        d_ang = _angle_change(rest_head, view.head(stations[j]))
        d_mm = pos[j - i - 1]
        big = (
            float(np.linalg.norm(d_mm)) >= f.min_excursion_mm
            or np.abs(d_ang).max() >= f.min_excursion_deg
        )
        # back where it started: the angles (measured to a few tenths of a degree) within
        # half the excursion or their error; the displacement (a few mm per movement) too,
        # or at least a return against the glide
        back_ang = float(
            np.linalg.norm(_angle_change(rest_head, view.head(stations[k], first_s=f.settle_s)))
        )
        glide_mm = float(np.linalg.norm(d_mm[:2]))  # the head centre's pose
        back_mm = float(np.linalg.norm(pos[-1][:2]))
        back_step = pos[-1][:2] - d_mm[:2]
        opposed = (
            float(back_step @ d_mm[:2]) < 0.0 and float(np.linalg.norm(back_step)) >= 0.3 * glide_mm
        )
        ang_back = back_ang <= max(
            f.returned_fraction * float(np.linalg.norm(d_ang)), f.angle_error_deg
        )
        disp_back = misread or (
            back_mm <= max(f.returned_fraction * glide_mm, f.displacement_error_mm) or opposed
        )
        # a clear turn of the head that came back settles it: the angles are measured far
        # better than the displacement
        came_back = disp_back or np.abs(d_ang).max() >= f.min_excursion_deg
        if view.carry is not None:
            # with a trunk board the trunk's carry (its rotation, no integration) must have
            # come back as well: a station the trunk leaned to is no rest; and a lean that
            # came back settles it as a turn does (a clear one, or one the trunk turned back
            # from inside a movement)
            carry_out = float(np.linalg.norm(d_mm[2:]))
            carry_back = float(np.linalg.norm(pos[-1][2:])) <= max(
                f.returned_fraction * carry_out, f.carry_error_mm
            )
            came_back = carry_back and (
                came_back or carry_out >= f.carry_error_mm or stations[j].trunk_turn
            )
        if not (big and ang_back and came_back):
            return None
        # a small excursion that came back before the glide (a too-small attempt, a fidget)
        # is not part of this rep: it starts from the last station before the kept one that
        # is still at the rest pose
        r = _last_at_rest(view, stations, i, j, exc)
        if r != i:
            rest_head = view.head(stations[r], last_s=f.rest_avg_s)
            d_ang = _angle_change(rest_head, view.head(stations[j]))
        return _Found(
            stations[r], stations[j], stations[k], poses[j] - poses[r], poses[k] - poses[j], d_ang
        )

    def first(i: int, last: int) -> tuple[_Found | None, bool]:
        """The rep from rest station ``i`` that comes back soonest, back at station ``last``
        at the latest, and whether later data may still complete one (live)."""
        for k in range(i + 2, min(i + 6, last + 1)):
            if k >= len(stations) or not settled(stations[k]):
                return None, final is not None
            fd = attempt(i, k)
            if fd is not None:
                return fd, False
        return None, False

    found: list[_Found] = []
    i = 0
    while i + 2 < len(stations):
        best, pending = first(i, len(stations))
        if pending:
            break
        if best is None:
            i += 1
            continue
        # a whole rep between the rest and the kept station (its glide badly integrated, or
        # its kept position too short to be a station) makes this one two reps merged: the
        # search goes on from the next rest
        kept = stations.index(best.kept)
        if any(first(r, kept)[0] is not None for r in range(i + 1, kept - 1)):
            i += 1
            continue
        # the head stopped at two stations or more on its way from the rest to the kept
        # position (a glide is one movement, with a pause at most): if it is also a rep from
        # a later one, the earlier stations were another rep whose return the integration
        # misread, and this one starts at the later rest
        back = stations.index(best.back)
        for m in range(kept - 1, stations.index(best.rest) + 1, -1):
            later = None if stations[m].virtual else attempt(m, back)
            if later is not None and later.kept is best.kept:
                # the rep before it, its return misread, ends at that rest
                earlier = attempt(stations.index(best.rest), m, misread=True)
                if earlier is not None:
                    found.append(earlier)
                best = later
                break
        found.append(best)
        i = back
    if found:  # found on the floor's edges, measured on the movements' own
        track = view.track(stations, measured=True)
        at = {id(st): k for k, st in enumerate(stations)}
        for fd in found:
            r, j, k = at[id(fd.rest)], at[id(fd.kept)], at[id(fd.back)]
            fd.glide_mm = track.poses[j] - track.poses[r]
            fd.return_mm = track.poses[k] - track.poses[j]
            fd.spread_mm = (track.spread_between(r, j), track.spread_between(j, k))
    return found, stations


def verify_retraction_set(
    ctx: Context,
    w: Window,
    *,
    first_index: int = 1,
    crit: RetractionCriteria = RetractionCriteria(),
    finding: RepFinding = RepFinding(),
) -> list[RetractionRep]:
    """Find and judge every rep inside one ``retraction`` window."""
    i0, i1 = ctx.index(
        w.start_s - finding.margin_s, min(w.end_s + finding.margin_s, ctx.t_end + 1e-9)
    )
    if i1 - i0 < round(3.0 / ctx.ts):
        return []
    view = _SetView(ctx, i0, i1, finding)
    final = None
    if w.end_s + finding.margin_s > ctx.t_end:  # live, set under way: the newest data is not final
        final = int(np.searchsorted(view.t, ctx.t_end - SUPPORT_S))
    reps: list[RetractionRep] = []
    t = view.t
    found, stations = find_reps(view, crit, final)
    for fd in found:
        start, end = float(t[fd.rest.b]), float(t[max(fd.back.a - 1, 0)])
        if not (w.start_s - 1.0 <= start <= w.end_s):
            continue
        d, gap_note, missing, spread = _excursion(view, fd)
        rep = {"exercise": "retraction", "index": first_index + len(reps), "of": 0}
        rep.update(start_s=start, end_s=end)
        if missing is not None:
            reps.append(RetractionRep(**rep, faults=("incomplete",), incomplete=missing))
            continue
        post, sup, lat = -d[0], d[2], d[1]
        faults = classify(post, sup, fd.d_ang, crit)
        path_t, path = _path(view, fd, stations, d)
        sat = ctx.saturated_in(i0 + fd.rest.a, i0 + fd.back.b)
        notes = [n for n in (f"{sat} saturated samples" if sat else None, gap_note) if n]
        reps.append(
            RetractionRep(
                **rep,
                faults=tuple(faults),
                posterior_mm=float(post),
                superior_mm=float(sup),
                lateral_mm=float(lat),
                flexion_deg=float(fd.d_ang[0]),
                lateral_deg=float(fd.d_ang[1]),
                rotation_deg=float(fd.d_ang[2]),
                kept_s=(float(t[fd.kept.a]), float(t[fd.kept.b - 1])),
                path_t_s=path_t,
                path_posterior_mm=-path[:, 0],
                path_superior_mm=path[:, 2],
                low_confidence="; ".join(notes) or None,
                moves_s=_moves(view, fd, stations),
                spread_mm=spread,
            )
        )
    return [_with_count(r, len(reps)) for r in reps]


def _excursion(
    view: _SetView, fd: _Found
) -> tuple[np.ndarray, str | None, str | None, float | None]:
    """The judged head-centre excursion of a rep (level frame, mm, (3,)), a note on its
    confidence, when the data cannot judge it, why, and its error scale (mm, None then).

    Glide and return are two measurements of the same excursion: their average (the return's
    sign flipped) halves the integration noise, each weighted by the inverse square of its
    error scale (:func:`~neckimu.translation.error_scale`): a movement whose still phase was
    not still (a slow start or end inside the station the noise floor found) needed a large
    velocity correction, and is off by about as much; the average's scale is
    ``1 / sqrt(sum of the weights)``. A movement with a gap longer than ``max_move_gap_s`` in
    its data is not measured: the other one stands for both; with both broken the rep is
    incomplete.
    """
    t = view.t

    def gap(a: int, b: int) -> float:  # longest interval between samples a-1 .. b
        dt = np.diff(t[max(a - 1, 0) : min(b + 1, len(t))])
        return float(dt.max()) if len(dt) else 0.0

    g_out, g_back = gap(fd.rest.b, fd.kept.a), gap(fd.kept.b, fd.back.a)
    limit = view.finding.max_move_gap_s
    if g_out <= limit and g_back <= limit:
        d, spread = weighted_by_scale([fd.glide_mm, -fd.return_mm], fd.spread_mm)
        return d, None, None, spread
    if g_back <= limit:  # the glide has the gap: the return measures the excursion
        note = f"{g_out:.2f} s of data missing in the glide"
        return -fd.return_mm, note, None, float(fd.spread_mm[1])
    if g_out <= limit:
        note = f"{g_back:.2f} s of data missing in the return"
        return fd.glide_mm, note, None, float(fd.spread_mm[0])
    missing = f"{min(g_out, g_back):.1f} s of data are missing in both movements"
    return np.zeros(3), None, missing, None


def _moves(
    view: _SetView, fd: _Found, stations: list[_Station]
) -> tuple[tuple[float, float] | None, tuple[float, float] | None]:
    """Where a rep's glide and return were integrated from and to, s (None: a movement not
    integrated on its own — its kept position a turning point, or another real station
    between its ends)."""
    t, out = view.t, []
    at = {id(st): k for k, st in enumerate(stations)}
    for s1, s2 in ((fd.rest, fd.kept), (fd.kept, fd.back)):
        i, j = at[id(s1)], at[id(s2)]
        if s1.virtual or s2.virtual or any(not st.virtual for st in stations[i + 1 : j]):
            out.append(None)
        else:
            stops = _stops(stations, i, j)
            k1, k2 = view._edges(s1, s2, True, stops)
            out.append((float(t[k1]), float(t[k2])))
    return out[0], out[1]


def _path(
    view: _SetView, fd: _Found, stations: list[_Station], judged_mm: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The head centre's path over a rep, mm (level frame), every ~50 ms.

    The set's integrated path (:meth:`_SetView.track`) from the rest before to the rest after,
    corrected in proportion to the way out (and back) so that its kept part lands on the judged
    displacement (glide and return weighted, :func:`_excursion`): the drawn path and the judged
    dot are one computation.
    """
    poses, t_all, d_all, _ = view.track(stations, measured=True)
    t0, t1 = view.t[max(fd.rest.a, fd.rest.b - 1)], view.t[min(fd.back.b, fd.back.a + 1) - 1]
    sel = (t_all >= t0) & (t_all <= t1)
    t = t_all[sel]
    d = d_all[sel] - poses[stations.index(fd.rest)]
    if not len(t):
        return np.zeros(0), np.zeros((0, 3))
    kept_at = int(np.searchsorted(t, view.t[fd.kept.a]))
    kept_end = int(np.searchsorted(t, view.t[fd.kept.b - 1]))
    out_ramp = np.clip(np.arange(len(d)) / max(1, kept_at), 0.0, 1.0)
    back_ramp = np.clip((len(d) - 1 - np.arange(len(d))) / max(1, len(d) - 1 - kept_end), 0.0, 1.0)
    kept = d[kept_at : max(kept_end, kept_at) + 1].mean(axis=0)
    d = d + np.outer(np.minimum(out_ramp, back_ramp), judged_mm - kept)
    step = max(1, round(0.05 / view.ts))
    return t[::step], d[::step]


def _with_count(rep: RetractionRep, n: int) -> RetractionRep:
    return replace(rep, of=n)


#: How far past a rep's return the data must reach before the rep is final, s.
FINAL_AFTER_S = SUPPORT_S + 0.5
