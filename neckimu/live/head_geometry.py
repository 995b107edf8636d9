"""The drawn head without Qt: its 3D model, pose and projection, and each exercise's target
band (drawn by :class:`neckimu.live.head.HeadFigure`).

The drawn head is a small 3D model in the neutral head frame (x forward, y left, z up, mm;
docs/head-frame.md): a skull ellipsoid, the face profile, eyes, nose, mouth, jaw and ears.
:func:`head_geometry` turns it by the head angles (:func:`head_matrix`, the matrix of
:func:`neckimu.angles.rotation_from_angles`, the inverse of the angles the session measures)
about a pivot in the lower neck, shifts it by the retraction glide, and projects it
orthographically:

- **side** view, seen from the person's right: screen x forward, screen y up; flexion turns the
  nose down (the angle of the nose about the pivot falls by the flexion);
- **front** view, as in a mirror: screen x is the person's right, screen y up; lateral flexion
  to the right tilts the head to the screen's right, a turn to the right moves the nose right.

Bands are drawn from the pivot as wedges: in the side view the nose tip lies inside the band
exactly when the flexion does (pure flexion), likewise the crown and lateral flexion in the
front view.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from neckimu.verify.hold import HoldCriteria
from neckimu.verify.retraction import RetractionCriteria
from neckimu.verify.stretch import StretchCriteria

#: Where the drawn head turns (lower neck), neutral head frame, mm.
PIVOT_MM = np.array([-10.0, 0.0, -110.0])
#: Skull ellipsoid: centre and semi-axes, mm.
SKULL_CENTRE_MM = np.array([-15.0, 0.0, 35.0])
SKULL_AXES_MM = np.array([95.0, 78.0, 105.0])
#: The nose tip and the crown (the points the views zoom on and the bands reach), mm.
NOSE_TIP_MM = np.array([118.0, 0.0, -20.0])
CROWN_MM = SKULL_CENTRE_MM + np.array([0.0, 0.0, SKULL_AXES_MM[2]])
#: Half-width of a view zoomed on the nose during a hold, mm (±2 deg is ~±4 mm there).
HOLD_ZOOM_MM = 14.0
#: Largest stretch angle drawn in the stretch band, deg.
STRETCH_BAND_MAX_DEG = 50.0

VIEWS = ("side", "front")


def _ellipse(
    centre: tuple[float, float, float], rx: float, rz: float, plane: str, n: int = 24
) -> np.ndarray:
    """A closed ellipse in the ``"xz"`` or ``"yz"`` plane through ``centre``, shape (n+1, 3)."""
    a = np.linspace(0.0, 2 * np.pi, n + 1)
    pts = np.tile(np.asarray(centre, float), (n + 1, 1))
    pts[:, 0 if plane == "xz" else 1] += rx * np.cos(a)
    pts[:, 2] += rz * np.sin(a)
    return pts


def _mirror_y(pts: np.ndarray) -> np.ndarray:
    out = np.array(pts, float)
    out[:, 1] *= -1.0
    return out


#: The face profile along the midline (forehead to throat), mm.
_PROFILE = np.array(
    [
        [72, 0, 76],
        [86, 0, 50],
        [88, 0, 30],
        [84, 0, 15],
        [118, 0, -20],
        [100, 0, -34],
        [102, 0, -48],
        [96, 0, -60],
        [100, 0, -70],
        [95, 0, -98],
        [60, 0, -114],
        [20, 0, -118],
    ],
    float,
)
_JAW_RIGHT = np.array([[-5, -70, -15], [40, -58, -78], [75, -35, -100], [95, 0, -98]], float)
_NOSE = np.array(
    [[88, 0, 15], [118, 0, -20], [100, 15, -33], [100, -15, -33], [118, 0, -20]], float
)
_MOUTH = np.array([[93, 22, -62], [100, 0, -59], [93, -22, -62]], float)
_EYE_RIGHT_SIDE = _ellipse((84, -33, 20), 8.0, 4.0, "xz")  # seen from the side
_EYE_RIGHT_FRONT = _ellipse((84, -33, 20), 9.0, 4.5, "yz")  # seen from the front
_EAR_RIGHT = _ellipse((-5, -80, 0), 18.0, 32.0, "xz")

#: The parts of each view, as 3D polylines in the head frame (mm), turned with the head.
PARTS: dict[str, dict[str, np.ndarray]] = {
    "side": {"profile": _PROFILE, "jaw": _JAW_RIGHT, "eye": _EYE_RIGHT_SIDE, "ear": _EAR_RIGHT},
    "front": {
        "jaw": np.vstack([_JAW_RIGHT, _mirror_y(_JAW_RIGHT)[::-1]]),
        "nose": _NOSE,
        "mouth": _MOUTH,
        "eye": _EYE_RIGHT_FRONT,
        "eye2": _mirror_y(_EYE_RIGHT_FRONT),
        "ear": np.array([[-5, -80, 32], [-5, -86, 0], [-5, -80, -32]], float),
        "ear2": np.array([[-5, 80, 32], [-5, 86, 0], [-5, 80, -32]], float),
    },
}
#: The trunk (fixed), screen mm per view: neck and shoulders as one polyline each side.
TRUNK: dict[str, list[np.ndarray]] = {
    "side": [
        np.array([[-55.0, -90.0], [-70.0, -200.0], [-110.0, -240.0]]),
        np.array([[40.0, -115.0], [45.0, -200.0], [90.0, -240.0]]),
    ],
    "front": [
        np.array([[-45.0, -95.0], [-50.0, -190.0], [-190.0, -225.0]]),
        np.array([[45.0, -95.0], [50.0, -190.0], [190.0, -225.0]]),
    ],
}


def project(points_mm: np.ndarray, view: str) -> np.ndarray:
    """Orthographic projection of head-frame points (n, 3) onto a view, screen mm (n, 2).

    ``side``: (x, z), seen from the right; ``front``: (−y, z), as in a mirror.
    """
    p = np.asarray(points_mm, float)
    if view == "side":
        return p[:, [0, 2]]
    if view == "front":
        return np.column_stack([-p[:, 1], p[:, 2]])
    raise ValueError(f"unknown view {view!r}; views: {', '.join(VIEWS)}")


def _turn(points_mm: np.ndarray, m: np.ndarray, offset_mm: np.ndarray) -> np.ndarray:
    return PIVOT_MM + (points_mm - PIVOT_MM) @ m.T + offset_mm


@cache
def _circle(n: int) -> np.ndarray:
    a = np.linspace(0.0, 2 * np.pi, n + 1)
    return np.stack([np.cos(a), np.sin(a)])


def skull_outline(
    m: np.ndarray, view: str, offset_mm: np.ndarray | None = None, n: int = 72
) -> np.ndarray:
    """The silhouette of the turned skull ellipsoid in a view (closed), screen mm (n+1, 2).

    The projection of an ellipsoid ``(X−c)ᵀ Q (X−c) = 1`` along an axis is the ellipse of the
    Schur complement of ``Q`` (the depth row and column eliminated).
    """
    off = np.zeros(3) if offset_mm is None else np.asarray(offset_mm, float)
    c = _turn(SKULL_CENTRE_MM[None], m, off)[0]
    q = m @ np.diag(1.0 / SKULL_AXES_MM**2) @ m.T
    keep, depth = ([0, 2], 1) if view == "side" else ([1, 2], 0)
    s = q[np.ix_(keep, keep)] - np.outer(q[keep, depth], q[depth, keep]) / q[depth, depth]
    lam, vec = np.linalg.eigh(s)
    uv = (vec @ (_circle(n) / np.sqrt(lam)[:, None])).T + c[keep]
    full = np.zeros((n + 1, 3))
    full[:, keep] = uv
    return project(full, view)


def head_matrix(angles_deg: np.ndarray) -> np.ndarray:
    """``Ry(flexion) · Rx(lateral) · Rz(−rotation)`` of head angles (deg), shape (3, 3): the
    matrix of :func:`neckimu.angles.rotation_from_angles`, without scipy's per-call cost."""
    f, lat, r = np.radians(np.asarray(angles_deg, float).reshape(3))
    cf, sf, cl, sl, cr, sr = np.cos(f), np.sin(f), np.cos(lat), np.sin(lat), np.cos(r), np.sin(r)
    ry = np.array([[cf, 0.0, sf], [0.0, 1.0, 0.0], [-sf, 0.0, cf]])
    rx = np.array([[1.0, 0.0, 0.0], [0.0, cl, -sl], [0.0, sl, cl]])
    rz = np.array([[cr, sr, 0.0], [-sr, cr, 0.0], [0.0, 0.0, 1.0]])  # Rz(-r)
    return ry @ rx @ rz


