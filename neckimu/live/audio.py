"""The session's audio track: what to hear and when, as sound events on the session clock.

During an exercise the eyes look straight ahead, so the session speaks to the ears.
:class:`CueSounds` watches a :class:`~neckimu.live.session.LiveSession` (it is one of the
session's observers, called from the acquisition thread) and turns what happens into timed
:class:`SoundEvent` objects, each at the session time (s, the recording's clock) of what caused
it:

============  ===============================================================================
``start``     an exercise starts (rising two notes), at its cue; likewise each cue inside
              an exercise window (each range-of-motion movement), at its planned time
``end``       an exercise ends (falling three notes), at its cue
``tick``      countdown: 3, 2 and 1 s before the planned end of an exercise with a planned
              length (holds, the retraction set, stretches); cancelled if it ends sooner
``warning``   a low buzz when a hold first goes beyond its tolerance, repeated every
              ``warn_every_s`` while the head stays beyond it
``pass``      a rep judged a pass (a rising arpeggio), when :class:`~neckimu.live.judge.
              LiveJudge` delivers the verdict (verdicts delivered together follow each
              other, ``VERDICT_GAP_S`` apart, so that they can be counted)
``fail``      a rep judged a fail (two low falling notes), likewise
============  ===============================================================================

Verdict sounds come only from the judge's verdicts; while a rep is under way the track holds
progress only (countdown, the warning).

The same buffers (:func:`sound_buffer`, numpy-synthesised tones) are played live by
:class:`neckimu.live.sound_player.SoundPlayer` and written to a WAV file by :func:`write_wav`
(``neckimu demo --audio-out cues.wav``): sample 0 of the file is session time 0, so a sound's
onset in the file is its event's session time.
"""

from __future__ import annotations

import threading
import wave
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from neckimu.errors import NeckimuError
from neckimu.live.protocol import Protocol
from neckimu.recording.events import Event
from neckimu.verify.reps import Rep, exercise_name

#: Sample rate of the synthesised sounds and the WAV file, Hz.
RATE_HZ = 22050
#: Peak amplitude of one sound (full scale 1); overlapping sounds add and are clipped.
LEVEL = 0.45

#: Each sound as notes: (frequency Hz, duration s, harmonic amplitudes 1st, 2nd, ...).
NOTES: dict[str, tuple[tuple[float, float, tuple[float, ...]], ...]] = {
    "start": ((523.25, 0.09, (1.0, 0.3)), (783.99, 0.16, (1.0, 0.3))),
    "end": ((783.99, 0.08, (1.0, 0.3)), (587.33, 0.08, (1.0, 0.3)), (392.00, 0.16, (1.0, 0.3))),
    "tick": ((1864.7, 0.05, (1.0,)),),
    "warning": ((220.0, 0.18, (1.0, 0.0, 0.5, 0.0, 0.3)),),
    "pass": ((1046.5, 0.07, (1.0, 0.2)), (1318.5, 0.07, (1.0, 0.2)), (1568.0, 0.12, (1.0, 0.2))),
    "fail": ((349.23, 0.14, (1.0, 0.4, 0.2)), (261.63, 0.2, (1.0, 0.4, 0.2))),
}
#: The kinds of sound, in the order of the table above.
KINDS: tuple[str, ...] = tuple(NOTES)

#: Silence between verdict sounds that fall due together, s.
VERDICT_GAP_S = 0.15
#: Attack and release of every note, s.
_ATTACK_S, _RELEASE_S = 0.004, 0.02


@dataclass(frozen=True)
class SoundEvent:
    """One sound at a session time.

    Attributes
    ----------
    time_s : float
        Session time of what caused it (the recording's clock), s.
    kind : str
        One of :data:`KINDS`.
    what : str
        What it is about, for people (``"hold forward"``, ``"hold forward 1/1: pass"``).
    """

    time_s: float
    kind: str
    what: str = ""

    @property
    def duration_s(self) -> float:
        """Length of the sound, s."""
        return sound_duration_s(self.kind)


# -- the sounds ----------------------------------------------------------------------------------
@cache
def _buffer(kind: str, rate_hz: int) -> np.ndarray:
    notes = NOTES[kind]
    parts = []
    for freq, dur, harmonics in notes:
        t = np.arange(round(dur * rate_hz)) / rate_hz
        k = np.arange(1, len(harmonics) + 1)[:, None]
        wave_ = (np.asarray(harmonics)[:, None] * np.sin(2 * np.pi * freq * k * t)).sum(0)
        env = np.minimum(1.0, np.minimum(t / _ATTACK_S, (dur - t) / _RELEASE_S))
        parts.append(wave_ / np.abs(wave_).max() * np.clip(env, 0.0, 1.0))
    out = (LEVEL * np.concatenate(parts)).astype(np.float32)
    out.flags.writeable = False
    return out


def sound_buffer(kind: str, rate_hz: int = RATE_HZ) -> np.ndarray:
    """The samples of one sound (mono, float32 in [-1, 1], read-only), shape (n,).

    Raises
    ------
    KeyError
        ``kind`` is not one of :data:`KINDS`.
    """
    return _buffer(kind, int(rate_hz))


