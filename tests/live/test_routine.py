from __future__ import annotations

import pytest

from neckimu.errors import InputError
from neckimu.live.routine import load_routine
from neckimu.live.simulated_person import session_config
from neckimu.recording.events import HOLDS, windows


def test_shipped_routines_follow_common_practice():
    p = load_routine("default")
    assert 5.0 <= p.hold_s <= 10.0 and 8 <= p.retraction_reps <= 10
    assert p.hold_directions == HOLDS
    demo = load_routine("demo")
    assert demo.duration_s < p.duration_s


def test_schedule_pairs_into_windows_in_order():
    p = load_routine("default")
    evs = [c.event for c in p.schedule()]
    assert [e.time_s for e in evs] == sorted(e.time_s for e in evs)
    ws = windows(evs)
    assert ws[0].exercise == "calibrate"
    holds = [w for w in ws if w.exercise in HOLDS]
    assert len(holds) == 4 * p.hold_reps
    assert all(abs(w.end_s - w.start_s - p.hold_s) < 1e-9 for w in holds)
    # both sides stretched
    assert [w.exercise for w in ws][-3:] == ["retraction", "stretch_right", "stretch_left"]


def test_session_config_maps_the_routine(tmp_path):
    f = tmp_path / "p.toml"
    f.write_text(
        "[holds]\nreps = 2\nhold_s = 6\n[retraction]\nreps = 9\n"
        '[[stretch]]\nside = "left"\nhold_s = 20\n'
    )
    cfg = session_config(load_routine(f), seed=3)
    assert (cfg.hold_reps, cfg.hold_s, cfg.retraction_reps) == (2, (6.0, 6.0), 9)
    assert (cfg.stretch, cfg.stretch_hold_s, cfg.seed) == ("stretch_left", 20.0, 3)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("[holds\nreps = 2\n", "malformed TOML"),
        ("[holds]\nreps = -1\n", "reps must be a whole number"),
        ("[holds]\nhold_s = 'long'\n", "hold_s must be a number"),
        ("[holds]\ndirections = ['up']\n", "holds.directions"),
        ("[[stretch]]\nside = 'back'\n", "stretch.side"),
        ("colour = 'red'\n", "unknown key(s) colour"),
    ],
)
def test_bad_routines_are_one_line_errors(tmp_path, text, needle):
    f = tmp_path / "bad.toml"
    f.write_text(text)
    with pytest.raises(InputError, match=r"bad\.toml") as e:
        load_routine(f)
    assert needle in str(e.value) and "\n" not in str(e.value)


def test_missing_routine_names_the_shipped_ones(tmp_path):
    with pytest.raises(InputError, match="no such routine file; shipped routines: default"):
        load_routine("nonesuch")
    with pytest.raises(InputError, match="cannot read"):
        load_routine(tmp_path / "gone.toml")
