"""The report's PNG figures (matplotlib, Agg, no pyplot: safe inside a Qt application).

Each function draws one figure into a PNG file. Times are in s, angles in deg, displacements
in mm (what people read).

The figures of one session are in :mod:`~neckimu.report.figures.session`, those over the weeks
in :mod:`~neckimu.report.figures.history`; what they share in
:mod:`~neckimu.report.figures.canvas`.
"""

from neckimu.report.figures.canvas import (
    ANGLE_STYLE,
    DPI,
    FAIL,
    GREY,
    HOLD_TOLERANCE_DEG,
    MARGIN_S,
    PASS,
    _figure,
    _save,
    plain,
    plain_text_figures,
)
from neckimu.report.figures.history import ROM_STYLE, progress_figure, rom_figure
from neckimu.report.figures.session import (
    HOLD_GAP_S,
    exercise_figure,
    holds_figure,
    posture_figure,
    retraction_figure,
    trunk_figure,
)

__all__ = [
    "ANGLE_STYLE",
    "DPI",
    "FAIL",
    "GREY",
    "HOLD_GAP_S",
    "HOLD_TOLERANCE_DEG",
    "MARGIN_S",
    "PASS",
    "ROM_STYLE",
    "_figure",
    "_save",
    "exercise_figure",
    "holds_figure",
    "plain",
    "plain_text_figures",
    "posture_figure",
    "progress_figure",
    "retraction_figure",
    "rom_figure",
    "trunk_figure",
]
