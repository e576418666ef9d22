"""Alignment (MATH.md §3): welfare, covariance, the C–A chain and α, the threat point and
bargaining, against independent brute force on random games (about 510 lines: one property per
definition, the brute forces beside them)."""

import itertools
import json

import numpy as np
import pytest
from conftest import normal_form_games as games
from conftest import random_simplex
from hypothesis import given
from hypothesis import strategies as st

from powergames.games import NormalFormGame, UnitSumGame
from powergames.games.library import (
    coordination,
    matching_pennies,
    prisoners_dilemma,
)
from powergames.theory.alignment import (
    alpha,
    alpha_per_state,
    ca_report,
    coordination_gap,
    pareto_efficient_payoffs,
    utility_covariance,
    welfare,
)
from powergames.theory.alignment_report import alignment_report, localize, localized_welfare
from powergames.theory.bargaining import (
    maxmin_is_unique,
    maxmin_profile,
    nash_bargaining,
    security_levels,
    surplus,
    surplus_bound,
    threat_point,
)

# ---------------------------------------------------------------------------- brute force


def profiles_of(payoffs):
    return list(itertools.product(*(range(k) for k in payoffs.shape[1:])))


def brute_prob(profile, a):
    if isinstance(profile, np.ndarray):
        return profile[a]
    return np.prod([profile[i][a[i]] for i in range(len(a))])


def brute_moments(payoffs, profile):
    n = payoffs.shape[0]
    mean = np.zeros(n)
    second = np.zeros((n, n))
    for a in profiles_of(payoffs):
        p = brute_prob(profile, a)
        u = payoffs[(slice(None), *a)]
        mean += p * u
        second += p * np.outer(u, u)
    return mean, second - np.outer(mean, mean)


def brute_alpha(payoffs):
    n = payoffs.shape[0]
    ps = profiles_of(payoffs)
    return max(sum(payoffs[(i, *a)] for i in range(n)) for a in ps) - sum(
        max(payoffs[(i, *a)] for a in ps) for i in range(n)
    )


def brute_action_values(payoffs, i, profile):
    """E[u_i] for each pure action of player i, the others playing ``profile``."""
    values = np.zeros(payoffs.shape[1 + i])
    for a in profiles_of(payoffs):
        p = np.prod([profile[j][a[j]] for j in range(len(a)) if j != i])
        values[a[i]] += p * payoffs[(i, *a)]
    return values


def random_profile(rng, game, joint=False):
    if joint:
        return random_simplex(rng, (int(np.prod(game.n_actions)),)).reshape(game.n_actions)
    return [random_simplex(rng, (k,)) for k in game.n_actions]


# ---------------------------------------------------------------------------- MATH.md reference values


def test_matching_pennies_reference_values():
    g = matching_pennies()
    for a in itertools.product(range(2), repeat=2):
        assert welfare(g, [np.eye(2)[a[0]], np.eye(2)[a[1]]]) == 0  # M ≡ 0
    assert alpha(g) == -2
    rng = np.random.default_rng(0)
    for _ in range(5):
        prof = random_profile(rng, g)
        assert welfare(g, prof) == pytest.approx(0, abs=1e-15)
        mean, cov = brute_moments(g.payoffs, prof)
        var1 = cov[0, 0]
        np.testing.assert_allclose(utility_covariance(g, prof)[0, 1], -var1, atol=1e-12)
    rep = ca_report(g)
    assert rep.constant_welfare and not rep.alignment_tight and rep.alpha == -2


@given(p1=st.floats(0, 1), p2=st.floats(0, 1))
def test_prisoners_dilemma_reference_values(p1, p2):
    g = prisoners_dilemma()
    # player i defects (action 1) with probability p_i
    prof = [np.array([1 - p1, p1]), np.array([1 - p2, p2])]
    cov = utility_covariance(g, prof)
    expected = -2 * (p1 * (1 - p1) + p2 * (1 - p2))
    assert cov[0, 1] == pytest.approx(expected, abs=1e-12)
    # M = -4 + #cooperators, in expectation
    assert welfare(g, prof) == pytest.approx(-4 + (1 - p1) + (1 - p2), abs=1e-12)


