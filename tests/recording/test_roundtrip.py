import gzip
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neckimu.recording.events import Event
from neckimu.recording.reader import RecordingWarning, read_recording
from neckimu.recording.writer import RecordingWriter
from neckimu.samples import SampleBlock


def _block(n=500, seed=0, t0=0.0, mag=True):
    rng = np.random.default_rng(seed)
    t = t0 + np.cumsum(rng.uniform(0.008, 0.0095, n))
    # int16 counts times float32 scales, as a device delivers them
    gyr = rng.integers(-32768, 32767, (n, 3)) * float(np.float32(0.001221730))
    acc = rng.integers(-32768, 32767, (n, 3)) * float(np.float32(0.001196927))
    m = rng.integers(-4000, 4000, (n, 3)) * float(np.float32(0.014)) if mag else None
    return SampleBlock(np.round(t * 1e6) / 1e6, gyr, acc, m)


def _write(path, blocks, mag=True, events=(), meta=None):
    with RecordingWriter(path, meta or {"mount": "forehead"}, has_mag=mag) as w:
        for ev in events:
            w.write_event(ev)
        for b in blocks:
            w.write_block(b)
        w.write_gap(float(blocks[-1].t[-1]) + 0.1, 3, "sequence")
        w.update_meta(calibration={"method": "gravity+nod"})


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz"])
def test_write_read_write_is_exact(tmp_path, suffix):
    blocks = [_block(300, 1), _block(200, 2, t0=10.0)]
    p1 = tmp_path / f"a{suffix}"
    _write(p1, blocks, events=[Event(0.5, "start", "hold_left"), Event(1.5, "end", "hold_left")])
    rec = read_recording(p1)
    assert len(rec.samples) == 500
    assert rec.events == [Event(0.5, "start", "hold_left"), Event(1.5, "end", "hold_left")]
    assert rec.gaps[0].missing == 3
    assert rec.meta["mount"] == "forehead" and rec.meta["calibration"]["method"] == "gravity+nod"
    assert rec.meta["format_version"] == 1
    # device counts come back exactly: value / scale is an integer again
    want = SampleBlock.concat(blocks)
    np.testing.assert_array_equal(rec.samples.t, want.t)
    scale = float(np.float32(0.001221730))
    counts = rec.samples.gyr / scale
    np.testing.assert_array_equal(np.round(counts), np.round(want.gyr / scale))
    np.testing.assert_allclose(counts, np.round(counts), atol=0.02)
    # what was read, written again, reads back bit for bit
    p2 = tmp_path / f"b{suffix}"
    _write(p2, [rec.samples], events=rec.events)
    rec2 = read_recording(p2)
    for a, b in [
        (rec.samples.t, rec2.samples.t),
        (rec.samples.gyr, rec2.samples.gyr),
        (rec.samples.acc, rec2.samples.acc),
        (rec.samples.mag, rec2.samples.mag),
    ]:
        np.testing.assert_array_equal(a, b)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(-1e4, 1e4, allow_nan=False, width=32), min_size=6, max_size=60),
    st.integers(1, 10**6),
)
def test_round_trip_property(tmp_path_factory, values, t_us):
    n = len(values) // 6
    v = np.asarray(values[: 6 * n], dtype=np.float64).reshape(n, 6)
    t = (t_us + np.arange(n) * 9_000) / 1e6
    p = tmp_path_factory.mktemp("rt") / "r.csv"
    with RecordingWriter(p, has_mag=False) as w:
        w.write_block(SampleBlock(t, v[:, :3], v[:, 3:], None))
    first = read_recording(p).samples
    np.testing.assert_allclose(first.gyr, v[:, :3], rtol=1e-6, atol=1e-30)
    np.testing.assert_array_equal(first.t, t)
    with RecordingWriter(p, has_mag=False) as w:
        w.write_block(first)
    again = read_recording(p).samples
    np.testing.assert_array_equal(first.gyr, again.gyr)
    np.testing.assert_array_equal(first.acc, again.acc)


