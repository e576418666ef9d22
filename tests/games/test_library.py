import itertools

import numpy as np
import pytest
from conftest import seeds
from hypothesis import given
from hypothesis import strategies as st

from powergames.games import NormalFormGame
from powergames.games.library import (
    GAMES,
    battle_of_the_sexes,
    chicken,
    coordination,
    get_game,
    interpolated_game,
    interpolation_base,
    matching_pennies,
    prisoners_dilemma,
    rock_paper_scissors,
    shapley_game,
    stag_hunt,
)


def brute_alpha(payoffs):
    n = payoffs.shape[0]
    profiles = list(itertools.product(*(range(k) for k in payoffs.shape[1:])))
    best_welfare = max(sum(payoffs[(i, *a)] for i in range(n)) for a in profiles)
    return best_welfare - sum(max(payoffs[(i, *a)] for a in profiles) for i in range(n))


def test_matching_pennies_as_math_md():
    g = matching_pennies()
    assert g.n_actions == (2, 2)
    np.testing.assert_array_equal(g.payoffs[0], [[1, -1], [-1, 1]])
    np.testing.assert_array_equal(g.payoffs[1], -g.payoffs[0])


def test_prisoners_dilemma_as_math_md():
    g = prisoners_dilemma()
    C, D = 0, 1
    assert tuple(g.pure_payoffs([C, C])) == (-1, -1)
    assert tuple(g.pure_payoffs([C, D])) == (-3, 0)
    assert tuple(g.pure_payoffs([D, C])) == (0, -3)
    assert tuple(g.pure_payoffs([D, D])) == (-2, -2)
    for a in itertools.product(range(2), repeat=2):
        assert g.welfare[a] == -4 + sum(x == C for x in a)
    np.testing.assert_array_equal(prisoners_dilemma(shift=3).payoffs, g.payoffs + 3)


def test_pure_equilibria_of_the_2x2_games():
    def pure_nash(g):
        out = []
        for a in itertools.product(range(2), repeat=2):
            ok = all(
                g.payoffs[(i, *a)]
                >= max(g.payoffs[(i, *(a[:i] + (b,) + a[i + 1 :]))] for b in range(2))
                for i in range(2)
            )
            if ok:
                out.append(a)
        return out

    assert pure_nash(prisoners_dilemma()) == [(1, 1)]
    assert pure_nash(stag_hunt()) == [(0, 0), (1, 1)]
    assert pure_nash(chicken()) == [(0, 1), (1, 0)]
    assert pure_nash(battle_of_the_sexes()) == [(0, 0), (1, 1)]
    assert pure_nash(coordination()) == [(0, 0), (1, 1)]
    assert pure_nash(matching_pennies()) == []


def test_zero_sum_and_common_payoff_facts():
    assert matching_pennies().constant_sum_value() == 0
    assert rock_paper_scissors().constant_sum_value() == 0
    assert coordination(n_players=3, n_actions=4).is_common_payoff
    assert not shapley_game().is_constant_sum


def test_shapley_game_uniform_is_the_only_fixed_point_of_best_reply_support():
    g = shapley_game()
    u = np.ones(3) / 3
    # uniform play makes both players indifferent
    np.testing.assert_allclose(g.payoffs[0] @ u, 1 / 3)
    np.testing.assert_allclose(u @ g.payoffs[1], 1 / 3)
    # and no pure profile is an equilibrium (every player wants to move somewhere)
    for a, b in itertools.product(range(3), repeat=2):
        assert (
            g.payoffs[0, a, b] < g.payoffs[0, :, b].max()
            or g.payoffs[1, a, b] < g.payoffs[1, a, :].max()
        )


@given(lam=st.floats(0, 1), seed=seeds(), n=st.integers(2, 3))
def test_interpolated_family_endpoints_and_alpha_monotone(lam, seed, n):
    c, z = interpolation_base(seed, n_players=n, n_actions=2)
    g0 = interpolated_game(0.0, (c, z))
    g1 = interpolated_game(1.0, (c, z))
    assert g0.is_common_payoff and np.array_equal(g0.payoffs[0], c)
    assert g1.is_constant_sum and g1.constant_sum_value() == pytest.approx(0, abs=1e-12)
    if n == 2:
        assert np.all(g1.welfare == 0)  # exactly
    lam2 = min(1.0, lam + 0.1)
    a1 = brute_alpha(interpolated_game(lam, (c, z)).payoffs)
    a2 = brute_alpha(interpolated_game(lam2, (c, z)).payoffs)
    assert a2 <= a1 + 1e-12
    assert a1 <= 1e-12


@pytest.mark.parametrize("lam", [0.0, 0.2, 1 / 3, 0.5, 0.9, 1.0])
def test_default_interpolated_family(lam):
    g = interpolated_game(lam)
    assert brute_alpha(g.payoffs) == pytest.approx(min(0.0, 1 - 3 * lam), abs=1e-12)
    if lam == 1.0:
        assert g == matching_pennies()


def test_interpolated_bad_input():
    with pytest.raises(ValueError, match="lam must be in"):
        interpolated_game(1.5)
    with pytest.raises(ValueError, match="finite"):
        interpolated_game(float("nan"))
    with pytest.raises(ValueError, match="sum to 0 over players"):
        interpolated_game(0.5, (np.zeros((2, 2)), np.ones((2, 2, 2))))
    with pytest.raises(ValueError, match="shape"):
        interpolated_game(0.5, (np.zeros((2, 2)), np.zeros((3, 2, 2))))


def test_registry():
    for name in [
        "matching_pennies",
        "prisoners_dilemma",
        "stag_hunt",
        "chicken",
        "battle_of_the_sexes",
        "coordination",
        "rock_paper_scissors",
        "shapley_game",
        "interpolated",
    ]:
        assert name in GAMES
        assert isinstance(get_game(name), NormalFormGame)
    assert get_game("Prisoners-Dilemma", shift=3) == prisoners_dilemma(3)
    assert get_game("interpolated", lam=0.25) == interpolated_game(0.25)
    with pytest.raises(ValueError, match="unknown game 'nope'; known games: .*matching_pennies"):
        get_game("nope")
    with pytest.raises(ValueError, match="bad arguments"):
        get_game("matching_pennies", colour="red")
    assert list(GAMES) == sorted(GAMES)


def test_majority_is_registered():
    assert "majority" in GAMES
    g = get_game("majority", n_players=3, n_actions=2)
    assert g.n_players == 3


def test_named_bayesian_games_are_registered():
    from powergames.games import bayesian

    for name in ["bayesian_matching_pennies", "bayesian_coordination"]:
        assert name in GAMES
        assert isinstance(get_game(name), bayesian.BayesianGame)
    g = get_game("bayesian_matching_pennies", p_flip=0.0)
    assert g.n_types == (1, 1) or g.n_types == (2, 1)


def test_a_dense_named_game_too_large_is_refused_before_allocating() -> None:
    import pytest

    from powergames.games import get_game

    with pytest.raises(ValueError, match=r"n \* k\*\*n = .* payoffs"):
        get_game("coordination", n_players=40)
