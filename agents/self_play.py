"""Full-information play: learners update on the exact expected payoffs computed from the game.

Each round, every learner ``i`` receives ``values[t, a] = f_i(t, a, σ_{−i})`` — the interim
expected utility of each action for each of its types against the others' *current* strategies
(MATH.md §2; for a normal-form game ``T_i = 1`` and ``f_i(a, σ_{−i}) = Σ_{a_{−i}} u_i(a)
Π_{j≠i} σ_j(a_j)``) — through :meth:`~powergames.agents.learner.Learner.observe`. Updates are
simultaneous (all learners see the same profile) or alternating (player 0 updates, then player 1
against player 0's new strategy, …; one round = one update of every player).

Games: a ``NormalFormGame``; a ``UnitSumGame`` or ``SymmetricUnitSumGame`` (``X`` is unobserved, so
it is integrated out under the prior: the game played is ``UnitSumGame.as_normal_form()``); a
``BayesianGame`` (values from :func:`powergames.theory.bayesian_power.interim_utility`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

from powergames.agents.learner import Learner
from powergames.games.base import Game, check_game
from powergames.games.checks import check_positive_int
from powergames.games.normal_form import NormalFormGame, contract_profile


def _as_playable(game: Game) -> Game:
    """The game whose payoffs the learners see: a Bayesian game as it is (strategies per type),
    any other game with its hidden part integrated out (``as_normal_form``)."""
    game = check_game("game", game)
    return game if game.per_type else game.as_normal_form()


def action_values(
    game: Game, player: int, profile: Sequence[npt.NDArray[np.float64]]
) -> npt.NDArray[np.float64]:
    """Expected payoff of each action of ``player`` per type against ``profile``'s others.

    Args:
        game: a game accepted by :func:`full_information_play`.
        player: ``i``.
        profile: one strategy per player: ``(T_j, k_j)`` arrays (``T_j = 1`` in a normal-form game).

    Returns:
        Shape ``(T_i, k_i)``: ``f_i(t_i, a_i, σ_{−i})``; in a stochastic game (strategies
        ``(T_j · S, k_j)``, rows ``t · S + s``) the Markov action values
        :func:`~powergames.agents.markov_play.markov_action_values`, shape ``(T_i · S, k_i)``.
    """
    from powergames.games.stochastic import StochasticGame, StochasticUnitSumGame

    if isinstance(game, StochasticGame | StochasticUnitSumGame):  # Markov: rows t · S + s
        from powergames.agents.markov_play import markov_action_values, markov_shaped

        sg = game.as_stochastic() if isinstance(game, StochasticUnitSumGame) else game
        q = markov_action_values(sg, player, markov_shaped(sg, profile))
        return q.reshape(-1, q.shape[-1])
    g = _as_playable(game)
    if isinstance(g, NormalFormGame):
        others = [np.asarray(profile[j]).reshape(-1) for j in range(g.n_players) if j != player]
        u = np.moveaxis(g.payoffs[player], player, 0)
        return contract_profile(u, others)[None, :]
    from powergames.theory.bayesian_power import interim_utility

    return np.asarray(
        interim_utility(g, player, [np.asarray(s) for s in profile]), dtype=np.float64
    )


def learner_profile(
    learners: Sequence[Learner], *, average: bool = False, squeeze: bool = False
) -> list[npt.NDArray[np.float64]]:
    """The learners' current (or average) strategies as a profile.

    Args:
        learners: one learner per player.
        average: the time-averaged strategies instead of the current ones.
        squeeze: drop the type axis of single-type players (``(k_i,)`` arrays, the normal-form
            profile convention) instead of returning ``(T_i, k_i)``.
    """
    out = [lrn.average_strategy() if average else lrn.current_strategy() for lrn in learners]
    if squeeze:
        out = [s[0] if s.shape[0] == 1 else s for s in out]
    return out


def full_information_play(
    game: Game,
    learners: Sequence[Learner],
    iterations: int,
    *,
    alternating: bool = False,
    callback: Callable[[int, Sequence[Learner]], bool | None] | None = None,
) -> int:
    """Run ``iterations`` rounds of full-information learning.

    Args:
        game: the game (see the module docstring).
        learners: one :class:`~powergames.agents.learner.Learner` per player, with matching action
            and type counts.
        iterations: rounds to play.
        alternating: update players one after another instead of simultaneously.
        callback: called as ``callback(round, learners)`` after every round; returning ``False``
            stops early.

    Returns:
        The number of rounds played.

    Raises:
        ValueError: if the learners do not match the game's players, actions or types.
    """
    g = _as_playable(game)
    iterations = check_positive_int("iterations", iterations, minimum=0)
    if len(learners) != g.n_players:
        raise ValueError(
            f"learners must have one entry per player ({g.n_players}), got {len(learners)}"
        )
    types, sizes = g.type_sizes, g.action_sizes
    for i, lrn in enumerate(learners):
        if not isinstance(lrn, Learner):
            raise TypeError(f"learners[{i}] must be a Learner, got {type(lrn).__name__}")
        if lrn.action_shape != (sizes[i],) or lrn.n_types != types[i]:
            raise ValueError(
                f"learners[{i}] has {lrn.n_types} type(s) x {lrn.action_shape} actions; player {i} "
                f"has {types[i]} x ({sizes[i]},)"
            )
    n = g.n_players
    if isinstance(g, NormalFormGame):  # hot loop: payoff axes moved once, no re-validation
        moved = [np.moveaxis(g.payoffs[i], i, 0) for i in range(n)]

        def values_of(i: int) -> npt.NDArray[np.float64]:
            others = [learners[j]._current[0] for j in range(n) if j != i]
            return contract_profile(moved[i], others)[None, :]
    else:

        def values_of(i: int) -> npt.NDArray[np.float64]:
            return action_values(g, i, learner_profile(learners))

    for r in range(1, iterations + 1):
        if alternating:
            for i, lrn in enumerate(learners):
                lrn._observe(values_of(i))
        else:
            values = [values_of(i) for i in range(n)]
            for lrn, v in zip(learners, values):
                lrn._observe(v)
        if callback is not None and callback(r, learners) is False:
            return r
    return iterations
