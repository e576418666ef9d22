"""Structured coalition values (pools, shared-action and correlated parts) against the convolution
path and brute force; the one-pass kernels; count-vector blocks; the memory guard."""

import itertools
import math

import numpy as np
import pytest
from conftest import random_simplex, seeds
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import gammaln, xlogy

import powergames.games.memory as memory_mod
from powergames.games import (
    CountDistribution,
    MajorityCountGame,
    compositions,
    convolve_counts,
    majority_game,
    multinomial_pmf,
    random_symmetric_unit_sum_game,
)
from powergames.games.counts import composition_blocks, composition_index
from powergames.games.symmetric import SymmetricUnitSumGame
from powergames.theory import (
    ExchangeablePolicy,
    IndependentPolicy,
    JointPolicy,
    ProductPolicy,
    SharedActionPolicy,
    coalition_copying_policy,
    coalition_values,
    contiguous_coalitions,
    theorem1_policy,
)
from powergames.theory.coalition_structure import structured_values
from powergames.theory.coalition_values import check_policies, convolved_values
from powergames.theory.count_expectations import (
    MAX_IID_REST,
    expected_iid_rest,
    expected_table,
)
from powergames.theory.partitions import check_coalitions


def brute_values(shares, coalitions, joints):
    """r_j(x) by an explicit loop over every pure profile (MATH.md (1.4))."""
    out = np.zeros((shares.shape[0], len(coalitions)))
    for a in itertools.product(*(range(k) for k in shares.shape[2:])):
        p = math.prod(joint[tuple(a[i] for i in c)] for c, joint in zip(coalitions, joints))
        for j, c in enumerate(coalitions):
            for i in c:
                out[:, j] += p * shares[(slice(None), i, *a)]
    return out


def joint_of(policy):
    return policy.joint() if hasattr(policy, "joint") else policy


def structured_policy(rng, size, k, strategies):
    """A product of parts drawn from i.i.d. (strategies shared across parts, so pools form),
    shared-action, exchangeable and one-member joint parts."""
    parts = []
    left = size
    while left:
        m = int(rng.integers(1, left + 1))
        kind = int(rng.integers(0, 5))
        if kind <= 1:
            parts.append(IndependentPolicy(m, strategies[int(rng.integers(len(strategies)))]))
        elif kind == 2:
            parts.append(SharedActionPolicy(m, k, random_simplex(rng, (k,))))
        elif kind == 3 and m <= 3:
            probs = random_simplex(rng, (len(compositions(m, k)),))
            probs[rng.random(len(probs)) < 0.3] = 0.0
            probs = probs / probs.sum() if probs.sum() > 0 else np.eye(len(probs))[0]
            parts.append(ExchangeablePolicy(CountDistribution(m, k, probs)))
        else:
            m = 1
            parts.append(JointPolicy(random_simplex(rng, (k,))))
        left -= m
    return parts[0] if len(parts) == 1 else ProductPolicy(parts)


def values_three_ways(game, coalitions, policies):
    members = check_coalitions(coalitions, game.n_players)
    checked = check_policies(policies, members, game.action_sizes)
    fast = structured_values(game, members, checked)
    direct = structured_values(game, members, checked, use_unit_sum=False)
    return fast, direct, convolved_values(game, members, checked)