def _stack() -> tuple[np.ndarray, dict[str, dict[str, slice]]]:
    """Every model point of every view in one array, and where each part is in it."""
    blocks, where, i = [], {}, 0
    for view in VIEWS:
        where[view] = {}
        for name, pts in [
            *PARTS[view].items(),
            ("nose_tip", NOSE_TIP_MM[None]),
            ("crown", CROWN_MM[None]),
        ]:
            blocks.append(pts)
            where[view][name] = slice(i, i + len(pts))
            i += len(pts)
    return np.vstack(blocks), where


_ALL, _WHERE = _stack()


def head_geometry(
    angles_deg: np.ndarray, offset_mm: np.ndarray | None = None
) -> dict[str, dict[str, np.ndarray]]:
    """Every drawn part of the head at ``angles_deg`` (flexion, lateral, rotation), screen mm.

    Parameters
    ----------
    angles_deg : array_like, shape (3,)
        Head angles relative to neutral, deg (:mod:`neckimu.angles`).
    offset_mm : array_like, shape (3,), optional
        Translation of the head (x forward, y left, z up), mm: the retraction glide.

    Returns
    -------
    dict
        ``{view: {part: ndarray (n, 2)}}`` for the views ``side`` and ``front``; parts as in
        :data:`PARTS` plus ``skull`` (silhouette), ``nose_tip`` and ``crown`` (one point each).
    """
    m = head_matrix(angles_deg)
    off = np.zeros(3) if offset_mm is None else np.asarray(offset_mm, float)
    turned = _turn(_ALL, m, off)
    out: dict[str, dict[str, np.ndarray]] = {}
    for view in VIEWS:
        xy = project(turned, view)
        parts = {name: xy[sl] for name, sl in _WHERE[view].items()}
        parts["skull"] = skull_outline(m, view, off)
        out[view] = parts
    return out


