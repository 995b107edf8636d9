"""Read recordings (format v1) and foreign interchange CSVs, strictly and fast.

The fast path hands the bytes to pandas' C parser (the fastest text reader we measured for
these files, see bench/offline.py). Only when that fails, or the numbers do not pass the checks,
does a slow line-by-line pass run to name the exact line and column of the first problem.
"""

from __future__ import annotations

import csv
import gzip
import io
import itertools
import json
import os
import warnings
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from neckimu.errors import InputError
from neckimu.recording.events import EVENT_KINDS, Event, is_valid_exercise
from neckimu.recording.writer import MAGIC
from neckimu.samples import COLUMNS, REQUIRED_COLUMNS, SampleBlock

#: Files larger than this are parsed in parallel chunks, bytes.
_PARALLEL_BYTES = 4_000_000
#: How a magnetometer cell says "no magnetometer reading yet" (the only legal missing values).
_MISSING = ("", "nan", "NaN", "-nan")


class RecordingWarning(UserWarning):
    """Data was recovered from a damaged file (for instance a cut-off last line)."""


@dataclass(frozen=True)
class Gap:
    """Samples the source did not deliver: ``missing`` samples before ``time_s`` (s)."""

    time_s: float
    missing: int
    reason: str


@dataclass
class Recording:
    """A session in memory.

    Attributes
    ----------
    samples : SampleBlock
        All samples, SI units, sensor frame.
    events : list of Event
        Exercise cues in time order.
    gaps : list of Gap
        Gaps the recorder marked (lost packets, reconnects).
    meta : dict
        Metadata: the header, updated by later ``# meta`` lines.
    path : str
        Where it was read from ("" if built in memory).
    warnings : list of str
        What was recovered or assumed while reading.
    """

    samples: SampleBlock
    events: list[Event] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    path: str = ""
    warnings: list[str] = field(default_factory=list)


