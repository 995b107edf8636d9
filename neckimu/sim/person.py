"""What a real seated person adds to any commanded head motion: sway, breathing, tremor.

All three are sums of sinusoids with random frequencies, amplitudes and phases drawn once per
session, so they are smooth, deterministic per seed and cheap to evaluate at any time.

* Postural sway, 0.1–0.3 Hz: a few mm of head-centre motion and 0.15–0.25 deg (peak, per
  axis) of head rotation. During an isometric hold the neck muscles co-contract and the
  angular sway shrinks (``brace`` channel of the script; factor :attr:`Person.brace_factor`).
* Breathing, 0.2–0.3 Hz: ~1 mm vertical head-centre motion and a trace of flexion.
* Physiological tremor, 8–12 Hz: 0.02–0.05 deg peak per axis.
* Restless motion, 0.3–1 Hz: sub-millimetre head-centre movements that bring the head-centre
  acceleration at rest up to a per-person level of 0.01–0.03 m/s² (peak per axis, sway and
  breathing included). On a living head the low-passed gravity-free acceleration at rest is
  0.01–0.025 m/s² (issue 10); a detector with a fixed threshold near that level fires in rests.
"""

from __future__ import annotations

import numpy as np

_DEG = np.pi / 180.0


def _sines(rng: np.random.Generator, n: int, f_lo: float, f_hi: float, total: float):
    """n sinusoids in [f_lo, f_hi] Hz whose amplitudes sum to ``total`` (the peak bound)."""
    f = rng.uniform(f_lo, f_hi, n)
    w = rng.uniform(0.5, 1.0, n)
    return f, total * w / w.sum(), rng.uniform(0.0, 2.0 * np.pi, n)


def _acc_bound(comps: tuple[np.ndarray, np.ndarray, np.ndarray]) -> float:
    """Peak bound of the second derivative of a sum of sinusoids: Σ a·(2πf)²."""
    f, a, _ = comps
    return float(np.sum(a * (2.0 * np.pi * f) ** 2))


def _eval(t: np.ndarray, comps: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> np.ndarray:
    """Evaluate one sum of sinusoids per column -> shape (N, len(comps))."""
    out = np.empty((len(t), len(comps)))
    for j, (f, a, ph) in enumerate(comps):
        col = np.zeros(len(t))
        for fk, ak, pk in zip(f, a, ph, strict=True):
            if ak:
                col += ak * np.sin(2.0 * np.pi * fk * t + pk)
        out[:, j] = col
    return out


class Person:
    """Sway, breathing and tremor of one seated person (random per ``rng``).

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of the person's parameters.
    sway_deg : float
        Peak angular sway per axis, deg (drawn in [0.6, 1.0]·sway_deg).
    sway_mm : float
        Peak head-centre sway per horizontal axis, mm (drawn in [0.5, 1.0]·sway_mm).
    breathing_mm : float
        Peak vertical head-centre motion from breathing, mm (drawn in [0.7, 1.2]·breathing_mm).
    tremor_deg : float
        Peak tremor per axis, deg (drawn in [0.4, 1.0]·tremor_deg).
    brace_factor : float
        Angular sway is multiplied by this while braced (isometric holds).
    rest_acc_m_s2 : tuple of float
        Range of the person's head-centre acceleration at rest, m/s² (peak bound per axis of
        sway, breathing and restless motion together); drawn once per person.

    Attributes
    ----------
    rest_acc_m_s2 : float
        This person's level (the bound the restless motion was scaled to), m/s².
    """

    def __init__(
        self,
        rng: np.random.Generator,
        sway_deg: float = 0.25,
        sway_mm: float = 2.5,
        breathing_mm: float = 1.0,
        tremor_deg: float = 0.05,
        brace_factor: float = 0.25,
        rest_acc_m_s2: tuple[float, float] = (0.01, 0.03),
    ) -> None:
        self.brace_factor = brace_factor
        self.sway_ang = [
            _sines(rng, 3, 0.1, 0.3, rng.uniform(0.6, 1.0) * sway_deg * _DEG) for _ in range(3)
        ]
        self.tremor = [
            _sines(rng, 4, 8.0, 12.0, rng.uniform(0.4, 1.0) * tremor_deg * _DEG) for _ in range(3)
        ]
        horiz = [_sines(rng, 3, 0.1, 0.3, rng.uniform(0.5, 1.0) * sway_mm * 1e-3) for _ in "xy"]
        vert = _sines(rng, 2, 0.1, 0.3, 0.3 * sway_mm * 1e-3)
        f_b = rng.uniform(0.2, 0.3)
        a_b = rng.uniform(0.7, 1.2) * breathing_mm * 1e-3
        ph_b = rng.uniform(0.0, 2.0 * np.pi)
        # breathing: one fundamental plus a weaker harmonic, vertical, and a trace of flexion
        breath_z = (np.array([f_b, 2 * f_b]), np.array([a_b, 0.2 * a_b]), np.array([ph_b, ph_b]))
        vz = tuple(np.concatenate([vert[i], breath_z[i]]) for i in range(3))
        self.breath_flex = (np.array([f_b]), np.array([0.05 * _DEG]), np.array([ph_b + 0.5]))
        # restless motion: faster small movements up to this person's acceleration level
        self.rest_acc_m_s2 = float(rng.uniform(*rest_acc_m_s2))
        pos = [*horiz, vz]
        self.sway_pos = []
        for comps in pos:
            f, a, ph = _sines(rng, 3, 0.3, 1.0, 1.0)
            room = max(self.rest_acc_m_s2 - _acc_bound(comps), 0.0)
            a = a * room / _acc_bound((f, a, ph))
            self.sway_pos.append(
                tuple(np.concatenate([c, r]) for c, r in zip(comps, (f, a, ph), strict=True))
            )

    def angles(self, t: np.ndarray, brace: np.ndarray | None = None) -> np.ndarray:
        """Angle offsets ``flex, lat, rot``, rad, shape (N, 3).

        Parameters
        ----------
        t : ndarray, shape (N,)
            Time, s.
        brace : ndarray, shape (N,), optional
            0 (relaxed) .. 1 (isometric hold) per sample.
        """
        t = np.asarray(t, dtype=np.float64)
        sway = _eval(t, self.sway_ang)
        if brace is not None:
            sway *= (1.0 - (1.0 - self.brace_factor) * np.clip(brace, 0.0, 1.0))[:, None]
        out = sway + _eval(t, self.tremor)
        out[:, 0] += _eval(t, [self.breath_flex])[:, 0]
        return out

    def position(self, t: np.ndarray) -> np.ndarray:
        """Head-centre offset in the trunk frame, m, shape (N, 3)."""
        return _eval(np.asarray(t, dtype=np.float64), self.sway_pos)
