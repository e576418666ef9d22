"""The README's stochastic-game figures (MATH.md §5).

    python tools/stochastic_figures.py [RUN_DIR]

* ``docs/stochastic_scarcity.png``: ΣPOWER − c/(1 − γ) and NashConv against training steps, read
  from the ``metrics.csv`` of a ``configs/stochastic_scarcity.yaml`` run (default
  ``runs/stochastic_scarcity/scarcity``);
* ``docs/power_map_3x3.png``: POWERplay's normalised ``POWER_D`` on its 3×3 gridworld (moves
  up/down/left/right/stay, γ = 0.6, i.i.d. uniform [0, 1] state rewards, 50,000 samples).
"""

from __future__ import annotations

import sys
from pathlib import Path

from matplotlib.figure import Figure

from powergames.games.gridworld import GridWorld
from powergames.theory.stochastic_power import power_d
from powergames.training.grid_plots import plot_power_map
from powergames.training.plots import save_figure
from powergames.training.rundir import read_metrics

DOCS = Path(__file__).resolve().parent.parent / "docs"


def scarcity_figure(run_dir: Path, out: Path) -> Path:
    """ΣPOWER − c/(1 − γ) and NashConv (current and time-averaged strategies) against steps."""
    _, data = read_metrics(run_dir / "metrics.csv")
    steps = data["step"]
    fig = Figure(figsize=(6.8, 4.2))
    ax = fig.add_subplot(1, 1, 1)
    for pref, style, tag in (("power", "-", "current"), ("power_avg", "--", "time-averaged")):
        gap = data[f"{pref}/sum_minus_c"]
        conv = data[f"{pref}/nash_conv"]
        ax.plot(steps, gap, style, color="k", linewidth=2.6, alpha=0.35,
                label=f"ΣPOWER − c/(1−γ) ({tag})")  # fmt: skip
        ax.plot(steps, conv, style, color="#d62728", linewidth=1.1,
                label=f"NashConv ({tag})")  # fmt: skip
    ax.axhline(0.0, color="#2ca02c", linestyle=":", linewidth=1, label="0 (equilibrium)")
    ax.set_yscale("symlog", linthresh=1e-3)
    ax.set_ylim(0.0, 3.0)
    ax.set_xlabel("training steps (full-information updates)")
    ax.set_ylabel("value (symlog scale)")
    ax.set_title(
        "Power scarcity in a constant-sum stochastic game\n"
        "(2 regret-matching+ learners, 3 states, c = 1, γ = 0.5: the two curves coincide)",
        fontsize=10,
    )
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower left", ncol=2)
    fig.tight_layout()
    return save_figure(fig, out)


def power_map_figure(out: Path) -> Path:
    """POWER_D per cell of POWERplay's 3×3 gridworld, with 95% intervals."""
    grid = GridWorld.build(["...", "...", "..."])
    est = power_d(grid.transitions, 0.6, rng=0, n_samples=50_000)
    return plot_power_map(
        grid,
        est.mean,
        out,
        title="POWER_D per cell, 3×3 gridworld (single agent)",
        label="POWER_D = (1−γ)/γ · E[V*_R(s) − R(s)]",
        half_width=est.half_width,
        note="moves up/down/left/right/stay, γ = 0.6, R(s) ~ U[0, 1] i.i.d., 50,000 samples, ± 95% CI",
    )


def main(argv: list[str]) -> None:
    run = Path(argv[0]) if argv else Path("runs/stochastic_scarcity/scarcity")
    print(scarcity_figure(run, DOCS / "stochastic_scarcity.png"))
    print(power_map_figure(DOCS / "power_map_3x3.png"))


if __name__ == "__main__":
    main(sys.argv[1:])