def test_prisoners_dilemma_alpha_and_shift():
    g = prisoners_dilemma()
    assert alpha(g) == -2
    shifted = prisoners_dilemma(shift=3)
    rep = ca_report(shifted)
    assert (rep.max_welfare, rep.sum_of_maxima, rep.alpha) == (4, 6, -2)  # the seed's (4) − (6)
    half = [np.array([0.5, 0.5])] * 2
    assert utility_covariance(g, half)[0, 1] == pytest.approx(-1)
    np.testing.assert_allclose(utility_covariance(shifted, half), utility_covariance(g, half))


# ---------------------------------------------------------------------------- properties


@given(games(), st.booleans())
def test_welfare_covariance_and_chain_vs_brute_force(game_rng, joint):
    g, rng = game_rng
    prof = random_profile(rng, g, joint=joint)
    mean, cov = brute_moments(g.payoffs, prof)
    assert welfare(g, prof) == pytest.approx(mean.sum(), abs=1e-10)
    np.testing.assert_allclose(utility_covariance(g, prof), cov, atol=1e-10)
    rep = ca_report(g, prof)
    assert rep.chain_holds
    assert rep.welfare <= rep.max_welfare + 1e-12 <= rep.sum_of_maxima + 2e-12
    assert rep.alpha == pytest.approx(brute_alpha(g.payoffs), abs=1e-12)
    assert rep.coordination_gap == pytest.approx(coordination_gap(g, prof))
    assert rep.coordination_gap >= -1e-12
    assert rep.alpha <= 0


@given(games())
def test_covariance_exactly_zero_for_pure_profiles(game_rng):
    g, rng = game_rng
    a = tuple(int(rng.integers(k)) for k in g.n_actions)
    prof = [np.eye(k)[x] for k, x in zip(g.n_actions, a)]
    assert np.all(utility_covariance(g, prof) == 0)
    joint = np.zeros(g.n_actions)
    joint[a] = 1.0
    assert np.all(utility_covariance(g, joint) == 0)


@given(games(), st.floats(0.1, 10), st.data())
def test_alpha_invariances(game_rng, scale, data):
    g, rng = game_rng
    a0 = alpha(g)
    assert a0 <= 0
    # adding a constant to one player's utility
    i = data.draw(st.integers(0, g.n_players - 1))
    c = data.draw(st.floats(-100, 100))
    shifted = g.payoffs.copy()
    shifted[i] += c
    assert alpha(NormalFormGame(shifted)) == pytest.approx(a0, abs=1e-9)
    # a common positive factor scales α
    assert alpha(NormalFormGame(scale * g.payoffs)) == pytest.approx(scale * a0, abs=1e-9)
    # common payoff: α = 0 and the alignment inequality is tight
    common = NormalFormGame(np.broadcast_to(g.payoffs[0], g.payoffs.shape))
    assert alpha(common) == 0
    rep = ca_report(common)
    assert rep.alignment_tight and rep.unique_pareto_optimal_for_all and rep.common_payoff


@given(games(max_k=3, integer=True))
def test_equality_flags_match_their_definitions(game_rng):
    g, _ = game_rng
    rep = ca_report(g)
    ps = profiles_of(g.payoffs)
    n = g.n_players
    vectors = {tuple(g.payoffs[(slice(None), *a)]) for a in ps}
    # Pareto set by brute force
    pareto = [
        v
        for v in vectors
        if not any(all(w[j] >= v[j] for j in range(n)) and w != v for w in vectors)
    ]
    assert rep.n_pareto_payoffs == len(pareto)
    assert {tuple(r) for r in pareto_efficient_payoffs(g)} == set(pareto)
    maxima = tuple(max(v[j] for v in vectors) for j in range(n))
    assert rep.unique_pareto_optimal_for_all == (pareto == [maxima])
    # MATH.md: equality in the alignment inequality iff a unique Pareto-efficient payoff profile
    # optimal for every player (integer payoffs, so equality is exact)
    assert rep.alignment_tight == (rep.alpha == 0) == rep.unique_pareto_optimal_for_all
    welfares = {sum(v) for v in vectors}
    assert rep.constant_welfare == (len(welfares) == 1)


