"""Saturated rows in a recording: ``# sat`` lines written, read back, refused when malformed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from neckimu.errors import InputError
from neckimu.recording.reader import Recording, read_recording
from neckimu.recording.saturation import Saturation, saturated_mask, saturation_runs
from neckimu.recording.writer import RecordingWriter
from neckimu.samples import SampleBlock

REPO = Path(__file__).resolve().parents[2]


def _blocks(rng: np.random.Generator, n_blocks: int, n: int = 97) -> list[SampleBlock]:
    out, t0 = [], 0.0
    for _ in range(n_blocks):
        # 100 Hz with jitter: times that do not round-trip exactly through "%.6f"
        t = t0 + np.cumsum(rng.uniform(0.0095, 0.0105, n))
        out.append(
            SampleBlock(
                t, rng.normal(size=(n, 3)), rng.normal(size=(n, 3)), rng.normal(size=(n, 3))
            )
        )
        t0 = float(t[-1])
    return out


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz"])
def test_write_read_keeps_every_saturated_row(tmp_path, suffix):
    rows = 0
    for seed in range(20):
        rng = np.random.default_rng(seed)
        blocks = _blocks(rng, 4)
        # runs of saturated rows, some across block boundaries, some one row long
        masks = [rng.random(len(b)) < rng.choice([0.0, 0.02, 0.3, 0.9]) for b in blocks]
        masks[0][-1] = masks[1][0] = True
        p = tmp_path / f"s{seed}{suffix}"
        with RecordingWriter(p, {"mount": "forehead"}) as w:
            for b, m in zip(blocks, masks, strict=True):
                w.write_block(b, saturated=m)
        rec = read_recording(p)
        want = np.concatenate(masks)
        assert rec.saturated.shape == (len(want),) and rec.saturated.dtype == bool
        np.testing.assert_array_equal(rec.saturated, want)
        assert sum(s.n for s in rec.saturation) == int(want.sum())
        rows += int(want.sum())
    assert rows > 500


def test_files_without_marks_have_no_saturated_rows(tmp_path):
    example = REPO / "recordings" / "example_forehead.csv"
    rec = read_recording(example)
    assert rec.saturation == []
    assert rec.saturated.shape == (len(rec.samples),) and not rec.saturated.any()
    p = tmp_path / "plain.csv"
    blocks = _blocks(np.random.default_rng(0), 2)
    with RecordingWriter(p) as w:
        for b in blocks:
            w.write_block(b)
    assert "# sat" not in p.read_text()
    assert not read_recording(p).saturated.any()
    # a recording built in memory (live sessions, tests)
    assert not Recording(blocks[0]).saturated.any()


def test_sat_line_format(tmp_path):
    p = tmp_path / "one.csv"
    t = np.array([1.0, 1.0100004, 1.02, 1.03])
    z = np.zeros((4, 3))
    with RecordingWriter(p, has_mag=False) as w:
        w.write_block(SampleBlock(t, z, z), saturated=np.array([False, True, True, False]))
    lines = p.read_text().splitlines()
    assert lines[-1] == '# sat {"t0_s": 1.01, "t1_s": 1.02, "n": 2}'
    assert read_recording(p).saturated.tolist() == [False, True, True, False]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('# sat {"t0_s": Infinity, "t1_s": 1.0, "n": 1}', "not a JSON number"),
        ('# sat {"t0_s": 1.0, "t1_s": 1e999, "n": 1}', "not a time range"),
        ('# sat {"t0_s": 2.0, "t1_s": 1.0, "n": 1}', "not a time range"),
        ('# sat {"t0_s": "a", "t1_s": 1.0, "n": 1}', "not a time range"),
        ('# sat {"t0_s": 1.0, "t1_s": 1.0, "n": 0}', "positive integer"),
        ('# sat {"t0_s": 1.0, "t1_s": 1.0, "n": 1.5}', "positive integer"),
        ('# sat {"t0_s": 1.0, "t1_s": 1.0, "n": Infinity}', "not a JSON number"),
        ('# sat {"t0_s": 1.0, "n": 1}', "malformed '# sat' line"),
        ("# sat [1, 2]", "malformed '# sat' line"),
    ],
)
def test_a_malformed_sat_line_is_one_clear_error(tmp_path, line, message):
    p = tmp_path / "bad.csv"
    z = np.zeros((3, 3))
    with RecordingWriter(p, has_mag=False) as w:
        w.write_block(SampleBlock(np.array([1.0, 1.01, 1.02]), z, z))
    with open(p, "a") as f:
        f.write(line + "\n")
    with pytest.raises(InputError) as e:
        read_recording(p)
    text = str(e.value)
    assert message in text and "bad.csv" in text and "line 7" in text


def test_runs_and_mask_are_inverse():
    rng = np.random.default_rng(3)
    for _ in range(50):
        t = np.cumsum(rng.uniform(0.001, 0.02, 300))
        mask = rng.random(300) < rng.uniform(0, 1)
        runs = saturation_runs(t, mask)
        assert all(isinstance(r, Saturation) and r.t0_s <= r.t1_s for r in runs)
        np.testing.assert_array_equal(saturated_mask(t, runs), mask)
    with pytest.raises(ValueError):
        saturation_runs(np.zeros(3), np.zeros(2, bool))
