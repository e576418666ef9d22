"""The tournament heatmap: focal policies × opponents, with worst cases and the optimal guarantee.

Rendered with matplotlib's object API (Agg, no pyplot state) to PNG bytes.
"""

from __future__ import annotations

import io
import math

import numpy as np

from powergames.theory.tournaments import TournamentResult


def heatmap_png(result: TournamentResult, title: str = "", dpi: int = 120) -> bytes:
    """PNG bytes of the tournament: cells ``min_x r_1`` (Monte Carlo cells marked ``±``), a column
    with each focal policy's exact worst case, a row with the best response knowing each opponent,
    and the optimal guarantee in the caption."""
    from matplotlib.figure import Figure

    n_f, n_o = result.min_over_x.shape
    grid = np.full((n_f + 1, n_o + 1), np.nan)
    grid[:n_f, :n_o] = result.min_over_x
    worst = result.worst_case
    for f in range(n_f):
        if not np.all(np.isnan(worst[f])):
            grid[f, n_o] = np.nanmin(worst[f])
    grid[n_f, :n_o] = result.best_response
    fig = Figure(figsize=(1.5 + 1.25 * (n_o + 1), 1.3 + 0.55 * (n_f + 1)), layout="constrained")
    ax = fig.add_subplot(1, 1, 1)
    masked = np.ma.masked_invalid(grid)
    lo = min(0.0, float(np.nanmin(grid))) if np.isfinite(grid).any() else 0.0
    hi = max(1.0, float(np.nanmax(grid))) if np.isfinite(grid).any() else 1.0
    image = ax.imshow(masked, cmap="viridis", vmin=lo, vmax=hi, aspect="auto")
    for f in range(n_f + 1):
        for o in range(n_o + 1):
            v = grid[f, o]
            if math.isnan(v):
                ax.text(o, f, "–", ha="center", va="center", fontsize=8, color="#666")
                continue
            text = f"{v:.3f}"
            if f < n_f and o < n_o and not result.exact[f, o]:
                text += f"\n±{result.half_width[f, o].max():.3f}"
            elif f < n_f and o == n_o and np.ptp(worst[f][~np.isnan(worst[f])]) > 1e-12:
                text = f"{np.nanmin(worst[f]):.3f}..\n{np.nanmax(worst[f]):.3f}"
            ax.text(
                o, f, text, ha="center", va="center", fontsize=8,
                color="white" if (v - lo) < 0.55 * (hi - lo) else "black",
            )  # fmt: skip
    ax.axhline(n_f - 0.5, color="white", linewidth=2.5)
    ax.axvline(n_o - 0.5, color="white", linewidth=2.5)
    ax.set_xticks(range(n_o + 1), [*result.opponents, "worst case\n(any opponent)"], fontsize=8)
    ax.set_yticks(range(n_f + 1), [*result.focal, "best response\n(knows opponent)"], fontsize=8)
    ax.tick_params(axis="x", labelrotation=20)
    ax.set_xlabel("opponents", fontsize=9)
    ax.set_ylabel("focal coalition policy", fontsize=9)
    fig.colorbar(image, ax=ax, label="focal coalition's share, min over x", shrink=0.9)
    caption = title
    g = result.guarantee
    if g is not None:
        caption += (
            f"\noptimal guarantee G = {g.value:.3f}   Theorem 1: 1−1/k = {g.theorem1_bound:.3f}   "
            f"Theorem 2 (knowing π₂): (k−1)/k = {g.theorem2_bound:.3f}"
        )
    elif result.guarantee_bracket is not None:
        lo, hi = result.guarantee_bracket
        caption += f"\noptimal guarantee in [{lo:.3f}, {hi:.3f}]"
    ax.set_title(caption.strip(), fontsize=9)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()
