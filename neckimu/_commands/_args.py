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


def mount_name(value: str) -> str:
    """Check a mount preset name (``neckimu/mounts.toml``)."""
    from neckimu.mounts import get_mount

    try:
        get_mount(value)
    except ValueError as e:
        raise NeckimuError(str(e)) from None
    return value


def out_folder(value: str) -> Path:
    """Create (if needed) an output folder."""
    out = Path(value)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise NeckimuError(f"--out: cannot create {out}: {e.strerror or e}") from None
    return out
