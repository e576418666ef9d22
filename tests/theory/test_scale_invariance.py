"""Solvers, class checks and bargaining are invariant under positive affine maps of the payoffs
(MATH.md (2.10), (3.9); issue 15 item 3–4): each is run on ``a · u + b`` for scales ``a`` from
1e-12 to 1e15 and compared with its answer on ``u`` (the unscaled solution).
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import bayesian_games, normal_form_games
from hypothesis import given
from hypothesis import strategies as st

from powergames.games import BayesianGame, NormalFormGame, battle_of_the_sexes, matching_pennies
from powergames.theory import (
    is_bayes_nash,
    maxmin_is_unique,
    maxmin_profile,
    nash_bargaining,
    nash_conv,
    security_levels,
    solve_nash,
    solve_zero_sum,
    threat_point,
)

SCALES = [1e-12, 1e-9, 1e-8, 1e-6, 1e-3, 1.0, 1e3, 1e6, 1e9, 1e12, 1e15]
scales = st.sampled_from(SCALES)
shifts = st.sampled_from([0.0, 1.0, -7.5])


def grid(payoffs: np.ndarray) -> np.ndarray:
    """Payoffs on the grid 1/64 (exact in binary): a shift then keeps every digit that matters, so
    a difference between ``u`` and ``a·u + a·b`` is the solver's, not the rounding of ``a·b``."""
    return np.round(np.asarray(payoffs) * 64) / 64


def scaled(game: NormalFormGame, a: float, b: float = 0.0) -> NormalFormGame:
    return NormalFormGame(a * game.payoffs + a * b)


def zero_sum(payoffs: np.ndarray) -> NormalFormGame:
    return NormalFormGame(np.stack([payoffs[0], -payoffs[0]]))


def test_the_issue_examples():
    mp = matching_pennies()
    for a in (1e-9, 1e-8, 1e15):
        sol = solve_zero_sum(scaled(mp, a))
        np.testing.assert_allclose(sol, [[0.5, 0.5], [0.5, 0.5]], atol=1e-9)
    bos = battle_of_the_sexes()
    np.testing.assert_allclose(nash_bargaining(scaled(bos, 1e-12)).payoffs, [2.5e-12, 2.5e-12])


@given(normal_form_games(min_players=2, max_players=2, max_k=4), scales, shifts)
def test_zero_sum_lp(game_rng, a, b):
    g = zero_sum(grid(game_rng[0].payoffs))
    x = solve_zero_sum(g)
    y = solve_zero_sum(scaled(g, a, b))
    # optimal strategies need not be unique: both must be equilibria of the unscaled game
    span = float(np.ptp(g.payoffs)) or 1.0
    assert nash_conv(g, x) <= 1e-9 * span
    assert nash_conv(g, y) <= 1e-8 * span


@given(bayesian_games("constant_sum", max_players=2, max_types=2, max_actions=3), scales)
def test_bayesian_zero_sum_lp(game_rng, a):
    g = game_rng[0]
    big = BayesianGame(g.prior, tuple(a * r for r in g.rewards))
    y = solve_zero_sum(big)
    # the constant-sum class is decided relative to the range of all rewards (payoff_tol)
    span = (max(float(r.max()) for r in g.rewards) - min(float(r.min()) for r in g.rewards)) or 1.0
    assert nash_conv(g, y) <= 1e-8 * span


@given(normal_form_games(min_players=2, max_players=2, max_k=3), scales)
def test_two_player_general_sum(game_rng, a):
    g = NormalFormGame(grid(game_rng[0].payoffs))
    y = solve_nash(scaled(g, a), method="lemke_howson")
    span = float(np.ptp(g.payoffs)) or 1.0
    assert nash_conv(g, y) <= 1e-8 * span


def test_the_issue_general_sum_example():
    rng = np.random.default_rng(3)
    g = NormalFormGame(rng.normal(size=(2, 3, 3)))
    for a in SCALES:
        assert nash_conv(g, solve_nash(scaled(g, a))) <= 1e-9


