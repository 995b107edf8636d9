"""The simulated headset's device clock: paced by the event loop (``speed`` times real time),
held at cue gates and while the receiver is behind, or following another board's clock.

:class:`HeadsetClock` is a mixin of :class:`~neckimu.ble.simulated_headset.SimulatedHeadset`,
which provides ``stream``, ``speed``, ``faults`` and ``streaming`` and calls
:meth:`HeadsetClock._init_clock` from its constructor.
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
from collections.abc import Callable, Sequence

import numpy as np

from neckimu.ble.headset_faults import Faults
from neckimu.sim.device import DeviceStream


class HeadsetClock:
    """The device clock of a simulated headset (stream µs), and its cue gates."""

    stream: DeviceStream
    speed: float
    faults: Faults
    streaming: bool

    def _init_clock(self) -> None:
        """The clock's state: not started, no gates, not held, no leader."""
        # the device clock (stream µs), advanced by the loop clock; None before it started
        self._vnow: float | None = None
        self._vlast = 0.0
        # cue gates (device µs, id), in time order: the clock does not pass the first one
        self._gates: list[tuple[int, int]] = []
        self._gate_ids = itertools.count()
        #: receiver lag check: while it returns True the device clock is held
        self.backpressure: Callable[[], bool] | None = None
        #: host seconds the device clock was held (the playback slowed down by this much)
        self.held_s = 0.0
        self.started_at: float | None = None  #: loop time of the first *start* (clock runs)
        #: a second board worn by the same person: its clock follows this leader's (see
        #: :meth:`follow`); None for a board on its own clock
        self.leader: HeadsetClock | None = None
        self._lead_map = (0.0, 1.0)  # own device µs = a + b * leader device µs
        #: while it returns False the clock does not start (another board is not streaming yet)
        self.start_gate: Callable[[], bool] | None = None

    def follow(self, leader: HeadsetClock, offset_us: float, ratio: float) -> None:
        """Run this board's clock from ``leader``'s: both boards measure one person at one
        instant, so a hold of the leader's clock (a cue gate, backpressure) holds both.

        Parameters
        ----------
        leader : HeadsetClock
            The head board.
        offset_us, ratio : float
            This board's device time (stream µs) = ``offset_us + ratio * leader's``: the two
            crystals' offset and rate ratio (``ratio - 1`` is the drift between them).
        """
        self.leader = leader
        self._lead_map = (float(offset_us), float(ratio))

    def _device_now(self) -> int:
        """Device time now, in the stream's µs (the wire carries it less the reboot base).

        It advances with the loop clock times ``speed``, but stops at a cue's gate
        (:meth:`wait_until`) and while :attr:`backpressure` holds; the time it stood still
        is added to :attr:`held_s`.
        """
        now = asyncio.get_running_loop().time()
        if self.leader is not None:
            return self._follower_now(now)
        if self._vnow is None or self.started_at is None:
            # the session begins when the client first starts streaming, not before: the
            # clock waits just before the first sample
            self._vnow, self._vlast = float(self.stream.t_us[0]) - 1.0, now
            if self.streaming and (self.start_gate is None or self.start_gate()):
                self.started_at = now
            return int(self._vnow)
        rate = 1e6 * self.speed * (1 + self.faults.drift_ppm * 1e-6)
        new = self._vnow + (now - self._vlast) * rate
        self._vlast = now
        cap = float(self._gates[0][0]) if self._gates else np.inf
        if self.backpressure is not None and new > self._vnow and self.backpressure():
            cap = min(cap, self._vnow)
        if new > cap:
            self.held_s += (new - max(cap, self._vnow)) / rate
            new = max(cap, self._vnow)
        self._vnow = new
        return int(new)

    def _follower_now(self, now: float) -> int:
        """Device time of a board that follows :attr:`leader` (never backwards)."""
        lead = self.leader
        assert lead is not None
        first = float(self.stream.t_us[0]) - 1.0
        lead_now = lead._device_now()
        if lead.started_at is None:
            self._vnow = first
            return int(first)
        a, b = self._lead_map
        self._vnow = max(self._vnow if self._vnow is not None else first, a + b * lead_now)
        if self.started_at is None and self.streaming:
            self.started_at = now
        return int(self._vnow)

    @property
    def played_s(self) -> float:
        """Device time played so far, s (from the stream's first sample)."""
        if self._vnow is None:
            return 0.0
        return max(0.0, (self._vnow - float(self.stream.t_us[0])) * 1e-6)

    def arm(self, times_s: Sequence[float]) -> list[int]:
        """Cue gates: the device clock stops at each of ``times_s`` (s after the stream's
        first sample) until a *mark event* arrives (or :meth:`release`), so a simulated
        person's cue happens at that instant however long the host takes to send it.

        Returns
        -------
        list of int
            One gate id per time, in the order given.
        """
        ids = []
        for t_s in times_s:
            gate = (int(self.stream.t_us[0]) + round(t_s * 1e6), next(self._gate_ids))
            bisect.insort(self._gates, gate)
            ids.append(gate[1])
        return ids

    async def reach(self, gate: int) -> None:
        """Return once the device clock stands at ``gate`` (an id from :meth:`arm`)."""
        t_us = next((t for t, g in self._gates if g == gate), None)
        while t_us is not None and self._device_now() < t_us:
            await asyncio.sleep(0.002)

    def release(self, gate: int | None = None) -> None:
        """Remove ``gate`` (every gate for None) if it is still there."""
        self._gates = [] if gate is None else [x for x in self._gates if x[1] != gate]
