"""Bayesian games: a common prior over type profiles and rewards ``r_i(t_i, a)`` (MATH.md §2).

At the start each player ``i`` is dealt a private type ``t_i ∈ T_i``; the type profile ``t`` is drawn
from the common-knowledge joint prior ``Ω`` (types may be correlated). Players then choose actions
simultaneously and player ``i`` receives ``r_i(t_i, a)`` — its reward depends on its own type and on
everybody's action.

Constant-sum and common-payoff are properties of the game *on the support of the prior*: the seed's
proof only ever takes expectations over ``t``, and with every type profile counted (a full-support
product) ``Σ_i r_i(t_i, a) = c`` would force every ``r_i`` to ignore the types altogether. A fact worth
knowing when building such games: with two players, every connected component of the support graph
(types joined when ``Ω(t_0, t_1) > 0``) shares one reward function per player, so the
payoff-relevant part of the types is common knowledge between the two; :func:`random_bayesian_game`
builds its constant-sum and common-payoff games this way (a latent state every type reveals, with
correlated, payoff-irrelevant detail inside each state).

Slightly over ~500 lines: the class with its Game protocol methods, and the named Bayesian games and random generator that are built from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from powergames.games.base import Contexts, check_game
from powergames.games.checks import (
    as_float_array,
    check_distribution,
    check_positive_int,
    check_profile,
    check_real,
    check_rng,
    frozen,
    payoff_tol,
)
from powergames.games.normal_form import NormalFormGame

#: Largest number of (type profile × action profile) entries a support check handles per chunk.
_CHUNK = 1 << 22


@dataclass(frozen=True)
class BayesianGame:
    """An n-player Bayesian game with a common prior and type-dependent rewards.

    Args:
        prior: shape ``(T_0, …, T_{n-1})``; ``prior[t] = Ω(t)``, a joint distribution over type
            profiles (correlated types allowed, entries may be 0).
        rewards: a sequence of ``n`` arrays, ``rewards[i]`` of shape ``(T_i, k_0, …, k_{n-1})`` with
            ``rewards[i][t_i, a_0, …, a_{n-1}] = r_i(t_i, a)``.

    Attributes:
        n_players: ``n``.
        n_types: ``(T_0, …, T_{n-1})``.
        n_actions: ``(k_0, …, k_{n-1})``.
        type_marginals: tuple of ``(T_i,)`` read-only arrays, ``Ω_i(t_i) = Σ_{t_{-i}} Ω(t)``.
        type_support: tuple of ``(T_i,)`` read-only bool arrays, ``Ω_i(t_i) > 0``. A type of probability 0 is
            allowed; its posterior is undefined (:meth:`posterior` raises) and it does not enter
            POWER (see :func:`powergames.theory.bayesian_power.interim_utility` for how it is reported).

    Raises:
        ValueError: shapes that disagree (the message names the array and the expected shape), a
            non-finite reward, or a prior that is not a distribution.
        TypeError: rewards not a sequence of arrays.
    """

    prior: npt.NDArray[np.float64]
    rewards: tuple[npt.NDArray[np.float64], ...]
    n_players: int = field(init=False)
    n_types: tuple[int, ...] = field(init=False)
    n_actions: tuple[int, ...] = field(init=False)
    type_marginals: tuple[npt.NDArray[np.float64], ...] = field(
        init=False, repr=False, compare=False
    )
    type_support: tuple[npt.NDArray[np.bool_], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        rewards = self.rewards
        if isinstance(rewards, np.ndarray) or not isinstance(rewards, Sequence):
            raise TypeError(
                "rewards must be a sequence with one array per player (shape (T_i, k_0, ..., "
                f"k_{{n-1}})), got {type(rewards).__name__}"
            )
        n = len(rewards)
        if n < 1:
            raise ValueError("rewards must hold at least one player's array")
        arrays = [as_float_array(f"rewards[{i}]", r) for i, r in enumerate(rewards)]
        for i, r in enumerate(arrays):
            if r.ndim != n + 1:
                raise ValueError(
                    f"rewards[{i}] must have shape (T_{i}, k_0, ..., k_{n - 1}) with {n + 1} axes "
                    f"for {n} players; got shape {r.shape}"
                )
        n_actions = arrays[0].shape[1:]
        if any(k < 1 for k in n_actions):
            raise ValueError(f"every player needs at least one action, got n_actions={n_actions}")
        for i, r in enumerate(arrays):
            if r.shape[1:] != n_actions:
                raise ValueError(
                    f"rewards[{i}] has action axes {r.shape[1:]}, but rewards[0] has {n_actions}"
                )
            if r.shape[0] < 1:
                raise ValueError(f"rewards[{i}] needs at least one type, got shape {r.shape}")
        n_types = tuple(r.shape[0] for r in arrays)
        prior = check_distribution("prior", self.prior, shape=n_types)
        marginals = []
        support = []
        for i in range(n):
            m = prior.sum(axis=tuple(j for j in range(n) if j != i)) if n > 1 else prior.copy()
            m = np.asarray(m, dtype=np.float64).reshape(n_types[i])
            m = frozen(m)
            s = m > 0
            s = frozen(s)
            marginals.append(m)
            support.append(s)
        object.__setattr__(self, "prior", prior)
        object.__setattr__(self, "rewards", tuple(arrays))
        object.__setattr__(self, "n_players", n)
        object.__setattr__(self, "n_types", n_types)
        object.__setattr__(self, "n_actions", tuple(int(k) for k in n_actions))
        object.__setattr__(self, "type_marginals", tuple(marginals))
        object.__setattr__(self, "type_support", tuple(support))

    # ------------------------------------------------------------------ the Game protocol
    @property
    def action_sizes(self) -> tuple[int, ...]:
        """``(k_0, …, k_{n-1})``."""
        return self.n_actions

    @property
    def type_sizes(self) -> tuple[int, ...]:
        """``(T_0, …, T_{n-1})``."""
        return self.n_types

    per_type = True
    is_unit_sum = False
    count_form = False

    @property
    def contexts(self) -> Contexts:
        """Type profiles, drawn every round from the prior (flattened in C order)."""
        types = np.indices(self.n_types).reshape(self.n_players, -1).T.astype(np.int64)
        return Contexts(self.prior.reshape(-1).copy(), True, "types", types)

    def payoffs_at(self, ctx: int, joint: tuple[int, ...]) -> npt.NDArray[np.float64]:
        """``r_i(t_i, a)`` for every player at flat type profile ``ctx`` and a pure joint action (unchecked)."""
        t = np.unravel_index(ctx, self.n_types)
        return np.array(
            [self.rewards[i][(int(t[i]),) + tuple(joint)] for i in range(self.n_players)]
        )

    def payoffs_batch(
        self, ctx: npt.NDArray[np.int64], actions: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.float64]:
        """Rewards for a batch: flat type profiles ``(B,)``, joint actions ``(B, n)`` → ``(B, n)`` (unchecked)."""
        types = np.unravel_index(np.asarray(ctx), self.n_types)
        cols = tuple(actions.T)
        return np.stack(
            [self.rewards[i][(types[i],) + tuple(cols)] for i in range(self.n_players)], axis=1
        )

    def as_normal_form(self) -> NormalFormGame:
        """The normal-form game with payoffs ``r_i(0, a)``, for a game where every ``T_i = 1``.

        Raises:
            ValueError: if some player has more than one type (a strategy is then per type and no
                normal-form game has the same strategies).
        """
        if any(t != 1 for t in self.n_types):
            raise ValueError(
                f"only a Bayesian game with one type per player is a normal-form game; this one has "
                f"n_types={self.n_types}"
            )
        return NormalFormGame(np.stack([r[0] for r in self.rewards]))

    @classmethod
    def _one_type(cls, payoffs: npt.NDArray[np.float64]) -> BayesianGame:
        """A validated, read-only ``(n, k_0, …, k_{n-1})`` payoff array as a game with one type each.

        The arrays are shared (views, no copy) and not validated again.
        """
        n = payoffs.shape[0]
        prior = np.ones((1,) * n)
        prior = frozen(prior)
        out = object.__new__(cls)
        one = np.ones(1)
        one = frozen(one)
        yes = np.ones(1, dtype=bool)
        yes = frozen(yes)
        for name, value in (
            ("prior", prior),
            ("rewards", tuple(payoffs[i][None] for i in range(n))),
            ("n_players", n),
            ("n_types", (1,) * n),
            ("n_actions", tuple(int(k) for k in payoffs.shape[1:])),
            ("type_marginals", (one,) * n),
            ("type_support", (yes,) * n),
        ):
            object.__setattr__(out, name, value)
        return out

    # ------------------------------------------------------------------ facts about the game
    def _support_profiles(self) -> npt.NDArray[np.intp]:
        """Type profiles of positive prior probability, shape ``(S, n)``."""
        return np.argwhere(self.prior > 0)

    def _reward_sums_on_support(self) -> Any:
        """Yield ``(profiles, stack)`` chunks: ``stack[s, i, a] = r_i(t^s_i, a)`` on the support."""
        profiles = self._support_profiles()
        per = max(1, _CHUNK // max(1, self.n_players * int(np.prod(self.n_actions))))
        for start in range(0, len(profiles), per):
            chunk = profiles[start : start + per]
            stack = np.stack([self.rewards[i][chunk[:, i]] for i in range(self.n_players)], axis=1)
            yield chunk, stack

    @property
    def scale_tol(self) -> float:
        """Absolute tolerance for equality facts, relative to the rewards' scale (:func:`payoff_tol`)."""
        return payoff_tol(*self.rewards)

    def constant_sum_value(self, tol: float | None = None) -> float | None:
        """The constant ``c`` if ``Σ_i r_i(t_i, a) = c`` for every ``a`` and every type profile of
        positive prior probability (within ``tol``), else ``None``.

        Checked in chunks of support profiles, so memory stays bounded whatever the sizes.

        Implements MATH.md (2.6).

        Args:
            tol: absolute tolerance; default :attr:`scale_tol`, so a game and its rescaling agree.
        """
        tol = self.scale_tol if tol is None else tol
        c: float | None = None
        for _, stack in self._reward_sums_on_support():
            total = stack.sum(axis=1)
            if c is None:
                c = float(total.flat[0])
            if np.any(np.abs(total - c) > tol):
                return None
        return c

    @property
    def is_constant_sum(self) -> bool:
        """Whether the game is constant-sum on the support of the prior (a checked fact)."""
        return self.constant_sum_value() is not None

    @property
    def is_common_payoff(self) -> bool:
        """Whether ``r_i(t_i, a) = r_j(t_j, a)`` for all players, actions and support profiles."""
        tol = self.scale_tol
        for _, stack in self._reward_sums_on_support():
            if np.any(np.abs(stack - stack[:, :1]) > tol):
                return False
        return True

    def best_case_power(self) -> npt.NDArray[np.float64]:
        """``E_{t_i}[max_a r_i(t_i, a)]`` per player: POWER if everyone else served player ``i``.

        Implements MATH.md (2.8).

        Returns:
            Shape ``(n_players,)``; an upper bound on ``POWER(i, σ)`` for every profile ``σ``.
        """
        out = np.empty(self.n_players)
        for i, r in enumerate(self.rewards):
            best = r.reshape(r.shape[0], -1).max(axis=1)
            out[i] = self.type_marginals[i] @ best
        return out

    # ------------------------------------------------------------------ beliefs and rewards
    def posterior(self, player: int, t_i: int) -> npt.NDArray[np.float64]:
        """The posterior ``Ω(t_{-i} | t_i)``, shape ``(T_j for j ≠ i)``.

        Implements MATH.md (2.1).

        Raises:
            ValueError: if ``t_i`` has prior probability 0 (the posterior is undefined).
        """
        player = self._check_player(player)
        if isinstance(t_i, bool) or not isinstance(t_i, int | np.integer):
            raise TypeError(f"t_i must be an integer type index, got {type(t_i).__name__}")
        if not 0 <= t_i < self.n_types[player]:
            raise ValueError(f"t_i must be in [0, {self.n_types[player]}), got {t_i}")
        p = self.type_marginals[player][t_i]
        if p <= 0:
            raise ValueError(
                f"the posterior of player {player} with type {t_i} is undefined: that type has "
                "prior probability 0"
            )
        return np.take(self.prior, int(t_i), axis=player) / p

    def pure_rewards(self, types: Sequence[int], actions: Sequence[int]) -> npt.NDArray[np.float64]:
        """Rewards ``r_i(t_i, a)`` at a type profile and a pure action profile, shape ``(n,)``."""
        types = self._check_indices("types", types, self.n_types)
        actions = self._check_indices("actions", actions, self.n_actions)
        return np.array(
            [self.rewards[i][(types[i],) + tuple(actions)] for i in range(self.n_players)]
        )

    def validate_profile(
        self, profile: Any, name: str = "profile"
    ) -> list[npt.NDArray[np.float64]]:
        """Check a behaviour profile: a list of ``(T_i, k_i)`` arrays, one distribution per type."""
        return check_profile(name, profile, self.n_actions, per_type=self.n_types)

    def uniform_profile(self) -> list[npt.NDArray[np.float64]]:
        """Every type of every player mixes uniformly: one array of shape ``(T_i, k_i)`` per player."""
        return [np.full((t, k), 1.0 / k) for t, k in zip(self.n_types, self.n_actions)]

    # ------------------------------------------------------------------ helpers
    def _check_player(self, player: Any) -> int:
        if isinstance(player, bool) or not isinstance(player, int | np.integer):
            raise TypeError(f"player must be an integer, got {type(player).__name__}")
        if not 0 <= player < self.n_players:
            raise ValueError(f"player must be in [0, {self.n_players}), got {player}")
        return int(player)

    def _check_indices(self, name: str, values: Sequence[int], sizes: Sequence[int]) -> list[int]:
        if len(values) != self.n_players:
            raise ValueError(
                f"{name} must have one entry per player ({self.n_players}), got {len(values)}"
            )
        out = []
        for i, (v, k) in enumerate(zip(values, sizes)):
            if isinstance(v, bool) or not isinstance(v, int | np.integer) or not 0 <= v < k:
                raise ValueError(f"{name}[{i}] must be an integer in [0, {k}), got {v!r}")
            out.append(int(v))
        return out

    def __repr__(self) -> str:
        return (
            f"BayesianGame(n_players={self.n_players}, n_types={self.n_types}, "
            f"n_actions={self.n_actions})"
        )

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, BayesianGame)
            and np.array_equal(self.prior, other.prior)
            and len(self.rewards) == len(other.rewards)
            and all(np.array_equal(a, b) for a, b in zip(self.rewards, other.rewards))
        )

    def __hash__(self) -> int:
        return hash((self.prior.tobytes(), *(r.tobytes() for r in self.rewards)))


