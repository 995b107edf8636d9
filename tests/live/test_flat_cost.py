"""The live path costs the same in hour 8 as in minute 1: each exercise window is verified
once, desk posture runs no exercise verifier, and what the session keeps is bounded.

Counted in calls, windows and rows (never in seconds): simulated sessions are played through
:class:`~neckimu.live.session.LiveSession` by :class:`~neckimu.live.replay.ReplaySource` as
fast as the session takes them, with the acquisition and judge threads running.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import neckimu.live.judge as judge_module
from neckimu.live.history import KEEP_S
from neckimu.live.judge import PARTIAL_EVERY_S
from neckimu.live.protocol import load_protocol
from neckimu.live.replay import ReplaySource
from neckimu.live.session import LiveSession
from neckimu.live.source import Source
from neckimu.recording.events import windows
from neckimu.recording.reader import Recording, read_recording
from neckimu.sim import SessionConfig, simulate_session
from neckimu.verify import has_verifier


def _recording(tmp_path: Path, cfg: SessionConfig) -> Recording:
    path = tmp_path / "session.csv"
    simulate_session(cfg).write(path)
    return read_recording(path)


def _play(session: LiveSession, timeout_s: float = 300.0) -> None:
    session.start()
    assert session.wait(timeout_s), "the replay did not end"
    assert session.view().error is None


@pytest.fixture
def verify_calls(monkeypatch) -> list[tuple[str, float, float]]:
    """Every call of the verifier by the live judge: (exercise, start s, end s)."""
    calls: list[tuple[str, float, float]] = []
    real = judge_module.verify_window

    def counting(ctx, w, *args, **kwargs):
        calls.append((w.exercise, w.start_s, w.end_s))
        return real(ctx, w, *args, **kwargs)

    monkeypatch.setattr(judge_module, "verify_window", counting)
    return calls


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_guided_session_verifies_each_window_exactly_once(tmp_path, verify_calls, seed):
    protocol = load_protocol("demo")
    rec = _recording(
        tmp_path, protocol.session_config(seed=seed, fault_rate=0.3, board="rev2", rate_hz=100.0)
    )
    judged = [w for w in windows(rec.events) if has_verifier(w.exercise)]
    assert {w.exercise for w in judged} >= {"hold_flexion", "retraction", "stretch_left"}

    session = LiveSession(ReplaySource(rec, speed=None), protocol=protocol)
    _play(session)
    j = session.judge
    # one final verification per window, keyed by its start, and no other
    assert dict(j.verified) == {(w.exercise, w.start_s): 1 for w in judged}
    final = [c for c in verify_calls if c[2] != float("inf")]
    assert sorted(final) == sorted((w.exercise, w.start_s, w.end_s) for w in judged)
    # the looks at a retraction set under way are bounded by its length, not by the blocks
    partial = [c for c in verify_calls if c[2] == float("inf")]
    assert len(partial) == j.partial_runs
    sets = [w for w in judged if w.exercise == "retraction"]
    assert j.partial_runs <= sum(w.end_s - w.start_s for w in sets) / PARTIAL_EVERY_S + 2 * len(
        sets
    )
    assert len(j.reps) >= len(judged)


def test_posture_mode_runs_no_exercise_verifier(tmp_path, verify_calls):
    rec = _recording(
        tmp_path,
        SessionConfig(script="posture", rest_duration_s=420.0, seed=3, board="rev2", rate_hz=100.0),
    )
    assert any(w.exercise == "posture" for w in windows(rec.events))
    session = LiveSession(ReplaySource(rec, speed=None), mount="forehead")
    _play(session)
    assert verify_calls == []
    assert not session.judge.verified and session.judge.partial_runs == 0
    assert session.judge.reps == ()
    assert session.view().calibration == "gravity+nod"


def test_what_the_session_keeps_is_bounded(tmp_path):
    """20 minutes of desk work (4x the history's span): the history keeps KEEP_S seconds,
    the ring its capacity, and nothing grows per block or per gap."""
    rec = _recording(
        tmp_path,
        SessionConfig(
            script="posture", rest_duration_s=1200.0, seed=1, board="rev2", rate_hz=100.0
        ),
    )
    session = LiveSession(ReplaySource(rec, speed=None), mount="forehead")
    rate = 100.0
    _play(session)
    h = session.hist
    assert rec.samples.duration_s > 3.5 * KEEP_S
    assert h.dropped > 0 and h.n + h.dropped == len(rec.samples)
    assert h.t[-1] - h.t[0] <= KEEP_S + 30.0  # the last KEEP_S s and the room of one growth
    assert h.capacity <= 2 * (KEEP_S + 30.0) * rate
    assert len(session.ring) <= session.ring.capacity
    assert len(session._arrivals) <= 10_000
    assert len(session.hold_log) == 0
    assert not hasattr(session, "_events") and not hasattr(session, "_gaps")


class _Written(Source):
    """A source that 'wrote' an existing recording and streams nothing."""

    label = "written"

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.recording_path = path

    def run(self, sink) -> None:
        sink.on_status("finished")


@pytest.mark.parametrize("analyze_at_end", [True, False])
def test_analysis_at_the_end_only_when_asked(analyze_at_end):
    """Desk posture mode sums up its recording itself: the session does not analyse it too
    (an 8-hour recording's analysis peaks at gigabytes)."""
    example = Path(__file__).resolve().parents[2] / "recordings" / "example_forehead.csv"
    session = LiveSession(_Written(example), analyze_at_end=analyze_at_end)
    session.start()
    t_end = time.monotonic() + 120
    while not session.finished and time.monotonic() < t_end:
        time.sleep(0.01)
    assert session.finished
    assert (session.analysis is not None) == analyze_at_end
