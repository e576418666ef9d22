"""
Your own payoff matrix: POWER, α and NashConv
=============================================

Write down a two-player game, find its equilibria and measure it with the library's exact
quantities: POWER (the best each player could get against the others), NashConv (how far a
profile is from an equilibrium), the coordination–alignment metric α and the maxmin threat point
(see :doc:`/MATH`).

The game is a Battle-of-the-Sexes with a twist: both players like to meet, but they disagree on
where, and player 1 gets a small consolation for going to her favourite place alone.
"""

import matplotlib.pyplot as plt
import numpy as np

from powergames.games import NormalFormGame
from powergames.theory import (
    alpha,
    coordination_gap,
    is_bayes_nash,
    nash_conv,
    power,
    solve_nash,
    threat_point,
    welfare,
)

# payoffs[i, a_0, a_1] = u_i(a): player 0 picks the row, player 1 the column.
u0 = np.array([[3.0, 0.0], [0.5, 2.0]])
u1 = np.array([[2.0, 0.0], [0.0, 3.0]])
game = NormalFormGame(np.stack([u0, u1]))

# %%
# A mixed profile is a list with one probability vector per player.
uniform = [np.full(2, 0.5), np.full(2, 0.5)]
print("POWER at the uniform profile:", power(game, uniform))
print("NashConv at the uniform profile:", nash_conv(game, uniform))

# %%
# An equilibrium (QuantEcon's Lemke–Howson for two players) has NashConv 0, and there POWER is
# exactly what each player achieves.
eq = solve_nash(game)
print("equilibrium:", [np.round(s, 4) for s in eq])
print("is Bayes-Nash:", is_bayes_nash(game, eq), " NashConv:", nash_conv(game, eq))
print("POWER at equilibrium:", power(game, eq), " welfare:", welfare(game, eq))

# %%
# α compares the best welfare with the sum of each player's best payoff; it depends only on the
# game. The coordination gap depends on the profile.
print("alpha:", alpha(game))
print("coordination gap at the equilibrium:", coordination_gap(game, eq))
print("threat point u(a0):", threat_point(game))

# %%
# The mixed equilibrium makes each player indifferent between its two actions: player 1's mix
# ``q`` solves ``3q = 0.5q + 2(1 − q)`` and player 0's mix ``p`` solves ``2p = 3(1 − p)``.
q_star = 2 / 4.5
p_star = 3 / 5
mixed = [np.array([p_star, 1 - p_star]), np.array([q_star, 1 - q_star])]
print("mixed equilibrium NashConv:", nash_conv(game, mixed))

# %%
# How far is each profile from an equilibrium? Let player 0 play row 0 with probability p and
# player 1 column 0 with probability q, and draw NashConv over the square. It vanishes exactly at
# the three equilibria: the two corners where the players meet and the mixed one.
grid = np.linspace(0.0, 1.0, 81)
nc = np.array(
    [[nash_conv(game, [np.array([p, 1 - p]), np.array([q, 1 - q])]) for p in grid] for q in grid]
)
fig, ax = plt.subplots(figsize=(5.4, 4.4))
mesh = ax.pcolormesh(grid, grid, nc, shading="auto", cmap="viridis")
fig.colorbar(mesh, ax=ax, label="NashConv")
ax.contour(grid, grid, nc, levels=[0.25, 0.5, 1.0], colors="white", linewidths=0.6)
ax.plot([1, 0], [1, 0], "o", color="orange", mec="k", ms=11, clip_on=False, label="pure equilibria")
ax.plot(p_star, q_star, "*", color="orange", mec="k", ms=16, label="mixed equilibrium")
ax.set_xlim(-0.02, 1.02)
ax.set_ylim(-0.02, 1.02)
ax.set_xlabel("p = P(player 0 plays row 0)")
ax.set_ylabel("q = P(player 1 plays column 0)")
ax.set_title(f"NashConv over mixed profiles (α = {alpha(game):.2f})")
ax.legend(loc="upper left", fontsize=8, framealpha=0.8)
fig.tight_layout()

# %%
# Along the diagonal p = q, POWER per player, their sum and the welfare achieved:
# ΣPOWER − welfare is exactly NashConv, the players' total unused opportunity.
ps = np.linspace(0, 1, 101)
prof = [[np.array([p, 1 - p]), np.array([p, 1 - p])] for p in ps]
pw = np.array([power(game, s) for s in prof])
wf = np.array([welfare(game, s) for s in prof])
fig, ax = plt.subplots(figsize=(5.2, 3.6))
ax.plot(ps, pw[:, 0], label="POWER, player 0")
ax.plot(ps, pw[:, 1], label="POWER, player 1")
ax.plot(ps, pw.sum(axis=1), "k", label="ΣPOWER")
ax.plot(ps, wf, "k--", label="welfare (achieved)")
ax.set_xlabel("p = q")
ax.set_ylabel("payoff")
ax.legend(fontsize=8)
ax.set_title("ΣPOWER − welfare = NashConv")
fig.tight_layout()
