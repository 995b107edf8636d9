"""The start screen (``neckimu`` with no arguments): routine, headset, fit check, start.

Four steps on one screen, in the live window's look (PySide6 + pyqtgraph):

1. **RoutineChoice**: the guided routines shipped in ``neckimu/routines/`` and any in a folder
   given (:func:`list_routines`), each with a one-line description and its length.
2. **Headset**: a scan with bleak's scanner, as ``neckimu scan``
   (:func:`neckimu.live.headsets.scan_headsets`), lists nearby headsets with their signal
   strength; the simulated headset is always there to try it out. Firmware and board show
   once the headset has answered (the fit check); the battery is shown when the headset
   reports it (protocol version 1 does not).
3. **Fit check**: a few seconds of data from the chosen headset, judged by
   :func:`neckimu.live.fitcheck.check_fit` (is it on, is it still, which mount), with advice
   in plain words and a plot of the head's movement.
4. **Start**: runs the ``live`` command (a real headset) or the ``demo`` command (the
   simulated one) through its own entry point, so the session, its window
   (:func:`neckimu.live.app.run_window`) and its outputs are exactly the command's; then the
   screen comes back with the outcome.

Slow work (scanning, the fit check) runs in worker threads; the screen stays responsive.
"""

from neckimu.live.start.fit import FIT_STREAM_S
from neckimu.live.start.launch import SessionOutcome, command_args, run_session, sound_default
from neckimu.live.start.routines import RoutineChoice, describe, list_routines, minutes
from neckimu.live.start.screen import OUT_LIVE, OUT_SIMULATED, StartScreen, run_start_screen

__all__ = [
    "FIT_STREAM_S",
    "OUT_LIVE",
    "OUT_SIMULATED",
    "RoutineChoice",
    "SessionOutcome",
    "StartScreen",
    "command_args",
    "describe",
    "list_routines",
    "minutes",
    "run_session",
    "run_start_screen",
    "sound_default",
]
