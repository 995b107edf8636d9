"""`neckimu analyze` and `neckimu export` end to end on the example recordings."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from neckimu.cli import main

EXAMPLES = Path(__file__).resolve().parents[1] / "recordings"


@pytest.mark.parametrize("name", ["example_forehead", "example_back_of_head_rev2"])
def test_analyze_example_matches_truth(tmp_path, capsys, name):
    rec = EXAMPLES / f"{name}.csv"
    out, png = tmp_path / "a.json", tmp_path / "a.png"
    assert main(["analyze", str(rec), "--json", str(out), "--plot", str(png)]) == 0
    text = capsys.readouterr().out
    result = json.loads(out.read_text())
    assert result["schema_version"] == 1 and result["calibration"]["method"] == "gravity+nod"
    assert set(result["angles_summary"]) == {"flexion", "lateral", "rotation"}
    truth = json.loads((EXAMPLES / f"{name}.truth.json").read_text())["reps"]
    # holds and stretches are judged per window: the same reps, verdicts as the truth's
    kinds = ("hold_", "stretch_")
    found = [r for r in result["reps"] if r["exercise"].startswith(kinds)]
    true = [t for t in truth if t["exercise"].startswith(kinds)]
    assert [(r["exercise"], r["verdict"]) for r in found] == [
        (t["exercise"], t["verdict"]) for t in true
    ]
    # the retraction reps are found in the set (how well they are judged: bench/accuracy.py)
    n_true = sum(t["exercise"] == "retraction" for t in truth)
    n_found = sum(r["exercise"] == "retraction" for r in result["reps"])
    assert 0.6 * n_true <= n_found <= n_true
    for r in result["reps"]:
        assert r["message"] in text
    assert "not a medical device" in text
    assert png.stat().st_size > 20_000  # a real figure, not an empty canvas


def test_export_columns_and_angles(tmp_path):
    out = tmp_path / "e.csv"
    assert main(["export", str(EXAMPLES / "example_forehead.csv"), "--out", str(out)]) == 0
    df = pd.read_csv(out)
    assert list(df.columns) == [
        "time_s",
        "q_w",
        "q_x",
        "q_y",
        "q_z",
        "flexion_deg",
        "lateral_deg",
        "rotation_deg",
    ]
    q = df[["q_w", "q_x", "q_y", "q_z"]].to_numpy()
    np.testing.assert_allclose(np.linalg.norm(q, axis=1), 1.0, atol=1e-6)
    assert df["flexion_deg"].max() > 10  # the calibration nods and the exercises


def test_export_gz_is_compressed_and_other_names_are_refused(tmp_path, capsys):
    """``--out x.csv.gz`` wrote plain text under a .gz name; ``--out x.json`` wrote CSV."""
    rec = str(EXAMPLES / "example_forehead.csv")
    plain, packed = tmp_path / "e.csv", tmp_path / "e.csv.gz"
    assert main(["export", rec, "--out", str(plain)]) == 0
    assert main(["export", rec, "--out", str(packed)]) == 0
    assert packed.read_bytes()[:2] == b"\x1f\x8b"  # gzip's magic number
    pd.testing.assert_frame_equal(pd.read_csv(packed), pd.read_csv(plain))
    capsys.readouterr()
    assert main(["export", rec, "--out", str(tmp_path / "e.json")]) == 2
    assert "--out must end in .csv or .csv.gz" in capsys.readouterr().err
    assert not (tmp_path / "e.json").exists()


def test_analyze_foreign_csv_with_events(tmp_path, capsys):
    rec = tmp_path / "foreign.csv"
    src = pd.read_csv(EXAMPLES / "example_forehead.csv", comment="#")
    src[["time_s", "gyr_x", "gyr_y", "gyr_z", "acc_x", "acc_y", "acc_z"]].to_csv(rec, index=False)
    ev = tmp_path / "ev.csv"
    ev.write_text("time_s,event,exercise\n2.0,start,calibrate\n14.0,end,calibrate\n")
    assert main(["analyze", str(rec), "--events", str(ev), "--json", str(tmp_path / "o.json")]) == 0
    cal = json.loads((tmp_path / "o.json").read_text())["calibration"]
    assert cal["mount_source"] == "inferred" and cal["mount"] == "forehead"


def test_store_calibration_appends_once(tmp_path):
    import shutil

    from neckimu.recording.reader import read_recording

    rec = tmp_path / "r.csv"
    shutil.copy(EXAMPLES / "example_forehead.csv", rec)
    assert "calibration" not in read_recording(rec).meta
    for _ in range(2):
        assert main(["analyze", str(rec), "--quiet", "--store-calibration"]) == 0
    text = rec.read_text()
    assert text.count('# meta {"calibration"') == 1
    assert read_recording(rec).meta["calibration"]["method"] == "gravity+nod"


def test_store_calibration_leaves_an_interrupted_recording_readable(tmp_path, capsys):
    """A recording cut in the middle of a line (the reader drops that partial line): storing
    the calibration is refused with one line, and the file stays as it was, readable (a
    tester's finding: the meta line was appended onto the partial line, and the next read
    refused the whole file)."""
    import warnings

    from neckimu.recording.reader import read_recording

    rec = tmp_path / "cut.csv"
    data = (EXAMPLES / "example_forehead.csv").read_bytes()
    rec.write_bytes(data[: data.rindex(b"\n", 0, len(data) // 2) + 25])  # inside a row
    before = rec.read_bytes()
    assert main(["analyze", str(rec), "--quiet", "--store-calibration"]) == 2
    err = capsys.readouterr().err
    assert "middle of a line" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) <= 2  # the note on the cut line, and the error
    assert rec.read_bytes() == before
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the note on the dropped partial line
        assert len(read_recording(rec).samples) > 1000


def test_pipeline_store_calibration_after_a_recording(tmp_path, caplog):
    """What `record` and the live sources run once the file is closed (the recorder does not)."""
    import shutil

    from neckimu.pipeline import store_calibration
    from neckimu.recording.reader import read_recording

    rec = tmp_path / "r.csv"
    shutil.copy(EXAMPLES / "example_forehead.csv", rec)
    store_calibration(rec)
    assert read_recording(rec).meta["calibration"]["method"] == "gravity+nod"
    bad = tmp_path / "bad.csv"
    bad.write_text("not a recording\n")
    store_calibration(bad)  # a warning, never an exception: the recording is what matters
    assert bad.read_text() == "not a recording\n"
    assert "calibration not stored" in caplog.text


@pytest.mark.parametrize("suffix", ["svg", "pdf"])
def test_plot_formats_the_help_offers(tmp_path, suffix):
    """--plot writes SVG and PDF too (PNG-only save options broke them)."""
    plot, out = tmp_path / f"a.{suffix}", tmp_path / "a.json"
    rec = EXAMPLES / "example_forehead.csv"
    assert main(["analyze", str(rec), "--quiet", "--json", str(out), "--plot", str(plot)]) == 0
    head = plot.read_bytes()[:64]
    assert (b"<svg" in plot.read_bytes()[:2000]) if suffix == "svg" else head.startswith(b"%PDF")
    assert out.exists()


def test_export_unknown_mount_is_a_one_line_error(tmp_path, capsys):
    out = tmp_path / "e.csv"
    rc = main(
        ["export", str(EXAMPLES / "example_forehead.csv"), "--mount", "chin", "--out", str(out)]
    )
    assert rc == 2 and not out.exists()
    assert "unknown mount 'chin'" in capsys.readouterr().err


def test_output_piped_into_head_ends_quietly():
    """`neckimu analyze x.csv | head -1`: no BrokenPipeError traceback when the reader leaves."""
    import subprocess
    import sys

    cmd = [sys.executable, "-m", "neckimu", "analyze", str(EXAMPLES / "example_forehead.csv")]
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as p:
        assert p.stdout is not None and p.stderr is not None and p.stdout.readline()
        p.stdout.close()  # the reader leaves after one line
        err = p.stderr.read().decode()
        assert p.wait(timeout=300) == 0, err
    assert "Traceback" not in err and "BrokenPipe" not in err


def test_a_rep_cut_off_is_not_counted_as_judged(tmp_path, capsys):
    """A recording that ends 3 s into the first hold: that hold fails as incomplete, and the
    summary counts it apart from the judged reps (it says nothing about the person)."""
    lines = (EXAMPLES / "example_forehead.csv").read_text().splitlines()
    start = next(i for i, x in enumerate(lines) if '"start", "exercise": "hold_flexion"' in x)
    t_start = json.loads(lines[start].split(" ", 2)[2])["time_s"]
    keep = [
        x
        for x in lines[start + 1 :]
        if x and x[0].isdigit() and float(x.split(",")[0]) < t_start + 3
    ]
    cut = tmp_path / "cut.csv"
    cut.write_text("\n".join(lines[: start + 1] + keep) + "\n")
    assert main(["analyze", str(cut), "--json", str(tmp_path / "cut.json")]) == 0
    out = capsys.readouterr().out
    reps = json.loads((tmp_path / "cut.json").read_text())["reps"]
    assert [r["faults"] for r in reps] == [["incomplete"]] and reps[0]["verdict"] == "fail"
    assert "0/0 reps passed; 1 not judged (incomplete)" in out


def test_a_recording_given_to_json_instead_is_a_hint(tmp_path, capsys):
    """`analyze --json rec.csv` (the recording taken as the JSON to write): one line that says
    so, exit code 2, and the recording is not touched."""
    rec = tmp_path / "rec.csv"
    rec.write_text("kept")
    assert main(["analyze", "--json", str(rec)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--json names the file to write" in err[0]
    assert rec.read_text() == "kept"
    assert main(["analyze"]) == 2
    assert "which recording?" in capsys.readouterr().err


def test_json_dash_is_standard_output(tmp_path, capsys, monkeypatch):
    """`analyze rec.csv --json -`: the JSON on stdout (parseable as a whole, the same as
    `--json FILE` writes), the summary on stderr, and no file called "-"."""
    rec = EXAMPLES / "example_forehead.csv"
    monkeypatch.chdir(tmp_path)
    assert main(["analyze", str(rec), "--json", "-"]) == 0
    got = capsys.readouterr()
    assert main(["analyze", str(rec), "--json", "a.json", "--quiet"]) == 0
    assert json.loads(got.out) == json.loads((tmp_path / "a.json").read_text())
    assert "retraction 1:" in got.err and "not a medical device" in got.err
    assert not (tmp_path / "-").exists()