def sound_duration_s(kind: str) -> float:
    """Length of a sound, s."""
    return float(sum(dur for _, dur, _ in NOTES[kind]))


# -- session events -> sound events ----------------------------------------------------------
class CueSounds:
    """Turns what happens in a live session into sound events on the session clock.

    Register it with :meth:`neckimu.live.session.LiveSession.add_observer`; it is then told
    each cue (:meth:`on_cue`), the progress after each block (:meth:`on_progress`) and a replay
    seek (:meth:`on_reset`), from the acquisition thread. The player takes the events that
    are due (:meth:`take_due`) from the view's thread; :meth:`events` is the whole track.

    Parameters
    ----------
    protocol : Protocol
        Planned length of each exercise (for the countdown).
    reps : callable, optional
        Returns the reps judged so far (``session.judge.reps``); each new one gets a
        ``pass``/``fail`` sound at the session time it is first seen.
    countdown : int
        Countdown ticks before a planned end (at 3, 2, 1 s before it by default).
    warn_every_s : float
        Repeat of the warning while a hold stays beyond its tolerance, s.
    """

    def __init__(
        self,
        protocol: Protocol,
        reps: Callable[[], Sequence[Rep]] | None = None,
        *,
        countdown: int = 3,
        warn_every_s: float = 0.6,
    ) -> None:
        self.protocol = protocol
        self._reps = reps
        self.countdown = countdown
        self.warn_every_s = warn_every_s
        self._lock = threading.Lock()
        self._events: list[SoundEvent] = []  # the track
        self._queue: list[SoundEvent] = []  # not yet handed to the player
        self._pending: list[SoundEvent] = []  # countdown ticks and inner cues not yet due
        self._sounded: list[tuple[str, float]] = []  # reps that had their verdict sound
        self._moved: set[tuple[str, float]] = set()  # holds that went beyond tolerance
        self._last_warn = -np.inf
        self._verdict_free = -np.inf  # when the last verdict sound has ended, s
        self._t = 0.0

    # -- observer of the session (acquisition thread) ------------------------------------------
    def on_cue(self, ev: Event) -> None:
        """A cue: ``start``/``end`` sound at its time; countdown ticks planned at a start."""
        name = exercise_name(ev.exercise)
        with self._lock:
            if ev.event == "start":
                self._add(SoundEvent(ev.time_s, "start", name))
                # cues inside the window (each range-of-motion movement) start likewise
                for p in self.protocol.prompts(ev.exercise):
                    self._pending.append(SoundEvent(ev.time_s + p.offset_s, "start", p.text))
                planned = self.protocol.exercise_s(ev.exercise)
                if planned:
                    for k in range(self.countdown, 0, -1):
                        t = ev.time_s + planned - k
                        if t > ev.time_s + 0.5:
                            self._pending.append(SoundEvent(t, "tick", f"{name} {k}"))
            else:
                # ticks and cues planned past an end that came sooner are not played
                self._release(ev.time_s)
                self._pending.clear()
                self._add(SoundEvent(ev.time_s, "end", name))

    def on_progress(self, t_s: float, hold=None) -> None:
        """After a block: session time ``t_s`` (s) of its newest sample, the hold indicator
        (:class:`~neckimu.live.session.HoldView` or None) and the judge's new verdicts."""
        with self._lock:
            self._t = max(self._t, t_s)
            self._release(t_s)
            if hold is not None and hold.active:
                key = (hold.exercise, round(t_s - hold.elapsed_s, 1))
                first = hold.moved and key not in self._moved
                over = hold.deviation_deg > hold.tolerance_deg
                if first or (over and t_s - self._last_warn >= self.warn_every_s - 1e-9):
                    self._moved.add(key)
                    self._last_warn = t_s
                    self._add(
                        SoundEvent(t_s, "warning", f"{hold.title}: {hold.deviation_deg:.1f} deg")
                    )
        self._verdicts(t_s)

    def on_reset(self) -> None:
        """A replay seek: the session starts again; forget the track so far."""
        with self._lock:
            self._events.clear()
            self._queue.clear()
            self._pending.clear()
            self._sounded.clear()
            self._moved.clear()
            self._last_warn = -np.inf
            self._verdict_free = -np.inf
            self._t = 0.0

    def finish(self, t_s: float | None = None) -> None:
        """The stream ended (at session time ``t_s``, s): the last verdicts get their sound."""
        t = self._t if t_s is None else max(self._t, t_s)
        with self._lock:
            self._pending.clear()
        self._verdicts(t)

    def _verdicts(self, t_s: float) -> None:
        if self._reps is None:
            return
        reps = self._reps()
        with self._lock:
            for r in reps:
                # a retraction rep shown while its set ran comes back in the set's final answer
                if any(e == r.exercise and abs(s - r.start_s) < 0.5 for e, s in self._sounded):
                    continue
                self._sounded.append((r.exercise, r.start_s))
                # verdicts that come together are played one after the other, countable
                t = max(t_s, self._verdict_free)
                self._add(SoundEvent(t, r.verdict, r.message()))
                self._verdict_free = t + sound_duration_s(r.verdict) + VERDICT_GAP_S

    def _add(self, ev: SoundEvent) -> None:
        """Into the track and the player's queue (lock held)."""
        self._events.append(ev)
        self._queue.append(ev)

    def _release(self, t_s: float) -> None:
        """Move the countdown ticks due by ``t_s`` into the track (lock held)."""
        due = [e for e in self._pending if e.time_s <= t_s]
        if due:
            self._pending = [e for e in self._pending if e.time_s > t_s]
            for e in due:
                self._add(e)

    # -- readers -------------------------------------------------------------------------------
    def take_due(self, t_s: float) -> list[SoundEvent]:
        """Events not handed out yet with time <= ``t_s`` (s), in time order (the player's
        call). Countdown ticks are due at their time even before a block reaches it."""
        with self._lock:
            self._release(t_s)
            due = [e for e in self._queue if e.time_s <= t_s]
            self._queue = [e for e in self._queue if e.time_s > t_s]
        return sorted(due, key=lambda e: e.time_s)

    def events(self) -> list[SoundEvent]:
        """The whole track so far, in time order."""
        with self._lock:
            return sorted(self._events, key=lambda e: e.time_s)


