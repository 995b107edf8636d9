"""Which recordings a report covers, when each session took place, and their analyses.

A report covers one recording or every neckimu recording in a folder. Sessions are ordered by
their date: the metadata key ``created`` (ISO 8601 text, or seconds since the epoch) when the
recording has one, else the file's modification time.
"""

from __future__ import annotations

import gzip
import warnings
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from neckimu.errors import InputError, NeckimuError
from neckimu.pipeline import Analysis
from neckimu.recording.writer import MAGIC, MAGIC_V2

#: File name endings of recordings; ``*.truth.csv.gz`` (simulator ground truth) is not one.
RECORDING_SUFFIXES = (".csv", ".csv.gz")


@dataclass
class Session:
    """One analysed recording of a report.

    Attributes
    ----------
    path : Path
        The recording.
    when : datetime
        Session start as the wall clock where it was recorded (naive), for people.
    timestamp : float
        Session start, s since the epoch (for ordering).
    date_source : str
        ``"created"`` (from the metadata) or ``"file time"`` (modification time).
    analysis : Analysis
    """

    path: Path
    when: datetime
    timestamp: float
    date_source: str
    analysis: Analysis


def _is_neckimu_recording(path: Path) -> bool:
    """Whether the file starts with the format's magic line (plain or gzip)."""
    try:
        if path.name.endswith(".gz"):
            with gzip.open(path, "rb") as f:
                head = f.read(len(MAGIC))
        else:
            with open(path, "rb") as f:
                head = f.read(len(MAGIC))
    except (OSError, EOFError):
        return False
    return head in (MAGIC.encode(), MAGIC_V2.encode())


def find_recordings(paths: list[Path]) -> list[Path]:
    """Expand folders into the neckimu recordings they hold (not recursive).

    Parameters
    ----------
    paths : list of Path
        Recording files (any readable CSV) or folders.

    Returns
    -------
    list of Path
        Files, folders expanded to their ``.csv``/``.csv.gz`` files that start with the
        neckimu recording header (ground truth, events and angle CSVs are skipped).

    Raises
    ------
    InputError
        A path that does not exist, or a folder without recordings.
    """
    return [p for p, _ in _expand(paths)]


def _expand(paths: list[Path]) -> list[tuple[Path, bool]]:
    """(file, whether it was found in a folder) for :func:`find_recordings`."""
    out: list[tuple[Path, bool]] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            found = sorted(
                f
                for f in p.iterdir()
                if f.is_file()
                and f.name.endswith(RECORDING_SUFFIXES)
                and not f.name.endswith(".truth.csv.gz")
                and _is_neckimu_recording(f)
            )
            if not found:
                raise InputError(str(p), "no neckimu recordings (*.csv, *.csv.gz) in this folder")
            out += [(f, True) for f in found]
        elif p.is_file():
            out.append((p, False))
        elif p.exists():
            raise InputError(str(p), "not a regular file or folder")
        else:
            raise InputError(str(p), "no such file or folder")
    if not out:
        raise NeckimuError("no recordings given")
    return out


def session_date(meta: dict, path: Path) -> tuple[datetime, float, str]:
    """When a session took place.

    Parameters
    ----------
    meta : dict
        The recording's metadata; ``created`` is ISO 8601 text (with or without a UTC offset)
        or seconds since the epoch.
    path : Path
        The file, for its modification time when ``created`` is missing or unreadable.

    Returns
    -------
    when : datetime
        Naive wall-clock time where it was recorded (its own UTC offset, else local time).
    timestamp : float
        Seconds since the epoch.
    source : str
        ``"created"`` or ``"file time"``.
    """
    created = meta.get("created")
    if isinstance(created, str):
        try:
            dt = datetime.fromisoformat(created)
        except ValueError:
            dt = None
        if dt is not None:
            return dt.replace(tzinfo=None), dt.timestamp(), "created"
    elif isinstance(created, int | float) and not isinstance(created, bool):
        try:
            return datetime.fromtimestamp(float(created)), float(created), "created"
        except (OverflowError, OSError, ValueError):
            pass
    ts = path.stat().st_mtime
    return datetime.fromtimestamp(ts), ts, "file time"


def load_sessions(paths: list[Path], skipped: list[str] | None = None) -> list[Session]:
    """Read and analyse every recording, in session-date order.

    Parameters
    ----------
    paths : list of Path
        Recording files or folders (see :func:`find_recordings`).
    skipped : list of str, optional
        Receives one line per recording found in a folder that could not be read or analysed;
        such a file is skipped (a file named on its own is an error).

    Returns
    -------
    list of Session
        Oldest first (ties: by file name).

    Raises
    ------
    NeckimuError
        Bad input, naming the file; also when every recording of a folder was skipped.
    """
    sessions = []
    skips: list[str] = []
    for p, in_folder in _expand(paths):
        try:
            sessions.append(_load(p))
        except NeckimuError as e:
            if not in_folder:
                raise
            skips.append(f"skipped {e}" if str(p) in str(e) else f"skipped {p}: {e}")
    if skipped is not None:
        skipped += skips
    if not sessions:
        raise NeckimuError(
            f"no readable recording ({len(skips)} skipped); the first: "
            + skips[0].removeprefix("skipped ")
        )
    sessions.sort(key=lambda s: (s.timestamp, s.path.name))
    return sessions


def _load(p: Path) -> Session:
    from neckimu.pipeline import analyze
    from neckimu.recording.reader import RecordingWarning, read_recording

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RecordingWarning)  # kept in rec.warnings
        rec = read_recording(p)
    try:
        analysis = analyze(rec)
    except InputError:
        raise
    except NeckimuError as e:
        raise NeckimuError(str(e) if str(p) in str(e) else f"{p}: {e}") from None
    when, ts, source = session_date(rec.meta, p)
    return Session(p, when, ts, source, analysis)
