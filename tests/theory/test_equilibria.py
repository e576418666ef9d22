import itertools

import numpy as np
import pytest
from conftest import seeds
from hypothesis import given
from hypothesis import strategies as st

from powergames.games import (
    BayesianGame,
    NormalFormGame,
    bayesian_coordination,
    bayesian_matching_pennies,
    random_bayesian_game,
)
from powergames.theory import (
    achieved_value,
    induced_normal_form,
    is_bayes_nash,
    nash_conv,
    power,
    solve_nash,
    solve_zero_sum,
)
from powergames.theory import equilibria as equilibria_module

EXACT = 1e-9  # the acceptance tolerance for Σ POWER = c at a returned equilibrium


@given(
    seed=seeds(),
    max_types=st.integers(1, 5),
    max_actions=st.integers(1, 5),
    decompose=st.booleans(),
)
def test_zero_sum_lp_reaches_power_scarcity_equality(seed, max_types, max_actions, decompose):
    """MATH.md §2: at a Bayesian Nash equilibrium of a constant-sum game Σ POWER = c (to 1e-9)."""
    rng = np.random.default_rng(seed)
    n_types = tuple(int(x) for x in rng.integers(1, max_types + 1, size=2))
    n_actions = tuple(int(x) for x in rng.integers(1, max_actions + 1, size=2))
    game = random_bayesian_game(n_types, n_actions, rng, "constant_sum")
    c = game.constant_sum_value()
    profile = solve_zero_sum(game, decompose=decompose)
    assert [p.shape for p in profile] == [(t, k) for t, k in zip(n_types, n_actions)]
    assert abs(power(game, profile).sum() - c) <= EXACT
    assert nash_conv(game, profile) <= EXACT
    assert is_bayes_nash(game, profile, tol=EXACT)


@given(seed=seeds())
def test_the_per_type_lp_and_its_decomposition_agree_on_the_value(seed):
    rng = np.random.default_rng(seed)
    game = random_bayesian_game((4, 3), (3, 4), rng, "constant_sum", n_states=2)
    one = achieved_value(game, solve_zero_sum(game, decompose=True))
    other = achieved_value(game, solve_zero_sum(game, decompose=False))
    np.testing.assert_allclose(one, other, atol=EXACT)  # the value of a zero-sum game is unique


def test_zero_sum_normal_form_known_equilibria():
    mp = NormalFormGame(np.array([[[1, -1], [-1, 1]], [[-1, 1], [1, -1]]]))
    x, y = solve_zero_sum(mp)
    np.testing.assert_allclose(x, [0.5, 0.5], atol=1e-12)
    np.testing.assert_allclose(y, [0.5, 0.5], atol=1e-12)
    rps = np.array([[0, -1, 1], [1, 0, -1], [-1, 1, 0]], dtype=float)
    x, y = solve_zero_sum(NormalFormGame(np.stack([rps, -rps])))
    np.testing.assert_allclose(x, np.full(3, 1 / 3), atol=1e-12)
    np.testing.assert_allclose(y, np.full(3, 1 / 3), atol=1e-12)


def test_zero_sum_rejects_other_games():
    with pytest.raises(ValueError, match="constant-sum"):
        solve_zero_sum(bayesian_coordination())
    with pytest.raises(ValueError, match="two-player"):
        solve_zero_sum(random_bayesian_game((1, 1, 1), (2, 2, 2), 0, "constant_sum"))


def test_zero_probability_types_get_a_best_reply():
    prior = np.array([[0.5, 0.0], [0.0, 0.5], [0.0, 0.0]])  # player 0's type 2 never occurs
    rng = np.random.default_rng(5)
    r0 = rng.normal(size=(3, 3, 2))
    r0[2] = rng.normal(size=(3, 2))
    r1 = np.stack([-r0[0], -r0[1]])
    game = BayesianGame(prior, (r0, r1))
    profile = solve_zero_sum(game)
    assert np.all(np.isfinite(profile[0])) and profile[0][2].max() == 1.0
    assert nash_conv(game, profile) <= EXACT


@given(seed=seeds(), k0=st.integers(1, 6), k1=st.integers(1, 6))
def test_lemke_howson_on_random_bimatrix_games(seed, k0, k1):
    rng = np.random.default_rng(seed)
    game = NormalFormGame(rng.normal(size=(2, k0, k1)))
    profile = solve_nash(game)
    assert [p.shape for p in profile] == [(k0,), (k1,)]
    assert nash_conv(game, profile) <= EXACT


