"""Sagittal head-centre path of each retraction rep, per sample, for the report's figure.

The verifier (``neckimu.verify.retraction``) keeps one displacement per rep (the average of the
glide out and the return). To draw the path itself, the same displacement function,
:func:`neckimu.translation.head_centre_displacement`, runs once more per rep from the still
phase before the glide to the end of the kept position, with the kept position as the final
still phase — as the live window does while the rep happens (``neckimu.live.path``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from neckimu.angles import head_matrices
from neckimu.mounts import get_mount
from neckimu.pipeline import Analysis
from neckimu.translation import head_centre_displacement

#: Still time before the glide in the verifier's rep record (``start_s`` = glide start − this), s.
STILL_BEFORE_S = 0.5


def retraction_path_mm(analysis: Analysis, rep: dict[str, Any]
                       ) -> tuple[np.ndarray, np.ndarray] | None:
    """Posterior and superior head-centre displacement over one rep's glide.

    Parameters
    ----------
    analysis : Analysis
    rep : dict
        A retraction record of ``analysis.reps`` (needs ``start_s`` and ``kept_s``).

    Returns
    -------
    posterior_mm, superior_mm : ndarray, shape (n,)
        From the glide start to the end of the kept position, mm (posterior: backward, +;
        superior: up, +). None when the rep is too short to integrate.
    """
    kept = rep.get("kept_s")
    if rep.get("exercise") != "retraction" or not kept or len(kept) != 2:
        return None
    t = analysis.recording.samples.t
    s = analysis.recording.samples
    orient = analysis.orientation
    cal = analysis.calibration
    i0, ig, k0, k1 = (int(i) for i in np.searchsorted(
        t, [rep["start_s"], rep["start_s"] + STILL_BEFORE_S, kept[0], kept[1]]))
    if ig - i0 < 2 or k1 - k0 < 2 or k0 <= ig:
        return None
    m_nh = head_matrices(orient.quat[i0:k1], cal)
    m_ns_1 = m_nh[0] @ cal.sensor_to_head.as_matrix()
    d = head_centre_displacement(
        t[i0:k1], s.acc[i0:k1], s.gyr[i0:k1] - orient.bias[i0:k1], orient.ts,
        slice(0, ig - i0), slice(k0 - i0, k1 - i0), m_ns_1, m_nh,
        get_mount(cal.mount).lever_arm_m)
    d = d[ig - i0 - 1 :] - d[ig - i0 - 1]  # from the glide start
    return -d[:, 0] * 1e3, d[:, 2] * 1e3
