"""Symmetric unit-sum games in count form (MATH.md §1, "Symmetric").

In a symmetric unit-sum game a player's share depends only on the state ``x``, its own action and the
*multiset* of the other players' actions, i.e. the vector ``c`` of how many of the others play each
action. The game is therefore stored over count vectors — ``C(n+k-2, k-1)`` of them for the ``n-1``
others — instead of the ``k**n`` pure profiles, which makes exact computations possible for large ``n``.

Count vectors and their enumeration live in :mod:`powergames.games.counts`.

The generators (the majority game, random games) are in :mod:`powergames.games.symmetric_builders`,
the dense conversions' index arithmetic and the symmetry test in
:mod:`powergames.games.symmetric_dense`; both are re-exported here.

Length (about 470 lines): the class with its validation, share readers, pure and mixed profiles,
one piece of count arithmetic read together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt

from powergames.games.base import Contexts
from powergames.games.checks import (
    SUM_TOL,
    as_float_array,
    check_distribution,
    check_positive_int,
    check_profile,
    first_index,
    frozen,
)
from powergames.games.counts import (
    CountDistribution,
    check_count_size,
    composition_index,
    composition_ranks,
    compositions,
    convolve_counts,
    multinomial_pmf,
)
from powergames.games.memory import check_memory
from powergames.games.normal_form import NormalFormGame
from powergames.games.unit_sum import UnitSumGame

#: Largest number of entries ``n_states * n * k**n`` :meth:`SymmetricUnitSumGame.to_dense` builds.
MAX_DENSE_ENTRIES = 2**26


def _as_int64(name: str, value: Any) -> npt.NDArray[np.int64]:
    """``value`` as an int64 array (TypeError for a non-integer dtype; an empty array passes)."""
    arr = np.asarray(value)
    if arr.size and arr.dtype.kind not in "iu":
        raise TypeError(f"{name} must be integers, got dtype {arr.dtype}")
    return arr.astype(np.int64)


def _check_below(name: str, arr: npt.NDArray[np.int64], high: int, kind: str) -> None:
    """Require every entry of ``arr`` in ``[0, high)`` (ValueError naming the first one outside)."""
    bad = (arr < 0) | (arr >= high)
    if np.any(bad):
        idx = first_index(bad)
        raise ValueError(f"{name} must be {kind} in [0, {high}); found {arr[idx]} at index {idx}")


def _drop_index(n: int, k: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """``(index, valid)``, shape ``(k, n_full)``: column of ``m - e_a`` where ``m_a >= 1``."""
    m = compositions(n, k)
    index = np.zeros((k, len(m)), dtype=np.int64)
    valid = m.T >= 1
    for a in range(k):
        rows = valid[a]
        dropped = m[rows].copy()
        dropped[:, a] -= 1
        index[a, rows] = composition_ranks(dropped, n - 1)
    index = frozen(index)
    valid = frozen(valid)
    return index, valid


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

    Attributes (computed on first use and kept, read-only; validation uses them):
        drop_index, drop_valid: shape ``(k, n_full)``: the column of ``m - e_a`` for every full
            count vector ``m = full_counts[r]``, and where ``m_a >= 1``.
        full_table: shares indexed by all players' counts, shape ``(n_states, k, n_full)``:
            ``full_table[x, a, r] = table[x, a, index(full_counts[r] - e_a)]``, zero where
            ``full_counts[r][a] == 0`` (nobody plays ``a``).

    Generators whose tables are unit-sum by construction (:func:`majority_game`,
    :func:`random_symmetric_unit_sum_game`) build through :meth:`trusted`, which skips the checks.

    Raises:
        ValueError: wrong shape, a negative or non-finite share, shares that do not sum to one at some
            ``(x, m)`` (the message names the first one), a prior that is not a distribution, or a
            validation whose arrays do not fit in memory (the message gives the estimate).
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
        expected = check_count_size(n - 1, k)
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
            prior = frozen(prior)
        else:
            prior = check_distribution("prior", self.prior, shape=(n_states,))
        object.__setattr__(self, "n_players", n)
        object.__setattr__(self, "table", t)
        object.__setattr__(self, "prior", prior)
        object.__setattr__(self, "n_states", n_states)
        object.__setattr__(self, "n_actions", k)
        object.__setattr__(self, "contexts", Contexts.hidden_state(prior, n))
        n_full = check_count_size(n, k)
        check_memory(
            f"validating a {k}-action count-form game of {n} players and {n_states} states",
            {
                "full_table": n_states * k * n_full * 8,
                "drop_index": k * n_full * 9,
                "count vectors": (n_full + n_counts) * k * 8,
                "totals": 2 * n_states * n_full * 8,
            },
        )
        totals = self.profile_totals()
        bad = np.abs(totals - 1.0) > SUM_TOL
        if np.any(bad):
            x, r = first_index(bad)
            m = tuple(int(v) for v in self.full_counts[r])
            raise ValueError(
                f"shares must sum to 1 over players (tolerance {SUM_TOL:g}); at x={x} with action "
                f"counts m={m} they sum to {float(totals[x, r]):.12g}"
            )

    @classmethod
    def trusted(
        cls,
        n_players: int,
        table: npt.NDArray[np.float64],
        prior: npt.NDArray[np.float64] | None = None,
    ) -> SymmetricUnitSumGame:
        """Build without validation, from a table unit-sum by construction (the generators).

        The caller guarantees ``table`` is a float64 array of shape ``(n_states, k, C(n+k-2, k-1))``,
        non-negative, finite and unit-sum, and ``prior`` a distribution over the states (uniform when
        ``None``). The arrays are made read-only, not copied.
        """
        out = object.__new__(cls)
        n_states = table.shape[0]
        if prior is None:
            prior = np.full(n_states, 1.0 / n_states)
        object.__setattr__(out, "n_players", int(n_players))
        object.__setattr__(out, "table", frozen(table))
        prior_arr = frozen(np.asarray(prior, dtype=np.float64))
        object.__setattr__(out, "prior", prior_arr)
        object.__setattr__(out, "n_states", n_states)
        object.__setattr__(out, "n_actions", table.shape[1])
        object.__setattr__(out, "contexts", Contexts.hidden_state(prior_arr, int(n_players)))
        return out

    @cached_property
    def _drop(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
        return _drop_index(self.n_players, self.n_actions)

    @property
    def drop_index(self) -> npt.NDArray[np.int64]:
        """Shape ``(k, n_full)``: the column of ``full_counts[r] - e_a`` (0 where ``m_a = 0``)."""
        return self._drop[0]

    @property
    def drop_valid(self) -> npt.NDArray[np.bool_]:
        """Shape ``(k, n_full)``: where ``full_counts[r][a] >= 1``."""
        return self._drop[1]

    @cached_property
    def full_table(self) -> npt.NDArray[np.float64]:
        """Shares indexed by all players' counts, shape ``(n_states, k, n_full)`` (MATH.md (1.9))."""
        index, valid = self._drop
        full = np.take_along_axis(self.table, index[None], axis=2) * valid[None]
        return frozen(full)

    def shares_block(self, start: int, counts: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        """``table[:, :, start:start+L]`` for the others' count vectors ``counts`` (rows ``start:`` of
        the enumeration), shape ``(n_states, k, L)`` — a view (unchecked)."""
        return self.table[:, :, start : start + len(counts)]

    def shares_gather(
        self, counts: npt.NDArray[np.int64], actions: npt.NDArray[np.intp]
    ) -> npt.NDArray[np.float64]:
        """``table[:, a, index(counts)]`` for ``a`` in ``actions``, shape ``(n_states, |actions|, L)`` (unchecked)."""
        rank = composition_ranks(counts, self.n_players - 1)
        return np.stack([self.table[:, a, rank] for a in actions], axis=1)

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

        Implements MATH.md (1.2).
        """
        b = actions.shape[0]
        k = self.n_actions
        flat = (np.arange(b, dtype=np.int64)[:, None] * k + actions).ravel()
        m = np.bincount(flat, minlength=b * k).reshape(b, k)
        full_rank = composition_ranks(m, self.n_players)
        cols = self.drop_index[actions, full_rank[:, None]]
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

    def profile_totals(self) -> npt.NDArray[np.float64]:
        """``Σ_i s_i(x, m) = Σ_a m_a table[x, a, index(m - e_a)]``, shape ``(n_states, n_full)`` (all 1).

        Implements MATH.md (1.3).
        """
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
        """Expected shares per state under an independent profile, MATH.md (1.3) with singletons.

        Args:
            strategy: shape ``(k,)``, one mixed strategy every player uses; or a list of ``n``
                arrays of shape ``(k,)`` (an independent profile).

        Returns:
            Shape ``(n_states, n)``: ``E[s_i(x, a)]`` with ``a_i`` independent. For a common strategy,
            ``E_{a ~ σ, c ~ Multinomial(n-1, σ)}[table[x, a, c]]`` (MATH.md (1.7)), the same for
            every player; for a profile, ``Σ_a σ_i(a) Σ_c P_{-i}(c) table[x, a, c]`` with ``P_{-i}``
            the convolution of the others' one-player count distributions (MATH.md (1.8)).

        Example:
            >>> g = majority_game(3, 2)
            >>> g.expected_shares(np.array([0.5, 0.5])).round(4).tolist()
            [[0.3333, 0.3333, 0.3333]]
        """
        if not isinstance(strategy, np.ndarray) and isinstance(strategy, list | tuple):
            sigmas = check_profile("strategy", strategy, self.action_sizes)
            return self._independent_shares(sigmas)
        sigma = check_distribution("strategy", strategy, shape=(self.n_actions,))
        pmf = multinomial_pmf(self.n_players - 1, sigma)
        per_player = np.einsum("xar,a,r->x", self.table, sigma, pmf)
        return np.repeat(per_player[:, None], self.n_players, axis=1)

    def _independent_shares(self, sigmas: list[npt.NDArray[np.float64]]) -> npt.NDArray[np.float64]:
        n, k = self.n_players, self.n_actions
        # one player's counts: the unit vector e_a with probability σ(a)
        unit_rank = composition_ranks(np.eye(k, dtype=np.int64), 1)
        singles = []
        for sigma in sigmas:
            probs = np.zeros(k)
            probs[unit_rank] = sigma
            singles.append(CountDistribution.trusted(1, k, probs))
        prefix = [CountDistribution.point_mass(k)]
        for d in singles[:-1]:
            prefix.append(convolve_counts(prefix[-1], d))
        suffix = [CountDistribution.point_mass(k)] * n
        for i in range(n - 2, -1, -1):
            suffix[i] = convolve_counts(singles[i + 1], suffix[i + 1])
        out = np.empty((self.n_states, n))
        for i in range(n):
            rest = convolve_counts(prefix[i], suffix[i]).probs
            out[:, i] = np.einsum("xar,a,r->x", self.table, sigmas[i], rest)
        return out

    # ------------------------------------------------------------------ dense conversion
    def to_dense(self, max_entries: int = MAX_DENSE_ENTRIES) -> UnitSumGame:
        """The same game as a :class:`UnitSumGame` with shares ``(n_states, n, k, …, k)``.

        Implements MATH.md (1.2).

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

        Implements MATH.md (1.2).

        Raises:
            TypeError: if ``game`` is not a :class:`UnitSumGame`.
            ValueError: if players have different action counts or the game is not symmetric within
                ``tol`` (the message names the first offending share).
        """
        table = table_from_dense(game)
        # symmetry first: the count table read from player 0 is only unit-sum if the game is symmetric
        rebuilt = dense_from_table(table, game.n_players).reshape(game.shares.shape)
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
            and np.array_equal(self.contexts.prior, other.contexts.prior)
        )

    def __hash__(self) -> int:
        return hash(
            (self.n_players, self.table.shape, self.table.tobytes(), self.contexts.prior.tobytes())
        )


# the dense conversions and the symmetry test live in their own module
# the generators live in their own module; imported here so `games.symmetric` keeps offering them
from powergames.games.symmetric_builders import (  # noqa: E402
    MAX_SPREAD,
    majority_game,
    random_symmetric_unit_sum_game,
)
from powergames.games.symmetric_dense import (  # noqa: E402
    dense_from_table,
    is_symmetric,
    table_from_dense,
)

__all__ = [
    "MAX_DENSE_ENTRIES",
    "MAX_SPREAD",
    "SymmetricUnitSumGame",
    "is_symmetric",
    "majority_game",
    "random_symmetric_unit_sum_game",
]
