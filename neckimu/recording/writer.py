"""Write recordings (format v1, or v2 with a trunk sensor; docs/recording-format.md) while
streaming.

The writer appends rows as blocks arrive and flushes (with ``fsync``) at least once a second,
so a session cut off by power loss or ``kill -9`` loses at most the last second and at worst
leaves one partial line, which the reader drops with a warning.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from neckimu.recording.events import Event
from neckimu.recording.saturation import Saturation, saturation_runs
from neckimu.samples import COLUMNS, SampleBlock

FORMAT_VERSION = 1
MAGIC = f"# neckimu recording v{FORMAT_VERSION}"
#: Format version 2: v1 plus a second sensor on the trunk (``# trunk`` lines, issue 15).
#: A single-sensor recording is still written as v1, byte for byte as before.
FORMAT_VERSION_TRUNK = 2
MAGIC_V2 = f"# neckimu recording v{FORMAT_VERSION_TRUNK}"
#: What every version's first line starts with.
MAGIC_PREFIX = "# neckimu recording v"
#: The second sensor's sample lines: ``# trunk time_s,gyr_x,...`` (v2).
TRUNK_PREFIX = "# trunk "

#: time to the microsecond; sensor values to 7 significant digits (ample for int16 counts:
#: a count is recovered exactly from value / scale), as in neckimu's interchange CSV.
TIME_FORMAT = "%.6f"
VALUE_FORMAT = "%.7g"
_CHUNK_ROWS = 20_000


def format_rows(table: np.ndarray, formats: Sequence[str] | None = None) -> str:
    """Rows of a (N, C) table as CSV text; one C-level ``%`` per chunk of rows.

    Parameters
    ----------
    table : ndarray, shape (N, C)
        Column 0 is time in s, the rest are values.
    formats : sequence of str, optional
        printf format per column; default :data:`TIME_FORMAT` then :data:`VALUE_FORMAT`.

    Returns
    -------
    str
        ``N`` lines, each ending in ``\\n``.
    """
    n, c = table.shape
    if formats is None:
        formats = [TIME_FORMAT] + [VALUE_FORMAT] * (c - 1)
    row = ",".join(formats) + "\n"
    parts = []
    for i in range(0, n, _CHUNK_ROWS):
        chunk = table[i : i + _CHUNK_ROWS]
        parts.append((row * len(chunk)) % tuple(chunk.ravel().tolist()))
    return "".join(parts)


def json_line(kind: str, obj: dict[str, Any]) -> str:
    """One ``# kind {JSON}`` line of the format."""
    return f"# {kind} {json.dumps(obj, separators=(', ', ': '), allow_nan=False)}\n"


