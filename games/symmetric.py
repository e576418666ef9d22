"""Symmetric unit-sum games in count form (MATH.md §1, "Symmetric").

In a symmetric unit-sum game a player's share depends only on the state ``x``, its own action and the
*multiset* of the other players' actions, i.e. the vector ``c`` of how many of the others play each
action. The game is therefore stored over count vectors — ``C(n+k-2, k-1)`` of them for the ``n-1``
others — instead of the ``k**n`` pure profiles, which makes exact computations possible for large ``n``.

Count vectors of ``N`` players over ``k`` actions ("compositions" of ``N`` into ``k`` parts) are
enumerated in lexicographic order of ``(c_0, c_1, …, c_{k-1})``; :func:`compositions` lists them and
:func:`composition_index` maps count vectors to their positions (vectorised, closed form).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from powergames.games.base import Contexts
from powergames.games.checks import (
    SUM_TOL,
    as_float_array,
    check_distribution,
    check_positive_int,
    check_rng,
    first_index,
)
from powergames.games.normal_form import NormalFormGame
from powergames.games.unit_sum import UnitSumGame

#: Largest number of count vectors a count-form table may have (a guard against silent huge allocations).
MAX_COUNT_VECTORS = 50_000_000

#: Largest number of entries ``n_states * n * k**n`` :meth:`SymmetricUnitSumGame.to_dense` builds.
MAX_DENSE_ENTRIES = 2**26

#: Largest ``spread`` of :func:`random_symmetric_unit_sum_game`: ``exp(spread · z)`` stays within float64
#: (``e^{±709}``) for ``|z| <= 13``, so weights and their sums never overflow or vanish.
MAX_SPREAD = 50.0


# ---------------------------------------------------------------------------------------------- counts
def n_compositions(total: int, n_parts: int) -> int:
    """The number ``C(total + n_parts - 1, n_parts - 1)`` of count vectors of ``total`` over ``n_parts``."""
    return math.comb(total + n_parts - 1, n_parts - 1)


def _check_size(total: int, n_parts: int) -> int:
    size = n_compositions(total, n_parts)
    if size > MAX_COUNT_VECTORS:
        raise ValueError(
            f"{total} players over {n_parts} actions have {size} count vectors, more than the "
            f"{MAX_COUNT_VECTORS} the count form allows"
        )
    return size


@lru_cache(maxsize=32)
def _compositions_cached(total: int, n_parts: int) -> npt.NDArray[np.int64]:
    _check_size(total, n_parts)
    if n_parts == 1:
        out = np.array([[total]], dtype=np.int64)
        out.setflags(write=False)
        return out
    # Non-decreasing sequences 0 <= s_1 <= … <= s_{k-1} <= total in lexicographic order; the counts
    # are their differences, and lexicographic order carries over.
    cols = [np.arange(total + 1, dtype=np.int64)]
    for _ in range(n_parts - 2):
        last = cols[-1]
        reps = total + 1 - last
        starts = np.cumsum(reps) - reps
        appended = np.arange(int(reps.sum()), dtype=np.int64) - np.repeat(starts - last, reps)
        cols = [np.repeat(c, reps) for c in cols] + [appended]
    out = np.empty((len(cols[0]), n_parts), dtype=np.int64)
    out[:, 0] = cols[0]
    for i in range(1, n_parts - 1):
        np.subtract(cols[i], cols[i - 1], out=out[:, i])
    np.subtract(total, cols[-1], out=out[:, -1])
    out.setflags(write=False)
    return out


def compositions(total: int, n_parts: int) -> npt.NDArray[np.int64]:
    """All count vectors of ``total`` players over ``n_parts`` actions, in lexicographic order.

    Args:
        total: the number of players ``N >= 0``.
        n_parts: the number of actions ``k >= 1``.

    Returns:
        Read-only int64 array of shape ``(C(N+k-1, k-1), k)``; row ``r`` is the count vector whose
        :func:`composition_index` is ``r``.
    """
    total = check_positive_int("total", total, minimum=0)
    n_parts = check_positive_int("n_parts", n_parts)
    return _compositions_cached(total, n_parts)


@lru_cache(maxsize=64)
def _binomial_columns(max_total: int, n_parts: int) -> npt.NDArray[np.int64]:
    """``table[P, r] = C(r + P - 1, P - 1)`` (count vectors of ``r`` over ``P`` parts), ``r <= max_total``."""
    _check_size(max_total, n_parts)
    table = np.zeros((n_parts + 1, max_total + 1), dtype=np.int64)
    for parts in range(1, n_parts + 1):
        table[parts] = [math.comb(r + parts - 1, parts - 1) for r in range(max_total + 1)]
    table.setflags(write=False)
    return table


def _rank(counts: npt.NDArray[np.int64], total: int) -> npt.NDArray[np.int64]:
    """Unchecked :func:`composition_index` for valid count vectors summing to ``total``."""
    k = counts.shape[-1]
    binom = _binomial_columns(total, k)
    rank = np.zeros(counts.shape[:-1], dtype=np.int64)
    remaining = np.full(counts.shape[:-1], total, dtype=np.int64)
    for p in range(k - 1):
        parts = k - p
        c = counts[..., p]
        # vectors with this position's count below c, given the remaining total: C(R+P-1,P-1) - C(R-c+P-1,P-1)
        rank += binom[parts][remaining] - binom[parts][remaining - c]
        remaining = remaining - c
    return rank


def composition_index(counts: Any, total: int | None = None) -> npt.NDArray[np.int64]:
    """Positions of count vectors in the enumeration of :func:`compositions` (vectorised).

    Args:
        counts: integer array of shape ``(..., k)``, non-negative, each row summing to ``total``.
        total: the required row sum; the first row's sum when ``None``.

    Returns:
        Int64 array of shape ``(...)``.
    """
    arr = np.asarray(counts)
    if arr.ndim < 1 or arr.shape[-1] < 1:
        raise ValueError(f"counts must have shape (..., k) with k >= 1, got {arr.shape}")
    if not np.issubdtype(arr.dtype, np.integer):
        if not np.issubdtype(arr.dtype, np.floating) or np.any(arr != np.round(arr)):
            raise TypeError(f"counts must be integers, got dtype {arr.dtype}")
    arr = arr.astype(np.int64)
    if np.any(arr < 0):
        idx = first_index(arr < 0)
        raise ValueError(f"counts must be non-negative; found {arr[idx]} at index {idx}")
    sums = arr.sum(axis=-1)
    if total is None:
        total = int(sums.flat[0]) if sums.size else 0
    bad = sums != total
    if np.any(bad):
        idx = first_index(np.asarray(bad))
        raise ValueError(
            f"counts must sum to {total}; the count vector at {idx} sums to {int(sums[idx])}"
        )
    return _rank(arr, total)


def _as_int64(name: str, value: Any) -> npt.NDArray[np.int64]:
    """``value`` as an int64 array (TypeError for a non-integer dtype; an empty array passes)."""
    arr = np.asarray(value)
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"{name} must be integers, got dtype {arr.dtype}")
    return arr.astype(np.int64)


def _check_below(name: str, arr: npt.NDArray[np.int64], high: int, kind: str) -> None:
    """Require every entry of ``arr`` in ``[0, high)`` (ValueError naming the first one outside)."""
    bad = (arr < 0) | (arr >= high)
    if np.any(bad):
        idx = first_index(bad)
        raise ValueError(f"{name} must be {kind} in [0, {high}); found {arr[idx]} at index {idx}")


# ---------------------------------------------------------------------------------------------- game
@dataclass(frozen=True, eq=False)
class SymmetricUnitSumGame:
    """A symmetric unit-sum game stored in count form.

    ``table[x, a, r]`` is the share of ONE player who plays action ``a`` while the other ``n-1``
    players' action counts are ``counts[r]`` (MATH.md §1: ``s_i`` depends only on ``x``, ``a_i`` and the
    multiset of the others' actions). Unit sum reads, for every state ``x`` and every count vector
    ``m`` of all ``n`` players, ``Σ_a m_a · table[x, a, index(m - e_a)] = 1``.

    Args:
        n_players: ``n >= 1``.
        table: shape ``(n_states, k, C(n+k-2, k-1))``, non-negative and finite.
        prior: shape ``(n_states,)``, a distribution over ``X``; uniform when ``None``.

    Raises:
        ValueError: wrong shape, a negative or non-finite share, shares that do not sum to one at some
            ``(x, m)`` (the message names the first one), or a prior that is not a distribution.
    """

    n_players: int
    table: npt.NDArray[np.float64]
    prior: npt.NDArray[np.float64] | None = None
    n_states: int = field(init=False)
    n_actions: int = field(init=False)
    contexts: Contexts = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        n = check_positive_int("n_players", self.n_players)
        t = as_float_array("table", self.table, ndim=3)
        n_states, k, n_counts = t.shape
        if n_states < 1 or k < 1:
            raise ValueError(f"table needs at least one state and one action, got shape {t.shape}")
        expected = _check_size(n - 1, k)
        if n_counts != expected:
            raise ValueError(
                f"table must have shape (n_states, k, C(n+k-2, k-1)) = ({n_states}, {k}, {expected}) "
                f"for n_players={n} and k={k}; got {t.shape}"
            )
        if np.any(t < 0):
            idx = first_index(t < 0)
            raise ValueError(
                f"table must be non-negative; share at x={idx[0]}, a={idx[1]}, others' counts "
                f"{tuple(int(v) for v in compositions(n - 1, k)[idx[2]])} is {t[idx]}"
            )
        if self.prior is None:
            prior = np.full(n_states, 1.0 / n_states)
            prior.setflags(write=False)
        else:
            prior = check_distribution("prior", self.prior, shape=(n_states,))
        object.__setattr__(self, "n_players", n)
        object.__setattr__(self, "table", t)
        object.__setattr__(self, "prior", prior)
        object.__setattr__(self, "n_states", n_states)
        object.__setattr__(self, "n_actions", k)
        object.__setattr__(self, "contexts", Contexts.hidden_state(prior, n))
        totals = self.profile_totals()
        bad = np.abs(totals - 1.0) > SUM_TOL
        if np.any(bad):
            x, r = first_index(bad)
            m = tuple(int(v) for v in self.full_counts[r])
            raise ValueError(
                f"shares must sum to 1 over players (tolerance {SUM_TOL:g}); at x={x} with action "
                f"counts m={m} they sum to {float(totals[x, r]):.12g}"
            )

    # ------------------------------------------------------------------ the Game protocol
    @property
    def action_sizes(self) -> tuple[int, ...]:
        """``(k, …, k)``: every player has the same ``k`` actions."""
        return (self.n_actions,) * self.n_players

    @property
    def type_sizes(self) -> tuple[int, ...]:
        """All 1: ``X`` is hidden from everyone, nobody has a type."""
        return (1,) * self.n_players

    per_type = False
    is_unit_sum = True
    count_form = True

    def payoffs_at(self, ctx: int, joint: tuple[int, ...]) -> npt.NDArray[np.float64]:
        """Shares ``s_i(x, a)`` at state ``x = ctx`` and a pure joint action, shape ``(n,)`` (unchecked)."""
        return self.payoffs_batch(np.array([ctx]), np.asarray(joint, dtype=np.int64)[None])[0]

    def payoffs_batch(
        self, ctx: npt.NDArray[np.int64], actions: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.float64]:
        """Shares for a batch: states ``(B,)``, joint actions ``(B, n)`` → ``(B, n)`` (unchecked).

        Each player's share is read from ``table`` at its own action and the others' counts
        ``m - e_{a_i}``, where ``m`` is the batch row's count vector.
        """
        b = actions.shape[0]
        k = self.n_actions
        flat = (np.arange(b, dtype=np.int64)[:, None] * k + actions).ravel()
        m = np.bincount(flat, minlength=b * k).reshape(b, k)
        full_rank = _rank(m, self.n_players)
        index, _ = self._drop_index
        cols = index[actions, full_rank[:, None]]
        return self.table[ctx[:, None], actions, cols]

    def as_normal_form(self) -> NormalFormGame:
        """The dense game with ``X`` integrated out (:meth:`to_dense`, then its normal form)."""
        return self.to_dense().as_normal_form()

    # ------------------------------------------------------------------ count enumerations
    @property
    def counts(self) -> npt.NDArray[np.int64]:
        """The others' count vectors, shape ``(n_counts, k)``: column ``r`` of ``table`` is ``counts[r]``."""
        return compositions(self.n_players - 1, self.n_actions)

    @property
    def n_counts(self) -> int:
        """The number of count vectors of the ``n-1`` others."""
        return self.table.shape[2]

    @property
    def full_counts(self) -> npt.NDArray[np.int64]:
        """All players' count vectors ``m``, shape ``(C(n+k-1, k-1), k)``."""
        return compositions(self.n_players, self.n_actions)

    def count_index(self, counts: Any) -> npt.NDArray[np.int64]:
        """Columns of ``table`` for the others' count vectors ``counts`` (shape ``(..., k)``, rows sum to n-1)."""
        arr = np.asarray(counts)
        if arr.ndim < 1 or arr.shape[-1] != self.n_actions:
            raise ValueError(f"counts must have shape (..., {self.n_actions}), got {arr.shape}")
        return composition_index(arr, total=self.n_players - 1)

    @cached_property
    def _drop_index(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
        """``(index, valid)``, shape ``(k, n_full)``: column of ``m - e_a`` where ``m_a >= 1``."""
        m = self.full_counts
        k = self.n_actions
        index = np.zeros((k, len(m)), dtype=np.int64)
        valid = m.T >= 1
        for a in range(k):
            rows = valid[a]
            dropped = m[rows].copy()
            dropped[:, a] -= 1
            index[a, rows] = _rank(dropped, self.n_players - 1)
        index.setflags(write=False)
        valid.setflags(write=False)
        return index, valid

    @cached_property
    def full_table(self) -> npt.NDArray[np.float64]:
        """Shares indexed by all players' counts: ``[x, a, r] = table[x, a, index(full_counts[r] - e_a)]``.

        Shape ``(n_states, k, n_full)``; zero where ``full_counts[r][a] == 0`` (nobody plays ``a``).
        """
        index, valid = self._drop_index
        out = np.take_along_axis(self.table, index[None], axis=2) * valid[None]
        out.setflags(write=False)
        return out

    def profile_totals(self) -> npt.NDArray[np.float64]:
        """``Σ_i s_i(x, m) = Σ_a m_a table[x, a, index(m - e_a)]``, shape ``(n_states, n_full)`` (all 1)."""
        return np.einsum("xar,ra->xr", self.full_table, self.full_counts.astype(np.float64))

    # ------------------------------------------------------------------ pure profiles
    def _check_actions(self, actions: Any, name: str = "actions") -> npt.NDArray[np.int64]:
        arr = _as_int64(name, actions)
        if arr.ndim < 1 or arr.shape[-1] != self.n_players:
            raise ValueError(
                f"{name} must have one action per player ({self.n_players}) on its last axis, "
                f"got shape {arr.shape}"
            )
        _check_below(name, arr, self.n_actions, "integers")
        return arr

    def _check_states(self, xs: Any, shape: tuple[int, ...]) -> npt.NDArray[np.int64]:
        arr = _as_int64("xs", xs)
        if arr.shape != shape:
            raise ValueError(f"xs must have shape {shape}, got {arr.shape}")
        _check_below("xs", arr, self.n_states, "states")
        return arr

    def pure_shares_batch(self, xs: Any, actions: Any) -> npt.NDArray[np.float64]:
        """Shares at a batch of states and pure profiles.

        Args:
            xs: shape ``(B,)``, states.
            actions: shape ``(B, n)``, integer actions.

        Returns:
            Shape ``(B, n)``: ``s_i(xs[b], actions[b])``.
        """
        acts = self._check_actions(actions)
        if acts.ndim != 2:
            raise ValueError(f"actions must have shape (B, {self.n_players}), got {acts.shape}")
        states = self._check_states(xs, (acts.shape[0],))
        return self.payoffs_batch(states, acts)

    def pure_shares(self, x: int, actions: Any) -> npt.NDArray[np.float64]:
        """Shares ``s_i(x, a)`` at one pure profile, shape ``(n,)``."""
        acts = self._check_actions(actions)
        if acts.ndim != 1:
            raise ValueError(f"actions must have shape ({self.n_players},), got {acts.shape}")
        return self.pure_shares_batch(np.array([x]), acts[None])[0]

    # ------------------------------------------------------------------ mixed strategies
    def expected_shares(self, strategy: Any) -> npt.NDArray[np.float64]:
        """Expected shares per state when every player uses the same mixed strategy.

        Args:
            strategy: shape ``(k,)``; or a list of ``n`` arrays of shape ``(k,)`` (an independent
                profile, computed through :func:`powergames.theory.coalitions.coalition_values`
                with singleton coalitions).

        Returns:
            Shape ``(n_states, n)``: ``E[s_i(x, a)]`` with ``a_i`` independent. For a common strategy,
            ``E_{a ~ σ, c ~ Multinomial(n-1, σ)}[table[x, a, c]]``, the same for every player.
        """
        if not isinstance(strategy, np.ndarray) and isinstance(strategy, list | tuple):
            from powergames.theory.coalitions import coalition_values

            return coalition_values(self, [[i] for i in range(self.n_players)], list(strategy))
        sigma = check_distribution("strategy", strategy, shape=(self.n_actions,))
        pmf = multinomial_pmf(self.n_players - 1, sigma)
        per_player = np.einsum("xar,a,r->x", self.table, sigma, pmf)
        return np.repeat(per_player[:, None], self.n_players, axis=1)

    # ------------------------------------------------------------------ dense conversion
    def to_dense(self, max_entries: int = MAX_DENSE_ENTRIES) -> UnitSumGame:
        """The same game as a :class:`UnitSumGame` with shares ``(n_states, n, k, …, k)``.

        Raises:
            ValueError: if ``n_states * n * k**n`` exceeds ``max_entries``.
        """
        n, k = self.n_players, self.n_actions
        size = self.n_states * n * k**n
        if size > max_entries:
            raise ValueError(
                f"the dense form of a {n}-player, {k}-action game has {size} entries, more than "
                f"max_entries={max_entries}"
            )
        profiles = np.indices((k,) * n).reshape(n, -1).T
        shares = np.empty((self.n_states, n, k**n))
        for x in range(self.n_states):
            xs = np.full(len(profiles), x)
            shares[x] = self.pure_shares_batch(xs, profiles).T
        return UnitSumGame(shares.reshape((self.n_states, n) + (k,) * n), prior=self.prior)

    @classmethod
    def from_dense(cls, game: UnitSumGame, tol: float = SUM_TOL) -> SymmetricUnitSumGame:
        """The count form of a dense symmetric unit-sum game.

        Raises:
            TypeError: if ``game`` is not a :class:`UnitSumGame`.
            ValueError: if players have different action counts or the game is not symmetric within
                ``tol`` (the message names the first offending share).
        """
        table = _table_from_dense(game)
        # symmetry first: the count table read from player 0 is only unit-sum if the game is symmetric
        rebuilt = _dense_from_table(table, game.n_players).reshape(game.shares.shape)
        diff = np.abs(rebuilt - game.shares) > tol
        if np.any(diff):
            idx = first_index(diff)
            raise ValueError(
                f"game is not symmetric: s_{idx[1]}(x={idx[0]}, a={idx[2:]}) = {float(game.shares[idx])!r} "
                f"differs from the share of a player with the same action and the same others' counts"
            )
        return cls(game.n_players, table, prior=game.prior)

    def __repr__(self) -> str:
        return (
            f"SymmetricUnitSumGame(n_players={self.n_players}, n_actions={self.n_actions}, "
            f"n_states={self.n_states})"
        )

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, SymmetricUnitSumGame)
            and self.n_players == other.n_players
            and np.array_equal(self.table, other.table)
            and np.array_equal(self.prior, other.prior)
        )

    def __hash__(self) -> int:
        return hash((self.n_players, self.table.shape, self.table.tobytes(), self.prior.tobytes()))


