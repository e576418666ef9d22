"""Theorems 1 and 2 of MATH.md §1 as property tests on random games.

Small games are checked against an independent brute force: an explicit loop over every pure profile,
with shares read from the definition (Theorem 1) or from the count table through a dictionary of count
vectors (Theorem 2), and profile probabilities multiplied out from the coalitions' joint arrays — no
library code for ranking, dense conversion, policy joints or convolutions. Larger games use the exact
count-form algorithm with structured (including correlated) opponent policies.
"""

import itertools

import numpy as np
from conftest import random_simplex, seeds
from hypothesis import assume, given
from hypothesis import strategies as st

from powergames.games import (
    CountDistribution,
    SymmetricUnitSumGame,
    compositions,
    majority_game,
    random_symmetric_unit_sum_game,
)
from powergames.theory import (
    ExchangeablePolicy,
    IndependentPolicy,
    SharedActionPolicy,
    coalition_copying_policy,
    coalition_values,
    contiguous_coalitions,
    max_guarantee_k,
    theorem1_policy,
)

TOL = 1e-9


def majority_shares(actions, k):
    """Shares split evenly among the players on the most common action, ties toward the lower one."""
    counts = [sum(1 for a in actions if a == b) for b in range(k)]
    winner = counts.index(max(counts))  # first maximum = lowest action among the tied
    return [1.0 / counts[winner] if a == winner else 0.0 for a in actions]


def table_shares(game, x, actions):
    """s_i(x, a) read from the count table through a dictionary of the enumerated count vectors."""
    column = {tuple(int(v) for v in row): r for r, row in enumerate(game.counts)}
    k = game.n_actions
    out = []
    for i, a_i in enumerate(actions):
        others = [actions[j] for j in range(len(actions)) if j != i]
        c = tuple(sum(1 for a in others if a == b) for b in range(k))
        out.append(game.table[x, a_i, column[c]])
    return out


def random_outsiders(rng, players, k):
    """Split ``players`` into 1..3 coalitions, each with a random joint (correlated) policy."""
    labels = rng.integers(0, 3, size=len(players))
    groups = [[players[t] for t in np.flatnonzero(labels == v)] for v in np.unique(labels)]
    joints = [random_simplex(rng, (k ** len(g),)).reshape((k,) * len(g)) for g in groups]
    return groups, joints


def random_structured(rng, size, k):
    """A random policy for a large coalition: correlated (exchangeable, shared action) or i.i.d."""
    kind = int(rng.integers(0, 3))
    if kind == 0:
        probs = random_simplex(rng, (len(compositions(size, k)),))
        return ExchangeablePolicy(CountDistribution(size, k, probs))
    if kind == 1:
        return SharedActionPolicy(size, k, random_simplex(rng, (k,)))
    return IndependentPolicy(size, random_simplex(rng, (k,)))


def sorted_coalitions(groups, policies):
    order = sorted(range(len(groups)), key=lambda j: groups[j][0])
    return [sorted(groups[j]) for j in order], [policies[j] for j in order], order


