"""The session without a window: progress in the terminal (``--headless`` or no display).

Prints the safety notice, each cue as it comes, each verdict as the verdict thread finds it
and a status line every ``status_every_s`` of session time, until the stream ends.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

from neckimu import SAFETY_NOTICE
from neckimu.live.session import LiveSession

Print = Callable[[str], None]


def _clock(t: float) -> str:
    m, s = divmod(int(max(0.0, t)), 60)
    return f"{m:02d}:{s:02d}"


def run_headless(session: LiveSession, *, say: Print = print, sound: bool = False,
                 status_every_s: float = 15.0, poll_s: float = 0.1) -> None:
    """Run ``session`` (already started) to its end, reporting progress.

    Parameters
    ----------
    session : LiveSession
    say : callable
        Receives each line.
    sound : bool
        Ring the terminal bell at each cue.
    status_every_s : float
        Session time between status lines, s.
    poll_s : float
        Wall time between looks at the session, s.
    """
    say(f"Safety: {SAFETY_NOTICE}")
    cues = 0
    shown: list[str] = []
    next_status = status_every_s
    while True:
        done = session.finished
        v = session.view()
        if v.cue_count != cues:
            cues = v.cue_count
            planned = f" ({v.cue_planned_s:.0f} s)" if v.exercise and v.cue_planned_s else ""
            name = v.exercise.replace("_", " ") if v.exercise else "rest"
            say(f"[{_clock(v.session_s)}] {name}: {v.cue_text}{planned}")
            if sound:
                sys.stdout.write("\a")
                sys.stdout.flush()
        msgs = [r.message() for r in v.reps]
        for m in msgs[len(shown):]:  # new reps: final when shown
            say(f"[{_clock(v.session_s)}]   {m}")
        shown = shown + msgs[len(shown):]
        if v.session_s >= next_status:
            next_status = v.session_s + status_every_s
            say(f"[{_clock(v.session_s)}] {v.state}, {v.rate_hz:.0f} Hz, loss "
                f"{v.loss_pct:.1f} %, calibration {v.calibration}, {len(msgs)} reps judged")
        if done:
            break
        time.sleep(poll_s)
    session.wait()
    v = session.view()
    if v.error:
        say(f"stream ended early: {v.error}")
    final = [r.message() for r in v.reps]
    if final:
        passed = sum(r.verdict == "pass" for r in v.reps)
        say(f"final verdicts ({len(final)} reps, {passed} passed; as `neckimu analyze`):")
        for m in final:
            say(f"  {m}")
