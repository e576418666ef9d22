"""The exact worst case of a coalition policy (MATH.md §1, coalition values).

For a fixed policy ``π_1`` of ``c_1`` the worst case is

    w(π_1) = min_x min_{π_2..π_m} r_1(x, π_1, π_2..π_m).

``r_1`` is linear in each other coalition's joint policy, so for every ``x`` the minimum over the
product of their simplices is attained at a vertex: one pure joint action of all the others. The
same holds if the others may correlate (a linear function on the simplex of their joint actions), so
the worst case neither depends on how the others are partitioned nor on whether they share
randomness; it is a minimum over the others' pure joint actions ``a_{-1}``:

    w(π_1) = min_x min_{a_{-1}} Σ_{a_1} π_1(a_1) Σ_{i∈c_1} s_i(x, a_1, a_{-1}).      (W1)

In a symmetric unit-sum game ``c_1``'s total share depends on ``a_{-1}`` only through the others'
count vector ``m_o`` and on ``a_1`` only through its own counts ``m_1``:

    W_x(m_1, m_o) = Σ_a m_1[a] · table[x, a, index(m_1 + m_o − e_a)],
    w(π_1) = min_x min_{m_o} Σ_{m_1} P_1(m_1) W_x(m_1, m_o),                         (W2)

a minimum over ``C(n_o + k − 1, k − 1)`` count vectors (polynomial in ``n`` for fixed ``k``), with
``P_1`` the policy's exact count distribution. In a dense game (W1) is a contraction of the game's
array with ``π_1`` followed by a minimum over ``Π_{i∉c_1} k_i`` entries.

Longer than ~500 lines: the dense and count-form worst cases, their certificates and the report
share one enumeration of the others' count vectors; split, each half would import the other's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from powergames.games.checks import check_positive_int, check_rng
from powergames.games.counts import (
    CountDistribution,
    composition_index,
    compositions,
    n_compositions,
)
from powergames.games.normal_form import NormalFormGame
from powergames.games.symmetric import SymmetricUnitSumGame
from powergames.games.unit_sum import UnitSumGame
from powergames.theory.coalition_policies import CoalitionPolicy, JointPolicy
from powergames.theory.coalition_values import coalition_values
from powergames.theory.partitions import check_coalitions
from powergames.theory.theorem_policies import coalition_copying_policy, max_guarantee_k

#: Entries of ``(states, support points, opponent count vectors)`` gathered at once by (W2).
_CHUNK = 2**22


# ============================================================================= pure policies
class PurePolicy(CoalitionPolicy):
    """Members play fixed actions (a vertex of the coalition's simplex): a worst-case opponent.

    Args:
        actions: shape ``(m,)``, one action per member in member order.
        action_sizes: the members' action counts ``(k_0, …, k_{m-1})``.
    """

    def __init__(self, actions: Any, action_sizes: Sequence[int]) -> None:
        acts = np.asarray(actions)
        if acts.ndim != 1 or acts.size == 0 or acts.dtype.kind not in "iu":
            raise ValueError(f"actions must be a non-empty 1-d integer array, got {acts!r}")
        sizes = tuple(
            check_positive_int(f"action_sizes[{t}]", k) for t, k in enumerate(action_sizes)
        )
        if len(sizes) != len(acts):
            raise ValueError(
                f"actions has {len(acts)} entries but action_sizes {len(sizes)}: one per member"
            )
        bad = [t for t, (a, k) in enumerate(zip(acts, sizes)) if not 0 <= a < k]
        if bad:
            t = bad[0]
            raise ValueError(f"actions[{t}] = {acts[t]} is not an action in [0, {sizes[t]})")
        self.actions = acts.astype(np.int64)
        self.actions.setflags(write=False)
        self._sizes = sizes
        self.n_members = len(acts)
        self.n_actions = sizes[0] if len(set(sizes)) == 1 else -1

    @property
    def action_sizes(self) -> tuple[int, ...]:
        return self._sizes

    def count_distribution(self) -> CountDistribution:
        if self.n_actions < 0:
            raise ValueError(f"counts need equal action sets; this policy has sizes {self._sizes}")
        k, m = self.n_actions, self.n_members
        probs = np.zeros(len(compositions(m, k)))
        probs[composition_index(np.bincount(self.actions, minlength=k), total=m)] = 1.0
        return CountDistribution(m, k, probs)

    def joint(self) -> npt.NDArray[np.float64]:
        self._check_joint_size()
        out = np.zeros(self._sizes)
        out[tuple(self.actions)] = 1.0
        return out

    def sample(self, n_samples: int, rng: np.random.Generator) -> npt.NDArray[np.int64]:
        check_rng(rng)
        n_samples = check_positive_int("n_samples", n_samples, minimum=0)
        return np.repeat(self.actions[None, :], n_samples, axis=0)

    def __repr__(self) -> str:
        return f"PurePolicy(actions={self.actions.tolist()})"


# ============================================================================= inputs
def dense_shares(game: Any) -> tuple[np.ndarray, tuple[int, ...]]:
    """A dense game's ``(n_states, n, k_0, …)`` shares (payoffs for a normal-form game) and action sizes."""
    if isinstance(game, UnitSumGame):
        return game.shares, tuple(game.n_actions)
    if isinstance(game, NormalFormGame):
        return game.payoffs[None], tuple(game.payoffs.shape[1:])
    raise TypeError(
        "game must be a SymmetricUnitSumGame, UnitSumGame or NormalFormGame, got "
        f"{type(game).__name__}"
    )


def n_players_of(game: Any) -> int:
    """The number of players of a symmetric, unit-sum or normal-form game."""
    if isinstance(game, SymmetricUnitSumGame):
        return game.n_players
    return dense_shares(game)[0].shape[1]


def action_sizes_of(game: Any) -> tuple[int, ...]:
    """Every player's action count."""
    if isinstance(game, SymmetricUnitSumGame):
        return (game.n_actions,) * game.n_players
    return dense_shares(game)[1]


def split_players(game: Any, coalition: Any) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """``(members, others)``: the coalition ``c_1`` (validated) and every other player, increasing.

    Raises:
        TypeError, ValueError: as :func:`~powergames.theory.partitions.check_coalitions` for a
            coalition that is not an increasing list of distinct players; ValueError for a coalition
            of every player (nobody is left to play against).
    """
    n = n_players_of(game)
    if isinstance(coalition, str | bytes) or not isinstance(coalition, Sequence | np.ndarray):
        raise TypeError(
            f"coalition must be a list of player indices, got {type(coalition).__name__}"
        )
    members = list(coalition)
    others = [i for i in range(n) if i not in {int(v) for v in members if _is_int(v)}]
    if not others:
        raise ValueError(
            f"coalition holds all {n} players: there are no other players to face (its share is 1)"
        )
    checked = check_coalitions([members, others], n)
    return checked[0], checked[1]


def _is_int(v: Any) -> bool:
    return not isinstance(v, bool) and isinstance(v, int | np.integer)


def as_coalition_policy(
    policy: Any, sizes: tuple[int, ...], name: str = "policy"
) -> CoalitionPolicy:
    """A coalition's policy as a :class:`CoalitionPolicy` (a dense joint array is wrapped).

    Raises:
        TypeError: a string or a non-numeric array.
        ValueError: a policy for a different number of members or action sets.
    """
    if isinstance(policy, CoalitionPolicy):
        if policy.n_members != len(sizes) or tuple(policy.action_sizes) != sizes:
            raise ValueError(
                f"{name} is a policy for {policy.n_members} members with action sizes "
                f"{tuple(policy.action_sizes)}; the coalition needs {len(sizes)} members with {sizes}"
            )
        return policy
    if isinstance(policy, str | bytes):
        raise TypeError(f"{name} must be a joint array or a CoalitionPolicy, got a string")
    pol = JointPolicy(policy, name=name)
    if pol.action_sizes != sizes:
        raise ValueError(
            f"{name} must have shape {sizes} (one axis per member), got {pol.action_sizes}"
        )
    return pol


# ============================================================================= count form (W2)
#: Largest rank lookup grid ``(n+1)**(k-1)`` :func:`count_share_matrix` allocates.
_MAX_RANK_GRID = 2**24


@lru_cache(maxsize=8)
def _rank_grid(total: int, k: int) -> np.ndarray | None:
    """``grid[g(m)] = index(m)`` for count vectors ``m`` of ``total`` players, where
    ``g(m) = Σ_{a<k-1} m_a (total+1)^{k-2-a}`` is additive in ``m`` (``None`` when too large)."""
    if k == 1 or (total + 1) ** (k - 1) > _MAX_RANK_GRID:
        return None
    grid = np.full((total + 1) ** (k - 1), -1, dtype=np.int64)
    grid[_grid_codes(compositions(total, k), total)] = np.arange(n_compositions(total, k))
    grid.setflags(write=False)
    return grid


def _grid_codes(counts: np.ndarray, total: int) -> np.ndarray:
    k = counts.shape[-1]
    strides = (total + 1) ** np.arange(k - 2, -1, -1, dtype=np.int64)
    return counts[..., : k - 1] @ strides


def _sum_ranks(m1: np.ndarray, mo: np.ndarray, total: int) -> np.ndarray:
    """``index(m1[r] + mo[o])``, shape ``(len(m1), len(mo))``."""
    k = m1.shape[-1]
    grid = _rank_grid(total, k)
    if grid is None:
        return composition_index(m1[:, None, :] + mo[None, :, :], total=total)
    return grid[_grid_codes(m1, total)[:, None] + _grid_codes(mo, total)[None, :]]


def count_share_matrix(
    game: SymmetricUnitSumGame,
    coalition_size: int,
    rows: npt.ArrayLike | None = None,
    columns: npt.ArrayLike | None = None,
) -> npt.NDArray[np.float64]:
    """``W_x(m_1, m_o)``: ``c_1``'s total share at pure counts (MATH.md §1; (W2) above).

    Args:
        game: a symmetric unit-sum game with ``n`` players and ``k`` actions.
        coalition_size: ``n_1 = |c_1|``, in ``[1, n - 1]``.
        rows: indices into ``compositions(n_1, k)`` to compute (all when ``None``).
        columns: indices into ``compositions(n_o, k)`` to compute (all when ``None``).

    Returns:
        Shape ``(n_states, len(rows), len(columns))`` with ``n_o = n − n_1``; by default every row
        and every column of ``compositions(n_1, k)`` × ``compositions(n_o, k)``.
    """
    n, k = game.n_players, game.n_actions
    n1 = check_positive_int("coalition_size", coalition_size)
    if n1 >= n:
        raise ValueError(f"coalition_size must be below n_players={n}, got {n1}")
    m1 = compositions(n1, k)
    if rows is not None:
        m1 = m1[np.asarray(rows, dtype=np.int64)]
    mo = compositions(n - n1, k)
    if columns is not None:
        mo = mo[np.asarray(columns, dtype=np.int64)]
    full = game.full_table  # (S, k, n_full)
    out = np.empty((game.n_states, len(m1), len(mo)))
    chunk = max(1, _CHUNK // max(1, len(mo) * game.n_states))
    for start in range(0, len(m1), chunk):
        block = m1[start : start + chunk]
        rank = _sum_ranks(block, mo, n)  # (b, |Mo|)
        acc = np.zeros((game.n_states, len(block), len(mo)))
        for a in range(k):
            weight = block[:, a].astype(np.float64)
            if not weight.any():
                continue
            acc += full[:, a][:, rank] * weight[None, :, None]
        out[:, start : start + len(block)] = acc
    return out


def _symmetric_values(game: SymmetricUnitSumGame, dist: CountDistribution) -> np.ndarray:
    """``V[x, o] = Σ_{m_1} P_1(m_1) W_x(m_1, m_o)`` over the support of ``P_1``, shape ``(S, |Mo|)``."""
    support = np.flatnonzero(dist.probs)
    n1 = dist.n_members
    mo = compositions(game.n_players - n1, game.n_actions)
    out = np.zeros((game.n_states, len(mo)))
    chunk = max(1, _CHUNK // max(1, len(mo) * game.n_states))
    for start in range(0, len(support), chunk):
        rows = support[start : start + chunk]
        w = count_share_matrix(game, n1, rows)
        out += np.einsum("r,xro->xo", dist.probs[rows], w)
    return out


def _dense_values(
    shares: np.ndarray, members: tuple[int, ...], others: tuple[int, ...], joint: np.ndarray
) -> np.ndarray:
    """``V[x, a_{-1}] = Σ_{a_1} π_1(a_1) Σ_{i∈c_1} s_i(x, a)``, shape ``(S, k_{o_0}, …)``."""
    n = shares.shape[1]
    summed = shares[:, list(members)].sum(axis=1)  # (S, k_0, ..., k_{n-1})
    labels = [0, *range(1, n + 1)]
    return np.einsum(summed, labels, joint, [1 + i for i in members], [0, *(1 + i for i in others)])


def opponent_values(game: Any, coalition: Any, policy: Any) -> npt.NDArray[np.float64]:
    """``c_1``'s exact expected share against every pure action of the others (the terms of (W1)/(W2)).

    Args:
        game: a :class:`SymmetricUnitSumGame` (count form), :class:`UnitSumGame` or
            :class:`NormalFormGame` (one state, payoffs summed over the coalition).
        coalition: ``c_1``'s members, increasing player indices.
        policy: ``π_1`` — a joint array of shape ``(k_i for i in c_1)`` or a :class:`CoalitionPolicy`.

    Returns:
        Symmetric game: shape ``(n_states, C(n_o + k − 1, k − 1))``, columns over
        ``compositions(n_o, k)`` (the others' counts). Dense game: shape
        ``(n_states, k_{o_0}, …, k_{o_{n_o − 1}})`` over the others' actions in player order.
    """
    members, others = split_players(game, coalition)
    sizes = action_sizes_of(game)
    pol = as_coalition_policy(policy, tuple(sizes[i] for i in members))
    if isinstance(game, SymmetricUnitSumGame):
        return _symmetric_values(game, pol.count_distribution())
    shares, _ = dense_shares(game)
    return _dense_values(shares, members, others, pol.joint())


# ============================================================================= the worst case
@dataclass(frozen=True)
class WorstCase:
    """The exact worst case of a coalition policy (module docstring, (W1)/(W2)).

    Attributes:
        value: ``min_x min_{π_{-1}} r_1(x)``.
        per_state: ``min_{π_{-1}} r_1(x)`` for each state, shape ``(n_states,)``.
        expected: ``min_{π_{-1}} Σ_x prior(x) r_1(x)`` — the worst case when the others do not see
            ``x`` either (``>= value``).
        state: a state attaining ``value``.
        members: ``c_1``'s players.
        others: every other player, increasing.
        opponent_actions: the minimising pure actions of ``others`` at ``state``, shape ``(n_o,)``
            (in a symmetric game, the canonical profile of ``opponent_counts``: actions sorted).
        per_state_actions: the minimising actions for each state, shape ``(n_states, n_o)``.
        expected_actions: the others' actions minimising ``expected``, shape ``(n_o,)``.
        opponent_counts: symmetric games: the minimising count vector at ``state``, shape ``(k,)``;
            ``None`` in a dense game.
    """

    value: float
    per_state: npt.NDArray[np.float64]
    expected: float
    state: int
    members: tuple[int, ...]
    others: tuple[int, ...]
    opponent_actions: npt.NDArray[np.int64]
    per_state_actions: npt.NDArray[np.int64]
    expected_actions: npt.NDArray[np.int64]
    opponent_counts: npt.NDArray[np.int64] | None
    action_sizes: tuple[int, ...]

    def opponent_policies(
        self, coalitions: Sequence[Sequence[int]] | None = None, actions: Any = None
    ) -> list[CoalitionPolicy]:
        """The minimising opponent as one :class:`PurePolicy` per other coalition.

        Args:
            coalitions: a partition of :attr:`others` (each increasing); all others as one coalition
                when ``None``.
            actions: the others' actions to use, shape ``(n_o,)``; :attr:`opponent_actions` when
                ``None`` (e.g. pass ``per_state_actions[x]`` or ``expected_actions``).

        Returns:
            Policies to append after ``π_1`` in :func:`~powergames.theory.coalition_values.coalition_values`.
        """
        acts = self.opponent_actions if actions is None else np.asarray(actions)
        parts = [list(self.others)] if coalitions is None else [list(c) for c in coalitions]
        flat = sorted(i for c in parts for i in c)
        if flat != list(self.others):
            raise ValueError(
                f"coalitions must partition the other players {list(self.others)}, got {parts}"
            )
        where = {p: t for t, p in enumerate(self.others)}
        return [
            PurePolicy(acts[[where[i] for i in c]], [self.action_sizes[i] for i in c])
            for c in parts
        ]


def _canonical_actions(counts: np.ndarray) -> np.ndarray:
    """Actions sorted increasingly with the given counts, e.g. ``(2, 0, 1) -> (0, 0, 2)``."""
    return np.repeat(np.arange(len(counts)), counts).astype(np.int64)


def coalition_worst_case(game: Any, coalition: Any, policy: Any) -> WorstCase:
    """The exact worst case of ``π_1`` over the others' joint policies and ``x`` ((W1), (W2)).

    Args:
        game: a :class:`SymmetricUnitSumGame` (minimum over count vectors, (W2)), a
            :class:`UnitSumGame` or a :class:`NormalFormGame` (minimum over pure joint actions, (W1)).
        coalition: ``c_1``'s members (increasing); the others are pooled — the worst case does not
            depend on their partition (module docstring).
        policy: ``π_1`` — a joint array ``(k_i for i in c_1)`` or a :class:`CoalitionPolicy` (in a
            symmetric game only its exact count distribution is used).

    Returns:
        A :class:`WorstCase` with the minimising opponent.

    Examples:
        >>> from powergames.games import majority_game
        >>> from powergames.theory.theorem_policies import theorem1_policy
        >>> wc = coalition_worst_case(majority_game(5, 4), [0, 1, 2], theorem1_policy(3, 4))
        >>> round(wc.value, 6)  # Theorem 1 guarantees >= 1 - 1/k = 0.75
        0.875
        >>> wc.opponent_counts.tolist()  # the outsiders split over two actions
        [0, 0, 1, 1]
    """
    members, others = split_players(game, coalition)
    values = opponent_values(game, members, policy)
    sizes = action_sizes_of(game)
    n_states = values.shape[0]
    flat = values.reshape(n_states, -1)
    best = flat.argmin(axis=1)
    per_state = flat[np.arange(n_states), best]
    state = int(per_state.argmin())
    prior = np.asarray(game.contexts.prior, dtype=np.float64)
    expected_all = prior @ flat
    e_best = int(expected_all.argmin())
    if isinstance(game, SymmetricUnitSumGame):
        mo = compositions(len(others), game.n_actions)
        per_actions = np.stack([_canonical_actions(mo[b]) for b in best])
        e_actions = _canonical_actions(mo[e_best])
        counts: np.ndarray | None = mo[best[state]].copy()
    else:
        shape = values.shape[1:]
        per_actions = np.stack([np.array(np.unravel_index(b, shape)) for b in best]).astype(
            np.int64
        )
        e_actions = np.array(np.unravel_index(e_best, shape), dtype=np.int64)
        counts = None
    return WorstCase(
        value=float(per_state[state]),
        per_state=per_state,
        expected=float(expected_all[e_best]),
        state=state,
        members=members,
        others=others,
        opponent_actions=per_actions[state].copy(),
        per_state_actions=per_actions,
        expected_actions=e_actions,
        opponent_counts=counts,
        action_sizes=sizes,
    )


@dataclass(frozen=True)
class CopyingWorstCase:
    """Theorem 2's copying policy: its value against the ``π_2`` it copies, beside its true worst case.

    Attributes:
        k: Theorem 2's ``k``.
        bound: ``(k−1)/k`` — the promise against the copied ``π_2`` (symmetric games).
        against_copied: ``r_1(x)`` against the copied policies, shape ``(n_states,)``.
        worst_case: the exact worst case over *every* policy of the others (:class:`WorstCase`).
        policy: the copying policy itself.
    """

    k: int
    bound: float
    against_copied: npt.NDArray[np.float64]
    worst_case: WorstCase
    policy: CoalitionPolicy


def copying_worst_case(
    game: Any, coalitions: Any, opponents: Sequence[Any], k: int | None = None, leftover: Any = None
) -> CopyingWorstCase:
    """Theorem 2's copying policy built from the others' policies, and how it fares against anyone.

    The copying policy is built from one ``π_2`` (the others pooled, MATH.md §1): against that
    ``π_2`` a symmetric game gives it ``>= (k−1)/k`` in every state, but other opponents can push it
    lower — :attr:`CopyingWorstCase.worst_case` is that exact minimum, with the minimising opponent.

    Args:
        game: a game with one action set (symmetric for Theorem 2's bound to hold).
        coalitions: a partition; ``coalitions[0]`` is ``c_1``, the rest are pooled as ``c_2``.
        opponents: one policy per ``coalitions[1:]`` (joint arrays or :class:`CoalitionPolicy`).
        k, leftover: as in :func:`~powergames.theory.theorem_policies.coalition_copying_policy`.
    """
    sizes = action_sizes_of(game)
    parts = check_coalitions(coalitions, len(sizes))
    if isinstance(opponents, np.ndarray) or not isinstance(opponents, Sequence):
        raise TypeError("opponents must be a list with one policy per other coalition")
    if len(opponents) != len(parts) - 1:
        raise ValueError(
            f"opponents must have one policy per other coalition ({len(parts) - 1}), "
            f"got {len(opponents)}"
        )
    pols = [
        as_coalition_policy(p, tuple(sizes[i] for i in c), f"opponents[{j}]")
        for j, (p, c) in enumerate(zip(opponents, parts[1:]))
    ]
    n1 = len(parts[0])
    copy = coalition_copying_policy(pols, n1, k=k, leftover=leftover)
    kk = max_guarantee_k(n1, len(sizes)) if k is None else int(k)
    against = coalition_values(game, [list(c) for c in parts], [copy, *pols])[:, 0]
    return CopyingWorstCase(
        kk, (kk - 1) / kk, against, coalition_worst_case(game, parts[0], copy), copy
    )


__all__ = [
    "CopyingWorstCase",
    "copying_worst_case",
    "PurePolicy",
    "WorstCase",
    "as_coalition_policy",
    "coalition_worst_case",
    "count_share_matrix",
    "dense_shares",
    "opponent_values",
    "split_players",
]
