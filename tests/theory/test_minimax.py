"""The minimax localizer (MATH.md §3) against brute force over random strategies."""

from __future__ import annotations

import numpy as np
from conftest import normal_form_games
from hypothesis import given, settings

from powergames.games import NormalFormGame, matching_pennies, prisoners_dilemma
from powergames.theory import maxmin_profile
from powergames.theory.minimax import localized_profiles, minimax_profile, minimax_values


def _others_best(g, i, x):
    others = np.delete(g.payoffs, i, axis=0).sum(axis=0)
    m = np.moveaxis(others, i, 0).reshape(g.n_actions[i], -1)
    return float((x @ m).max())


@settings(max_examples=30, deadline=None)
@given(normal_form_games(min_players=2, max_players=3))
def test_minimax_holds_the_others_down_better_than_any_random_strategy(drawn):
    g, rng = drawn
    prof = minimax_profile(g)
    vals = minimax_values(g)
    for i in range(g.n_players):
        best = _others_best(g, i, prof[i])
        assert abs(best - vals[i]) <= 1e-7 * max(1.0, np.abs(g.payoffs).max())
        for _ in range(20):
            x = rng.dirichlet(np.ones(g.n_actions[i]))
            assert best <= _others_best(g, i, x) + 1e-7 * max(1.0, np.abs(g.payoffs).max())


@settings(max_examples=20, deadline=None)
@given(normal_form_games(min_players=2, max_players=2))
def test_minimax_equals_maxmin_value_in_zero_sum_games(drawn):
    g, _ = drawn
    z = NormalFormGame(np.stack([g.payoffs[0], -g.payoffs[0]]))
    mm = maxmin_profile(z)
    mx = minimax_profile(z)
    for i in range(2):
        assert abs(_others_best(z, i, mm[i]) - _others_best(z, i, mx[i])) <= 1e-7 * max(
            1.0, np.abs(z.payoffs).max()
        )


def test_named_games_and_all_localizers():
    assert np.allclose(minimax_profile(matching_pennies())[0], [0.5, 0.5], atol=1e-9)
    prof = localized_profiles(prisoners_dilemma())
    assert set(prof) == {"max_welfare", "maxmin", "nash", "minimax"}
    # in the PD defecting holds the other down: (D, D)
    assert all(p.argmax() == 1 for p in prof["minimax"])
