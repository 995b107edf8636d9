"""The live window and the guided session: ring buffers fed by a source, a routine that cues the
exercises, verdicts as each window completes, the pyqtgraph window and its headless twin.

Each module is imported on its own (``neckimu.live.window`` pulls in Qt): this package imports
nothing itself.
"""
