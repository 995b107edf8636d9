"""One recording's part of the report, as data: its analysis JSON and its figures.

:func:`analyse_recording` reads and analyses one recording (``neckimu.pipeline.analyze``),
draws its PNG figures into a folder and returns a :class:`SessionRecord`: the analysis JSON
(docs/analysis-json.md, reps as ``Rep.to_json()`` with ``path_mm`` for retraction reps), the
recording's metadata, the posture summary and the list of figures. The page is rendered from
the record alone, so a cached record (``neckimu.report.cache``) needs no re-analysis.
:func:`analyse_job` is the same for a worker process: it never raises for bad input.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from neckimu.errors import InputError, NeckimuError

#: Version of the record's JSON layout (a change invalidates every cached record).
RECORD_VERSION = 1
#: File name of the record inside its folder.
RECORD_FILE = "record.json"


@dataclass(frozen=True)
class FigureRef:
    """One PNG of a session.

    Attributes
    ----------
    file : str
        File name inside the record's folder (``holds.png``).
    heading : str or None
        Heading above it on the page (None: no heading of its own).
    alt : str
        What it shows, in words (the ``alt`` text).
    caption : str or None
        A sentence below the heading that says how to read it.
    """

    file: str
    heading: str | None
    alt: str
    caption: str | None = None


@dataclass(frozen=True)
class SessionRecord:
    """What the report knows about one recording.

    Attributes
    ----------
    name : str
        The recording's file name.
    meta : dict
        The recording's metadata (``created``, ``mount``, ``routine`` ...).
    analysis : dict
        The analysis JSON of ``neckimu analyze --json`` (``reps``, ``exercises``,
        ``calibration``, ``gaps``, ``notes`` ...).
    posture : dict or None
        ``neckimu.posture.PostureResult.to_dict()`` of the session's posture windows; None
        without posture windows.
    figures : tuple of FigureRef
        In page order; the first is the whole session.
    """

    name: str
    meta: dict[str, Any]
    analysis: dict[str, Any]
    posture: dict[str, Any] | None
    figures: tuple[FigureRef, ...]

    @property
    def reps(self) -> list[dict[str, Any]]:
        """The rep records (docs/analysis-json.md)."""
        return self.analysis.get("reps", [])

    def to_json(self) -> dict[str, Any]:
        """The record as a JSON-able dict."""
        return {
            "record_version": RECORD_VERSION,
            "name": self.name,
            "meta": self.meta,
            "analysis": self.analysis,
            "posture": self.posture,
            "figures": [f.__dict__ for f in self.figures],
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> SessionRecord:
        """The record of :meth:`to_json`; raises ValueError for anything else."""
        if not isinstance(d, dict) or d.get("record_version") != RECORD_VERSION:
            raise ValueError("not a report record of this version")
        try:
            figs = tuple(FigureRef(**f) for f in d["figures"])
            rec = cls(
                str(d["name"]),
                dict(d["meta"]),
                dict(d["analysis"]),
                None if d["posture"] is None else dict(d["posture"]),
                figs,
            )
        except (KeyError, TypeError) as e:
            raise ValueError(f"malformed report record: {e}") from None
        if not isinstance(rec.analysis.get("reps"), list):
            raise ValueError("malformed report record: no reps")
        return rec

    def write(self, folder: Path) -> Path:
        """Write ``record.json`` into ``folder``."""
        from neckimu.output_files import json_text

        path = Path(folder) / RECORD_FILE
        path.write_text(json_text(self.to_json(), indent=None), encoding="utf-8")
        return path

    @classmethod
    def read(cls, folder: Path) -> SessionRecord:
        """The record in ``folder``; raises ValueError (or OSError) if it is not whole."""
        folder = Path(folder)
        rec = cls.from_json(json.loads((folder / RECORD_FILE).read_text(encoding="utf-8")))
        for f in rec.figures:
            if "/" in f.file or "\\" in f.file or not (folder / f.file).is_file():
                raise ValueError(f"figure {f.file} missing")
        return rec


def _slug(text: str) -> str:
    import re

    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")[:40] or "x"


def analyse_recording(path: Path, folder: Path) -> SessionRecord:
    """Analyse one recording, draw its figures into ``folder`` and return its record.

    Parameters
    ----------
    path : Path
        A recording (neckimu format or interchange CSV).
    folder : Path
        Existing, empty folder for the PNGs and ``record.json``.

    Returns
    -------
    SessionRecord

    Raises
    ------
    NeckimuError
        The recording does not read or cannot be analysed (the message names it).
    """
    from neckimu.pipeline import analyze
    from neckimu.recording.reader import RecordingWarning, read_recording
    from neckimu.report import figures
    from neckimu.results import to_json

    path, folder = Path(path), Path(folder)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RecordingWarning)  # kept in rec.warnings
        rec = read_recording(path)
    try:
        a = analyze(rec)
    except InputError:
        raise
    except NeckimuError as e:
        raise NeckimuError(str(e) if str(path) in str(e) else f"{path}: {e}") from None
    with figures.plain_text_figures():
        figs, posture = _draw(a, path, folder)
    record = SessionRecord(path.name, dict(rec.meta), to_json(a), posture, tuple(figs))
    record.write(folder)
    return record


def _draw(a: Any, path: Path, folder: Path) -> tuple[list[FigureRef], dict[str, Any] | None]:
    """Every figure of an analysed session into ``folder``; the posture summary."""
    import numpy as np

    from neckimu.plots import plot_angles
    from neckimu.recording.events import HOLDS
    from neckimu.report import figures
    from neckimu.verify.reps import exercise_name

    t = a.recording.samples.t
    reps = [r.to_json() for r in a.reps]
    figs = [FigureRef("session.png", None, "head angles over the whole session")]
    plot_angles(a, folder / figs[0].file, f"{path.name}: whole session")
    if getattr(a, "trunk", None) is not None:  # a second board on the trunk (issue 15)
        ref = FigureRef(
            "trunk.png",
            "Neck and trunk",
            "neck angles (head relative to trunk) and trunk inclination over the session",
            "With the trunk sensor the head angles above are the neck's (head relative to "
            "the trunk); below, how far the trunk leaned from the neutral sitting pose.",
        )
        figures.trunk_figure(
            t,
            a.angles_deg,
            a.trunk.trunk_deg,
            f"{path.name}: neck and trunk",
            folder / ref.file,
        )
        figs.append(ref)
    # one figure per exercise; the four isometric holds share one; the calibration (a
    # technical step, seen in the whole-session figure) and desk posture have none here
    by_exercise: dict[str, list] = {}
    for w in a.windows:
        if w.exercise not in ("posture", "calibrate"):
            by_exercise.setdefault("holds" if w.exercise in HOLDS else w.exercise, []).append(w)
    for ex, wins in by_exercise.items():
        title = "isometric holds" if ex == "holds" else exercise_name(ex)
        ref = FigureRef(f"{_slug(ex)}.png", title.capitalize(), f"{title}: head angles")
        draw = figures.holds_figure if ex == "holds" else figures.exercise_figure
        draw(t, a.angles_deg, wins, reps, f"{path.name}: {title}", folder / ref.file)
        figs.append(ref)
        rr = [r for r in reps if r["exercise"] == "retraction"]
        if ex == "retraction" and rr:
            paths = [
                (
                    np.asarray(r["path_mm"]["posterior"], float),
                    np.asarray(r["path_mm"]["superior"], float),
                )
                for r in rr
            ]
            ref = FigureRef(
                "retraction-paths.png",
                None,
                "retraction paths: backward and upward movement of the head",
                "The path of the head's centre in each retraction, seen from the side "
                "(right = backward, up = up), over the green region the pass rule accepts; "
                "the dot is where the rep was judged.",
            )
            figures.retraction_figure(
                rr, paths, f"{path.name}: retraction paths", folder / ref.file
            )
            figs.append(ref)
    posture = None
    if any(w.exercise == "posture" for w in a.windows):
        from neckimu.posture import analysis_spans, posture_analysis, posture_split_analysis

        # with a trunk board the analysis' angles are the neck's; "head forward" is the
        # head's inclination against the room, as `neckimu posture` says (a tester's
        # slouching session read 0 % head forward), and the split says which part to fix
        split = posture_split_analysis(a) if getattr(a, "trunk", None) is not None else None
        p = posture_analysis(a) if split is None else split.head
        head_flexion = a.angles_deg[:, 0] if split is None else a.trunk.head_deg[:, 0]
        inside = np.zeros(len(t), bool)
        for s0, s1 in analysis_spans(a):
            inside |= (t >= s0) & (t < s1)
        ref = FigureRef("posture.png", None, "head forward tilt during desk work")
        figures.posture_figure(
            t[inside],
            head_flexion[inside],
            p.threshold_deg,
            p.bouts_s,
            p.alerts_s,
            f"{path.name}: posture",
            folder / ref.file,
        )
        figs.append(ref)
        posture = p.to_dict()
        posture["bouts_s"] = np.round(p.bouts_s, 2).tolist()
        if split is not None:
            posture["trunk"] = split.to_dict()
    return figs, posture


def analyse_job(path: str, folder: str) -> tuple[str, Any]:
    """:func:`analyse_recording` for a worker process: never raises for bad input.

    Returns
    -------
    tuple
        ``("ok", record JSON dict)``, ``("error", message)`` for a recording that does not
        read or analyse, or ``("internal", message)`` for an unexpected exception.
    """
    try:
        return "ok", analyse_recording(Path(path), Path(folder)).to_json()
    except NeckimuError as e:
        return "error", str(e)
    except Exception as e:  # a bug or an unforeseen kind of damage: reported, not fatal
        return "internal", f"{type(e).__name__}: {e}"