class RecordingWriter:
    """Append-only writer of one session file.

    Parameters
    ----------
    path : str or Path
        Output file; ``.gz`` writes gzip (sync-flushed, so a cut-off file still reads).
    meta : dict
        Header metadata (device, firmware, nominal rate, ranges, mount, ...); JSON-able.
    has_mag : bool
        Whether the rows carry ``mag_x, mag_y, mag_z``.
    flush_interval_s : float
        Longest time data may sit in buffers before ``flush`` + ``fsync``, s.
    clock : callable
        Monotonic clock in s (injectable for tests).
    trunk : dict, optional
        Metadata of a second sensor worn on the trunk (device, firmware, rates, scales, mount,
        ``has_mag``): the file is then format v2 and takes :meth:`write_trunk_block`. Its
        samples are on this recording's time base (the head's clock).
    """

    def __init__(
        self,
        path: str | Path,
        meta: dict[str, Any] | None = None,
        *,
        has_mag: bool = True,
        flush_interval_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        trunk: dict[str, Any] | None = None,
    ) -> None:
        self.path = Path(path)
        self.has_mag = has_mag
        self.columns = COLUMNS if has_mag else COLUMNS[:7]
        self.flush_interval_s = flush_interval_s
        self._clock = clock
        self.rows_written = 0
        self._last_t = -np.inf
        if self.path.suffix == ".gz":
            self._raw = open(self.path, "wb")
            # filename="": the header would otherwise record the output name (not reproducible)
            self._gz = gzip.GzipFile(filename="", fileobj=self._raw, mode="wb", mtime=0)
            self._f: io.TextIOBase = io.TextIOWrapper(self._gz, encoding="utf-8", newline="\n")
        else:
            self._raw = None
            self._gz = None
            self._f = open(self.path, "w", encoding="utf-8", newline="\n")
        self.trunk_rows_written = 0
        self._trunk_last_t = -np.inf
        self.has_trunk = trunk is not None
        header: dict[str, Any] = {"format_version": FORMAT_VERSION, **(meta or {})}
        if trunk is not None:
            self.trunk_has_mag = bool(trunk.get("has_mag", True))
            cols = COLUMNS if self.trunk_has_mag else COLUMNS[:7]
            header["format_version"] = FORMAT_VERSION_TRUNK
            header["trunk"] = {**trunk, "has_mag": self.trunk_has_mag, "columns": list(cols)}
        self._f.write((MAGIC_V2 if trunk is not None else MAGIC) + "\n")
        self._f.write(json_line("meta", header))
        self._f.write(",".join(self.columns) + "\n")
        self._last_flush = self._clock()
        self.flush()

    # -- writing ---------------------------------------------------------------------------
    def write_block(self, block: SampleBlock, saturated: np.ndarray | None = None) -> None:
        """Append the rows of ``block``; time must continue after the rows already written.

        Parameters
        ----------
        block : SampleBlock
        saturated : ndarray of bool, shape (N,), optional
            Rows with a sensor at full scale; each run of them gets a ``# sat`` line after
            the rows (:meth:`write_saturation`).
        """
        if not len(block):
            return
        runs = [] if saturated is None else saturation_runs(block.t, saturated)
        if block.t[0] <= self._last_t:
            raise ValueError(f"time goes backwards: {block.t[0]} s after {self._last_t} s")
        if self.has_mag:
            mag = block.mag if block.mag is not None else np.full((len(block), 3), np.nan)
            table = np.column_stack([block.t, block.gyr, block.acc, mag])
        else:
            table = np.column_stack([block.t, block.gyr, block.acc])
        self._f.write(format_rows(table))
        self.rows_written += len(block)
        self._last_t = float(block.t[-1])
        for run in runs:
            self.write_saturation(run)
        self._maybe_flush()

    def write_trunk_block(self, block: SampleBlock, saturated: np.ndarray | None = None) -> None:
        """Append the trunk sensor's samples as ``# trunk`` lines (format v2).

        Parameters
        ----------
        block : SampleBlock
            Trunk samples, time on this recording's time base (s); it must continue after
            the trunk samples already written (head rows may lie in between).
        saturated : ndarray of bool, shape (N,), optional
            Trunk samples with a sensor at full scale (``# sat`` lines with ``"sensor":
            "trunk"``).
        """
        if not self.has_trunk:
            raise ValueError("this recording has no trunk sensor (pass trunk= metadata)")
        if not len(block):
            return
        if block.t[0] <= self._trunk_last_t:
            raise ValueError(
                f"trunk time goes backwards: {block.t[0]} s after {self._trunk_last_t} s"
            )
        cols = [block.t, block.gyr, block.acc]
        if self.trunk_has_mag:
            cols.append(block.mag if block.mag is not None else np.full((len(block), 3), np.nan))
        table = np.column_stack(cols)
        n, c = table.shape
        formats = [TIME_FORMAT] + [VALUE_FORMAT] * (c - 1)
        self._f.write(format_rows(table, [TRUNK_PREFIX + formats[0]] + formats[1:]))
        self.trunk_rows_written += n
        self._trunk_last_t = float(block.t[-1])
        if saturated is not None:
            for run in saturation_runs(block.t, saturated):
                self.write_saturation(run, sensor="trunk")
        self._maybe_flush()

    def write_saturation(self, sat: Saturation, sensor: str = "head") -> None:
        """Mark ``sat.n`` rows from ``sat.t0_s`` to ``sat.t1_s`` (s) as saturated (``sensor``
        ``"trunk"``: trunk samples, format v2)."""
        obj: dict[str, Any] = {
            "t0_s": float(TIME_FORMAT % sat.t0_s),
            "t1_s": float(TIME_FORMAT % sat.t1_s),
            "n": int(sat.n),
        }
        if sensor != "head":
            obj["sensor"] = sensor
        self._f.write(json_line("sat", obj))
        self._maybe_flush()

    def write_event(self, event: Event) -> None:
        """Append an exercise cue."""
        obj = {"time_s": round(event.time_s, 6), "event": event.event, "exercise": event.exercise}
        self._f.write(json_line("event", obj))
        self._maybe_flush()

    def write_gap(self, time_s: float, missing: int, reason: str, sensor: str = "head") -> None:
        """Append a gap: ``missing`` samples the source did not deliver before ``time_s``
        (``sensor`` ``"trunk"``: of the trunk sensor, format v2)."""
        obj: dict[str, Any] = {
            "time_s": round(float(time_s), 6),
            "missing": int(missing),
            "reason": reason,
        }
        if sensor != "head":
            obj["sensor"] = sensor
        self._f.write(json_line("gap", obj))
        self._maybe_flush()

    def update_meta(self, **fields: Any) -> None:
        """Append metadata that updates the header's keys (e.g. the calibration result)."""
        self._f.write(json_line("meta", fields))
        self._maybe_flush()

    # -- durability --------------------------------------------------------------------------
    @property
    def flush_due(self) -> bool:
        """Whether ``flush_interval_s`` has passed since the last flush."""
        return self._clock() - self._last_flush >= self.flush_interval_s

    def _maybe_flush(self) -> None:
        if self.flush_due:
            self.flush()

    def flush(self) -> None:
        """Push everything written so far to the disk (flush and fsync)."""
        self._f.flush()
        if self._gz is not None:
            self._gz.flush()  # Z_SYNC_FLUSH: everything so far decompresses without the trailer
            self._raw.flush()
            os.fsync(self._raw.fileno())
        else:
            os.fsync(self._f.fileno())
        self._last_flush = self._clock()

    def close(self) -> None:
        """Flush and close; safe to call twice."""
        if self._f.closed:
            return
        self.flush()
        self._f.close()
        if self._raw is not None:
            self._raw.close()

    def __enter__(self) -> RecordingWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def append_meta(path: str | Path, **fields: Any) -> None:
    """Append a ``# meta`` line to a closed plain-.csv recording (the format is appendable).

    Raises
    ------
    ValueError
        If ``path`` is not a neckimu recording in plain .csv, or ends in the middle of a line
        (an interrupted recording: the reader drops that partial line, and a line appended
        to it would make it a malformed complete one the reader refuses).
    """
    path = Path(path)
    if path.suffix != ".csv":
        raise ValueError("only plain .csv recordings can be appended to")
    with open(path, "rb") as f:
        if not f.readline().decode("utf-8", "replace").startswith(MAGIC_PREFIX):
            raise ValueError("not a neckimu recording")
        f.seek(-1, 2)
        if f.read(1) != b"\n":
            raise ValueError(
                "the file ends in the middle of a line (an interrupted recording), "
                "so nothing was appended to it"
            )
    with open(path, "a", encoding="utf-8", newline="\n") as f:
        f.write(json_line("meta", fields))
