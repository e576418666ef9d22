"""The game builders behind the registered ids: plain (JSON-able) keyword arguments → a game.

Each takes only numbers, strings and nested lists, so an id with its keyword arguments can be
written in a YAML config and rebuilt exactly. What a builder accepts is checked on the game's
:class:`~powergames.games.base.Game` protocol (:func:`~powergames.envs.adapter.game_kind`), never
on its class.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from powergames.envs.adapter import game_kind
from powergames.games.base import Game, check_game
from powergames.games.bayesian import BayesianGame, as_bayesian
from powergames.games.checks import as_float_array, check_distribution, check_positive_int
from powergames.games.io import resolve_game
from powergames.games.normal_form import NormalFormGame
from powergames.games.symmetric import majority_game, random_symmetric_unit_sum_game
from powergames.games.unit_sum import UnitSumGame

__all__ = [
    "any_game",
    "bayesian",
    "majority",
    "normal_form_game",
    "symmetric_unit_sum",
    "unit_sum",
]


def normal_form_game(
    game: str = "matching_pennies",
    game_kwargs: Mapping[str, Any] | None = None,
    payoffs: Any = None,
) -> Game:
    """A named game of the library (or a game file), or explicit ``payoffs`` (nested lists)."""
    if payoffs is not None:
        return NormalFormGame(as_float_array("payoffs", payoffs))
    out = any_game(game, game_kwargs)
    if game_kind(out) != "normal_form":
        raise ValueError(
            f"game {game!r} is a {type(out).__name__}, not a normal-form game; use "
            "'powergames/game-v0' for any game"
        )
    return out


def any_game(game: str = "matching_pennies", game_kwargs: Mapping[str, Any] | None = None) -> Game:
    """Any named game of the library or any game file."""
    if game_kwargs is None:
        game_kwargs = {}
    if not isinstance(game_kwargs, Mapping) or not all(isinstance(k, str) for k in game_kwargs):
        raise TypeError(
            "game_kwargs must be a mapping of keyword arguments (names to values), got "
            f"{type(game_kwargs).__name__}"
        )
    return check_game("game", resolve_game(game, **game_kwargs))


def majority(n_players: int = 5, n_actions: int = 3) -> Game:
    """The majority game of Theorem 1 (symmetric count form)."""
    return majority_game(n_players, n_actions)


#: Largest random dense unit-sum game (shares) built by :func:`unit_sum`.
MAX_RANDOM_ENTRIES = 1 << 25


def symmetric_unit_sum(
    n_players: int = 3, n_actions: int = 2, n_states: int = 2, seed: int = 0, spread: float = 2.0
) -> Game:
    """A random symmetric unit-sum game drawn with ``np.random.default_rng(seed)``."""
    return random_symmetric_unit_sum_game(
        n_players, n_actions, n_states, np.random.default_rng(_seed(seed)), spread=spread
    )


def _seed(seed: Any) -> int:
    return check_positive_int("seed", seed, minimum=0)


def unit_sum(
    shares: Any = None,
    prior: Any = None,
    game: str | None = None,
    n_players: int = 2,
    n_actions: int = 2,
    n_states: int | None = None,
    seed: int = 0,
) -> Game:
    """A dense unit-sum game: explicit ``shares`` (+ ``prior``), a game file, or a random one.

    The random game draws, with ``np.random.default_rng(seed)``, the shares at every ``(x, a)``
    from a flat Dirichlet over the players and, unless ``prior`` is given, the prior from a flat
    Dirichlet over states. ``n_states`` defaults to ``len(prior)`` when a prior is given, else 2.

    Raises:
        ValueError: ``prior`` beside a game file, ``n_states`` that disagrees with ``prior``, or a
            random game larger than ``MAX_RANDOM_ENTRIES`` shares (the message gives its size).
    """
    if shares is not None:
        return UnitSumGame(as_float_array("shares", shares), prior)
    if game is not None:
        if prior is not None:
            raise ValueError("prior applies to explicit or random shares, not to a game file")
        out = check_game("game", resolve_game(game))
        if game_kind(out) != "unit_sum":
            raise ValueError(f"game {game!r} is a {type(out).__name__}, not a dense unit-sum game")
        return out
    n = check_positive_int("n_players", n_players)
    k = check_positive_int("n_actions", n_actions)
    p = None if prior is None else check_distribution("prior", prior)
    if n_states is None:
        s = 2 if p is None else int(p.shape[0])
    else:
        s = check_positive_int("n_states", n_states)
        if p is not None and p.shape[0] != s:
            raise ValueError(f"prior has {p.shape[0]} entries but n_states={s}")
    entries = s * n * k**n
    if entries > MAX_RANDOM_ENTRIES:
        raise ValueError(
            f"a random unit-sum game with n_players={n}, n_actions={k}, n_states={s} has "
            f"{entries:,} shares (n_states * n * k**n), more than {MAX_RANDOM_ENTRIES:,}; use the "
            "symmetric count form (powergames/symmetric-unit-sum-v0) for many players"
        )
    rng = np.random.default_rng(_seed(seed))
    draws = rng.dirichlet(np.ones(n), size=(s, *(k,) * n))  # (s, k, …, k, n)
    return UnitSumGame(np.moveaxis(draws, -1, 1), rng.dirichlet(np.ones(s)) if p is None else p)


def bayesian(
    game: str = "bayesian_coordination",
    game_kwargs: Mapping[str, Any] | None = None,
    prior: Any = None,
    rewards: Any = None,
) -> Game:
    """A Bayesian game: explicit ``prior`` and ``rewards`` (nested lists), a named game or a file.

    A normal-form game is converted with :func:`~powergames.games.bayesian.as_bayesian` (one type
    per player).
    """
    if prior is not None or rewards is not None:
        if prior is None or rewards is None:
            raise ValueError("a Bayesian game needs both 'prior' and 'rewards'")
        if not isinstance(rewards, list | tuple):
            raise TypeError(
                f"rewards must be a list with one array per player, got {type(rewards).__name__}"
            )
        return BayesianGame(
            as_float_array("prior", prior),
            tuple(as_float_array(f"rewards[{i}]", r) for i, r in enumerate(rewards)),
        )
    out = any_game(game, game_kwargs)
    kind = game_kind(out)
    if kind == "normal_form":
        return as_bayesian(out)
    if kind != "bayesian":
        raise ValueError(f"game {game!r} is a {type(out).__name__}, not a Bayesian game")
    return out
