import itertools

import numpy as np
import pytest
from conftest import random_simplex, seeds
from hypothesis import given
from hypothesis import strategies as st

from powergames.games import (
    BayesianGame,
    NormalFormGame,
    UnitSumGame,
    as_bayesian,
    bayesian_coordination,
    bayesian_matching_pennies,
    random_bayesian_game,
)
from powergames.games import bayesian as bayesian_module


def brute_constant_sum(game, tol=1e-9):
    """c if Σ_i r_i(t_i, a) = c on every support profile and action profile, else None."""
    c = None
    for t in itertools.product(*(range(x) for x in game.n_types)):
        if game.prior[t] == 0:
            continue
        for a in itertools.product(*(range(k) for k in game.n_actions)):
            s = sum(game.rewards[i][(t[i], *a)] for i in range(game.n_players))
            c = s if c is None else c
            if abs(s - c) > tol:
                return None
    return c


def brute_common_payoff(game, tol=1e-9):
    for t in itertools.product(*(range(x) for x in game.n_types)):
        if game.prior[t] == 0:
            continue
        for a in itertools.product(*(range(k) for k in game.n_actions)):
            vals = [game.rewards[i][(t[i], *a)] for i in range(game.n_players)]
            if max(vals) - min(vals) > tol:
                return False
    return True


sizes = st.integers(1, 3)


@given(
    seed=seeds(),
    n=st.integers(1, 4),
    kind=st.sampled_from(["general", "constant_sum", "common_payoff"]),
)
def test_class_facts_match_brute_force(seed, n, kind):
    rng = np.random.default_rng(seed)
    n_types = tuple(int(x) for x in rng.integers(1, 4, size=n))
    n_actions = tuple(int(x) for x in rng.integers(1, 4, size=n))
    game = random_bayesian_game(n_types, n_actions, rng, kind)
    assert game.n_types == n_types and game.n_actions == n_actions
    c = brute_constant_sum(game)
    if c is None:
        assert game.constant_sum_value() is None
    else:
        assert game.constant_sum_value() == pytest.approx(c, abs=1e-9)
    assert game.is_common_payoff == brute_common_payoff(game)
    if kind == "constant_sum":
        assert game.is_constant_sum
    if kind == "common_payoff":
        assert game.is_common_payoff
    # marginals and support
    for i in range(n):
        axes = tuple(j for j in range(n) if j != i)
        np.testing.assert_allclose(game.type_marginals[i], game.prior.sum(axis=axes), atol=1e-15)
        np.testing.assert_array_equal(game.type_support[i], game.type_marginals[i] > 0)


def test_support_check_works_in_chunks(monkeypatch):
    rng = np.random.default_rng(3)
    game = random_bayesian_game((4, 3, 3), (2, 3, 2), rng, "constant_sum", zero_prob=0.0)
    expected = game.constant_sum_value()
    monkeypatch.setattr(bayesian_module, "_CHUNK", 1)
    assert game.constant_sum_value() == pytest.approx(expected, abs=1e-12)
    bad = [r.copy() for r in game.rewards]
    support = np.argwhere(game.prior > 0)[-1]  # the last support profile: the last chunk
    bad[0][(support[0], 1, 2, 1)] += 1.0
    assert not BayesianGame(game.prior, bad).is_constant_sum


def test_constant_sum_only_needs_the_support():
    """Perfectly correlated types: off-support profiles may violate Σ r_i = c."""
    prior = np.array([[0.5, 0.0], [0.0, 0.5]])
    rng = np.random.default_rng(0)
    r0 = rng.normal(size=(2, 2, 2))
    r1 = 3.0 - r0  # r_1(t, a) = 3 - r_0(t, a): constant sum 3 when t_0 = t_1
    game = BayesianGame(prior, (r0, r1))
    assert game.constant_sum_value() == pytest.approx(3.0)
    full = BayesianGame(np.full((2, 2), 0.25), (r0, r1))
    assert not full.is_constant_sum