# ============================================================================ Theorem 1
@given(seed=seeds(), n=st.integers(1, 7), k=st.integers(2, 4))
def test_theorem_1_majority_coalition_gets_1_minus_1_over_k(seed, n, k):
    assume(k**n <= 2500)
    rng = np.random.default_rng(seed)
    size = int(rng.integers(n // 2 + 1, n + 1))  # a strict majority
    members = sorted(int(i) for i in rng.choice(n, size=size, replace=False))
    outsiders = [i for i in range(n) if i not in members]
    groups, joints = random_outsiders(rng, outsiders, k) if outsiders else ([], [])

    # brute force: the coalition's uniformly drawn action times every outsider profile
    brute = 0.0
    for shared in range(k):
        for rest in itertools.product(range(k), repeat=len(outsiders)):
            actions = [0] * n
            for i in members:
                actions[i] = shared
            for i, a in zip(outsiders, rest):
                actions[i] = a
            p = 1.0 / k
            for g, joint in zip(groups, joints):
                p *= joint[tuple(actions[i] for i in g)]
            shares = majority_shares(actions, k)
            brute += p * sum(shares[i] for i in members)
    assert brute >= 1 - 1 / k - TOL

    coalitions, policies, _ = sorted_coalitions(
        [members, *groups], [theorem1_policy(size, k), *joints]
    )
    j = coalitions.index(members)
    game = majority_game(n, k)
    exact = coalition_values(game, coalitions, policies)
    np.testing.assert_allclose(exact[0, j], brute, atol=1e-12)
    np.testing.assert_allclose(
        coalition_values(game.to_dense(), coalitions, policies)[0, j], brute, atol=1e-12
    )


@given(seed=seeds(), n=st.integers(3, 60), k=st.integers(2, 5))
def test_theorem_1_large_n_with_correlated_outsiders(seed, n, k):
    assume(k <= 3 or n <= 20)
    rng = np.random.default_rng(seed)
    size = int(rng.integers(n // 2 + 1, n))
    n_out = n - size
    cut = int(rng.integers(1, n_out + 1))
    sizes = [size, cut] + ([n_out - cut] if n_out > cut else [])
    policies = [theorem1_policy(size, k)] + [random_structured(rng, s, k) for s in sizes[1:]]
    values = coalition_values(majority_game(n, k), contiguous_coalitions(sizes), policies)
    assert values[0, 0] >= 1 - 1 / k - TOL
    np.testing.assert_allclose(values.sum(axis=1), 1.0, atol=1e-10)


# ============================================================================ Theorem 2
@given(seed=seeds(), n=st.integers(2, 6), k=st.integers(2, 3), n_states=st.integers(1, 3))
def test_theorem_2_copying_policy_guarantees_k_minus_1_over_k(seed, n, k, n_states):
    assume(k**n <= 729)
    rng = np.random.default_rng(seed)
    game = random_symmetric_unit_sum_game(n, k, n_states, rng)
    size = int(rng.integers((n + 1) // 2, n))  # at least half, so some k_T >= 2 applies
    k_t = int(rng.integers(2, max_guarantee_k(size, n) + 1))
    members = sorted(int(i) for i in rng.choice(n, size=size, replace=False))
    others = [i for i in range(n) if i not in members]
    groups, joints = random_outsiders(rng, others, k)
    leftover = random_simplex(rng, (k,))

    # c_2 pooled in coalition order; copy t = members[t|c_2| : (t+1)|c_2|], member u <-> pooled u
    pooled = [i for g in groups for i in g]
    n2 = len(pooled)
    copies = [members[t * n2 : (t + 1) * n2] for t in range(k_t - 1)]
    left = members[(k_t - 1) * n2 :]

    def pooled_prob(actions_of_pooled):
        p, start = 1.0, 0
        for g, joint in zip(groups, joints):
            p *= joint[tuple(actions_of_pooled[start : start + len(g)])]
            start += len(g)
        return p

    brute = np.zeros(n_states)
    for actions in itertools.product(range(k), repeat=n):
        p = pooled_prob([actions[i] for i in pooled])
        for copy in copies:
            p *= pooled_prob([actions[i] for i in copy])
        for i in left:
            p *= leftover[actions[i]]
        if p == 0.0:
            continue
        for x in range(n_states):
            shares = table_shares(game, x, actions)
            brute[x] += p * sum(shares[i] for i in members)
    assert brute.min() >= (k_t - 1) / k_t - TOL

    policy = coalition_copying_policy(joints, size, k=k_t, leftover=leftover)
    coalitions, policies, _ = sorted_coalitions([members, *groups], [policy, *joints])
    j = coalitions.index(members)
    exact = coalition_values(game, coalitions, policies)
    np.testing.assert_allclose(exact[:, j], brute, atol=1e-12)
    np.testing.assert_allclose(
        coalition_values(game.to_dense(), coalitions, policies)[:, j], brute, atol=1e-12
    )


@given(seed=seeds(), n=st.integers(4, 40), k=st.integers(2, 4), n_states=st.integers(1, 3))
def test_theorem_2_large_n_with_correlated_opponents(seed, n, k, n_states):
    assume(k <= 3 or n <= 16)
    rng = np.random.default_rng(seed)
    game = random_symmetric_unit_sum_game(n, k, n_states, rng)
    size = int(rng.integers((n + 1) // 2, n))
    n_out = n - size
    cut = int(rng.integers(1, n_out + 1))
    sizes = [size, cut] + ([n_out - cut] if n_out > cut else [])
    opponents = [random_structured(rng, s, k) for s in sizes[1:]]
    for k_t in range(2, max_guarantee_k(size, n) + 1):
        policy = coalition_copying_policy(opponents, size, k=k_t)
        values = coalition_values(game, contiguous_coalitions(sizes), [policy, *opponents])
        assert values[:, 0].min() >= (k_t - 1) / k_t - TOL


def test_theorem_2_bound_is_not_automatic():
    """In a game where only action 1 pays, a coalition that does not copy can get nothing."""
    n, k = 5, 2
    counts = compositions(n - 1, k)
    table = np.zeros((1, k, len(counts)))
    for r, c in enumerate(counts):
        m1 = c[1]  # others on action 1
        table[0, 1, r] = 1.0 / (m1 + 1)  # players on 1 split everything
        table[0, 0, r] = 1.0 / n if m1 == 0 else 0.0  # nobody on 1: an even split
    game = SymmetricUnitSumGame(n, table)
    opponents = SharedActionPolicy(2, k, [0.0, 1.0])
    coalitions = contiguous_coalitions([3, 2])
    naive = coalition_values(game, coalitions, [SharedActionPolicy(3, k, [1.0, 0.0]), opponents])
    assert naive[0, 0] < 0.5 - 0.1
    copying = coalition_copying_policy(opponents, 3)
    values = coalition_values(game, coalitions, [copying, opponents])
    assert values[0, 0] >= 0.5 - TOL
