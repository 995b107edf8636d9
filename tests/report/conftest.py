"""A folder of short simulated sessions on dates over two weeks, and its report (built once)."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest

from neckimu.recording.writer import append_meta
from neckimu.sim import SessionConfig, simulate_session

#: (file name, seed, metadata ``created``); names are out of date order on purpose
SESSIONS = (
    ("b_monday.csv", 11, "2025-03-03T18:05:00+01:00"),
    ("c_wednesday.csv", 12, "2025-03-05T07:40:00+01:00"),
    ("a_next_week.csv", 13, "2025-03-11T19:15:00+01:00"),
)
#: a session without ``created``: dated by its file time (2025-03-12 12:00 local)
MTIME_SESSION = ("d_no_created.csv", 14, datetime(2025, 3, 12, 12, 0).timestamp())


def short_session(seed: int, path: Path) -> None:
    """A guided session with one rep per hold and three retractions, some faulty."""
    cfg = SessionConfig(seed=seed, fault_rate=0.3, hold_reps=1, retraction_reps=3)
    simulate_session(cfg).write(path)


@pytest.fixture(scope="session", autouse=True)
def _report_cache(tmp_path_factory):
    """Reports made by the CLI keep their cache in a temporary folder, not in ~/.cache."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NECKIMU_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        yield


@pytest.fixture(scope="session")
def rec_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("sessions")
    for name, seed, created in SESSIONS:
        short_session(seed, folder / name)
        append_meta(folder / name, created=created)
    name, seed, mtime = MTIME_SESSION
    short_session(seed, folder / name)
    os.utime(folder / name, (mtime, mtime))
    return folder


@pytest.fixture(scope="session")
def report_dir(rec_folder, tmp_path_factory) -> Path:
    from neckimu.cli import main

    out = tmp_path_factory.mktemp("report")
    assert main(["report", str(rec_folder), "--out", str(out)]) == 0
    return out
