"""Finding headsets and taking a few seconds of data from one, for the start screen.

- :func:`scan_headsets`: nearby headsets with bleak's scanner (as ``neckimu scan``), and the
  simulated headset found the same way on an in-process bumble radio, so it is listed with
  its own name and signal strength;
- :func:`capture_headset` / :func:`capture_simulated`: connect with the session's client
  (:class:`~neckimu.ble.client.HeadsetClient`), stream a few seconds through the recorder's
  decoder (:class:`~neckimu.ble.stream.StreamAssembler`, nothing is written), disconnect.
  The result holds the samples, the loss counters and what the headset said about itself
  (name, firmware, board, rate) for :func:`neckimu.live.fitcheck.check_fit`.

Everything here is asyncio; the start screen runs it in a worker thread.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from neckimu.ble.client import Found, HeadsetClient, scan
from neckimu.ble.stream import StreamAssembler
from neckimu.errors import DeviceError
from neckimu.samples import SampleBlock
from neckimu.sim.device import BOARD_REV1, BOARD_REV2, DeviceStream
from neckimu.wire import Info

#: How the simulated headset is listed.
SIMULATED_LABEL = "simulated headset (try it out)"
#: The board names for people, by the info characteristic's ``board`` field.
BOARDS: dict[int, str] = {
    BOARD_REV1: "Nano 33 BLE Rev1 (LSM9DS1)",
    BOARD_REV2: "Nano 33 BLE Rev2 (BMI270 + BMM150)",
}


def signal_words(rssi: int | None) -> str:
    """A received signal strength in words (dBm thresholds of common BLE practice)."""
    if rssi is None:
        return "unknown"
    if rssi >= -60:
        return "strong"
    if rssi >= -75:
        return "good"
    if rssi >= -85:
        return "weak"
    return "very weak"


@dataclass(frozen=True)
class Headset:
    """A headset one can choose.

    Attributes
    ----------
    name : str
        Advertised name (``neckimu-XXXX``).
    address : str
        Bluetooth address (what the session connects to).
    rssi : int or None
        Signal strength at the last scan, dBm (None: not scanned yet).
    simulated : bool
        The simulated headset (a bumble radio in this process).
    """

    name: str
    address: str
    rssi: int | None = None
    simulated: bool = False

    @property
    def label(self) -> str:
        """One line for the list."""
        sig = ""
        if self.rssi is not None:
            sig = f"  ·  signal {signal_words(self.rssi)} ({self.rssi} dBm)"
        if self.simulated:
            return f"{SIMULATED_LABEL}{sig}"
        return f"{self.name}  ({self.address}){sig}"

    @classmethod
    def from_found(cls, f: Found, simulated: bool = False) -> Headset:
        return cls(f.name, f.address, f.rssi, simulated)


#: The simulated headset before any scan (the virtual radio's first address).
SIMULATED = Headset("neckimu-1234", "F0:F0:F0:F0:12:34", None, simulated=True)


@dataclass(frozen=True)
class ScanResult:
    """What a scan found.

    Attributes
    ----------
    headsets : list of Headset
        Real headsets, strongest signal first.
    simulated : Headset
        The simulated headset as the in-process radio's scan saw it.
    error : str or None
        Why no real headset could be looked for (no Bluetooth adapter, ...).
    """

    headsets: list[Headset]
    simulated: Headset
    error: str | None = None


async def scan_headsets(timeout_s: float = 5.0) -> ScanResult:
    """Scan for real headsets (bleak) and for the simulated one (bumble), at the same time.

    Parameters
    ----------
    timeout_s : float
        Scan time, s.
    """
    from neckimu.ble.link import virtual_radio
    from neckimu.ble.testsignal import synthetic_stream

    async def real() -> tuple[list[Found], str | None]:
        try:
            return await scan(timeout_s), None
        except DeviceError as e:
            return [], str(e)

    async def simulated() -> list[Found]:
        sim_scan_s = min(timeout_s, 1.0)  # the virtual radio answers at once
        async with virtual_radio([synthetic_stream(sim_scan_s + 5.0)]) as radio:
            return await scan(sim_scan_s, backend=radio.scanner_backend)

    (found, error), sim = await asyncio.gather(real(), simulated())
    sim_headset = Headset.from_found(sim[0], simulated=True) if sim else SIMULATED
    return ScanResult([Headset.from_found(f) for f in found], sim_headset, error)


@dataclass(frozen=True)
class Capture:
    """A few seconds of data from a headset.

    Attributes
    ----------
    samples : SampleBlock
        What arrived, session time from the first connection, SI units.
    asked_s : float
        Seconds of data asked for, s.
    missing : int
        Samples the headset produced that did not arrive (gaps).
    packets, malformed : int
        Notifications received, and dropped as malformed.
    name, address : str
        The headset that answered ("" if none did).
    info : Info or None
        Its info characteristic (None: never connected).
    error : str or None
        Why the capture ended early (not found, connection failed).
    """

    samples: SampleBlock
    asked_s: float
    missing: int = 0
    packets: int = 0
    malformed: int = 0
    name: str = ""
    address: str = ""
    info: Info | None = None
    error: str | None = None

    @property
    def nominal_rate_hz(self) -> float:
        """The headset's IMU rate, Hz (100 if it never answered)."""
        return self.info.imu_rate_hz if self.info is not None else 100.0

    @property
    def firmware(self) -> str:
        return "—" if self.info is None else ".".join(map(str, self.info.firmware))

    @property
    def board(self) -> str:
        if self.info is None:
            return "—"
        return BOARDS.get(self.info.board, f"board {self.info.board}")


