"""Opt-in tests: ``pytest --hardware`` runs the tests marked ``hardware`` (a real headset
nearby); without the option they are skipped with that reason."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--hardware",
        action="store_true",
        default=False,
        help="run tests that need a real Arduino Nano 33 BLE headset (marker 'hardware'); "
        "name it with NECKIMU_DEVICE=neckimu-XXXX or an address",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--hardware"):
        return
    skip = pytest.mark.skip(reason="needs a real headset: run pytest --hardware")
    for item in items:
        if "hardware" in item.keywords:
            item.add_marker(skip)
