"""One place that builds the virtual radio: a bumble LocalLink, a controller per device, the
central the client uses and the simulated headsets.

Everything runs in the current asyncio loop, in-process: no Bluetooth adapter, no root.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from bleak.backends.client import BaseBleakClient
from bleak.backends.scanner import BaseBleakScanner
from bumble.controller import Controller
from bumble.device import Device
from bumble.hci import Address
from bumble.host import Host
from bumble.link import LocalLink
from bumble.transport.common import AsyncPipeSink

from neckimu.ble.bumble_backend import make_backends
from neckimu.ble.simulated_headset import Faults, SimulatedHeadset
from neckimu.sim.device import DeviceStream

#: The virtual controller warns about every packet still in flight when a link goes down
#: ("no connection for ..."), 80+ lines after a Ctrl-C of a two-board session: the
#: simulation's own plumbing, not news for people (errors still show).
logging.getLogger("bumble.controller").setLevel(logging.ERROR)
logging.getLogger("bumble.host").setLevel(logging.ERROR)

CENTRAL_ADDRESS = "F1:F1:F1:F1:F1:F1"


def _device(link: LocalLink, name: str, address: str) -> tuple[Controller, Device]:
    controller = Controller(name, link=link, public_address=address)
    host = Host(controller, AsyncPipeSink(controller))
    return controller, Device(name=name, address=Address(address), host=host)


@dataclass
class VirtualRadio:
    """The in-process Bluetooth world: ``headsets`` advertise, ``client_backend`` and
    ``scanner_backend`` are bleak backends on the central."""

    link: LocalLink
    central: Device
    headsets: list[SimulatedHeadset]
    client_backend: type[BaseBleakClient]
    scanner_backend: type[BaseBleakScanner]
    controllers: list[Controller] = field(default_factory=list)


@asynccontextmanager
async def virtual_radio(
    streams: Sequence[DeviceStream],
    *,
    speed: float = 1.0,
    faults: Sequence[Faults | None] | Faults | None = None,
    mtu: int = 247,
) -> AsyncIterator[VirtualRadio]:
    """Simulated headsets (one per stream) and a central on an in-process link.

    Parameters
    ----------
    streams : sequence of DeviceStream
        What each headset's sensors produce.
    speed : float
        Playback speed of every headset against the loop clock.
    faults : Faults or sequence of Faults, optional
        Fault injection, one for all headsets or one per headset.
    mtu : int
        ATT MTU the client's stack requests (23: never exchanged).
    """
    link = LocalLink()
    controllers: list[Controller] = []
    headsets: list[SimulatedHeadset] = []
    if faults is None or isinstance(faults, Faults):
        faults = [faults] * len(streams)
    for k, (stream, f) in enumerate(zip(streams, faults, strict=True)):
        address = f"F0:F0:F0:F0:{0x12 + k:02X}:{0x34 + 17 * k:02X}"
        ctrl, dev = _device(link, f"headset{k}", address)
        controllers.append(ctrl)
        headsets.append(SimulatedHeadset(dev, stream, speed=speed, faults=f))
    ctrl, central = _device(link, "central", CENTRAL_ADDRESS)
    controllers.append(ctrl)
    await central.power_on()
    for h in headsets:
        await h.start()
    client_backend, scanner_backend = make_backends(central, mtu=mtu)
    radio = VirtualRadio(link, central, headsets, client_backend, scanner_backend, controllers)
    try:
        yield radio
    finally:
        for h in headsets:
            await h.stop()
