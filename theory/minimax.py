"""The minimax localizing function seed 002 names (MATH.md §3), beside max-welfare, maxmin, Nash.

Seed 002 builds localized global metrics from a localizing function that picks a "natural"
profile of a game: max sum utility, *minimax*, … . In the **minimax profile** every player ``i``
plays the strategy that holds the others down: it minimises the most the others can get against
it, ``σ_i = argmin_{σ_i} max_{a_{-i}} Σ_{j≠i} u_j(σ_i, a_{-i})`` (the others as one coalition, so
for two players this is ``i``'s minimax strategy against its opponent; in a two-player zero-sum
game minimax and maxmin coincide). One linear programme per player.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from powergames.theory.alignment import as_normal_form
from powergames.theory.alignment_report import localize
from powergames.theory.power_cases import matrix_game

FloatArray = npt.NDArray[np.float64]

#: The localizers of :func:`localized_profiles`, in report order.
LOCALIZER_NAMES = ("max_welfare", "maxmin", "nash", "minimax")


def minimax_profile(game: Any) -> list[FloatArray]:
    """The minimax profile (module docstring): one ``(k_i,)`` strategy per player.

    Args:
        game: anything :func:`powergames.theory.alignment.as_normal_form` accepts.

    Example:
        >>> from powergames.games import matching_pennies
        >>> [p.round(6).tolist() for p in minimax_profile(matching_pennies())]
        [[0.5, 0.5], [0.5, 0.5]]
    """
    g = as_normal_form(game)
    out = []
    for i in range(g.n_players):
        others = np.delete(g.payoffs, i, axis=0).sum(axis=0)  # (k_0, …): Σ_{j≠i} u_j
        m = np.moveaxis(others, i, 0).reshape(g.n_actions[i], -1)
        _, x = matrix_game(-m)  # maximise the others' worst loss = minimise their best
        out.append(x)
    return out


def minimax_values(game: Any) -> FloatArray:
    """``min_{σ_i} max_{a_{-i}} Σ_{j≠i} u_j`` per player ``i``: what the others can be held to."""
    g = as_normal_form(game)
    vals = np.empty(g.n_players)
    for i in range(g.n_players):
        others = np.delete(g.payoffs, i, axis=0).sum(axis=0)
        m = np.moveaxis(others, i, 0).reshape(g.n_actions[i], -1)
        vals[i] = -matrix_game(-m)[0]
    return vals


def localized_profiles(game: Any) -> dict[str, list[FloatArray]]:
    """The profile of every localizing function: max-welfare, maxmin, Nash and minimax."""
    g = as_normal_form(game)
    out = {name: localize(g, name) for name in LOCALIZER_NAMES[:3]}
    out["minimax"] = minimax_profile(g)
    return out


__all__ = ["LOCALIZER_NAMES", "localized_profiles", "minimax_profile", "minimax_values"]
