"""Stochastic-game theory (MATH.md §5) against independent brute force.

The brute force below uses none of the library's solvers: values are sums over every trajectory
(finite horizons), truncated power series built by explicit loops, enumerations of every
deterministic (time- or history-dependent) policy, or vectorised rollouts with a confidence
interval.

Longer than ~500 lines: each brute force sits next to the property it checks, and the brute forces
share helpers (trajectory sums, policy enumeration), so the file is not split by solver.
"""

from __future__ import annotations

import itertools

import numpy as np


def joint_prob(pols, s, a):
    """``Π_i pols[i][s, a_i]``."""
    out = 1.0
    for i, ai in enumerate(a):
        out *= pols[i][s, ai]
    return out


def trajectory_value(game, pols, reward, s0, horizon, gamma=1.0):
    """``E[Σ_{τ<H} γ^τ r(s_τ, a_τ) | s_0]`` by summing over every trajectory.

    ``pols``: per player ``(S, k_i)``; ``reward``: ``(S, k_0, …)``.
    """
    S = game.n_states
    profiles = list(itertools.product(*(range(k) for k in game.n_actions)))
    total = 0.0
    # a trajectory is (a_0, s_1, a_1, ..., s_{H-1}, a_{H-1})
    steps = [profiles] + [range(S), profiles] * (horizon - 1)
    for traj in itertools.product(*steps):
        s = s0
        prob = 1.0
        ret = 0.0
        disc = 1.0
        for tau in range(horizon):
            a = traj[2 * tau]
            prob *= joint_prob(pols, s, a)
            if prob == 0:
                break
            ret += disc * reward[(s, *a)]
            disc *= gamma
            if tau + 1 < horizon:
                s2 = traj[2 * tau + 1]
                prob *= game.transitions[(s, *a, s2)]
                s = s2
        total += prob * ret
    return total


def series_value(game, pols, reward, n_terms=400):
    """``Σ_{τ<N} γ^τ P_π^τ r_π`` built by explicit loops (no linear solve)."""
    S = game.n_states
    p = np.zeros((S, S))
    r = np.zeros(S)
    for s in range(S):
        for a in itertools.product(*(range(k) for k in game.n_actions)):
            w = joint_prob(pols, s, a)
            r[s] += w * reward[(s, *a)]
            p[s] += w * game.transitions[(s, *a)]
    v = np.zeros(S)
    term = r.copy()
    for _ in range(n_terms):
        v += term
        term = game.discount * (p @ term)
    return v


def rollout_values(game, pols, rewards, s0, rng, n_episodes=4000, length=None):
    """Vectorised rollouts of a joint Markov policy: per reward ``(m,)`` means and standard errors,
    plus the truncation bound ``γ^L max|r|/(1 − γ)``."""
    S = game.n_states
    g = game.discount
    length = length or int(np.ceil(np.log(1e-6) / np.log(g))) if g > 0 else 1
    s = np.full(n_episodes, s0)
    ret = np.zeros((len(rewards), n_episodes))
    disc = 1.0
    for _ in range(length):
        a = [
            (pols[i][s].cumsum(axis=1) < rng.random((n_episodes, 1))).sum(axis=1)
            for i in range(game.n_players)
        ]
        a = [np.minimum(ai, game.n_actions[i] - 1) for i, ai in enumerate(a)]
        for m, r in enumerate(rewards):
            ret[m] += disc * r[(s, *a)]
        nxt = game.transitions[(s, *a)]
        s = np.minimum((nxt.cumsum(axis=1) < rng.random((n_episodes, 1))).sum(axis=1), S - 1)
        disc *= g
    tail = disc * max(float(np.abs(r).max()) for r in rewards) / (1 - g)
    return ret.mean(axis=1), ret.std(axis=1, ddof=1) / np.sqrt(n_episodes), tail


