"""The numeric rows: the header, the head sensor's rows (pandas' C parser, in parallel
chunks) and the trunk sensor's ``# trunk`` lines (format v2), with a slow pass that names the
first bad line and column when the fast path fails."""

from __future__ import annotations

import io
import itertools
import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from neckimu.errors import InputError
from neckimu.recording.writer import TRUNK_PREFIX
from neckimu.samples import COLUMNS, REQUIRED_COLUMNS, SampleBlock

#: Files larger than this are parsed in parallel chunks, bytes.
_PARALLEL_BYTES = 4_000_000
#: How a magnetometer cell says "no magnetometer reading yet" (the only legal missing values).
_MISSING = ("", "nan", "NaN", "-nan")


_FIRST_ROW = re.compile(rb"^[ \t]*[^#\s][^\n]*", re.M)


def _header(path: Path, raw: bytes) -> tuple[list[str], int]:
    m = _FIRST_ROW.search(raw)
    if m is None:
        raise InputError(str(path), "no header line (expected time_s,gyr_x,...)")
    line = raw.count(b"\n", 0, m.start()) + 1
    return [c.strip() for c in m.group().decode("utf-8").split(",")], line


def _columns(path: Path, header: list[str], line: int) -> list[str]:
    if len(set(header)) != len(header):
        raise InputError(str(path), "duplicate column names in the header", line)
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise InputError(str(path), f"missing column(s) {', '.join(missing)} in the header", line)
    mags = [c for c in COLUMNS[7:] if c in header]
    if mags and len(mags) != 3:
        raise InputError(str(path), "magnetometer needs all of mag_x, mag_y, mag_z", line)
    return list(COLUMNS[: 7 + len(mags)])


#: A decimal number as the C parser reads it (Python's float() also takes ``1_0``, ``١``).
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_NONFINITE = ("nan", "+nan", "-nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity")


#: A comment line holding a comma (the first line: see _comment_commas).
_COMMA_COMMENT = re.compile(rb"\n#[^\n,]*,[^\n]*")


def _comment_commas(raw: bytes) -> int:
    """Commas in all comment lines (slower: visits every comment line)."""
    n = sum(m.group().count(b",") for m in _COMMA_COMMENT.finditer(raw))
    if raw.startswith(b"#"):
        n += raw.count(b",", 0, max(0, raw.find(b"\n")))
    return n


def _diagnose(path: Path, raw: bytes, header: list[str], wanted: list[str]) -> InputError:
    """Slow pass: the first line that breaks the rules, with its column."""
    idx = [header.index(c) for c in wanted]
    seen_header = False
    last_t, last_cell = -np.inf, ""
    pos, lineno = 0, 1
    for m in _FIRST_ROW.finditer(raw):  # non-blank, non-comment lines; comments cost nothing
        lineno += raw.count(b"\n", pos, m.start())
        pos = m.start()
        s = m.group().decode("utf-8").strip()
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
            if cell.lower() in _NONFINITE:
                return InputError(str(path), f"value is {cell}", lineno, name)
            if not _NUMBER.fullmatch(cell):
                return InputError(str(path), f"non-numeric value {cell[:40]!r}", lineno, name)
            if not np.isfinite(float(cell)):
                return InputError(str(path), f"value {cell[:40]} is out of range", lineno, name)
            if (why := _beyond(name, cell)) is not None:
                return InputError(str(path), why, lineno, name)
        if 0 < len(missing_mag) < 3:
            return InputError(
                str(path),
                "magnetometer value missing in only some of mag_x, mag_y, mag_z",
                lineno,
                missing_mag[0],
            )
        t = float(cells[idx[0]])
        if t <= last_t:
            what = _time_problem(t, last_t, cells[idx[0]], last_cell)
            return InputError(str(path), what, lineno, "time_s")
        last_t, last_cell = t, cells[idx[0]]
    return InputError(str(path), "could not parse the numbers")


