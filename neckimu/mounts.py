"""Mount presets: how the board sits on the head (one table, ``mounts.toml``).

The table is shared with ``hardware/README.md``. Each preset gives the nominal
sensor-to-head rotation and the lever arm from the head centre to the IMU, which the
translation estimate needs to remove the motion that head rotation alone causes at the sensor.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources

import numpy as np
from scipy.spatial.transform import Rotation


@dataclass(frozen=True)
class Mount:
    """One mount preset.

    Attributes
    ----------
    name : str
        Preset name (``forehead``, ``back_of_head``, ``top_of_head``).
    description : str
        How to wear it, for people.
    sensor_to_head : Rotation
        Nominal rotation taking board-frame vectors into the head frame.
    lever_arm_m : ndarray, shape (3,)
        IMU position relative to the head centre, head frame, m.
    """

    name: str
    description: str
    sensor_to_head: Rotation
    lever_arm_m: np.ndarray

    @property
    def board_z_in_head(self) -> np.ndarray:
        """The board's z axis (pointing away from the head) in the head frame, shape (3,)."""
        return self.sensor_to_head.apply([0.0, 0.0, 1.0])


def _load() -> dict[str, Mount]:
    text = resources.files("neckimu").joinpath("mounts.toml").read_text(encoding="utf-8")
    mounts = {}
    for name, d in tomllib.loads(text).items():
        if name == "trunk":  # the trunk presets: TRUNK_MOUNTS
            continue
        x = np.asarray(d["board_x_in_head"], float)
        z = np.asarray(d["board_z_in_head"], float)
        y = np.cross(z, x)
        # columns: board axes expressed in the head frame -> matrix maps board -> head
        rot = Rotation.from_matrix(np.column_stack([x, y, z]))
        mounts[name] = Mount(name, d["description"], rot, np.asarray(d["lever_arm_m"], float))
    return mounts


MOUNTS: dict[str, Mount] = _load()
DEFAULT_MOUNT = "forehead"


def _load_trunk() -> dict[str, Mount]:
    """The ``[trunk.*]`` presets: ``sensor_to_head`` is then board -> trunk frame, and
    ``lever_arm_m`` the board's position from the neutral head centre in the trunk frame."""
    text = resources.files("neckimu").joinpath("mounts.toml").read_text(encoding="utf-8")
    mounts = {}
    for name, d in tomllib.loads(text).get("trunk", {}).items():
        x = np.asarray(d["board_x_in_trunk"], float)
        z = np.asarray(d["board_z_in_trunk"], float)
        rot = Rotation.from_matrix(np.column_stack([x, np.cross(z, x), z]))
        mounts[name] = Mount(name, d["description"], rot, np.asarray(d["lever_arm_m"], float))
    return mounts


#: Trunk mount presets (issue 15): a second board on the upper back.
TRUNK_MOUNTS: dict[str, Mount] = _load_trunk()
DEFAULT_TRUNK_MOUNT = "between_shoulder_blades"


def get_trunk_mount(name: str) -> Mount:
    """The trunk preset called ``name``; raises ValueError listing the known names."""
    try:
        return TRUNK_MOUNTS[name]
    except KeyError:
        raise ValueError(
            f"unknown trunk mount {name!r}; known: {', '.join(TRUNK_MOUNTS)}"
        ) from None


def get_mount(name: str) -> Mount:
    """The preset called ``name``; raises ValueError listing the known names."""
    try:
        return MOUNTS[name]
    except KeyError:
        raise ValueError(f"unknown mount {name!r}; known: {', '.join(MOUNTS)}") from None


def infer_mount(sensor_to_head: Rotation) -> tuple[Mount, float]:
    """The preset whose board z axis is nearest to the calibrated one.

    Parameters
    ----------
    sensor_to_head : Rotation
        Calibrated rotation from board frame to head frame.

    Returns
    -------
    mount : Mount
        The nearest preset.
    angle_deg : float
        Angle between the calibrated and the preset's board z axis, degrees.
    """
    z = sensor_to_head.apply([0.0, 0.0, 1.0])
    best = min(MOUNTS.values(), key=lambda m: -float(z @ m.board_z_in_head))
    angle = np.degrees(np.arccos(np.clip(z @ best.board_z_in_head, -1.0, 1.0)))
    return best, float(angle)
