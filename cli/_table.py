"""Cells of the sub-commands' reports (not a sub-command: the name starts with ``_``); the tables
themselves are drawn by :func:`powergames.training.summary.format_table`."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from powergames.training.summary import format_table


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
    """``rows[0]`` is the header, every column left-aligned (:func:`format_table`)."""
    return format_table(rows[1:], rows[0], align="left")
