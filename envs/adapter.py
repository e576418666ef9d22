"""The adapter between a game and the environments that play it: sizes, context draws, rewards.

:class:`GameAdapter` reads everything from the game's :class:`~powergames.games.base.Game` protocol
(no branching on the game's class) and adds what playing needs: drawing contexts from one generator
in a fixed order (MATH.md §1–2: the hidden state ``X`` once per episode, a type profile every round,
nothing for a normal-form game), one dense reward table for small games, and whether the players
are interchangeable (the default of the environments' agent indicator).
"""

from __future__ import annotations

import bisect
import math

import numpy as np
import numpy.typing as npt

from powergames.games.base import Game, check_game

__all__ = ["DENSE_MAX_ENTRIES", "GameAdapter", "adapt", "game_kind"]

#: Largest dense reward table (``n_contexts · Π k_i · n_players`` floats) built for fast indexing.
DENSE_MAX_ENTRIES = 1 << 22


def game_kind(game: Game) -> str:
    """``"bayesian"``, ``"symmetric"``, ``"unit_sum"`` or ``"normal_form"``, read from the protocol.

    A game with per-type strategies is ``"bayesian"``; otherwise one in count form ``"symmetric"``;
    otherwise a unit-sum game ``"unit_sum"`` and anything else ``"normal_form"``.
    """
    if game.per_type:
        return "bayesian"
    if game.count_form:
        return "symmetric"
    return "unit_sum" if game.is_unit_sum else "normal_form"


