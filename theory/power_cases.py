"""The seeds' three POWER cases: best-case, worst-case and POWER at a profile (MATH.md §2, §5).

Seed 001 asks what POWER is when everyone plays nice, when everyone plays mean, and in between.

* **Best case** — the others' actions are chosen for ``i``: ``E_{t_i}[max_a r_i(t_i, a)]`` in a
  Bayesian game; in a stochastic game, ``i``'s value when it picks everyone's actions (the MDP over
  joint actions with ``i``'s reward).
* **Worst case** — the others jointly minimise ``i``'s reward: ``E_{t_i}[max_{σ_i} min_{a_{-i}} E
  r_i]``, ``i``'s security level per type (one linear programme per type); in a stochastic game the
  value of the zero-sum stochastic game of ``i`` against the coalition of the others (Shapley's
  iteration: discounted to a certified tolerance, a horizon exactly by backward induction).
* POWER at any profile lies between them: ``worst ≤ POWER(σ) ≤ best``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.optimize import linprog

from powergames.games.bayesian import as_bayesian
from powergames.games.stochastic import StochasticGame
from powergames.theory.stochastic_values import _check_game, solve_mdp

FloatArray = npt.NDArray[np.float64]


def matrix_game(payoff: Any) -> tuple[float, FloatArray]:
    """The row player's maxmin value and strategy of a matrix game (HiGHS LP).

    Args:
        payoff: ``(k, m)``: the row player's payoff; the column player minimises it.

    Returns:
        ``(v, x)`` with ``v = max_x min_j Σ_a x_a M[a, j]`` and ``x`` of shape ``(k,)``.

    Example:
        >>> v, x = matrix_game([[1.0, -1.0], [-1.0, 1.0]])
        >>> round(v, 9), x.round(9).tolist()
        (0.0, [0.5, 0.5])
    """
    m = np.asarray(payoff, dtype=np.float64)
    if m.ndim != 2 or m.size == 0:
        raise ValueError(f"payoff must be a non-empty (k, m) matrix, got shape {m.shape}")
    k, cols = m.shape
    lo, hi = float(m.min()), float(m.max())
    if hi - lo <= 1e-15 * max(1.0, abs(hi)):
        return float(m.max(axis=1).min()), np.eye(k)[0]
    scaled = (m - lo) / (hi - lo)  # scale-free: payoffs in [0, 1]
    c = np.zeros(k + 1)
    c[-1] = -1.0
    a_ub = np.hstack([-scaled.T, np.ones((cols, 1))])
    a_eq = np.hstack([np.ones((1, k)), np.zeros((1, 1))])
    res = linprog(
        c,
        A_ub=a_ub,
        b_ub=np.zeros(cols),
        A_eq=a_eq,
        b_eq=[1.0],
        bounds=[(0, None)] * k + [(None, None)],
        method="highs",
    )
    if res.status != 0:  # pragma: no cover - a bounded feasible LP
        raise RuntimeError(f"the matrix-game LP failed: {res.message}")
    x = np.clip(res.x[:k], 0, None)
    x /= x.sum()
    value = float((x @ m).min())
    return value, x


@dataclass(frozen=True)
class PowerCases:
    """Best-case, worst-case (and, given a profile, actual) POWER per player and type.

    Attributes:
        type_best: per player ``(T_i,)`` (Bayesian) or ``(T_i, S)`` (stochastic).
        type_worst: the same shapes.
        best: ``(n,)`` (from ``μ_0`` in a stochastic game).
        worst: ``(n,)``.
        best_map / worst_map: ``(n, S)`` for a stochastic game, else ``None``.
        bound: certified bound on the worst-case entries (discounted Shapley iteration), else 0.
    """

    type_best: list[FloatArray]
    type_worst: list[FloatArray]
    best: FloatArray
    worst: FloatArray
    best_map: FloatArray | None
    worst_map: FloatArray | None
    bound: float


def bayesian_power_cases(game: Any) -> PowerCases:
    """Best- and worst-case POWER of a Bayesian (or normal-form) game (MATH.md §2).

    Returns:
        A :class:`PowerCases` with ``(T_i,)`` per-type arrays (zero-probability types: reported,
        weight 0).
    """
    b = as_bayesian(game)
    tb, tw = [], []
    for i in range(b.n_players):
        r = np.moveaxis(b.rewards[i], i + 1, 1).reshape(b.n_types[i], b.n_actions[i], -1)
        tb.append(r.reshape(b.n_types[i], -1).max(axis=1))
        tw.append(np.array([matrix_game(r[t])[0] for t in range(b.n_types[i])]))
    best = np.array([b.type_marginals[i] @ tb[i] for i in range(b.n_players)])
    worst = np.array([b.type_marginals[i] @ tw[i] for i in range(b.n_players)])
    return PowerCases(tb, tw, best, worst, None, None, 0.0)


def _stage_matrices(game: StochasticGame, i: int, r: FloatArray) -> tuple[FloatArray, FloatArray]:
    """``(R, P)`` with player ``i``'s action axis first among the actions: ``R (S, k_i, K)``,
    ``P (S, k_i, K, S)``."""
    S, k = game.n_states, game.n_actions[i]
    rr = np.moveaxis(r, i + 1, 1).reshape(S, k, -1)
    pp = np.moveaxis(game.transitions, i + 1, 1).reshape(S, k, -1, S)
    return rr, pp


def zero_sum_values(
    game: StochasticGame, player: int, rewards: FloatArray, *, tol: float = 1e-9
) -> tuple[FloatArray, float]:
    """The value per state of the zero-sum stochastic game in which ``player`` maximises
    ``rewards`` ``(S, k_0, …)`` and the coalition of the others minimises it.

    Shapley's iteration ``V ← val(R + γ P V)`` (one LP per state and round) until
    ``‖ΔV‖_∞ ≤ tol (1 − γ)/γ``, so the result is within ``tol`` of the value (returned as the
    bound); a horizon is exact (``H`` rounds of backward induction).

    Returns:
        ``(values (S,), bound)``.
    """
    game = _check_game(game)
    rr, pp = _stage_matrices(game, player, rewards)
    S = game.n_states
    v = np.zeros(S)
    if game.horizon is not None:
        for _ in range(game.horizon):
            q = rr + pp @ v
            v = np.array([matrix_game(q[s])[0] for s in range(S)])
        return v, 0.0
    g = game.discount
    assert g is not None
    threshold = tol * (1 - g) / g if g > 0 else np.inf
    while True:
        q = rr + g * (pp @ v)
        new = np.array([matrix_game(q[s])[0] for s in range(S)])
        gap = float(np.abs(new - v).max())
        v = new
        if gap <= threshold:
            return v, (g / (1 - g) * gap if g > 0 else 0.0)


def stochastic_power_cases(game: StochasticGame, *, tol: float = 1e-9) -> PowerCases:
    """Best- and worst-case POWER per player, type and state of a stochastic game (MATH.md §5).

    Best case: the MDP over joint actions with ``r_i(t_i)`` (policy iteration, exact). Worst case:
    :func:`zero_sum_values` per type.

    Returns:
        A :class:`PowerCases` with ``(T_i, S)`` per-type maps, ``(n, S)`` maps and ``(n,)`` values
        from ``μ_0``.
    """
    game = _check_game(game)
    if not game.has_types_table:
        raise ValueError("stochastic_power_cases needs a finite type table")
    n, S = game.n_players, game.n_states
    p = game.transitions.reshape(S, -1, S)
    tb, tw = [], []
    bound = 0.0
    for i in range(n):
        r = game.rewards[i].reshape(game.n_types[i], S, -1)
        if game.discount is not None:
            tb.append(solve_mdp(p, r, discount=game.discount).values)
        else:
            tb.append(solve_mdp(p, r, horizon=game.horizon).values)
        worst = np.zeros((game.n_types[i], S))
        for t in np.flatnonzero(game.type_support[i]):
            worst[t], b = zero_sum_values(game, i, game.rewards[i][t], tol=tol)
            bound = max(bound, b)
        tw.append(worst)
    best_map = np.stack([game.type_marginals[i] @ tb[i] for i in range(n)])
    worst_map = np.stack([game.type_marginals[i] @ tw[i] for i in range(n)])
    return PowerCases(
        tb, tw, best_map @ game.initial, worst_map @ game.initial, best_map, worst_map, bound
    )


def shapley_equilibrium(
    game: StochasticGame, *, tol: float = 1e-10
) -> tuple[list[FloatArray], FloatArray]:
    """A stationary equilibrium of a two-player constant-sum stochastic game with one type each.

    Each player's strategy in state ``s`` is its maxmin strategy of the stage game ``R + γ P V``
    at the (approximate) value ``V`` of :func:`zero_sum_values`; NashConv at the result is of the
    order of ``tol`` (exactly 0 for a horizon would need time-dependent strategies, so only
    discounted games are accepted).

    Returns:
        ``([σ_0 (S, k_0), σ_1 (S, k_1)], V_0 (S,))``.
    """
    game = _check_game(game)
    if game.n_players != 2 or game.n_types != (1, 1) or game.discount is None:
        raise ValueError(
            "shapley_equilibrium needs a discounted two-player game with one type per player"
        )
    c = game.constant_sum_value()
    if c is None:
        raise ValueError("shapley_equilibrium needs a constant-sum game")
    r0 = game.rewards[0][0]
    v, _ = zero_sum_values(game, 0, r0, tol=tol)
    g = game.discount
    q = r0 + g * (game.transitions @ v)  # (S, k_0, k_1)
    s0 = np.stack([matrix_game(q[s])[1] for s in range(game.n_states)])
    s1 = np.stack([matrix_game(-q[s].T)[1] for s in range(game.n_states)])
    return [s0, s1], v


__all__ = [
    "PowerCases",
    "bayesian_power_cases",
    "matrix_game",
    "shapley_equilibrium",
    "stochastic_power_cases",
    "zero_sum_values",
]