def best_history_policy_value_h2(game, player, profile, t_i, s0):
    """``max`` over every deterministic history-dependent policy of ``player`` with horizon 2 of
    the exact interim value, by enumerating the policies: ``a_0(s_0)`` and ``a_1(b_0, s_1)`` where
    ``b_0`` is the others' joint action seen at step 0.
    """
    i = player
    n, S = game.n_players, game.n_states
    k = game.n_actions[i]
    others = [j for j in range(n) if j != i]
    other_profiles = list(itertools.product(*(range(game.n_actions[j]) for j in others)))
    support = [t for t in itertools.product(*(range(T) for T in game.n_types)) if t[i] == t_i]
    weights = np.array([game.prior[t] for t in support])
    if weights.sum() == 0:
        return 0.0
    weights = weights / weights.sum()
    r = game.rewards[i][t_i]

    def full(ai, b):
        a = [0] * n
        a[i] = ai
        for j, bj in zip(others, b):
            a[j] = bj
        return tuple(a)

    def others_prob(t, s, b):
        out = 1.0
        for j, bj in zip(others, b):
            out *= profile[j][t[j], s, bj]
        return out

    keys = list(itertools.product(range(len(other_profiles)), range(S)))
    best = -np.inf
    for a0 in range(k):
        for choice in itertools.product(range(k), repeat=len(keys)):
            a1 = dict(zip(keys, choice))
            val = 0.0
            for w, t in zip(weights, support):
                for bi, b in enumerate(other_profiles):
                    pb = others_prob(t, s0, b)
                    if pb == 0:
                        continue
                    a = full(a0, b)
                    val += w * pb * r[(s0, *a)]
                    for s1 in range(S):
                        ps = game.transitions[(s0, *a, s1)]
                        if ps == 0:
                            continue
                        for b1 in other_profiles:
                            pb1 = others_prob(t, s1, b1)
                            val += w * pb * ps * pb1 * r[(s1, *full(a1[(bi, s1)], b1))]
            best = max(best, val)
    return best


import pytest  # noqa: E402

# ====================================================================== the tests
from conftest import seeds  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from powergames.games import random_bayesian_game  # noqa: E402
from powergames.games.gridworld import GridWorld  # noqa: E402
from powergames.games.stochastic import (  # noqa: E402
    StochasticGame,
    random_stochastic_game,
    random_symmetric_stochastic_unit_sum_game,
)
from powergames.theory import (  # noqa: E402
    achieved_value,
    nash_conv,
    power,
    solve_zero_sum,
)
from powergames.theory.power_cases import (  # noqa: E402
    bayesian_power_cases,
    shapley_equilibrium,
    stochastic_power_cases,
)
from powergames.theory.stochastic_coalitions import (  # noqa: E402
    egocentric_policy,
    policy_copying_profile,
    stochastic_coalition_values,
)
from powergames.theory.stochastic_power import (  # noqa: E402
    power_d,
    stochastic_best_response,
    stochastic_power_report,
)
from powergames.theory.stochastic_values import profile_values, solve_mdp  # noqa: E402


def _small_game(seed, *, kind="general", horizon=None, discount=0.7, max_types=2, n=None):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 4)) if n is None else n
    S = int(rng.integers(1, 4))
    types = tuple(int(t) for t in rng.integers(1, max_types + 1, size=n))
    ks = tuple(int(k) for k in rng.integers(1, 3, size=n))
    if horizon is not None:
        discount = None
    g = random_stochastic_game(S, types, ks, rng, kind, discount=discount, horizon=horizon)
    return g, rng


# ---------------------------------------------------------------------- policy evaluation
@settings(max_examples=25, deadline=None)
@given(seeds(), st.integers(1, 3))
def test_policy_evaluation_matches_trajectory_enumeration(seed, horizon):
    g, rng = _small_game(seed, horizon=horizon)
    prof = g.random_profile(rng)
    vals = profile_values(g, prof)
    for t in np.argwhere(g.prior > 0):
        pols = [prof[i][t[i]] for i in range(g.n_players)]
        for i in range(g.n_players):
            for s in range(g.n_states):
                want = trajectory_value(g, pols, g.rewards[i][t[i]], s, horizon)
                # per_type averages over t_{-i}; check the pure one-type-profile value through a
                # game whose prior is the point mass at t
                point = np.zeros_like(g.prior)
                point[tuple(t)] = 1.0
                one = g.with_rewards(g.rewards, point)
                got = profile_values(one, prof).per_type[i][t[i], s]
                assert got == pytest.approx(want, abs=1e-10)
    # the interim averages are posterior-weighted
    for i in range(g.n_players):
        assert vals.per_state[i] @ g.initial == pytest.approx(vals.from_initial[i])


