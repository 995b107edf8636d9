"""Static PNG figures: head angles over a session (the neck's and the trunk's inclination with a
trunk board), exercise windows shaded, verdicts marked.

Drawn on a matplotlib ``Figure`` without pyplot, so it is safe from any thread (the live
window writes its report from a worker thread).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from neckimu.pipeline import Analysis

#: Settings (``matplotlib.rc_context``) under which every text of a figure is plain.
PLAIN_TEXT = {"text.parse_math": False, "text.usetex": False}

COLORS = {"calibrate": "#bbbbbb", "hold": "#8ecae6", "retraction": "#ffb703", "stretch": "#90be6d"}


def _color(exercise: str) -> str:
    for key, c in COLORS.items():
        if exercise.startswith(key):
            return c
    return "#dddddd"


def plain_text(fig: Any) -> None:
    """Draw every text of ``fig`` as it is written: no mathtext, no LaTeX.

    File names and exercise names are not markup: with mathtext on, a ``$`` in a name makes
    matplotlib fail (``s$^$.csv``) or print something else; with ``text.usetex`` set in a
    user's matplotlibrc, every ``_`` would. Call it just before saving.

    Nothing to do (and no cost: finding every text makes matplotlib build all ticks) when the
    current settings already make every text plain, as inside :data:`PLAIN_TEXT`.
    """
    import matplotlib as mpl
    from matplotlib.text import Text

    if not (mpl.rcParams["text.parse_math"] or mpl.rcParams["text.usetex"]):
        return

    for text in fig.findobj(Text):
        text.set_parse_math(False)
        text.set_usetex(False)


def plot_angles(analysis: Analysis, path: str | Path, title: str | None = None) -> Path:
    """Write the three head angles over time, exercise windows shaded, rep verdicts marked.

    Parameters
    ----------
    analysis : Analysis
    path : str or Path
        PNG file to write.
    title : str, optional
        Default: the recording's file name.

    Returns
    -------
    Path
        ``path``.
    """
    from matplotlib.figure import Figure

    from neckimu.verify.reps import exercise_name

    t = analysis.recording.samples.t
    a = analysis.angles_deg
    step = max(1, len(t) // 20000)  # a PNG needs no more points than pixels
    fig = Figure(figsize=(12, 7))
    # fixed margins (inches: 0.9 left, 0.85 top for the rotated exercise names, 0.55 bottom):
    # the constrained layout costs a third of the drawing time, which a report pays per session
    fig.subplots_adjust(
        left=0.9 / 12, right=1 - 0.2 / 12, top=1 - 0.85 / 7, bottom=0.55 / 7, hspace=0.08
    )
    trunk = analysis.trunk
    axes = fig.subplots(3 if trunk is None else 4, 1, sharex=True)
    # with a trunk board the angles are the neck's (head relative to trunk)
    who = "" if trunk is None else "neck "
    labels = [
        f"{who}flexion (+) /\nextension (−) [deg]",
        f"{who}lateral flexion\n(+ right) [deg]",
        f"{who}rotation\n(+ right) [deg]",
    ]
    for i, ax in enumerate(axes[:3]):
        ax.plot(t[::step], a[::step, i], lw=0.8, color="#1d3557")
        ax.set_ylabel(labels[i], fontsize=8)
    if trunk is not None:
        for k, (name, color) in enumerate((("forward", "#6d597a"), ("right", "#b56576"))):
            axes[3].plot(t[::step], trunk.trunk_deg[::step, k], lw=0.8, color=color, label=name)
        axes[3].set_ylabel("trunk inclination\n(+ forward, + right) [deg]", fontsize=8)
        axes[3].legend(fontsize=7, loc="upper right")
    for ax in axes:
        ax.grid(alpha=0.3)
        for w in analysis.windows:
            ax.axvspan(w.start_s, w.end_s, color=_color(w.exercise), alpha=0.35, lw=0)
    for rep in analysis.reps:
        c = "#2a9d8f" if rep.verdict == "pass" else "#e63946"
        axes[0].axvline(rep.end_s, color=c, lw=1.2, alpha=0.8)
    for w in analysis.windows:
        axes[0].text(
            w.start_s,
            1.02,
            exercise_name(w.exercise),
            transform=axes[0].get_xaxis_transform(),
            fontsize=6,
            rotation=30,
            va="bottom",
        )
    axes[-1].set_xlabel("time [s]")
    if len(t):
        axes[-1].set_xlim(float(t[0]), float(t[-1]))
    fig.suptitle(title or Path(analysis.recording.path).name or "session", fontsize=10)
    plain_text(fig)
    # PNG: fast zlib level (40 % faster, ~7 % larger); SVG and PDF take no such option
    png = Path(path).suffix.lower() == ".png"
    fig.savefig(path, dpi=110, **({"pil_kwargs": {"compress_level": 1}} if png else {}))
    return Path(path)