#: Longest wait for the first connection of a capture, s (host time).
CONNECT_TIMEOUT_S = 30.0


async def capture(
    client: HeadsetClient,
    seconds: float,
    *,
    time_scale: float = 1.0,
    connect_timeout_s: float = CONNECT_TIMEOUT_S,
) -> Capture:
    """Stream ``seconds`` of session time from a (not yet started) client, then disconnect.

    Parameters
    ----------
    client : HeadsetClient
    seconds : float
        Session time to collect, s.
    time_scale : float
        Session seconds per host second (a simulated headset played faster).
    connect_timeout_s : float
        Give up when the headset has not answered by then, s.

    Returns
    -------
    Capture
        With ``error`` set (and whatever arrived) when the headset could not be reached.
    """
    empty = SampleBlock.concat([])
    client.start()
    try:
        info = await client.wait_connected(connect_timeout_s)
    except DeviceError as e:
        await client.close()
        return Capture(empty, seconds, error=str(e))
    asm = StreamAssembler(info, clock_s_per_us=1e-6 / time_scale, mag_hold_s=0.0)
    blocks: list[SampleBlock] = []
    t_first: float | None = None
    deadline = time.monotonic() + seconds / time_scale + 5.0  # data that does not flow
    q = client.queue
    try:
        while time.monotonic() < deadline:
            try:
                item = await asyncio.wait_for(q.get(), 0.25)
            except TimeoutError:
                continue
            if item is None:
                continue
            for o in asm.feed(item):
                if isinstance(o, SampleBlock) and len(o):
                    blocks.append(o)
                    t_first = float(o.t[0]) if t_first is None else t_first
            if t_first is not None and float(blocks[-1].t[-1]) - t_first >= seconds:
                break
    finally:
        await client.close()
    blocks += [o for o in asm.flush() if isinstance(o, SampleBlock) and len(o)]
    samples = SampleBlock.concat(blocks)
    if t_first is not None:
        samples = samples.between(t_first, t_first + seconds)
    st = asm.stats
    return Capture(
        samples,
        seconds,
        st.missing,
        st.packets,
        st.malformed,
        client.name or client.target,
        client.address or "",
        info,
    )


async def capture_headset(target: str, seconds: float, *, rate_hz: float | None = None) -> Capture:
    """A few seconds from a real headset (name or address), through bleak."""
    return await capture(HeadsetClient(target, rate_hz=rate_hz), seconds)


async def capture_simulated(stream: DeviceStream, seconds: float, *, speed: float = 1.0) -> Capture:
    """A few seconds from the simulated headset playing ``stream``, over the bumble stack."""
    from neckimu.ble.link import virtual_radio
    from neckimu.ble.simulated import pace

    async with virtual_radio([stream], speed=speed) as radio:
        headset = radio.headsets[0]
        client = HeadsetClient(
            headset.name,
            client_backend=radio.client_backend,
            scanner_backend=radio.scanner_backend,
            scan_timeout=5.0,
        )
        pace(headset, client)  # the headset's clock waits for a busy client: no sample lost
        return await capture(client, seconds, time_scale=speed)
