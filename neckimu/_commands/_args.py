"""Argument checks shared by several commands (one-line errors, exit 2)."""

from __future__ import annotations

from pathlib import Path

from neckimu.errors import NeckimuError


def recording_out(value: str) -> Path:
    """Check an output recording path: ``.csv`` or ``.csv.gz`` in an existing folder."""
    out = Path(value)
    if not out.name.endswith((".csv", ".csv.gz")):
        raise NeckimuError(f"--out must end in .csv or .csv.gz, not {out.name!r}")
    if not out.parent.is_dir():
        raise NeckimuError(f"--out: folder {str(out.parent)!r} does not exist")
    return out