def as_bayesian(game: object) -> BayesianGame:
    """Any game of the package as a :class:`BayesianGame`.

    A ``BayesianGame`` is returned unchanged. Every other game has no types, so it is its normal-form
    game (:meth:`~powergames.games.base.Game.as_normal_form`: a unit-sum game with ``X`` integrated
    out under its prior, a symmetric game through its dense form) with one type per player; the
    payoff arrays are shared, not copied.

    Raises:
        TypeError: if ``game`` is not a game.
    """
    if isinstance(game, BayesianGame):
        return game
    return BayesianGame._one_type(check_game("game", game).as_normal_form().payoffs)


# ---------------------------------------------------------------------- random games
def random_bayesian_game(
    n_types: Sequence[int],
    n_actions: Sequence[int],
    rng: np.random.Generator | int,
    kind: Literal["general", "constant_sum", "common_payoff"] = "general",
    *,
    n_states: int | None = None,
    zero_prob: float = 0.3,
    constant: float | None = None,
) -> BayesianGame:
    """A random Bayesian game with a correlated prior.

    * ``"general"``: the prior is a random (exponential) tensor with each entry zeroed with
      probability ``zero_prob`` (some types may get probability 0); rewards are standard normal.
    * ``"constant_sum"`` / ``"common_payoff"``: a latent state ``x ∈ {0..m-1}`` (``m = n_states``,
      random by default) that every type reveals — type ``t_i`` of player ``i`` belongs to state
      ``s_i(t_i)`` and each state owns at least one type of each player. The prior is a random tensor
      on the profiles whose types agree on the state (correlated, entries zeroed with probability
      ``zero_prob`` but never a whole state), rewards are ``r_i(t_i, a) = R_i(s_i(t_i), a)`` with
      normal ``R`` adjusted so that ``Σ_i R_i(x, a) = c`` (constant-sum; ``c = constant`` or a random
      normal) or ``R_i = R_0`` (common payoff). The properties hold on the support of the prior,
      which is what the theory needs (module docstring).

    Args:
        n_types: ``(T_0, …, T_{n-1})``.
        n_actions: ``(k_0, …, k_{n-1})``.
        rng: a ``numpy.random.Generator`` (or an int seed).
        kind: which class to draw from.
        n_states: the number of latent states for the structured kinds (``1 ≤ m ≤ min T_i``).
        zero_prob: probability that a prior entry is zeroed.
        constant: the constant sum ``c`` for ``"constant_sum"``.

    Returns:
        A :class:`BayesianGame` whose class property is a checked fact.
    """
    rng = check_rng(rng)
    for name, value in (("n_types", n_types), ("n_actions", n_actions)):
        if not isinstance(value, Sequence | np.ndarray) or isinstance(value, str):
            raise TypeError(
                f"{name} must be a sequence with one entry per player, e.g. (2, 3); "
                f"got {type(value).__name__}"
            )
    n_types = tuple(check_positive_int(f"n_types[{i}]", t) for i, t in enumerate(n_types))
    n_actions = tuple(check_positive_int(f"n_actions[{i}]", k) for i, k in enumerate(n_actions))
    n = len(n_types)
    if n < 1 or len(n_actions) != n:
        raise ValueError(
            f"n_types and n_actions must have one entry per player (n >= 1); got {n_types} and "
            f"{n_actions}"
        )
    if not 0 <= zero_prob < 1:
        raise ValueError(f"zero_prob must be in [0, 1), got {zero_prob}")
    if kind == "general":
        prior = rng.exponential(size=n_types) * (rng.random(n_types) >= zero_prob)
        if prior.sum() == 0:
            prior.flat[rng.integers(prior.size)] = 1.0
        rewards = tuple(rng.normal(size=(t, *n_actions)) for t in n_types)
        return BayesianGame(prior / prior.sum(), rewards)
    if kind not in ("constant_sum", "common_payoff"):
        raise ValueError(f"kind must be 'general', 'constant_sum' or 'common_payoff', got {kind!r}")
    max_states = min(n_types)
    if n_states is None:
        m = int(rng.integers(1, max_states + 1))
    else:
        m = check_positive_int("n_states", n_states)
        if m > max_states:
            raise ValueError(f"n_states must be <= min(n_types) = {max_states}, got {m}")
    states = []
    for t in n_types:  # a surjection types -> states
        s = np.concatenate([np.arange(m), rng.integers(0, m, size=t - m)])
        states.append(rng.permutation(s))
    grids = np.meshgrid(*states, indexing="ij")
    consistent = np.all([g == grids[0] for g in grids], axis=0)
    weights = rng.exponential(size=n_types) * consistent
    kept = weights * (rng.random(n_types) >= zero_prob)
    for x in range(m):  # never zero a whole state
        in_x = consistent & (grids[0] == x)
        if kept[in_x].sum() == 0:
            kept[in_x] = weights[in_x]
    prior = kept / kept.sum()
    if kind == "common_payoff":
        base = rng.normal(size=(m, *n_actions))
        table = np.stack([base] * n, axis=1)
    else:
        c = float(rng.normal()) if constant is None else float(constant)
        table = rng.normal(size=(m, n, *n_actions))
        table[:, -1] = c - table[:, :-1].sum(axis=1)
    rewards = tuple(table[states[i], i] for i in range(n))
    return BayesianGame(prior, rewards)