def test_constant_welfare_is_the_coordination_equality_case():
    rep = ca_report(matching_pennies(), [np.array([0.2, 0.8]), np.array([0.9, 0.1])])
    assert rep.constant_welfare and rep.coordination_tight and rep.coordination_gap == 0
    rep = ca_report(prisoners_dilemma(), [np.array([0, 1.0]), np.array([0, 1.0])])
    assert not rep.constant_welfare and not rep.coordination_tight and rep.coordination_gap == 2


# ---------------------------------------------------------------------------- maxmin and surplus


@given(games(min_players=2))
def test_maxmin_value_is_guaranteed_and_best_among_pure_and_uniform(game_rng):
    g, rng = game_rng
    sig = maxmin_profile(g)
    v = security_levels(g)
    for i in range(g.n_players):
        others = [x for x in profiles_of(g.payoffs)]
        guaranteed = min(
            sum(
                sig[i][b] * g.payoffs[(i, *(a[:i] + (b,) + a[i + 1 :]))]
                for b in range(g.n_actions[i])
            )
            for a in others
        )
        assert guaranteed == pytest.approx(v[i], abs=1e-9)
        # no candidate strategy guarantees more (pure strategies and random mixtures)
        cands = [np.eye(g.n_actions[i])[b] for b in range(g.n_actions[i])]
        cands += [random_simplex(rng, (g.n_actions[i],)) for _ in range(5)]
        for s in cands:
            worst = min(
                sum(
                    s[b] * g.payoffs[(i, *(a[:i] + (b,) + a[i + 1 :]))]
                    for b in range(g.n_actions[i])
                )
                for a in others
            )
            assert worst <= v[i] + 1e-9
    tp = threat_point(g)
    np.testing.assert_allclose(tp, brute_moments(g.payoffs, sig)[0], atol=1e-12)
    assert np.all(tp >= v - 1e-9)


@given(games(min_players=2), st.data())
def test_best_responding_player_has_nonnegative_surplus(game_rng, data):
    g, rng = game_rng
    i = data.draw(st.integers(0, g.n_players - 1))
    # against the others' maxmin strategies: surplus relative to u(a0) (MATH.md's s_i)
    prof = maxmin_profile(g)
    values = brute_action_values(g.payoffs, i, prof)
    prof[i] = np.eye(g.n_actions[i])[int(np.argmax(values))]
    assert surplus(g, prof)[i] >= -1e-9
    assert surplus(g, prof)[i] == pytest.approx(values.max() - threat_point(g)[i], abs=1e-9)
    # against arbitrary opponents: surplus relative to the security level v_i
    other = random_profile(rng, g)
    values = brute_action_values(g.payoffs, i, other)
    other[i] = np.eye(g.n_actions[i])[int(np.argmax(values))]
    assert surplus(g, other, threat="value")[i] >= -1e-9
    # Σ_i s_i ≤ max welfare − Σ_i u_i(a0)
    assert surplus(g, other).sum() <= surplus_bound(g) + 1e-9


@given(games(min_players=2, max_players=3, max_k=3), st.data())
def test_maxmin_profile_does_not_depend_on_action_labels(game_rng, data):
    g, _ = game_rng
    # integer payoffs in a small range make ties (several maxmin strategies) common
    g = NormalFormGame(np.round(g.payoffs))
    i = data.draw(st.integers(0, g.n_players - 1))
    perm = np.array(data.draw(st.permutations(range(g.n_actions[i]))))
    h = NormalFormGame(np.take(g.payoffs, perm, axis=1 + i))  # h's action b is g's action perm[b]
    sg, sh = maxmin_profile(g), maxmin_profile(h)
    np.testing.assert_allclose(sh[i], sg[i][perm], atol=1e-9)
    np.testing.assert_allclose(threat_point(h), threat_point(g), atol=1e-9)
    assert maxmin_is_unique(h).tolist() == maxmin_is_unique(g).tolist()