def _table_from_dense(game: UnitSumGame) -> npt.NDArray[np.float64]:
    """Read player 0's shares at one canonical profile per (own action, others' counts)."""
    if not isinstance(game, UnitSumGame):
        raise TypeError(f"game must be a UnitSumGame, got {type(game).__name__}")
    ks = set(game.n_actions)
    if len(ks) != 1:
        raise ValueError(
            f"a symmetric game needs the same action count for every player, got {game.n_actions}"
        )
    n, k = game.n_players, game.n_actions[0]
    others = compositions(n - 1, k)
    # canonical profile of the others: actions in increasing order, e.g. counts (2,0,1) -> (0,0,2)
    positions = np.arange(n - 1)
    bounds = np.cumsum(others, axis=1)
    sorted_actions = (positions[None, :, None] >= bounds[:, None, :]).sum(axis=2)
    strides = k ** np.arange(n - 2, -1, -1, dtype=np.int64)
    others_flat = sorted_actions @ strides if n > 1 else np.zeros(1, dtype=np.int64)
    own_flat = np.arange(k, dtype=np.int64) * k ** (n - 1)
    flat = own_flat[:, None] + others_flat[None, :]
    player0 = game.shares[:, 0].reshape(game.n_states, -1)
    return player0[:, flat]


def _dense_from_table(table: npt.NDArray[np.float64], n: int) -> npt.NDArray[np.float64]:
    """Every player's share at every pure profile read from a (possibly unvalidated) count table.

    Args:
        table: shape ``(n_states, k, C(n+k-2, k-1))`` as in :class:`SymmetricUnitSumGame`.
        n: the number of players.

    Returns:
        Shape ``(n_states, n, k**n)``: ``[x, i, p] = table[x, a_i, index(counts(a) - e_{a_i})]`` for
        the ``p``-th profile ``a`` in C order.
    """
    k = table.shape[1]
    profiles = np.indices((k,) * n).reshape(n, -1).T  # (k**n, n)
    rows = np.arange(len(profiles), dtype=np.int64)[:, None]
    m = np.bincount((rows * k + profiles).ravel(), minlength=len(profiles) * k)
    m = m.reshape(len(profiles), k)
    others = np.repeat(m[:, None, :], n, axis=1)  # (k**n, n, k): everybody's counts ...
    np.subtract.at(others, (rows, np.arange(n)[None, :], profiles), 1)  # ... minus one's own action
    cols = _rank(others, n - 1)  # (k**n, n)
    return np.moveaxis(table[:, profiles, cols], 2, 1)


