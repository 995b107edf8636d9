"""Bad input: one line naming file, line and column; exit code 2; no traceback; nothing written."""

import pytest

from neckimu.cli import main
from neckimu.errors import InputError
from neckimu.recording.reader import read_events_csv, read_recording

HEADER = "time_s,gyr_x,gyr_y,gyr_z,acc_x,acc_y,acc_z\n"
ROW = "{t},0.01,0.02,0.03,0.1,0.2,9.8\n"


def rows(n, start=0):
    return "".join(ROW.format(t=0.01 * i) for i in range(start, start + n))


CASES = {
    "missing_column": (
        "time_s,gyr_x,gyr_y,acc_x,acc_y,acc_z\n0,0,0,0,0,9.8\n",
        1,
        None,
        "missing column",
    ),
    "non_numeric": (
        HEADER + rows(5) + "0.05,0.01,abc,0.03,0.1,0.2,9.8\n" + rows(2, 6),
        7,
        "gyr_y",
        "non-numeric",
    ),
    "nan": (HEADER + rows(3) + "0.03,0.01,0.02,nan,0.1,0.2,9.8\n", 5, "gyr_z", "nan"),
    "inf": (HEADER + rows(3) + "0.03,0.01,0.02,0.03,inf,0.2,9.8\n", 5, "acc_x", "inf"),
    "backwards": (HEADER + rows(4) + "0.02,0.01,0.02,0.03,0.1,0.2,9.8\n", 6, "time_s", "backwards"),
    "repeated_time": (
        HEADER + rows(4) + "0.03,0.01,0.02,0.03,0.1,0.2,9.8\n",
        6,
        "time_s",
        "does not advance",
    ),
    # 1e18 and 1e18 + 0.01 are one double: "time does not advance (1e+18 s after 1e+18 s)"
    # read as nonsense; say what is wrong with such times
    "huge_times": (
        HEADER + ROW.format(t="1000000000000000000") + ROW.format(t="1000000000000000000.01"),
        3,
        "time_s",
        "too large a number to tell it from the row before",
    ),
    "too_many_fields": (HEADER + rows(2) + "0.02,1,2,3,4,5,6,7\n", 4, None, "expected 7 fields"),
    "too_few_fields": (
        HEADER + rows(2) + "0.02,1,2,3\n" + rows(2, 3),
        4,
        None,
        "expected 7 fields",
    ),
    # finite but no IMU's: 1e200 rad/s broke the orientation filter with a traceback; the
    # limits' edges: 10 000 rad/s and 100 000 m/s² are read, a little more is not
    "gyr_beyond_any_imu": (
        HEADER + rows(3) + "0.03,1e200,0.02,0.03,0.1,0.2,9.8\n",
        5,
        "gyr_x",
        "beyond any imu's range",
    ),
    "acc_beyond_any_imu": (
        HEADER + "0,1e4,-1e4,0,1e5,-1e5,9.8\n" + "0.01,0.01,0.02,0.03,0.1,-100000.5,9.8\n",
        3,
        "acc_y",
        "beyond any imu's range",
    ),
    "empty": ("", None, None, "empty file"),
    "header_only": (HEADER, None, None, "no data rows"),
    "no_header": ("\n\n", None, None, "empty file"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_reader_names_file_line_and_column(tmp_path, name):
    text, line, column, words = CASES[name]
    p = tmp_path / f"{name}.csv"
    p.write_text(text)
    with pytest.raises(InputError) as e:
        read_recording(p)
    assert e.value.line == line
    assert e.value.column == column
    assert words in e.value.message.lower()
    assert str(p) in str(e.value)


def test_binary_junk(tmp_path):
    p = tmp_path / "junk.csv"
    p.write_bytes(HEADER.encode() + b"0,1,2,3,4,5,6\n" + bytes(range(256)) * 4)
    with pytest.raises(InputError, match="binary") as e:
        read_recording(p)
    assert e.value.line == 3


@pytest.mark.parametrize("command", ["analyze", "export"])
@pytest.mark.parametrize("name", ["non_numeric", "backwards", "empty", "missing_column"])
def test_cli_one_line_exit_2_nothing_written(tmp_path, capsys, command, name):
    text = CASES[name][0]
    p = tmp_path / "bad.csv"
    p.write_text(text)
    out = tmp_path / ("out.json" if command == "analyze" else "out.csv")
    argv = [command, str(p)] + (
        ["--json", str(out)] if command == "analyze" else ["--out", str(out)]
    )
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"neckimu {command}: error: {p}")
    assert not out.exists()


def test_cli_missing_file(tmp_path, capsys):
    assert main(["analyze", str(tmp_path / "nope.csv")]) == 2
    assert "cannot read" in capsys.readouterr().err


EVENTS = {
    "bad_event": ("time_s,event,exercise\n1.0,start,hold_left\n2.0,stop,hold_left\n", 3, "event"),
    "bad_exercise": ("time_s,event,exercise\n1.0,start,juggling\n", 2, "exercise"),
    "bad_time": ("time_s,event,exercise\nsoon,start,hold_left\n", 2, "time_s"),
}


@pytest.mark.parametrize("name", sorted(EVENTS))
def test_events_csv_errors(tmp_path, name):
    text, line, column = EVENTS[name]
    p = tmp_path / "ev.csv"
    p.write_text(text)
    with pytest.raises(InputError) as e:
        read_events_csv(p)
    assert (e.value.line, e.value.column) == (line, column)


def test_events_csv_accepts_any_stretch(tmp_path):
    p = tmp_path / "ev.csv"
    p.write_text(
        "time_s,event,exercise\n1,start,stretch_levator_left\n31,end,stretch_levator_left\n"
    )
    assert [e.exercise for e in read_events_csv(p)] == ["stretch_levator_left"] * 2


def test_events_csv_out_of_order_is_noted(tmp_path):
    """An ``end`` listed before its ``start`` was taken in time order without a word."""
    p = tmp_path / "ev.csv"
    p.write_text("time_s,event,exercise\n30,end,hold_left\n20,start,hold_left\n")
    notes: list[str] = []
    evs = read_events_csv(p, notes)
    assert [(e.time_s, e.event) for e in evs] == [(20.0, "start"), (30.0, "end")]
    assert len(notes) == 1 and "not in time order (line 3" in notes[0], notes
    ordered = tmp_path / "ok.csv"
    ordered.write_text("time_s,event,exercise\n20,start,hold_left\n30,end,hold_left\n")
    quiet: list[str] = []
    read_events_csv(ordered, quiet)
    assert quiet == []
