"""The head figure follows known angles: set angles, read back the drawn geometry."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from neckimu.live.head import (
    CROWN_MM,
    HOLD_ZOOM_MM,
    NOSE_TIP_MM,
    PARTS,
    PIVOT_MM,
    HeadFigure,
    band_rays_deg,
    head_geometry,
    pivot,
    ray_angle_deg,
)
from neckimu.verify.retraction import RetractionCriteria

ANGLES = np.linspace(-40.0, 40.0, 17)


def _ray(xy: np.ndarray, view: str) -> float:
    return ray_angle_deg(np.asarray(xy).reshape(-1, 2)[-1], view)


def _neutral(view: str, point: np.ndarray) -> float:
    return _ray(head_geometry(np.zeros(3))[view][point], view)


def test_flexion_turns_the_nose_down_by_the_flexion_in_the_side_view():
    base = _neutral("side", "nose_tip")
    for f in ANGLES:
        g = head_geometry(np.array([f, 0.0, 0.0]))
        assert _ray(g["side"]["nose_tip"], "side") == pytest.approx(base - f, abs=1e-9)
        # nothing leans sideways in the front view
        assert g["front"]["crown"][0, 0] == pytest.approx(0.0, abs=1e-9)
        assert np.abs(g["front"]["skull"][:, 0].mean()) < 1e-6


def test_lateral_flexion_tilts_the_crown_by_the_angle_in_the_front_view_as_a_mirror():
    for lat in ANGLES:
        g = head_geometry(np.array([0.0, lat, 0.0]))
        # + is the right ear toward the right shoulder: in a mirror, toward the screen's right
        assert _ray(g["front"]["crown"], "front") == pytest.approx(90.0 - lat, abs=1e-9)
        assert np.sign(g["front"]["crown"][0, 0]) == np.sign(lat)


def test_a_turn_moves_the_nose_sideways_in_the_front_view():
    arm = NOSE_TIP_MM[0] - PIVOT_MM[0]  # the nose's distance in front of the turning axis
    for rot in ANGLES:
        g = head_geometry(np.array([0.0, 0.0, rot]))
        # + is a turn to the right: in a mirror, the nose goes to the screen's right
        assert g["front"]["nose_tip"][0, 0] == pytest.approx(arm * np.sin(np.radians(rot)))
        assert _ray(g["side"]["crown"], "side") == pytest.approx(
            _neutral("side", "crown"), abs=0.5
        )  # the crown barely moves seen from the side


def test_any_pose_is_the_documented_rotation_of_the_head_model():
    """R = Ry(flexion) Rx(lateral) Rz(-rotation) about the pivot, projected: side (x, z),
    front (-y, z); checked for every drawn part over random poses."""
    rng = np.random.default_rng(11)
    for a in rng.uniform(-45, 45, (40, 3)):
        m = Rotation.from_euler("YXZ", [a[0], a[1], -a[2]], degrees=True).as_matrix()
        off = rng.uniform(-20, 20, 3)
        g = head_geometry(a, off)
        for view, parts in PARTS.items():
            for name, pts in parts.items():
                p = PIVOT_MM + (pts - PIVOT_MM) @ m.T + off
                want = p[:, [0, 2]] if view == "side" else np.column_stack([-p[:, 1], p[:, 2]])
                np.testing.assert_allclose(g[view][name], want, atol=1e-9)


def test_skull_outline_is_the_silhouette_of_the_turned_ellipsoid():
    """Every outline point touches the ellipsoid's projection: the widest extent of the
    ellipsoid in any screen direction equals the outline's (support functions agree)."""
    from neckimu.live.head import SKULL_AXES_MM, SKULL_CENTRE_MM

    rng = np.random.default_rng(2)
    for a in rng.uniform(-40, 40, (10, 3)):
        m = Rotation.from_euler("YXZ", [a[0], a[1], -a[2]], degrees=True).as_matrix()
        g = head_geometry(a)
        c = PIVOT_MM + (SKULL_CENTRE_MM - PIVOT_MM) @ m.T
        for view in ("side", "front"):
            for ang in np.linspace(0, 2 * np.pi, 13):
                d2 = np.array([np.cos(ang), np.sin(ang)])
                d3 = np.array([d2[0], 0, d2[1]]) if view == "side" else np.array([0, -d2[0], d2[1]])
                # support of the ellipsoid along d3: c.d + |diag(axes) m^T d|
                support = c @ d3 + np.linalg.norm(SKULL_AXES_MM * (m.T @ d3))
                extent = (g[view]["skull"] @ d2).max()
                # 72 outline points: a chord is at most ~0.1 mm inside the true outline
                assert support - 0.15 <= extent <= support + 1e-9


# -- the widget ------------------------------------------------------------------------------
@pytest.fixture
def figure(qt_clean):
    fig = HeadFigure()
    qt_clean.addWidget(fig)
    fig.resize(640, 360)
    fig.show()
    return fig


