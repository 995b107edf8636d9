"""Which recordings a report covers, when each session took place, and their records.

A report covers one recording or every neckimu recording in a folder. Sessions are ordered by
their date: the metadata key ``created`` (ISO 8601 text, or seconds since the epoch) when the
recording has one, else the file's modification time. Each recording's record (analysis and
figures, ``neckimu.report.record``) comes from the cache (``neckimu.report.cache``) or is
made, the missing ones in parallel worker processes.
"""

from __future__ import annotations

import gzip
import os
import shutil
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from neckimu.errors import InputError, NeckimuError
from neckimu.recording.writer import MAGIC_PREFIX
from neckimu.report.cache import RecordCache, recording_key
from neckimu.report.record import SessionRecord, analyse_job

#: File name endings of recordings; ``*.truth.csv.gz`` (simulator ground truth) is not one.
RECORDING_SUFFIXES = (".csv", ".csv.gz")


@dataclass
class Session:
    """One recording of a report.

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
    record : SessionRecord
        Its analysis and the names of its figures.
    folder : Path
        The folder that holds the record's figures (in the cache).
    """

    path: Path
    when: datetime
    timestamp: float
    date_source: str
    record: SessionRecord
    folder: Path


def _is_neckimu_recording(path: Path) -> bool:
    """Whether the file starts with the format's magic line (plain or gzip)."""
    try:
        if path.name.endswith(".gz"):
            with gzip.open(path, "rb") as f:
                head = f.read(len(MAGIC_PREFIX))
        else:
            with open(path, "rb") as f:
                head = f.read(len(MAGIC_PREFIX))
    except (OSError, EOFError):
        return False
    # any version: one this neckimu cannot read is skipped with a note, not in silence
    return head == MAGIC_PREFIX.encode()


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
    return [p for p, _ in _expand(paths)[0]]


#: A recording's companions in its folder: not recordings, left out without a word.
COMPANIONS = (".truth.csv.gz", ".events.csv")


def _expand(paths: list[Path]) -> tuple[list[tuple[Path, bool]], list[str]]:
    """(file, whether it was found in a folder) for :func:`find_recordings`, and a line per
    folder naming the CSV files in it that are not neckimu recordings (nor a recording's
    truth or events)."""
    out: list[tuple[Path, bool]] = []
    notes: list[str] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            csvs = sorted(
                f
                for f in p.iterdir()
                if f.is_file()
                and f.name.endswith(RECORDING_SUFFIXES)
                and not f.name.endswith(COMPANIONS)
            )
            found = [f for f in csvs if _is_neckimu_recording(f)]
            if not found:
                raise InputError(str(p), "no neckimu recordings (*.csv, *.csv.gz) in this folder")
            out += [(f, True) for f in found]
            others = [f.name for f in csvs if f not in found]
            if others:
                shown = ", ".join(others[:5]) + (", ..." if len(others) > 5 else "")
                notes.append(
                    f"left out {len(others)} CSV file{'s' if len(others) > 1 else ''} of {p} "
                    f"that {'are' if len(others) > 1 else 'is'} not a neckimu recording: {shown}"
                )
        elif p.is_file():
            out.append((p, False))
        elif p.exists():
            raise InputError(str(p), "not a regular file or folder")
        else:
            raise InputError(str(p), "no such file or folder")
    if not out:
        raise NeckimuError("no recordings given")
    return out, notes


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


@dataclass
class Loaded:
    """What :func:`load_sessions` found.

    Attributes
    ----------
    sessions : list of Session
        Oldest first (ties: by file name).
    skipped : list of str
        One line per recording of a folder that could not be read or analysed.
    analysed : list of Path
        Recordings analysed in this run.
    reused : list of Path
        Recordings whose cached record was used.
    left_out : list of str
        One line per folder with CSV files that are not neckimu recordings.
    """

    sessions: list[Session]
    skipped: list[str] = field(default_factory=list)
    analysed: list[Path] = field(default_factory=list)
    reused: list[Path] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)


def worker_count(jobs: int | None, tasks: int) -> int:
    """Processes for ``tasks`` analyses: ``jobs``, else every core this process may use."""
    if jobs is None:
        try:
            jobs = len(os.sched_getaffinity(0))
        except AttributeError:  # not on Linux
            jobs = os.cpu_count() or 1
    return max(1, min(int(jobs), tasks))


