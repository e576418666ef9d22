"""
A coalition policy in a majority game (Theorem 1)
=================================================

In the majority game every player picks one of ``k`` actions and the players on the most common
action split the unit evenly (ties go to the lower action). Theorem 1 (:doc:`/MATH`)
says that a majority coalition that draws *one* action uniformly at random and has every member
play it gets at least ``1 − 1/k`` in expectation, whatever the other players do.

Coalition values are computed exactly from count distributions, so a game with 25 players (a
joint action space of ``4**25`` profiles) takes milliseconds.
"""

import matplotlib.pyplot as plt
import numpy as np

from powergames.games import majority_game
from powergames.theory import (
    IndependentPolicy,
    coalition_report,
    coalition_values,
    theorem1_policy,
)

n, k = 25, 4
game = majority_game(n_players=n, n_actions=k)


# %%
# Players ``0..s-1`` form the coalition, the others the outsiders. Three outsider policies: all
# on action 0, each uniform on its own, and all on one shared uniformly drawn action (the
# outsiders coordinating as well).
def outsiders(m):
    return {
        "all play action 0": IndependentPolicy(m, np.eye(k)[0]),
        "independent uniform": IndependentPolicy(m, np.full(k, 1 / k)),
        "shared random action": theorem1_policy(m, k),
    }


s = 13
report = coalition_report(
    game,
    [range(s), range(s, n)],
    [theorem1_policy(s, k), outsiders(n - s)["shared random action"]],
)
print(f"coalition of {s} of {n}: value {report.expected[0]:.4f}, bound 1 - 1/k = {1 - 1 / k}")

# %%
# The coalition's exact expected share for every coalition size, against each outsider policy,
# with its policy either Theorem 1's (one shared action) or independent uniform play.
sizes = np.arange(1, n)
curves = {}
for name in outsiders(1):
    curves[f"Theorem 1 vs {name}"] = [
        coalition_values(
            game, [range(m), range(m, n)], [theorem1_policy(m, k), outsiders(n - m)[name]]
        )[0, 0]
        for m in sizes
    ]
curves["independent uniform vs shared random action"] = [
    coalition_values(
        game,
        [range(m), range(m, n)],
        [IndependentPolicy(m, np.full(k, 1 / k)), outsiders(n - m)["shared random action"]],
    )[0, 0]
    for m in sizes
]

fig, ax = plt.subplots(figsize=(8.6, 4.0))
for (name, values), style in zip(curves.items(), ["-o", "-s", "-^", ":x"]):
    ax.plot(sizes, values, style, markersize=4, label=name)
majority = sizes > n / 2
ax.plot(
    sizes[majority],
    np.full(majority.sum(), 1 - 1 / k),
    "k--",
    label="1 − 1/k (Theorem 1, majority)",
)
ax.plot(sizes, sizes / n, color="grey", lw=0.8, label="fair share s/n")
ax.axvline(n / 2, color="grey", lw=0.5)
ax.set_xlabel(f"coalition size s (of n = {n} players, k = {k} actions)")
ax.set_ylabel("coalition's exact expected share")
ax.set_ylim(0, 1.02)
ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0))
ax.set_title("Majority game: a coordinated majority takes ≥ 1 − 1/k")
fig.tight_layout()

# %%
# Every majority coalition playing Theorem 1's policy clears the bound against all three
# outsider policies (against "all play action 0" and "shared random action" its values coincide,
# by the symmetry of the uniform draw); a majority playing independently does not.
for name, values in curves.items():
    worst = min(v for v, m in zip(values, sizes) if m > n / 2)
    print(f"{name:45s} worst majority share {worst:.4f}")