def _read_csv(chunk: bytes, header: list[str], wanted: list[str], first: bool) -> np.ndarray:
    df = pd.read_csv(
        io.BytesIO(chunk),
        comment="#",
        header=0 if first else None,  # with names: the file's header line is replaced
        names=header,
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
        parts = list(
            ex.map(
                _read_csv,
                chunks,
                [header] * len(chunks),
                [wanted] * len(chunks),
                [i == 0 for i in range(len(chunks))],
            )
        )
    return np.concatenate(parts, axis=1).T  # (N, C) view of a column-contiguous block


def _parse_numbers(
    path: Path, raw: bytes, header: list[str], wanted: list[str], kind_commas: int
) -> np.ndarray:
    """The wanted columns as an (N, C) array; ``kind_commas``: commas in the format's own
    comment lines."""
    try:
        table = _parallel_read_csv(raw, header, wanted)
    except (ValueError, pd.errors.ParserError):
        raise _diagnose(path, raw, header, wanted) from None
    if not len(table):
        raise InputError(str(path), "no data rows")
    # pandas drops surplus fields silently when usecols is given: count the commas. Only
    # when they do not add up do free comments need counting too (they may hold commas).
    row_commas = len(table) * (len(header) - 1) + len(header) - 1
    fields_ok = raw.count(b",") - kind_commas == row_commas
    if not fields_ok:
        fields_ok = raw.count(b",") - _comment_commas(raw) == row_commas
    if not fields_ok or not _values_ok(table) or not (np.diff(table[:, 0]) > 0).all():
        raise _diagnose(path, raw, header, wanted)
    return table


# -- the trunk sensor (format v2) -----------------------------------------------------------
_TRUNK_LINE = re.compile(rb"^" + re.escape(TRUNK_PREFIX.encode()) + rb"([^\n]*)", re.M)


def _trunk_columns(path: Path, meta: dict[str, Any]) -> list[str]:
    trunk = meta.get("trunk")
    cols = trunk.get("columns") if isinstance(trunk, dict) else None
    if cols not in (list(COLUMNS), list(COLUMNS[:7])):
        raise InputError(
            str(path),
            "format v2 needs the header metadata 'trunk' with "
            f"'columns' {','.join(COLUMNS)} (or without mag_*), not {cols!r:.80}",
        )
    return list(cols)


def _parse_trunk(
    path: Path, raw: bytes, meta: dict[str, Any], lines: list[bytes]
) -> SampleBlock | None:
    """The ``# trunk`` lines as a SampleBlock (None when there are none), checked like rows."""
    cols = _trunk_columns(path, meta)
    if not lines:
        return None
    text = b"\n".join(lines) + b"\n"
    table = None
    try:
        df = pd.read_csv(
            io.BytesIO(text),
            header=None,
            names=cols,
            dtype=np.float64,
            engine="c",
            skipinitialspace=True,
            keep_default_na=False,
            na_values=list(_MISSING),
        )
        table = df.to_numpy(dtype=np.float64)
    except (ValueError, pd.errors.ParserError):
        pass
    if (
        table is None
        or len(table) != len(lines)
        or text.count(b",") != len(lines) * (len(cols) - 1)
        or not _values_ok(table)
        or not (np.diff(table[:, 0]) > 0).all()
    ):
        raise _diagnose_trunk(path, raw, cols)
    out = np.full((len(table), 10), np.nan)
    out[:, : table.shape[1]] = table
    return SampleBlock.from_table(out)


def _diagnose_trunk(path: Path, raw: bytes, cols: list[str]) -> InputError:
    """Slow pass over the ``# trunk`` lines (error path only): the first bad one."""
    last_t, last_cell = -np.inf, ""
    for m in _TRUNK_LINE.finditer(raw):
        lineno = raw.count(b"\n", 0, m.start()) + 1
        cells = m.group(1).decode("utf-8").split(",")
        if len(cells) != len(cols):
            return InputError(
                str(path),
                f"'# trunk' line: expected {len(cols)} fields, found {len(cells)}",
                lineno,
            )
        missing = [
            n
            for n, c in zip(cols, cells, strict=True)
            if n.startswith("mag_") and c.strip() in _MISSING
        ]
        if 0 < len(missing) < 3:
            return InputError(
                str(path),
                "'# trunk' line: magnetometer value missing in only some of mag_x, mag_y, mag_z",
                lineno,
                f"trunk {missing[0]}",
            )
        for name, cell in zip(cols, cells, strict=True):
            cell = cell.strip()
            if name in missing:
                continue
            if cell.lower() in _NONFINITE:
                return InputError(str(path), f"value is {cell}", lineno, f"trunk {name}")
            if not _NUMBER.fullmatch(cell) or not np.isfinite(float(cell)):
                return InputError(
                    str(path), f"non-numeric value {cell[:40]!r}", lineno, f"trunk {name}"
                )
            if (why := _beyond(name, cell)) is not None:
                return InputError(str(path), why, lineno, f"trunk {name}")
        t = float(cells[0])
        if t <= last_t:
            what = _time_problem(t, last_t, cells[0], last_cell)
            return InputError(str(path), what, lineno, "trunk time_s")
        last_t, last_cell = t, cells[0]
    return InputError(str(path), "could not parse the '# trunk' lines")


def _time_problem(t: float, last_t: float, cell: str, last_cell: str) -> str:
    """Why a row's time does not follow the previous row's, in words: it goes back, it
    repeats, or it is too large a number for its decimals to count (``1e18`` s: a double
    keeps about 16 significant digits)."""
    from decimal import Decimal, InvalidOperation

    try:
        differ = Decimal(cell.strip()) != Decimal(last_cell.strip())
    except InvalidOperation:
        differ = False
    if t == last_t and differ:
        return (
            f"time {cell.strip()[:40]} s is too large a number to tell it from the row "
            f"before ({last_cell.strip()[:40]} s): times are seconds, e.g. from the start "
            "of the recording"
        )
    what = "goes backwards" if t < last_t else "does not advance"
    return f"time {what} ({t:g} s after {last_t:g} s)"


#: Largest magnitude a sample can have, by column prefix (unit): over a hundred times any
#: IMU's range (gyro ±4000 dps = 70 rad/s, accelerometer ±32 g = 314 m/s², magnetometer
#: ±4900 µT); a larger value is a damaged file (1e200 rad/s broke the orientation filter
#: with a traceback).
MAX_ABS = {"gyr_": (1e4, "rad/s"), "acc_": (1e5, "m/s²"), "mag_": (1e6, "µT")}


def _beyond(name: str, cell: str) -> str | None:
    """Why a finite value of column ``name`` is impossible, or None."""
    for prefix, (limit, unit) in MAX_ABS.items():
        if name.startswith(prefix) and abs(float(cell)) > limit:
            return f"value {cell[:40]} {unit} is beyond any IMU's range (|{prefix}*| <= {limit:g})"
    return None


def _values_ok(table: np.ndarray) -> bool:
    """Every value finite and within :data:`MAX_ABS`, except magnetometer rows that are NaN
    as a whole (no reading); columns time, gyr, acc[, mag]."""
    if not np.isfinite(table[:, :7]).all():
        return False
    limits = [MAX_ABS["gyr_"][0]] * 3 + [MAX_ABS["acc_"][0]] * 3
    if (np.abs(table[:, 1:7]) > limits).any():
        return False
    if table.shape[1] > 7 and (np.abs(table[:, 7:]) > MAX_ABS["mag_"][0]).any():
        return False
    if table.shape[1] == 7:
        return True
    mag = table[:, 7:]
    nan = np.isnan(mag)
    return not np.isinf(mag).any() and bool((nan.any(axis=1) == nan.all(axis=1)).all())
