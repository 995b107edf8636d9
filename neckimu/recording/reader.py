"""Read recordings (format v1; v2 with a trunk sensor) and foreign interchange CSVs, strictly
and fast.

The fast path hands the bytes to pandas' C parser (the fastest text reader we measured for
these files, see bench/offline.py). Only when that fails, or the numbers do not pass the checks,
does a slow line-by-line pass run to name the exact line and column of the first problem.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import re
import stat
import warnings
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from neckimu.errors import InputError
from neckimu.recording.events import EVENT_KINDS, Event, is_valid_exercise, pair_windows
from neckimu.recording.saturation import Saturation, saturated_mask
from neckimu.recording.writer import MAGIC, MAGIC_V2, TRUNK_PREFIX
from neckimu.samples import COLUMNS, REQUIRED_COLUMNS, Gap, SampleBlock

#: Files larger than this are parsed in parallel chunks, bytes.
_PARALLEL_BYTES = 4_000_000
#: How a magnetometer cell says "no magnetometer reading yet" (the only legal missing values).
_MISSING = ("", "nan", "NaN", "-nan")

#: A gzip file may expand to at most this many times its size (a recording compresses about
#: 3-5 fold; a file of repeated lines ~1000 fold)...
GZIP_MAX_RATIO = 100
#: ... or to this many bytes when that is more (small files) ...
GZIP_MIN_LIMIT = 32 * 2**20
#: ... and never beyond this (a day at 200 Hz is about 1.7 GB of text).
GZIP_MAX_BYTES = 4 * 2**30
_GZIP_CHUNK = 4 * 2**20


class RecordingWarning(UserWarning):
    """Data was recovered from a damaged file (for instance a cut-off last line)."""


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
    saturation : list of Saturation
        Time ranges of rows with a sensor at full scale (``# sat`` lines).
    trunk : SampleBlock or None
        The second sensor, worn on the trunk (format v2, ``# trunk`` lines): its samples on
        this recording's time base, SI units, its own board frame; None without one.
    trunk_gaps : list of Gap
        Gaps of the trunk sensor.
    trunk_saturation : list of Saturation
        Saturated trunk samples.
    """

    samples: SampleBlock
    events: list[Event] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    path: str = ""
    warnings: list[str] = field(default_factory=list)
    saturation: list[Saturation] = field(default_factory=list)
    trunk: SampleBlock | None = None
    trunk_gaps: list[Gap] = field(default_factory=list)
    trunk_saturation: list[Saturation] = field(default_factory=list)

    @property
    def saturated(self) -> np.ndarray:
        """Per row, shape (N,) bool: an accelerometer or gyroscope value at full scale."""
        return saturated_mask(self.samples.t, self.saturation)

    @property
    def trunk_saturated(self) -> np.ndarray | None:
        """Per trunk sample, shape (M,) bool; None without a trunk sensor."""
        if self.trunk is None:
            return None
        return saturated_mask(self.trunk.t, self.trunk_saturation)


# -- bytes ------------------------------------------------------------------------------------
def _read_bytes(path: Path, notes: list[str]) -> bytes:
    try:
        st = path.stat()
        if not stat.S_ISREG(st.st_mode):  # a FIFO or a device would block or never end
            what = "a folder" if stat.S_ISDIR(st.st_mode) else "not a regular file"
            raise InputError(str(path), f"cannot read: {what}")
        raw = path.read_bytes()
    except OSError as e:
        raise InputError(str(path), f"cannot read: {e.strerror or e}") from None
    if raw[:2] == b"\x1f\x8b":
        return _gunzip(path, raw, notes)
    return raw


def _gunzip(path: Path, raw: bytes, notes: list[str]) -> bytes:
    """Decompress (every gzip member) in chunks, refusing more than the limit; a cut-off
    stream (the recorder was killed) keeps what decompresses."""
    limit = min(GZIP_MAX_BYTES, max(GZIP_MIN_LIMIT, GZIP_MAX_RATIO * len(raw)))
    parts: list[bytes] = []
    total = 0
    data = raw
    while data:
        d = zlib.decompressobj(wbits=31)
        try:
            chunk = d.decompress(data, _GZIP_CHUNK)
            while True:
                total += len(chunk)
                if total > limit:
                    raise InputError(
                        str(path),
                        f"gzip data expands beyond {limit // 2**20} MiB"
                        f" ({total / len(raw):.0f} times its size; a recording "
                        "compresses about 4-fold): refused",
                    )
                parts.append(chunk)
                if d.eof or (not chunk and not d.unconsumed_tail):
                    break
                chunk = d.decompress(d.unconsumed_tail, _GZIP_CHUNK)
        except zlib.error as e:
            raise InputError(str(path), f"corrupt gzip data: {e}") from None
        if not d.eof:
            notes.append("gzip stream is cut off; reading what it holds")
            break
        data = d.unused_data.lstrip(b"\x00")  # another member, or zero padding
    return b"".join(parts)


