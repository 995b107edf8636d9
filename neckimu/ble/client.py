"""The headset client: find, connect, subscribe, keep the link alive. bleak does the radio.

The notification callback only stamps the arrival time and enqueues the bytes
(``queue.put_nowait((time.monotonic(), data))``, as bleak's ``async_callback_with_queue.py``);
decoding happens in :mod:`neckimu.ble.stream`, driven by :mod:`neckimu.ble.recorder`. Link
changes go into the same queue as :class:`~neckimu.ble.stream.LinkMarker`, in order with the data.

On Linux, bleak subscribes with BlueZ's ``AcquireNotify`` (notifications through a socket)
because ``StartNotify`` (D-Bus property signals) drops notifications under load (bleak issue
1343); since bleak 3.0.2 that is opt-in with ``bluez={"use_start_notify": False}``.

The same code runs on a real board and on the simulated headset: the simulated one is reached
by passing the bumble backends of :mod:`neckimu.ble.bumble_backend`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bleak import BleakClient, BleakScanner
from bleak.backends.client import BaseBleakClient
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import BaseBleakScanner
from bleak.exc import BleakError

from neckimu import wire
from neckimu.ble.stream import LinkMarker
from neckimu.errors import DeviceError, WireError

log = logging.getLogger(__name__)

_ADDRESS = re.compile(r"^([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}$|^[0-9A-Fa-f-]{36}$")
_LINK_ERRORS = (BleakError, asyncio.TimeoutError, OSError, EOFError, WireError, DeviceError)


@dataclass(frozen=True)
class Found:
    """A headset seen while scanning."""

    name: str
    address: str
    rssi: int


async def scan(
    timeout: float = 5.0, *, backend: type[BaseBleakScanner] | None = None, all_devices=False
) -> list[Found]:
    """Headsets advertising the neckimu service (or any device when ``all_devices``).

    Returns
    -------
    list of Found
        Strongest signal first.
    """
    kwargs: dict[str, Any] = {"backend": backend}
    if not all_devices:
        kwargs["service_uuids"] = [wire.SERVICE_UUID]
    try:
        seen = await BleakScanner.discover(timeout=timeout, return_adv=True, **kwargs)
    except (BleakError, OSError) as e:
        raise DeviceError(f"cannot scan, is Bluetooth available? ({e})") from None
    out = [
        Found(ad.local_name or dev.name or "?", dev.address, ad.rssi) for dev, ad in seen.values()
    ]
    return sorted(out, key=lambda f: -f.rssi)


class HeadsetClient:
    """One headset, streaming into :attr:`queue` until :meth:`close`.

    Parameters
    ----------
    target : str
        The headset's name (``neckimu-XXXX``) or address.
    client_backend, scanner_backend : type, optional
        bleak backends; None uses the platform's (BlueZ, CoreBluetooth, WinRT).
    scan_timeout : float
        How long one search for the headset lasts, s.
    connect_timeout : float
        Connection timeout, s.
    silence_s : float
        A connected link that delivers nothing for this long is dropped and reconnected, s
        (host time; the headset sends ≥ 25 notifications/s while streaming).
    backoff_s : (float, float)
        First and longest wait between reconnection attempts, s (doubling in between).
    connect_attempts : int
        Attempts before the *first* connection is given up (DeviceError); once streaming,
        the client retries until closed.
    rate_hz : float, optional
        IMU rate to ask for (set rate); None keeps the headset's.
    magnetometer : bool
        Ask for the magnetometer on (set mag 1) or off.
    role : str, optional
        ``"head"`` or ``"trunk"``: where the board is worn, sent on every connect (set role;
        the firmware keeps it in RAM only). A board whose info then reports another role
        (firmware 0.1 has no role command) is a DeviceError. None sends nothing.
    """

    def __init__(
        self,
        target: str,
        *,
        client_backend: type[BaseBleakClient] | None = None,
        scanner_backend: type[BaseBleakScanner] | None = None,
        scan_timeout: float = 10.0,
        connect_timeout: float = 20.0,
        silence_s: float = 2.0,
        backoff_s: tuple[float, float] = (0.25, 8.0),
        connect_attempts: int = 3,
        rate_hz: float | None = None,
        magnetometer: bool = True,
        role: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if role is not None and role not in wire.ROLES.values():
            raise ValueError(f"role must be head or trunk, not {role!r}")
        self.role = role
        self._fatal: DeviceError | None = None
        #: shared by the clients of one recording: one connection attempt at a time (BlueZ
        #: and bumble's central do not take two at once)
        self.connect_lock: asyncio.Lock | None = None
        self.target = target
        self.client_backend = client_backend
        self.scanner_backend = scanner_backend
        self.scan_timeout = scan_timeout
        self.connect_timeout = connect_timeout
        self.silence_s = silence_s
        self.backoff_s = backoff_s
        self.connect_attempts = connect_attempts
        self.rate_hz = rate_hz
        self.magnetometer = magnetometer
        self._clock = clock
        #: (arrival time, bytes) or LinkMarker; None is a wake-up from Recorder.stop
        self.queue: asyncio.Queue[tuple[float, bytes] | LinkMarker | None] = asyncio.Queue()
        self.info: wire.Info | None = None
        self.name: str | None = None
        self.address: str | None = None
        self.mtu: int | None = None
        self.connections = 0
        self.silences = 0
        self.received = 0  #: notifications received (all connections)
        self.link_received = 0  #: notifications received on the current connection
        self.connected = asyncio.Event()
        self._client: BleakClient | None = None
        self._closing = False
        self._last_rx = 0.0
        self._task: asyncio.Task | None = None
        self._lost: asyncio.Event | None = None

    # -- the notification callback: time stamp + enqueue, nothing else -------------------------
    def _on_notify(self, _char: Any, data: bytearray) -> None:
        t = self._clock()
        self._last_rx = t
        self.received += 1
        self.link_received += 1
        self.queue.put_nowait((t, bytes(data)))

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> asyncio.Task:
        """Run :meth:`run` in a task and return it."""
        self._task = asyncio.create_task(self.run(), name=f"headset {self.target}")
        return self._task

    def raise_if_failed(self) -> None:
        """Raise what the connection task raised (a :class:`DeviceError`) once it has ended."""
        if self._task is not None and self._task.done():
            self._task.result()

    async def wait_connected(self, timeout: float | None = None) -> wire.Info:
        """Wait for the first connection (raises what the connection task raised)."""
        waiter = asyncio.create_task(self.connected.wait())
        tasks = {waiter} | ({self._task} if self._task else set())
        done, _ = await asyncio.wait(tasks, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if waiter not in done:
            waiter.cancel()
            if self._task in done:
                self._task.result()  # raises the DeviceError
                raise DeviceError(f"lost {self.target} before it streamed")
            raise DeviceError(f"no connection to {self.target} within {timeout} s")
        assert self.info is not None
        return self.info

    async def run(self) -> None:
        """Connect, stream, and reconnect with exponential backoff until :meth:`close`."""
        failures = 0
        while not self._closing:
            streamed = False
            try:
                streamed = await self._session()
            except _LINK_ERRORS as e:
                log.info("%s: %s", self.target, e)
                if self.connections == 0 and failures + 1 >= self.connect_attempts:
                    # no BlueZ socket / adapter: the OS error alone does not say so
                    no_radio = isinstance(e, OSError) and not isinstance(e, TimeoutError)
                    hint = " (is Bluetooth available?)" if no_radio else ""
                    raise DeviceError(f"cannot connect to {self.target}: {e}{hint}") from None
            failures = 0 if streamed else failures + 1
            if self._closing:
                break
            delay = min(self.backoff_s[1], self.backoff_s[0] * 2 ** max(0, failures - 1))
            await asyncio.sleep(delay)
        if self._fatal is not None:
            raise self._fatal

    async def close(self) -> None:
        """Stop streaming (write *stop*), disconnect and end :meth:`run`."""
        self._closing = True
        client = self._client
        if client is not None and client.is_connected:
            try:
                await asyncio.wait_for(self._write(client, wire.encode_control(wire.OP_STOP)), 2.0)
            except _LINK_ERRORS:
                pass  # closing anyway
        if self._lost is not None:
            self._lost.set()  # wakes the session loop, which disconnects
        task = self._task
        if task is not None and not task.done():
            try:
                await asyncio.wait_for(asyncio.shield(task), 6.0)
            except (TimeoutError, *_LINK_ERRORS):
                task.cancel()
        elif task is not None and not task.cancelled() and task.exception() is not None:
            # it failed while another board's failure ended the recording (two boards): that
            # one was said; this one is only logged, not left to asyncio's "Task exception
            # was never retrieved" with a traceback at exit
            log.info("%s: %s", self.target, task.exception())

    async def mark_event(self, code: int) -> None:
        """Ask the headset to stamp event ``code`` with its clock (it answers with an event
        packet). Raises DeviceError when not connected."""
        client = self._client
        if client is None or not client.is_connected:
            raise DeviceError(f"{self.target} is not connected")
        try:
            await self._write(client, wire.encode_control(wire.OP_MARK_EVENT, code))
        except _LINK_ERRORS as e:
            raise DeviceError(f"mark event: {e}") from None

    # -- one connection ------------------------------------------------------------------------
    async def _find(self) -> BLEDevice:
        kwargs: dict[str, Any] = {"backend": self.scanner_backend}
        target = self.target
        if _ADDRESS.match(target):
            device = await BleakScanner.find_device_by_address(
                target, timeout=self.scan_timeout, **kwargs
            )
        else:
            device = await BleakScanner.find_device_by_filter(
                lambda d, ad: target in (ad.local_name, d.name),
                timeout=self.scan_timeout,
                service_uuids=[wire.SERVICE_UUID],
                **kwargs,
            )
        if device is None:
            raise DeviceError(f"no headset {target!r} found within {self.scan_timeout:g} s")
        return device

    @staticmethod
    async def _write(client: BleakClient, data: bytes) -> None:
        await client.write_gatt_char(wire.CONTROL_UUID, data, response=True)

    def _negotiated_mtu(self, client: BleakClient) -> int:
        if client.backend_id == "BlueZ" or "bluez" in str(client.backend_id).lower():
            # BlueZ exchanges the MTU itself; bleak reports it per characteristic (BlueZ >= 5.62)
            char = client.services.get_characteristic(wire.DATA_UUID)
            return char.max_write_without_response_size + 3 if char else wire.DEFAULT_MTU
        return client.mtu_size

    async def _session(self) -> bool:
        """One connection: returns whether it streamed data before it ended."""
        lost = self._lost = asyncio.Event()
        async with self.connect_lock or contextlib.nullcontext():
            device = await self._find()
            client = BleakClient(
                device,
                disconnected_callback=lambda _c: lost.set(),
                timeout=self.connect_timeout,
                backend=self.client_backend,
            )
            await client.connect()
        self._client = client
        streamed = False
        try:
            self.name = device.name or self.target
            self.address = device.address
            self.mtu = self._negotiated_mtu(client)
            if self.rate_hz is not None:
                await self._write(
                    client, wire.encode_control(wire.OP_SET_RATE, round(self.rate_hz))
                )
            await self._write(client, wire.encode_control(wire.OP_SET_MAG, int(self.magnetometer)))
            if self.role is not None:
                code = {v: k for k, v in wire.ROLES.items()}[self.role]
                await self._write(client, wire.encode_control(wire.OP_SET_ROLE, code))
            info = wire.decode_info(await client.read_gatt_char(wire.INFO_UUID))
            if self.role is not None and info.role != self.role:
                self._fatal = DeviceError(
                    f"{self.name} reports role {info.role!r} after set role {self.role!r} "
                    "(firmware 0.2 or later needed for two boards)"
                )
                self._closing = True  # the wrong board: retrying does not help
                raise self._fatal
            self.info = info
            self.link_received = 0
            await client.start_notify(
                wire.DATA_UUID, self._on_notify, bluez={"use_start_notify": False}
            )
            self.connections += 1
            self.queue.put_nowait(LinkMarker("connected", self._clock(), info))
            self._last_rx = self._clock()
            await self._write(client, wire.encode_control(wire.OP_START))
            self.connected.set()
            log.info("%s: streaming (MTU %s)", self.name, self.mtu)
            rx_at_start = self._last_rx
            quiet_ticks, rx_seen = 0, self.received
            while not lost.is_set() and not self._closing:
                try:
                    await asyncio.wait_for(lost.wait(), self.silence_s / 4)
                except TimeoutError:
                    pass
                streamed = streamed or self._last_rx > rx_at_start
                # silent: nothing for silence_s *and* over several checks with nothing left to
                # read, so a host that was itself stalled (busy machine) or is behind does not
                # take its own delay for a silent link
                busy = self.received != rx_seen or not self.queue.empty()  # or still to read
                quiet_ticks = 0 if busy else quiet_ticks + 1
                rx_seen = self.received
                if quiet_ticks >= 4 and self._clock() - self._last_rx > self.silence_s:
                    self.silences += 1
                    log.warning("%s: connected but silent for %.1f s", self.name, self.silence_s)
                    break
            streamed = streamed or self._last_rx > rx_at_start
        finally:
            self._client = None
            reason = "closed" if self._closing else ("lost" if lost.is_set() else "silent")
            self.queue.put_nowait(LinkMarker("disconnected", self._clock(), None, reason))
            if client.is_connected:
                try:
                    await asyncio.wait_for(client.disconnect(), 5.0)
                except (*_LINK_ERRORS, Exception):
                    pass
        return streamed
