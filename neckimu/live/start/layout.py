"""The start screen's widgets: its four steps laid out in the live window's look."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from neckimu import SAFETY_NOTICE
from neckimu.headframe import STILL_RAD_S
from neckimu.live.fitcheck import mount_words
from neckimu.live.start.launch import sound_default
from neckimu.mounts import DEFAULT_MOUNT, MOUNTS

GREEN, RED, AMBER, GREY = "#2e9d4f", "#c62828", "#b26a00", "#9e9e9e"


class StartLayout(QtWidgets.QMainWindow):
    """The start screen's widgets (built by :meth:`_build`); :class:`StartScreen` reacts."""

    @staticmethod
    def _label(size: int = 11, bold: bool = False) -> QtWidgets.QLabel:
        lab = QtWidgets.QLabel()
        f = lab.font()
        f.setPointSize(size)
        f.setBold(bold)
        lab.setFont(f)
        lab.setWordWrap(True)
        return lab

    def _group(self, title: str) -> tuple[QtWidgets.QGroupBox, QtWidgets.QVBoxLayout]:
        box = QtWidgets.QGroupBox(title)
        f = box.font()
        f.setPointSize(12)
        f.setBold(True)
        box.setFont(f)
        lay = QtWidgets.QVBoxLayout(box)
        return box, lay

    def _plain(self, w: QtWidgets.QWidget) -> QtWidgets.QWidget:
        f = w.font()
        f.setPointSize(10)
        f.setBold(False)
        w.setFont(f)
        return w

    def _build(self) -> None:
        central = QtWidgets.QWidget()
        self.setCentralWidget(central)
        root = QtWidgets.QVBoxLayout(central)
        title = self._label(18, bold=True)
        title.setText("neckimu — neck training")
        root.addWidget(title)
        intro = self._label(11)
        intro.setText("Pick a routine, choose your headset, check that it sits well, then start.")
        root.addWidget(intro)
        self.safety = safety = self._label(9)
        safety.setText("⚠ " + SAFETY_NOTICE)
        safety.setStyleSheet("background:#fff4d6; color:#6b4e00; padding:3px;")
        root.addWidget(safety)

        top = QtWidgets.QHBoxLayout()
        root.addLayout(top, 3)
        box, lay = self._group("1  Routine")
        self.routine_list = self._plain(QtWidgets.QListWidget())
        self.routine_list.setWordWrap(True)
        self.routine_list.setSpacing(3)
        self.routine_list.currentRowChanged.connect(lambda _row: self._update_buttons())
        lay.addWidget(self.routine_list)
        self.routine_note = self._plain(self._label(9))
        self.routine_note.setStyleSheet(f"color:{RED}")
        lay.addWidget(self.routine_note)
        top.addWidget(box, 1)

        box, lay = self._group("2  Headset")
        row = QtWidgets.QHBoxLayout()
        self.scan_button = self._plain(QtWidgets.QPushButton("Scan for headsets"))
        self.scan_button.clicked.connect(self.scan)
        row.addWidget(self.scan_button)
        self.scan_status = self._plain(self._label())
        row.addWidget(self.scan_status, 1)
        lay.addLayout(row)
        self.headset_list = self._plain(QtWidgets.QListWidget())
        self.headset_list.currentRowChanged.connect(lambda _row: self._headset_changed())
        lay.addWidget(self.headset_list, 1)
        self.headset_info = self._plain(self._label())
        self.headset_info.setTextFormat(QtCore.Qt.TextFormat.RichText)
        lay.addWidget(self.headset_info)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self._plain(QtWidgets.QLabel("Worn on the")))
        self.mount_combo = self._plain(QtWidgets.QComboBox())
        for name, m in MOUNTS.items():
            self.mount_combo.addItem(mount_words(name), name)
            self.mount_combo.setItemData(
                self.mount_combo.count() - 1, m.description, QtCore.Qt.ItemDataRole.ToolTipRole
            )
        self.mount_combo.setCurrentIndex(list(MOUNTS).index(DEFAULT_MOUNT))
        self.mount_combo.currentIndexChanged.connect(lambda _i: self._mount_changed())
        row.addWidget(self.mount_combo, 1)
        lay.addLayout(row)
        self.mount_text = self._plain(self._label(9))
        lay.addWidget(self.mount_text)
        top.addWidget(box, 1)

        box, lay = self._group("3  Fit check")
        row = QtWidgets.QHBoxLayout()
        self.fit_button = self._plain(QtWidgets.QPushButton(f"Check the fit ({self.fit_s:g} s)"))
        self.fit_button.clicked.connect(self.check_fit)
        row.addWidget(self.fit_button)
        self.fit_status = self._plain(self._label())
        row.addWidget(self.fit_status, 1)
        lay.addLayout(row)
        body = QtWidgets.QHBoxLayout()
        lay.addLayout(body, 1)
        findings = QtWidgets.QGridLayout()
        self.finding_marks: list[QtWidgets.QLabel] = []
        self.finding_texts: list[QtWidgets.QLabel] = []
        for k, question in enumerate(("Is it on?", "Is it still?", "Which mount?")):
            mark = self._label(14, bold=True)
            mark.setFixedWidth(28)
            q = self._label(11, bold=True)
            q.setText(question)
            text = self._plain(self._label())
            findings.addWidget(mark, k, 0)
            findings.addWidget(q, k, 1)
            findings.addWidget(text, k, 2)
            self.finding_marks.append(mark)
            self.finding_texts.append(text)
        findings.setColumnStretch(2, 1)
        left = QtWidgets.QVBoxLayout()
        left.addLayout(findings)
        self.advice = self._label(11, bold=True)
        left.addWidget(self.advice)
        self.use_mount_button = self._plain(QtWidgets.QPushButton())
        self.use_mount_button.clicked.connect(self._use_found_mount)
        left.addWidget(self.use_mount_button, 0, QtCore.Qt.AlignmentFlag.AlignLeft)
        left.addStretch(1)
        body.addLayout(left, 3)
        self.fit_plot = pg.PlotWidget()
        fp = self.fit_plot.getPlotItem()
        fp.setTitle("head movement during the check")
        fp.setLabel("left", "speed", units="deg/s")
        fp.setLabel("bottom", "time", units="s")
        fp.setXRange(0.0, self.fit_s, padding=0)
        fp.setYRange(0.0, 10.0, padding=0)
        fp.disableAutoRange()
        fp.setMouseEnabled(x=False, y=False)
        fp.hideButtons()
        still = float(np.degrees(STILL_RAD_S))
        fp.addItem(
            pg.InfiniteLine(
                still, angle=0, pen=pg.mkPen(GREEN, width=1, style=QtCore.Qt.PenStyle.DashLine)
            )
        )
        label = pg.TextItem("still below this", color=GREEN, anchor=(0, 1))
        label.setPos(0.05, still)
        fp.addItem(label)
        self.fit_curve = fp.plot(pen=pg.mkPen("#333333", width=1))
        self.fit_plot.setMinimumHeight(160)
        body.addWidget(self.fit_plot, 2)
        root.addWidget(box, 2)

        bottom = QtWidgets.QHBoxLayout()
        self.session_status = self._plain(self._label())
        bottom.addWidget(self.session_status, 1)
        self.report_button = self._plain(QtWidgets.QPushButton("Open the report"))
        self.report_button.clicked.connect(self._open_report)
        self.report_button.hide()
        bottom.addWidget(self.report_button)
        self.sound_box = self._plain(QtWidgets.QCheckBox("Sound cues"))
        self.sound_box.setChecked(sound_default())
        bottom.addWidget(self.sound_box)
        self.start_button = QtWidgets.QPushButton("Start ▶")
        f = self.start_button.font()
        f.setPointSize(16)
        f.setBold(True)
        self.start_button.setFont(f)
        self.start_button.setMinimumSize(180, 48)
        self.start_button.setStyleSheet(
            f"QPushButton {{ background:{GREEN}; color:white; border-radius:4px; }}"
            f"QPushButton:disabled {{ background:{GREY}; }}"
        )
        self.start_button.clicked.connect(self.start)
        bottom.addWidget(self.start_button)
        root.addLayout(bottom)