# -- bytes ------------------------------------------------------------------------------------
def _read_bytes(path: Path, notes: list[str]) -> bytes:
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise InputError(str(path), f"cannot read: {e.strerror or e}") from None
    if raw[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(raw)
        except (EOFError, OSError, zlib.error):
            # cut-off gzip (the recorder was killed): keep what decompresses
            d = zlib.decompressobj(wbits=31)
            try:
                out = d.decompress(raw)
            except zlib.error as e:
                raise InputError(str(path), f"corrupt gzip data: {e}") from None
            notes.append("gzip stream is cut off; reading what it holds")
            return out
    return raw


def _check_text(path: Path, raw: bytes) -> None:
    if len(raw) < 4096 and not raw.strip():  # a large file is not blank: spare the copy
        raise InputError(str(path), "empty file")
    nul = raw.find(b"\x00")
    if nul >= 0:
        line = raw.count(b"\n", 0, nul) + 1
        raise InputError(str(path), "binary data, not a CSV text file", line)
    if raw.isascii():  # fast path: recordings are ASCII
        return
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        raise InputError(str(path), "binary data, not a UTF-8 CSV text file", line) from None


def _cut_partial_line(raw: bytes, notes: list[str]) -> bytes:
    if raw.endswith(b"\n"):
        return raw
    last = raw.rfind(b"\n")
    if last < 0:
        return raw + b"\n"  # a single line without newline: the header alone
    tail = raw[last + 1 :].decode("utf-8", "replace")
    lineno = raw.count(b"\n") + 1
    notes.append(
        f"file ends in the middle of line {lineno} (cut off while recording?): "
        f"dropped the partial line {tail[:40]!r}, kept every complete row"
    )
    return raw[: last + 1]


# -- comment lines: magic, meta, events, gaps -------------------------------------------------
def _comment_lines(raw: bytes) -> list[tuple[int, bytes]]:
    """(line number, text) of every line starting with ``#``; memchr-speed ``find`` loop."""
    out: list[tuple[int, bytes]] = []
    pos, line = 0, 1
    if raw.startswith(b"#"):
        end = raw.find(b"\n")
        out.append((1, raw[:end]))
    while True:
        hit = raw.find(b"\n#", pos)
        if hit < 0:
            return out
        line += raw.count(b"\n", pos, hit + 1)
        end = raw.find(b"\n", hit + 1)
        out.append((line, raw[hit + 1 : end]))
        pos = hit + 1


def _parse_comments(
    path: Path, comments: list[tuple[int, bytes]]
) -> tuple[dict[str, Any], list[Event], list[Gap]]:
    meta: dict[str, Any] = {}
    events: list[Event] = []
    gaps: list[Gap] = []
    for line, raw_text in comments:
        text = raw_text.decode("utf-8")[1:].strip()
        kind, _, payload = text.partition(" ")
        if kind == "neckimu":
            if text != MAGIC[2:]:
                raise InputError(str(path), f"unsupported recording format {text!r}", line)
            continue
        if kind not in ("meta", "event", "gap"):
            continue  # free-text comment
        try:
            obj = json.loads(payload)
            if not isinstance(obj, dict):
                raise ValueError("not an object")
            if kind == "meta":
                meta.update(obj)
            elif kind == "event":
                events.append(_event(path, obj["time_s"], obj["event"], obj["exercise"], line))
            else:
                gaps.append(Gap(float(obj["time_s"]), int(obj["missing"]), str(obj["reason"])))
        except (ValueError, KeyError, TypeError) as e:
            if isinstance(e, InputError):
                raise
            raise InputError(str(path), f"malformed '# {kind}' line: {e}", line) from None
    return meta, events, gaps


def _event(path: Path, time_s: Any, event: Any, exercise: Any, line: int) -> Event:
    try:
        t = float(time_s)
    except (TypeError, ValueError):
        raise InputError(str(path), f"non-numeric time {time_s!r}", line, "time_s") from None
    if not np.isfinite(t):
        raise InputError(str(path), f"time is {time_s}", line, "time_s")
    if event not in EVENT_KINDS:
        raise InputError(str(path), f"event must be start or end, not {event!r}", line, "event")
    if not isinstance(exercise, str) or not is_valid_exercise(exercise):
        raise InputError(str(path), f"unknown exercise {exercise!r}", line, "exercise")
    return Event(t, event, exercise)


# -- the header and the numbers ---------------------------------------------------------------
def _header(path: Path, raw: bytes) -> tuple[list[str], int]:
    pos, line = 0, 1
    while pos < len(raw):
        end = raw.find(b"\n", pos)
        text = raw[pos:end].decode("utf-8").strip()
        if text and not text.startswith("#"):
            return [c.strip() for c in text.split(",")], line
        pos, line = end + 1, line + 1
    raise InputError(str(path), "no header line (expected time_s,gyr_x,...)")


def _columns(path: Path, header: list[str], line: int) -> list[str]:
    if len(set(header)) != len(header):
        raise InputError(str(path), "duplicate column names in the header", line)
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise InputError(
            str(path), f"missing column(s) {', '.join(missing)} in the header", line
        )
    mags = [c for c in COLUMNS[7:] if c in header]
    if mags and len(mags) != 3:
        raise InputError(str(path), "magnetometer needs all of mag_x, mag_y, mag_z", line)
    return list(COLUMNS[: 7 + len(mags)])


def _diagnose(path: Path, raw: bytes, header: list[str], wanted: list[str]) -> InputError:
    """Slow pass: the first line that breaks the rules, with its column."""
    idx = [header.index(c) for c in wanted]
    seen_header = False
    last_t = -np.inf
    for lineno, text in enumerate(raw.decode("utf-8").split("\n"), start=1):
        s = text.strip()
        if not s or s.startswith("#"):
            continue
        if not seen_header:
            seen_header = True
            continue
        cells = s.split(",")
        if len(cells) != len(header):
            return InputError(
                str(path), f"expected {len(header)} fields, found {len(cells)}", lineno
            )
        missing_mag: list[str] = []
        for name, i in zip(wanted, idx, strict=True):
            cell = cells[i].strip()
            if name.startswith("mag_") and cell in _MISSING:
                missing_mag.append(name)  # no magnetometer reading yet: legal, as a row
                continue
            try:
                v = float(cell)
            except ValueError:
                return InputError(str(path), f"non-numeric value {cell!r}", lineno, name)
            if not np.isfinite(v):
                return InputError(str(path), f"value is {cell}", lineno, name)
        if 0 < len(missing_mag) < 3:
            return InputError(str(path), "magnetometer value missing in only some of "
                              "mag_x, mag_y, mag_z", lineno, missing_mag[0])
        t = float(cells[idx[0]])
        if t <= last_t:
            what = "goes backwards" if t < last_t else "does not advance"
            return InputError(str(path), f"time {what} ({t} s after {last_t} s)", lineno, "time_s")
        last_t = t
    return InputError(str(path), "could not parse the numbers")


def _read_csv(chunk: bytes, header: list[str], wanted: list[str], first: bool) -> np.ndarray:
    df = pd.read_csv(
        io.BytesIO(chunk),
        comment="#",
        header=0 if first else None,
        names=None if first else header,
        usecols=wanted,
        dtype=np.float64,
        engine="c",
        skipinitialspace=True,
        keep_default_na=False,
        na_values=list(_MISSING),
    )
    return df[wanted].to_numpy(dtype=np.float64).T  # (C, n): pandas keeps columns contiguous


def _parallel_read_csv(raw: bytes, header: list[str], wanted: list[str]) -> np.ndarray:
    """Parse in one chunk per core: pandas' C tokenizer releases the GIL, so threads scale."""
    workers = min(os.cpu_count() or 1, 4) if len(raw) > _PARALLEL_BYTES else 1
    # the header and everything before it stay in the first chunk
    head_end = raw.find(b"\n" + ",".join(header).encode()) + 1
    cuts = [0]
    for k in range(1, workers):
        cut = raw.find(b"\n", max(head_end + 1, k * len(raw) // workers)) + 1
        if cut > cuts[-1]:
            cuts.append(cut)
    cuts.append(len(raw))
    chunks = [raw[a:b] for a, b in itertools.pairwise(cuts)]
    if len(chunks) == 1:
        return _read_csv(raw, header, wanted, True).T
    with ThreadPoolExecutor(len(chunks)) as ex:
        parts = list(ex.map(_read_csv, chunks, [header] * len(chunks), [wanted] * len(chunks),
                            [i == 0 for i in range(len(chunks))]))
    return np.concatenate(parts, axis=1).T  # (N, C) view of a column-contiguous block


def _parse_numbers(
    path: Path, raw: bytes, header: list[str], wanted: list[str], other_commas: int
) -> np.ndarray:
    """The wanted columns as an (N, C) array; ``other_commas``: commas outside data rows."""
    try:
        table = _parallel_read_csv(raw, header, wanted)
    except (ValueError, pd.errors.ParserError):
        raise _diagnose(path, raw, header, wanted) from None
    if not len(table):
        raise InputError(str(path), "no data rows")
    # pandas drops surplus fields silently when usecols is given: count the commas
    fields_ok = raw.count(b",") - other_commas == len(table) * (len(header) - 1)
    if not fields_ok or not _values_ok(table) or not (np.diff(table[:, 0]) > 0).all():
        raise _diagnose(path, raw, header, wanted)
    return table


def _values_ok(table: np.ndarray) -> bool:
    """Every value finite, except magnetometer rows that are NaN as a whole (no reading)."""
    if not np.isfinite(table[:, :7]).all():
        return False
    if table.shape[1] == 7:
        return True
    mag = table[:, 7:]
    nan = np.isnan(mag)
    return not np.isinf(mag).any() and bool((nan.any(axis=1) == nan.all(axis=1)).all())


# -- public -----------------------------------------------------------------------------------
def read_events_csv(path: str | Path) -> list[Event]:
    """Read an events CSV ``time_s,event,exercise`` (optionally gzip-compressed).

    Raises
    ------
    InputError
        Naming file, line and column of the first bad cell.
    """
    p = Path(path)
    notes: list[str] = []
    raw = _read_bytes(p, notes)
    _check_text(p, raw)
    rows = csv.reader(io.StringIO(raw.decode("utf-8")))
    header = [c.strip() for c in next(rows)]
    need = ["time_s", "event", "exercise"]
    if [c for c in need if c not in header]:
        raise InputError(str(p), f"header must have {','.join(need)}", 1)
    i = [header.index(c) for c in need]
    events = []
    for lineno, row in enumerate(rows, start=2):
        if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
            continue
        if len(row) < len(header):
            raise InputError(str(p), f"expected {len(header)} fields, found {len(row)}", lineno)
        events.append(_event(p, row[i[0]], row[i[1]].strip(), row[i[2]].strip(), lineno))
    return sorted(events, key=lambda e: e.time_s)


def read_recording(path: str | Path, events: str | Path | None = None) -> Recording:
    """Read a neckimu recording or a foreign interchange CSV (``.csv`` or ``.csv.gz``).

    Parameters
    ----------
    path : str or Path
        The file. Columns ``time_s,gyr_x,gyr_y,gyr_z,acc_x,acc_y,acc_z[,mag_x,mag_y,mag_z]``
        in s, rad/s, m/s², µT (sensor frame); other columns are ignored.
    events : str or Path, optional
        An events CSV ``time_s,event,exercise`` whose events are added to the file's own.

    Returns
    -------
    Recording

    Raises
    ------
    InputError
        Missing columns, non-numeric cells, NaN/inf, time going backwards, empty or binary
        file; the message names file, line and column. Magnetometer cells that are empty or
        ``nan`` for all of ``mag_x, mag_y, mag_z`` are legal (no magnetometer reading yet)
        and read as NaN.

    Warns
    -----
    RecordingWarning
        When a cut-off last line was dropped; every complete row is kept.
    """
    p = Path(path)
    notes: list[str] = []
    raw = _read_bytes(p, notes)
    _check_text(p, raw)
    raw = _cut_partial_line(raw, notes)
    comments = _comment_lines(raw)
    meta, evs, gaps = _parse_comments(p, comments)
    header, header_line = _header(p, raw)
    wanted = _columns(p, header, header_line)
    other_commas = sum(c.count(b",") for _, c in comments) + len(header) - 1
    table = _parse_numbers(p, raw, header, wanted, other_commas)
    if events is not None:
        evs = evs + read_events_csv(events)
    for note in notes:
        warnings.warn(f"{p}: {note}", RecordingWarning, stacklevel=2)
    return Recording(
        samples=SampleBlock.from_table(table),
        events=sorted(evs, key=lambda e: e.time_s),
        gaps=gaps,
        meta=meta,
        path=str(p),
        warnings=notes,
    )
