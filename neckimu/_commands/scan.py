"""``neckimu scan``: list nearby neckimu headsets (name, address, signal strength)."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``neckimu scan``."""
    parser.add_argument("--timeout", type=float, default=5.0, help="scan time, s (default 5)")
    parser.add_argument(
        "--all", action="store_true", help="list every BLE device, not only neckimu headsets"
    )
    parser.add_argument(
        "--simulate",
        action="store_true",
        help="scan an in-process virtual radio with a simulated headset",
    )


def run(args: argparse.Namespace) -> int:
    """Scan and print one headset per line; exit 1 when none was found."""
    import asyncio

    from neckimu.ble.client import scan
    from neckimu.errors import NeckimuError

    if not args.timeout > 0:
        raise NeckimuError("--timeout must be > 0")

    async def main() -> list:
        if not args.simulate:
            return await scan(args.timeout, all_devices=args.all)
        from neckimu.ble.link import virtual_radio
        from neckimu.ble.testsignal import synthetic_stream

        async with virtual_radio([synthetic_stream(args.timeout + 5.0)]) as radio:
            return await scan(args.timeout, backend=radio.scanner_backend, all_devices=args.all)

    found = asyncio.run(main())
    if not found:
        print(f"no neckimu headset found in {args.timeout:g} s (is it powered and in range?)")
        return 1
    width = max(len(f.name) for f in found)
    print(f"{'NAME':<{width}}  {'ADDRESS':<17}  RSSI")
    for f in found:
        print(f"{f.name:<{width}}  {f.address:<17}  {f.rssi} dBm")
    return 0
