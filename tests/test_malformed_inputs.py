"""Every malformed input gets one line on stderr and exit code 2 with nothing written, or a
documented note (docs/recording-format.md, *What the reader refuses*). Never a traceback.

Table-driven: each case builds its input files from the shipped example session, runs one
command in-process and checks the outcome. Issue 11 lists these inputs; each of them crashed,
was refused with an unclear message, or was accepted silently before.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import threading
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from neckimu.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "recordings" / "example_forehead.csv"
_TIME = re.compile(r'"time_s": ([-0-9.e+]+)')


def _lines(until_s: float) -> list[str]:
    """The example session up to ``until_s`` (calibration and the first holds)."""
    out = []
    for line in EXAMPLE.read_text().splitlines():
        if line.startswith("#"):
            m = _TIME.search(line)
            if m is None or float(m.group(1)) < until_s:
                out.append(line)
        elif not line[:1].isdigit() or float(line.split(",", 1)[0]) < until_s:
            out.append(line)
    return out


@pytest.fixture(scope="module")
def session() -> list[str]:
    """Lines of a 45 s session: calibration, two forward holds, one backward hold."""
    return _lines(45.0)


def _first_event(lines: list[str], kind: str, exercise: str) -> str:
    """The first ``# event`` line of ``kind`` for ``exercise``."""
    return next(
        ln
        for ln in lines
        if ln.startswith("# event") and f'"event": "{kind}", "exercise": "{exercise}"' in ln
    )


def _event_time(line: str) -> float:
    m = _TIME.search(line)
    assert m is not None
    return float(m.group(1))


def _map_rows(lines: list[str], fn: Callable[[list[str]], list[str]]) -> list[str]:
    return [",".join(fn(ln.split(","))) if ln[:1].isdigit() else ln for ln in lines]


def _without_events(lines: list[str]) -> list[str]:
    return [ln for ln in lines if not ln.startswith(("# event", "# gap"))]


def _text(lines: list[str]) -> str:
    return "\n".join(lines) + "\n"


@dataclass
class Case:
    """One malformed input: files to write, the command, and what must happen.

    ``files`` maps a file name to its text or bytes (``REC``, ``EV`` ... in ``argv`` are
    replaced by their paths). ``error``: a piece of the one-line error; ``note``: a piece of
    a note on stdout (the command succeeds). ``line``/``column`` are checked in the error.
    """

    files: Callable[[list[str]], dict[str, str | bytes]]
    argv: list[str]
    error: str | None = None
    note: str | None = None
    line: int | None = None
    column: str | None = None


ANALYZE = ["analyze", "REC", "--json", "OUT.json", "--plot", "OUT.png"]
WITH_EVENTS = ["analyze", "REC", "--events", "EV", "--json", "OUT.json", "--plot", "OUT.png"]
EVENTS = "time_s,event,exercise\n3,start,calibrate\n13,end,calibrate\n20,start,hold_left\n"


def _nested(lines: list[str]) -> dict:
    deep = '# meta {"x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    return {"REC": _text([*lines[:2], deep, *lines[2:]])}


def _row_line(lines: list[str], k: int) -> int:
    """1-based line number of the k-th data row."""
    rows = [i for i, ln in enumerate(lines) if ln[:1].isdigit()]
    return rows[k] + 1


def _set_cell(lines: list[str], k: int, col: int, value: str) -> list[str]:
    i = _row_line(lines, k) - 1
    cells = lines[i].split(",")
    cells[col] = value
    return [*lines[:i], ",".join(cells), *lines[i + 1 :]]


def _moving() -> str:
    """A head that never keeps still: the calibration cannot find the vertical."""
    t = np.arange(0.0, 20.0, 0.01)
    w = 2 * np.pi * 0.5
    z = np.zeros_like(t)
    table = np.column_stack([t, 0.6 + z, 0.6 * np.sin(w * t), 0.6 * np.cos(w * t), z, z, 9.81 + z])
    rows = "\n".join(",".join(f"{v:.6f}" for v in r) for r in table)
    return "time_s,gyr_x,gyr_y,gyr_z,acc_x,acc_y,acc_z\n" + rows + "\n"


def _comment_bomb() -> bytes:
    """64 KB of gzip holding 40 MB of comment lines (issue 11: 2.6 GB of memory)."""
    lines = _lines(3.0)
    raw = (_text(lines[:2]) + "#\n" * 20_000_000 + _text(lines[2:])).encode()
    return gzip.compress(raw, 9)