def test_as_bayesian_of_a_normal_form_game_is_a_conversion():
    rng = np.random.default_rng(1)
    nf = NormalFormGame(rng.normal(size=(3, 2, 3, 2)))
    game = as_bayesian(nf)
    assert game.n_types == (1, 1, 1) and game.n_actions == (2, 3, 2)
    for a in itertools.product(range(2), range(3), range(2)):
        np.testing.assert_array_equal(game.pure_rewards((0, 0, 0), a), nf.pure_payoffs(a))
    assert as_bayesian(nf) == game
    validated = BayesianGame(np.ones((1, 1, 1)), tuple(nf.payoffs[i][None] for i in range(3)))
    assert validated == game and validated.n_types == game.n_types
    for i in range(3):
        np.testing.assert_array_equal(game.type_marginals[i], validated.type_marginals[i])
        np.testing.assert_array_equal(game.type_support[i], validated.type_support[i])
        assert not game.rewards[i].flags.writeable
    assert as_bayesian(game) is game


def test_unit_sum_game_converts_to_constant_sum_one():
    rng = np.random.default_rng(2)
    shares = np.moveaxis(random_simplex(rng, (3, 2, 2, 2), sparse=False), -1, 1)
    game = as_bayesian(UnitSumGame(shares))
    assert game.constant_sum_value() == pytest.approx(1.0)
    with pytest.raises(TypeError, match="game must be a game"):
        as_bayesian(np.zeros((2, 2, 2)))


def test_posterior_and_zero_probability_types():
    prior = np.array([[0.2, 0.3, 0.0], [0.0, 0.0, 0.0], [0.1, 0.0, 0.4]])
    rewards = (np.zeros((3, 2, 2)), np.zeros((3, 2, 2)))
    game = BayesianGame(prior, rewards)
    np.testing.assert_array_equal(game.type_support[0], [True, False, True])
    np.testing.assert_array_equal(game.type_support[1], [True, True, True])
    np.testing.assert_allclose(game.posterior(0, 0), [0.4, 0.6, 0.0])
    np.testing.assert_allclose(game.posterior(1, 2), [0.0, 0.0, 1.0])
    with pytest.raises(ValueError, match="undefined: that type has prior probability 0"):
        game.posterior(0, 1)
    with pytest.raises(ValueError, match=r"t_i must be in \[0, 3\)"):
        game.posterior(0, 3)
    with pytest.raises(ValueError, match=r"player must be in \[0, 2\)"):
        game.posterior(2, 0)


@pytest.mark.parametrize(
    "prior, rewards, match",
    [
        (np.ones((1, 1)), np.zeros((2, 1, 2, 2)), "one array per player"),
        (np.ones((1, 1)), (np.zeros((1, 2, 2)), np.zeros((1, 2))), r"rewards\[1\] must have shape"),
        (
            np.ones((1, 1)),
            (np.zeros((1, 2, 2)), np.zeros((1, 2, 3))),
            r"rewards\[1\] has action axes \(2, 3\)",
        ),
        (np.ones((2, 1)), (np.zeros((1, 2, 2)), np.zeros((1, 2, 2))), r"prior must have shape"),
        (np.full((1, 1), 0.5), (np.zeros((1, 2, 2)), np.zeros((1, 2, 2))), "prior must sum to 1"),
        (np.ones((1, 1)), (np.full((1, 2, 2), np.inf), np.zeros((1, 2, 2))), "finite"),
        (np.ones((1, 1)), (np.zeros((1, 2, 2)), "abc"), "array of numbers"),
        (np.array([[1.5], [-0.5]]), (np.zeros((2, 2, 2)), np.zeros((1, 2, 2))), "non-negative"),
        (None, (np.zeros((1, 2, 2)), np.zeros((1, 2, 2))), "prior must be an array of numbers"),
    ],
)
def test_bad_games(prior, rewards, match):
    with pytest.raises((ValueError, TypeError), match=match):
        BayesianGame(prior, rewards)