# ---------------------------------------------------------------------- named games
def bayesian_matching_pennies(p_flip: float = 0.25) -> BayesianGame:
    """Matching pennies where the matcher's private type may flip its preference.

    Player 0 has two types: with probability ``1 - p_flip`` it is the usual matcher
    (``+1`` when the coins match, ``-1`` otherwise); with probability ``p_flip`` its preference is
    flipped (it wants the coins to differ). Player 1 has one type and always wants to mismatch.
    Actions ``0 = heads``, ``1 = tails``. The game is zero-sum only when ``p_flip = 0``: the flipped
    type and player 1 both gain from a mismatch.

    For ``p_flip < 1/2`` every Bayesian Nash equilibrium has player 1 mixing evenly and player 0's
    two types together showing heads with probability ``1/2``; for ``p_flip > 1/2`` pure equilibria
    appear (e.g. player 1 plays heads, the matcher heads and the flipped type tails).
    """
    p = check_real("p_flip", p_flip, low=0.0, high=1.0)
    match = np.array([[1.0, -1.0], [-1.0, 1.0]])
    r0 = np.stack([match, -match])  # (T_0 = 2, k_0, k_1)
    r1 = -match[None]  # (T_1 = 1, k_0, k_1)
    return BayesianGame(np.array([[1 - p], [p]]), (r0, r1))


