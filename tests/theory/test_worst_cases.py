"""The exact worst case of a coalition policy against brute force over the others' pure actions."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from conftest import random_simplex, seeds, symmetric_games, unit_sum_games
from hypothesis import given
from hypothesis import strategies as st

from powergames.games import NormalFormGame, UnitSumGame, majority_game
from powergames.theory.coalition_policies import ExchangeablePolicy, IndependentPolicy, JointPolicy
from powergames.theory.coalition_values import coalition_values
from powergames.theory.theorem_policies import (
    coalition_copying_policy,
    max_guarantee_k,
    theorem1_policy,
)
from powergames.theory.worst_cases import (
    PurePolicy,
    coalition_worst_case,
    opponent_values,
)


# ------------------------------------------------------------------------------- brute force
def brute_force_worst(shares: np.ndarray, members: list[int], joint: np.ndarray) -> np.ndarray:
    """``min_{a_{-1}} Σ_{a_1} π_1(a_1) Σ_{i∈c_1} s_i(x, a)`` per state by explicit loops."""
    n_states, n = shares.shape[:2]
    sizes = shares.shape[2:]
    others = [i for i in range(n) if i not in members]
    out = np.full(n_states, np.inf)
    for a_o in itertools.product(*(range(sizes[i]) for i in others)):
        for x in range(n_states):
            v = 0.0
            for a_1 in itertools.product(*(range(sizes[i]) for i in members)):
                prof = [0] * n
                for i, a in zip(members, a_1):
                    prof[i] = a
                for i, a in zip(others, a_o):
                    prof[i] = a
                v += joint[a_1] * sum(shares[(x, i, *prof)] for i in members)
            out[x] = min(out[x], v)
    return out


def random_coalition(rng: np.random.Generator, n: int) -> list[int]:
    size = int(rng.integers(1, n))
    return sorted(int(i) for i in rng.choice(n, size=size, replace=False))


def random_joint(rng: np.random.Generator, sizes: tuple[int, ...]) -> np.ndarray:
    return random_simplex(rng, (int(np.prod(sizes)),)).reshape(sizes)


# ------------------------------------------------------------------------------- properties
@given(symmetric_games(max_players=5))
def test_symmetric_worst_case_equals_brute_force(case):
    """Count-vector minimisation (W2) = brute force over every pure joint action of the others."""
    game, rng = case
    if game.n_players < 2:
        return
    dense = game.to_dense()
    members = random_coalition(rng, game.n_players)
    joint = random_joint(rng, (game.n_actions,) * len(members))  # not exchangeable in general
    wc = coalition_worst_case(game, members, joint)
    expected = brute_force_worst(dense.shares, members, joint)
    np.testing.assert_allclose(wc.per_state, expected, atol=1e-10)
    assert wc.value == pytest.approx(expected.min(), abs=1e-10)
    # the dense path agrees too
    wd = coalition_worst_case(dense, members, joint)
    np.testing.assert_allclose(wd.per_state, expected, atol=1e-10)


@given(unit_sum_games(max_players=3, max_k=3))
def test_dense_worst_case_equals_brute_force(case):
    game, rng = case
    members = random_coalition(rng, game.n_players)
    joint = random_joint(rng, tuple(game.n_actions[i] for i in members))
    wc = coalition_worst_case(game, members, joint)
    expected = brute_force_worst(game.shares, members, joint)
    np.testing.assert_allclose(wc.per_state, expected, atol=1e-10)


@given(symmetric_games(max_players=6), st.booleans())
def test_minimising_opponent_attains_the_worst_case(case, partition):
    """The returned opponent, fed to coalition_values (an independent code path), gives the value."""
    game, rng = case
    if game.n_players < 2:
        return
    members = random_coalition(rng, game.n_players)
    probs = random_simplex(rng, (len(_counts(len(members), game.n_actions)),))
    pol = ExchangeablePolicy(probs, len(members), game.n_actions)
    wc = coalition_worst_case(game, members, pol)
    others = list(wc.others)
    parts = [others[:1], others[1:]] if partition and len(others) > 1 else [others]
    opp = wc.opponent_policies(parts)
    for x in range(game.n_states):
        got = coalition_values(
            game, [members, *parts], [pol, *wc.opponent_policies(parts, wc.per_state_actions[x])]
        )[x, 0]
        assert got == pytest.approx(wc.per_state[x], abs=1e-10)
    got = coalition_values(game, [members, *parts], [pol, *opp])[wc.state, 0]
    assert got == pytest.approx(wc.value, abs=1e-10)
    exp = coalition_values(
        game, [members, *parts], [pol, *wc.opponent_policies(parts, wc.expected_actions)]
    )
    assert game.prior @ exp[:, 0] == pytest.approx(wc.expected, abs=1e-10)
    assert wc.expected >= wc.value - 1e-12


@given(symmetric_games(max_players=5), seeds())
def test_no_mixed_opponent_does_worse(case, seed):
    """Random mixed opponents, independent or correlated, never push r_1 below the worst case."""
    game, _ = case
    if game.n_players < 2:
        return
    rng = np.random.default_rng(seed)
    members = random_coalition(rng, game.n_players)
    others = [i for i in range(game.n_players) if i not in members]
    k = game.n_actions
    pol = IndependentPolicy(len(members), random_simplex(rng, (k,)))
    wc = coalition_worst_case(game, members, pol)
    for _ in range(5):
        correlated = JointPolicy(random_joint(rng, (k,) * len(others)))
        values = coalition_values(game, [members, others], [pol, correlated])[:, 0]
        assert np.all(values >= wc.per_state - 1e-10)
        singles = [IndependentPolicy(1, random_simplex(rng, (k,))) for _ in others]
        values = coalition_values(game, [members, *[[i] for i in others]], [pol, *singles])[:, 0]
        assert np.all(values >= wc.per_state - 1e-10)


def _counts(n: int, k: int):
    from powergames.games import compositions

    return compositions(n, k)


# ------------------------------------------------------------------------------- theorems
@given(st.integers(2, 9), st.integers(2, 4), st.data())
def test_theorem1_policy_keeps_one_minus_one_over_k_against_every_opponent(n, k, data):
    """Theorem 1: a strict majority playing one uniform shared action gets >= 1 - 1/k, exactly."""
    size = data.draw(st.integers(n // 2 + 1, n - 1)) if n // 2 + 1 <= n - 1 else None
    if size is None:
        return
    game = majority_game(n, k)
    wc = coalition_worst_case(game, list(range(size)), theorem1_policy(size, k))
    assert wc.value >= 1 - 1 / k - 1e-12
    if k ** (n - size) * k**size <= 3**7:  # and against every pure opponent by brute force
        joint = theorem1_policy(size, k).joint()
        brute = brute_force_worst(game.to_dense().shares, list(range(size)), joint)
        assert brute.min() == pytest.approx(wc.value, abs=1e-12)


@given(symmetric_games(min_players=3, max_players=7), seeds())
def test_theorem2_copying_worst_case_beside_its_guarantee(case, seed):
    """Theorem 2's copying policy gets >= (k-1)/k against the π_2 it copies; its true worst case
    (any opponent) is at most that value and is what the report shows beside it."""
    game, _ = case
    rng = np.random.default_rng(seed)
    n, k_act = game.n_players, game.n_actions
    size = int(rng.integers((n + 1) // 2, n))  # at least half: Theorem 2 with k >= 2
    k = max_guarantee_k(size, n)
    if k < 2:
        return
    members, others = list(range(size)), list(range(size, n))
    pi2 = JointPolicy(random_joint(rng, (k_act,) * len(others)))
    copy = coalition_copying_policy(pi2, size, k=k)
    against = coalition_values(game, [members, others], [copy, pi2])[:, 0]
    assert np.all(against >= (k - 1) / k - 1e-10)
    wc = coalition_worst_case(game, members, copy)
    assert np.all(wc.per_state <= against + 1e-10)


# ------------------------------------------------------------------------------- inputs
def test_pure_policy_views_agree():
    p = PurePolicy([2, 0, 2], [3, 3, 3])
    assert p.joint()[2, 0, 2] == 1.0
    np.testing.assert_array_equal(p.count_distribution().mean(), [1, 0, 2])
    np.testing.assert_array_equal(p.sample(4, np.random.default_rng(0)), [[2, 0, 2]] * 4)
    with pytest.raises(ValueError, match=r"actions\[1\] = 3"):
        PurePolicy([0, 3], [3, 3])


def test_normal_form_game_sums_payoffs(rng):
    payoffs = rng.normal(size=(3, 2, 3, 2))
    game = NormalFormGame(payoffs)
    joint = random_joint(rng, (2, 2))
    wc = coalition_worst_case(game, [0, 2], joint)
    assert wc.value == pytest.approx(brute_force_worst(payoffs[None], [0, 2], joint).min())


def test_bad_inputs(rng):
    game = majority_game(4, 3)
    with pytest.raises(ValueError, match="no other players"):
        coalition_worst_case(game, [0, 1, 2, 3], theorem1_policy(4, 3))
    with pytest.raises(ValueError, match="increasing"):
        coalition_worst_case(game, [2, 1], theorem1_policy(2, 3))
    with pytest.raises(ValueError, match="outside"):
        coalition_worst_case(game, [0, 7], theorem1_policy(2, 3))
    with pytest.raises(ValueError, match="policy is a policy for 3 members"):
        coalition_worst_case(game, [0, 1], theorem1_policy(3, 3))
    with pytest.raises(ValueError, match=r"policy must have shape \(3, 3\)"):
        coalition_worst_case(game, [0, 1], np.full((3, 3, 3), 1 / 27))
    with pytest.raises(TypeError, match="coalition must be a list"):
        coalition_worst_case(game, "01", theorem1_policy(2, 3))
    with pytest.raises(TypeError, match="game must be"):
        coalition_worst_case(object(), [0], np.ones(3) / 3)
    shares = np.moveaxis(random_simplex(rng, (1, 2, 2, 2)), -1, 1)
    dense = UnitSumGame(shares)
    with pytest.raises(ValueError, match="must sum to 1"):
        opponent_values(dense, [0], [0.5, 0.6])


@given(symmetric_games(min_players=3, max_players=7), seeds())
def test_copying_worst_case_report(case, seed):
    """The report: >= (k-1)/k against the copied π_2 (Theorem 2), its exact worst case below that,
    attained by the returned opponent."""
    from powergames.theory.worst_cases import copying_worst_case

    game, _ = case
    rng = np.random.default_rng(seed)
    n, k_act = game.n_players, game.n_actions
    size = int(rng.integers((n + 1) // 2, n))
    members, others = list(range(size)), list(range(size, n))
    split = int(rng.integers(1, len(others) + 1))
    parts = [members, others[:split], others[split:]] if split < len(others) else [members, others]
    pols = [JointPolicy(random_joint(rng, (k_act,) * len(c))) for c in parts[1:]]
    rep = copying_worst_case(game, parts, pols)
    assert rep.k == max_guarantee_k(size, n)
    assert np.all(rep.against_copied >= rep.bound - 1e-10)
    assert np.all(rep.worst_case.per_state <= rep.against_copied + 1e-10)
    got = coalition_values(
        game, [members, others], [rep.policy, *rep.worst_case.opponent_policies()]
    )[rep.worst_case.state, 0]
    assert got == pytest.approx(rep.worst_case.value, abs=1e-10)