def pivot(view: str) -> np.ndarray:
    """The pivot in a view, screen mm (2,)."""
    return project(PIVOT_MM[None], view)[0]


def ray_angle_deg(point: np.ndarray, view: str) -> float:
    """Screen angle of the ray from the pivot to ``point`` (screen mm), deg (0: right, 90: up)."""
    d = np.asarray(point, float).reshape(2) - pivot(view)
    return float(np.degrees(np.arctan2(d[1], d[0])))


def pointer(view: str, zoomed: bool = False) -> np.ndarray:
    """The head point whose ray from the pivot a band is drawn about, head frame mm (3,):
    the nose tip in the side view and in zoomed views, the crown in the whole front view."""
    return NOSE_TIP_MM if view == "side" or zoomed else CROWN_MM


def band_rays_deg(
    view: str,
    lo_deg: float,
    hi_deg: float,
    reference_deg: np.ndarray | None = None,
    zoomed: bool = False,
) -> tuple[float, float]:
    """Screen angles of the edges of a band drawn in a view, deg (low edge, high edge).

    The band is ``lo_deg``..``hi_deg`` about the ray from the pivot to the view's pointer
    (:func:`pointer`) at the reference pose: in the side view the nose ray falls by the
    flexion, in the front view the crown ray leans right by the lateral flexion (the nose
    ray of a zoomed front view also moves with a turn).
    """
    m = head_matrix(np.zeros(3) if reference_deg is None else reference_deg)
    p = project(_turn(pointer(view, zoomed)[None], m, np.zeros(3)), view)[0]
    base = ray_angle_deg(p, view)
    return base - lo_deg, base - hi_deg


@dataclass(frozen=True)
class Band:
    """An allowed range drawn on a view, about the pose at the exercise's start.

    Attributes
    ----------
    lo_deg, hi_deg : float
        The range of flexion (side view) or lateral flexion (front view) relative to the
        reference pose, deg.
    label : str
    """

    lo_deg: float
    hi_deg: float
    label: str = ""


def exercise_bands(exercise: str | None) -> dict[str, Band]:
    """The bands drawn for an exercise (``{view: Band}``), relative to its reference pose."""
    if exercise is None:
        return {}
    if exercise.startswith("hold_"):
        tol = HoldCriteria.tolerance_deg
        label = f"±{tol:g}° of the start (o)"
        return {"side": Band(-tol, tol, label), "front": Band(-tol, tol, label)}
    if exercise == "retraction":
        c = RetractionCriteria()
        return {
            "side": Band(
                -c.extension_deg,
                c.nod_flexion_deg,
                f"chin level (−{c.extension_deg:g}° to +{c.nod_flexion_deg:g}°)",
            )
        }
    if exercise in ("stretch_left", "stretch_right"):
        lo = StretchCriteria.min_reached_deg
        sign = 1.0 if exercise == "stretch_right" else -1.0
        a, b = sorted((sign * lo, sign * STRETCH_BAND_MAX_DEG))
        return {"front": Band(a, b, f"tilt {lo:g}° or more")}
    return {}


#: Exercises whose band is drawn about the pose at their start (else about neutral).
BAND_FROM_START = ("hold_", "retraction")
