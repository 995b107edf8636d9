"""Benchmark: the live window streaming 200 Hz from the simulated headset over bumble.

A simulated person sits (rest script) with a 200 Hz headset; the real client streams it in
real time over the in-process bumble stack into a LiveSession; the window (offscreen, 20 s
windows, redraw timer at 60 Hz) draws it. Printed, one line each:

- frames per second drawn, and the redraw capacity (1 / median time of one full frame:
  ring snapshot, setData of the three curves, texts, and a synchronous repaint);
- CPU use of the GUI thread, and of the whole process (which here also runs the simulated
  headset and both BLE stacks), in % of one core;
- latency from a notification arriving (client callback) to its samples being in a painted
  curve, p50 / p95.

Targets: >= 60 fps redraw capacity, < 25 % of one core, p95 latency < 50 ms.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/gui.py [--seconds 60]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0, help="streaming time, s")
    args = ap.parse_args()

    from PySide6 import QtCore

    from neckimu.live.ble_sources import SimulatedSource
    from neckimu.live.qtapp import qt_app
    from neckimu.live.session import LiveSession
    from neckimu.live.window import LiveWindow
    from neckimu.sim import SessionConfig, simulate_session

    app = qt_app()
    sim = simulate_session(
        SessionConfig(
            script="rest", rest_duration_s=args.seconds + 10.0, board="rev2", rate_hz=200.0, seed=1
        )
    )
    with tempfile.TemporaryDirectory() as tmp:
        src = SimulatedSource(sim, Path(tmp) / "bench.csv", speed=1.0, duration_s=args.seconds)
        session = LiveSession(src, window_s=20.0)
        win = LiveWindow(session, fps=60.0)
        win.show()
        session.start()
        # measure from the first samples on (connection set-up is not streaming)
        while session.ring.total == 0:
            app.processEvents()
            time.sleep(0.002)
        frames0, wall0 = win._frames_painted, time.monotonic()
        cpu0, gui0 = time.process_time(), time.thread_time()
        loop = QtCore.QEventLoop()
        poll = QtCore.QTimer()
        poll.timeout.connect(lambda: session.finished and loop.quit())
        poll.start(100)
        QtCore.QTimer.singleShot(
            2000, lambda: (session.latencies_s.clear(), session.block_latencies_s.clear())
        )
        loop.exec()
        poll.stop()
        wall = time.monotonic() - wall0
        cpu, gui = time.process_time() - cpu0, time.thread_time() - gui0
        fps = (win._frames_painted - frames0) / wall
        rate = session.ring.total / wall
        # redraw capacity: full frames back to back on a full 20 s window
        win.timer.stop()
        times = []
        for _ in range(200):
            t0 = time.perf_counter()
            win.update_frame(force=True)
            win.canvas.viewport().repaint()
            win.head.viewport().repaint()
            times.append(time.perf_counter() - t0)
        lat = np.array(session.latencies_s) * 1e3
        blat = np.array(session.block_latencies_s) * 1e3
        session.stop()
        win.close()
        win.deleteLater()
        app.processEvents()
        del win
    print(
        f"streamed {wall:.0f} s at {rate:.0f} samples/s, 20 s windows ({20 * rate:.0f} "
        "points per curve)"
    )
    print(
        f"frames drawn: {fps:.1f} fps (timer 60 Hz); redraw capacity "
        f"{1.0 / np.median(times):.0f} fps (median frame {np.median(times) * 1e3:.1f} ms)"
    )
    print(f"CPU, GUI thread: {100.0 * gui / wall:.1f} % of one core")
    print(
        f"CPU, whole process (GUI + simulated headset + both BLE stacks): "
        f"{100.0 * cpu / wall:.1f} % of one core"
    )
    print(
        f"latency notification -> painted curve: p50 {np.percentile(lat, 50):.1f} ms, "
        f"p95 {np.percentile(lat, 95):.1f} ms ({len(lat)} notifications)"
    )
    print(
        f"latency block in session -> painted curve: p50 {np.percentile(blat, 50):.1f} ms, "
        f"p95 {np.percentile(blat, 95):.1f} ms (the rest is the BLE stage: notification "
        "interval, decoding, magnetometer hold)"
    )


if __name__ == "__main__":
    main()
