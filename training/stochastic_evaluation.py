"""Evaluation of stochastic games (MATH.md §5), beside :mod:`powergames.training.evaluators`.

* :func:`evaluate_stochastic_power` — POWER per player and type from ``μ_0``, achieved values, the
  scarcity gap ``ΣPOWER − c/(1 − γ)`` and NashConv at a Markov profile;
* :func:`evaluate_stochastic_shares` — exact coalition shares of Markov coalition policies in a
  stochastic unit-sum game;
* :func:`power_case_metrics` — the game's best- and worst-case POWER per player (MATH.md §2, §5),
  for every game the power evaluator sees, computed once per game object.

The evaluators in :mod:`powergames.training.evaluators` hand stochastic games to these functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from powergames.theory.alignment import as_normal_form
from powergames.theory.game_cache import GameCache

__all__ = [
    "evaluate_stochastic_power",
    "evaluate_stochastic_shares",
    "is_stochastic",
    "power_case_metrics",
]


def is_stochastic(game: Any) -> bool:
    """Whether ``game`` is a stochastic game (MATH.md §5), whose strategies are Markov."""
    from powergames.games.stochastic import StochasticGame, StochasticUnitSumGame

    return isinstance(game, StochasticGame | StochasticUnitSumGame)


def evaluate_stochastic_power(
    game: Any, profile: Sequence[npt.ArrayLike], prefix: str = "power"
) -> dict[str, float]:
    """POWER, achieved values, the scarcity gap and NashConv at a Markov profile (MATH.md §5).

    Exact (linear solves and value iteration; the belief MDP where strategies reveal types), by
    :func:`powergames.theory.stochastic_power.stochastic_power_report`, from ``μ_0``. A unit-sum
    game is evaluated with ``X`` integrated out (``as_stochastic``: constant-sum, ``c = 1``).

    Args:
        game: a ``StochasticGame`` with a type table, or a ``StochasticUnitSumGame``.
        profile: per player ``(T_i, S, k_i)`` (or ``(S, k_i)``, or the learners' ``(T_i · S,
            k_i)`` tables with rows ``t · S + s``) Markov strategies.
        prefix: metric group name.

    Returns:
        ``<prefix>/p<i>`` (POWER from ``μ_0``), ``<prefix>/p<i>/t<t>`` (``E_{s∼μ_0} max_π
        f_i(t, π, σ_{−i}; s)`` per type, when ``T_i > 1``), ``<prefix>/achieved/p<i>``,
        ``<prefix>/sum``, ``<prefix>/nash_conv`` and for a constant-sum game ``<prefix>/c`` (the
        per-step ``c``), ``<prefix>/c_total`` (``c/(1 − γ)`` or ``c·H``) and
        ``<prefix>/sum_minus_c`` (``ΣPOWER − c_total``, equal to NashConv).
    """
    from powergames.agents.markov_play import markov_shaped
    from powergames.games.stochastic import StochasticUnitSumGame
    from powergames.theory.stochastic_power import stochastic_power_report

    g = game.as_stochastic() if isinstance(game, StochasticUnitSumGame) else game
    report = stochastic_power_report(g, markov_shaped(g, profile))
    out: dict[str, float] = {}
    for i in range(g.n_players):
        out[f"{prefix}/p{i}"] = float(report.power[i])
        tp = np.asarray(report.type_power[i], dtype=np.float64)
        if tp.shape[0] > 1:
            for t, v in enumerate(tp @ g.initial):
                out[f"{prefix}/p{i}/t{t}"] = float(v)
        out[f"{prefix}/achieved/p{i}"] = float(report.achieved[i])
    total = float(np.sum(report.power))
    out[f"{prefix}/sum"] = total
    if report.constant_sum is not None and report.scarcity_gap is not None:
        out[f"{prefix}/c"] = float(report.constant_sum)
        out[f"{prefix}/c_total"] = float(report.constant_sum) * float(g.total_weight)
        out[f"{prefix}/sum_minus_c"] = float(report.scarcity_gap)
    out[f"{prefix}/nash_conv"] = float(report.nash_conv)
    return out


#: Best- and worst-case POWER are properties of the game: computed once per game object.
_POWER_CASES = GameCache()


def power_case_metrics(game: Any) -> dict[str, float]:
    """The seed's other two POWER cases, per player: ``power/best_case/p<i>`` (the others play
    for ``i``) and ``power/worst_case/p<i>`` (they jointly play against ``i``), MATH.md §2
    (Bayesian and normal-form games, by :func:`~powergames.theory.power_cases.bayesian_power_cases`)
    and §5 (stochastic games with a type table, from ``μ_0``, by
    :func:`~powergames.theory.power_cases.stochastic_power_cases`). POWER at any profile lies
    between them. Computed once per game object; ``{}`` for games without a finite type table.
    """
    from powergames.games.stochastic import StochasticGame, StochasticUnitSumGame
    from powergames.theory.power_cases import bayesian_power_cases, stochastic_power_cases

    def build() -> dict[str, float]:
        if isinstance(game, StochasticUnitSumGame):
            g: Any = game.as_stochastic()
        else:
            g = game
        if isinstance(g, StochasticGame):
            if not g.has_types_table:
                return {}
            cases = stochastic_power_cases(g)
        else:
            cases = bayesian_power_cases(g if g.per_type else as_normal_form(g))
        out: dict[str, float] = {}
        for i in range(len(cases.best)):
            out[f"power/best_case/p{i}"] = float(cases.best[i])
            out[f"power/worst_case/p{i}"] = float(cases.worst[i])
        return out

    return dict(_POWER_CASES.get(game, "power_case_metrics", build))


def evaluate_stochastic_shares(
    game: Any, coalitions: Sequence[Sequence[int]], policies: Sequence[npt.ArrayLike]
) -> dict[str, float]:
    """Exact coalition shares of Markov coalition policies in a stochastic unit-sum game (MATH.md
    §5), normalised by ``W = 1/(1 − γ)`` (or ``H``) so that they sum to 1 over the coalitions.

    Args:
        game: a ``StochasticUnitSumGame``.
        coalitions: a partition of the players.
        policies: per coalition a Markov policy ``(S, k_{c_0}, …)`` (a one-player coalition's
            ``(1 · S, k)`` learner table is the same array).

    Returns:
        ``share/c<j>/x<x>`` (per hidden ``x``, from ``μ_0``), ``share/c<j>/mean`` (prior mean),
        ``share/c<j>/min_x`` and ``share/c<j>/fair``.
    """
    from powergames.theory.stochastic_coalitions import stochastic_coalition_values

    vals = stochastic_coalition_values(
        game, [list(c) for c in coalitions], [np.asarray(p, dtype=np.float64) for p in policies]
    )
    norm = np.asarray(vals.normalised, dtype=np.float64)  # (n_x, m)
    out: dict[str, float] = {}
    for j, members in enumerate(coalitions):
        for x in range(norm.shape[0]):
            out[f"share/c{j}/x{x}"] = float(norm[x, j])
        out[f"share/c{j}/mean"] = float(game.x_prior @ norm[:, j])
        out[f"share/c{j}/min_x"] = float(norm[:, j].min())
        out[f"share/c{j}/fair"] = len(members) / game.n_players
    return out
