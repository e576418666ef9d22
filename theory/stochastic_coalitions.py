"""Coalition values and Theorem 2 with policies in stochastic unit-sum games (MATH.md §5).

A Markov coalition policy of a coalition ``c`` is an array ``(S, k_{c_0}, …, k_{c_{m-1}})``: in each
state a joint distribution over its members' actions (members may correlate). The coalitions'
policies are independent of each other; the joint policy is their product and a coalition's value
for a hidden ``x`` is its expected discounted share ``E[Σ_τ γ^τ Σ_{i∈c} s_i(x, s_τ, a_τ)]``, one
linear solve per ``x`` (:func:`~powergames.theory.stochastic_values.evaluate_joint`).

**The policy-copying profile.** Each of the ``k − 1`` sub-coalitions ``c^l`` of the majority runs
the minority's policy on its own members' contexts: member ``c^l_j`` acts as ``c_2``'s member
``c_{2,j}`` would in the state ``q_l s`` where ``q_l`` exchanges the seats of ``c^l`` and ``c_2``
member by member (computed from the game's seat swaps). With a minority policy that is
*egocentric* — unchanged by any relabelling of the seats outside ``c_2``
(:func:`egocentric_policy` makes one) — and leftover players whose policies do not depend on the
seats of ``c_2`` and the copies (e.g. state-independent), ``c_2`` and the copies are exchangeable in
a symmetric game and ``c_1`` gets at least ``(k − 1)/k`` of the total for every ``x``.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from powergames.games.checks import check_distribution
from powergames.games.stochastic import StochasticGame, StochasticUnitSumGame
from powergames.theory.stochastic_values import evaluate_joint

FloatArray = npt.NDArray[np.float64]


def _check_partition(n: int, coalitions: Sequence[Sequence[int]]) -> list[list[int]]:
    out = [[int(i) for i in c] for c in coalitions]
    flat = sorted(i for c in out for i in c)
    if flat != list(range(n)) or any(not c for c in out):
        raise ValueError(
            f"coalitions must partition the players 0..{n - 1} into non-empty groups, got {coalitions}"
        )
    return out


def joint_of_coalitions(
    game: StochasticUnitSumGame | StochasticGame,
    coalitions: Sequence[Sequence[int]],
    policies: Sequence[Any],
) -> FloatArray:
    """The joint Markov policy ``(S, k_0, …, k_{n-1})`` of independent coalition policies.

    Args:
        game: the game (for sizes).
        coalitions: a partition of the players.
        policies: per coalition ``(S, k_{c_0}, …)`` arrays, each a distribution per state.
    """
    cs = _check_partition(game.n_players, coalitions)
    if len(policies) != len(cs):
        raise ValueError(
            f"policies must have one entry per coalition ({len(cs)}), got {len(policies)}"
        )
    S, n = game.n_states, game.n_players
    joint = np.ones((S,) + (1,) * n)
    for j, (c, pol) in enumerate(zip(cs, policies)):
        shape = (S, *(game.n_actions[i] for i in c))
        p = np.asarray(pol, dtype=np.float64)
        if p.shape != shape:
            raise ValueError(
                f"policies[{j}] must have shape {shape} for coalition {c}, got {p.shape}"
            )
        check_distribution(
            f"policies[{j}]", p.reshape(S, -1), shape=(S, int(np.prod(shape[1:]))), axis=1
        )
        # place the members' axes at their seats
        order = np.argsort(c)
        p = np.transpose(p, (0, *(1 + o for o in order)))
        full = [1] * n
        for i in sorted(c):
            full[i] = game.n_actions[i]
        joint = joint * p.reshape(S, *full)
    return joint


@dataclass(frozen=True)
class StochasticCoalitionValues:
    """Coalition values per hidden ``x``.

    Attributes:
        per_state: ``(n_x, m, S)``: expected discounted shares from each start state.
        values: ``(n_x, m)``: from ``μ_0``.
        normalised: ``(n_x, m)``: ``values / W`` (``W = 1/(1 − γ)`` or ``H``), in ``[0, 1]``.
        worst: ``(m,)``: ``min_x normalised``.
    """

    per_state: FloatArray
    values: FloatArray
    normalised: FloatArray
    worst: FloatArray


def stochastic_coalition_values(
    game: StochasticUnitSumGame, coalitions: Sequence[Sequence[int]], policies: Sequence[Any]
) -> StochasticCoalitionValues:
    """Exact coalition values of Markov coalition policies (MATH.md §5), per hidden ``x``."""
    if not isinstance(game, StochasticUnitSumGame):
        raise TypeError(f"game must be a StochasticUnitSumGame, got {type(game).__name__}")
    cs = _check_partition(game.n_players, coalitions)
    joint = joint_of_coalitions(game, cs, policies)
    dyn = game.game_at(0)
    per = np.empty((game.n_x, len(cs), game.n_states))
    for x in range(game.n_x):
        sh = game.shares[x]  # (S, n, k...)
        rew = np.stack([sh[:, c].sum(axis=1) for c in cs])
        per[x] = evaluate_joint(dyn, joint, rew)
    values = per @ game.initial
    norm = values / game.total_weight
    return StochasticCoalitionValues(per, values, norm, norm.min(axis=0))


# ---------------------------------------------------------------------- seat relabellings
def _transposition_map(swaps: npt.NDArray[np.intp], a: int, b: int) -> npt.NDArray[np.intp]:
    """The state map of the seat transposition ``(a b)`` from adjacent swaps (a palindrome)."""
    a, b = min(a, b), max(a, b)
    idx = np.arange(swaps.shape[1])
    if a == b:
        return idx
    seq = [*range(a, b), *range(b - 2, a - 1, -1)]
    for j in seq:
        idx = swaps[j][idx]
    return idx


def seat_permutation_map(game: StochasticUnitSumGame, perm: Sequence[int]) -> npt.NDArray[np.intp]:
    """The state map of a seat relabelling: ``out[s]`` is ``s`` with player ``j``'s part moved to
    seat ``perm[j]`` (composed from the game's adjacent seat swaps).

    Raises:
        ValueError: if the game has no ``seat_swaps`` or ``perm`` is not a permutation.
    """
    n = game.n_players
    perm = [int(p) for p in perm]
    if sorted(perm) != list(range(n)):
        raise ValueError(f"perm must be a permutation of 0..{n - 1}, got {perm}")
    if game.seat_swaps is None:
        raise ValueError("seat relabellings need the game's seat_swaps")
    idx = np.arange(game.n_states)
    seat_of = list(range(n))  # seat_of[j]: where player j's original part is now
    for t in range(n):
        j = perm.index(t)
        c = seat_of[j]
        if c != t:
            idx = _transposition_map(game.seat_swaps, t, c)[idx]
            other = seat_of.index(t)
            seat_of[other], seat_of[j] = c, t
    return idx


def egocentric_policy(
    game: StochasticUnitSumGame, members: Sequence[int], policy: Any
) -> FloatArray:
    """``policy`` averaged over every relabelling of the seats outside ``members``: a policy that
    depends on the others' parts of the state only as an unlabelled set (MATH.md §5)."""
    members = [int(i) for i in members]
    rest = [i for i in range(game.n_players) if i not in members]
    pol = np.asarray(policy, dtype=np.float64)
    out = np.zeros_like(pol)
    count = 0
    for images in itertools.permutations(rest):
        perm = list(range(game.n_players))
        for src, dst in zip(rest, images):
            perm[src] = dst
        out += pol[seat_permutation_map(game, perm)]
        count += 1
    return out / count


def policy_copying_profile(
    game: StochasticUnitSumGame,
    minority: Sequence[int],
    minority_policy: Any,
    copies: Sequence[Sequence[int]],
    leftover_policies: dict[int, Any] | None = None,
) -> tuple[list[list[int]], list[FloatArray]]:
    """Theorem 2's coalition-copying profile with policies (MATH.md §5).

    Args:
        game: a symmetric :class:`~powergames.games.StochasticUnitSumGame` with ``seat_swaps``.
        minority: ``c_2``'s members, in the order the copies map onto.
        minority_policy: ``(S, k, …, k)`` with one action axis per member of ``c_2``.
        copies: the ``k − 1`` sub-coalitions of ``c_1``, each as long as ``c_2``; copy ``l``'s member
            ``j`` plays as ``minority[j]`` on the relabelled state.
        leftover_policies: player -> ``(S, k)`` policy for every player in neither (each its own
            coalition).

    Returns:
        ``(coalitions, policies)`` ready for :func:`stochastic_coalition_values`: the minority, the
        copies, then one coalition per leftover player.
    """
    members = [int(i) for i in minority]
    copy_lists = [[int(i) for i in c] for c in copies]
    leftover_policies = dict(leftover_policies or {})
    used = set(members) | {i for c in copy_lists for i in c}
    rest = [i for i in range(game.n_players) if i not in used]
    if sorted(leftover_policies) != rest:
        raise ValueError(
            f"leftover_policies must give a policy for exactly the players {rest} outside the "
            f"minority and the copies, got {sorted(leftover_policies)}"
        )
    if any(len(c) != len(members) for c in copy_lists):
        raise ValueError("every copy must have as many members as the minority")
    pol = np.asarray(minority_policy, dtype=np.float64)
    coalitions: list[list[int]] = [members]
    policies: list[FloatArray] = [pol]
    for c in copy_lists:
        perm = list(range(game.n_players))
        for a, b in zip(c, members):
            perm[a], perm[b] = b, a
        coalitions.append(c)
        policies.append(pol[seat_permutation_map(game, perm)])
    for i in rest:
        coalitions.append([i])
        policies.append(np.asarray(leftover_policies[i], dtype=np.float64))
    return coalitions, policies


__all__ = [
    "StochasticCoalitionValues",
    "egocentric_policy",
    "joint_of_coalitions",
    "policy_copying_profile",
    "seat_permutation_map",
    "stochastic_coalition_values",
]