def _check_text(path: Path, raw: bytes) -> None:
    if len(raw) < 4096 and not raw.strip():  # a large file is not blank: spare the copy
        raise InputError(str(path), "empty file")
    nul = raw.find(b"\x00")
    if nul >= 0:
        line = raw.count(b"\n", 0, nul) + 1
        raise InputError(str(path), "binary data, not a CSV text file", line)
    if b"\r" in raw:
        cr = re.search(rb"\r(?!\n)", raw)
        if cr is not None:
            if b"\n" not in raw:
                raise InputError(
                    str(path),
                    "lines end in a bare carriage return (\\r, old Mac "
                    "style); save the file with LF or CRLF line endings",
                    1,
                )
            line = raw.count(b"\n", 0, cr.start()) + 1
            raise InputError(
                str(path),
                "stray carriage return (\\r) inside the line; save "
                "the file with LF or CRLF line endings",
                line,
            )
    if raw.isascii():  # fast path: recordings are ASCII
        return
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        raise InputError(str(path), "binary data, not a UTF-8 CSV text file", line) from None


def _strip_bom(raw: bytes, notes: list[str]) -> bytes:
    """Drop a UTF-8 byte-order mark (spreadsheets write one) with a note."""
    if raw.startswith(b"\xef\xbb\xbf"):
        notes.append("skipped the UTF-8 byte-order mark at the start of the file")
        return raw[3:]
    return raw


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
#: The format's own comment lines (the first line is checked on its own). The literal prefix
#: lets the regex engine skip everything else in C: free comments, even a file of nothing but
#: comment lines, cost neither time nor memory per line.
_KIND_LINE = re.compile(rb"\n(# (?:neckimu|meta|event|gap|sat) [^\n]*)")
_FIRST_KIND_LINE = re.compile(rb"# (?:neckimu|meta|event|gap|sat) [^\n]*")


def _comment_lines(raw: bytes) -> list[tuple[int, bytes]]:
    """(line number, text) of the format's own comment lines, in file order."""
    out: list[tuple[int, bytes]] = []
    first = _FIRST_KIND_LINE.match(raw)
    if first is not None:
        out.append((1, first.group()))
    pos, line = 0, 1
    for m in _KIND_LINE.finditer(raw):
        line += raw.count(b"\n", pos, m.start(1))
        pos = m.start(1)
        out.append((line, m.group(1)))
    return out


#: A comment line holding a comma (the first line: see _comment_commas).
_COMMA_COMMENT = re.compile(rb"\n#[^\n,]*,[^\n]*")


def _comment_commas(raw: bytes) -> int:
    """Commas in all comment lines (slower: visits every comment line)."""
    n = sum(m.group().count(b",") for m in _COMMA_COMMENT.finditer(raw))
    if raw.startswith(b"#"):
        n += raw.count(b",", 0, max(0, raw.find(b"\n")))
    return n


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _json_object(payload: str) -> dict[str, Any]:
    try:
        obj = json.loads(payload, parse_constant=_no_constants)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    if not isinstance(obj, dict):
        raise ValueError("not a JSON object")
    return obj


@dataclass
class _Comments:
    meta: dict[str, Any] = field(default_factory=dict)
    meta_lines: dict[str, int] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    sats: list[Saturation] = field(default_factory=list)
    trunk_gaps: list[Gap] = field(default_factory=list)
    trunk_sats: list[Saturation] = field(default_factory=list)
    version: int = 0  #: 0: no magic line (a foreign CSV)


def _sensor(obj: dict[str, Any], version: int) -> str:
    """Which sensor a ``# gap``/``# sat`` line is about: the head unless v2 says ``trunk``."""
    sensor = obj.get("sensor", "head") if version >= 2 else "head"
    if sensor not in ("head", "trunk"):
        raise ValueError(f"sensor must be head or trunk, not {sensor!r:.40}")
    return str(sensor)


