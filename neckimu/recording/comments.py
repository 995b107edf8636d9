"""The format's own comment lines: the magic line, ``# meta``, ``# event``, ``# gap`` and
``# sat``; metadata the pipeline uses is checked here."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from neckimu.errors import InputError
from neckimu.recording.events import EVENT_KINDS, Event, is_valid_exercise
from neckimu.recording.rows import _NUMBER
from neckimu.recording.saturation import Saturation
from neckimu.recording.writer import MAGIC, MAGIC_V2
from neckimu.samples import Gap

#: The format's own comment lines (the first line is checked on its own). The literal prefix
#: lets the regex engine skip everything else in C: free comments, even a file of nothing but
#: comment lines, cost neither time nor memory per line.
_KIND_LINE = re.compile(rb"\n(# (?:neckimu|meta|event|gap|sat) [^\n]*)")
_FIRST_KIND_LINE = re.compile(rb"# (?:neckimu|meta|event|gap|sat) [^\n]*")


def _comment_lines(raw: bytes) -> list[tuple[int, bytes]]:
    """(line number, text) of the format's own comment lines, in file order."""
    out: list[tuple[int, bytes]] = []
    first = _FIRST_KIND_LINE.match(raw)
    if first is not None:
        out.append((1, first.group()))
    pos, line = 0, 1
    for m in _KIND_LINE.finditer(raw):
        line += raw.count(b"\n", pos, m.start(1))
        pos = m.start(1)
        out.append((line, m.group(1)))
    return out


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _json_object(payload: str) -> dict[str, Any]:
    try:
        obj = json.loads(payload, parse_constant=_no_constants)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    if not isinstance(obj, dict):
        raise ValueError("not a JSON object")
    return obj


@dataclass
class _Comments:
    meta: dict[str, Any] = field(default_factory=dict)
    meta_lines: dict[str, int] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    sats: list[Saturation] = field(default_factory=list)
    trunk_gaps: list[Gap] = field(default_factory=list)
    trunk_sats: list[Saturation] = field(default_factory=list)
    version: int = 0  #: 0: no magic line (a foreign CSV)


def _sensor(obj: dict[str, Any], version: int) -> str:
    """Which sensor a ``# gap``/``# sat`` line is about: the head unless v2 says ``trunk``."""
    sensor = obj.get("sensor", "head") if version >= 2 else "head"
    if sensor not in ("head", "trunk"):
        raise ValueError(f"sensor must be head or trunk, not {sensor!r:.40}")
    return str(sensor)


def _parse_comments(path: Path, comments: list[tuple[int, bytes]]) -> _Comments:
    c = _Comments()
    meta, meta_lines, events = c.meta, c.meta_lines, c.events
    for line, raw_text in comments:
        text = raw_text.decode("utf-8")[1:].strip()
        kind, _, payload = text.partition(" ")
        if kind == "neckimu":
            if text == MAGIC[2:] and c.version == 0:
                c.version = 1
            elif text == MAGIC_V2[2:] and c.version == 0:
                c.version = 2
            else:
                raise InputError(str(path), f"unsupported recording format {text[:60]!r}", line)
            continue
        if kind not in ("meta", "event", "gap", "sat"):
            continue  # free-text comment
        try:
            obj = _json_object(payload)
            if kind == "meta":
                meta.update(obj)
                meta_lines.update(dict.fromkeys(obj, line))
            elif kind == "event":
                events.append(_event(path, obj["time_s"], obj["event"], obj["exercise"], line))
            elif kind == "sat":
                trunk = _sensor(obj, c.version) == "trunk"
                (c.trunk_sats if trunk else c.sats).append(_saturation(path, obj, line))
            else:
                trunk = _sensor(obj, c.version) == "trunk"
                (c.trunk_gaps if trunk else c.gaps).append(_gap(path, obj, line))
        except (ValueError, KeyError, TypeError) as e:
            if isinstance(e, InputError):
                raise
            what = f"missing key {e}" if isinstance(e, KeyError) else str(e)
            raise InputError(str(path), f"malformed '# {kind}' line: {what}", line) from None
    return c


