"""Read recordings (format v1; v2 with a trunk sensor) and foreign interchange CSVs, strictly
and fast.

The fast path hands the bytes to pandas' C parser (the fastest text reader we measured for
these files, see bench/offline.py). Only when that fails, or the numbers do not pass the checks,
does a slow line-by-line pass run to name the exact line and column of the first problem.

The stages live in sibling modules: :mod:`~neckimu.recording.raw_text` (bytes to checked text),
:mod:`~neckimu.recording.comments` (``#`` lines), :mod:`~neckimu.recording.rows` (header and
numbers), :mod:`~neckimu.recording.events_file` (events CSV, event checks) and
:mod:`~neckimu.recording.model` (the :class:`Recording` type).
"""

from __future__ import annotations

import warnings
from pathlib import Path

from neckimu.recording.comments import _check_meta, _comment_lines, _parse_comments
from neckimu.recording.events_file import _check_events, read_events_csv
from neckimu.recording.model import Recording, RecordingWarning
from neckimu.recording.raw_text import _check_text, _cut_partial_line, _read_bytes, _strip_bom
from neckimu.recording.rows import _TRUNK_LINE, _columns, _header, _parse_numbers, _parse_trunk
from neckimu.samples import SampleBlock

__all__ = ["Recording", "RecordingWarning", "read_events_csv", "read_recording"]


def read_recording(path: str | Path, events: str | Path | None = None) -> Recording:
    """Read a neckimu recording or a foreign interchange CSV (``.csv`` or ``.csv.gz``).

    Parameters
    ----------
    path : str or Path
        The file. Columns ``time_s,gyr_x,gyr_y,gyr_z,acc_x,acc_y,acc_z[,mag_x,mag_y,mag_z]``
        in s, rad/s, m/s², µT (sensor frame); other columns are ignored.
    events : str or Path, optional
        An events CSV ``time_s,event,exercise`` whose events are added to the file's own
        (an event both hold counts once).

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
    if com.version >= 2 and trunk is None:  # v2's header names the trunk board (checked)
        notes.append(
            f"{p.name}: the header names a trunk board but the file holds none of its samples:"
            " angles and verdicts are the head's alone"
        )
    if events is not None:
        # the file's own cues given again (``neckimu simulate`` writes both) count once
        own = {(round(e.time_s, 6), e.event, e.exercise) for e in evs}
        extra = read_events_csv(events, notes)
        added = [e for e in extra if (round(e.time_s, 6), e.event, e.exercise) not in own]
        if len(added) < len(extra):
            notes.append(
                f"{Path(events)}: {len(extra) - len(added)} of its events are already in {p.name}"
                " and count once"
            )
        evs = evs + added
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
