"""The start screen's fit check: a few seconds of data judged, and the findings shown."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

from PySide6 import QtCore

from neckimu.live.fitcheck import FitCheck, check_fit, mount_words
from neckimu.live.headsets import SIMULATED, Capture, Headset
from neckimu.live.start.launch import command_args
from neckimu.live.start.layout import AMBER, GREEN, GREY, RED, StartLayout
from neckimu.live.start.routines import RoutineChoice
from neckimu.live.start.worker import Failed
from neckimu.sim.device import DeviceStream

#: Session time the simulated person sits still for the fit check, s (the check takes the
#: first seconds after connecting, whenever that is).
FIT_STREAM_S = 120.0


class FitCheckSteps(StartLayout):
    """The fit check step of :class:`StartScreen` (its state lives on the screen)."""

    def _update_fit_validity(self) -> None:
        """Keep the fit check only while it is about the chosen headset and mount: a real
        headset's data is judged again for another mount; the simulated person would wear
        the headset differently, so that check is dropped."""
        h, cap_of = self.headset, self.capture_of
        if cap_of is None or h is None or cap_of[0].address != h.address:
            if self.fit is not None:
                self.fit = None
                self._show_fit()
            return
        if cap_of[1] != self.mount:
            if h.simulated or self.capture is None:
                self.capture, self.capture_of, self.fit = None, None, None
            else:
                self.capture_of = (h, self.mount)
                self.fit = self._judge(self.capture)
            self._show_fit()
        elif self.fit is None and self.capture is not None:
            self.fit = self._judge(self.capture)
            self._show_fit()

    def _use_found_mount(self) -> None:
        if self.fit is not None and self.fit.mount is not None:
            self.select_mount(self.fit.mount)

    # -- fit check -----------------------------------------------------------------------------
    def _fit_stream(self, routine: RoutineChoice, mount: str) -> DeviceStream:
        """What the simulated headset streams for the fit check: the person the ``demo``
        command will simulate (same options and seed: the same head, the headset placed the
        same way on ``mount``), sitting still for :data:`FIT_STREAM_S`."""
        key = (routine.ref, mount)
        if key not in self._fit_streams:
            from neckimu.live.simulated_person import session_config
            from neckimu.sim import simulate_session

            args = command_args("demo", self._argv(routine, SIMULATED, mount, Path(".")))
            cfg = session_config(
                routine.routine,
                seed=args.seed,
                fault_rate=args.fault_rate,
                board="rev2",
                rate_hz=args.rate,
                mount=mount,
            )
            still = replace(cfg, script="rest", rest_duration_s=FIT_STREAM_S)
            self._fit_streams[key] = simulate_session(still).device
        return self._fit_streams[key]

    def check_fit(self) -> None:
        """Take a few seconds of data from the chosen headset and judge the fit."""
        h, routine, mount = self.headset, self.routine, self.mount
        if h is None or routine is None or "fit" in self.busy:
            return
        from neckimu.live.headsets import capture_headset, capture_simulated

        self.fit_status.setText(
            f"connecting to {h.name} …  sit tall, look straight ahead and keep still"
        )
        fit_s, speed = self.fit_s, self.sim_speed

        def work() -> tuple[Headset, str, Capture]:
            if h.simulated:
                stream = self._fit_stream(routine, mount)
                cap = asyncio.run(capture_simulated(stream, fit_s, speed=speed))
            else:
                cap = asyncio.run(capture_headset(h.address, fit_s))
            return h, mount, cap

        self._in_background("fit", work, self._captured)

    @QtCore.Slot(object)
    def _captured(self, result: tuple[Headset, str, Capture] | Failed) -> None:
        if isinstance(result, Failed):
            self.capture = self.capture_of = self.fit = None
            self._show_fit(error=result.message)
        else:
            h, mount, cap = result
            self.capture, self.capture_of = cap, (h, mount)
            self.fit = self._judge(cap)
            self._show_fit(error=cap.error)
        self._finished("fit")
        self._headset_changed()

    def _judge(self, cap: Capture) -> FitCheck:
        return check_fit(
            cap.samples,
            self.mount,
            nominal_rate_hz=cap.nominal_rate_hz,
            asked_s=cap.asked_s,
            missing=cap.missing,
        )

    def _show_fit(self, error: str | None = None) -> None:
        f = self.fit
        self.use_mount_button.hide()
        if f is None:
            for mark, text in zip(self.finding_marks, self.finding_texts, strict=True):
                mark.setText("·")
                mark.setStyleSheet(f"color:{GREY}")
                text.setText("—")
            self.fit_curve.setData([], [])
            self.advice.setText(
                error or "Put the headset on, sit tall and look straight ahead, then check the fit."
            )
            self.advice.setStyleSheet(f"color:{RED}" if error else "")
            self.fit_status.setText("")
            return
        for (_q, good, answer), mark, text in zip(
            f.lines(), self.finding_marks, self.finding_texts, strict=True
        ):
            sym, color = {True: ("✓", GREEN), False: ("✗", RED), None: ("·", GREY)}[good]
            mark.setText(sym)
            mark.setStyleSheet(f"color:{color}")
            text.setText(answer)
        color = {"ok": GREEN, "check": AMBER, "problem": RED}[f.status]
        self.advice.setText(" ".join(f.advice) if not error else f"{error}. {f.advice[0]}")
        self.advice.setStyleSheet(f"color:{color}")
        if f.mount is not None and not f.mount_ok:
            self.use_mount_button.setText(f"Set the mount to: {mount_words(f.mount)}")
            self.use_mount_button.show()
        if len(f.t_s):
            self.fit_curve.setData(f.t_s, f.speed_deg_s)
        else:
            self.fit_curve.setData([], [])
        self.fit_status.setText(
            {
                "ok": "looks good",
                "check": "can start; see the advice",
                "problem": "needs attention",
            }[f.status]
        )