def _drawn(fig: HeadFigure, view: str, part: str) -> np.ndarray:
    return fig.drawn(view, part)


def test_the_widget_draws_the_pose_it_is_given(figure):
    rng = np.random.default_rng(5)
    for a in rng.uniform(-40, 40, (8, 3)):
        figure.set_pose(a)
        g = head_geometry(a)
        for view in ("side", "front"):
            for part in (*PARTS[view], "skull", "nose_tip"):
                np.testing.assert_allclose(_drawn(figure, view, part), g[view][part])
    # the drawn nose ray gives the flexion back
    for f in ANGLES:
        figure.set_pose(np.array([f, 0.0, 0.0]))
        drawn = _ray(_drawn(figure, "side", "nose_tip"), "side")
        assert _neutral("side", "nose_tip") - drawn == pytest.approx(f, abs=1e-9)
    figure.set_pose(np.array([np.nan, 0.0, 0.0]))  # no head frame yet: left as it was
    assert figure.pose_deg[0] == pytest.approx(ANGLES[-1])


def _band_polygon(fig: HeadFigure, view: str) -> np.ndarray:
    poly = fig._band_items[view].polygon()
    return np.array([[poly.at(i).x(), poly.at(i).y()] for i in range(poly.size())])


def test_a_hold_zooms_on_the_nose_with_the_tolerance_band_around_its_start(figure):
    ref = np.array([3.0, -2.0, 4.0])
    figure.set_exercise("hold_flexion", ref)
    assert figure.zoomed
    for view in ("side", "front"):
        band = figure.bands[view]
        assert (band.lo_deg, band.hi_deg) == (-2.0, 2.0)
        (x0, x1), (y0, y1) = figure.view_range(view)
        assert x1 - x0 <= 2 * HOLD_ZOOM_MM + 1e-6 or y1 - y0 <= 2 * HOLD_ZOOM_MM + 1e-6
        # the band's edges are the rays ±2 deg about the nose at the start pose
        poly = _band_polygon(figure, view)
        p = pivot(view)
        edges = np.degrees(np.arctan2(poly[1:, 1] - p[1], poly[1:, 0] - p[0]))
        start = head_geometry(ref)[view]["nose_tip"][0]
        centre = ray_angle_deg(start, view)
        assert edges[0] == pytest.approx(centre + 2.0) and edges[-1] == pytest.approx(centre - 2)
        # the start pose's nose is in the view and the band is a visible part of it: at the
        # nose, ±2 deg spans at least a fifth of the zoomed view (~70 px in the window)
        assert x0 < start[0] < x1 and y0 < start[1] < y1
        width = 2 * np.linalg.norm(start - p) * np.sin(np.radians(2.0))
        assert width / min(x1 - x0, y1 - y0) > 0.2
    # inside the band while within ±2 deg of the start (flexion alone, side view)
    for df, inside in [(0.0, True), (1.9, True), (-1.9, True), (2.1, False), (-2.5, False)]:
        figure.set_pose(ref + [df, 0.0, 0.0])
        a = _ray(_drawn(figure, "side", "nose_tip"), "side")
        lo, hi = sorted(band_rays_deg("side", -2.0, 2.0, ref, zoomed=True))
        assert (lo <= a <= hi) == inside, df


def test_other_exercises_show_the_whole_head_with_their_band(figure):
    figure.set_exercise("hold_left", np.zeros(3))
    figure.set_exercise("retraction", np.array([5.0, 0.0, 0.0]))
    assert not figure.zoomed and figure.bands["front"] is None
    crit = RetractionCriteria()  # the band is the pass rule's
    band = (figure.bands["side"].lo_deg, figure.bands["side"].hi_deg)
    assert band == (-crit.extension_deg, crit.nod_flexion_deg)
    (x0, x1), _ = figure.view_range("side")
    assert x1 - x0 > 250  # the whole head
    figure.set_exercise("stretch_left", np.array([1.0, 2.0, 3.0]))  # about neutral
    band = figure.bands["front"]
    assert band.hi_deg == -15.0 and band.lo_deg < -15.0  # toward the left shoulder
    crown_rays = sorted(band_rays_deg("front", band.lo_deg, band.hi_deg))
    assert crown_rays[0] == pytest.approx(90.0 + 15.0)  # leaning to the screen's left
    figure.set_exercise(None)
    assert figure.bands == {"side": None, "front": None}
    assert not figure._band_items["side"].isVisible()


def test_crown_and_nose_are_the_model_points():
    g = head_geometry(np.zeros(3))
    assert np.allclose(g["side"]["nose_tip"][0], NOSE_TIP_MM[[0, 2]])
    assert np.allclose(g["front"]["crown"][0], [0.0, CROWN_MM[2]])