def bayesian_coordination(rho: float = 0.8, bonus: float = 0.5) -> BayesianGame:
    """A coordination game with privately known, correlated favourite conventions.

    Each of two players has a type ``t_i ∈ {0, 1}``: the convention (action) it prefers. The types
    agree with probability ``rho`` (each agreeing pair ``rho / 2``, each disagreeing ``(1 - rho) / 2``).
    Both players earn ``1`` when their actions match and ``0`` otherwise, plus ``bonus`` when they
    match on their own favourite: ``r_i(t_i, a) = [a_0 = a_1] (1 + bonus [a_i = t_i])``.
    """
    r = check_real("rho", rho, low=0.0, high=1.0)
    b = check_real("bonus", bonus)
    prior = np.array([[r / 2, (1 - r) / 2], [(1 - r) / 2, r / 2]])
    eye = np.eye(2)
    r0 = np.stack([eye * (1 + b * (np.arange(2) == t))[:, None] for t in range(2)])
    r1 = np.stack([eye * (1 + b * (np.arange(2) == t))[None, :] for t in range(2)])
    return BayesianGame(prior, (r0, r1))


__all__ = [
    "BayesianGame",
    "as_bayesian",
    "bayesian_coordination",
    "bayesian_matching_pennies",
    "random_bayesian_game",
]
