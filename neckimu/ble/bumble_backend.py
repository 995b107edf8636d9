"""A bleak backend over a bumble central: bleak's API, bumble's Bluetooth host stack.

``BleakClient(..., backend=cls)`` and ``BleakScanner(..., backend=cls)`` accept a custom
backend class. :func:`make_backends` returns a client and a scanner class bound to one bumble
central :class:`~bumble.device.Device`, so :class:`neckimu.ble.client.HeadsetClient` runs the
same bleak calls against the simulated headset as against BlueZ, CoreBluetooth or WinRT.

Like an operating system's stack, the client backend requests the ATT MTU on connecting
(ArduinoBLE never starts the exchange) and discovers all services.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient, NotifyCallback
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData, BaseBleakScanner
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bleak.exc import BleakError
from bleak.uuids import normalize_uuid_str
from bumble import hci
from bumble.core import AdvertisingData, BaseBumbleError
from bumble.device import Advertisement, Connection, Device, Peer
from bumble.gatt_client import CharacteristicProxy

log = logging.getLogger(__name__)

_PROPS = {
    0x01: "broadcast",
    0x02: "read",
    0x04: "write-without-response",
    0x08: "write",
    0x10: "notify",
    0x20: "indicate",
    0x40: "authenticated-signed-writes",
    0x80: "extended-properties",
}


def _uuid(u: Any) -> str:
    return normalize_uuid_str(u.to_hex_str("-") if hasattr(u, "to_hex_str") else str(u))


async def _request(coro: Any) -> Any:
    """Await a bumble GATT request; a link lost under it, or bumble's own errors (a request
    that timed out: ``bumble.core.TimeoutError``, not the builtin), are a BleakError, as in
    bleak's backends (bumble cancels pending requests on disconnection). A bumble error
    that escaped killed the simulated session's cue task: the routine's later cues were
    never sent."""
    try:
        return await coro
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise  # our own caller is being cancelled
        raise BleakError("disconnected during a GATT request") from None
    except BaseBumbleError as e:
        raise BleakError(f"GATT request failed: {e}") from e


class BumbleClientBase(BaseBleakClient):
    """bleak client backend on a bumble central; see :func:`make_backends`."""

    central: Device  #: bound by make_backends
    requested_mtu: int = 247

    def __init__(
        self,
        address_or_ble_device: BLEDevice | str,
        *,
        disconnected_callback: Any = None,
        timeout: float = 10.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            address_or_ble_device, disconnected_callback=disconnected_callback, timeout=timeout
        )
        self._name = (
            address_or_ble_device.name if isinstance(address_or_ble_device, BLEDevice) else None
        )
        self._conn: Connection | None = None
        self._peer: Peer | None = None
        self._chars: dict[int, CharacteristicProxy] = {}
        self._requested_disconnect = False

    @property
    def name(self) -> str:
        return self._name or self.address

    @property
    def mtu_size(self) -> int:
        return self._conn.att_mtu if self._conn is not None else 23

    @property
    def is_connected(self) -> bool:
        return self._conn is not None

    async def connect(self, pair: bool, **kwargs: Any) -> None:
        del pair, kwargs
        address = hci.Address(self.address)
        try:
            conn = await self.central.connect(address, timeout=self._timeout)
        except Exception as e:  # bumble raises its own types; bleak callers expect BleakError
            raise BleakError(f"could not connect to {self.address}: {e}") from e
        self._conn = conn
        self._requested_disconnect = False
        conn.on("disconnection", self._on_disconnection)
        try:
            peer = Peer(conn)
            if self.requested_mtu > 23:
                await peer.request_mtu(self.requested_mtu)
            await peer.discover_services()
            self.services = BleakGATTServiceCollection()
            for svc in peer.services:
                await peer.discover_characteristics(service=svc)
                bsvc = BleakGATTService(svc, svc.handle, _uuid(svc.uuid))
                self.services.add_service(bsvc)
                for ch in svc.characteristics:
                    props = [name for bit, name in _PROPS.items() if ch.properties & bit]
                    bch = BleakGATTCharacteristic(
                        ch,
                        ch.handle,
                        _uuid(ch.uuid),
                        props,  # type: ignore[arg-type]
                        lambda c=conn: c.att_mtu - 3,
                        bsvc,
                    )
                    self.services.add_characteristic(bch)
                    self._chars[ch.handle] = ch
                    for d in await ch.discover_descriptors():
                        self.services.add_descriptor(
                            BleakGATTDescriptor(d, d.handle, _uuid(d.type), bch)
                        )
            self._peer = peer
        except Exception as e:
            await self.disconnect()
            raise BleakError(f"GATT setup with {self.address} failed: {e}") from e

    def _on_disconnection(self, reason: int) -> None:
        self._conn = None
        self._peer = None
        if not self._requested_disconnect and self._disconnected_callback is not None:
            self._disconnected_callback()

    async def disconnect(self) -> None:
        conn = self._conn
        if conn is None:
            return
        self._requested_disconnect = True
        done = asyncio.get_running_loop().create_future()
        conn.once("disconnection", lambda *_: done.done() or done.set_result(None))
        try:
            await conn.disconnect()
            await asyncio.wait_for(done, 5.0)
        except Exception:
            pass
        self._conn = None
        self._peer = None

    async def pair(self, *args: Any, **kwargs: Any) -> None:
        raise BleakError("pairing is not supported by the bumble backend")

    async def unpair(self) -> None:
        raise BleakError("pairing is not supported by the bumble backend")

    def _proxy(self, characteristic: BleakGATTCharacteristic) -> CharacteristicProxy:
        if self._conn is None:
            raise BleakError("Not connected")
        return self._chars[characteristic.handle]

    async def read_gatt_char(
        self,
        characteristic: BleakGATTCharacteristic,
        *,
        use_cached: bool = False,
        **kwargs: Any,
    ) -> bytearray:
        return bytearray(await _request(self._proxy(characteristic).read_value()))

    async def read_gatt_descriptor(
        self, descriptor: BleakGATTDescriptor, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        if self._peer is None:
            raise BleakError("Not connected")
        return bytearray(await _request(self._peer.read_value(descriptor.handle)))

    async def write_gatt_char(
        self, characteristic: BleakGATTCharacteristic, data: Any, response: bool
    ) -> None:
        await _request(self._proxy(characteristic).write_value(bytes(data), with_response=response))

    async def write_gatt_descriptor(self, descriptor: BleakGATTDescriptor, data: Any) -> None:
        if self._peer is None:
            raise BleakError("Not connected")
        await _request(self._peer.write_value(descriptor.handle, bytes(data), with_response=True))

    async def start_notify(
        self, characteristic: BleakGATTCharacteristic, callback: NotifyCallback, **kwargs: Any
    ) -> None:
        await _request(
            self._proxy(characteristic).subscribe(lambda value: callback(bytearray(value)))
        )

    async def stop_notify(self, characteristic: BleakGATTCharacteristic) -> None:
        await _request(self._proxy(characteristic).unsubscribe())


class BumbleScannerBase(BaseBleakScanner):
    """bleak scanner backend on a bumble central; see :func:`make_backends`."""

    central: Device  #: bound by make_backends

    def __init__(
        self,
        detection_callback: Any = None,
        service_uuids: list[str] | None = None,
        scanning_mode: str = "active",
        **kwargs: Any,
    ) -> None:
        super().__init__(detection_callback, service_uuids)
        self._active = scanning_mode != "passive"
        self._scanning = False

    async def start(self) -> None:
        self.seen_devices = {}
        self.central.on("advertisement", self._on_advertisement)
        await self.central.start_scanning(active=self._active, filter_duplicates=False)
        self._scanning = True

    async def stop(self) -> None:
        if self._scanning:
            self._scanning = False
            self.central.remove_listener("advertisement", self._on_advertisement)
            await self.central.stop_scanning()

    def _on_advertisement(self, adv: Advertisement) -> None:
        data = adv.data
        uuids: list[str] = []
        for t in (
            AdvertisingData.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS,
            AdvertisingData.INCOMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS,
            AdvertisingData.COMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS,
            AdvertisingData.INCOMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS,
        ):
            uuids += [_uuid(u) for u in (data.get(t) or [])]
        if not self.is_allowed_uuid(uuids):
            return
        name = data.get(AdvertisingData.COMPLETE_LOCAL_NAME) or data.get(
            AdvertisingData.SHORTENED_LOCAL_NAME
        )
        mfr = {}
        raw_mfr = data.get(AdvertisingData.MANUFACTURER_SPECIFIC_DATA)
        if raw_mfr:
            mfr[int(raw_mfr[0])] = bytes(raw_mfr[1])
        tx = data.get(AdvertisingData.TX_POWER_LEVEL)
        ad = AdvertisementData(
            local_name=name,
            manufacturer_data=mfr,
            service_data={},
            service_uuids=uuids,
            tx_power=tx,
            rssi=adv.rssi,
            platform_data=(adv,),
        )
        address = str(adv.address).split("/")[0]
        device = self.create_or_update_device(address, address, name, adv, ad)
        self.call_detection_callbacks(device, ad)


def make_backends(
    central: Device, *, mtu: int = 247
) -> tuple[type[BaseBleakClient], type[BaseBleakScanner]]:
    """Client and scanner backend classes bound to the bumble ``central``.

    Parameters
    ----------
    central : bumble.device.Device
        A powered-on bumble device on the same link as the headsets.
    mtu : int
        ATT MTU the client requests on connecting (23 keeps the default).
    """
    client = type("BumbleClient", (BumbleClientBase,), {"central": central, "requested_mtu": mtu})
    scanner = type("BumbleScanner", (BumbleScannerBase,), {"central": central})
    return client, scanner  # type: ignore[return-value]