@given(games(min_players=2, max_players=3, max_k=3, integer=True), st.data())
def test_maxmin_is_affine_equivariant_at_any_scale(game_rng, data):
    """u_i -> a u_i + b (a > 0, from 1e-9 to 1e6): the same maxmin strategies, value a v_i + b."""
    g, _ = game_rng
    a = data.draw(st.sampled_from([1e-9, 1e-3, 1.0, 1e3, 1e6]))
    b = data.draw(st.floats(-10, 10))
    h = NormalFormGame(a * g.payoffs + b)
    v, w = security_levels(g), security_levels(h)
    np.testing.assert_allclose(w, a * v + b, rtol=1e-9, atol=1e-9 * a)
    for sg, sh in zip(maxmin_profile(g), maxmin_profile(h)):
        np.testing.assert_allclose(sh, sg, atol=1e-7)
    assert maxmin_is_unique(h).tolist() == maxmin_is_unique(g).tolist()
    # the strategy returned guarantees the security level at every scale
    for i, s in enumerate(maxmin_profile(h)):
        worst = np.min(np.tensordot(s, np.moveaxis(h.payoffs[i], i, 0), axes=(0, 0)))
        assert worst >= w[i] - 1e-9 * (a + abs(b))


def test_maxmin_is_uniform_for_an_indifferent_player():
    # three-player coordination: nobody can guarantee more than 0, so each mixes uniformly
    g = coordination(n_players=3, n_actions=2)
    assert not maxmin_is_unique(g).any()
    for s in maxmin_profile(g):
        np.testing.assert_allclose(s, [0.5, 0.5], atol=1e-12)
    np.testing.assert_allclose(threat_point(g), [0.25] * 3, atol=1e-12)
    # a unique maxmin strategy is reported as such (matching pennies: 1/2 each)
    assert maxmin_is_unique(matching_pennies()).all()


def test_surplus_relative_to_u_a0_can_be_negative_for_a_best_responder():
    # player 0 has one action; player 1's maxmin action 0 happens to suit player 0, action 1 does not
    g = NormalFormGame(np.array([[[1.0, 0.0]], [[1.0, 0.0]]]))
    assert threat_point(g).tolist() == [1.0, 1.0]
    prof = [np.array([1.0]), np.array([0.0, 1.0])]
    assert surplus(g, prof)[0] == -1.0  # MATH.md's surplus
    assert surplus(g, prof, threat="value")[0] == 0.0  # the guaranteed level


# ---------------------------------------------------------------------------- Nash bargaining


def bargaining_kkt(g, sol):
    """max_a Σ_i (u_i(a) − d_i)/s_i − n: ≤ 0 (up to rounding) iff the solution is optimal."""
    flat = g.payoffs.reshape(g.n_players, -1).T
    return float(((flat - sol.threat_point) / sol.surplus).sum(axis=1).max()) - g.n_players


@given(games(min_players=2, max_players=3, max_k=3))
def test_nash_bargaining_is_optimal(game_rng):
    g, rng = game_rng
    sol = nash_bargaining(g)
    scale = max(1.0, float(np.abs(g.payoffs).max()))
    tp = threat_point(g)
    np.testing.assert_allclose(sol.threat_point, tp)
    # the distribution is feasible and achieves the payoffs
    assert sol.distribution.shape == g.n_actions
    np.testing.assert_allclose(sol.distribution.sum(), 1.0, atol=1e-9)
    np.testing.assert_allclose(g.expected_payoffs(sol.distribution), sol.payoffs, atol=1e-9)
    if not sol.positive_surplus_possible:
        # then no pure profile, and no mixture of two, beats the threat point for everyone
        flat = g.payoffs.reshape(g.n_players, -1).T
        for _ in range(50):
            q = random_simplex(rng, (len(flat),))
            assert np.any(q @ flat - tp <= 1e-9)
        return
    assert np.all(sol.surplus > 0)
    assert sol.product == pytest.approx(np.prod(sol.surplus))
    assert bargaining_kkt(g, sol) <= 1e-8
    # no random correlated outcome has a larger product
    flat = g.payoffs.reshape(g.n_players, -1).T
    for _ in range(50):
        q = random_simplex(rng, (len(flat),))
        s = q @ flat - tp
        if np.all(s >= 0):
            assert np.prod(s) <= sol.product * (1 + 1e-7) + 1e-12
    if g.n_players == 2:
        assert sol.exact and sol.gap <= 1e-9
        # the n-player interior-point solver agrees with the exact two-player one
        other = nash_bargaining(g, method="interior")
        assert not other.exact and other.gap <= 1e-8
        np.testing.assert_allclose(other.payoffs, sol.payoffs, atol=1e-6 * scale)
    else:
        assert sol.gap <= 1e-8


