"""The physical simulator: a seated person wearing the headset, and its sensors.

Modules, in the order the data flows: ``person`` (sway, breathing, tremor), ``script``
(guided session and injected mistakes -> keyframes, events, reps), ``motion`` (head pose in the
trunk frame), ``kinematics`` (what an ideal sensor on the head feels), ``sensors`` (LSM9DS1 and
BMI270/BMM150 models -> raw counts), ``device`` (the raw-stream contract), ``truth`` (labels and
per-sample ground truth), ``session`` (the public entry point: ``config`` what to simulate,
``simulated_session`` the result and its files, ``trunk_leans`` the trunk's posture changes).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from neckimu.sim.session import SessionConfig, SimulatedSession, simulate_session

__all__ = ["SessionConfig", "SimulatedSession", "simulate_session"]


def __getattr__(name: str) -> Any:
    # lazy, so that importing neckimu.sim.device (the BLE side) stays light
    if name in __all__:
        from neckimu.sim import session

        return getattr(session, name)
    raise AttributeError(f"module 'neckimu.sim' has no attribute {name!r}")