@settings(max_examples=25, deadline=None)
@given(seeds())
def test_discounted_evaluation_matches_series_and_rollouts(seed):
    g, rng = _small_game(seed, discount=0.6, max_types=1)
    prof = g.random_profile(rng)
    pols = [p[0] for p in prof]
    vals = profile_values(g, prof)
    rewards = [g.rewards[i][0] for i in range(g.n_players)]
    for i in range(g.n_players):
        assert vals.per_state[i] == pytest.approx(series_value(g, pols, rewards[i]), abs=1e-9)
    mean, se, tail = rollout_values(g, pols, rewards, 0, rng, n_episodes=3000)
    assert np.all(np.abs(mean - vals.per_state[:, 0]) <= 5 * se + tail + 1e-12)


# ---------------------------------------------------------------------- MDP solvers
@settings(max_examples=25, deadline=None)
@given(seeds())
def test_mdp_solvers_agree_with_enumerated_stationary_policies(seed):
    rng = np.random.default_rng(seed)
    S, A = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    p = rng.exponential(size=(S, A, S))
    p /= p.sum(axis=2, keepdims=True)
    r = rng.normal(size=(3, S, A))
    g = 0.7
    best = np.full((3, S), -np.inf)
    for pol in itertools.product(range(A), repeat=S):
        pp = p[np.arange(S), pol]
        for m in range(3):
            rr = r[m, np.arange(S), pol]
            v = np.zeros(S)
            term = rr.copy()
            for _ in range(300):
                v += term
                term = g * (pp @ term)
            best[m] = np.maximum(best[m], v)
    exact = solve_mdp(p, r, discount=g)
    assert exact.values == pytest.approx(best, abs=1e-9)
    vi = solve_mdp(p, r, discount=g, method="value_iteration", tol=1e-6)
    assert np.abs(vi.values - best).max() <= vi.bound + 1e-12
    assert vi.bound <= 1e-6


def test_solve_mdp_input_errors():
    p = np.full((2, 2, 2), 0.5)
    with pytest.raises(ValueError, match="shape \\(m, S, A\\)"):
        solve_mdp(p, np.zeros((2, 3, 2)), discount=0.5)
    with pytest.raises(ValueError, match="exactly one"):
        solve_mdp(p, np.zeros((1, 2, 2)))
    with pytest.raises(ValueError, match="method must be"):
        solve_mdp(p, np.zeros((1, 2, 2)), discount=0.5, method="newton")


# ---------------------------------------------------------------------- best responses
@settings(max_examples=20, deadline=None)
@given(seeds(), st.integers(1, 2))
def test_mdp_best_response_matches_enumerated_time_dependent_policies(seed, horizon):
    g, rng = _small_game(seed, horizon=horizon, max_types=1)
    prof = g.random_profile(rng)
    for i in range(g.n_players):
        br = stochastic_best_response(g, i, prof)
        assert not br.belief
        k, S = g.n_actions[i], g.n_states
        best = np.full(S, -np.inf)
        for plan in itertools.product(range(k), repeat=S * horizon):
            # a time-dependent deterministic Markov policy, evaluated step by step by enumeration
            plan = np.array(plan).reshape(horizon, S)
            for s0 in range(S):
                best[s0] = max(best[s0], _time_dependent_value(g, prof, i, plan, s0))
        assert br.values[0] == pytest.approx(best, abs=1e-10)


def _time_dependent_value(g, prof, i, plan, s0):
    pols_at = []
    for tau in range(plan.shape[0]):
        pols = [p[0] for p in prof]
        own = np.zeros((g.n_states, g.n_actions[i]))
        own[np.arange(g.n_states), plan[tau]] = 1.0
        pols[i] = own
        pols_at.append(pols)
    # dist over states at each step, explicit loops
    dist = np.zeros(g.n_states)
    dist[s0] = 1.0
    total = 0.0
    for pols in pols_at:
        nxt = np.zeros(g.n_states)
        for s in range(g.n_states):
            if dist[s] == 0:
                continue
            for a in itertools.product(*(range(k) for k in g.n_actions)):
                w = dist[s] * joint_prob(pols, s, a)
                total += w * g.rewards[i][(0, s, *a)]
                nxt += w * g.transitions[(s, *a)]
        dist = nxt
    return total