class GameAdapter:
    """What an environment needs of a game, read once from its :class:`~powergames.games.base.Game` protocol.

    It adds to the game what playing it needs: drawing contexts from one generator in a fixed order,
    and (for small games) one dense reward table for fast lookups.

    Attributes:
        game: the wrapped game object.
        kind: ``"normal_form"``, ``"unit_sum"``, ``"symmetric"`` or ``"bayesian"`` (from the game's
            ``per_type``, ``count_form`` and ``is_unit_sum``).
        n_players: ``n``.
        n_actions: ``(k_0, …, k_{n-1})``.
        n_types: ``(T_0, …, T_{n-1})`` (all 1 without types).
        context_prior: shape ``(n_contexts,)``: the prior over hidden states ``X`` or over flat
            type profiles (C order of ``BayesianGame.prior``); ``[1.0]`` for a normal-form game.
        context_per_round: whether a new context is drawn every round (types) or once per episode.
        context_types: shape ``(n_contexts, n)``: each player's type in each context.
        context_key: the ``infos`` key of the context (``"state"``, ``"types"`` or ``None``).
        symmetric: whether the game is given in symmetric count form.
    """

    def __init__(self, game: Game) -> None:
        contexts = game.contexts
        self.game = game
        self.kind = game_kind(game)
        self.n_actions = tuple(int(k) for k in game.action_sizes)
        self.n_players = len(self.n_actions)
        self.n_types = tuple(int(t) for t in game.type_sizes)
        self.contexts = contexts
        self.context_key = contexts.key
        self.context_per_round = contexts.per_round
        self.symmetric = bool(game.count_form)
        prior = np.asarray(contexts.prior, dtype=np.float64)
        self.context_prior = prior
        self.n_contexts = prior.size
        self.context_types = np.ascontiguousarray(contexts.types)
        self._values = [contexts.value(c) for c in range(self.n_contexts)]
        cdf = np.cumsum(prior)
        cdf /= cdf[-1]
        cdf[int(np.flatnonzero(prior > 0)[-1]) :] = 1.0  # u < 1 never lands on trailing zeros
        self._cdf = cdf
        self._cdf_list = cdf.tolist()
        self.n_joint = math.prod(self.n_actions)
        self.rewards = game.payoffs_at
        self.rewards_batch = game.payoffs_batch

    # -------------------------------------------------------------------- randomness
    def draw_contexts(
        self, rng: np.random.Generator, n_episodes: int, max_cycles: int
    ) -> npt.NDArray[np.int64]:
        """The contexts of ``n_episodes`` consecutive episodes, shape ``(n_episodes, max_cycles)``.

        One uniform per episode (a hidden state) or per round (a type profile), drawn in a single
        ``rng.random`` call in C order, so episode ``b`` of a batch equals the ``b``-th of
        ``n_episodes`` single draws. Nothing is drawn when there is a single context.
        """
        if self.n_contexts == 1:
            return np.zeros((n_episodes, max_cycles), dtype=np.int64)
        if self.context_per_round:
            u = rng.random((n_episodes, max_cycles))
            return np.searchsorted(self._cdf, u, side="right").astype(np.int64)
        u = rng.random((n_episodes, 1))
        ctx = np.searchsorted(self._cdf, u, side="right").astype(np.int64)
        return np.broadcast_to(ctx, (n_episodes, max_cycles))

    def draw_episode(self, rng: np.random.Generator, max_cycles: int) -> list[int]:
        """The contexts of one episode as a list: ``draw_contexts(rng, 1, max_cycles)[0]``, faster.

        Consumes the generator exactly as :meth:`draw_contexts` does for one episode.
        """
        if self.n_contexts == 1:
            return [0] * max_cycles
        if self.context_per_round:  # rng.random(L) draws what rng.random((1, L)) does
            return np.searchsorted(self._cdf, rng.random(max_cycles), side="right").tolist()
        return [bisect.bisect_right(self._cdf_list, rng.random())] * max_cycles

    def context_value(self, ctx: int) -> int | tuple[int, ...] | None:
        """The ``infos`` value of context ``ctx`` (an ``int`` state, a tuple of types or ``None``)."""
        return self._values[int(ctx)]

    # -------------------------------------------------------------------- rewards
    def dense_table(self, max_entries: int = DENSE_MAX_ENTRIES) -> npt.NDArray[np.float64] | None:
        """All rewards as one array ``(n_contexts, Π k_i, n)`` (joint actions in C order), or ``None`` if too big."""
        if self.n_contexts * self.n_joint * self.n_players > max_entries:
            return None
        profiles = np.indices(self.n_actions).reshape(self.n_players, -1).T.astype(np.int64)
        out = np.empty((self.n_contexts, self.n_joint, self.n_players))
        for c in range(self.n_contexts):
            out[c] = self.rewards_batch(np.full(self.n_joint, c, dtype=np.int64), profiles)
        return out

    # -------------------------------------------------------------------- roles
    def players_interchangeable(self) -> bool:
        """Whether every permutation of the players leaves the game unchanged (a symmetric game).

        ``True`` for a game in count form; otherwise checked on the dense reward table for games
        without types: equal action counts and ``u_{π(i)}(π a) = u_i(a)`` (to 1e-12) for a
        transposition and an ``n``-cycle, which generate every permutation. ``False`` when it
        cannot be told cheaply (players with types, or no dense table), so callers that use it to
        decide whether agents need to know their role err on the side of telling them.
        """
        if self.symmetric or self.n_players == 1:
            return True
        if len(set(self.n_actions)) != 1 or max(self.n_types) > 1:
            return False
        table = self.dense_table()
        if table is None:
            return False
        n = self.n_players
        u = np.moveaxis(table.reshape(self.n_contexts, *self.n_actions, n), -1, 1)
        for perm in ([1, 0, *range(2, n)], [*range(1, n), 0]):
            moved = np.transpose(u[:, perm], (0, 1, *(2 + np.asarray(perm))))
            if not np.allclose(moved, u, rtol=0.0, atol=1e-12):
                return False
        return True

    def __repr__(self) -> str:
        return f"GameAdapter({self.game!r})"


def adapt(game: object) -> GameAdapter:
    """The adapter for ``game`` (any object offering the :class:`~powergames.games.base.Game` protocol).

    Raises:
        TypeError: ``game`` is not a game.
    """
    if isinstance(game, GameAdapter):
        return game
    return GameAdapter(check_game("game", game))