# -- the track as a WAV file -------------------------------------------------------------------
def render(
    events: Iterable[SoundEvent], start_s: float, n: int, rate_hz: int = RATE_HZ
) -> np.ndarray:
    """Mix the sounds of ``events`` into ``n`` samples from session time ``start_s``.

    Returns
    -------
    ndarray, shape (n,)
        float32, clipped to [-1, 1].
    """
    out = np.zeros(n, np.float32)
    for ev in events:
        buf = sound_buffer(ev.kind, rate_hz)
        i = round((ev.time_s - start_s) * rate_hz)
        lo, hi = max(0, i), min(n, i + len(buf))
        if hi > lo:
            out[lo:hi] += buf[lo - i : hi - i]
    return np.clip(out, -1.0, 1.0, out=out)


def write_wav(
    events: Sequence[SoundEvent],
    path: str | Path,
    *,
    end_s: float | None = None,
    rate_hz: int = RATE_HZ,
    chunk_s: float = 30.0,
) -> Path:
    """Write the track to a mono 16-bit WAV: sample 0 is session time 0.

    Written in chunks of ``chunk_s`` (memory stays small for an hour's session) to a
    temporary file beside ``path``, then moved into place.

    Parameters
    ----------
    events : sequence of SoundEvent
    path : str or Path
    end_s : float, optional
        Session time the file lasts to, s (default: the end of the last sound); never
        shorter than the last sound.

    Returns
    -------
    Path

    Raises
    ------
    NeckimuError
        The file cannot be written.
    """
    from neckimu.output_files import staged_outputs

    evs = sorted((e for e in events if e.time_s >= 0.0), key=lambda e: e.time_s)
    last = max((e.time_s + e.duration_s for e in evs), default=0.0)
    n_total = round(max(last, end_s or 0.0) * rate_hz) + 1
    chunk = max(1, round(chunk_s * rate_hz))
    longest = max(len(sound_buffer(k, rate_hz)) for k in KINDS)
    path = Path(path)
    if path.is_dir():
        raise NeckimuError(f"cannot write {path}: it is a folder")
    with staged_outputs() as staged:
        tmp = staged.path(path)
        try:
            with wave.open(str(tmp), "wb") as w:
                w.setnchannels(1)
                w.setsampwidth(2)
                w.setframerate(rate_hz)
                j = 0  # first event that may still sound in this chunk
                for i0 in range(0, n_total, chunk):
                    n = min(chunk, n_total - i0)
                    t0 = i0 / rate_hz
                    while j < len(evs) and (evs[j].time_s * rate_hz + longest) < i0:
                        j += 1
                    k = j
                    while k < len(evs) and evs[k].time_s * rate_hz < i0 + n:
                        k += 1
                    pcm = render(evs[j:k], t0, n, rate_hz)
                    w.writeframes((pcm * 32767.0).astype("<i2").tobytes())
        except OSError as e:
            raise NeckimuError(f"cannot write {path}: {e.strerror or e}") from None
    return path


def read_wav(path: str | Path) -> tuple[np.ndarray, int]:
    """A mono 16-bit WAV as float samples in [-1, 1] and its rate (for tests and checks).

    Returns
    -------
    samples : ndarray, shape (n,)
    rate_hz : int
    """
    with wave.open(str(path), "rb") as w:
        if w.getnchannels() != 1 or w.getsampwidth() != 2:
            raise NeckimuError(f"{path}: not a mono 16-bit WAV")
        rate = w.getframerate()
        data = np.frombuffer(w.readframes(w.getnframes()), "<i2")
    return data.astype(np.float64) / 32767.0, rate
