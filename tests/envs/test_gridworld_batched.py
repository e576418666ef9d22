"""The batched resource gridworld against the single env and the exact form (MATH.md §5)."""

from __future__ import annotations

import numpy as np
import pytest

from powergames.envs.gridworld_batched import BatchedResourceGrid
from powergames.games.gridworld import resource_gridworld
from powergames.theory.stochastic_coalitions import stochastic_coalition_values


@pytest.mark.parametrize(
    ("layout", "n", "radius", "wrap"),
    [
        (["a...", "....", "..b."], 3, 1, True),
        (["a...", "....", "..b."], 3, 2, True),
        (["a.#.", "#...", "..b."], 3, 1, False),
        (["a.", ".b"], 4, 1, True),
        (["a.#..", ".....", "..b.."], 2, 0, True),
        (["ab", ".."], 3, 2, True),
    ],
)
def test_observations_and_shares_match_the_single_env(layout, n, radius, wrap):
    env = BatchedResourceGrid(layout, n, n_envs=16, view_radius=radius, wrap=wrap, max_cycles=5)
    obs, _ = env.reset(seed=0)
    rng = np.random.default_rng(0)
    single = env.single
    for _ in range(4):
        for b in range(env.n_envs):
            single.positions = env.positions[b].copy()
            single._x = int(env._x[b])
            single._round = env._round
            want = single._observations()
            for i, a in enumerate(single.possible_agents):
                np.testing.assert_array_equal(obs[b, i], want[a])
        shares = env._shares()
        for b in range(env.n_envs):
            single.positions = env.positions[b].copy()
            single._x = int(env._x[b])
            np.testing.assert_array_equal(shares[b], single.shares())
        obs, rew, term, trunc, info = env.step(rng.integers(5, size=(env.n_envs, n)))
        np.testing.assert_allclose(rew.sum(axis=1), 1.0)


def test_rollouts_agree_with_the_exact_form():
    h = 4
    layout = ["a#", ".b"]
    _, game = resource_gridworld(layout, 2, discount=None, horizon=h, wrap=False)
    uniform = np.full((game.n_states, 5), 0.2)
    want = game.x_prior @ stochastic_coalition_values(game, [[0], [1]], [uniform] * 2).values
    env = BatchedResourceGrid(layout, 2, n_envs=4000, wrap=False, max_cycles=h)
    env.reset(seed=3)
    rng = np.random.default_rng(3)
    total = np.zeros((4000, 2))
    for _ in range(h):
        _, rew, _, trunc, info = env.step(rng.integers(5, size=(4000, 2)))
        total += rew
    assert trunc.all() and "final_observation" in info
    se = total.std(axis=0, ddof=1) / np.sqrt(4000)
    assert np.all(np.abs(total.mean(axis=0) - want) <= 5 * se)


def test_bad_actions():
    env = BatchedResourceGrid(n_envs=3)
    env.reset(seed=0)
    with pytest.raises(ValueError, match="shape"):
        env.step(np.zeros((2, 2), dtype=int))
    with pytest.raises(ValueError, match="in \\[0, 5\\)"):
        env.step(np.full((3, 2), 5))