@settings(max_examples=25, deadline=None)
@given(seeds(), st.integers(2, 3))
def test_belief_best_response_matches_enumerated_history_policies(seed, n):
    rng = np.random.default_rng(seed)
    S = int(rng.integers(1, 3))
    types = (int(rng.integers(1, 3)),) + (2,) * (n - 1)
    g = random_stochastic_game(S, types, (2,) * n, rng, horizon=2, discount=None)
    prof = g.random_profile(rng, pure=bool(rng.integers(2)))
    br = stochastic_best_response(g, 0, prof)
    for t0 in np.flatnonzero(g.type_support[0]):
        for s0 in range(S):
            want = best_history_policy_value_h2(g, 0, prof, int(t0), s0)
            assert br.values[t0, s0] == pytest.approx(want, abs=1e-10)


@settings(max_examples=15, deadline=None)
@given(seeds())
def test_discounted_belief_best_response_is_certified(seed):
    rng = np.random.default_rng(seed)
    g = random_stochastic_game(2, (1, 2), (2, 2), rng, discount=0.5)
    prof = g.random_profile(rng, pure=True)
    loose = stochastic_best_response(g, 0, prof, tol=1e-2)
    tight = stochastic_best_response(g, 0, prof, tol=1e-4)
    assert loose.bound <= 1e-2 and tight.bound <= 1e-4
    assert np.all(np.abs(loose.values - tight.values) <= loose.bound + tight.bound + 1e-12)
    # no worse than any stationary deterministic Markov policy of player 0 (exact evaluation)
    for plan in itertools.product(range(2), repeat=2):
        own = np.zeros((1, 2, 2))
        own[0, np.arange(2), plan] = 1.0
        v = profile_values(g, [own, prof[1]]).per_type[0][0]
        assert np.all(v <= tight.values[0] + tight.bound + 1e-12)


# ---------------------------------------------------------------------- POWER, NashConv, scarcity
@settings(max_examples=20, deadline=None)
@given(seeds())
def test_power_and_nash_conv_from_brute_force(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 4))
    S = int(rng.integers(1, 3))
    g = random_stochastic_game(S, (2,) * n, (2,) * n, rng, horizon=2, discount=None)
    prof = g.random_profile(rng)
    rep = stochastic_power_report(g, prof)
    brute_power = np.zeros(n)
    for i in range(n):
        for t in np.flatnonzero(g.type_support[i]):
            for s0 in range(S):
                v = best_history_policy_value_h2(g, i, prof, int(t), s0)
                brute_power[i] += g.type_marginals[i][t] * g.initial[s0] * v
    achieved = np.zeros(n)
    for t in np.argwhere(g.prior > 0):
        pols = [prof[j][t[j]] for j in range(n)]
        for i in range(n):
            for s0 in range(S):
                achieved[i] += (
                    g.prior[tuple(t)]
                    * g.initial[s0]
                    * trajectory_value(g, pols, g.rewards[i][t[i]], s0, 2)
                )
    assert rep.power == pytest.approx(brute_power, abs=1e-10)
    assert rep.achieved == pytest.approx(achieved, abs=1e-10)
    assert rep.nash_conv == pytest.approx((brute_power - achieved).sum(), abs=1e-9)
    assert rep.nash_conv >= -1e-10


@settings(max_examples=25, deadline=None)
@given(seeds(), st.sampled_from(["horizon", "discount"]))
def test_power_scarcity_on_random_constant_sum_games(seed, time):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 4))
    S = int(rng.integers(1, 4))
    kw = {"horizon": 2, "discount": None} if time == "horizon" else {"discount": 0.6}
    types = (2,) * n if time == "horizon" else (1,) * n
    g = random_stochastic_game(S, types, (2,) * n, rng, "constant_sum", **kw)
    c = g.constant_sum_value()
    rep = stochastic_power_report(g, g.random_profile(rng))
    assert rep.achieved.sum() == pytest.approx(c * g.total_weight, abs=1e-9)
    assert rep.power.sum() >= c * g.total_weight - 1e-9 - n * rep.bound
    assert rep.scarcity_gap == pytest.approx(rep.nash_conv, abs=1e-9)
    # a random mixed profile is (generically) not an equilibrium: the gap is strictly positive
    assert rep.scarcity_gap > 1e-9


