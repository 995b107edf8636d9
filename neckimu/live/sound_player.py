"""Playing the session's audio track live, through Qt Multimedia.

:class:`SoundPlayer` takes the sound events that are due on the session clock from a
:class:`~neckimu.live.audio.CueSounds` and plays each with a ``QSoundEffect`` (Qt's
low-latency player for short sounds) loaded with the very buffer
:func:`~neckimu.live.audio.write_wav` writes to a file. Call :meth:`SoundPlayer.poll` often
(the window's frame timer, or the terminal runner's loop) from the thread that owns the Qt
application.

Without sound — Qt Multimedia missing (``PySide6-Addons``) or unable to load (it needs the
PulseAudio client library, ``libpulse0``, on Linux), or no audio output device —
:func:`open_player` says why in one line and returns None: the session goes on silent.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from neckimu.live.audio import KINDS, CueSounds, SoundEvent, write_wav

#: An event more than this behind the session clock when it is due is dropped (s): after a
#: replay seek or a stalled link, old cues are not played in a burst.
STALE_S = 0.5

#: Qt Multimedia's own chatter about optional backends (pipewire, VA-API, ...): not problems.
_LOG_RULES = "qt.multimedia.*=false\nqt.multimedia.*.warning=false"


class SoundPlayer:
    """Plays due sound events with one ``QSoundEffect`` per kind of sound.

    Parameters
    ----------
    cues : CueSounds
    clock : callable
        Returns the session time now, s (the newest sample's time).
    """

    def __init__(self, cues: CueSounds, clock: Callable[[], float]) -> None:
        from PySide6 import QtCore, QtMultimedia

        self.cues = cues
        self.clock = clock
        self.played: list[SoundEvent] = []  #: what was played, in order
        self.dropped = 0  #: events dropped as stale
        self._dir = Path(tempfile.mkdtemp(prefix="neckimu-sounds-"))
        self._effects = {}
        for kind in KINDS:
            path = write_wav([SoundEvent(0.0, kind)], self._dir / f"{kind}.wav")
            fx = QtMultimedia.QSoundEffect()
            fx.setSource(QtCore.QUrl.fromLocalFile(str(path)))
            fx.setVolume(1.0)
            self._effects[kind] = fx

    def poll(self, now: float | None = None) -> None:
        """Play what is due at session time ``now`` (s; default: the clock). Call it often,
        e.g. every frame."""
        now = self.clock() if now is None else now
        for ev in self.cues.take_due(now):
            if now - ev.time_s > STALE_S:
                self.dropped += 1
                continue
            self._effects[ev.kind].play()
            self.played.append(ev)

    def close(self) -> None:
        """Stop and release the sounds."""
        for fx in self._effects.values():
            fx.stop()
            fx.deleteLater()
        self._effects.clear()
        shutil.rmtree(self._dir, ignore_errors=True)


def sound_unavailable() -> str | None:
    """Why sound cannot be played here (one line), or None when it can.

    Imports Qt Multimedia (quietly) and asks it for an audio output device.
    """
    try:
        from PySide6 import QtCore

        QtCore.QLoggingCategory.setFilterRules(_LOG_RULES)
        from PySide6 import QtMultimedia
    except ImportError as e:
        text = str(e)
        if "libpulse" in text:
            return (
                "Qt Multimedia needs the PulseAudio client library "
                "(Debian/Ubuntu: sudo apt install libpulse0)"
            )
        return f"Qt Multimedia is not available ({text}; pip install PySide6-Addons)"
    if not QtMultimedia.QMediaDevices.audioOutputs():
        return "no audio output device found"
    return None


def open_player(
    cues: CueSounds, clock: Callable[[], float], say: Callable[[str], None] = print
) -> SoundPlayer | None:
    """A :class:`SoundPlayer`, or None (with one line to ``say`` why) when there is no sound.

    Needs the Qt application to exist (``neckimu.live.app.qt_app``).
    """
    why = sound_unavailable()
    if why is not None:
        say(f"sound off: {why}")
        return None
    return SoundPlayer(cues, clock)
