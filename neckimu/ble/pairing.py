"""Two real boards at once (issue 15): which board is on the trunk, and the recorder of both.

The head board is named by the user (``--device``). The trunk board is named too
(``--trunk-address``), or found: a scan for neckimu boards other than the head; one of them is
the trunk; of several, the one whose info already reports role ``trunk`` (a board told so
since its last boot — the role lives in RAM). Both are then recorded by one
:class:`~neckimu.ble.recorder.Recorder` with a client each (``role="head"``/``"trunk"``, sent
on every connect), each with its own decoding and device clock map, into one format v2
recording. The same code reaches the simulated headsets over bumble when the bumble backends
are passed in ``client_options`` (the tests).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bleak import BleakClient, BleakScanner
from bleak.exc import BleakError

from neckimu import wire
from neckimu.ble.client import Found, HeadsetClient, scan
from neckimu.ble.recorder import Recorder, RecorderListener
from neckimu.errors import DeviceError, WireError


def _is(found: Found, target: str) -> bool:
    return target in (found.name, found.address) or found.address.lower() == target.lower()


async def read_role(address: str, *, timeout: float = 10.0, **backends: Any) -> str | None:
    """The role a board's info reports now (connect, read the info, disconnect); None when
    it cannot be read.

    Parameters
    ----------
    address : str
    timeout : float
        Scan and connection timeout, s.
    **backends
        ``client_backend``, ``scanner_backend`` (bleak backends; default the platform's).
    """
    try:
        device = await BleakScanner.find_device_by_address(
            address, timeout=timeout, backend=backends.get("scanner_backend")
        )
        if device is None:
            return None
        async with BleakClient(
            device, timeout=timeout, backend=backends.get("client_backend")
        ) as client:
            return wire.decode_info(await client.read_gatt_char(wire.INFO_UUID)).role
    except (BleakError, TimeoutError, OSError, EOFError, WireError):
        return None


async def find_trunk(head: str, *, timeout: float = 10.0, **backends: Any) -> str:
    """The address of the trunk board: the one neckimu board besides ``head`` in a scan, or
    of several the one whose info reports role ``trunk``.

    Parameters
    ----------
    head : str
        The head board's name or address (left out).
    timeout : float
        Scan time, s.
    **backends
        ``client_backend``, ``scanner_backend`` (bleak backends; default the platform's).

    Raises
    ------
    DeviceError
        No other board, or several and not exactly one of them reports role ``trunk`` (one
        line naming them: give ``--trunk-address``).
    """
    found = await scan(timeout, backend=backends.get("scanner_backend"))
    others = [f for f in found if not _is(f, head)]
    if not others:
        raise DeviceError(
            f"no second board found within {timeout:g} s besides {head} "
            "(is the trunk board on and near? or give --trunk-address)"
        )
    if len(others) == 1:
        return others[0].address
    roles = [await read_role(f.address, timeout=timeout, **backends) for f in others]
    trunk = [f for f, r in zip(others, roles, strict=True) if r == "trunk"]
    if len(trunk) == 1:
        return trunk[0].address
    names = ", ".join(f"{f.name} ({f.address})" for f in others)
    raise DeviceError(
        f"{len(others)} boards found besides {head}: {names}; "
        "say which one is on the trunk with --trunk-address"
    )


def two_board_recorder(
    head: str,
    trunk: str,
    path: str | Path,
    *,
    meta: dict[str, Any] | None = None,
    duration_s: float | None = None,
    rate_hz: float | None = None,
    magnetometer: bool = True,
    trunk_mount: str = "between_shoulder_blades",
    listener: RecorderListener | None = None,
    mag_hold_s: float = 0.25,
    clock_s_per_us: float = 1e-6,
    client_options: dict[str, Any] | None = None,
) -> Recorder:
    """A recorder of two boards, the head (``head``: name or address) and the trunk
    (``trunk``), each told its role on every connect (not started yet).

    Parameters
    ----------
    head, trunk : str
        The boards' names or addresses.
    path : str or Path
        The recording to write (format v2).
    meta : dict, optional
        Extra header fields.
    duration_s : float, optional
        As :class:`Recorder`.
    rate_hz : float, optional
        IMU rate to ask both boards for.
    magnetometer : bool
        Magnetometer on or off, both boards.
    trunk_mount : str
        Trunk mount preset.
    listener : RecorderListener, optional
        As :class:`Recorder` (a live view; it also gets the trunk's blocks).
    mag_hold_s, clock_s_per_us : float
        As :class:`Recorder`.
    client_options : dict, optional
        Extra :class:`HeadsetClient` options for both (e.g. the bumble backends).
    """
    if head == trunk:
        raise DeviceError(f"the head and the trunk board are the same board ({head})")
    opts = dict(client_options or {})
    kw = {"rate_hz": rate_hz, "magnetometer": magnetometer, **opts}
    return Recorder(
        HeadsetClient(head, role="head", **kw),
        path,
        meta=meta,
        duration_s=duration_s,
        listener=listener,
        mag_hold_s=mag_hold_s,
        clock_s_per_us=clock_s_per_us,
        trunk=HeadsetClient(trunk, role="trunk", **kw),
        trunk_mount=trunk_mount,
    )
