"""Opt-in tests: ``pytest --hardware`` runs the tests marked ``hardware`` (a real headset
nearby); without the option they are skipped with that reason."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest


def _keep_bytecode_out_of_the_tree() -> None:
    """With ``PYTHONDONTWRITEBYTECODE`` set, every fresh interpreter the suite starts (the
    xdist workers, the commands run as subprocesses, the report's analysis workers) compiled
    numpy, scipy, matplotlib, Qt and neckimu from source again: 3-4 s each. Keep the compiled
    files instead, but outside the source tree and the venv (under ``.pytest_cache``, as the
    setting asks), so each is compiled once. What any test checks is unchanged: bytecode is
    checked against its source's time stamp and size on every import."""
    if not os.environ.get("PYTHONDONTWRITEBYTECODE") or os.environ.get("PYTHONPYCACHEPREFIX"):
        return
    prefix = str(Path(__file__).resolve().parents[1] / ".pytest_cache" / "pycache")
    del os.environ["PYTHONDONTWRITEBYTECODE"]
    os.environ["PYTHONPYCACHEPREFIX"] = prefix  # for the interpreters started from here on
    sys.dont_write_bytecode = False  # and for what this one imports from here on
    sys.pycache_prefix = prefix


_keep_bytecode_out_of_the_tree()


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
