"""The offline pipeline: recording → orientation → head frame → angles → rep verdicts.

One function, :func:`analyze`, used by ``neckimu analyze``, ``export``, ``report``, the
replay window and the benchmarks, so every path judges a session the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from neckimu.angles import head_angles_deg
from neckimu.errors import CalibrationError, InputError, NeckimuError
from neckimu.headframe import Calibration, calibrate, with_neutral
from neckimu.orientation import Orientation, estimate_causal, estimate_offline, filter_period
from neckimu.recording.events import Window, windows
from neckimu.recording.plausibility import check_plausible
from neckimu.recording.reader import Recording, read_recording
from neckimu.recording.writer import append_meta
from neckimu.verify import verify_all
from neckimu.verify.context import Context
from neckimu.verify.reps import Rep

if TYPE_CHECKING:
    from neckimu.trunk import TrunkContext

log = logging.getLogger(__name__)

#: Called with the name of each stage as it starts (for a progress bar).
Progress = Callable[[str], None]


@dataclass
class Analysis:
    """Everything the pipeline derived from one recording.

    Attributes
    ----------
    recording : Recording
    orientation : Orientation
        Sensor orientation (offlineVQF, 6D): the angles shown and exported.
    causal : Orientation
        The live filter run over the recording: what the verifiers judge (as live).
    calibration : Calibration
        Head frame; its neutral pose refers to ``orientation``.
    angles_deg : ndarray, shape (N, 3)
        Flexion, lateral flexion, rotation relative to neutral, deg.
    windows : list of Window
        Exercise windows from the events, clipped to the data.
    reps : list of Rep
        Per-rep results (``neckimu.verify.reps``; JSON: docs/analysis-json.md).
    notes : list of str
        Assumptions and warnings, for people.
    """

    recording: Recording
    orientation: Orientation
    causal: Orientation
    calibration: Calibration
    angles_deg: np.ndarray
    windows: list[Window]
    reps: list[Rep] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    trunk: TrunkAnalysis | None = None


@dataclass
class TrunkAnalysis:
    """What a second board on the trunk adds (issue 15; ``neckimu.trunk``).

    With it, :attr:`Analysis.angles_deg` are the **neck** angles (head relative to trunk).

    Attributes
    ----------
    calibration : neckimu.trunk.TrunkCalibration
    orientation, causal : Orientation
        The trunk board's offline and causal 6D orientation.
    head_deg : ndarray, shape (N, 3)
        The head's angles relative to its neutral pose (the room), as without a trunk.
    trunk_deg : ndarray, shape (N, 2)
        Trunk inclination from its neutral pose at the head's samples: forward (+), right (+).
    """

    calibration: Any
    orientation: Orientation
    causal: Orientation
    head_deg: np.ndarray
    trunk_deg: np.ndarray


def _clip_windows(rec: Recording) -> list[Window]:
    t0, t1 = float(rec.samples.t[0]), float(rec.samples.t[-1])
    out = []
    for w in windows(rec.events):
        s, e = max(w.start_s, t0), min(w.end_s, t1)
        if e > s:
            out.append(Window(w.exercise, s, e))
    return out


def analyze(
    rec: Recording,
    *,
    mount: str | None = None,
    verify: bool = True,
    progress: Progress | None = None,
) -> Analysis:
    """Run the whole offline pipeline on a recording.

    Parameters
    ----------
    rec : Recording
    mount : str, optional
        Mount preset; default: the recording's metadata, else inferred by the calibration.
    verify : bool
        Run the exercise verifiers (off for ``export``).
    progress : callable, optional
        Receives each stage's name as it starts.

    Returns
    -------
    Analysis
    """
    step = progress or (lambda _name: None)
    if len(rec.samples) < 2:
        raise InputError(rec.path, "fewer than two samples")
    plausibility_notes = check_plausible(rec)
    step("orientation")
    orient = estimate_offline(rec.samples)
    causal = estimate_causal(rec.samples, filter_period(rec.meta, rec.samples.t))
    step("head frame")
    wins = _clip_windows(rec)
    cal_win = next((w for w in wins if w.exercise == "calibrate"), None)
    source = "argument"
    if mount is None and isinstance(rec.meta.get("mount"), str):
        mount, source = rec.meta["mount"], "recording"
    try:
        cal = calibrate(rec.samples, causal, cal_win, mount=mount, mount_source=source)
    except CalibrationError as e:
        raise CalibrationError(f"{rec.path}: {e}" if rec.path else str(e)) from None
    step("angles")
    shown = with_neutral(cal, rec.samples.t, orient.quat)
    angles = head_angles_deg(orient.quat, shown)
    analysis = Analysis(
        rec,
        orient,
        causal,
        shown,
        angles,
        wins,
        notes=list(rec.warnings) + plausibility_notes + cal.notes,
    )
    trunk = getattr(rec, "trunk", None)
    trunk_ok = False
    if trunk is not None and len(trunk) >= 2:
        from neckimu.trunk.calibration import trunk_data_problem

        problem = trunk_data_problem(trunk, cal.still_s)
        trunk_ok = problem is None
        if not trunk_ok:
            analysis.notes.append(
                f"trunk board not used ({problem}): angles and verdicts are the head's alone"
            )
    # the trunk as the verifiers judge with it (and the live session has it)
    judging = _judging_trunk(rec, cal) if trunk_ok else None
    ctx = None
    if verify:
        step("verification")
        ctx = Context(
            rec.samples,
            causal.quat,
            causal.bias,
            causal.ts,
            cal,
            meta=rec.meta,
            saturated=getattr(rec, "saturated", None),
        )
        if judging is not None:  # the rep finder's angular speed is the neck's
            ctx.trunk_rate = judging.rate_in_head(ctx.t, ctx.quat, cal)
        analysis.reps = verify_all(ctx, windows(rec.events))
    if judging is not None:
        step("trunk")
        _with_trunk(analysis, rec, cal, judging, ctx)
    return analysis


def store_calibration(path: str | Path) -> None:
    """Add the head-frame calibration to a closed recording's metadata, if it has one.

    What a command that recorded a session does once the file is closed (the recorder only
    records). A recording without a *calibrate* window, or compressed (``.gz`` cannot be
    appended to; the analysis finds the calibration again), is left as it is; a calibration
    that cannot be found or stored is logged as a warning: the recording itself is never lost.

    Parameters
    ----------
    path : str or Path
        A closed neckimu recording.
    """
    if str(path).endswith(".gz"):
        return
    try:
        rec = read_recording(path)
        if not any(e.exercise == "calibrate" for e in rec.events):
            return
        cal = analyze(rec, verify=False).calibration
        append_meta(path, calibration=cal.to_meta())
    except (NeckimuError, ValueError, OSError) as e:
        log.warning("calibration not stored: %s", e)


def trunk_meta(meta: dict[str, Any]) -> dict[str, Any]:
    """The trunk board's metadata in a recording header (``trunk``; {} without one)."""
    t = meta.get("trunk")
    return t if isinstance(t, dict) else {}


