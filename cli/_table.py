"""Plain aligned text for the sub-commands' reports (not a sub-command: the name starts with ``_``)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def fmt(x: Any) -> str:
    """One cell: ``yes``/``no`` for booleans, ``-`` for ``None`` and NaN, 6 significant digits
    (``0`` below ``1e-12`` in magnitude) for floats, ``[a, b]`` for lists and tuples."""
    if isinstance(x, bool):
        return "yes" if x else "no"
    if x is None:
        return "-"
    if isinstance(x, float | np.floating):
        x = float(x)
        if math.isnan(x):
            return "-"
        return f"{0.0 if abs(x) < 1e-12 else x:.6g}"
    if isinstance(x, list | tuple):
        return "[" + ", ".join(fmt(v) for v in x) + "]"
    return str(x)


def table(rows: list[list[str]]) -> str:
    """Left-aligned columns two spaces apart; ``rows[0]`` is the header, underlined with dashes."""
    widths = [max(len(r[j]) for r in rows) for j in range(len(rows[0]))]
    lines = []
    for n, r in enumerate(rows):
        lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
