"""Full-information self-play of classic learners in a discounted stochastic game (MATH.md §5).

Each player's :class:`~powergames.agents.learner.Learner` holds one strategy per ``(type, state)``
pair (``n_types = T_i · S``, row ``t · S + s``): a Markov strategy ``σ_i(· | t_i, s)``. Every
iteration each learner observes its exact one-step action values against the others' current
strategies,

    ``Q_i(t_i, s, a_i) = E_{t_{−i} | t_i} E_{a_{−i} ∼ σ_{−i}(t_{−i}, s)} [r_i(t_i, s, a)
    + γ Σ_{s'} P(s' | s, a) V_i^σ(t, s')]``,

with ``V_i^σ(t, ·)`` the value of the current profile at the type profile ``t`` (one linear solve,
:func:`~powergames.theory.stochastic_values.evaluate_joint`), and updates its rule on them (regret
matching+ or Hedge per state: the local regret minimisation of a stochastic game). The values are
the interim ones of MATH.md §5 for a one-step deviation at ``s`` when the others' strategies do not
reveal their types (one type each, or type-independent strategies).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from powergames.agents.learner import Learner
from powergames.games.stochastic import StochasticGame
from powergames.theory.stochastic_values import evaluate_joint, joint_policy

FloatArray = npt.NDArray[np.float64]

__all__ = ["markov_action_values", "markov_profile", "markov_self_play", "markov_shaped"]


def markov_shaped(game: StochasticGame, profile: Sequence[npt.ArrayLike]) -> list[FloatArray]:
    """A profile of ``(T_i · S, k_i)`` tables (rows ``t · S + s``, the learners' layout) or
    ``(T_i, S, k_i)`` arrays as ``(T_i, S, k_i)`` arrays (other shapes are left to the game's
    validation)."""
    out = []
    for i, p in enumerate(profile):
        arr = np.asarray(p, dtype=np.float64)
        T, S, k = game.n_types[i], game.n_states, game.n_actions[i]
        out.append(arr.reshape(T, S, k) if arr.shape == (T * S, k) else arr)
    return out


def _check_discounted(game: object) -> StochasticGame:
    if not isinstance(game, StochasticGame):
        raise TypeError(f"game must be a StochasticGame, got {type(game).__name__}")
    if game.discount is None:
        raise ValueError("markov self-play needs a discounted game (discount=γ), not a horizon")
    if game.reward_sampler is not None:
        raise ValueError("markov self-play needs a type table, not sampled rewards")
    return game


def markov_action_values(
    game: StochasticGame, player: int, profile: Sequence[FloatArray]
) -> FloatArray:
    """``Q_i(t_i, s, a_i)`` of the module docstring, shape ``(T_i, S, k_i)``.

    Args:
        game: a discounted :class:`~powergames.games.StochasticGame` with a type table.
        player: ``i``.
        profile: per player ``(T_j, S, k_j)`` Markov strategies.

    Raises:
        TypeError, ValueError: not a discounted stochastic game with a type table; a bad profile
            or player.
    """
    game = _check_discounted(game)
    if isinstance(player, bool) or not isinstance(player, int | np.integer):
        raise TypeError(f"player must be an integer, got {player!r}")
    n, S = game.n_players, game.n_states
    if not 0 <= player < n:
        raise ValueError(f"player must be in [0, {n}), got {player!r}")
    sig = game.validate_profile(list(profile))
    gamma = float(game.discount)  # type: ignore[arg-type]
    k = game.n_actions
    q = np.zeros((game.n_types[player], S, k[player]))
    weight = np.zeros(game.n_types[player])
    for t in np.argwhere(game.prior > 0):
        pols = [sig[j][t[j]] for j in range(n)]
        joint = joint_policy(game, pols)
        r = game.rewards[player][t[player]]  # (S, k…)
        v = evaluate_joint(game, joint, r[None])[0]  # (S,)
        total = r + gamma * np.tensordot(game.transitions, v, axes=([-1], [0]))  # (S, k…)
        # contract the others' actions with their strategies, keep the player's own axis
        moved = np.moveaxis(total, 1 + player, -1)  # (S, k_others…, k_i)
        for j in reversed([j for j in range(n) if j != player]):
            axis = 1 + j - (1 if j > player else 0)
            shape = [S] + [1] * (moved.ndim - 1)
            shape[axis] = k[j]
            moved = (moved * pols[j].reshape(shape)).sum(axis=axis)
        w = game.prior[tuple(t)]
        q[t[player]] += w * moved
        weight[t[player]] += w
    seen = weight > 0
    q[seen] /= weight[seen, None, None]
    return q


def markov_profile(
    game: StochasticGame, learners: Sequence[Learner], *, average: bool = False
) -> list[FloatArray]:
    """The learners' current (or average) strategies as a Markov profile ``(T_i, S, k_i)``."""
    out = []
    for i, lr in enumerate(learners):
        arr = lr.average_strategy() if average else lr.current_strategy()
        T, S, k = game.n_types[i], game.n_states, game.n_actions[i]
        if arr.shape != (T * S, k):
            raise ValueError(
                f"learners[{i}] must hold {T * S} rows (types x states) of {k} actions, "
                f"got {arr.shape}"
            )
        out.append(np.asarray(arr, dtype=np.float64).reshape(T, S, k))
    return out


def markov_self_play(game: StochasticGame, learners: Sequence[Learner], iterations: int) -> None:
    """Run ``iterations`` simultaneous full-information updates (each learner observes
    :func:`markov_action_values` against the current profile, reshaped to ``(T_i · S, k_i)``)."""
    game = _check_discounted(game)
    if len(learners) != game.n_players:
        raise ValueError(f"learners needs one learner per player ({game.n_players})")
    if isinstance(iterations, bool) or not isinstance(iterations, int) or iterations < 0:
        raise ValueError(f"iterations must be a non-negative integer, got {iterations!r}")
    for _ in range(iterations):
        prof = markov_profile(game, learners)
        values = [markov_action_values(game, i, prof) for i in range(game.n_players)]
        for lr, v in zip(learners, values):
            lr.observe(v.reshape(-1, v.shape[-1]))