def _parse_comments(path: Path, comments: list[tuple[int, bytes]]) -> _Comments:
    c = _Comments()
    meta, meta_lines, events = c.meta, c.meta_lines, c.events
    for line, raw_text in comments:
        text = raw_text.decode("utf-8")[1:].strip()
        kind, _, payload = text.partition(" ")
        if kind == "neckimu":
            if text == MAGIC[2:] and c.version == 0:
                c.version = 1
            elif text == MAGIC_V2[2:] and c.version == 0:
                c.version = 2
            else:
                raise InputError(str(path), f"unsupported recording format {text[:60]!r}", line)
            continue
        if kind not in ("meta", "event", "gap", "sat"):
            continue  # free-text comment
        try:
            obj = _json_object(payload)
            if kind == "meta":
                meta.update(obj)
                meta_lines.update(dict.fromkeys(obj, line))
            elif kind == "event":
                events.append(_event(path, obj["time_s"], obj["event"], obj["exercise"], line))
            elif kind == "sat":
                trunk = _sensor(obj, c.version) == "trunk"
                (c.trunk_sats if trunk else c.sats).append(_saturation(path, obj, line))
            else:
                trunk = _sensor(obj, c.version) == "trunk"
                (c.trunk_gaps if trunk else c.gaps).append(_gap(path, obj, line))
        except (ValueError, KeyError, TypeError) as e:
            if isinstance(e, InputError):
                raise
            what = f"missing key {e}" if isinstance(e, KeyError) else str(e)
            raise InputError(str(path), f"malformed '# {kind}' line: {what}", line) from None
    return c


def _gap(path: Path, obj: dict[str, Any], line: int) -> Gap:
    t, missing = obj["time_s"], obj["missing"]
    if isinstance(t, bool) or not isinstance(t, int | float) or not np.isfinite(t):
        raise InputError(str(path), f"gap time must be a finite number, not {t!r}", line, "time_s")
    if isinstance(missing, bool) or not isinstance(missing, int) or missing < 0:
        raise InputError(
            str(path), f"missing must be a whole number >= 0, not {missing!r}", line, "missing"
        )
    return Gap(float(t), missing, str(obj["reason"]))


def _saturation(path: Path, obj: dict[str, Any], line: int) -> Saturation:
    t0, t1, n = obj["t0_s"], obj["t1_s"], obj["n"]
    times = []
    for v in (t0, t1):
        try:
            times.append(
                float(v) if isinstance(v, int | float) and not isinstance(v, bool) else np.nan
            )
        except OverflowError:
            times.append(np.nan)
    if not (np.isfinite(times).all() and times[0] <= times[1]):
        raise InputError(
            str(path), f"'# sat' line: t0_s {t0!r} .. t1_s {t1!r} is not a time range", line
        )
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise InputError(str(path), f"'# sat' line: n must be a positive integer, not {n!r}", line)
    return Saturation(times[0], times[1], n)


def _check_meta(path: Path, meta: dict[str, Any], lines: dict[str, int], notes: list[str]) -> None:
    """Metadata values the pipeline uses: a bad one is dropped with a note (the data stays)."""

    def drop(key: str, why: str) -> None:
        notes.append(f"line {lines.get(key, '?')}: metadata {key} {why}; ignored")
        meta.pop(key, None)

    if "mount" in meta:
        from neckimu.mounts import MOUNTS

        m = meta["mount"]
        if not isinstance(m, str) or m not in MOUNTS:
            drop(
                "mount",
                f"{m!r} is not a mount preset ({', '.join(MOUNTS)}); the "
                "calibration infers the mount (or pass --mount)",
            )
    if "stretch_hold_s" in meta:
        sh = meta["stretch_hold_s"]
        if not isinstance(sh, dict):
            drop("stretch_hold_s", f"must be {{exercise: seconds}}, not {sh!r:.40}")
        else:
            bad = {k: v for k, v in sh.items() if not _positive(v)}
            if bad:
                meta["stretch_hold_s"] = {k: v for k, v in sh.items() if k not in bad}
                notes.append(
                    f"line {lines.get('stretch_hold_s', '?')}: metadata "
                    f"stretch_hold_s {bad!r:.60} is not a time in s; ignored"
                )
    if "hold_s" in meta and not _positive(meta["hold_s"]):
        drop("hold_s", f"{meta['hold_s']!r:.40} is not a time in s")