def is_symmetric(game: UnitSumGame, tol: float = SUM_TOL) -> bool:
    """Whether a dense unit-sum game is symmetric (MATH.md §1).

    Symmetry is checked in its equivalent form: ``s_i(x, a)`` is one function of ``x``, ``a_i`` and the
    counts of the others' actions, the same for every player ``i`` (equivalently
    ``s_{p(i)}(x, b) = s_i(x, a)`` where ``b_{p(j)} = a_j`` for every permutation ``p``).

    Args:
        game: a dense :class:`UnitSumGame`.
        tol: absolute tolerance on shares.
    """
    if not isinstance(game, UnitSumGame):
        raise TypeError(f"game must be a UnitSumGame, got {type(game).__name__}")
    if len(set(game.n_actions)) != 1:
        return False
    try:
        SymmetricUnitSumGame.from_dense(game, tol=tol)
    except ValueError:
        return False
    return True


# ---------------------------------------------------------------------------------------------- builders
def multinomial_pmf(total: int, strategy: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """The multinomial distribution of action counts of ``total`` players drawing i.i.d.

    ``P(c) = total! / Π_a c_a! · Π_a strategy[a]^{c_a}`` for every count vector ``c``, computed in
    log space (``0^0 = 1``, so actions of probability zero are handled exactly).

    Args:
        total: the number of players ``N >= 0``.
        strategy: shape ``(k,)``, the common mixed strategy (a distribution; not re-validated here —
            callers validate it).

    Returns:
        Shape ``(C(N+k-1, k-1),)``: entry ``r`` is the probability of ``compositions(N, k)[r]``; the
        entries sum to one.
    """
    from scipy.special import gammaln, xlogy

    c = compositions(total, len(strategy)).astype(np.float64)
    log_p = gammaln(total + 1.0) - gammaln(c + 1.0).sum(axis=1) + xlogy(c, strategy).sum(axis=1)
    return np.exp(log_p)


def majority_game(n_players: int, n_actions: int) -> SymmetricUnitSumGame:
    """The majority game of Theorem 1 (MATH.md §1).

    Actions ``0..k-1``; the shares are split evenly among the players on the most common action, ties
    going to the lowest such action; one state (``X`` is unused).

    Args:
        n_players: ``n >= 1``.
        n_actions: ``k >= 1`` (Theorem 1's guarantee for a majority coalition is ``1 - 1/k``).

    Returns:
        A one-state :class:`SymmetricUnitSumGame` with ``table`` of shape
        ``(1, k, C(n+k-2, k-1))``: ``table[0, a, c]`` is ``1/m_a`` if ``a`` is the (lowest-index) most
        common action of ``m = c + e_a``, else 0; the prior is ``[1.0]``.

    Raises:
        TypeError: ``n_players`` or ``n_actions`` not an integer.
        ValueError: either below 1, or more count vectors than :data:`MAX_COUNT_VECTORS`.
    """
    n = check_positive_int("n_players", n_players)
    k = check_positive_int("n_actions", n_actions)
    others = compositions(n - 1, k)
    table = np.zeros((1, k, len(others)))
    for a in range(k):
        m = others.copy()
        m[:, a] += 1
        winner = np.argmax(m, axis=1)  # argmax returns the first maximum: ties toward lower actions
        wins = winner == a
        table[0, a, wins] = 1.0 / m[wins, a]
    return SymmetricUnitSumGame(n, table)


def random_symmetric_unit_sum_game(
    n_players: int,
    n_actions: int,
    n_states: int,
    rng: np.random.Generator,
    spread: float = 2.0,
) -> SymmetricUnitSumGame:
    """A random symmetric unit-sum game with a random prior.

    Each (state, own action, others' counts) gets a positive weight ``w(x, a, c) = exp(spread · z)``
    with ``z`` standard normal; at a full count vector ``m`` each player on action ``a`` receives
    ``w(x, a, m - e_a) / Σ_b m_b w(x, b, m - e_b)``, so shares are symmetric and sum to one. The prior
    is drawn from a flat Dirichlet.

    Args:
        n_players: ``n >= 1``.
        n_actions: ``k >= 1``.
        n_states: ``|𝒳| >= 1``.
        rng: the generator (explicit randomness).
        spread: standard deviation of the log-weights, a real number in ``[0, MAX_SPREAD]``
            (``MAX_SPREAD = 50``). 0 gives the equal split ``1/n``; larger values give more unequal
            shares (at 50 a weight ratio of ``e^{50}`` per unit of ``z`` — already winner-take-all).
            The bound keeps ``exp(spread · z)`` and its sums finite and non-zero in float64 for
            ``|z| <= 13`` (the largest of 50M standard normal draws is about 6).

    Returns:
        A :class:`SymmetricUnitSumGame` with ``table`` of shape ``(n_states, k, C(n+k-2, k-1))`` and
        ``prior`` of shape ``(n_states,)``.

    Raises:
        TypeError: a non-integer size, ``rng`` not a generator or seed, ``spread`` not a real number.
        ValueError: a size below 1, too many count vectors, or ``spread`` not finite or outside
            ``[0, MAX_SPREAD]``.
    """
    n = check_positive_int("n_players", n_players)
    k = check_positive_int("n_actions", n_actions)
    s = check_positive_int("n_states", n_states)
    rng = check_rng(rng)
    if isinstance(spread, bool) or not isinstance(spread, numbers.Real):
        raise TypeError(
            f"spread must be a real number in [0, {MAX_SPREAD:g}], got {type(spread).__name__}"
        )
    if not 0.0 <= float(spread) <= MAX_SPREAD:  # also rejects NaN and infinities
        raise ValueError(
            f"spread must be a finite number in [0, {MAX_SPREAD:g}] (the log-weights' standard "
            f"deviation; larger values overflow exp), got {spread!r}"
        )
    weights = np.exp(spread * rng.standard_normal((s, k, _check_size(n - 1, k))))
    full = compositions(n, k)
    # normaliser Z(x, m) = Σ_b m_b w(x, b, m - e_b) over full count vectors m
    z = np.zeros((s, len(full)))
    for b in range(k):
        rows = full[:, b] >= 1
        dropped = full[rows].copy()
        dropped[:, b] -= 1
        z[:, rows] += full[rows, b] * weights[:, b, _rank(dropped, n - 1)]
    others = compositions(n - 1, k)
    table = np.empty_like(weights)
    for a in range(k):
        m = others.copy()
        m[:, a] += 1
        table[:, a] = weights[:, a] / z[:, _rank(m, n)]
    prior = rng.dirichlet(np.ones(s))
    return SymmetricUnitSumGame(n, table, prior=prior)