@given(games(min_players=2, max_players=3, max_k=3), st.data())
def test_nash_bargaining_affine_invariance(game_rng, data):
    g, _ = game_rng
    n = g.n_players
    a = np.array([data.draw(st.floats(0.2, 5)) for _ in range(n)])
    b = np.array([data.draw(st.floats(-10, 10)) for _ in range(n)])
    h = NormalFormGame(a.reshape((n,) + (1,) * n) * g.payoffs + b.reshape((n,) + (1,) * n))
    sg, sh = nash_bargaining(g), nash_bargaining(h)
    np.testing.assert_allclose(threat_point(h), a * threat_point(g) + b, atol=1e-7)
    assert sg.positive_surplus_possible == sh.positive_surplus_possible
    np.testing.assert_allclose(
        sh.payoffs, a * sg.payoffs + b, atol=1e-5 * max(1.0, np.abs(h.payoffs).max())
    )


def test_nash_bargaining_examples():
    # prisoner's dilemma: threat point (D,D); the solution is mutual cooperation
    sol = nash_bargaining(prisoners_dilemma())
    assert sol.exact and sol.positive_surplus_possible
    np.testing.assert_allclose(sol.threat_point, [-2, -2])
    np.testing.assert_allclose(sol.payoffs, [-1, -1])
    # matching pennies: zero-sum, nobody can gain without the other losing
    sol = nash_bargaining(matching_pennies())
    assert not sol.positive_surplus_possible and "no feasible payoff" in sol.message
    np.testing.assert_allclose(sol.payoffs, [0, 0], atol=1e-12)
    # an interior point of an edge: feasible set conv{(0,0),(4,0),(0,2)}. Every strategy of either
    # player guarantees 0, so a0 is the leximin (uniform) one and the threat point is (4/4, 2/4);
    # maximise (x - 1)(y - 1/2) on the edge y = 2 - x/2: x = 2, y = 1
    g = NormalFormGame(np.array([[[0.0, 4.0], [0.0, 0.0]], [[0.0, 0.0], [2.0, 0.0]]]))
    assert not maxmin_is_unique(g).any()
    assert threat_point(g).tolist() == [1.0, 0.5]
    sol = nash_bargaining(g)
    np.testing.assert_allclose(sol.payoffs, [2.0, 1.0], atol=1e-12)
    np.testing.assert_allclose(sol.distribution, [[0.0, 0.5], [0.5, 0.0]], atol=1e-12)


def test_three_player_bargaining_matches_symmetric_optimum():
    # three players with three actions: if all pick action j, player j gets 1, else nobody gets
    # anything. Security levels are 0, and conv{0, e_0, e_1, e_2} has the Nash bargaining
    # solution (1/3, 1/3, 1/3).
    payoffs = np.zeros((3, 3, 3, 3))
    for j in range(3):
        payoffs[j, j, j, j] = 1.0
    g = NormalFormGame(payoffs)
    np.testing.assert_allclose(security_levels(g), 0, atol=1e-12)
    sol = nash_bargaining(g, threat="value")
    np.testing.assert_allclose(sol.threat_point, 0, atol=1e-12)
    np.testing.assert_allclose(sol.payoffs, [1 / 3] * 3, atol=1e-7)
    assert not sol.exact and sol.gap <= 1e-8
    assert bargaining_kkt(g, sol) <= 1e-8


# ---------------------------------------------------------------------------- unit-sum games


def test_alpha_of_unit_sum_games(rng):
    shares = np.moveaxis(random_simplex(rng, (3, 2, 3, 2), sparse=False), -1, 1)
    g = UnitSumGame(shares, prior=[0.5, 0.3, 0.2])
    per_state = alpha_per_state(g)
    for x in range(3):
        assert per_state[x] == pytest.approx(brute_alpha(shares[x]))
        assert per_state[x] == pytest.approx(1 - shares[x].reshape(2, -1).max(axis=1).sum())
    assert alpha(g) == pytest.approx(brute_alpha(g.as_normal_form().payoffs))
    assert alpha(g) >= g.prior @ per_state - 1e-12


