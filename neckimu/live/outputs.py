"""What a finished session leaves behind: the analysis JSON and a report.

The report is ``neckimu.report.write_report`` (HTML) of the recording; a session without a
recording file gets the PNG plot of the three angles (``neckimu.plots.plot_angles``) instead,
and the returned note says so.
"""

from __future__ import annotations

from pathlib import Path

from neckimu.output_files import json_text, staged_outputs
from neckimu.pipeline import Analysis
from neckimu.results import to_json


def write_outputs(
    analysis: Analysis,
    recording: Path | None,
    out_dir: Path,
    stem: str,
    report_dir: Path | None = None,
) -> tuple[list[Path], str]:
    """Write ``<stem>.json`` and a report into ``out_dir``.

    Parameters
    ----------
    analysis : Analysis
        The final analysis (of the closed recording).
    recording : Path or None
        The recording file (for the HTML report).
    out_dir : Path
        Existing folder.
    stem : str
        File name stem.
    report_dir : Path, optional
        Folder of the HTML report (default ``out_dir``).

    Returns
    -------
    paths : list of Path
        Files written.
    note : str
        How the report was made, for people.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    js = out_dir / f"{stem}.json"
    with staged_outputs() as stage:  # the JSON only if the report is made too
        stage.write_text(js, json_text(to_json(analysis), indent=2))
        if recording is not None:
            from neckimu.report import write_report

            index = Path(write_report([recording], report_dir or out_dir))
            report, note = [index], "HTML report"
        else:
            from neckimu.plots import plot_angles

            png = out_dir / f"{stem}.png"
            plot_angles(analysis, stage.path(png))
            report = [png]
            note = "no recording file for the HTML report: wrote the angle plot (PNG) instead"
    return [js, *report], note
