"""The figure of a POWER-map file (MATH.md §5): four POWER maps on the grid and the alignment plot.

Top row: ``POWER_D`` per cell of one agent alone; then agent A's ``POWER_D`` per cell of A with
agent B standing on ``other_cell`` — B uniform, B optimal for its own reward at the first ``ρ``
and at the last ``ρ``. One colour scale for the four maps; each cell shows its value and the 95%
half-width. Bottom: ``corr_s(POWER_A(s), POWER_B(s))`` across the joint states against the reward
correlation ``ρ``, B optimal and B uniform, with bootstrap 95% bands (matplotlib, Agg, no pyplot).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from powergames.games.gridworld import GridWorld
from powergames.theory.grid_power_alignment import AlignmentStudy, PowerEstimate
from powergames.training.grid_plots import player_cells
from powergames.training.plots import save_figure

__all__ = ["power_maps_figure"]

FloatArray = npt.NDArray[np.float64]


def _cells(grid: GridWorld, est: PowerEstimate, other: int | None) -> tuple[FloatArray, FloatArray]:
    """``(rows, cols)`` grids of the values and half-widths (agent A's cell varies)."""
    if other is None:
        return grid.to_grid(est.mean), grid.to_grid(est.half_width)
    return (
        grid.to_grid(player_cells(grid, est.mean, 0, [other])),
        grid.to_grid(player_cells(grid, est.half_width, 0, [other])),
    )


def _draw_map(
    ax: Any,
    values: FloatArray,
    half: FloatArray,
    norm: Any,
    title: str,
    mark: tuple[int, int] | None,
) -> Any:
    rows, cols = values.shape
    im = ax.imshow(values, cmap="viridis", norm=norm)
    mid = 0.5 * (norm.vmin + norm.vmax)
    for r in range(rows):
        for c in range(cols):
            if not np.isfinite(values[r, c]):
                ax.text(c, r, "wall", ha="center", va="center", fontsize=7, color="grey")
                continue
            colour = "black" if values[r, c] > mid else "white"
            ax.text(c, r, f"{values[r, c]:.3f}\n±{half[r, c]:.3f}", ha="center", va="center",
                    fontsize=7, color=colour)  # fmt: skip
    if mark is not None:
        y, x = mark
        ax.add_patch(_box(x, y))
        ax.text(x + 0.45, y - 0.45, "B", ha="right", va="top", fontsize=8, color="#d62728",
                fontweight="bold")  # fmt: skip
    ax.set_xticks(range(cols))
    ax.set_yticks(range(rows))
    ax.set_xlabel("column of agent A" if mark is not None else "column")
    ax.set_ylabel("row of agent A" if mark is not None else "row")
    ax.set_title(title, fontsize=9)
    return im


def _box(x: int, y: int) -> Any:
    from matplotlib.patches import Rectangle

    return Rectangle((x - 0.48, y - 0.48), 0.96, 0.96, fill=False, edgecolor="#d62728", linewidth=2)


def power_maps_figure(cfg: Any, study: AlignmentStudy, path: Path) -> Path:
    """Write the figure of ``study`` (from the POWER-map file ``cfg``) to ``path``."""
    from matplotlib.colors import Normalize
    from matplotlib.figure import Figure

    one = GridWorld.build(cfg.layout, 1, wrap=cfg.wrap)
    two = GridWorld.build(cfg.layout, 2, wrap=cfg.wrap)
    y, x = cfg.other_cell
    other = int(np.flatnonzero((one.cells[:, 0] == y) & (one.cells[:, 1] == x))[0])
    lo_rho, hi_rho = float(study.rhos[0]), float(study.rhos[-1])
    panels = [
        (_cells(one, study.single, None), "(a) one agent alone", None),
        (_cells(two, study.a_uniform, other), "(b) agent A; B plays uniformly", (y, x)),
        (_cells(two, study.a_optimal[0], other),
         f"(c) agent A; B optimal for its own\nreward, reward correlation ρ = {lo_rho:g}", (y, x)),
        (_cells(two, study.a_optimal[-1], other),
         f"(d) agent A; B optimal for its own\nreward, reward correlation ρ = {hi_rho:g}", (y, x)),
    ]  # fmt: skip
    finite = np.concatenate([v[np.isfinite(v)] for (v, _), _, _ in panels])
    norm = Normalize(vmin=float(finite.min()), vmax=float(finite.max()))
    fig = Figure(figsize=(13.0, 8.4))
    gs = fig.add_gridspec(2, 5, width_ratios=[1, 1, 1, 1, 0.06], height_ratios=[1, 1.05])
    images = [
        _draw_map(fig.add_subplot(gs[0, j]), vals, half, norm, title, mark)
        for j, ((vals, half), title, mark) in enumerate(panels)
    ]
    im = images[0]  # one colour scale (norm) for every map
    fig.colorbar(im, cax=fig.add_subplot(gs[0, 4]), label="POWER_D = (1−γ)/γ · E[V(s) − R(s)]")
    ax = fig.add_subplot(gs[1, :4])
    r = study.rhos
    for corr, ci, colour, label in (
        (study.corr_optimal, study.corr_optimal_ci, "#1f77b4",
         "B optimal for its own reward (against A's uniform seed policy)"),
        (study.corr_uniform, study.corr_uniform_ci, "#7f7f7f", "B uniform"),
    ):  # fmt: skip
        ax.fill_between(r, ci[:, 0], ci[:, 1], color=colour, alpha=0.2, linewidth=0)
        ax.plot(r, corr, "o-", color=colour, label=f"{label}; band: bootstrap 95% interval")
    ax.axhline(0.0, color="black", linewidth=0.8, linestyle=":")
    ax.set_xlabel("reward correlation ρ = Corr(R_A(s), R_B(s))")
    ax.set_ylabel("correlation across joint states\nof POWER_A(s) and POWER_B(s)")
    ax.set_title(
        "(e) Alignment plot: do the two agents' POWER rise and fall together across the "
        f"{two.n_states} joint states?",
        fontsize=10,
    )
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    g = cfg.discount
    fig.suptitle(
        f"POWER on a {len(cfg.layout)}×{len(cfg.layout[0])} gridworld (moves up/down/left/right/"
        f"stay, γ = {g:g}); rewards R(s) ~ U[0, 1] i.i.d. per (joint) state, {cfg.samples} samples",
        fontsize=11,
    )
    fig.text(
        0.5,
        0.01,
        "Maps (b)–(d): agent B stands on the red cell; A best-responds to B's policy; values exact "
        f"for the {cfg.samples} sampled reward functions, ± 95% interval as an estimate of the "
        "U[0, 1] prior.",
        ha="center",
        va="bottom",
        fontsize=8,
    )
    fig.tight_layout(rect=(0, 0.03, 1, 0.96))
    return save_figure(fig, path)