def test_alpha_in_count_form():
    symmetric = pytest.importorskip("powergames.games.symmetric")
    rng = np.random.default_rng(7)
    for n, k, states in [(2, 2, 1), (3, 2, 2), (4, 3, 2)]:
        g = symmetric.random_symmetric_unit_sum_game(n, k, states, rng)
        dense = g.to_dense()
        assert alpha(g) == pytest.approx(brute_alpha(dense.as_normal_form().payoffs), abs=1e-12)
        np.testing.assert_allclose(
            alpha_per_state(g), [brute_alpha(dense.shares[x]) for x in range(states)], atol=1e-12
        )
    # majority game (MATH.md §1): a player's best share is 1/m for the smallest winning group m,
    # on action 0 (ties go to the lower action): m = ceil(n / k)
    big = symmetric.majority_game(200, 3)
    assert alpha(big) == pytest.approx(1 - 200 / 67)


# ---------------------------------------------------------------------------- localizers


def test_localized_welfare():
    g = prisoners_dilemma()
    assert localized_welfare(g, "max_welfare") == -2
    assert localized_welfare(g, "maxmin") == -4
    with pytest.raises(ValueError, match="unknown localizer"):
        localize(g, "median")


def test_nash_localizer():
    pytest.importorskip("powergames.theory.equilibria")
    assert localized_welfare(prisoners_dilemma(), "nash") == pytest.approx(-4)
    prof = localize(matching_pennies(), "nash")
    np.testing.assert_allclose(prof[0], [0.5, 0.5], atol=1e-9)


# ---------------------------------------------------------------------------- bad input


def test_bad_input():
    g = prisoners_dilemma()
    with pytest.raises(ValueError, match=r"profile\[0\] must sum to 1"):
        welfare(g, [np.array([0.5, 0.6]), np.array([0.5, 0.5])])
    with pytest.raises(ValueError, match="finite"):
        utility_covariance(g, [np.array([np.nan, 1.0]), np.array([0.5, 0.5])])
    with pytest.raises(ValueError, match=r"profile must have shape \(2, 2\)"):
        utility_covariance(g, np.ones(3) / 3)
    with pytest.raises(ValueError, match="one action axis per player"):
        alpha(np.zeros((3, 2, 2)))
    with pytest.raises(ValueError, match="finite"):
        alpha(np.array([[[np.nan, 0], [0, 0]], [[0, 0], [0, 0]]]))
    with pytest.raises(TypeError, match="game must be"):
        alpha("prisoners_dilemma")
    with pytest.raises(ValueError, match="threat must be"):
        surplus(g, [np.ones(2) / 2] * 2, threat="nope")


# ---------------------------------------------------------------------------- report and CLI


def test_report_contents():
    rep = alignment_report(coordination(3, 2))
    assert rep["inequalities"]["alpha"] == 0 and rep["inequalities"]["alignment_tight"]
    assert {"uniform", "max_welfare", "maxmin"} <= set(rep["profiles"])
    assert rep["profiles"]["max_welfare"]["welfare"] == 3
    json.dumps(rep)


def test_cli_table_and_json(capsys, tmp_path):
    from powergames.cli import main
    from powergames.games.io import save_game

    assert main(["alignment", "prisoners_dilemma"]) == 0
    out = capsys.readouterr().out
    assert "alpha" in out and "-2" in out and "Nash bargaining" in out
    path = save_game(prisoners_dilemma(3.0), tmp_path / "pd.npz")
    assert main(["alignment", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["inequalities"]["max_welfare"] == 4 and data["inequalities"]["sum_of_maxima"] == 6
    assert main(["alignment", "interpolated", "--param", "lam=1.0", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["inequalities"]["alpha"] == -2
    assert main(["alignment", "prisoners_dilemma", "--profile", "0.5,0.5;0,1", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["profiles"]["given"]["covariance"][0][1] == pytest.approx(-0.5)
    assert main(["alignment", "no_such_game"]) == 2
    assert "known games" in capsys.readouterr().err
    assert main(["alignment", "prisoners_dilemma", "--profile", "0.5,0.6;0,1"]) == 2
    assert "must sum to 1" in capsys.readouterr().err