@settings(max_examples=60, deadline=None)
@given(
    seed=seeds(),
    n=st.integers(1, 6),
    k=st.integers(1, 3),
    n_states=st.integers(1, 2),
    majority=st.booleans(),
)
def test_structured_values_equal_brute_force(seed, n, k, n_states, majority):
    rng = np.random.default_rng(seed)
    game = majority_game(n, k) if majority else random_symmetric_unit_sum_game(n, k, n_states, rng)
    labels = rng.integers(0, 3, size=n)
    coalitions = [list(np.flatnonzero(labels == v)) for v in np.unique(labels)]
    strategies = [random_simplex(rng, (k,)) for _ in range(2)]
    policies = [structured_policy(rng, len(c), k, strategies) for c in coalitions]
    fast, direct, conv = values_three_ways(game, coalitions, policies)
    dense = game.to_dense()
    brute = brute_values(dense.shares, coalitions, [joint_of(p) for p in policies])
    np.testing.assert_allclose(conv, brute, atol=1e-12)
    if fast is not None:
        np.testing.assert_allclose(fast, brute, atol=1e-12)
    if direct is not None:  # every coalition computed, none by unit sum (may cost too much: None)
        np.testing.assert_allclose(direct, brute, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    seed=seeds(),
    n=st.integers(8, 40),
    k=st.integers(2, 5),
    n_states=st.integers(1, 2),
    majority=st.booleans(),
)
def test_structured_values_equal_the_convolution_path(seed, n, k, n_states, majority):
    rng = np.random.default_rng(seed)
    if math.comb(n + k - 1, k - 1) > 200_000:
        n = 12
    game = majority_game(n, k) if majority else random_symmetric_unit_sum_game(n, k, n_states, rng)
    cut = sorted(rng.choice(np.arange(1, n), size=min(2, n - 1), replace=False).tolist())
    sizes = np.diff([0, *cut, n]).tolist()
    coalitions = contiguous_coalitions(sizes)
    strategies = [random_simplex(rng, (k,)) for _ in range(2)]
    policies = [structured_policy(rng, s, k, strategies) for s in sizes]
    fast, direct, conv = values_three_ways(game, coalitions, policies)
    if fast is not None:
        np.testing.assert_allclose(fast, conv, atol=1e-11)
    if direct is not None:
        np.testing.assert_allclose(direct, conv, atol=1e-11)
        np.testing.assert_allclose(direct.sum(axis=1), 1.0, atol=1e-11)


@settings(max_examples=30, deadline=None)
@given(seed=seeds(), n=st.integers(3, 60), k=st.integers(2, 5), majority=st.booleans())
def test_theorem_policies_take_the_fast_path_and_agree(seed, n, k, majority):
    rng = np.random.default_rng(seed)
    if math.comb(n + k - 1, k - 1) > 200_000:
        n = 15
    game = majority_game(n, k) if majority else random_symmetric_unit_sum_game(n, k, 2, rng)
    size = n // 2 + 1 + int(rng.integers(0, n - n // 2 - 1)) if n > 2 else 2
    size = min(size, n - 1)
    opp = IndependentPolicy(n - size, random_simplex(rng, (k,)))
    coalitions = contiguous_coalitions([size, n - size])
    leftover = size % (n - size)  # Theorem 2's leftovers at the largest k
    for policies in ([theorem1_policy(size, k), opp], [coalition_copying_policy(opp, size), opp]):
        fast, direct, conv = values_three_ways(game, coalitions, policies)
        if leftover <= MAX_IID_REST:  # then never the convolution fallback
            assert fast is not None
        if fast is not None:
            np.testing.assert_allclose(fast, conv, atol=1e-11)
        if direct is not None:
            np.testing.assert_allclose(direct, conv, atol=1e-11)
        np.testing.assert_allclose(coalition_values(game, coalitions, policies), conv, atol=1e-11)


@settings(max_examples=40, deadline=None)
@given(seed=seeds(), n=st.integers(2, 25), k=st.integers(1, 4), n_rest=st.integers(0, 8))
def test_one_pass_kernels_equal_convolution(seed, n, k, n_rest):
    """E[table[x, a, c + s]] for c ~ Mult(N, σ), s ~ Mult(L, u) or a small support, by convolution."""
    rng = np.random.default_rng(seed)
    n_rest = min(n_rest, n - 1)
    game = random_symmetric_unit_sum_game(n, k, 2, rng)
    sigma = random_simplex(rng, (k,)) + 1e-3
    sigma /= sigma.sum()
    u = random_simplex(rng, (k,))
    n_big = n - 1 - n_rest
    big = CountDistribution.trusted(n_big, k, multinomial_pmf(n_big, sigma))
    small = CountDistribution.trusted(n_rest, k, multinomial_pmf(n_rest, u))
    both = convolve_counts(big, small).probs
    want = np.einsum("xar,r->xa", game.table, both)
    np.testing.assert_allclose(expected_iid_rest(game, n_big, sigma, n_rest, u), want, atol=1e-12)
    keep = np.flatnonzero(small.probs)
    support = (compositions(n_rest, k)[keep], small.probs[keep])
    np.testing.assert_allclose(expected_table(game, n_big, sigma, support), want, atol=1e-12)


