"""The breathing in the trunk board's pitch, fitted over the trunk's still segments and taken
out of its rotation before the trunk's lean about the hips is measured (issue 15).

Each breath extends the upper thorax by a few tenths of a degree (the sternum rises, the upper
back straightens) without carrying the head: the head centre's trunk-fixed point does not move
by it as it would for a lean about the hips. A lean of the same angle, 0.62 m below the head,
carries the head 11 mm per degree, so a breath's 0.2-0.8 deg (peak to peak) taken for a lean
is 2-9 mm of "trunk part" — as much as the ``trunk_lean`` threshold itself. Between two
movements the trunk is still apart from breathing and a slow sway, so over the still segments
around a rep the pitch is one offset (and a slope, for the sway) per segment plus one
sinusoid at the breathing rate; the rate is searched in :data:`BREATH_BAND_HZ` (12-30 breaths
a minute), the sinusoid fitted by least squares and removed everywhere in the span.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Breathing rates searched, Hz (9-30 breaths a minute at rest).
BREATH_BAND_HZ = (0.15, 0.5)
#: Step of the rate search, Hz.
BREATH_STEP_HZ = 0.005
#: A segment this long (s) or longer gets a slope of its own (the sway), shorter ones only an
#: offset.
SLOPE_MIN_S = 1.5
#: Fewer than this many seconds of still segments in all: no fit.
MIN_STILL_S = 2.0
#: Still data further from the rep are weighted down with this Gaussian width, s (the
#: breathing rate wanders from breath to breath).
WEIGHT_SD_S = 8.0


@dataclass(frozen=True)
class BreathFit:
    """One breathing sinusoid, ``a sin(2 pi f t) + b cos(2 pi f t)`` (t in s, rad).

    Attributes
    ----------
    freq_hz : float
    sin_rad, cos_rad : float
        The sinusoid's coefficients, rad.
    """

    freq_hz: float
    sin_rad: float
    cos_rad: float

    @property
    def amplitude_rad(self) -> float:
        """Peak pitch of the breathing, rad."""
        return float(np.hypot(self.sin_rad, self.cos_rad))

    def __call__(self, t: np.ndarray) -> np.ndarray:
        """The breathing pitch at times ``t`` (s), rad, shape (N,)."""
        w = 2.0 * np.pi * self.freq_hz * np.asarray(t, float)
        return self.sin_rad * np.sin(w) + self.cos_rad * np.cos(w)


def fit_breathing(
    t: np.ndarray,
    pitch_rad: np.ndarray,
    segments: list[tuple[float, float]],
    centre_s: float | None = None,
) -> BreathFit | None:
    """The breathing sinusoid in the trunk's pitch over its still ``segments``.

    Parameters
    ----------
    t : ndarray, shape (N,)
        Sample times, s.
    pitch_rad : ndarray, shape (N,)
        The trunk's pitch (about its left-right axis) from any fixed reference, rad.
    segments : list of (float, float)
        Still segments, s: each gets its own offset (and slope when at least
        :data:`SLOPE_MIN_S` long); the sinusoid is common to all.
    centre_s : float, optional
        Where the fit matters (s): samples are weighted by a Gaussian of
        :data:`WEIGHT_SD_S` about it; default: all alike.

    Returns
    -------
    BreathFit or None
        The rate with the least residual and its sinusoid; None with less than
        :data:`MIN_STILL_S` of still data.
    """
    t = np.asarray(t, float)
    cols, sel = [], []
    for a, b in segments:
        m = (t >= a) & (t <= b)
        if m.sum() < 3:
            continue
        sel.append(m)
        cols.append(m.astype(float))
        if b - a >= SLOPE_MIN_S:
            cols.append(np.where(m, t - 0.5 * (a + b), 0.0))
    if not sel:
        return None
    use = np.any(sel, axis=0)
    if t[use].size < 10 or sum(float(np.ptp(t[m])) for m in sel) < MIN_STILL_S:
        return None
    tu, y = t[use], np.asarray(pitch_rad, float)[use]
    base = np.column_stack(cols)[use]
    sw = (
        np.ones(len(tu))
        if centre_s is None
        else np.exp(-0.25 * ((tu - centre_s) / WEIGHT_SD_S) ** 2)  # sqrt of the weight
    )
    y = y * sw
    base = base * sw[:, None]
    freqs = np.arange(BREATH_BAND_HZ[0], BREATH_BAND_HZ[1] + 1e-9, BREATH_STEP_HZ)
    # least squares for every rate at once: the segments' offsets and slopes projected out
    # (QR), then the 2x2 normal equations of each rate's sine and cosine
    q, _ = np.linalg.qr(base)
    y_p = y - q @ (q.T @ y)
    w = 2.0 * np.pi * np.outer(tu, freqs)
    sn, cs = np.sin(w) * sw[:, None], np.cos(w) * sw[:, None]
    sn -= q @ (q.T @ sn)
    cs -= q @ (q.T @ cs)
    a11, a12, a22 = (sn * sn).sum(0), (sn * cs).sum(0), (cs * cs).sum(0)
    b1, b2 = sn.T @ y_p, cs.T @ y_p
    det = a11 * a22 - a12**2
    ok = det > 1e-12 * np.maximum(a11 * a22, 1e-300)
    if not ok.any():
        return None
    det = np.where(ok, det, 1.0)
    ca, cb = (a22 * b1 - a12 * b2) / det, (a11 * b2 - a12 * b1) / det
    gain = np.where(ok, ca * b1 + cb * b2, -np.inf)  # the residual's reduction
    k = int(np.argmax(gain))
    return BreathFit(float(freqs[k]), float(ca[k]), float(cb[k]))