def _positive(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and bool(np.isfinite(v)) and v > 0


def _event(path: Path, time_s: Any, event: Any, exercise: Any, line: int) -> Event:
    if isinstance(time_s, str) and not _NUMBER.fullmatch(time_s.strip()):
        raise InputError(str(path), f"non-numeric time {time_s[:40]!r}", line, "time_s")
    try:
        t = float(time_s)
    except (TypeError, ValueError, OverflowError):
        raise InputError(str(path), f"non-numeric time {time_s!r:.40}", line, "time_s") from None
    if not np.isfinite(t):
        raise InputError(str(path), f"time is {time_s}", line, "time_s")
    if event not in EVENT_KINDS:
        raise InputError(str(path), f"event must be start or end, not {event!r:.40}", line, "event")
    if not isinstance(exercise, str) or not is_valid_exercise(exercise):
        raise InputError(
            str(path),
            f"unknown exercise {exercise!r:.60} (exercises: "
            "calibrate, hold_*, retraction, posture, stretch_<a-z0-9_>)",
            line,
            "exercise",
        )
    return Event(t, event, exercise, str(path), line)


# -- the header and the numbers ---------------------------------------------------------------
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


def _diagnose(path: Path, raw: bytes, header: list[str], wanted: list[str]) -> InputError:
    """Slow pass: the first line that breaks the rules, with its column."""
    idx = [header.index(c) for c in wanted]
    seen_header = False
    last_t = -np.inf
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
        if 0 < len(missing_mag) < 3:
            return InputError(
                str(path),
                "magnetometer value missing in only some of mag_x, mag_y, mag_z",
                lineno,
                missing_mag[0],
            )
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
    last_t = -np.inf
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
        t = float(cells[0])
        if t <= last_t:
            what = "goes backwards" if t < last_t else "does not advance"
            return InputError(
                str(path), f"time {what} ({t} s after {last_t} s)", lineno, "trunk time_s"
            )
        last_t = t
    return InputError(str(path), "could not parse the '# trunk' lines")


# -- events against each other and against the data ----------------------------------------
#: Events this far outside the data's time span are noted, s.
_OUTSIDE_TOLERANCE_S = 1.0


def _check_events(
    path: Path, evs: list[Event], t0: float, t1: float, notes: list[str], events_file: Path | None
) -> None:
    """Unpaired and overlapping events are noted (their windows are left out, see
    :func:`~neckimu.recording.events.pair_windows`), and so are events outside the data; an
    events CSV with overlapping windows, or none inside the data, is refused."""

    def loc(e: Event) -> str:
        return f"line {e.line}" if e.path == str(path) else e.where

    pairing = pair_windows(evs)
    csv_path = "" if events_file is None else str(events_file)
    for later, earlier in pairing.overlaps:
        what = (
            f"{later.exercise} starts at {later.time_s:g} s inside the {earlier.exercise} "
            f"window that starts at {earlier.time_s:g} s ({loc(earlier)})"
        )
        if csv_path and csv_path in (later.path, earlier.path):  # the person's file: refuse
            bad = later if later.path == csv_path else earlier
            raise InputError(
                csv_path, f"{what}; exercise windows must not overlap", bad.line, "event"
            )
        notes.append(f"{loc(later)}: {what}: window left out (windows must not overlap)")
    for e in pairing.unended:
        notes.append(
            f"{loc(e)}: {e.exercise} starts at {e.time_s:g} s and has no end before "
            "the next events: window left out"
        )
    for e in pairing.unstarted:
        notes.append(f"{loc(e)}: {e.exercise} ends at {e.time_s:g} s without a start: ignored")
    for w in pairing.windows:
        if w.end_s == float("inf") and w.start_s < t1:
            notes.append(
                f"{w.exercise} starts at {w.start_s:g} s and has no end (the "
                f"recording stops first): judged up to the end of the data, "
                f"{t1:.1f} s"
            )
    lo, hi = t0 - _OUTSIDE_TOLERANCE_S, t1 + _OUTSIDE_TOLERANCE_S
    outside = [e for e in evs if not lo <= e.time_s <= hi]
    if csv_path:
        from_csv = [e for e in evs if e.path == csv_path]
        if from_csv and all(not lo <= e.time_s <= hi for e in from_csv):
            raise InputError(
                csv_path,
                f"all {len(from_csv)} events lie outside the "
                f"recording's data ({t0:.1f}-{t1:.1f} s): is time_s in the "
                "recording's time base?",
            )
    if outside:
        e = outside[0]
        notes.append(
            f"{len(outside)} event(s) lie outside the data ({t0:.1f}-{t1:.1f} s), "
            f"the first {loc(e)}: {e.event} {e.exercise} at {e.time_s:g} s"
        )


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
def read_events_csv(path: str | Path, notes: list[str] | None = None) -> list[Event]:
    """Read an events CSV ``time_s,event,exercise`` (optionally gzip-compressed).

    Parameters
    ----------
    path : str or Path
    notes : list of str, optional
        Receives what was repaired (a byte-order mark skipped, a cut-off gzip).

    Raises
    ------
    InputError
        Naming file, line and column of the first bad cell.
    """
    p = Path(path)
    found: list[str] = []
    raw = _strip_bom(_read_bytes(p, found), found)
    _check_text(p, raw)
    if notes is not None:
        notes += [f"{p}: {n}" for n in found]
    rows = csv.reader(io.StringIO(raw.decode("utf-8")))
    need = ["time_s", "event", "exercise"]
    events = []
    try:
        header = [c.strip() for c in next(rows, [])]
        if [c for c in need if c not in header]:
            raise InputError(str(p), f"header must have {','.join(need)}", 1)
        i = [header.index(c) for c in need]
        for row in rows:
            lineno = rows.line_num
            if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
                continue
            if len(row) < len(header):
                raise InputError(str(p), f"expected {len(header)} fields, found {len(row)}", lineno)
            events.append(_event(p, row[i[0]], row[i[1]].strip(), row[i[2]].strip(), lineno))
    except csv.Error as e:
        what = (
            f"a field is longer than {csv.field_size_limit() // 1024} KiB"
            if "field limit" in str(e)
            else f"not valid CSV: {e}"
        )
        raise InputError(str(p), what, rows.line_num) from None
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
        file, bare CR line ends, malformed ``#`` lines, overlapping exercise windows, not a
        regular file, a gzip that expands too far; the message names file, line and column
        (docs/recording-format.md, *What the reader refuses*).
        Magnetometer cells that are empty or ``nan`` for all of ``mag_x, mag_y, mag_z``
        are legal (no magnetometer reading yet) and read as NaN.

    Warns
    -----
    RecordingWarning
        When data was recovered from a damaged file (a cut-off last line or gzip stream):
        every complete row is kept. What was assumed or left out (a byte-order mark, metadata
        the pipeline cannot use, unpaired or overlapping events) is only noted in
        ``Recording.warnings``.
    """
    p = Path(path)
    repairs: list[str] = []  # data recovered from a damaged file: these warn
    notes: list[str] = []  # assumed or left out: these are only noted
    raw = _strip_bom(_read_bytes(p, repairs), notes)
    _check_text(p, raw)
    raw = _cut_partial_line(raw, repairs)
    comments = _comment_lines(raw)
    com = _parse_comments(p, comments)
    meta, evs = com.meta, com.events
    _check_meta(p, meta, com.meta_lines, notes)
    header, header_line = _header(p, raw)
    wanted = _columns(p, header, header_line)
    trunk_lines: list[bytes] = []
    if com.version >= 2:
        trunk_lines = _TRUNK_LINE.findall(raw)
    trunk_commas = b"".join(trunk_lines).count(b",")
    table = _parse_numbers(
        p, raw, header, wanted, sum(c.count(b",") for _, c in comments) + trunk_commas
    )
    trunk = _parse_trunk(p, raw, meta, trunk_lines) if com.version >= 2 else None
    if events is not None:
        evs = evs + read_events_csv(events, notes)
    _check_events(
        p,
        evs,
        float(table[0, 0]),
        float(table[-1, 0]),
        notes,
        None if events is None else Path(events),
    )
    for note in repairs:
        warnings.warn(f"{p}: {note}", RecordingWarning, stacklevel=2)
    return Recording(
        samples=SampleBlock.from_table(table),
        events=sorted(evs, key=lambda e: e.time_s),
        gaps=com.gaps,
        meta=meta,
        path=str(p),
        warnings=repairs + notes,
        saturation=com.sats,
        trunk=trunk,
        trunk_gaps=com.trunk_gaps,
        trunk_saturation=com.trunk_sats,
    )