@given(total=st.integers(0, 40), k=st.integers(1, 6), rows=st.integers(1, 500))
def test_composition_blocks_concatenate_to_the_enumeration(total, k, rows):
    if math.comb(total + k - 1, k - 1) > 300_000:
        total = 10
    blocks = list(composition_blocks(total, k, rows))
    starts = [s for s, _ in blocks]
    assert starts == np.cumsum([0] + [len(b) for _, b in blocks[:-1]]).tolist()
    np.testing.assert_array_equal(np.concatenate([b for _, b in blocks]), compositions(total, k))


@given(seed=seeds(), total=st.integers(0, 3000), k=st.integers(1, 4))
def test_multinomial_pmf_equals_the_log_gamma_formula(seed, total, k):
    if math.comb(total + k - 1, k - 1) > 300_000:
        total = 50
    sigma = random_simplex(np.random.default_rng(seed), (k,))
    c = compositions(total, k).astype(np.float64)
    ref = np.exp(gammaln(total + 1.0) - gammaln(c + 1.0).sum(axis=1) + xlogy(c, sigma).sum(axis=1))
    np.testing.assert_allclose(multinomial_pmf(total, sigma), ref, rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize("n, k", [(1, 1), (2, 3), (7, 4), (13, 3), (6, 6)])
def test_trusted_generators_pass_the_full_validation(n, k):
    for game in (majority_game(n, k), random_symmetric_unit_sum_game(n, k, 2, 0)):
        again = SymmetricUnitSumGame(n, np.array(game.table), prior=np.array(game.prior))
        assert again == game
        np.testing.assert_allclose(game.profile_totals(), 1.0, atol=1e-12)
        m = compositions(n, k)
        for a in range(k):  # full_table, now computed on first use, still reads table at m - e_a
            rows = np.flatnonzero(m[:, a])
            dropped = m[rows].copy()
            dropped[:, a] -= 1
            np.testing.assert_array_equal(
                game.full_table[:, a, rows], game.table[:, a, composition_index(dropped, n - 1)]
            )


def test_the_size_guard_gives_its_estimate(monkeypatch):
    monkeypatch.setattr(memory_mod, "physical_memory", lambda: 24 * 2**30)
    with pytest.raises(
        ValueError, match=r"random 3-action .* 30000 players .* needs about 2\d\.\d GiB"
    ):
        random_symmetric_unit_sum_game(30_000, 3, 2, 0)
    with pytest.raises(ValueError, match=r"table 20\.1 GiB .* 21\.6 GiB .* of 24\.0 GiB"):
        random_symmetric_unit_sum_game(30_000, 3, 2, 0)
    with pytest.raises(
        ValueError, match=r"count vectors of 3000 players over 4 actions needs about 1"
    ):
        compositions(3000, 4)
    monkeypatch.setattr(memory_mod, "physical_memory", lambda: 2**20)
    with pytest.raises(ValueError, match="majority game of 200 players and 3 actions needs about"):
        majority_game(200, 3)


@settings(max_examples=30, deadline=None)
@given(seed=seeds(), n=st.integers(1, 30), k=st.integers(1, 4))
def test_the_table_free_majority_game_equals_the_table(seed, n, k):
    rng = np.random.default_rng(seed)
    if math.comb(n + k - 1, k - 1) > 50_000:
        n = 10
    table_game, formula = majority_game(n, k), MajorityCountGame(n, k)
    actions = rng.integers(0, k, size=(50, n))
    states = np.zeros(50, dtype=np.int64)
    np.testing.assert_array_equal(
        formula.payoffs_batch(states, actions), table_game.payoffs_batch(states, actions)
    )
    cut = int(rng.integers(0, n + 1))
    sizes = [s for s in (cut, n - cut) if s]
    strategies = [random_simplex(rng, (k,)) for _ in range(2)]
    coalitions = contiguous_coalitions(sizes)
    policies = [structured_policy(rng, s, k, strategies) for s in sizes]
    want = coalition_values(table_game, coalitions, policies)
    np.testing.assert_allclose(coalition_values(formula, coalitions, policies), want, atol=1e-12)