def load_sessions(
    paths: list[Path], cache: RecordCache, *, jobs: int | None = None, progress: bool | None = False
) -> Loaded:
    """The record of every recording, from the cache or analysed (in parallel), by date.

    Parameters
    ----------
    paths : list of Path
        Recording files or folders (see :func:`find_recordings`).
    cache : RecordCache
        Where records are looked up and stored.
    jobs : int, optional
        Worker processes for the recordings to analyse; default every core. With one worker
        or one recording to analyse, the analysis runs in this process.
    progress : bool or None
        Show a progress bar (tqdm, on stderr) while analysing; None: only on a terminal.

    Returns
    -------
    Loaded

    Raises
    ------
    NeckimuError
        Bad input, naming the file: a recording named on its own that does not read, or a
        folder whose every recording was skipped. A recording found in a folder that does
        not read is skipped with a line in ``Loaded.skipped`` and stored nowhere.
    """
    found, notes = _expand(paths)
    loaded = Loaded([], left_out=notes)
    records: dict[int, tuple[SessionRecord, Path]] = {}
    todo: list[tuple[int, Path, str]] = []
    for i, (p, in_folder) in enumerate(found):
        try:
            key = recording_key(p)
        except OSError as e:
            _failed(loaded, p, in_folder, f"{p}: cannot read: {e.strerror or e}")
            continue
        rec = cache.load(key)
        if rec is None:
            todo.append((i, p, key))
        else:
            records[i] = (rec, cache.entry(key))
            loaded.reused.append(p)
    for i, outcome in _analyse(todo, cache, jobs, progress):
        p, in_folder = found[i]
        kind, value = outcome
        if kind == "ok":
            records[i] = value
            loaded.analysed.append(p)
        elif kind == "internal":
            msg = f"{p}: could not be analysed (internal error {value}; please report it)"
            if not in_folder:
                raise RuntimeError(msg)
            loaded.skipped.append(f"skipped {msg}")
        else:
            _failed(loaded, p, in_folder, value)
    for i, (rec, folder) in sorted(records.items()):
        p = found[i][0]
        when, ts, source = session_date(rec.meta, p)
        loaded.sessions.append(Session(p, when, ts, source, rec, folder))
    if not loaded.sessions:
        raise NeckimuError(
            f"no readable recording ({len(loaded.skipped)} skipped); the first: "
            + loaded.skipped[0].removeprefix("skipped ")
        )
    loaded.sessions.sort(key=lambda s: (s.timestamp, s.path.name))
    return loaded


def _failed(loaded: Loaded, p: Path, in_folder: bool, message: str) -> None:
    if not in_folder:
        raise NeckimuError(message)
    loaded.skipped.append(f"skipped {message}" if str(p) in message else f"skipped {p}: {message}")


def _analyse(
    todo: list[tuple[int, Path, str]], cache: RecordCache, jobs: int | None, progress: bool | None
) -> Iterator[tuple[int, tuple[str, Any]]]:
    """Analyse each recording into a new cache folder; yields ``(index, outcome)`` as they
    finish, outcome ``("ok", (record, folder))``, ``("error", message)`` or
    ``("internal", message)``."""
    if not todo:
        return
    from tqdm import tqdm

    workers = worker_count(jobs, len(todo))
    # longest first: the pool's last minutes are not spent on one big file
    todo = sorted(todo, key=lambda job: -_size(job[1]))
    bar = tqdm(
        total=len(todo),
        desc="analysing recordings",
        unit="rec",
        leave=False,
        disable=None if progress is None else not progress,
    )
    try:
        if workers == 1:
            for i, p, key in todo:
                tmp = cache.new_folder()
                yield i, _finish(cache, tmp, key, analyse_job(str(p), str(tmp)))
                bar.update()
            return
        from concurrent.futures import ProcessPoolExecutor, as_completed

        with ProcessPoolExecutor(workers, mp_context=_context(), initializer=_worker_init) as ex:
            futures = {}
            # the workers start while jobs are submitted: with Ctrl-C ignored then, they start
            # with it ignored (a Ctrl-C while one imports would print its traceback)
            main = threading.current_thread() is threading.main_thread()
            previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
            try:
                for i, p, key in todo:
                    tmp = cache.new_folder()
                    futures[ex.submit(analyse_job, str(p), str(tmp))] = (i, tmp, key)
            finally:
                if main:
                    signal.signal(signal.SIGINT, previous)
            try:
                for fut in as_completed(futures):
                    i, tmp, key = futures[fut]
                    yield i, _finish(cache, tmp, key, fut.result())
                    bar.update()
            except BaseException:
                # the executor cancels what has not started (cancelling futures one by one
                # races its own thread, which then fails on a cancelled future)
                ex.shutdown(wait=False, cancel_futures=True)
                raise
            finally:
                for _, tmp, _ in futures.values():
                    if tmp.exists():
                        shutil.rmtree(tmp, ignore_errors=True)
    finally:
        bar.close()


def _context():
    """How workers start: a fork of this process when it runs no other thread (the workers
    then share what it has imported: matplotlib, scipy), else a fresh interpreter (*spawn*:
    a fork of a process with threads, such as a Qt window's, may deadlock)."""
    import multiprocessing
    import sys
    import threading

    if sys.platform.startswith("linux") and threading.active_count() == 1:
        import matplotlib.figure  # noqa: F401  (used by every worker, imported once)

        import neckimu.pipeline  # noqa: F401

        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _worker_init() -> None:
    """Workers leave Ctrl-C to the main process, which cancels what has not started."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _finish(cache: RecordCache, tmp: Path, key: str, outcome: tuple[str, Any]) -> tuple[str, Any]:
    kind, value = outcome
    if kind != "ok":
        shutil.rmtree(tmp, ignore_errors=True)
        return kind, value
    return "ok", (SessionRecord.from_json(value), cache.commit(tmp, key))


def _size(p: Path) -> int:
    try:
        return p.stat().st_size
    except OSError:
        return 0
