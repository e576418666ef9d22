"""Tournaments: exact cells equal coalition values, Monte Carlo cells cover them, frames bound them."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import random_simplex, seeds, symmetric_games
from hypothesis import given, settings

from powergames.games import majority_game
from powergames.theory.coalition_policies import IndependentPolicy, JointPolicy, SharedActionPolicy
from powergames.theory.coalition_values import coalition_values
from powergames.theory.theorem_policies import coalition_copying_policy, theorem1_policy
from powergames.theory.tournaments import SampledPolicy, tournament


@settings(max_examples=15)
@given(symmetric_games(min_players=3, max_players=6), seeds())
def test_cells_and_frames(case, seed):
    game, _ = case
    rng = np.random.default_rng(seed)
    n, k = game.n_players, game.n_actions
    size = int(rng.integers(1, n - 1))
    c1, rest = list(range(size)), list(range(size, n))
    parts = [c1, rest[:1], rest[1:]]
    focal = {
        "independent": IndependentPolicy(size, random_simplex(rng, (k,))),
        "shared": theorem1_policy(size, k),
        "joint": JointPolicy(random_simplex(rng, (k**size,)).reshape((k,) * size)),
    }
    opponents = {
        f"opp{t}": [
            IndependentPolicy(1, random_simplex(rng, (k,))),
            JointPolicy(
                random_simplex(rng, (k ** (len(rest) - 1),)).reshape((k,) * (len(rest) - 1))
            ),
        ]
        for t in range(3)
    }
    res = tournament(game, parts, focal, opponents)
    assert res.exact.all()
    for f, pol in enumerate(focal.values()):
        for o, opp in enumerate(opponents.values()):
            want = coalition_values(game, parts, [pol, *opp])[:, 0]
            np.testing.assert_allclose(res.values[f, o], want, atol=1e-12)
            assert res.worst_case[f, o] <= res.min_over_x[f, o] + 1e-10
            assert res.best_response[o] >= res.min_over_x[f, o] - 1e-9
        assert res.guarantee.value >= res.worst_case[f, 0] - 1e-9
    np.testing.assert_allclose(res.expected, res.values @ game.prior)
    json.dumps(res.as_dict())


def test_monte_carlo_cells_cover_the_exact_values():
    game = majority_game(7, 3)
    parts = [[0, 1, 2, 3], [4, 5, 6]]
    exact_pol = theorem1_policy(4, 3)
    opponents = {
        "uniform": IndependentPolicy(3, np.full(3, 1 / 3)),
        "skewed": IndependentPolicy(3, [0.6, 0.3, 0.1]),
        "shared": SharedActionPolicy(3, 3),
    }
    misses = 0
    for rep in range(10):
        res = tournament(
            game, parts, {"exact": exact_pol, "sampled": SampledPolicy(exact_pol, (3,) * 4)},
            opponents, samples=2000, rng=rep, guarantee=False, best_responses=False,
        )  # fmt: skip
        assert res.exact[0].all() and not res.exact[1].any()
        lo = res.values[1] - res.half_width[1]
        hi = res.values[1] + res.half_width[1]
        misses += int(((res.values[0] < lo) | (res.values[0] > hi)).sum())
        assert np.isnan(res.worst_case[1]).all()
    assert misses <= 5  # 30 intervals at 95%: 1.5 misses expected


def test_opponent_dependent_focal_policy_and_table():
    game = majority_game(7, 3)
    parts = [[0, 1, 2, 3], [4, 5, 6]]
    opp = {"uniform": IndependentPolicy(3, np.full(3, 1 / 3)), "shared": SharedActionPolicy(3, 3)}
    res = tournament(game, parts, {"copying": lambda o: coalition_copying_policy(o, 4)}, opp)
    for o, pol in enumerate(opp.values()):
        want = coalition_values(game, parts, [coalition_copying_policy([pol], 4), pol])[0, 0]
        assert res.min_over_x[0, o] == pytest.approx(want)
        assert res.min_over_x[0, o] >= 0.5 - 1e-12  # Theorem 2 with k = 2
    assert res.worst_case[0, 0] != pytest.approx(res.worst_case[0, 1])
    text = res.table()
    assert "copying" in text and ".." in text and "optimal guarantee G" in text


def test_bad_inputs():
    game = majority_game(5, 3)
    t1 = theorem1_policy(3, 3)
    with pytest.raises(ValueError, match="one policy per other coalition"):
        tournament(game, [[0, 1, 2], [3], [4]], {"t": t1}, {"u": [IndependentPolicy(1, [1, 0, 0])]})
    with pytest.raises(ValueError, match="at least one focal"):
        tournament(game, [[0, 1, 2], [3, 4]], {}, {"u": IndependentPolicy(2, [1, 0, 0])})
    with pytest.raises(ValueError, match=r"focal\[.t.\] is a policy for 2 members"):
        tournament(
            game, [[0, 1, 2], [3, 4]], {"t": theorem1_policy(2, 3)}, {"u": theorem1_policy(2, 3)}
        )
    with pytest.raises(TypeError, match="must be a CoalitionPolicy"):
        tournament(game, [[0, 1, 2], [3, 4]], {"t": t1}, {"u": 3})