@settings(max_examples=15, deadline=None)
@given(seeds())
def test_power_scarcity_is_tight_at_equilibria(seed):
    rng = np.random.default_rng(seed)
    S = int(rng.integers(1, 4))
    ks = tuple(int(k) for k in rng.integers(1, 4, size=2))
    g = random_stochastic_game(S, (1, 1), ks, rng, "constant_sum", discount=0.6)
    prof, _ = shapley_equilibrium(g, tol=1e-11)
    rep = stochastic_power_report(g, prof)
    c = g.constant_sum_value()
    assert abs(rep.power.sum() - c / (1 - 0.6)) <= 1e-7
    assert rep.nash_conv <= 1e-7


@settings(max_examples=20, deadline=None)
@given(seeds())
def test_power_scarcity_tight_at_one_shot_bayesian_equilibria(seed):
    rng = np.random.default_rng(seed)
    b = random_bayesian_game((2, 3), (2, 3), rng, "constant_sum")
    prof = solve_zero_sum(b)
    g = StochasticGame.from_bayesian(b)
    rep = stochastic_power_report(g, [p[:, None] for p in prof])
    assert rep.nash_conv <= 1e-7
    assert abs(rep.scarcity_gap) <= 1e-7


# ---------------------------------------------------------------------- one state, one step
@settings(max_examples=30, deadline=None)
@given(seeds())
def test_one_state_case_equals_the_bayesian_results(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 4))
    b = random_bayesian_game(
        tuple(rng.integers(1, 4, n).tolist()), tuple(rng.integers(1, 4, n).tolist()), rng
    )
    prof = [rng.dirichlet(np.ones(k), size=t) for t, k in zip(b.n_types, b.n_actions)]
    g = StochasticGame.from_bayesian(b)
    rep = stochastic_power_report(g, [p[:, None] for p in prof])
    np.testing.assert_allclose(rep.power, power(b, prof), rtol=0, atol=1e-12)
    np.testing.assert_allclose(rep.achieved, achieved_value(b, prof), rtol=0, atol=1e-12)
    assert rep.nash_conv == pytest.approx(nash_conv(b, prof), abs=1e-12)
    cases = stochastic_power_cases(g)
    bc = bayesian_power_cases(b)
    np.testing.assert_allclose(cases.best, b.best_case_power(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(cases.best, bc.best, rtol=0, atol=1e-12)
    np.testing.assert_allclose(cases.worst, bc.worst, rtol=0, atol=1e-9)


# ---------------------------------------------------------------------- the three cases
@settings(max_examples=30, deadline=None)
@given(seeds())
def test_worst_le_power_le_best_in_bayesian_games(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 4))
    b = random_bayesian_game(
        tuple(rng.integers(1, 4, n).tolist()), tuple(rng.integers(1, 4, n).tolist()), rng
    )
    cases = bayesian_power_cases(b)
    for _ in range(5):
        prof = [rng.dirichlet(np.ones(k), size=t) for t, k in zip(b.n_types, b.n_actions)]
        pw = power(b, prof)
        assert np.all(cases.worst <= pw + 1e-9) and np.all(pw <= cases.best + 1e-9)


def test_worst_case_is_the_security_level_in_matching_pennies():
    from powergames.games import matching_pennies

    cases = bayesian_power_cases(matching_pennies())
    np.testing.assert_allclose(cases.worst, [0.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(cases.best, [1.0, 1.0])


@settings(max_examples=15, deadline=None)
@given(seeds(), st.sampled_from(["horizon", "discount"]))
def test_worst_le_power_le_best_in_stochastic_games(seed, time):
    # discounted: one type each (the belief recursion of typed discounted games is exponential
    # in its depth; the horizon case covers the belief MDP)
    kw = {"horizon": 2} if time == "horizon" else {"discount": 0.6, "max_types": 1}
    g, rng = _small_game(seed, **kw)
    cases = stochastic_power_cases(g, tol=1e-9)
    for _ in range(3):
        rep = stochastic_power_report(g, g.random_profile(rng), tol=1e-6)
        slack = 1e-8 + cases.bound + rep.bound
        assert np.all(cases.worst_map <= rep.power_map + slack)
        assert np.all(rep.power_map <= cases.best_map + slack)


# ---------------------------------------------------------------------- coalitions, Theorem 2
@settings(max_examples=20, deadline=None)
@given(seeds())
def test_coalition_values_match_trajectory_enumeration(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 4))
    g = random_symmetric_stochastic_unit_sum_game(n, 2, 2, 2, rng, discount=None, horizon=2)
    cut = int(rng.integers(1, n))
    coalitions = [list(range(cut)), list(range(cut, n))]
    policies = [
        rng.dirichlet(np.ones(2 ** len(c)), size=g.n_states).reshape(g.n_states, *(2,) * len(c))
        for c in coalitions
    ]
    got = stochastic_coalition_values(g, coalitions, policies)
    # brute force: the joint as one "player" per coalition over its flattened joint action
    for x in range(g.n_x):
        for j, c in enumerate(coalitions):
            want = 0.0
            for s0 in range(g.n_states):
                want += g.initial[s0] * _coalition_trajectories(g, coalitions, policies, x, c, s0)
            assert got.values[x, j] == pytest.approx(want, abs=1e-10)
    assert np.allclose(got.values.sum(axis=1), g.total_weight)


def _coalition_trajectories(g, coalitions, policies, x, c, s0):
    n = g.n_players
    profiles = list(itertools.product(range(2), repeat=n))

    def prob(s, a):
        out = 1.0
        for cc, pol in zip(coalitions, policies):
            out *= pol[(s, *(a[i] for i in cc))]
        return out

    total = 0.0
    for a0 in profiles:
        p0 = prob(s0, a0)
        total += p0 * sum(g.shares[(x, s0, i, *a0)] for i in c)
        for s1 in range(g.n_states):
            ps = p0 * g.transitions[(s0, *a0, s1)]
            for a1 in profiles:
                total += ps * prob(s1, a1) * sum(g.shares[(x, s1, i, *a1)] for i in c)
    return total


@settings(max_examples=20, deadline=None)
@given(seeds(), st.integers(2, 4))
def test_theorem2_with_markov_policies_on_symmetric_stochastic_games(seed, n):
    rng = np.random.default_rng(seed)
    g = random_symmetric_stochastic_unit_sum_game(n, 2, 2, 2, rng, discount=0.7)
    k = n
    minority = [n - 1]
    pol = rng.dirichlet(np.ones(2), size=g.n_states)
    pol = egocentric_policy(g, minority, pol)
    coalitions, policies = policy_copying_profile(g, minority, pol, [[i] for i in range(n - 1)])
    vals = stochastic_coalition_values(g, coalitions, policies)
    majority = vals.normalised[:, 1:].sum(axis=1)
    assert np.all(majority >= (k - 1) / k - 1e-9)
    # the copies and the minority are exchangeable: equal values for every x
    assert np.allclose(vals.normalised, vals.normalised[:, :1], atol=1e-9)


@settings(max_examples=15, deadline=None)
@given(seeds())
def test_theorem2_with_pairs_and_leftovers(seed):
    rng = np.random.default_rng(seed)
    # four players: minority {2, 3}, one copy {0, 1}  (k = 2)
    g = random_symmetric_stochastic_unit_sum_game(4, 2, 2, 2, rng, discount=0.6)
    pol = rng.dirichlet(np.ones(4), size=g.n_states).reshape(g.n_states, 2, 2)
    pol = egocentric_policy(g, [2, 3], pol)
    cs, ps = policy_copying_profile(g, [2, 3], pol, [[0, 1]])
    vals = stochastic_coalition_values(g, cs, ps)
    assert np.all(vals.normalised[:, 1] >= 0.5 - 1e-9)
    # three players: minority {2}, copy {1}, leftover 0 with a state-independent policy
    h = random_symmetric_stochastic_unit_sum_game(3, 2, 2, 2, rng, discount=0.6)
    pol = egocentric_policy(h, [2], rng.dirichlet(np.ones(2), size=h.n_states))
    left = np.tile(rng.dirichlet(np.ones(2)), (h.n_states, 1))
    cs, ps = policy_copying_profile(h, [2], pol, [[1]], {0: left})
    vals = stochastic_coalition_values(h, cs, ps)
    assert np.all(vals.normalised[:, 1:].sum(axis=1) >= 0.5 - 1e-9)


def test_coalition_rollouts_agree_within_ci(rng):
    g = random_symmetric_stochastic_unit_sum_game(2, 2, 2, 1, rng, discount=0.6)
    pols = [rng.dirichlet(np.ones(2), size=g.n_states) for _ in range(2)]
    vals = stochastic_coalition_values(g, [[0], [1]], pols)
    dyn = g.game_at(0)
    rewards = [g.shares[0][:, i] for i in range(2)]
    s0 = int(np.argmax(g.initial))
    mean, se, tail = rollout_values(dyn, pols, rewards, s0, rng, n_episodes=4000)
    assert np.all(np.abs(mean - vals.per_state[0, :, s0]) <= 5 * se + tail)


# ---------------------------------------------------------------------- POWERplay's 3x3 grid
#: POWERplay's published per-state POWER_D (its experiment 0001, figure "POWER means": 3x3
#: gridworld, γ = 0.6, uniform [0, 1] state rewards, 50,000 samples), printed to 3 decimals.
POWERPLAY_3X3 = np.array([[0.805, 0.835, 0.805], [0.835, 0.862, 0.836], [0.807, 0.837, 0.806]])


def test_power_d_on_powerplays_3x3_grid_agrees_with_published_values():
    grid = GridWorld.build(["...", "...", "..."])
    est = power_d(grid.transitions, 0.6, rng=np.random.default_rng(0), n_samples=50_000)
    ours = grid.to_grid(est.mean)
    # their estimate has its own Monte Carlo error (same sample size, so the same standard error
    # as ours) and is rounded to 3 decimals: the difference of two independent estimates
    se = grid.to_grid(est.std) / np.sqrt(50_000)
    z = 3.29  # two-sided 99.9%
    assert np.all(np.abs(ours - POWERPLAY_3X3) <= z * np.sqrt(2) * se + 0.0005 + est.solver_bound)
    # and the shape of the map: centre > edges > corners
    assert ours[1, 1] > ours[0, 1] > ours[0, 0]


def test_power_d_input_errors():
    grid = GridWorld.build([".."])
    with pytest.raises(ValueError, match="n_samples"):
        power_d(grid.transitions, 0.6, rng=0, n_samples=1)
    with pytest.raises(ValueError, match="discount"):
        power_d(grid.transitions, 0.0, rng=0, n_samples=10)
    with pytest.raises(ValueError, match="confidence"):
        power_d(grid.transitions, 0.5, rng=0, n_samples=10, confidence=1.5)


def test_sampled_power_map_in_a_two_agent_grid_matches_per_sample_value_iteration():
    from powergames.theory.stochastic_power import sampled_power_map

    grid = GridWorld.build(["..", ".."], n_agents=2)
    game = grid.state_reward_game(discount=0.6)
    S = grid.n_states
    uniform = np.full((S, 5), 0.2)
    est = sampled_power_map(
        game, 0, 300, player=0, others=[None, uniform], normalised=False, method="policy_iteration"
    )
    # the same draws, solved one at a time on the induced MDP built by explicit loops
    draws = np.random.default_rng(0).uniform(0, 1, size=(300, S))
    p0 = np.zeros((S, 5, S))
    for s in range(S):
        for a0 in range(5):
            for a1 in range(5):
                p0[s, a0] += 0.2 * grid.transitions[s, a0, a1]
    values = []
    for r in draws:
        v = r.copy()
        for _ in range(200):
            v = r + 0.6 * (p0 @ v).max(axis=1)
        values.append(v)
    values = np.array(values)
    np.testing.assert_allclose(est.mean, values.mean(axis=0), rtol=0, atol=1e-9)
    np.testing.assert_allclose(est.std, values.std(axis=0, ddof=1), rtol=0, atol=1e-9)
    with pytest.raises(ValueError, match="one \\(S, k_j\\) policy per player"):
        sampled_power_map(game, 0, 10)
