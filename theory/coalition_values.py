"""Exact coalition values, dense and in count form (MATH.md §1, equations (1.4) and (1.9)).

The value of coalition ``j`` in state ``x`` is

    r_j(x, π_1..π_m) = Σ_a (Π_{j'} π_{j'}(a_{c_{j'}})) Σ_{i∈c_j} s_i(x, a)           MATH.md (1.4)

computed by one contraction over the dense share tensor, or — in a symmetric game, where only
count distributions matter — from the members' count distributions: the members of ``c_j`` on
action ``a`` each receive ``table[x, a, index(m - e_a)]`` where ``m`` counts everybody's actions, so

    r_j(x) = Σ_a Σ_m Q_{j,a}(m) · table[x, a, index(m - e_a)],                       MATH.md (1.9)
    Q_{j,a}(m) = Σ_{m_j + m_rest = m} P_j(m_j) · m_j[a] · P_rest(m_rest),

where ``P_j`` is coalition ``j``'s count distribution and ``P_rest`` the convolution of the others'
(:mod:`powergames.games.counts`), so the cost is polynomial in ``n`` for fixed ``k``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from powergames.games.base import Game, check_game, context_payoffs
from powergames.games.checks import as_float_array
from powergames.games.counts import CountDistribution, convolve_counts, convolve_weighted
from powergames.games.majority_counts import MajorityCountGame
from powergames.games.symmetric import SymmetricUnitSumGame
from powergames.theory.coalition_policies import (
    CoalitionPolicy,
    IndependentPolicy,
    JointPolicy,
    ProductPolicy,
)
from powergames.theory.coalition_structure import structured_values
from powergames.theory.partitions import check_coalitions

__all__ = [
    "CoalitionReport",
    "check_policies",
    "check_type_free",
    "coalition_report",
    "coalition_values",
]


def _as_policy(value: Any, sizes: tuple[int, ...], name: str) -> CoalitionPolicy:
    if isinstance(value, CoalitionPolicy):
        if value.n_members != len(sizes) or tuple(value.action_sizes) != sizes:
            raise ValueError(
                f"{name} is a policy for {value.n_members} members with action sizes "
                f"{tuple(value.action_sizes)}; the coalition needs {len(sizes)} members with {sizes}"
            )
        return value
    if isinstance(value, str | bytes):
        raise TypeError(f"{name} must be a joint array or a CoalitionPolicy, got a string")
    arr = as_float_array(name, value)
    if arr.shape != sizes:
        raise ValueError(f"{name} must have shape {sizes} (one axis per member), got {arr.shape}")
    return JointPolicy(arr, name=name)


def check_policies(
    policies: Any, members: tuple[tuple[int, ...], ...], n_actions: tuple[int, ...]
) -> list[CoalitionPolicy]:
    """One validated :class:`CoalitionPolicy` per coalition (dense arrays become :class:`JointPolicy`)."""
    if isinstance(policies, np.ndarray) or not isinstance(policies, Sequence):
        raise TypeError(
            f"policies must be a list with one policy per coalition, got {type(policies).__name__}"
        )
    if len(policies) != len(members):
        raise ValueError(
            f"policies must have one entry per coalition ({len(members)}), got {len(policies)}"
        )
    return [
        _as_policy(p, tuple(n_actions[i] for i in c), f"policies[{j}]")
        for j, (p, c) in enumerate(zip(policies, members))
    ]


def _dense_values(
    shares: npt.NDArray[np.float64],
    coalitions: tuple[tuple[int, ...], ...],
    policies: list[CoalitionPolicy],
) -> npt.NDArray[np.float64]:
    """``Σ_a Π_j π_j(a_{c_j}) Σ_{i∈c_j} s_i(x, a)`` by one einsum over the coalition-summed tensor.

    Shares are first summed within coalitions (a tensor ``n_coalitions / n`` the size of ``shares``);
    the joint policies are then contracted in a greedy order, so no intermediate is larger than that.
    """
    n = shares.shape[1]
    membership = np.zeros((len(coalitions), n))
    for j, c in enumerate(coalitions):
        membership[j, list(c)] = 1.0
    summed = np.tensordot(membership, shares, axes=([1], [1]))  # (n_coal, n_states, k_0, ...)
    # integer einsum labels: 0 = coalition, 1 = state, 2 + i = player i's action
    operands: list[Any] = [summed, [0, 1, *range(2, n + 2)]]
    for c, p in zip(coalitions, policies):
        operands += [p.joint(), [2 + i for i in c]]
    return np.asarray(np.einsum(*operands, [1, 0], optimize="greedy"), dtype=np.float64)


#: Count vectors (of the ``n − 1`` others) below which non-i.i.d. policies are convolved.
CONVOLVE_BELOW = 2_000


def _iid_blocks(policy: CoalitionPolicy) -> bool:
    """Whether ``policy`` is i.i.d. blocks only (an IndependentPolicy, or a product of such)."""
    if type(policy) is IndependentPolicy:
        return True
    return type(policy) is ProductPolicy and all(map(_iid_blocks, policy.parts))


def _symmetric_values(
    game: SymmetricUnitSumGame,
    coalitions: tuple[tuple[int, ...], ...],
    policies: list[CoalitionPolicy],
) -> npt.NDArray[np.float64]:
    """MATH.md (1.9): by policy structure when the rests are small, else by prefix and suffix
    convolutions of the coalitions' count distributions.

    On small games (fewer than :data:`CONVOLVE_BELOW` count vectors) a policy that is not i.i.d.
    blocks (Theorem 1's shared action, a correlated joint) is valued by convolution: planning the
    one-pass sums costs more there than the convolutions (measured: Theorem 1 at k = 3, n <= 60,
    0.10–0.15 ms against 0.17–0.22 ms; equal at n = 100, and the one pass 6–10x faster from
    n = 200).
    """
    if game.n_counts < CONVOLVE_BELOW and not all(map(_iid_blocks, policies)):
        return convolved_values(game, coalitions, policies)
    fast = structured_values(game, coalitions, policies)
    if fast is not None:
        return fast
    return convolved_values(game, coalitions, policies)


def convolved_values(
    game: SymmetricUnitSumGame,
    coalitions: tuple[tuple[int, ...], ...],
    policies: list[CoalitionPolicy],
) -> npt.NDArray[np.float64]:
    """MATH.md (1.9) by prefix and suffix convolutions of the coalitions' count distributions."""
    k = game.n_actions
    dists = [p.count_distribution() for p in policies]
    m = len(dists)
    # prefix[j] = dists[0] * … * dists[j-1], suffix[j] = dists[j+1] * … * dists[m-1]
    prefix = [CountDistribution.point_mass(k)]
    for d in dists[:-1]:
        prefix.append(convolve_counts(prefix[-1], d))
    suffix = [CountDistribution.point_mass(k)] * m
    for j in range(m - 2, -1, -1):
        suffix[j] = convolve_counts(dists[j + 1], suffix[j + 1])
    full = game.full_table  # (n_states, k, n_full)
    m_full = game.full_counts.T.astype(np.float64)  # (k, n_full)
    out = np.empty((game.n_states, m))
    q_sum = np.zeros((k, full.shape[2]))
    for j, d in enumerate(dists[:-1]):
        rest = convolve_counts(prefix[j], suffix[j])
        weights = d.probs[None, :] * d.counts.T  # (k, |P_j|): P_j(m_j) · m_j[a]
        if j == m - 2:  # one more row gives P_full = P_j * rest for the last coalition
            weights = np.vstack([weights, d.probs[None, :]])
        q = convolve_weighted(d, rest, weights)  # (k [+1], n_full)
        out[:, j] = np.einsum("xar,ar->x", full, q[:k])
        q_sum += q[:k]
    # the last coalition: Σ_j Q_{j,a}(m) = m_a · P_full(m), since the members' counts add up to m
    if m == 1:
        p_full = dists[0].probs
    else:
        p_full = q[k]
    out[:, m - 1] = np.einsum("xar,ar->x", full, m_full * p_full[None, :] - q_sum)
    return out


def check_type_free(game: object) -> Game:
    """Require a game without types (coalition values are defined for them, MATH.md §1).

    Raises:
        TypeError: not a game, or a game whose players have types (a Bayesian game with some
            ``T_i > 1``).
    """
    g = check_game("game", game)
    if any(t > 1 for t in g.type_sizes):
        raise TypeError(
            f"game must be a game without types (coalition values, MATH.md §1); this "
            f"{type(g).__name__} has type sizes {g.type_sizes}"
        )
    return g


def coalition_values(game: Game, coalitions: Any, policies: Any) -> npt.NDArray[np.float64]:
    """Exact coalition values ``r_j(x, π_1..π_m)``, MATH.md (1.4).

    Args:
        game: a game without types. A :class:`SymmetricUnitSumGame` (or the table-free
            :class:`~powergames.games.majority_counts.MajorityCountGame`) uses the count-form
            algorithm MATH.md (1.9) — by policy structure in one pass over the count vectors when
            the policies allow (:mod:`~powergames.theory.coalition_structure`), else by
            convolutions —, polynomial in ``n`` for fixed ``k``; any other (a ``UnitSumGame``, a
            ``NormalFormGame`` — one state, payoffs in place of shares) one dense contraction.
        coalitions: a partition of the players, e.g. ``[[0, 1, 2], [3, 4]]`` (members increasing,
            :func:`~powergames.theory.partitions.check_coalitions`).
        policies: one per coalition — a joint array of shape ``(k_i for i in c_j)`` or a
            :class:`~powergames.theory.coalition_policies.CoalitionPolicy`.

    Returns:
        Shape ``(n_states, n_coalitions)``; rows sum to one in a unit-sum game.

    Raises:
        TypeError: ``game`` not a game without types; a policy of the wrong kind.
        ValueError: a bad partition, a policy of the wrong shape, or a dense game too large.

    Example:
        >>> from powergames.games import majority_game
        >>> from powergames.theory.theorem_policies import theorem1_policy
        >>> g = majority_game(5, 3)
        >>> values = coalition_values(g, [[0, 1, 2], [3, 4]],
        ...                           [theorem1_policy(3, 3), np.full((3, 3), 1 / 9)])
        >>> values.round(4).tolist()  # 1/9 · 3/5 + 4/9 · 3/4 + 4/9 · 1
        [[0.8444, 0.1556]]
    """
    g = check_type_free(game)
    members = check_coalitions(coalitions, g.n_players)
    pols = check_policies(policies, members, g.action_sizes)
    if isinstance(g, SymmetricUnitSumGame):
        return _symmetric_values(g, members, pols)
    if isinstance(g, MajorityCountGame):  # shares by formula: structured, else via its table
        fast = structured_values(g, members, pols)
        return fast if fast is not None else convolved_values(g.to_table(), members, pols)
    if g.n_players > 50:
        raise ValueError(f"the dense contraction supports at most 50 players, got {g.n_players}")
    return _dense_values(context_payoffs(g), members, pols)


@dataclass(frozen=True)
class CoalitionReport:
    """Coalition values with the summaries the seed cares about.

    Attributes:
        values: ``r_j(x)``, shape ``(n_states, n_coalitions)``.
        min_over_x: ``min_x r_j(x)``, shape ``(n_coalitions,)`` — the guarantee "regardless of x".
        expected: ``E_x[r_j(x)]`` under the game's prior, shape ``(n_coalitions,)``.
    """

    values: npt.NDArray[np.float64]
    min_over_x: npt.NDArray[np.float64]
    expected: npt.NDArray[np.float64]


def coalition_report(game: Game, coalitions: Any, policies: Any) -> CoalitionReport:
    """:func:`coalition_values` plus ``min_x r_j(x)`` and the prior-weighted mean, MATH.md (1.4).

    Args:
        game, coalitions, policies: as in :func:`coalition_values`.

    Example:
        >>> from powergames.games import majority_game
        >>> from powergames.theory.theorem_policies import theorem1_policy
        >>> report = coalition_report(majority_game(3, 2), [[0, 1], [2]],
        ...                           [theorem1_policy(2, 2), [0.5, 0.5]])
        >>> report.min_over_x.round(4).tolist()  # 1/2 · 2/3 + 1/2 · 1
        [0.8333, 0.1667]
    """
    values = coalition_values(game, coalitions, policies)
    prior = check_game("game", game).contexts.prior
    return CoalitionReport(values, values.min(axis=0), prior @ values)
