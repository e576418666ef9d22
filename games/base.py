"""The protocol every game class offers, so that no caller branches on the game's class.

A game is played round by round: a hidden *context* is drawn (nothing for a normal-form game, the
state ``X`` once per episode for a unit-sum game, a type profile every round for a Bayesian game,
MATH.md §1–2), then every player picks an action and receives its payoff. :class:`Game` names what
environments, evaluators and the exact computations need to know about any game:

* sizes: ``n_players``, ``action_sizes`` ``(k_0, …, k_{n-1})``, ``type_sizes`` ``(T_0, …, T_{n-1})``;
* facts: ``per_type`` (strategies are ``(T_i, k_i)`` arrays), ``is_unit_sum`` (payoffs are shares
  of one unit), ``count_form`` (stored over count vectors);
* the hidden part: ``contexts`` (a :class:`Contexts`);
* payoffs at pure joint actions: :meth:`Game.payoffs_at`, :meth:`Game.payoffs_batch`;
* a conversion: :meth:`Game.as_normal_form`, where the hidden part can be integrated out
  (every game is also a Bayesian game: :func:`powergames.games.bayesian.as_bayesian`).

The modules import one way: ``base ← normal_form ← unit_sum ← symmetric`` and
``normal_form ← bayesian``; no game module imports a module that imports it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from powergames.games.checks import frozen

if TYPE_CHECKING:  # annotations only: bayesian.py imports this module
    from powergames.games.normal_form import NormalFormGame

__all__ = ["MAX_CONTEXT_PAYOFFS", "Contexts", "Game", "check_game", "context_payoffs"]

#: Largest tensor (entries ``n_contexts · n · Π_i k_i``) :func:`context_payoffs` builds.
MAX_CONTEXT_PAYOFFS = 2**27


@dataclass(frozen=True, eq=False)
class Contexts:
    """The hidden part of a game, drawn by whoever plays it (nobody observes it).

    Attributes:
        prior: shape ``(n_contexts,)``, the distribution contexts are drawn from: ``[1.0]`` for a
            normal-form game, the prior over ``X`` for a unit-sum game, the joint type prior
            flattened in C order for a Bayesian game.
        per_round: ``True`` if a new context is drawn every round (types), ``False`` if once per
            episode (a hidden state).
        key: the name of the context in an environment's ``infos``: ``"state"``, ``"types"`` or
            ``None`` (no context).
        types: shape ``(n_contexts, n_players)``, int64: each player's own type in each context
            (all zero in a game without types).
    """

    prior: npt.NDArray[np.float64]
    per_round: bool
    key: str | None
    types: npt.NDArray[np.int64]

    def __post_init__(self) -> None:
        object.__setattr__(self, "prior", frozen(self.prior))
        object.__setattr__(self, "types", frozen(self.types))

    @property
    def n_contexts(self) -> int:
        """The number of contexts."""
        return int(self.prior.shape[0])

    def value(self, ctx: int) -> int | tuple[int, ...] | None:
        """What ``infos[key]`` holds for context ``ctx``: the state index, the type profile or ``None``."""
        if self.key == "types":
            return tuple(int(t) for t in self.types[ctx])
        if self.key == "state":
            return int(ctx)
        return None

    @classmethod
    def hidden_state(cls, prior: npt.NDArray[np.float64], n_players: int) -> Contexts:
        """Contexts of a game with a hidden state ``X`` drawn once per episode from ``prior``."""
        types = np.zeros((prior.shape[0], n_players), dtype=np.int64)
        return cls(np.array(prior, dtype=np.float64), False, "state", types)

    @classmethod
    def none(cls, n_players: int) -> Contexts:
        """The single empty context of a game without hidden information."""
        return cls(np.ones(1), False, None, np.zeros((1, n_players), dtype=np.int64))


@runtime_checkable
class Game(Protocol):
    """What every game class of :mod:`powergames.games` offers (see the module docstring)."""

    @property
    def n_players(self) -> int:
        """``n``."""
        ...

    @property
    def action_sizes(self) -> tuple[int, ...]:
        """``(k_0, …, k_{n-1})``: the number of actions of each player."""
        ...

    @property
    def type_sizes(self) -> tuple[int, ...]:
        """``(T_0, …, T_{n-1})``: the number of types of each player (all 1 without types)."""
        ...

    @property
    def per_type(self) -> bool:
        """Whether a strategy is one distribution per type, shape ``(T_i, k_i)``."""
        ...

    @property
    def is_unit_sum(self) -> bool:
        """Whether payoffs are shares ``s_i ≥ 0`` with ``Σ_i s_i = 1`` (MATH.md §1)."""
        ...

    @property
    def count_form(self) -> bool:
        """Whether the game is stored over count vectors (a symmetric game)."""
        ...

    @property
    def contexts(self) -> Contexts:
        """The hidden part of the game (see :class:`Contexts`)."""
        ...

    def payoffs_at(self, ctx: int, joint: tuple[int, ...]) -> npt.NDArray[np.float64]:
        """Every player's payoff at context ``ctx`` and pure joint action ``joint``, shape ``(n,)``.

        Unchecked (a hot path): ``ctx`` and ``joint`` must be valid.
        """
        ...

    def payoffs_batch(
        self, ctx: npt.NDArray[np.int64], actions: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.float64]:
        """Payoffs for a batch: ``ctx`` shape ``(B,)``, ``actions`` shape ``(B, n)`` → ``(B, n)``.

        Unchecked (a hot path): every entry must be valid.
        """
        ...

    def as_normal_form(self) -> NormalFormGame:
        """The normal-form game with the hidden part integrated out under its prior.

        Raises:
            ValueError: if players have types (a Bayesian game with some ``T_i > 1``).
        """
        ...


#: Classes already seen to offer the protocol.
_GAME_CLASSES: set[type] = set()


def check_game(name: str, game: object) -> Game:
    """Require a game object (anything offering the :class:`Game` protocol).

    Raises:
        TypeError: naming ``name`` and the type received.
    """
    cls = type(game)
    if cls in _GAME_CLASSES:  # a structural isinstance check costs microseconds: once per class
        return game  # type: ignore[return-value]
    if not isinstance(game, Game):
        raise TypeError(
            f"{name} must be a game (NormalFormGame, UnitSumGame, SymmetricUnitSumGame or "
            f"BayesianGame), got {type(game).__name__}"
        )
    _GAME_CLASSES.add(cls)
    return game


def context_payoffs(game: Game, max_entries: int = MAX_CONTEXT_PAYOFFS) -> npt.NDArray[np.float64]:
    """Every player's payoff at every context and pure joint action, read through the protocol.

    The share tensor ``s_i(x, a)`` of a unit-sum game, ``u_i(a)`` (one context) of a normal-form
    game, ``r_i(t_i, a)`` per type profile ``t`` of a Bayesian game (MATH.md §1–2).

    Args:
        game: any game.
        max_entries: refuse larger tensors.

    A class that stores this tensor (normal-form and dense unit-sum games) offers it as
    ``context_payoff_tensor()`` and it is returned as stored (read-only, no copy); any other game
    is read through ``payoffs_batch``.

    Returns:
        Shape ``(n_contexts, n, k_0, …, k_{n-1})``.

    Raises:
        ValueError: more than ``max_entries`` entries (the message gives the size).
    """
    ks = game.action_sizes
    n, n_ctx = game.n_players, game.contexts.n_contexts
    size = n_ctx * n * math.prod(ks)
    if size > max_entries:
        raise ValueError(
            f"the payoffs of {n} players with actions {ks} over {n_ctx} contexts have {size:.3g} "
            f"entries, more than max_entries={max_entries}"
        )
    stored = getattr(game, "context_payoff_tensor", None)
    if stored is not None:  # a dense class hands out the (read-only) tensor it already holds
        return stored()
    profiles = np.indices(ks).reshape(n, -1).T
    out = np.empty((n_ctx, n, len(profiles)))
    for x in range(n_ctx):
        out[x] = game.payoffs_batch(np.full(len(profiles), x, dtype=np.int64), profiles).T
    return out.reshape((n_ctx, n, *ks))
