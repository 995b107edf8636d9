"""The simulated headset's log of sent indices: runs, so its size follows interruptions only."""

from __future__ import annotations

import numpy as np

from neckimu.ble.simulated_headset import IndexRuns


def test_contiguous_notifications_stay_one_run():
    log = IndexRuns()
    for a in range(0, 400_000, 4):  # 100 000 notifications of 4 samples
        log.add(a, a + 4)
    assert log.runs() == [(0, 400_000)]
    assert len(log) == 400_000


def test_interruptions_and_repeats_keep_order():
    log = IndexRuns()
    log.add(0, 3)
    log.add(3, 5)
    log.add(8, 10)  # a dropped stretch
    log.add(8, 9)  # sent again (a reboot replays)
    log.add(4, 4)  # nothing
    assert log.runs() == [(0, 5), (8, 10), (8, 9)]
    np.testing.assert_array_equal(log.indices(), [0, 1, 2, 3, 4, 8, 9, 8])
    assert len(log) == 8
    assert IndexRuns().indices().dtype == np.int64 and len(IndexRuns().indices()) == 0