def test_bad_pure_indices_and_generator_arguments():
    game = bayesian_coordination()
    with pytest.raises(ValueError, match=r"types\[0\] must be an integer in \[0, 2\)"):
        game.pure_rewards((2, 0), (0, 0))
    with pytest.raises(ValueError, match="one entry per player"):
        game.pure_rewards((0,), (0, 0))
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="kind must be"):
        random_bayesian_game((2, 2), (2, 2), rng, "zero")
    with pytest.raises(ValueError, match=r"n_states must be <= min\(n_types\)"):
        random_bayesian_game((2, 3), (2, 2), rng, "constant_sum", n_states=3)
    with pytest.raises(TypeError, match="rng must be"):
        random_bayesian_game((2, 2), (2, 2), None)
    with pytest.raises(TypeError, match="n_types must be a sequence"):
        random_bayesian_game(2, (2, 2), rng)


@pytest.mark.parametrize("scale", [1e-3, 1.0, 1e7])
def test_class_checks_are_relative_to_the_payoff_scale(scale):
    """A constant-sum or common-payoff game stays one when rescaled, whatever the magnitude, and a
    perturbation far above rounding is detected at every scale."""
    rng = np.random.default_rng(1)
    for kind, check in (("constant_sum", "is_constant_sum"), ("common_payoff", "is_common_payoff")):
        game = random_bayesian_game((2, 2), (3, 2), rng, kind)
        rewards = [scale * r for r in game.rewards]
        assert getattr(BayesianGame(game.prior, tuple(rewards)), check)
        rewards[0] = rewards[0].copy()
        rewards[0][game.type_support[0].argmax(), 0, 0] += 1e-6 * max(scale, 1.0)
        assert not getattr(BayesianGame(game.prior, tuple(rewards)), check)
    z = scale * rng.normal(size=(3, 3))
    assert NormalFormGame(np.stack([z, 0.5 * scale - z])).is_constant_sum
    assert NormalFormGame(np.stack([z, z])).is_common_payoff
    assert not NormalFormGame(
        np.stack([z, 0.5 * scale - z + 1e-6 * max(scale, 1.0) * np.eye(3)])
    ).is_constant_sum


def test_named_games():
    mp = bayesian_matching_pennies(0.25)
    assert mp.n_types == (2, 1) and mp.n_actions == (2, 2)
    np.testing.assert_allclose(mp.type_marginals[0], [0.75, 0.25])
    assert not mp.is_constant_sum
    assert bayesian_matching_pennies(0.0).constant_sum_value() == 0.0
    # the flipped type wants to mismatch, like player 1
    assert mp.pure_rewards((1, 0), (0, 1))[0] == 1.0 and mp.pure_rewards((1, 0), (0, 1))[1] == 1.0
    co = bayesian_coordination(rho=0.8, bonus=0.5)
    assert co.prior[0, 0] == pytest.approx(0.4) and co.prior[0, 1] == pytest.approx(0.1)
    np.testing.assert_allclose(co.pure_rewards((0, 1), (0, 0)), [1.5, 1.0])
    np.testing.assert_allclose(co.pure_rewards((0, 1), (0, 1)), [0.0, 0.0])
    assert not co.is_common_payoff
    assert bayesian_coordination(bonus=0.0).is_common_payoff
    with pytest.raises(ValueError, match="p_flip"):
        bayesian_matching_pennies(1.5)


def test_best_case_power_is_the_expected_best_reward():
    game = bayesian_coordination(rho=0.8, bonus=0.5)
    np.testing.assert_allclose(game.best_case_power(), [1.5, 1.5])


def test_games_are_frozen_and_hashable():
    game = bayesian_coordination()
    with pytest.raises(ValueError):
        game.rewards[0][0, 0, 0] = 3.0
    assert game == bayesian_coordination() and hash(game) == hash(bayesian_coordination())
    assert game != bayesian_coordination(rho=0.5)
