"""Access to the BROAD trials in ../shared/data/broad and the benchmark's error metric."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.transform import Rotation

BROAD = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "broad"
TRIALS = sorted(
    p.name.removesuffix(".csv.gz")
    for p in BROAD.glob("*.csv.gz")
    if not p.name.endswith(".truth.csv.gz")
)


def require_broad() -> None:
    """Fail (never skip) when the BROAD trials are not there."""
    if not TRIALS:
        pytest.fail(f"BROAD trials not found in {BROAD} (CI runs with ../shared beside the repo)")


def broad_params() -> list:
    """The trial names to parametrize a test with; without the data one case named
    ``BROAD-missing``, whose test fails in :func:`require_broad` (an empty parameter set would
    only be skipped)."""
    return list(TRIALS) or [pytest.param("missing", id="BROAD-missing")]


def load_truth(name: str) -> pd.DataFrame:
    return pd.read_csv(BROAD / f"{name}.truth.csv.gz")


def inclination_rmse_deg(q_est_wxyz: np.ndarray, truth: pd.DataFrame) -> float:
    """BROAD's inclination error (README of shared/data/broad), RMSE over movement samples."""
    q_ref = truth[["q_w", "q_x", "q_y", "q_z"]].to_numpy()
    ok = np.isfinite(q_ref).all(axis=1) & (truth["movement"].to_numpy() == 1)
    e = (
        Rotation.from_quat(q_est_wxyz[ok], scalar_first=True)
        * Rotation.from_quat(q_ref[ok], scalar_first=True).inv()
    )
    q = e.as_quat()  # x, y, z, w
    incl = 2 * np.arccos(np.clip(np.sqrt(q[:, 3] ** 2 + q[:, 2] ** 2), 0.0, 1.0))
    return float(np.degrees(np.sqrt(np.mean(incl**2))))
