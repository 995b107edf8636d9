"""What every report figure shares: the figure and its saving, plain text, colours, ticks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from neckimu.verify.hold import HoldCriteria

ANGLE_STYLE = (
    ("flexion (+ down)", "#1f77b4"),
    ("lateral (+ right)", "#2ca02c"),
    ("rotation (+ right)", "#d62728"),
)
PASS, FAIL, GREY = "#2e9d4f", "#c62828", "#9e9e9e"
#: Hold tolerance drawn around the start pose: the pass rule's own, deg.
HOLD_TOLERANCE_DEG = HoldCriteria().tolerance_deg
DPI = 90
MARGIN_S = 1.0


def _figure(
    width_in: float,
    height_in: float,
    margins_in: tuple[float, float, float, float] | None = None,
    hspace_in: float = 0.0,
    wspace_in: float = 0.0,
    rows: int = 1,
    cols: int = 1,
):
    """A figure; with ``margins_in`` (left, right, top, bottom, inches) and the gaps between
    panels (inches) a fixed layout, else matplotlib's constrained layout.

    The fixed layout is what the per-session figures use: the constrained layout draws the
    figure several times to measure it, which doubles the time a report spends drawing.
    """
    from matplotlib.figure import Figure

    if margins_in is None:
        return Figure(figsize=(width_in, height_in), dpi=DPI, layout="constrained")
    fig = Figure(figsize=(width_in, height_in), dpi=DPI)
    left, right, top, bottom = margins_in
    inner_h = height_in - top - bottom
    inner_w = width_in - left - right
    fig.subplots_adjust(
        left=left / width_in,
        right=1 - right / width_in,
        top=1 - top / height_in,
        bottom=bottom / height_in,
        hspace=hspace_in / max((inner_h - hspace_in * (rows - 1)) / rows, 1e-3),
        wspace=wspace_in / max((inner_w - wspace_in * (cols - 1)) / cols, 1e-3),
    )
    return fig


def _save(fig, path: Path) -> Path:
    from neckimu.plots import plain_text

    plain_text(fig)  # a no-op inside plain_text_figures()
    # zlib level 1: PNG compression at the default level 6 took a fifth of the time a report
    # spent per session, for files only ~10 % smaller
    fig.savefig(path, dpi=DPI, pil_kwargs={"compress_level": 1})
    return path


def plain_text_figures():
    """Context in which figures are drawn and saved with every text plain (no mathtext, no
    LaTeX: file names are not markup), without the cost of fixing each text afterwards."""
    import matplotlib as mpl

    from neckimu.plots import PLAIN_TEXT

    return mpl.rc_context(PLAIN_TEXT)


def plain(draw: Callable[..., Path], *args: Any) -> Path:
    """``draw(*args)`` inside :func:`plain_text_figures` (matplotlib is imported only then)."""
    with plain_text_figures():
        return draw(*args)


def _verdict_color(rep: dict[str, Any] | None) -> str:
    if rep is None:
        return GREY
    return PASS if rep["verdict"] == "pass" else FAIL


def _locator():
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(5, steps=[1, 2, 2.5, 5, 10])


def _key(fig, width_in: float, height_in: float) -> None:
    """The colours of the three angles, bottom left (a legend costs a tenth of a panel's
    time)."""
    for k, (name, color) in enumerate(ANGLE_STYLE):
        fig.text(
            (0.1 + 1.45 * k) / width_in,
            0.1 / height_in,
            f"━ {name}",
            color=color,
            fontsize=7,
            va="center",
        )


def _few_ticks(ax) -> None:
    """At most about 5 ticks per axis: readable in a small panel, and matplotlib's ticks are
    the largest part of the time a figure takes to draw."""
    ax.xaxis.set_major_locator(_locator())
    ax.yaxis.set_major_locator(_locator())
