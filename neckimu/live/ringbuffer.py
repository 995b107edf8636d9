"""A preallocated ring buffer of the last seconds of a stream, for the live view.

The acquisition thread writes rows at a write index that wraps around; the GUI thread takes
a consistent copy of the newest rows (:meth:`RingBuffer.snapshot`) under a lock. Nothing is
ever moved (no ``np.roll``): a write copies the new rows into place, a snapshot copies the
requested rows out in time order (at most two slices).
"""

from __future__ import annotations

import threading

import numpy as np


class RingBuffer:
    """Fixed-capacity table of float64 rows; column 0 is time in s.

    Parameters
    ----------
    capacity : int
        Rows kept (e.g. 1.5 × window × rate).
    columns : int
        Columns per row, including time.
    """

    def __init__(self, capacity: int, columns: int) -> None:
        if capacity < 2 or columns < 1:
            raise ValueError("capacity must be >= 2 and columns >= 1")
        self._data = np.full((capacity, columns), np.nan)
        self._write = 0  # next row to write
        self._count = 0  # valid rows (<= capacity)
        self._lock = threading.Lock()
        self.total = 0  #: rows ever written

    @property
    def capacity(self) -> int:
        return len(self._data)

    def __len__(self) -> int:
        return self._count

    def clear(self) -> None:
        """Forget every row (after a seek)."""
        with self._lock:
            self._write = 0
            self._count = 0

    def write(self, rows: np.ndarray) -> None:
        """Append rows, shape (n, columns); keeps only the newest ``capacity`` rows."""
        rows = np.asarray(rows, dtype=np.float64)
        n = len(rows)
        if n == 0:
            return
        cap = self.capacity
        if n > cap:
            rows = rows[-cap:]
            n = cap
        with self._lock:
            end = self._write + n
            if end <= cap:
                self._data[self._write : end] = rows
            else:
                k = cap - self._write
                self._data[self._write :] = rows[:k]
                self._data[: n - k] = rows[k:]
            self._write = end % cap
            self._count = min(cap, self._count + n)
            self.total += n

    def snapshot(self, seconds: float | None = None) -> np.ndarray:
        """Copy of the newest rows in time order.

        Parameters
        ----------
        seconds : float, optional
            Only rows with ``t > t_newest - seconds``; default every row held.

        Returns
        -------
        ndarray, shape (n, columns)
        """
        with self._lock:
            n, w, cap = self._count, self._write, self.capacity
            if n == 0:
                return np.zeros((0, self._data.shape[1]))
            if seconds is not None:
                t_new = self._data[(w - 1) % cap, 0]
                # time is increasing along the ring: binary search on the two ordered halves
                start = (w - n) % cap
                if start < w:
                    k = int(np.searchsorted(self._data[start:w, 0], t_new - seconds, "right"))
                else:
                    older = self._data[start:, 0]
                    k = int(np.searchsorted(older, t_new - seconds, "right"))
                    if k == len(older):
                        k += int(np.searchsorted(self._data[:w, 0], t_new - seconds, "right"))
                n -= k
            start = (w - n) % cap
            if start < w or n == 0:
                return self._data[start : start + n].copy()
            return np.concatenate([self._data[start:], self._data[:w]])

    def reset(self, rows: np.ndarray) -> None:
        """Replace every row by ``rows`` (n, columns) in one step (after a recalibration or a
        seek), so a reader never sees the buffer half rewritten."""
        rows = np.asarray(rows, dtype=np.float64)[-self.capacity :]
        with self._lock:
            n = len(rows)
            self._data[:n] = rows
            self._write = n % self.capacity
            self._count = n
