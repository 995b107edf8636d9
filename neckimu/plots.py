"""Static PNG figures (matplotlib, Agg): angles over time with the exercise windows."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from neckimu.pipeline import Analysis

COLORS = {"calibrate": "#bbbbbb", "hold": "#8ecae6", "retraction": "#ffb703", "stretch": "#90be6d"}


def _color(exercise: str) -> str:
    for key, c in COLORS.items():
        if exercise.startswith(key):
            return c
    return "#dddddd"


def plot_angles(analysis: Analysis, path: str | Path, t_range: tuple[float, float] | None = None
                ) -> None:
    """Write the three head angles over time, exercise windows shaded, rep verdicts marked.

    Parameters
    ----------
    analysis : Analysis
    path : str or Path
        PNG file to write.
    t_range : tuple of float, optional
        Only this time span, s.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = analysis.recording.samples.t
    a = analysis.angles_deg
    if t_range is not None:
        m = (t >= t_range[0]) & (t <= t_range[1])
        t, a = t[m], a[m]
    step = max(1, len(t) // 20000)  # a PNG needs no more points than pixels
    fig, axes = plt.subplots(3, 1, figsize=(12, 7), sharex=True, constrained_layout=True)
    labels = ["flexion (+) /\nextension (−) [deg]", "lateral flexion\n(+ right) [deg]",
              "rotation\n(+ right) [deg]"]
    for i, ax in enumerate(axes):
        ax.plot(t[::step], a[::step, i], lw=0.8, color="#1d3557")
        ax.set_ylabel(labels[i], fontsize=8)
        ax.grid(alpha=0.3)
        for w in analysis.windows:
            ax.axvspan(w.start_s, w.end_s, color=_color(w.exercise), alpha=0.35, lw=0)
    for rep in analysis.reps:
        c = "#2a9d8f" if rep["verdict"] == "pass" else "#e63946"
        axes[0].axvline(rep["end_s"], color=c, lw=1.2, alpha=0.8)
    for w in analysis.windows:
        axes[0].text(w.start_s, 1.02, w.exercise, transform=axes[0].get_xaxis_transform(),
                     fontsize=6, rotation=30, va="bottom")
    axes[-1].set_xlabel("time [s]")
    if len(t):
        axes[-1].set_xlim(float(np.min(t)), float(np.max(t)))
    fig.suptitle(Path(analysis.recording.path).name or "session", fontsize=10)
    fig.savefig(path, dpi=110)
    plt.close(fig)