def _gap(path: Path, obj: dict[str, Any], line: int) -> Gap:
    t, missing = obj["time_s"], obj["missing"]
    if isinstance(t, bool) or not isinstance(t, int | float) or not np.isfinite(t):
        raise InputError(str(path), f"gap time must be a finite number, not {t!r}", line, "time_s")
    if isinstance(missing, bool) or not isinstance(missing, int) or missing < 0:
        raise InputError(
            str(path), f"missing must be a whole number >= 0, not {missing!r}", line, "missing"
        )
    return Gap(float(t), missing, str(obj["reason"]))


def _saturation(path: Path, obj: dict[str, Any], line: int) -> Saturation:
    t0, t1, n = obj["t0_s"], obj["t1_s"], obj["n"]
    times = []
    for v in (t0, t1):
        try:
            times.append(
                float(v) if isinstance(v, int | float) and not isinstance(v, bool) else np.nan
            )
        except OverflowError:
            times.append(np.nan)
    if not (np.isfinite(times).all() and times[0] <= times[1]):
        raise InputError(
            str(path), f"'# sat' line: t0_s {t0!r} .. t1_s {t1!r} is not a time range", line
        )
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise InputError(str(path), f"'# sat' line: n must be a positive integer, not {n!r}", line)
    return Saturation(times[0], times[1], n)


def _check_meta(path: Path, meta: dict[str, Any], lines: dict[str, int], notes: list[str]) -> None:
    """Metadata values the pipeline uses: a bad one is dropped with a note (the data stays)."""

    def drop(key: str, why: str) -> None:
        notes.append(f"line {lines.get(key, '?')}: metadata {key} {why}; ignored")
        meta.pop(key, None)

    if "mount" in meta:
        from neckimu.mounts import MOUNTS

        m = meta["mount"]
        if not isinstance(m, str) or m not in MOUNTS:
            drop(
                "mount",
                f"{m!r} is not a mount preset ({', '.join(MOUNTS)}); the "
                "calibration infers the mount (or pass --mount)",
            )
    if "stretch_hold_s" in meta:
        sh = meta["stretch_hold_s"]
        if not isinstance(sh, dict):
            drop("stretch_hold_s", f"must be {{exercise: seconds}}, not {sh!r:.40}")
        else:
            bad = {k: v for k, v in sh.items() if not _positive(v)}
            if bad:
                meta["stretch_hold_s"] = {k: v for k, v in sh.items() if k not in bad}
                notes.append(
                    f"line {lines.get('stretch_hold_s', '?')}: metadata "
                    f"stretch_hold_s {bad!r:.60} is not a time in s; ignored"
                )
    if "hold_s" in meta and not _positive(meta["hold_s"]):
        drop("hold_s", f"{meta['hold_s']!r:.40} is not a time in s")


def _positive(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and bool(np.isfinite(v)) and v > 0


def _event(path: Path, time_s: Any, event: Any, exercise: Any, line: int) -> Event:
    if isinstance(time_s, str) and not _NUMBER.fullmatch(time_s.strip()):
        raise InputError(str(path), f"non-numeric time {time_s[:40]!r}", line, "time_s")
    try:
        t = float(time_s)
    except (TypeError, ValueError, OverflowError):
        raise InputError(str(path), f"non-numeric time {time_s!r:.40}", line, "time_s") from None
    if not np.isfinite(t):
        raise InputError(str(path), f"time is {time_s}", line, "time_s")
    if event not in EVENT_KINDS:
        raise InputError(str(path), f"event must be start or end, not {event!r:.40}", line, "event")
    if not isinstance(exercise, str) or not is_valid_exercise(exercise):
        raise InputError(
            str(path),
            f"unknown exercise {exercise!r:.60} (exercises: "
            "calibrate, hold_*, retraction, posture, stretch_<a-z0-9_>)",
            line,
            "exercise",
        )
    return Event(t, event, exercise, str(path), line)
