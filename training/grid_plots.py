"""A POWER map on a gridworld (MATH.md §5): a heatmap of per-cell values with cell labels and a
colour bar (matplotlib, Agg backend, no pyplot state).

For a single-agent grid a state is a cell; for a multi-agent grid :func:`player_cells` takes one
player's slice of a per-state map (the others held on given cells).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from powergames.games.gridworld import GridWorld
from powergames.training.plots import save_figure

FloatArray = npt.NDArray[np.float64]

__all__ = ["player_cells", "plot_power_map"]


def player_cells(
    grid: GridWorld, state_values: npt.ArrayLike, player: int, others: Sequence[int] = ()
) -> FloatArray:
    """Per-cell values ``(C,)`` of ``player`` with the other agents on the cells ``others``.

    Args:
        grid: the gridworld.
        state_values: one value per joint state ``(S,)`` (e.g. a row of a POWER map).
        player: the agent whose cell varies.
        others: one cell index per other agent, in seat order (empty for a single-agent grid).

    Returns:
        ``(C,)``; NaN where the joint state does not exist (a shared cell when sharing is off).

    Raises:
        ValueError: wrong shapes, player or number of other cells.
    """
    v = np.asarray(state_values, dtype=np.float64)
    if v.shape != (grid.n_states,):
        raise ValueError(f"state_values must have shape ({grid.n_states},), got {v.shape}")
    if isinstance(player, bool) or not isinstance(player, int) or not 0 <= player < grid.n_agents:
        raise ValueError(f"player must be in [0, {grid.n_agents}), got {player!r}")
    others = list(others)
    if len(others) != grid.n_agents - 1:
        raise ValueError(f"others needs {grid.n_agents - 1} cell indices, got {others!r}")
    out = np.full(grid.n_cells, np.nan)
    for c in range(grid.n_cells):
        cells = others[:player] + [c] + others[player:]
        hit = np.flatnonzero(np.all(grid.states == np.asarray(cells), axis=1))
        if hit.size == 1:
            out[c] = v[hit[0]]
    return out


def plot_power_map(
    grid: GridWorld,
    cell_values: npt.ArrayLike,
    path: str | Path,
    *,
    title: str = "POWER per cell",
    label: str = "POWER",
    fmt: str = "{:.3f}",
    half_width: npt.ArrayLike | None = None,
    note: str = "",
) -> Path:
    """Write a heatmap of per-cell values on the grid (walls grey, each cell labelled).

    Args:
        grid: the gridworld (its layout gives rows, columns and walls).
        cell_values: ``(C,)`` values, one per open cell (NaN cells are left blank).
        path: the PNG to write.
        title: the figure title; label: the colour bar's label; fmt: the cell label format.
        half_width: optional ``(C,)`` confidence half-widths, shown as ``± …`` under each value.
        note: an optional line under the grid (e.g. the discount and the sample size).

    Returns:
        ``path``.
    """
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure

    img = grid.to_grid(cell_values)
    hw = None if half_width is None else grid.to_grid(half_width)
    rows, cols = grid.shape
    fig = Figure(figsize=(1.1 * cols + 2.2, 1.1 * rows + 1.3 + (0.3 if note else 0.0)))
    ax = fig.add_subplot(1, 1, 1)
    walls = np.array([[ch == "#" for ch in row] for row in grid.layout], dtype=float)
    ax.imshow(np.where(walls > 0, 1.0, np.nan), cmap=ListedColormap(["#888888"]), vmin=0, vmax=1)
    im: Any = ax.imshow(img, cmap="viridis")
    finite = img[np.isfinite(img)]
    mid = float(np.median(finite)) if finite.size else 0.0
    for r in range(rows):
        for c in range(cols):
            if walls[r, c]:
                ax.text(c, r, "wall", ha="center", va="center", color="white", fontsize=8)
                continue
            if not np.isfinite(img[r, c]):
                continue
            text = fmt.format(img[r, c])
            if hw is not None and np.isfinite(hw[r, c]):
                text += "\n± " + fmt.format(hw[r, c])
            colour = "black" if img[r, c] > mid else "white"
            ax.text(c, r, text, ha="center", va="center", color=colour, fontsize=9)
    ax.set_xticks(range(cols))
    ax.set_yticks(range(rows))
    ax.set_xlabel("column")
    ax.set_ylabel("row")
    ax.set_title(title, fontsize=10)
    fig.colorbar(im, ax=ax, label=label, shrink=0.85)
    if note:
        fig.text(0.5, 0.01, note, ha="center", va="bottom", fontsize=8)
    fig.tight_layout(rect=(0, 0.05 if note else 0, 1, 1))
    return save_figure(fig, path)
