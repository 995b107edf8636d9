"""The session without a window: progress in the terminal (``--headless`` or no display).

Prints the safety notice, each cue as it comes, each verdict as the verdict thread finds it
and a status line every ``status_every_s`` of session time, until the stream ends; with a
:class:`~neckimu.live.sound_player.SoundPlayer` it plays the cue sounds as they fall due.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable

from neckimu import SAFETY_NOTICE
from neckimu.live.session import LiveSession, View

Print = Callable[[str], None]


#: A verdict printed this much after its rep's end says when the rep ended, s (live a verdict
#: comes 1-3 s after its rep; a ``--speed max`` replay can run far ahead of the judge).
LATE_S = 5.0


def clock(t: float) -> str:
    """Session time ``t`` (s) as the terminal prints it, ``mm:ss``."""
    m, s = divmod(int(max(0.0, t)), 60)
    return f"{m:02d}:{s:02d}"


def _reps(n: int) -> str:
    return f"{n} rep{'' if n == 1 else 's'}"


def run_headless(
    session: LiveSession,
    *,
    say: Print = print,
    sound: bool = False,
    player=None,
    each: Callable[[View], None] | None = None,
    status_every_s: float = 15.0,
    poll_s: float = 0.1,
    start_s: float | None = None,
) -> None:
    """Run ``session`` (already started) to its end, reporting progress.

    Parameters
    ----------
    session : LiveSession
    say : callable
        Receives each line.
    sound : bool
        Without a ``player``: ring the terminal bell at each cue.
    player : SoundPlayer, optional
        Plays the cue sounds (needs the Qt application; its events are processed here).
    each : callable, optional
        Called with the session's view at every look (e.g. a screenshot at a given time).
    status_every_s : float
        Session time between status lines, s.
    poll_s : float
        Wall time between looks at the session, s (at most 20 ms with a player, so that
        sounds start on time).
    start_s : float, optional
        Session time the playback starts at (``replay --start``): the session takes what
        comes before at full speed, so its calibration and verdicts are those of a straight
        run, but none of its cues and verdicts is printed as if it happened during the
        playback (the final verdicts list every rep).

    Each cue and verdict is stamped with its own session time (a verdict with the end of its
    rep), also when the session runs faster than this loop looks (``--speed max``), and the
    lines of one look are printed in the order of their stamps. A verdict is final a few
    seconds after its rep ends (:data:`~neckimu.verify.retraction.FINAL_AFTER_S`); when a
    later line was printed meanwhile (the next cue, a status line), the verdict takes that
    line's stamp: the terminal's times never go back. One that much later (:data:`LATE_S`)
    says when its rep ended.
    """
    app = None
    if player is not None:
        from PySide6 import QtCore

        app = QtCore.QCoreApplication.instance()
        poll_s = min(poll_s, 0.02)
    say(f"Safety: {SAFETY_NOTICE}")
    last = 0.0  # the latest stamp printed, s

    def flush(lines: list[tuple[float, str, bool]]) -> None:
        """Print ``(stamp, text, is_verdict)`` lines in the order of their stamps."""
        nonlocal last
        for stamp, text, verdict in sorted(lines, key=lambda x: x[0]):  # stable
            if verdict and last - stamp >= LATE_S:  # a verdict long after its rep
                text += f" (rep ended {clock(stamp)})"
            last = max(last, stamp)
            say(f"[{clock(last)}] {text}")

    cues_seen = reps_seen = 0
    playing = start_s is None  # past start_s: cues and verdicts are printed
    next_status = status_every_s if start_s is None else start_s + status_every_s
    while True:
        done = session.finished
        v = session.view()
        cues = session.cues()
        if len(cues) < cues_seen:  # the session was reset (a seek): its cues start again
            cues_seen = reps_seen = 0
        if len(v.reps) < reps_seen:
            reps_seen = 0
        if not playing and start_s is not None and (v.session_s >= start_s or done):
            playing = True
            earlier = [c for c in cues if c.time_s < start_s]
            if earlier:  # the cue in force when the playback starts
                cues_seen = cues.index(earlier[-1])
            flush([(start_s, "replay from here (reps before it: in the final verdicts)", False)])
        lines: list[tuple[float, str, bool]] = []
        if playing:
            for c in cues[cues_seen:]:
                planned = f" ({c.planned_s:.0f} s)" if c.exercise and c.planned_s else ""
                name = c.exercise.replace("_", " ") if c.exercise else "rest"
                lines.append((c.time_s, f"{name}: {c.text}{planned}", False))
                if sound and player is None:
                    sys.stdout.write("\a")
                    sys.stdout.flush()
            cues_seen = len(cues)
        for r in v.reps[reps_seen:]:  # new reps: final when shown
            if start_s is not None and r.end_s < start_s:
                pass  # before the playback: in the final verdicts only
            elif playing:
                # an open window cut off by the end of the stream ends at +inf: the time now
                end = r.end_s if math.isfinite(r.end_s) else v.session_s
                lines.append((end, f"  {r.message()}", True))
            else:
                break  # shown once the playback reaches start_s
            reps_seen += 1
        if playing and v.session_s >= next_status:
            next_status = v.session_s + status_every_s
            lines.append(
                (
                    v.session_s,
                    f"{v.state}, {v.rate_hz:.0f} Hz, loss {v.loss_pct:.1f} %, calibration "
                    f"{v.calibration}, {_reps(len(v.reps))} judged"
                    + (f"; {v.trunk.text}" if v.trunk is not None else ""),
                    False,
                )
            )
        flush(lines)
        if each is not None:
            each(v)
        if player is not None:
            player.poll(v.session_s)
            if app is not None:
                app.processEvents()
        if done:
            break
        time.sleep(poll_s)
    session.wait()
    v = session.view()
    # an error that ended the stream is the command's last line (``neckimu live: error:``),
    # said once
    # the analysis of the closed recording when there is one (what the JSON and the report
    # hold): the live judge gives each rep the same verdict, but numbers the reps by the
    # routine's plan, and a session stopped early has fewer
    analysis = session.analysis
    reps = v.reps if analysis is None else tuple(analysis.reps)
    final = [r.message() for r in reps]
    if final:
        passed = sum(r.verdict == "pass" for r in reps)
        # a rep without enough data (cut off, a gap) was not judged: not counted as a fail
        unjudged = sum("incomplete" in r.faults for r in reps)
        counts = f"{_reps(len(final) - unjudged)} judged, {passed} passed" + (
            f", {unjudged} not judged (incomplete)" if unjudged else ""
        )
        # a replay's are those of the whole file, however far it played
        whole = " of the whole recording" if session.source.recording_path is None else ""
        say(f"final verdicts{whole} ({counts}; as `neckimu analyze`):")
        for m in final:
            say(f"  {m}")
