"""Desk posture: how long the head stays flexed forward beyond a threshold, and reminders.

Pure, vectorised functions on head flexion (``neckimu.angles``: relative to the calibrated
neutral pose, sitting tall and looking ahead), used offline (``neckimu posture --analyze``,
the report) and live (:class:`PostureMonitor`, which gives the same bouts and reminders as the
offline functions on the same samples, only later).

The steps, each a parameter of :class:`PostureCriteria`:

1. a running median over ``smooth_s`` (sensor noise, tremor, a nod);
2. *beyond* starts when the smoothed flexion exceeds ``threshold_deg`` and lasts until it
   falls below ``threshold_deg - hysteresis_deg`` (no flicker around the threshold);
3. a *bout* is one stretch beyond, from its first to its last sample; bouts shorter than
   ``min_bout_s`` (a glance at the keyboard) are dropped;
4. a reminder falls ``alert_after_s`` into every bout that lasts that long, then every
   ``repeat_s`` while the bout goes on.

Defaults and their sources: docs/posture.md (threshold 20 deg; ISO 11226:2000 rates head
inclination up to 25 deg as acceptable for static postures, Ariëns et al. 2001 saw a trend to
more neck pain with the neck flexed at least 20 deg for more than 70 % of the working time).
The reminder delay is our choice, not a limit from a study.

The package's modules: :mod:`~neckimu.posture.bouts` (criteria, bouts, reminders),
:mod:`~neckimu.posture.result` (posture over spans), :mod:`~neckimu.posture.split` (with a
trunk sensor), :mod:`~neckimu.posture.analysis` (of an offline Analysis),
:mod:`~neckimu.posture.monitor` (live). Every public name is importable from
``neckimu.posture`` itself.
"""

from __future__ import annotations

from neckimu.posture.analysis import (
    analysis_spans,
    posture_analysis,
    posture_split_analysis,
    summarize_analysis,
)
from neckimu.posture.bouts import PostureCriteria, alert_times, bouts, median_window
from neckimu.posture.monitor import PostureMonitor
from neckimu.posture.result import PostureResult, posture_over, summarize
from neckimu.posture.split import MAIN_SHARE, TRUNK_THRESHOLD_DEG, PostureSplit, posture_split

__all__ = [
    "MAIN_SHARE",
    "TRUNK_THRESHOLD_DEG",
    "PostureCriteria",
    "PostureMonitor",
    "PostureResult",
    "PostureSplit",
    "alert_times",
    "analysis_spans",
    "bouts",
    "median_window",
    "posture_analysis",
    "posture_over",
    "posture_split",
    "posture_split_analysis",
    "summarize",
    "summarize_analysis",
]