@given(normal_form_games(min_players=2, max_players=3, max_k=3), scales, shifts)
def test_class_checks(game_rng, a, b):
    g = NormalFormGame(grid(game_rng[0].payoffs))
    h = scaled(g, a, b)
    assert h.is_constant_sum == g.is_constant_sum
    assert h.is_common_payoff == g.is_common_payoff
    c = zero_sum(g.payoffs[:2]) if g.n_players == 2 else None
    if c is not None:
        assert scaled(c, a, b).is_constant_sum


@given(normal_form_games(min_players=2, max_players=3, max_k=3), scales, shifts)
def test_maxmin_and_security_levels(game_rng, a, b):
    g = NormalFormGame(grid(game_rng[0].payoffs))
    h = scaled(g, a, b)
    for s, t in zip(maxmin_profile(g), maxmin_profile(h)):
        np.testing.assert_allclose(s, t, atol=1e-7)
    assert maxmin_is_unique(h).tolist() == maxmin_is_unique(g).tolist()
    np.testing.assert_allclose(
        security_levels(h), a * security_levels(g) + a * b, rtol=1e-7, atol=1e-7 * a * (1 + abs(b))
    )
    np.testing.assert_allclose(
        threat_point(h), a * threat_point(g) + a * b, rtol=1e-7, atol=1e-7 * a * (1 + abs(b))
    )


@given(normal_form_games(min_players=2, max_players=2, max_k=3), scales, shifts)
def test_nash_bargaining(game_rng, a, b):
    g = NormalFormGame(grid(game_rng[0].payoffs))
    x, y = nash_bargaining(g), nash_bargaining(scaled(g, a, b))
    assert x.positive_surplus_possible == y.positive_surplus_possible
    scale = a * (float(np.abs(g.payoffs).max()) + abs(b) + 1.0)
    np.testing.assert_allclose(y.payoffs, a * x.payoffs + a * b, rtol=1e-6, atol=1e-6 * scale)


@given(bayesian_games("general", max_players=3, max_types=2, max_actions=2), scales)
def test_bayes_nash_check_default_tolerance(game_rng, a):
    g, rng = game_rng
    profile = [rng.dirichlet(np.ones(k), size=t) for t, k in zip(g.n_types, g.n_actions)]
    big = BayesianGame(g.prior, tuple(a * r for r in g.rewards))
    assert is_bayes_nash(big, profile) == is_bayes_nash(g, profile)


@pytest.mark.parametrize("a", [1e-300, 1e300])
def test_extreme_scales_stay_finite(a):
    g = scaled(matching_pennies(), a)
    np.testing.assert_allclose(solve_zero_sum(g), [[0.5, 0.5], [0.5, 0.5]], atol=1e-9)
    assert np.all(np.isfinite(security_levels(g)))


# ---------------------------------------------------------------------- overflow (issue 15 item 6)
def test_payoffs_near_the_float64_limit_give_finite_values_or_a_clear_error():
    from powergames.theory import (
        IndependentPolicy,
        alpha,
        coordination_gap,
        monte_carlo_coalition_values,
        power,
        surplus,
        utility_covariance,
    )

    g = scaled(matching_pennies(), 1e308)
    uniform = [[0.5, 0.5], [0.5, 0.5]]
    assert nash_conv(g, [[0.5, 0.5], [1.0, 0.0]]) == pytest.approx(1e308)
    assert power(g, [[1.0, 0.0], [1.0, 0.0]]).tolist() == [1e308, 1e308]
    with pytest.raises(ValueError, match="NashConv .* exceeds the float64 range"):
        nash_conv(g, [[1.0, 0.0], [1.0, 0.0]])  # 2e308: the true value does not fit
    with pytest.raises(ValueError, match="alpha exceeds the float64 range"):
        alpha(scaled(matching_pennies(), 1.7e308))
    with pytest.raises(ValueError, match="covariance exceeds the float64 range"):
        utility_covariance(g, uniform)
    assert coordination_gap(g, uniform) == 0.0
    assert np.all(np.isfinite(security_levels(g)))
    assert np.all(np.isfinite(threat_point(g)))
    assert np.all(np.isfinite(surplus(g, uniform)))
    assert np.all(np.isfinite(nash_bargaining(g).payoffs))
    # Monte Carlo with payoffs 1e200: a finite half-width (the variance is formed in scaled units)
    nf = NormalFormGame(np.array([[[1e200, -1e200], [-1e200, 1e200]], [[0.0, 0.0], [0.0, 0.0]]]))
    est = monte_carlo_coalition_values(
        nf,
        [[0], [1]],
        [IndependentPolicy(1, [0.5, 0.5]), IndependentPolicy(1, [0.5, 0.5])],
        1000,
        0,
    )
    assert np.all(np.isfinite(est.half_width)) and est.covers([[0.0, 0.0]]).all()


