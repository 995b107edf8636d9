"""HTML pieces of the report page: escaping, numbers, images, tables, names of exercises."""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable

from neckimu.verify.reps import exercise_name


def _esc(x: object) -> str:
    return html.escape(str(x), quote=True)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")[:40] or "rec"


def _num(x: float | None, fmt: str) -> str:
    if x is None or not math.isfinite(x):
        return "–"
    return format(float(format(x, fmt)) + 0.0, fmt)  # + 0.0: no "-0"


def exercise_title(exercise: str) -> str:
    """How an exercise is named to people (``hold_flexion`` -> ``hold forward``)."""
    return exercise_name(exercise)


def _img(src: str, alt: str) -> str:
    return f'<img src="{_esc(src)}" alt="{_esc(alt)}">'


def _table(head: Iterable[str], rows: Iterable[str], cls: str) -> str:
    th = "".join(f"<th>{_esc(h)}</th>" for h in head)
    body = "".join(rows)
    return f'<table class="{cls}"><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>'
