"""A real headset through the same client code (opt in: ``pytest --hardware``).

Set ``NECKIMU_DEVICE`` to the headset's name or address (default: the first one found).
"""

from __future__ import annotations

import asyncio
import os

import numpy as np
import pytest

from neckimu.ble.client import HeadsetClient, scan
from neckimu.ble.recorder import Recorder
from neckimu.recording.reader import read_recording

pytestmark = pytest.mark.hardware


def _target() -> str:
    name = os.environ.get("NECKIMU_DEVICE")
    if name:
        return name
    found = asyncio.run(scan(5.0))
    if not found:
        pytest.fail("no neckimu headset advertising nearby")
    return found[0].address


def test_real_headset_streams_ten_seconds(tmp_path):
    path = tmp_path / "hw.csv"
    result = asyncio.run(Recorder(HeadsetClient(_target()), path, duration_s=10.0).run())
    rec = read_recording(path)
    rate = rec.meta["nominal_rate_hz"]
    assert result.stats.malformed == 0
    assert len(rec.samples) > 0.9 * 10.0 * rate * 0.9  # the real rate may be below nominal
    assert (np.diff(rec.samples.t) > 0).all()
    assert result.stats.missing < 0.01 * len(rec.samples)
    assert abs(result.drift_ppm) < 500
