"""hardware/README.md quotes neckimu/mounts.toml exactly; hardware/mounts.svg is valid XML."""

import re
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "hardware" / "README.md"
SVG = ROOT / "hardware" / "mounts.svg"
MOUNTS = ROOT / "neckimu" / "mounts.toml"

# | `forehead` | `[0.0, 1.0, 0.0]` | `[1.0, 0.0, 0.0]` | `[0, 0, 1]` | `[0.10, 0.0, 0.07]` |
ROW = re.compile(r"^\|\s*`(\w+)`\s*\|(.*)\|\s*$")
VECTOR = re.compile(r"`(\[[^\]]*\])`")


def readme_mounts() -> dict[str, dict[str, list[float]]]:
    """Mount table rows of the README: preset -> board x, board z, derived board y, lever arm."""
    rows = {}
    for line in README.read_text(encoding="utf-8").splitlines():
        m = ROW.match(line)
        if not m:
            continue
        vectors = [tomllib.loads(f"v = {v}")["v"] for v in VECTOR.findall(m.group(2))]
        if len(vectors) != 4:
            continue
        x, z, y, lever = vectors
        rows[m.group(1)] = {
            "board_x_in_head": x,
            "board_z_in_head": z,
            "board_y": y,
            "lever_arm_m": lever,
        }
    return rows


def _presets() -> tuple[dict, dict]:
    """Head presets and trunk presets (``[trunk.*]``) of mounts.toml."""
    presets = tomllib.loads(MOUNTS.read_text(encoding="utf-8"))
    trunk = presets.pop("trunk", {})
    return presets, trunk


def test_readme_mount_table_equals_mounts_toml():
    presets, trunk = _presets()
    rows = readme_mounts()
    assert set(rows) == set(presets) | set(trunk)
    for name, preset in presets.items():
        for key in ("board_x_in_head", "board_z_in_head", "lever_arm_m"):
            quoted = [float(v) for v in rows[name][key]]
            assert quoted == [float(v) for v in preset[key]], (name, key)
    # the trunk presets (issue 15): the same columns, in the trunk frame
    assert set(trunk) == {"between_shoulder_blades", "collar"}
    for name, preset in trunk.items():
        for key, toml_key in (
            ("board_x_in_head", "board_x_in_trunk"),
            ("board_z_in_head", "board_z_in_trunk"),
            ("lever_arm_m", "lever_arm_m"),
        ):
            quoted = [float(v) for v in rows[name][key]]
            assert quoted == [float(v) for v in preset[toml_key]], (name, key)


def test_readme_derived_board_y_is_z_cross_x():
    for name, row in readme_mounts().items():
        x, z = row["board_x_in_head"], row["board_z_in_head"]
        y = [z[1] * x[2] - z[2] * x[1], z[2] * x[0] - z[0] * x[2], z[0] * x[1] - z[1] * x[0]]
        assert np.allclose([float(v) for v in row["board_y"]], y, atol=1e-6), name


def test_mounts_svg_is_well_formed_and_shows_every_preset():
    root = ET.parse(SVG).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    text = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    for name in _presets()[0]:
        assert name in text