# ---------------------------------------------------------------------- the issue's cases, as named
@pytest.mark.parametrize("a", [1e-8, 1e-9, 1e15])
def test_forty_random_zero_sum_games_are_solved_at_scale(a):
    """Issue 15 item 3: at x1e-8 12 of 40 and at x1e-9 39-40 of 40 random zero-sum games were
    solved wrongly, x1e15 raised; every answer must be an equilibrium of the unscaled game."""
    rng = np.random.default_rng(15)
    wrong = 0
    for _ in range(40):
        shape = tuple(rng.integers(2, 5, size=2))
        g = zero_sum(rng.normal(size=(2, *shape)))
        wrong += nash_conv(g, solve_zero_sum(scaled(g, a))) > 1e-8 * float(np.ptp(g.payoffs))
    assert wrong == 0


def test_solve_nash_on_a_3x3_general_sum_game_at_1e12():
    """Issue 15 item 3: ``solve_nash`` on a 3x3 general-sum game x1e12 had NashConv 0.37 unscaled."""
    rng = np.random.default_rng(0)
    for _ in range(20):
        g = NormalFormGame(rng.normal(size=(2, 3, 3)))
        assert nash_conv(g, solve_nash(scaled(g, 1e12))) <= 1e-9


@pytest.mark.parametrize("name", ["prisoners_dilemma", "battle_of_the_sexes", "stag_hunt"])
def test_general_sum_games_at_1e_10_are_neither_constant_sum_nor_common_payoff(name):
    """Issue 15 item 4: an absolute tolerance made every general-sum game x1e-10 constant-sum and
    common-payoff."""
    from powergames.games import get_game

    g = get_game(name)
    assert not g.is_constant_sum and not g.is_common_payoff
    for a in (1e-10, 1e-12):
        h = scaled(g, a)
        assert not h.is_constant_sum and not h.is_common_payoff
    assert scaled(matching_pennies(), 1e-10).is_constant_sum
    assert NormalFormGame(
        np.ones((2, 2, 2)) * 1e-10 * np.arange(4).reshape(1, 2, 2)
    ).is_common_payoff


def test_nash_bargaining_of_battle_of_the_sexes_at_1e_12():
    """Issue 15 item 4: [1.2, 1.2] and "no positive surplus" were returned instead of [2.5, 2.5]."""
    sol = nash_bargaining(scaled(battle_of_the_sexes(), 1e-12))
    np.testing.assert_allclose(sol.payoffs / 1e-12, [2.5, 2.5], rtol=1e-9)
    assert sol.positive_surplus_possible


def test_linear_programs_near_the_float64_limit_give_no_scipy_error():
    """Issue 15 item 6: maxmin_profile, security_levels, threat_point and nash_bargaining leaked
    scipy's "Invalid input for linprog" at payoffs near 1.8e308."""
    from powergames.games import prisoners_dilemma
    from powergames.theory import coordination_gap

    pd = prisoners_dilemma(1.0).payoffs
    for g in (scaled(matching_pennies(), 1.7e308), NormalFormGame(pd / np.abs(pd).max() * 1.7e308)):
        for s in maxmin_profile(g):
            assert np.all(np.isfinite(s)) and s.sum() == pytest.approx(1.0)
        assert np.all(np.isfinite(security_levels(g))) and np.all(np.isfinite(threat_point(g)))
        assert np.all(np.isfinite(nash_bargaining(g).payoffs))
        assert np.isfinite(coordination_gap(g, [[1.0, 0.0], [0.3, 0.7]]))
    assert nash_conv(scaled(matching_pennies(), -1e308), [[0.5, 0.5], [1.0, 0.0]]) == 1e308