@given(
    seed=seeds(),
    k0=st.integers(1, 6),
    k1=st.integers(1, 6),
    pivot=st.integers(0, 11),
    bayesian=st.booleans(),
    integer=st.booleans(),
)
def test_one_type_lemke_howson_equals_the_induced_normal_form_path(
    seed, k0, k1, pivot, bayesian, integer
):
    """Skipping the induced normal form (one type per player) finds the equilibrium the path
    through it finds from the same pivot (degenerate integer games included)."""
    rng = np.random.default_rng(seed)
    payoffs = (
        rng.integers(-2, 3, size=(2, k0, k1)).astype(float)
        if integer
        else rng.normal(size=(2, k0, k1))
    )
    game = NormalFormGame(payoffs)
    if bayesian:
        game = BayesianGame(np.ones((1, 1)), (payoffs[0][None], payoffs[1][None]))
    profile = solve_nash(game, method="lemke_howson", init_pivot=pivot)
    bgame = equilibria_module.as_bayesian(game)
    induced, maps = induced_normal_form(bgame)
    mixed = equilibria_module._lemke_howson(equilibria_module._qe_game(induced), pivot)
    slow = equilibria_module._behaviour(bgame, mixed, maps)
    for fast, old in zip(profile, slow):
        np.testing.assert_allclose(np.reshape(fast, -1), old.reshape(-1), rtol=0, atol=1e-12)
    assert nash_conv(game, profile) <= EXACT


@given(seed=seeds(), kind=st.sampled_from(["general", "common_payoff"]))
def test_bayesian_general_sum_through_the_induced_normal_form(seed, kind):
    rng = np.random.default_rng(seed)
    n_types = tuple(int(x) for x in rng.integers(1, 4, size=2))
    n_actions = tuple(int(x) for x in rng.integers(1, 4, size=2))
    game = random_bayesian_game(n_types, n_actions, rng, kind)
    profile = solve_nash(game, init_pivot=int(rng.integers(0, 4)))
    assert nash_conv(game, profile) <= EXACT
    assert is_bayes_nash(game, profile, tol=EXACT)


@pytest.mark.parametrize("game", [bayesian_matching_pennies(), bayesian_coordination()])
def test_named_bayesian_games_are_solved(game):
    profile = solve_nash(game)
    assert is_bayes_nash(game, profile, tol=EXACT)


def test_bayesian_matching_pennies_equilibrium_structure():
    """For p_flip < 1/2 player 1 mixes evenly and heads shows with total probability 1/2."""
    game = bayesian_matching_pennies(0.25)
    x, y = solve_nash(game)
    np.testing.assert_allclose(y[0], [0.5, 0.5], atol=1e-9)
    assert game.type_marginals[0] @ x[:, 0] == pytest.approx(0.5, abs=1e-9)


@given(seed=seeds())
def test_induced_normal_form_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    game = random_bayesian_game((2, 2), (2, 3), rng, "general")
    payoffs, maps = induced_normal_form(game)
    support = [np.flatnonzero(s) for s in game.type_support]
    for m0, m1 in itertools.product(range(len(maps[0])), range(len(maps[1]))):
        profile = []
        for i, m in enumerate((m0, m1)):
            sigma = np.full((2, game.n_actions[i]), 1.0 / game.n_actions[i])
            for col, t in enumerate(support[i]):
                sigma[t] = np.eye(game.n_actions[i])[maps[i][m, col]]
            profile.append(sigma)
        np.testing.assert_allclose(payoffs[:, m0, m1], achieved_value(game, profile), atol=1e-12)


def test_induced_normal_form_size_guard():
    game = random_bayesian_game((6, 6), (4, 4), 0, "general", zero_prob=0.0)
    with pytest.raises(ValueError, match="above max_entries"):
        solve_nash(game)


def test_bad_methods():
    with pytest.raises(ValueError, match="method must be one of"):
        solve_nash(bayesian_coordination(), method="simplex")
    with pytest.raises(ValueError, match="two-player"):
        solve_nash(random_bayesian_game((1, 1, 1), (2, 2, 2), 0), method="lemke_howson")
    with pytest.raises(TypeError, match="init_pivot must be an integer"):
        solve_nash(bayesian_coordination(), init_pivot="a")


def test_one_player_games_are_solved_per_type():
    rng = np.random.default_rng(0)
    game = BayesianGame(np.array([0.3, 0.7]), (rng.normal(size=(2, 4)),))
    (sigma,) = solve_nash(game)
    np.testing.assert_array_equal(sigma.argmax(axis=1), game.rewards[0].argmax(axis=1))


def test_n_players_without_pygambit_raise_a_clear_error(monkeypatch):
    monkeypatch.setattr(equilibria_module, "gambit_available", lambda: False)
    with pytest.raises(ImportError, match=r"powergames\[gambit\]"):
        solve_nash(random_bayesian_game((1, 1, 1), (2, 2, 2), 0))


@given(seed=seeds(), n=st.integers(3, 4))
def test_n_player_constant_sum_equilibria_from_pygambit(seed, n):
    """Σ POWER = c (to 1e-9) at the equilibria pygambit returns for n-player constant-sum games."""
    pytest.importorskip("pygambit")
    rng = np.random.default_rng(seed)
    n_types = tuple(int(x) for x in rng.integers(1, 3, size=n))
    n_actions = tuple(int(x) for x in rng.integers(1, 3, size=n))
    game = random_bayesian_game(n_types, n_actions, rng, "constant_sum")
    profile = solve_nash(game)
    assert abs(power(game, profile).sum() - game.constant_sum_value()) <= EXACT
    assert is_bayes_nash(game, profile, tol=EXACT)
