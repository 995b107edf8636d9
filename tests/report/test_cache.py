"""The report reuses each recording's cached analysis and figures: a warm run writes the same
bytes as a cold one, a changed recording or pass rule is analysed again, damaged files and
broken cache entries leave the cache sound, and the page renders from cached records alone."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pytest

from neckimu.recording.writer import MAGIC, append_meta
from neckimu.report import build_report
from neckimu.report import cache as cache_mod
from neckimu.report.cache import RecordCache, code_fingerprint, recording_key
from neckimu.report.record import FigureRef, SessionRecord
from neckimu.verify import hold as hold_mod

TODAY = date(2025, 3, 14)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def _entries(root: Path) -> list[Path]:
    """Complete record folders in a cache root."""
    return [d for d in root.glob("*/*") if (d / "record.json").is_file()]


@pytest.fixture(scope="module")
def two(rec_folder, tmp_path_factory) -> Path:
    """A folder with two of the sessions (copies: the tests change them)."""
    folder = tmp_path_factory.mktemp("two")
    for name in ("b_monday.csv", "c_wednesday.csv"):
        shutil.copy2(rec_folder / name, folder / name)
    return folder


def test_warm_run_is_byte_identical_to_cold_runs(rec_folder, tmp_path):
    cache = tmp_path / "cache"
    cold = build_report([rec_folder], tmp_path / "cold", cache_dir=cache, jobs=2, today=TODAY)
    assert len(cold.analysed) == 4 and cold.reused == []
    assert len(_entries(cache)) == 4
    warm = build_report([rec_folder], tmp_path / "warm", cache_dir=cache, today=TODAY)
    assert warm.analysed == [] and sorted(warm.reused) == sorted(cold.analysed)
    # and without a cache, analysed in this process rather than in two workers
    plain = build_report([rec_folder], tmp_path / "plain", cache_dir=None, jobs=1, today=TODAY)
    assert len(plain.analysed) == 4
    files = _files(tmp_path / "cold")
    assert len(files) > 20 and "index.html" in files and "progress.png" in files
    assert _files(tmp_path / "warm") == files
    assert _files(tmp_path / "plain") == files
    # a warm run into the same folder again: same bytes
    build_report([rec_folder], tmp_path / "warm", cache_dir=cache, today=TODAY)
    assert _files(tmp_path / "warm") == files


def test_changed_recording_is_analysed_again(two, tmp_path):
    cache = tmp_path / "cache"
    first = build_report([two], tmp_path / "r", cache_dir=cache, jobs=1, today=TODAY)
    assert len(first.analysed) == 2
    append_meta(two / "c_wednesday.csv", created="2025-03-06T09:10:00+01:00")
    again = build_report([two], tmp_path / "r", cache_dir=cache, jobs=1, today=TODAY)
    assert again.analysed == [two / "c_wednesday.csv"]
    assert again.reused == [two / "b_monday.csv"]
    assert "Session 2: 2025-03-06 09:10" in (tmp_path / "r" / "index.html").read_text()
    # a copy under another name is its own entry (the figures' titles name the file)
    shutil.copy2(two / "b_monday.csv", two / "b_copy.csv")
    try:
        third = build_report([two], tmp_path / "r", cache_dir=cache, jobs=1, today=TODAY)
    finally:
        (two / "b_copy.csv").unlink()
    assert third.analysed == [two / "b_copy.csv"]


def test_changed_criterion_invalidates(two, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    build_report([two], tmp_path / "r", cache_dir=cache, jobs=1, today=TODAY)
    before = code_fingerprint()

    @dataclass(frozen=True)
    class Stricter(hold_mod.HoldCriteria):
        tolerance_deg: float = 1.5

    monkeypatch.setattr(hold_mod, "HoldCriteria", Stricter)
    assert code_fingerprint() != before
    again = build_report([two], tmp_path / "r", cache_dir=cache, jobs=1, today=TODAY)
    assert len(again.analysed) == 2 and again.reused == []
    # the entries of the old fingerprint are gone: only the current one is kept
    assert [d.name for d in cache.iterdir()] == [code_fingerprint()]


def test_changed_source_or_version_changes_the_fingerprint(monkeypatch):
    before = code_fingerprint()
    monkeypatch.setattr(cache_mod, "_source_digest", lambda: b"another verifier")
    assert code_fingerprint() != before
    monkeypatch.undo()
    monkeypatch.setattr("neckimu.__version__", "9.9.9")
    assert code_fingerprint() != before


def test_damaged_file_and_broken_entry_do_not_spoil_the_cache(two, tmp_path):
    folder = tmp_path / "recs"
    folder.mkdir()
    shutil.copy2(two / "b_monday.csv", folder / "good.csv")
    (folder / "damaged.csv").write_bytes(MAGIC.encode() + b"\n\x00\x01\x02 binary junk\n")
    (folder / "foreign.csv").write_text("a,b\n1,2\n")  # not a recording: not even looked at
    cache = tmp_path / "cache"
    r = build_report([folder], tmp_path / "r", cache_dir=cache, jobs=2, today=TODAY)
    assert r.analysed == [folder / "good.csv"]
    assert len(r.skipped) == 1 and "damaged.csv" in r.skipped[0]
    assert len(_entries(cache)) == 1
    assert not list(cache.glob("*/.tmp-*")), "no half-written entries left"
    # a broken entry (say, a disk that filled up) is analysed again, not read
    (entry,) = _entries(cache)
    (entry / "record.json").write_text('{"record_version": 1, "name": "good.csv"')
    r = build_report([folder], tmp_path / "r", cache_dir=cache, jobs=1, today=TODAY)
    assert r.analysed == [folder / "good.csv"] and len(r.skipped) == 1
    (entry / "session.png").unlink()
    r = build_report([folder], tmp_path / "r", cache_dir=cache, jobs=1, today=TODAY)
    assert r.analysed == [folder / "good.csv"]
    json.loads((entry / "record.json").read_text())  # whole again


def test_unusable_cache_folder_still_gives_a_report(two, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    r = build_report(
        [two / "b_monday.csv"], tmp_path / "r", cache_dir=blocker / "cache", today=TODAY
    )
    assert r.index.is_file() and len(r.analysed) == 1
    assert "not usable" in capsys.readouterr().err


def _tiny_png(path: Path) -> bytes:
    from neckimu.report.figures import _figure, _save

    fig = _figure(1.0, 1.0)
    fig.subplots().plot([0, 1])
    return _save(fig, path).read_bytes()


def _plant(cache_root: Path, recording: Path, reps: list[dict], png: bytes) -> None:
    """A hand-made record in the cache for ``recording`` (whose bytes are then never read)."""
    cache = RecordCache(cache_root)
    tmp = cache.new_folder()
    (tmp / "session.png").write_bytes(png)
    analysis = {
        "duration_s": 90.0,
        "rate_hz": 100.0,
        "gaps": {"count": 0, "missing_samples": 0},
        "calibration": {"method": "gravity+nod", "mount": "forehead", "mount_source": "recording"},
        "exercises": [{"exercise": "rom", "start_s": 5.0, "end_s": 80.0}],
        "reps": reps,
        "notes": [],
        "neckimu_version": "test",
    }
    SessionRecord(
        recording.name,
        {"created": None},
        analysis,
        None,
        (FigureRef("session.png", None, "head angles"),),
    ).write(tmp)
    cache.commit(tmp, recording_key(recording))


def test_page_renders_from_cached_records_with_range_of_motion(two, tmp_path):
    """Range of motion from JSON rep records (as the guided rom exercise will write them),
    through the cache: the recordings themselves are never analysed."""
    cache = tmp_path / "cache"
    png = _tiny_png(tmp_path / "tiny.png")
    recs = []
    values = [
        (3, 50, 55, 40, 32, 70, 60),
        (5, 52, 55, 42, 36, 72, 62),
        (12, 54, 58, 44, 40, 74, 70),
    ]
    for day, fl, ex, ll, lr, rl, rr in values:
        p = tmp_path / f"rom-{day:02d}.csv"
        p.write_text(MAGIC + "\n" + f"# {day}\n")  # never read: its record is cached
        rep = {
            "exercise": "rom",
            "index": 1,
            "of": 1,
            "start_s": 5.0,
            "end_s": 80.0,
            "verdict": "pass",
            "faults": [],
            "message": "range of motion 1: measured",
            "rom_deg": {
                "flexion": fl,
                "extension": ex,
                "lateral_left": ll,
                "lateral_right": lr,
                "rotation_left": rl,
                "rotation_right": rr,
            },
        }
        _plant(cache, p, [rep], png)
        t = datetime(2025, 3, day, 9).timestamp()  # dated by the file time
        os.utime(p, (t, t))
        recs.append(p)
    r = build_report(recs, tmp_path / "r", cache_dir=cache, today=date(2025, 3, 14))
    assert r.analysed == [] and len(r.reused) == 3
    text = r.index.read_text(encoding="utf-8")
    assert '<section id="rom">' in text and 'src="rom.png"' in text
    assert (tmp_path / "r" / "rom.png").read_bytes()[:4] == b"\x89PNG"
    # weekly medians and left minus right: W10 = 3 and 5 March, W11 = 12 March
    assert (
        '<tr><td>2025-W10</td><td class="num">2</td><td class="num">51</td>'
        '<td class="num">55</td><td class="num">41</td><td class="num">34</td>'
        '<td class="num">71</td><td class="num">61</td><td class="num">+7</td>'
        '<td class="num">+10</td></tr>'
    ) in text
    assert (
        '<tr><td>2025-W11</td><td class="num">1</td><td class="num">54</td>'
        '<td class="num">58</td><td class="num">44</td><td class="num">40</td>'
        '<td class="num">74</td><td class="num">70</td><td class="num">+4</td>'
        '<td class="num">+4</td></tr>'
    ) in text
    assert (
        "Range of motion on 12 March 2025: forward 54, backward 58, tilt left 44, tilt "
        "right 40, turn left 74, turn right 70 degrees. Left and right are within 5 "
        "degrees of each other. Largest change since 3 March 2025: turn right +10 "
        "degrees."
    ) in text
    # a measurement is not a pass or a fail: no pass rate from it
    assert "Pass rate" not in text