CASES: dict[str, Case] = {
    # -- recordings: tracebacks before ---------------------------------------------------
    "meta_mount_chin": Case(
        lambda s: {"REC": _text(s).replace('"mount": "forehead"', '"mount": "chin"')},
        ANALYZE,
        note="metadata mount 'chin' is not a mount preset",
    ),
    "gap_missing_infinity": Case(
        lambda s: {"REC": _text(s).replace('"missing": 1,', '"missing": Infinity,', 1)},
        ANALYZE,
        error="Infinity is not a JSON number",
    ),
    "meta_nested_100000_deep": Case(_nested, ANALYZE, error="nested too deeply", line=3),
    "accelerometer_all_zeros": Case(
        lambda s: {"REC": _text(_map_rows(s, lambda c: [*c[:4], "0", "0", "0", *c[7:]]))},
        ANALYZE,
        error="median |acc| is 0",
        column="acc_x,acc_y,acc_z",
    ),
    "exercise_name_mathtext": Case(
        lambda s: {"REC": _text(s).replace('"hold_flexion"', '"stretch_$\\\\frac$"')},
        ANALYZE,
        error="unknown exercise",
        column="exercise",
    ),
    "file_name_mathtext": Case(
        lambda s: {"s$^$.csv": _text(s)},
        ["analyze", "s$^$.csv", "--json", "OUT.json", "--plot", "OUT.png"],
        note="reps passed",
    ),
    # -- recordings: unclear messages before ------------------------------------------------
    "utf8_bom": Case(lambda s: {"REC": "\ufeff" + _text(s)}, ANALYZE, note="byte-order mark"),
    "bare_cr_line_ends": Case(
        lambda s: {"REC": "\r".join(s) + "\r"}, ANALYZE, error="bare carriage return", line=1
    ),
    "stray_cr": Case(
        lambda s: {"REC": _text(s[:400]).replace(",9.", ",\r9.", 1) + _text(s[400:])},
        ANALYZE,
        error="stray carriage return",
    ),
    "underscore_number": Case(
        lambda s: {"REC": _text(_set_cell(s, 40, 2, "1_0"))},
        ANALYZE,
        error="non-numeric value '1_0'",
        column="gyr_y",
    ),
    "calibration_error_names_the_file": Case(
        lambda s: {"REC": _moving()}, ANALYZE, error="rec.csv: the head never keeps still"
    ),
    "meta_nan_stretch_hold": Case(
        lambda s: {
            "REC": _text(s).replace(
                '"mount": "forehead"',
                '"mount": "forehead", "stretch_hold_s": {"stretch_right": NaN}',
            )
        },
        ANALYZE,
        error="NaN is not a JSON number",
        line=2,
    ),
    "meta_negative_stretch_hold": Case(
        lambda s: {
            "REC": re.sub(r', "stretch_hold_s": \{[^}]*\}', "", _text(s)).replace(
                '"mount": "forehead"',
                '"mount": "forehead", "stretch_hold_s": {"stretch_right": -5}',
            )
        },
        ANALYZE,
        note="stretch_hold_s",
    ),
    # -- recordings: accepted silently before ---------------------------------------------
    "time_in_milliseconds": Case(
        lambda s: {
            "REC": _text(
                _map_rows(_without_events(s), lambda c: [f"{float(c[0]) * 1000:.3f}", *c[1:]])
            )
        },
        ANALYZE,
        error="milliseconds",
        column="time_s",
    ),
    "time_in_microseconds_per_second": Case(
        lambda s: {
            "REC": _text(
                _map_rows(_without_events(s), lambda c: [f"{float(c[0]) / 1000:.9f}", *c[1:]])
            )
        },
        ANALYZE,
        error="microseconds",
        column="time_s",
    ),
    "accelerometer_in_g": Case(
        lambda s: {
            "REC": _text(
                _map_rows(
                    s, lambda c: [*c[:4], *(f"{float(v) / 9.80665:.7g}" for v in c[4:7]), *c[7:]]
                )
            )
        },
        ANALYZE,
        error="in g?",
    ),
    "gyroscope_in_deg_per_s": Case(
        lambda s: {
            "REC": _text(
                _map_rows(
                    s, lambda c: [c[0], *(f"{float(v) * 57.29578:.7g}" for v in c[1:4]), *c[4:]]
                )
            )
        },
        ANALYZE,
        error="deg/s",
    ),
    "time_jump_of_a_million_seconds": Case(
        lambda s: {
            "REC": _text(
                _map_rows(
                    _without_events(s),
                    lambda c: [f"{float(c[0]) + (1e6 if float(c[0]) > 30 else 0):.6f}", *c[1:]],
                )
            )
        },
        ANALYZE,
        note="time jumps forward 1 time(s) with no gap marked",
    ),
    "start_without_end": Case(
        lambda s: {"REC": _text([ln for ln in s if ln != _first_event(s, "end", "hold_flexion")])},
        ANALYZE,
        note="has no end before the next events",
    ),
    "nested_windows_in_the_recording": Case(
        lambda s: {
            "REC": _text(
                [
                    *s[:3],
                    '# event {"time_s": 21.0, "event": "start", "exercise": "hold_left"}',
                    '# event {"time_s": 24.0, "event": "end", "exercise": "hold_left"}',
                    *s[3:],
                ]
            )
        },
        ANALYZE,
        note="window left out (windows must not overlap)",
    ),
    "gzip_comment_bomb": Case(
        lambda s: {"REC.csv.gz": _comment_bomb()},
        ["analyze", "REC.csv.gz", "--json", "OUT.json"],
        error="gzip data expands beyond 32 MiB",
    ),
    "fifo": Case(
        lambda s: {"fifo.csv": "FIFO"},
        ["analyze", "fifo.csv", "--json", "OUT.json"],
        error="not a regular file",
    ),
    "folder_as_recording": Case(
        lambda s: {"dir.csv": "DIR"},
        ["analyze", "dir.csv", "--json", "OUT.json"],
        error="cannot read: a folder",
    ),
    # -- events CSV ------------------------------------------------------------------------
    "events_bare_cr": Case(
        lambda s: {"REC": _text(_without_events(s)), "EV": EVENTS.replace("\n", "\r")},
        WITH_EVENTS,
        error="bare carriage return",
        line=1,
    ),
    "events_stray_cr": Case(
        lambda s: {
            "REC": _text(_without_events(s)),
            "EV": EVENTS.replace("20,start", "20\r,start"),
        },
        WITH_EVENTS,
        error="stray carriage return",
        line=4,
    ),
    "events_field_over_128_kib": Case(
        lambda s: {
            "REC": _text(_without_events(s)),
            "EV": EVENTS + "30,end," + "x" * (140 * 1024) + "\n",
        },
        WITH_EVENTS,
        error="longer than 128 KiB",
        line=5,
    ),
    "events_exercise_mathtext": Case(
        lambda s: {
            "REC": _text(_without_events(s)),
            "EV": EVENTS + "25,start,stretch_$\\frac$\n40,end,stretch_$\\frac$\n",
        },
        WITH_EVENTS,
        error="unknown exercise",
        line=5,
        column="exercise",
    ),
    "events_overlapping_windows": Case(
        lambda s: {
            "REC": _text(_without_events(s)),
            "EV": EVENTS + "25,start,hold_right\n30,end,hold_left\n35,end,hold_right\n",
        },
        WITH_EVENTS,
        error="must not overlap",
        line=5,
        column="event",
    ),
    "events_outside_the_data": Case(
        lambda s: {
            "REC": _text(_without_events(s)),
            "EV": "time_s,event,exercise\n1000,start,hold_left\n1010,end,hold_left\n",
        },
        WITH_EVENTS,
        error="outside the recording's data",
    ),
    "events_bom": Case(
        lambda s: {
            "REC": _text(_without_events(s)),
            "EV": "\ufeff" + EVENTS + "30,end,hold_left\n",
        },
        WITH_EVENTS,
        note="byte-order mark",
    ),
    # -- outputs -----------------------------------------------------------------------------
    "json_is_a_folder": Case(
        lambda s: {"REC": _text(s), "OUT.json": "DIR"}, ANALYZE, error="is a folder"
    ),
    "export_out_is_a_folder": Case(
        lambda s: {"REC": _text(s), "OUT.csv": "DIR"},
        ["export", "REC", "--out", "OUT.csv"],
        error="is a folder",
    ),
    "plot_unknown_type": Case(
        lambda s: {"REC": _text(s)},
        ["analyze", "REC", "--json", "OUT.json", "--plot", "OUT.xyz"],
        error="--plot must end in",
    ),
    "json_is_the_input": Case(
        lambda s: {"REC": _text(s)}, ["analyze", "REC", "--json", "REC"], error="is an input"
    ),
    "export_out_is_the_input": Case(
        lambda s: {"REC": _text(s)}, ["export", "REC", "--out", "REC"], error="is an input"
    ),
    "export_out_links_to_the_input": Case(
        lambda s: {"REC": _text(s), "OUT.csv": "SYMLINK"},
        ["export", "REC", "--out", "OUT.csv"],
        error="is an input",
    ),
    "export_out_hardlinks_the_input": Case(
        lambda s: {"REC": _text(s), "OUT.csv": "HARDLINK"},
        ["export", "REC", "--out", "OUT.csv"],
        error="is an input",
    ),
    "export_over_a_recording": Case(
        lambda s: {"REC": _text(s), "OUT.csv": _text(s)},
        ["export", "REC", "--out", "OUT.csv"],
        error="is an existing recording; pass --force",
    ),
    "record_over_a_recording": Case(
        lambda s: {"OUT.csv": _text(s)},
        ["record", "--simulate", "--out", "OUT.csv"],
        error="already exists; pass --force",
    ),
    "simulate_over_a_recording": Case(
        lambda s: {"OUT.csv": _text(s)},
        ["simulate", "--out", "OUT.csv"],
        error="already exists; pass --force",
    ),
    "posture_json_is_the_input": Case(
        lambda s: {"REC": _text(s)},
        ["posture", "--analyze", "REC", "--json", "REC"],
        error="is an input",
    ),
}


