"""The simulated resource gridworld: API, seeding, rendering, egocentric observations, and rollouts
against the exact stochastic-game form (MATH.md §5)."""

from __future__ import annotations

import numpy as np
import pytest
from pettingzoo.test import parallel_api_test

from powergames.envs.gridworld import ResourceGridEnv
from powergames.games.gridworld import resource_gridworld
from powergames.theory.stochastic_coalitions import stochastic_coalition_values


@pytest.mark.parametrize("wrap", [True, False])
def test_parallel_api(wrap):
    env = ResourceGridEnv(["a.#", "..b"], n_agents=3, wrap=wrap, max_cycles=10)
    parallel_api_test(env, num_cycles=30)


def _returns(env, seed, episodes):
    env.reset(seed=seed)
    rng = np.random.default_rng(seed)
    out = np.zeros((episodes, env.n_agents))
    for e in range(episodes):
        env.reset()
        while env.agents:
            _, rew, _, _, _ = env.step({a: int(rng.integers(5)) for a in env.agents})
            out[e] += [rew[a] for a in env.possible_agents]
    return out


def test_seeding_is_reproducible():
    a = _returns(ResourceGridEnv(max_cycles=8), 3, 10)
    b = _returns(ResourceGridEnv(max_cycles=8), 3, 10)
    assert np.array_equal(a, b)
    assert np.allclose(a.sum(axis=1), 8)  # unit-sum: one unit per step


@pytest.mark.parametrize(("layout", "wrap"), [(["a.", ".b"], True), (["a#", ".b"], False)])
def test_rollouts_agree_with_the_exact_form(layout, wrap):
    h = 4
    _, game = resource_gridworld(layout, 2, discount=None, horizon=h, wrap=wrap)
    uniform = np.full((game.n_states, 5), 0.2)
    exact = stochastic_coalition_values(game, [[0], [1]], [uniform, uniform])
    want = game.x_prior @ exact.values  # (2,): each player's expected total share
    ret = _returns(ResourceGridEnv(layout, 2, wrap=wrap, max_cycles=h), 1, 4000)
    se = ret.std(axis=0, ddof=1) / np.sqrt(len(ret))
    assert np.all(np.abs(ret.mean(axis=0) - want) <= 5 * se)


def test_observations_are_egocentric_and_hide_x():
    env = ResourceGridEnv(["a...", "....", "..b."], n_agents=2, view_radius=1)
    obs, infos = env.reset(seed=0)
    d = 3
    h, w = env._shape
    for i, a in enumerate(env.possible_agents):
        window = obs[a].reshape(env._n_channels, d, d)
        y, x = env.positions[i]
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                cy, cx = (y + dy) % h, (x + dx) % w
                assert window[1, dy + 1, dx + 1] == float(env.kind[cy, cx] == 0)
                others = sum(
                    1 for j in range(env.n_agents) if j != i and tuple(env.positions[j]) == (cy, cx)
                )
                assert window[-1, dy + 1, dx + 1] * (env.n_agents - 1) == others
        assert set(infos[a]) == {"round"}
    # the same positions under either X give the same observations
    env.reset(seed=1)
    pos = env.positions.copy()
    first = env._observations()
    env._x = 1 - env._x
    env.positions = pos
    second = env._observations()
    assert all(np.array_equal(first[a], second[a]) for a in first)


def test_rendering():
    env = ResourceGridEnv(["a.", ".b"], n_agents=2, render_mode="ansi")
    env.reset(seed=0)
    text = env.render()
    assert "round 0/50" in text and ("0" in text.splitlines()[1] + text.splitlines()[2])
    img = ResourceGridEnv(["a.", ".b"], n_agents=2, render_mode="rgb_array")
    img.reset(seed=0)
    frame = img.render()
    assert frame.shape == (32, 32, 3) and frame.dtype == np.uint8


def test_bad_input():
    with pytest.raises(ValueError, match="resource cell"):
        ResourceGridEnv(["..", ".."])
    with pytest.raises(ValueError, match="render_mode"):
        ResourceGridEnv(render_mode="human")
    env = ResourceGridEnv()
    env.reset(seed=0)
    with pytest.raises(ValueError, match="out of range"):
        env.step({"player_0": 7, "player_1": 0})
