"""The optimal guarantee (G1)/(G2) against an independent LP over full joint policies."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from conftest import random_simplex, seeds, symmetric_games, unit_sum_games
from hypothesis import given
from hypothesis import strategies as st
from scipy.optimize import linprog

from powergames.games import compositions, majority_game
from powergames.theory import guarantees as guarantee_module
from powergames.theory.coalition_policies import IndependentPolicy, JointPolicy
from powergames.theory.coalition_values import coalition_values
from powergames.theory.guarantees import (
    GuaranteeTooLarge,
    coalition_best_response,
    coalition_guarantee,
)
from powergames.theory.theorem_policies import (
    coalition_copying_policy,
    max_guarantee_k,
    theorem1_policy,
)
from powergames.theory.worst_cases import coalition_worst_case, count_share_matrix


def brute_force_guarantee(shares: np.ndarray, members: list[int]) -> float:
    """``max_{π_1 ∈ Δ(A^{c_1})} min_{x, a_{-1}} E r_1`` built constraint by constraint with loops."""
    n_states, n = shares.shape[:2]
    sizes = shares.shape[2:]
    others = [i for i in range(n) if i not in members]
    own = list(itertools.product(*(range(sizes[i]) for i in members)))
    rows = []
    for x in range(n_states):
        for a_o in itertools.product(*(range(sizes[i]) for i in others)):
            row = []
            for a_1 in own:
                prof = [0] * n
                for i, a in zip(members, a_1):
                    prof[i] = a
                for i, a in zip(others, a_o):
                    prof[i] = a
                row.append(sum(shares[(x, i, *prof)] for i in members))
            rows.append(row)
    m = np.array(rows)  # (constraints, own joint actions)
    n_var = len(own)
    res = linprog(
        np.r_[np.zeros(n_var), -1.0],
        A_ub=np.hstack([-m, np.ones((len(m), 1))]),
        b_ub=np.zeros(len(m)),
        A_eq=np.r_[np.ones(n_var), 0.0][None],
        b_eq=[1.0],
        bounds=[(0, None)] * n_var + [(None, None)],
        method="highs",
    )
    assert res.status == 0
    return float(res.x[-1])


def random_coalition(rng: np.random.Generator, n: int) -> list[int]:
    size = int(rng.integers(1, n))
    return sorted(int(i) for i in rng.choice(n, size=size, replace=False))


@given(symmetric_games(max_players=5))
def test_exchangeable_reduction_equals_the_full_joint_lp(case):
    """(G2) over count distributions = the LP over full joint policies of c_1 (brute force) = (G1)."""
    game, rng = case
    if game.n_players < 2:
        return
    members = random_coalition(rng, game.n_players)
    dense = game.to_dense()
    expected = brute_force_guarantee(dense.shares, members)
    for method in ("lp", "double_oracle"):
        rep = coalition_guarantee(game, members, method=method)
        assert rep.method.startswith("counts")
        assert rep.value == pytest.approx(expected, abs=1e-7)
        assert rep.value - 1e-12 <= rep.upper <= rep.value + 1e-7
        joint = coalition_guarantee(dense, members, method=method)
        assert joint.method.startswith("joint")
        assert joint.value == pytest.approx(expected, abs=1e-7)
        assert joint.upper <= joint.value + 1e-7


@given(unit_sum_games(max_players=3, max_k=3))
def test_dense_guarantee_equals_brute_force(case):
    game, rng = case
    members = random_coalition(rng, game.n_players)
    rep = coalition_guarantee(game, members)
    assert rep.value == pytest.approx(brute_force_guarantee(game.shares, members), abs=1e-7)


@given(symmetric_games(max_players=7), seeds(), st.sampled_from(["lp", "double_oracle"]))
def test_guarantee_dominates_every_policy_and_is_certified(case, seed, method):
    """G >= the worst case of any policy; the returned policy attains G; the minimax opponent
    holds every pure count vector of c_1 to <= G (so no policy can beat G)."""
    game, _ = case
    if game.n_players < 2:
        return
    rng = np.random.default_rng(seed)
    n1 = int(rng.integers(1, game.n_players))
    members = list(range(n1))
    k = game.n_actions
    rep = coalition_guarantee(game, members, method=method)
    assert coalition_worst_case(game, members, rep.policy).value == pytest.approx(
        rep.value, abs=1e-7
    )
    assert rep.per_state.min() == pytest.approx(rep.value, abs=1e-7)
    for pol in (
        IndependentPolicy(n1, random_simplex(rng, (k,))),
        theorem1_policy(n1, k),
    ):
        assert rep.value >= coalition_worst_case(game, members, pol).value - 1e-9
    # the dual certificate: E_{(x, m_o) ~ adversary} W_x(m_1, m_o) <= G for every m_1
    w = count_share_matrix(game, n1)  # (S, |M1|, |Mo|)
    mo = compositions(game.n_players - n1, k)
    cols = np.array([np.flatnonzero((mo == c).all(axis=1))[0] for c in rep.adversary_counts])
    against = (w[rep.adversary_states, :, cols] * rep.adversary_probs[:, None]).sum(axis=0)
    assert np.all(against <= rep.value + 1e-7)
    assert rep.adversary_probs.sum() == pytest.approx(1.0)


@given(st.integers(3, 12), st.integers(2, 4), st.data())
def test_guarantee_at_least_theorem1_in_the_majority_game(n, k, data):
    size = data.draw(st.integers(n // 2 + 1, n - 1))
    rep = coalition_guarantee(majority_game(n, k), list(range(size)))
    assert rep.theorem1_worst_case >= 1 - 1 / k - 1e-12
    assert rep.value >= rep.theorem1_worst_case - 1e-9
    assert rep.value >= rep.theorem1_bound - 1e-9


@given(symmetric_games(min_players=3, max_players=7, max_states=1), seeds())
def test_one_state_guarantee_reaches_theorem2_without_knowing_the_opponent(case, seed):
    """With one state, (G2) is a finite zero-sum game: by the minimax theorem and Theorem 2,
    G >= (k-1)/k — knowing π_2 is not needed for Theorem 2's level."""
    game, _ = case
    rng = np.random.default_rng(seed)
    n = game.n_players
    size = int(rng.integers((n + 1) // 2, n))
    rep = coalition_guarantee(game, list(range(size)))
    k = max_guarantee_k(size, n)
    assert rep.theorem2_k == k
    assert rep.value >= (k - 1) / k - 1e-9


@given(symmetric_games(min_players=2, max_players=6), seeds())
def test_best_response_knowing_the_opponent(case, seed):
    """max_{π_1} min_x r_1 against a known π_2: >= G, >= the copying policy's value (Theorem 2),
    and the returned policy attains it; with one state it is the best pure count vector."""
    game, _ = case
    rng = np.random.default_rng(seed)
    n, k = game.n_players, game.n_actions
    size = int(rng.integers(1, n))
    members, others = list(range(size)), list(range(size, n))
    pi2 = JointPolicy(random_simplex(rng, (k ** len(others),)).reshape((k,) * len(others)))
    br = coalition_best_response(game, [members, others], [pi2])
    rep = coalition_guarantee(game, members)
    assert br.value >= rep.value - 1e-9
    values = coalition_values(game, [members, others], [br.policy, pi2])[:, 0]
    assert values.min() == pytest.approx(br.value, abs=1e-9)
    kk = max_guarantee_k(size, n)
    if kk >= 2:
        copy = coalition_copying_policy(pi2, size, k=kk)
        copy_value = coalition_values(game, [members, others], [copy, pi2])[:, 0].min()
        assert br.value >= copy_value - 1e-9 >= (kk - 1) / kk - 2e-9
    if game.n_states == 1:
        pure = [
            coalition_values(game, [members, others], [JointPolicy(_pure(a, k)), pi2])[0, 0]
            for a in itertools.product(range(k), repeat=size)
        ]
        assert br.value == pytest.approx(max(pure), abs=1e-9)
    dense = coalition_best_response(game.to_dense(), [members, others], [pi2])
    assert dense.value == pytest.approx(br.value, abs=1e-8)


def _pure(actions: tuple[int, ...], k: int) -> np.ndarray:
    out = np.zeros((k,) * len(actions))
    out[actions] = 1.0
    return out


def test_too_large_is_refused_with_a_bracket(monkeypatch):
    game = majority_game(9, 3)
    true = coalition_guarantee(game, list(range(5))).value
    monkeypatch.setattr(guarantee_module, "MAX_LP_ENTRIES", 10)
    with pytest.raises(GuaranteeTooLarge, match="variables") as info:
        coalition_guarantee(game, list(range(5)), method="lp")
    assert coalition_guarantee(game, list(range(5))).value == pytest.approx(true, abs=1e-9)
    assert info.value.lower - 1e-9 <= true <= info.value.upper + 1e-9
    dense = majority_game(5, 3).to_dense()
    with pytest.raises(GuaranteeTooLarge) as info:
        coalition_guarantee(dense, [0, 1, 2])
    monkeypatch.setattr(guarantee_module, "MAX_LP_ENTRIES", 2**26)
    true = coalition_guarantee(dense, [0, 1, 2]).value
    assert info.value.lower - 1e-9 <= true <= info.value.upper + 1e-9


def test_normal_form_payoffs_are_rescaled(rng):
    """The LP runs on payoffs mapped onto [0, 1]: an affine change of payoffs maps G the same way."""
    from powergames.games import NormalFormGame

    payoffs = rng.normal(size=(2, 3, 3))
    base = coalition_guarantee(NormalFormGame(payoffs), [0]).value
    scaled = coalition_guarantee(NormalFormGame(1e6 * payoffs + 7.0), [0]).value
    assert scaled == pytest.approx(1e6 * base + 7.0, rel=1e-9)
    assert base == pytest.approx(brute_force_guarantee(payoffs[None], [0]), abs=1e-9)


def test_bad_inputs():
    game = majority_game(4, 3)
    with pytest.raises(ValueError, match="no other players"):
        coalition_guarantee(game, [0, 1, 2, 3])
    with pytest.raises(ValueError, match="method must be one of"):
        coalition_guarantee(game, [0, 1], method="simplex")
    with pytest.raises(ValueError, match="one entry per other coalition"):
        coalition_best_response(game, [[0, 1], [2, 3]], [])
    with pytest.raises(ValueError, match="must not overlap"):
        coalition_best_response(game, [[0, 1], [1, 2, 3]], [np.ones((3,) * 3) / 27])
