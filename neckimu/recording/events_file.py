"""Events from an events CSV ``time_s,event,exercise``, and all events checked against each
other and against the data's time span."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from neckimu.errors import InputError
from neckimu.recording.comments import _event
from neckimu.recording.events import Event, pair_windows
from neckimu.recording.raw_text import _check_text, _read_bytes, _strip_bom

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
                f"recording stops first): its reps that end before the data do "
                f"({t1:.1f} s) are judged, one cut off by the end is not"
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
    back = next((k for k in range(1, len(events)) if events[k].time_s < events[k - 1].time_s), None)
    if back is not None and notes is not None:  # e.g. an end listed before its start
        a, b = events[back - 1], events[back]
        notes.append(
            f"{p}: lines not in time order (line {b.line}, {b.event} {b.exercise} at "
            f"{b.time_s:g} s, follows line {a.line}, {a.event} {a.exercise} at {a.time_s:g} s): "
            "events taken in time order"
        )
    return sorted(events, key=lambda e: e.time_s)
