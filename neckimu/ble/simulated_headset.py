"""The simulated headset: a bumble GATT peripheral that speaks docs/wire-format.md.

It plays a :class:`~neckimu.sim.device.DeviceStream` (raw counts + device µs) as the sensor,
paced by the event loop's clock (``speed`` times real time), and behaves as the firmware
does: the client must subscribe and write *start*; packets are sized to the negotiated MTU
and the 40 ms rule; the magnetometer rides in the next IMU packet or goes alone; *mark event*
answers with an event packet stamped with device time.

:class:`~neckimu.ble.headset_faults.Faults` injects what a real link does to a stream: forced
disconnects, dropped notifications (``seq`` still advances), malformed packets, a stalled link
and clock drift.
It also reboots (the device clock and ``seq`` restart, the link drops) and sends a
well-formed packet with an implausible time. What it actually sent is logged
(:attr:`SimulatedHeadset.sent_seq`), so tests can check that everything sent while connected
reached the recording; the log keeps runs of stream indices (:class:`IndexRuns`), so its
memory grows with the interruptions of a stream, not with its length (an 8-hour desk session
streams 720 000 notifications).

Playback is paced by the loop clock, but the device clock may be *held* (the playback slows
down, nothing is lost): at a cue time until the cue's *mark event* arrived
(:meth:`SimulatedHeadset.arm`), and while :attr:`SimulatedHeadset.backpressure` says
the receiver is behind. :attr:`SimulatedHeadset.held_s` says by how much.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import numpy as np
from bumble.core import UUID, AdvertisingData
from bumble.device import AdvertisingEventProperties, AdvertisingParameters, Connection, Device
from bumble.gatt import Characteristic, CharacteristicValue, Service

from neckimu import wire
from neckimu.ble.headset_clock import HeadsetClock
from neckimu.ble.headset_faults import Faults, malformed_variant
from neckimu.errors import WireError
from neckimu.sim.device import DeviceStream

log = logging.getLogger(__name__)


class IndexRuns:
    """Stream indices in the order they were logged, kept as ``[start, stop)`` runs: a run
    that continues the last one extends it, so a stream played without interruption is one
    run, whatever its length.
    """

    def __init__(self) -> None:
        self._runs: list[list[int]] = []  # [start, stop) of each run, in logging order
        self._n = 0

    def add(self, start: int, stop: int) -> None:
        """Log indices ``start .. stop - 1``."""
        if stop <= start:
            return
        runs = self._runs
        if runs and runs[-1][1] == start:
            runs[-1][1] = stop
        else:
            runs.append([start, stop])
        self._n += stop - start

    def runs(self) -> list[tuple[int, int]]:
        """The ``[start, stop)`` runs, in logging order."""
        return [(a, b) for a, b in self._runs]

    def indices(self) -> np.ndarray:
        """Every logged index in order, shape (len(self),), int64."""
        if not self._runs:
            return np.zeros(0, np.int64)
        return np.concatenate([np.arange(a, b, dtype=np.int64) for a, b in self._runs])

    def __len__(self) -> int:
        return self._n


class SimulatedHeadset(HeadsetClock):
    """A neckimu headset on a bumble :class:`~bumble.device.Device`.

    Parameters
    ----------
    device : bumble.device.Device
        The peripheral's device (its controller on the virtual link); not yet powered on.
    stream : DeviceStream
        What the sensors produce, played from its first sample.
    speed : float
        Playback speed against the event loop clock (1 = real time).
    faults : Faults
        Fault injection.
    firmware : tuple of int
        Version reported in the info characteristic.
    """

    def __init__(
        self,
        device: Device,
        stream: DeviceStream,
        *,
        speed: float = 1.0,
        faults: Faults | None = None,
        firmware: tuple[int, int, int] = (1, 0, 0),
    ) -> None:
        self.device = device
        self.stream = stream
        self.speed = float(speed)
        self.faults = faults or Faults()
        self.mag_rate_hz = _mag_rate(stream)
        self.info = wire.Info(
            board=stream.board,
            firmware=firmware,
            imu_rate_hz=float(stream.nominal_rate_hz),
            mag_rate_hz=self.mag_rate_hz,
            gyro_range_dps=int(stream.gyro_range_dps),
            acc_range_g=int(stream.acc_range_g),
            mag_range_ut=int(stream.mag_range_ut),
            gyr_scale=stream.gyr_scale,
            acc_scale=stream.acc_scale,
            mag_scale=stream.mag_scale,
        )
        address = str(device.random_address).replace(":", "")
        self.name = wire.NAME_PREFIX + address[-4:].upper()
        self.mag_enabled = len(stream.mag) > 0
        self.role = "head"  #: where the board is worn (the role command sets it)
        self.streaming = False
        self.connection: Connection | None = None
        # what went to the radio while connected / what was dropped (stream indices)
        self.sent_imu = IndexRuns()
        self.sent_mag = IndexRuns()
        self.dropped_imu = IndexRuns()
        self.malformed_sent = 0
        self.corrupt_sent = 0  #: well-formed packets with an implausible time
        self.reboots = 0
        self.events_sent: list[tuple[int, int]] = []  # (device µs, code)
        self.controls: list[wire.Control] = []
        self.disconnects = 0
        self.packets_sent = 0
        self.link_sent = 0  #: packets notified on the current link
        self.finished = asyncio.Event()
        self._i = 0  # next IMU sample the sensor produces (stream index)
        self._j = 0  # next mag sample
        self._buf_start = 0  # first buffered IMU sample (stream index)
        self._session_start = 0  # first sample after the last start
        self._mag_buf: list[int] = []
        self._seq_base = 0
        self._outbox: list[bytes] = []
        self._pending_disconnects = sorted(self.faults.disconnect_at_s)
        self._pending_reboots = sorted(self.faults.reboot_at_s)
        self._pending_future = sorted(self.faults.future_packet_at_s)
        self._data_count = 0
        self._task: asyncio.Task | None = None
        self._init_clock()
        #: whether what was notified has arrived: a scheduled disconnect or reboot waits for it
        self.link_idle: Callable[[], bool] | None = None
        self._clock_base_us = 0  # stream µs at which the device's micros() was 0 (reboots)
        self._boot_until_us: int | None = None
        self._start_pending = False
        self._build_gatt()

    # -- GATT --------------------------------------------------------------------------------
    def _build_gatt(self) -> None:
        self.data_char = Characteristic(
            wire.DATA_UUID, Characteristic.Properties.NOTIFY, Characteristic.READABLE, b""
        )
        self.control_char = Characteristic(
            wire.CONTROL_UUID,
            Characteristic.Properties.WRITE,
            Characteristic.WRITEABLE,
            CharacteristicValue(write=self._on_control),
        )
        self.info_char = Characteristic(
            wire.INFO_UUID,
            Characteristic.Properties.READ,
            Characteristic.READABLE,
            CharacteristicValue(read=lambda _conn: wire.encode_info(self._current_info())),
        )
        self.device.add_service(
            Service(wire.SERVICE_UUID, [self.data_char, self.control_char, self.info_char])
        )
        self.device.on("connection", self._on_connection)

    def _current_info(self) -> wire.Info:
        from dataclasses import replace

        return replace(
            self.info,
            role=self.role,
            streaming=self.streaming,
            mag_rate_hz=self.mag_rate_hz if self.mag_enabled else 0.0,
        )

    def advertising_data(self) -> bytes:
        """Flags, the service UUID and the local name ``neckimu-XXXX``."""
        return bytes(
            AdvertisingData(
                [
                    (AdvertisingData.FLAGS, bytes([0x06])),
                    (
                        AdvertisingData.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS,
                        bytes(UUID(wire.SERVICE_UUID)),
                    ),
                    (AdvertisingData.COMPLETE_LOCAL_NAME, self.name.encode()),
                ]
            )
        )

    async def start(self) -> None:
        """Power on, advertise (again after every disconnect) and start the sensor clock."""
        await self.device.power_on()
        # extended advertising: flags + 128-bit UUID + name is 35 bytes, over the legacy 31
        # (ArduinoBLE puts the name in the scan response, which bumble's virtual controller
        # does not emulate)
        params = AdvertisingParameters(
            advertising_event_properties=AdvertisingEventProperties(
                is_connectable=True, is_legacy=False
            ),
            primary_advertising_interval_min=20,
            primary_advertising_interval_max=20,
        )
        await self.device.create_advertising_set(
            advertising_parameters=params,
            advertising_data=self.advertising_data(),
            auto_restart=True,
        )
        self._task = asyncio.create_task(self._run(), name=f"{self.name} sensor")

    async def stop(self) -> None:
        """Stop the sensor clock and drop the link."""
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
        if self.connection is not None:
            try:
                await self.connection.disconnect()
            except Exception:
                pass

    def _on_connection(self, connection: Connection) -> None:
        self.connection = connection
        self.link_sent = 0
        connection.on("disconnection", lambda _reason: self._on_disconnection(connection))

    def _on_disconnection(self, connection: Connection) -> None:
        if self.connection is connection:
            self.connection = None
        self.streaming = False  # firmware: stop notifying, discard the buffer
        self._start_pending = False
        self._outbox.clear()

    def _on_control(self, _connection: Connection, value: bytes) -> None:
        try:
            ctl = wire.decode_control(value)
        except WireError:
            return  # firmware ignores a bad command
        self.controls.append(ctl)
        if ctl.opcode == wire.OP_START:
            if self._boot_until_us is not None:
                self._start_pending = True  # still booting: starts when the sensor runs
            else:
                self._start()
        elif ctl.opcode == wire.OP_STOP:
            self.streaming = False
            self._start_pending = False
        elif ctl.opcode == wire.OP_SET_MAG:
            self.mag_enabled = bool(ctl.args[0]) and len(self.stream.mag) > 0
        elif ctl.opcode == wire.OP_SET_ROLE and ctl.args[0] in wire.ROLES:
            self.role = wire.ROLES[ctl.args[0]]  # kept across reconnects, as the firmware
        elif ctl.opcode == wire.OP_MARK_EVENT and self._boot_until_us is None:
            now = self._device_now()
            if self._gates and now >= self._gates[0][0]:
                self._gates.pop(0)  # the cue the clock waited for has arrived: run on
            self.events_sent.append((now, ctl.args[0]))
            self._outbox.append(
                wire.encode_event_packet(self._next_seq(), now - self._clock_base_us, ctl.args[0])
            )
        # set rate / set ranges: a played stream has one rate and one range, as a Rev1 board

    def _start(self) -> None:
        self._buf_start = self._session_start = self._i
        self._mag_buf.clear()
        seqs = self.stream.seq
        self._seq_base = int(seqs[self._i]) if self._i < len(seqs) else 0
        self.streaming = True

    @property
    def sent_seq(self) -> list[np.ndarray]:
        """The stream ``seq`` values sent while connected, one array per run (built now)."""
        return [self.stream.seq[a:b] for a, b in self.sent_imu.runs()]

    @property
    def dropped_seq(self) -> list[np.ndarray]:
        """The stream ``seq`` values of dropped notifications, one array per run (built now)."""
        return [self.stream.seq[a:b] for a, b in self.dropped_imu.runs()]

    @property
    def sent_mag_idx(self) -> list[int]:
        """Stream indices of the magnetometer records sent while connected (built now)."""
        return self.sent_mag.indices().tolist()

    @property
    def booting(self) -> bool:
        """Whether the board is rebooting (its sensor not running yet)."""
        return self._boot_until_us is not None

    @property
    def pending(self) -> int:
        """Packets made but not yet notified (an event packet waits for the next tick)."""
        return len(self._outbox)

    def _next_seq(self) -> int:
        if self._buf_start < len(self.stream.seq):
            return int(self.stream.seq[self._buf_start]) - self._seq_base
        return int(self.stream.seq[-1]) + 1 - self._seq_base

    def _mtu(self) -> int:
        return self.connection.att_mtu if self.connection is not None else wire.DEFAULT_MTU

    async def _run(self) -> None:
        """Produce samples on the device clock and send them, until :meth:`stop`.

        :attr:`finished` is set once the last sample of the stream was sent (or discarded,
        when not streaming); the headset goes on answering *mark event* after that.
        """
        s = self.stream
        n_total = len(s.t_us)
        tick = 0.004
        while True:
            now = self._device_now()
            t_rel_s = (now - int(s.t_us[0])) * 1e-6
            while self._pending_disconnects and t_rel_s >= self._pending_disconnects[0]:
                self._pending_disconnects.pop(0)
                if self.connection is not None:
                    self.disconnects += 1
                    await self._send_ready(final=True)  # what is due goes out first
                    await self._until_idle()
                    if self.connection is not None:
                        await self.connection.disconnect()
            while self._pending_reboots and t_rel_s >= self._pending_reboots[0]:
                self._pending_reboots.pop(0)
                await self._reboot(now)
            if self._boot_until_us is not None and now >= self._boot_until_us:
                self._boot_until_us = None  # the sensor runs again
                if self._start_pending and self.connection is not None:
                    self._start_pending = False
                    self._start()
            i_new = int(np.searchsorted(s.t_us, now, side="right"))
            j_new = int(np.searchsorted(s.mag_t_us, now, side="right"))
            if not self.streaming:
                self._buf_start = i_new
                self._mag_buf.clear()
            elif self.mag_enabled:
                self._mag_buf.extend(range(self._j, j_new))
            self._i, self._j = i_new, j_new
            if self.streaming:
                await self._send_ready(final=self._i >= n_total)
            # one at a time, leaving the queue once sent (the firmware's commit_packet): a
            # *mark event* written while the radio carries a packet is queued meanwhile and
            # goes next, and a packet on its way still counts as pending
            while self._outbox:
                pkt = self._outbox[0]
                await self._notify(pkt)
                if self._outbox and self._outbox[0] is pkt:  # (a disconnect cleared it)
                    self._outbox.pop(0)
            if self._i >= n_total and self._buf_start >= n_total and not self._mag_buf:
                self.finished.set()
            await asyncio.sleep(tick)

    async def _reboot(self, now: int) -> None:
        """Power cycle: the link drops, the buffer is lost, ``micros()`` restarts at 0."""
        self.reboots += 1
        self.streaming = False
        self._start_pending = False
        self._outbox.clear()
        self._mag_buf.clear()
        self._boot_until_us = now + round(self.faults.boot_s * 1e6)
        self._clock_base_us = now
        await self._until_idle()  # the fault strikes after what was sent went over the air
        if self.connection is not None:
            await self.connection.disconnect()

    async def _until_idle(self, max_polls: int = 1000) -> None:
        """Wait (a bounded number of loop polls) until :attr:`link_idle` says so."""
        for _ in range(max_polls):
            if self.link_idle is None or self.connection is None or self.link_idle():
                return
            await asyncio.sleep(0.002)

    def _stalled(self, t_rel_s: float) -> bool:
        f = self.faults
        return f.stall_at_s is not None and f.stall_at_s <= t_rel_s < f.stall_at_s + f.stall_s

    async def _send_ready(self, final: bool = False) -> None:
        """Packetise the buffered samples per the MTU and the 40 ms rule and notify them."""
        s = self.stream
        payload = self._mtu() - 3
        n_batch = wire.batch_size(self._mtu(), s.nominal_rate_hz)
        while self.streaming:
            a = self._buf_start
            avail = self._i - a
            t_next = int(s.t_us[a]) if a < len(s.t_us) else None
            # a mag record that cannot ride in the next IMU packet goes alone, now
            if self._mag_buf:
                tm = int(s.mag_t_us[self._mag_buf[0]])
                if t_next is None or tm < t_next or wire.packet_length(n_batch, 1) > payload:
                    await self._send_data(None, [self._mag_buf.pop(0)])
                    continue
            if avail == 0 or (avail < n_batch and not final):
                return
            n = min(avail, n_batch)
            jumps = np.nonzero(np.diff(s.seq[a : a + n]) != 1)[0]
            if len(jumps):  # contiguous seq only: a device overflow starts a new packet
                n = int(jumps[0]) + 1
            mags: list[int] = []
            while (
                self._mag_buf
                and len(mags) < wire.MAX_MAG
                and wire.packet_length(n, len(mags) + 1) <= payload
                and int(s.mag_t_us[self._mag_buf[0]]) - t_next <= 0xFFFF
            ):
                mags.append(self._mag_buf.pop(0))
            self._buf_start = a + n
            await self._send_data(a, mags, n)

    async def _send_data(self, a: int | None, mags: list[int], n: int = 0) -> None:
        s = self.stream
        flags = 0
        if a is not None:
            seq = int(s.seq[a]) - self._seq_base
            t0 = int(s.t_us[a])
            if a > self._session_start and s.seq[a] - s.seq[a - 1] != 1:
                flags |= wire.FLAG_OVERFLOW
            span = int(s.t_us[a + n - 1] - t0) if n >= 2 else 0
            imu = s.imu[a : a + n]
        else:
            seq, t0, span, imu = self._next_seq(), int(s.mag_t_us[mags[0]]), 0, None
        moff = [int(s.mag_t_us[m]) - t0 for m in mags]
        mag = s.mag[mags] if mags else None
        pkt = wire.encode_packet(seq, t0 - self._clock_base_us, imu, span, mag, moff, flags)
        t_rel_s = (self._device_now() - int(s.t_us[0])) * 1e-6
        self._data_count += 1
        f = self.faults
        if self._stalled(t_rel_s) or (f.drop_every and self._data_count % f.drop_every == 0):
            if n:
                self.dropped_imu.add(a, a + n)
            return
        if await self._notify(pkt):
            if n:
                self.sent_imu.add(a, a + n)
            for m in mags:
                self.sent_mag.add(m, m + 1)
            if f.malformed_every and self._data_count % f.malformed_every == 0:
                if await self._notify(malformed_variant(pkt, self.malformed_sent)):
                    self.malformed_sent += 1
            if n and self._pending_future and t_rel_s >= self._pending_future[0]:
                self._pending_future.pop(0)
                jump = round(f.future_jump_s * 1e6)
                bad = wire.encode_packet(
                    seq, t0 - self._clock_base_us + jump, imu, span, mag, moff, flags
                )
                if await self._notify(bad):
                    self.corrupt_sent += 1

    async def _notify(self, payload: bytes) -> bool:
        conn = self.connection
        if conn is None or not self.streaming:
            return False
        await self.device.notify_subscriber(conn, self.data_char, payload)
        self.packets_sent += 1
        self.link_sent += 1
        return True


def _mag_rate(stream: DeviceStream) -> float:
    if len(stream.mag_t_us) < 2:
        return 0.0
    return float(round(1e6 / float(np.median(np.diff(stream.mag_t_us)))))  # nominal, Hz