def _setup(tmp_path: Path, case: Case, session: list[str]) -> tuple[list[str], list[Path]]:
    """Write the case's files; returns argv with paths and the files that must not change."""
    files = case.files(session)
    names = {"REC": "rec.csv", "EV": "events.csv"}
    kept: list[Path] = []
    for key, content in files.items():
        p = tmp_path / names.get(key, key)
        if content == "DIR":
            p.mkdir()
        elif content == "FIFO":
            os.mkfifo(p)
        elif content in ("SYMLINK", "HARDLINK"):
            (os.symlink if content == "SYMLINK" else os.link)(tmp_path / "rec.csv", p)
        else:
            p.write_bytes(content if isinstance(content, bytes) else content.encode())
            kept.append(p)
    argv = [
        str(tmp_path / names[a])
        if a in names
        else str(tmp_path / a)
        if a in files or a.startswith("OUT")
        else a
        for a in case.argv
    ]
    return argv, kept


def _digest(paths: list[Path]) -> dict[Path, str]:
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


def _unblock_fifo(path: Path, deadline_s: float = 10.0) -> None:
    """If a reader blocks on the FIFO (the old code did, forever), let it read an EOF."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
            return
        except OSError:  # no reader (yet)
            time.sleep(0.05)


def _strict_json(path: Path) -> dict:
    def refuse(name: str) -> None:
        raise AssertionError(f"{path} holds {name}: not strict JSON")

    return json.loads(path.read_text(), parse_constant=refuse)


@pytest.mark.parametrize("name", sorted(CASES))
def test_malformed_input(tmp_path, capsys, session, name):
    case = CASES[name]
    argv, inputs = _setup(tmp_path, case, session)
    before = _digest(inputs)
    outs = [Path(a) for a in argv if Path(a).name.startswith("OUT") and not Path(a).exists()]
    fifo = tmp_path / "fifo.csv"
    if fifo.exists():
        threading.Thread(target=_unblock_fifo, args=(fifo,), daemon=True).start()
    code = main(argv)
    cap = capsys.readouterr()
    assert "Traceback" not in cap.err
    assert _digest(inputs) == before, "an input was changed"
    if case.error is not None:
        assert code == 2, cap.out + cap.err
        assert cap.err.count("\n") == 1, cap.err
        assert cap.err.startswith(f"neckimu {argv[0]}: error: "), cap.err
        assert case.error in cap.err, cap.err
        if case.line is not None:
            assert f", line {case.line}" in cap.err, cap.err
        if case.column is not None:
            assert f", column {case.column}:" in cap.err, cap.err
        assert not [p for p in outs if p.exists()], "an output was written"
        assert not [p for p in tmp_path.iterdir() if ".partial" in p.name]
    else:
        assert code == 0, cap.err
        assert case.note in cap.out, cap.out
        for p in outs:
            assert p.exists()
            if p.suffix == ".json":
                _strict_json(p)


def test_start_without_end_leaves_the_window_out(tmp_path, capsys, session):
    """Judged as one long hold before: now the unended window is left out, with a note."""
    argv, _ = _setup(tmp_path, CASES["start_without_end"], session)
    assert main(argv) == 0
    js = _strict_json(Path(argv[3]))
    starts = [
        _event_time(ln)
        for ln in session
        if ln.startswith("# event") and '"start", "exercise": "hold_flexion"' in ln
    ]
    holds = [e for e in js["exercises"] if e["exercise"] == "hold_flexion"]
    assert [round(e["start_s"], 2) for e in holds] == [round(t, 2) for t in starts[1:]]
    assert all(e["end_s"] - e["start_s"] < 15 for e in js["exercises"])
    assert any("has no end before the next events" in n for n in js["notes"])


def test_report_skips_a_damaged_file_in_a_folder(tmp_path, capsys, session):
    folder = tmp_path / "sessions"
    folder.mkdir()
    (folder / "good.csv").write_text(_text(session))
    (folder / "zero.csv").write_text(
        _text(_map_rows(session, lambda c: [*c[:4], "0", "0", "0", *c[7:]]))
    )
    newer = _text(session).replace("# neckimu recording v1", "# neckimu recording v9", 1)
    (folder / "newer.csv").write_text(newer)
    # not recordings: said in one line (they were left out in silence); companions are not
    (folder / "garbage.csv").write_text("x,y\n1,2\n")
    (folder / "empty.csv").write_text("")
    (folder / "good.events.csv").write_text("time_s,event,exercise\n")
    assert main(["report", str(folder), "--out", str(tmp_path / "report")]) == 0
    out = capsys.readouterr().out
    assert (
        f"note: left out 2 CSV files of {folder} that are not a neckimu recording: "
        "empty.csv, garbage.csv"
    ) in out.splitlines()
    assert f"note: skipped {folder / 'zero.csv'}" in out
    assert f"note: skipped {folder / 'newer.csv'}" in out  # a newer format: said, not silent
    page = (tmp_path / "report" / "index.html").read_text()
    assert "good.csv" in page and "skipped" in page
    # a damaged file named on its own is still an error
    assert main(["report", str(folder / "zero.csv"), "--out", str(tmp_path / "r2")]) == 2
    assert not (tmp_path / "r2").exists()


def test_force_overwrites_a_recording_but_never_an_input(tmp_path, capsys, session):
    rec, other = tmp_path / "rec.csv", tmp_path / "other.csv"
    rec.write_text(_text(session))
    other.write_text(_text(session))
    assert main(["export", str(rec), "--out", str(other), "--force"]) == 0
    assert other.read_text().startswith("time_s,q_w")
    assert main(["export", str(rec), "--out", str(rec), "--force"]) == 2
    assert rec.read_text() == _text(session)


def test_outputs_only_when_all_succeed(tmp_path, capsys, session, monkeypatch):
    """A plot that fails leaves no JSON behind (it was written first before)."""
    rec = tmp_path / "rec.csv"
    rec.write_text(_text(session))

    def broken(*args, **kwargs):
        from neckimu.errors import NeckimuError

        raise NeckimuError("the plot failed")

    monkeypatch.setattr("neckimu.plots.plot_angles", broken)
    code = main(
        ["analyze", str(rec), "--json", str(tmp_path / "a.json"), "--plot", str(tmp_path / "a.png")]
    )
    assert code == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rec.csv"]


def test_comment_heavy_file_memory(tmp_path):
    """Issue 11: a file of comment lines cost ~40 bytes of memory per byte (a 64 KB .gz took
    2.6 GB). The reader now skips free comments without keeping them."""
    from neckimu.recording.reader import read_recording

    lines = _lines(3.0)
    p = tmp_path / "comments.csv"
    p.write_text(_text(lines[:2]) + "#\n" * 3_000_000 + _text(lines[2:]))
    size = p.stat().st_size
    tracemalloc.start()
    try:
        rec = read_recording(p)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    print(
        f"\ncomment-heavy file: {size / 1e6:.1f} MB read with a peak of {peak / 1e6:.1f} MB "
        f"({peak / size:.2f} bytes per byte), {len(rec.samples)} samples"
    )
    assert len(rec.samples) > 200
    assert peak < 3 * size + 16e6