def _judging_trunk(rec: Recording, cal: Calibration) -> TrunkContext:
    """The trunk board as the verifiers judge with it: its causal filter and its frame from
    gravity in the neutral pose and the trunk preset's heading
    (:func:`neckimu.trunk.calibrate_trunk`), what a live session has when the calibration
    ends."""
    from neckimu.trunk import calibrate_trunk, trunk_context

    trunk = rec.trunk
    assert trunk is not None
    tmeta = trunk_meta(rec.meta)
    t_causal = estimate_causal(trunk, filter_period(tmeta, trunk.t))
    tcal = calibrate_trunk(trunk, cal.still_s, mount=tmeta.get("mount"))
    return trunk_context(trunk, t_causal, tcal, cal.still_s, meta=tmeta)


def _with_trunk(
    analysis: Analysis,
    rec: Recording,
    cal: Calibration,
    judging: TrunkContext,
    ctx: Context | None,
) -> None:
    """Neck angles, trunk inclination and the reps judged against the trunk (in place).

    The angles shown use the trunk frame taken through the boards' heading link over the
    whole recording (:func:`neckimu.trunk.linked_calibration`); the verifiers, like the head's,
    judge on what a live session has when the calibration ends (``judging``:
    :func:`_judging_trunk`; ``ctx`` None: no verification), so that the live judge
    (:mod:`neckimu.live.judge`) gives each rep the verdict ``analyze`` gives.
    """
    from neckimu.trunk import heading_link, linked_calibration, trunk_angles, trunk_covered
    from neckimu.verify.trunk_lean import judge_with_trunk

    trunk = rec.trunk
    t_orient = estimate_offline(trunk)
    t_causal, tcal = judging.orientation, judging.cal
    shown = analysis.calibration
    link = heading_link(rec.samples, analysis.orientation, trunk, t_orient)
    if link is not None:
        tcal = linked_calibration(
            tcal, shown, rec.samples.t, analysis.orientation.quat, trunk.t, t_orient.quat, link
        )
    else:
        tcal.notes.append("the trunk never turned with the head: its heading is the preset's")
    t = rec.samples.t
    ang = trunk_angles(t, analysis.orientation.quat, shown, trunk.t, t_orient.quat, tcal, link)
    # where the trunk board has no data (its link lost, its data ended early) there is no
    # neck and no trunk inclination: blank, not the last trunk pose held (a tester's finding)
    covered = trunk_covered(trunk.t, t)
    ang.neck_deg[~covered] = np.nan
    ang.trunk_deg[~covered] = np.nan
    analysis.trunk = TrunkAnalysis(tcal, t_orient, t_causal, analysis.angles_deg, ang.trunk_deg)
    analysis.angles_deg = ang.neck_deg
    analysis.notes += tcal.notes + [
        f"trunk sensor ({tcal.mount.name}): angles are the neck's (head relative to trunk)"
    ]
    if not covered.all():
        analysis.notes.append(
            f"the trunk board's data cover {covered.mean():.0%} of the recording (none for "
            f"{_seconds(t, ~covered)}): no neck or trunk angles there"
        )
    if ctx is not None:
        analysis.reps = judge_with_trunk(analysis.reps, judging, ctx)


def _seconds(t: np.ndarray, mask: np.ndarray) -> str:
    """The stretches of ``t`` (s) where ``mask`` holds, in words: "12-73 s", "0-2 s and
    40-45 s", or the first two and how many more."""
    from neckimu.runs import true_runs

    runs = [(float(t[a]), float(t[b - 1])) for a, b in true_runs(mask)]
    words = [f"{a:.0f}-{b:.0f} s" for a, b in runs[:2]]
    more = f" and {len(runs) - 2} more" if len(runs) > 2 else ""
    return " and ".join(words) + more