@pytest.mark.parametrize("cut", [1, 7, 33, 200])
def test_file_cut_mid_line_keeps_every_complete_row(tmp_path, cut):
    p = tmp_path / "r.csv"
    _write(p, [_block(400, 3)])
    data = p.read_bytes()
    lines = data.split(b"\n")
    # cut inside the 300th data row (+3 header lines)
    offset = len(b"\n".join(lines[:303])) + 1 + min(cut, len(lines[303]) - 1)
    p.write_bytes(data[:offset])
    with pytest.warns(RecordingWarning, match="cut off"):
        rec = read_recording(p)
    assert len(rec.samples) == 300
    np.testing.assert_array_equal(rec.samples.t, read_recording_full(data).samples.t[:300])


def read_recording_full(data):
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "full.csv"
        p.write_bytes(data)
        return read_recording(p)


def test_cut_off_gzip_keeps_what_decompresses(tmp_path):
    p = tmp_path / "r.csv.gz"
    with RecordingWriter(p, {}, flush_interval_s=0.0) as w:
        for k in range(5):
            w.write_block(_block(200, k, t0=10.0 * k))
    data = p.read_bytes()
    p.write_bytes(data[: int(len(data) * 0.7)])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rec = read_recording(p)
    assert 400 <= len(rec.samples) < 1000
    assert any(issubclass(w.category, RecordingWarning) for w in caught)


def test_writer_flushes_at_least_once_a_second(tmp_path):
    now = [0.0]
    p = tmp_path / "r.csv"
    w = RecordingWriter(p, {}, clock=lambda: now[0])
    size0 = p.stat().st_size
    w.write_block(_block(10, 1))
    assert p.stat().st_size == size0  # buffered
    now[0] = 1.01
    w.write_block(_block(10, 2, t0=100.0))
    assert p.stat().st_size > size0  # on disk without close()
    w.close()


def test_foreign_csv_with_extra_columns_in_any_order(tmp_path):
    p = tmp_path / "foreign.csv"
    p.write_text(
        "acc_x,acc_y,acc_z,time_s,label,gyr_x,gyr_y,gyr_z\n"
        "0,0,9.8,0.00,a,0.1,0,0\n0,0,9.8,0.01,b,0.2,0,0\n0,0,9.8,0.02,c,0.3,0,0\n"
    )
    rec = read_recording(p)
    assert rec.samples.mag is None
    np.testing.assert_array_equal(rec.samples.gyr[:, 0], [0.1, 0.2, 0.3])
    np.testing.assert_array_equal(rec.samples.t, [0.0, 0.01, 0.02])


def test_gzip_import(tmp_path):
    p = tmp_path / "f.csv.gz"
    text = b"time_s,gyr_x,gyr_y,gyr_z,acc_x,acc_y,acc_z\n0,0,0,0,0,0,9.8\n1,0,0,0,0,0,9.8\n"
    p.write_bytes(gzip.compress(text))
    assert len(read_recording(p).samples) == 2


def test_events_given_again_count_once(tmp_path):
    """``neckimu simulate`` writes the cues into the recording and into an events CSV; giving
    both to ``analyze`` must not double every start (which made windows look unpaired)."""
    b = _block(1000)
    t0, t1 = float(b.t[100]), float(b.t[800])
    cues = [Event(t0, "start", "retraction"), Event(t1, "end", "retraction")]
    path = tmp_path / "r.csv"
    _write(path, [b], events=cues)
    ev = tmp_path / "r.events.csv"
    ev.write_text(
        f"time_s,event,exercise\n{t0:.6f},start,retraction\n{t1:.6f},end,retraction\n"
        f"{t1 + 0.5:.6f},start,hold_left\n{t1 + 1.0:.6f},end,hold_left\n"
    )
    rec = read_recording(path, events=ev)
    assert [(e.event, e.exercise) for e in rec.events] == [
        ("start", "retraction"),
        ("end", "retraction"),
        ("start", "hold_left"),
        ("end", "hold_left"),
    ]
    assert any("count once" in w for w in rec.warnings)
    assert not any("without a start" in w or "no end" in w for w in rec.warnings)
