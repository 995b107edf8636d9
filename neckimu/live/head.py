"""A head that moves with the measured head: a side view and a front view (pyqtgraph).

The model, its pose (head angles about a pivot in the lower neck, plus the retraction glide)
and the side and front projections are :mod:`neckimu.live.head_geometry`'s.

The trunk (neck and shoulders) stays put. :class:`HeadFigure` draws both views and the
exercise's target on them (:meth:`HeadFigure.set_exercise`):

- holds: each view zoomed on the nose (a few cm across), with the allowed ±tolerance band
  around the pose at the hold's start (flexion in the side view, lateral flexion in the front
  view), so that 2 deg is a visible distance;
- retraction: the whole head, the side view shifted by the glide so far, with the allowed band
  of flexion change (no tipping back beyond ``extension_deg``, no nod beyond
  ``nod_flexion_deg``) about the pose at the set's start;
- stretches: the band of reached lateral flexion that counts (from ``min_reached_deg``);
- otherwise the whole head, no band.

Bands are drawn from the pivot as wedges: in the side view the nose tip lies inside the band
exactly when the flexion does (pure flexion), likewise the crown and lateral flexion in the
front view.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from neckimu.live.head_geometry import (
    BAND_FROM_START,
    CROWN_MM,
    HOLD_ZOOM_MM,
    NOSE_TIP_MM,
    PARTS,
    PIVOT_MM,
    SKULL_AXES_MM,
    SKULL_CENTRE_MM,
    STRETCH_BAND_MAX_DEG,
    TRUNK,
    VIEWS,
    Band,
    _turn,
    band_rays_deg,
    exercise_bands,
    head_geometry,
    head_matrix,
    pivot,
    pointer,
    project,
    ray_angle_deg,
    skull_outline,
)

__all__ = [
    "BAND_FROM_START",
    "CROWN_MM",
    "HOLD_ZOOM_MM",
    "NOSE_TIP_MM",
    "PARTS",
    "PIVOT_MM",
    "SKULL_AXES_MM",
    "SKULL_CENTRE_MM",
    "STRETCH_BAND_MAX_DEG",
    "TRUNK",
    "VIEWS",
    "Band",
    "HeadFigure",
    "band_rays_deg",
    "exercise_bands",
    "head_geometry",
    "head_matrix",
    "pivot",
    "pointer",
    "project",
    "ray_angle_deg",
    "skull_outline",
]


# -- the widget --------------------------------------------------------------------------------
_INK, _BAND, _TRUNK = "#37474f", (46, 157, 79, 60), "#b0bec5"


class HeadFigure(pg.GraphicsLayoutWidget):
    """Side and front views of a head that follows :meth:`set_pose`.

    Each view draws the whole head as one curve (parts separated by NaN rows: one ``setData``
    a frame, ~0.2 ms) and the nose tip as a dot; :meth:`drawn` reads a part back from them.

    Attributes
    ----------
    outlines, tips : dict
        ``{view: item}``: the head's curve and the nose-tip dot of each view.
    bands : dict
        ``{view: Band or None}``: the band drawn on each view.
    zoomed : bool
        Views zoomed on the nose (during holds).
    """

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setBackground("w")
        self.outlines: dict[str, pg.PlotCurveItem] = {}
        self.tips: dict[str, pg.ScatterPlotItem] = {}
        self._slices: dict[str, dict[str, slice]] = {}
        self.boxes: dict[str, pg.ViewBox] = {}
        self.bands: dict[str, Band | None] = {v: None for v in VIEWS}
        self._band_items: dict[str, QtWidgets.QGraphicsPolygonItem] = {}
        self._ref_items: dict[str, pg.ScatterPlotItem] = {}
        self._titles: dict[str, pg.LabelItem] = {}
        self._names = {"side": "side (from the right)", "front": "front (as in a mirror)"}
        self.zoomed = False
        self._pose = (np.full(3, np.nan), np.zeros(3))
        self._ref = np.zeros(3)
        pen = pg.mkPen(_INK, width=2)
        for col, view in enumerate(VIEWS):
            title = self.addLabel(self._names[view], row=0, col=col, size="10pt")
            self._titles[view] = title
            vb = self.addViewBox(row=1, col=col, lockAspect=True, enableMouse=False)
            vb.setMenuEnabled(False)
            self.boxes[view] = vb
            for tr in TRUNK[view]:
                vb.addItem(pg.PlotCurveItem(tr[:, 0], tr[:, 1], pen=pg.mkPen(_TRUNK, width=2)))
            band = QtWidgets.QGraphicsPolygonItem()
            band.setBrush(pg.mkBrush(*_BAND))
            band.setPen(pg.mkPen((46, 157, 79), width=1))
            band.setVisible(False)
            vb.addItem(band)
            self._band_items[view] = band
            ref = pg.ScatterPlotItem(size=11, brush=None, pen=pg.mkPen((30, 110, 55), width=2))
            ref.setVisible(False)
            vb.addItem(ref)
            self._ref_items[view] = ref
            outline = pg.PlotCurveItem(pen=pen, connect="finite")
            vb.addItem(outline)
            self.outlines[view] = outline
            tip = pg.ScatterPlotItem(size=7, brush=pg.mkBrush(_INK), pen=None)
            vb.addItem(tip)
            self.tips[view] = tip
        self._full_range()
        self.set_pose(np.zeros(3))

    # -- pose ------------------------------------------------------------------------------
    def set_pose(
        self, angles_deg: np.ndarray, offset_mm: np.ndarray | None = None, force: bool = False
    ) -> None:
        """Draw the head at ``angles_deg`` (flexion, lateral, rotation; deg), shifted by
        ``offset_mm`` (x forward, y left, z up; mm). Non-finite angles leave it as it is; a
        pose that did not visibly move is not redrawn unless ``force``."""
        a = np.asarray(angles_deg, float).reshape(3)
        off = np.zeros(3) if offset_mm is None else np.asarray(offset_mm, float).reshape(3)
        if not np.isfinite(a).all() or not np.isfinite(off).all():
            return
        last_a, last_off = self._pose
        if (
            not force
            and np.all(np.abs(a - last_a) < 0.005)
            and np.all(np.abs(off - last_off) < 0.01)
        ):
            return  # nothing moved visibly: no redraw
        self._pose = (a, off)
        geo = head_geometry(a, off)
        gap = np.full((1, 2), np.nan)
        for view, parts in geo.items():
            blocks, where, i = [], {}, 0
            for name in (*PARTS[view], "skull"):
                xy = parts[name]
                blocks += [xy, gap]
                where[name] = slice(i, i + len(xy))
                i += len(xy) + 1
            xy = np.vstack(blocks)
            self._slices[view] = where
            self.outlines[view].setData(xy[:, 0], xy[:, 1], connect="finite")
            tip = parts["nose_tip"]
            self.tips[view].setData(tip[:, 0], tip[:, 1])

    def drawn(self, view: str, part: str) -> np.ndarray:
        """A part as it is drawn in a view (read back from the plot items), screen mm (n, 2).

        ``part``: a key of :data:`PARTS`, ``"skull"`` or ``"nose_tip"``.
        """
        if part == "nose_tip":
            x, y = self.tips[view].getData()
        else:
            x, y = self.outlines[view].getData()
            sl = self._slices[view][part]
            x, y = x[sl], y[sl]
        return np.column_stack([x, y])

    @property
    def pose_deg(self) -> np.ndarray:
        """The angles drawn, deg (3,)."""
        return self._pose[0].copy()

    # -- the exercise: bands and zoom --------------------------------------------------------
    def set_exercise(self, exercise: str | None, reference_deg: np.ndarray | None = None) -> None:
        """Show the target of ``exercise`` (None: none) about ``reference_deg`` (the pose at
        its start, deg; stretches are drawn about neutral); holds zoom each view on the
        nose."""
        from_start = exercise is not None and exercise.startswith(BAND_FROM_START)
        self._ref = (
            np.zeros(3)
            if reference_deg is None or not from_start
            else np.asarray(reference_deg, float)
        )
        hold = exercise is not None and exercise.startswith("hold_")
        if hold:
            self._zoom_on_nose(self._ref)
        elif self.zoomed:
            self._full_range()
        bands = exercise_bands(exercise)
        for view in VIEWS:
            self._draw_band(view, bands.get(view))
            self._title(view)

    def _draw_band(self, view: str, band: Band | None) -> None:
        self.bands[view] = band
        item = self._band_items[view]
        if band is None:
            item.setVisible(False)
            return
        a0, a1 = band_rays_deg(view, band.lo_deg, band.hi_deg, self._ref, self.zoomed)
        p = pivot(view)
        r = 260.0  # past the nose and the crown
        arc = np.radians(np.linspace(a0, a1, 24))
        pts = [QtCore.QPointF(*p)] + [
            QtCore.QPointF(p[0] + r * np.cos(t), p[1] + r * np.sin(t)) for t in arc
        ]
        item.setPolygon(QtGui.QPolygonF(pts))
        item.setVisible(True)

    def _title(self, view: str) -> None:
        text = self._names[view] + (" — zoomed on the nose" if self.zoomed else "")
        band = self.bands[view]
        if band is not None:
            text += f"<br><span style='color:#1e6e37'>green: {band.label}</span>"
        self._titles[view].setText(text)

    def _zoom_on_nose(self, ref: np.ndarray) -> None:
        self.zoomed = True
        m = head_matrix(ref)
        for view in VIEWS:
            c = project(_turn(NOSE_TIP_MM[None], m, np.zeros(3)), view)[0]
            h = HOLD_ZOOM_MM
            self.boxes[view].setRange(
                xRange=(c[0] - h, c[0] + h), yRange=(c[1] - h, c[1] + h), padding=0
            )
            self._ref_items[view].setData([c[0]], [c[1]])
            self._ref_items[view].setVisible(True)

    def _full_range(self) -> None:
        self.zoomed = False
        for view in VIEWS:
            self.boxes[view].setRange(
                xRange=(-200, 200) if view == "front" else (-160, 170),
                yRange=(-235, 180),
                padding=0,
            )
            self._ref_items[view].setVisible(False)

    def view_range(self, view: str) -> tuple[tuple[float, float], tuple[float, float]]:
        """The shown range of a view, screen mm: ((x0, x1), (y0, y1))."""
        (x0, x1), (y0, y1) = self.boxes[view].viewRange()
        return (x0, x1), (y0, y1)
