"""The terminal's progress lines: each stamped with its own session time, never going back."""

from __future__ import annotations

from types import SimpleNamespace

from neckimu.live.headless import run_headless
from neckimu.live.session_view import Cue
from neckimu.verify.reps import Rep


class _Session:
    """Hand-built looks at a session: (session time, cues so far, reps so far) per look."""

    def __init__(self, looks: list[tuple[float, list[Cue], list[Rep]]]) -> None:
        self.looks, self.k = looks, 0
        self.analysis = None
        self.source = SimpleNamespace(recording_path="x.csv")

    @property
    def finished(self) -> bool:
        return self.k >= len(self.looks) - 1

    def cues(self) -> list[Cue]:
        return self.looks[self.k][1]

    def view(self) -> SimpleNamespace:
        t, _, reps = self.looks[self.k]
        return SimpleNamespace(
            session_s=t,
            reps=tuple(reps),
            state="connected",
            rate_hz=100.0,
            loss_pct=0.0,
            calibration="gravity+nod",
            trunk=None,
        )

    def wait(self) -> None:
        pass


def _run(looks) -> list[str]:
    session = _Session(looks)
    lines: list[str] = []

    def each(_view) -> None:  # the next look
        session.k = min(session.k + 1, len(looks) - 1)

    run_headless(session, say=lines.append, each=each, poll_s=0.0)  # type: ignore[arg-type]
    return [ln for ln in lines if ln.startswith("[")]


def test_a_late_verdict_takes_the_stamp_of_the_line_before_it():
    """A verdict is final seconds after its rep ends; a status line printed meanwhile has a
    later time, and the verdict's line follows it with that time, not its rep's end (the
    demo printed ``[01:16] connected ...`` then ``[01:13]   retraction 1: ...``)."""
    cue = Cue(10.0, "retraction", "Glide back", 38.0)
    rep = Rep(exercise="retraction", index=1, of=0, start_s=10.5, end_s=13.2)
    lines = _run([(16.0, [cue], []), (17.0, [cue], [rep]), (18.0, [cue], [rep])])
    assert lines[0].startswith("[00:10] retraction: Glide back")
    assert lines[1].startswith("[00:16] connected")
    assert lines[2] == f"[00:16]   {rep.message()}"


def test_lines_of_one_look_in_the_order_of_their_stamps():
    """A session running faster than the loop looks (``--speed max``): a verdict and the
    next cue seen at one look are printed in the order they happened, each with its own
    time."""
    first = Cue(10.0, "retraction", "Glide back", 38.0)
    rest = Cue(27.0, None, "Rest", None)
    rep = Rep(exercise="retraction", index=1, of=0, start_s=20.0, end_s=25.4)
    looks = [(12.0, [first], []), (29.0, [first, rest], [rep]), (29.5, [first, rest], [rep])]
    lines = _run(looks)
    assert [ln[:7] for ln in lines] == ["[00:10]", "[00:25]", "[00:27]", "[00:29]"]
    assert lines[1] == f"[00:25]   {rep.message()}" and "Rest" in lines[2]
    assert "connected" in lines[3]  # the status line, at the look's time


def test_a_verdict_long_after_its_rep_says_when_the_rep_ended():
    """A ``--speed max`` replay can run far ahead of the judge: a verdict printed
    ``LATE_S`` (5 s) or more after its rep's end says when the rep ended; 4 s after, not."""
    cue = Cue(10.0, "retraction", "Glide back", 38.0)
    late = Rep(exercise="retraction", index=1, of=0, start_s=11.0, end_s=14.0)
    soon = Rep(exercise="retraction", index=2, of=0, start_s=16.0, end_s=20.0)
    looks = [(19.0, [cue], []), (24.0, [cue], [late, soon]), (24.5, [cue], [late, soon])]
    lines = _run(looks)
    assert lines[1].startswith("[00:19] connected")
    assert lines[2] == f"[00:19]   {late.message()} (rep ended 00:14)"
    assert lines[3] == f"[00:20]   {soon.message()}"
    looks[0] = (18.0, [cue], [])  # 4 s after the first rep's end: no note
    assert _run(looks)[2] == f"[00:18]   {late.message()}"
