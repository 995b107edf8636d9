"""The guided range-of-motion routine: its routine, its cues inside the window, live verdicts."""

from __future__ import annotations

import pytest

from neckimu.errors import InputError
from neckimu.live.replay import ReplaySource
from neckimu.live.routine import INSTRUCTIONS, ROM_PROMPTS, load_routine
from neckimu.live.session import LiveSession
from neckimu.live.simulated_person import session_config
from neckimu.pipeline import analyze
from neckimu.recording.events import windows
from neckimu.recording.reader import Recording
from neckimu.sim import simulate_session
from neckimu.verify.reps import ROM_DIRECTIONS


def test_rom_routine_schedules_one_window_with_a_cue_per_movement():
    p = load_routine("rom")
    ws = windows([c.event for c in p.schedule()])
    assert [w.exercise for w in ws] == ["calibrate", "rom"]
    rom = ws[1]
    assert rom.end_s - rom.start_s == pytest.approx(p.rom_lead_s + 12 * p.rom_move_s)
    assert p.exercise_s("rom") == pytest.approx(rom.end_s - rom.start_s)
    prompts = p.prompts("rom")
    assert [q.text for q in prompts] == [
        f"{ROM_PROMPTS[d]} ({k}/2)" for d in ROM_DIRECTIONS for k in (1, 2)
    ]
    assert [q.offset_s for q in prompts] == [p.rom_lead_s + k * p.rom_move_s for k in range(12)]
    assert p.prompts("hold_flexion") == () and load_routine("default").rom_directions == ()


def test_rom_routine_maps_to_the_simulated_rom_routine():
    p = load_routine("rom")
    cfg = session_config(p, seed=5)
    assert cfg.script == "rom" and cfg.seed == 5
    assert (cfg.rom_reps, cfg.rom_lead_s, cfg.rom_move_s) == (2, 4.0, 9.0)
    assert cfg.rom_directions == ROM_DIRECTIONS


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("[rom]\ndirections = ['up']\n", "rom.directions must be a list of flexion"),
        ("[rom]\nreps = 9\n", "reps must be a whole number in [1, 5]"),
        ("[rom]\nmove_s = 1\n", "move_s must be a number in [4, 30]"),
        ("rom = 3\n", "[rom] must be a table"),
    ],
)
def test_bad_rom_tables_are_one_line_errors(tmp_path, text, needle):
    f = tmp_path / "bad.toml"
    f.write_text(text)
    with pytest.raises(InputError) as e:
        load_routine(f)
    assert needle in str(e.value) and "\n" not in str(e.value)


def test_live_session_cues_each_movement_and_judges_as_analyze():
    """A simulated rom session replayed through the live session: every movement's cue is
    shown in order inside the window, and the live verdict is the analysis's."""
    p = load_routine("rom")
    sim = simulate_session(session_config(p, seed=11, board="rev2", rate_hz=100.0))
    rec = Recording(samples=sim.samples, events=sim.events, meta=sim.meta, path="sim")
    session = LiveSession(ReplaySource(rec, speed=None), routine=p)
    shown: list[tuple[str | None, str, float | None]] = []
    set_cue = session._set_cue

    def logged(exercise, text, t, planned_s=None):
        shown.append((exercise, text, planned_s))
        set_cue(exercise, text, t, planned_s)

    session._set_cue = logged
    session.start()
    assert session.wait(600.0)
    texts = [text for ex, text, _ in shown if ex == "rom"]
    assert texts == [INSTRUCTIONS["rom"], *(q.text for q in p.prompts("rom"))]
    # the countdown runs per movement (the window's own length for its first cue)
    assert [planned for ex, _, planned in shown if ex == "rom"] == [None] + [p.rom_move_s] * 12
    live = [r for r in session.view().reps if r.exercise == "rom"]
    offline = [r for r in analyze(rec).reps if r.exercise == "rom"]
    assert len(live) == 1 and live[0].to_json() == offline[0].to_json()
    assert live[0].verdict == "pass"
