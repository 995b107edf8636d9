"""A recording's bytes as checked text: read, gunzip (bounded), byte-order mark, line ends,
binary data, a cut-off last line."""

from __future__ import annotations

import re
import stat
import zlib
from pathlib import Path

from neckimu.errors import InputError

#: A gzip file may expand to at most this many times its size (a recording compresses about
#: 3-5 fold; a file of repeated lines ~1000 fold)...
GZIP_MAX_RATIO = 100
#: ... or to this many bytes when that is more (small files) ...
GZIP_MIN_LIMIT = 32 * 2**20
#: ... and never beyond this (a day at 200 Hz is about 1.7 GB of text).
GZIP_MAX_BYTES = 4 * 2**30
_GZIP_CHUNK = 4 * 2**20


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
