"""
A sweep: α and ΣPOWER from common payoff to zero-sum
====================================================

Does POWER scarcity weaken as the players become aligned (the open question of the
attainable-utility note, :doc:`/MATH`)? The family ``u_i = (1 − λ) C + λ Z_i`` runs
from a common-payoff game (λ = 0) to a zero-sum game (λ = 1) on one random 3×3 base. Two
regret-matching learners play each game; a sweep fans seeds × grid points out and aggregates the
final metrics (mean and 95% band over the seeds).

This is ``configs/alignment_family.yaml`` with a smaller budget, three values of λ and three seeds
(``powergames sweep`` runs the same plan from the command line, :doc:`/guide/training`).
"""

import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import yaml

from powergames.training import SerialExecutor, plan_sweep, run_sweep

CONFIG = """
name: alignment_family
seed: 0
budget: 4000
eval: {every: 1000, samples: 200}
env:
  id: powergames/game-v0
  kwargs: {game: interpolated, game_kwargs: {lam: 0.5, rng: 2, n_players: 2, n_actions: 3}}
agents:
  - {name: learner 0, kind: regret_matching, seats: [0], params: {exploration: 0.02}}
  - {name: learner 1, kind: regret_matching, seats: [1], params: {exploration: 0.02}}
"""
lams = [0.0, 0.5, 1.0]
root = Path(tempfile.mkdtemp(prefix="powergames-sweep-"))
plan = plan_sweep(
    yaml.safe_load(CONFIG),
    seeds=[0, 1, 2],
    grid={"env.kwargs.game_kwargs.lam": lams},
    root=root,
)
print(f"{len(plan.jobs)} runs")
info = run_sweep(plan, SerialExecutor(), echo=lambda line: None)
plt.close("all")  # the sweep draws its own figure into the run directory

# %%
# ``info["final"]`` holds, per grid point and experiment, the final mean and band of every metric.
labels = [label for label, _ in plan.combos]
final = [next(iter(info["final"][label].values())) for label in labels]
for lam, f in zip(lams, final):
    print(
        f"λ = {lam}: α = {f['align/alpha']['mean']:+.3f}, ΣPOWER (averaged strategies) = "
        f"{f['power_avg/sum']['mean']:.3f}, NashConv = {f['power_avg/nash_conv']['mean']:.3f}"
    )

fig, ax = plt.subplots(figsize=(6.4, 4.0))
for metric, label in (
    ("align/alpha", "α (the game)"),
    ("power_avg/sum", "ΣPOWER, time-averaged strategies"),
    ("power_avg/nash_conv", "NashConv, time-averaged strategies"),
    ("align/welfare", "welfare, current strategies"),
):
    mean = np.array([f[metric]["mean"] for f in final])
    low = np.array([f[metric]["low"] for f in final])
    high = np.array([f[metric]["high"] for f in final])
    (line,) = ax.plot(lams, mean, "-o", label=label)
    ax.fill_between(lams, low, high, color=line.get_color(), alpha=0.2)
ax.axhline(0, color="grey", lw=0.6)
ax.set_xlabel("λ (0 = common payoff, 1 = zero-sum)")
ax.set_ylabel("final value (mean, 95% band over 3 seeds)")
ax.legend(fontsize=8)
ax.set_title("From common payoff to zero-sum")
fig.tight_layout()
