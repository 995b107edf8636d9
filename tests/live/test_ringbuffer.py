from __future__ import annotations

import threading

import numpy as np

from neckimu.live.ringbuffer import RingBuffer


def _rows(t0: int, n: int) -> np.ndarray:
    t = np.arange(t0, t0 + n, dtype=float)
    return np.column_stack([t, 2 * t])


def test_keeps_the_newest_rows_in_order_across_the_wrap():
    rb = RingBuffer(10, 2)
    for k in range(0, 37, 3):  # 13 writes of 3 rows: wraps several times
        rb.write(_rows(k, 3))
    snap = rb.snapshot()
    np.testing.assert_array_equal(snap[:, 0], np.arange(29, 39))
    np.testing.assert_array_equal(snap[:, 1], 2 * snap[:, 0])
    assert rb.total == 39 and len(rb) == 10


def test_snapshot_of_the_last_seconds_and_oversized_writes():
    rb = RingBuffer(8, 2)
    rb.write(_rows(0, 20))  # more than the capacity at once
    np.testing.assert_array_equal(rb.snapshot()[:, 0], np.arange(12, 20))
    np.testing.assert_array_equal(rb.snapshot(3.0)[:, 0], [17, 18, 19])
    rb.write(_rows(20, 3))  # the newest rows now straddle the end of the array
    np.testing.assert_array_equal(rb.snapshot(4.5)[:, 0], [18, 19, 20, 21, 22])
    assert rb.snapshot(100.0).shape == (8, 2)


def test_reset_and_clear():
    rb = RingBuffer(5, 2)
    rb.write(_rows(0, 4))
    rb.reset(_rows(100, 7))
    np.testing.assert_array_equal(rb.snapshot()[:, 0], np.arange(102, 107))
    rb.write(_rows(107, 1))
    np.testing.assert_array_equal(rb.snapshot()[:, 0], np.arange(103, 108))
    rb.clear()
    assert rb.snapshot().shape == (0, 2)


def test_snapshots_are_consistent_while_a_thread_writes():
    rb = RingBuffer(500, 2)
    stop = threading.Event()

    def writer() -> None:
        t = 0
        while not stop.is_set():
            rb.write(_rows(t, 7))
            t += 7

    th = threading.Thread(target=writer)
    th.start()
    try:
        for _ in range(2000):
            s = rb.snapshot(50.0)
            if len(s) > 1:
                assert (np.diff(s[:, 0]) == 1).all()
                np.testing.assert_array_equal(s[:, 1], 2 * s[:, 0])
    finally:
        stop.set()
        th.join()
