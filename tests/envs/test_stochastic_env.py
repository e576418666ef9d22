"""The PettingZoo environment of a stochastic game: API, seeding, hidden information, and
rollouts against the exact values of MATH.md §5."""

from __future__ import annotations

import numpy as np
import pytest
from pettingzoo.test import parallel_api_test

from powergames.envs.stochastic_env import StochasticGameEnv
from powergames.games.gridworld import GridWorld
from powergames.games.stochastic import (
    random_stochastic_game,
    random_symmetric_stochastic_unit_sum_game,
)
from powergames.theory.stochastic_values import profile_values


@pytest.mark.parametrize("observation", ["onehot", "index"])
def test_parallel_api(observation):
    g = random_stochastic_game(3, (2, 3), (2, 3), 0, horizon=4, discount=None)
    parallel_api_test(StochasticGameEnv(g, observation=observation), num_cycles=20)
    u = random_symmetric_stochastic_unit_sum_game(2, 2, 2, 2, 0)
    parallel_api_test(StochasticGameEnv(u, max_cycles=7), num_cycles=20)
    s = GridWorld.build(["...", "..."]).state_reward_game(discount=0.6)
    parallel_api_test(StochasticGameEnv(s, max_cycles=5), num_cycles=20)


def _rollout(env, seed, n_episodes):
    env.reset(seed=seed)
    rng = np.random.default_rng(seed)
    returns = np.zeros((n_episodes, len(env.possible_agents)))
    for e in range(n_episodes):
        env.reset()
        while env.agents:
            acts = {a: int(rng.integers(env.action_space(a).n)) for a in env.agents}
            _, rew, _, _, _ = env.step(acts)
            for i, a in enumerate(env.possible_agents):
                returns[e, i] += rew.get(a, 0.0)
    return returns


def test_seeding_is_reproducible():
    g = random_stochastic_game(3, (2, 2), (2, 2), 1, horizon=5, discount=None)
    a = _rollout(StochasticGameEnv(g), 7, 20)
    b = _rollout(StochasticGameEnv(g), 7, 20)
    assert np.array_equal(a, b)


def test_rollouts_agree_with_exact_values_within_ci():
    g = random_stochastic_game(3, (2, 2), (2, 3), 2, horizon=3, discount=None)
    exact = profile_values(g, g.uniform_profile()).from_initial
    ret = _rollout(StochasticGameEnv(g), 3, 4000)
    se = ret.std(axis=0, ddof=1) / np.sqrt(len(ret))
    assert np.all(np.abs(ret.mean(axis=0) - exact) <= 5 * se)


def test_hidden_x_and_others_types_are_never_observed():
    u = random_symmetric_stochastic_unit_sum_game(2, 2, 2, 3, 4)
    env = StochasticGameEnv(u, max_cycles=3)
    seen = set()
    for seed in range(30):
        obs, infos = env.reset(seed=seed)
        seen.add(env._x)
        # the observation is the one-hot state only (one type): nothing depends on X
        for a, o in obs.items():
            assert o[: u.n_states].argmax() == env.state_index and o[
                env.observation_layout(a)["type"]
            ].tolist() == [1.0]
            assert set(infos[a]) == {"round", "state", "joint_action"}
    assert len(seen) > 1
    g = random_stochastic_game(2, (3, 3), (2, 2), 5, horizon=2, discount=None)
    env = StochasticGameEnv(g)
    obs, _ = env.reset(seed=0)
    assert obs["player_0"][2:].argmax() == env.types[0]
    assert obs["player_1"][2:].argmax() == env.types[1]


def test_bad_actions_and_arguments():
    g = random_stochastic_game(2, (1, 1), (2, 2), 6, horizon=2, discount=None)
    env = StochasticGameEnv(g)
    env.reset(seed=0)
    with pytest.raises(ValueError, match="out of range"):
        env.step({"player_0": 2, "player_1": 0})
    with pytest.raises(ValueError, match="missing action"):
        env.step({"player_0": 0})
    with pytest.raises(TypeError, match="must be an integer"):
        env.step({"player_0": 0.5, "player_1": 0})
    with pytest.raises(ValueError, match="horizon"):
        StochasticGameEnv(g, max_cycles=3)
    with pytest.raises(TypeError, match="StochasticGame"):
        StochasticGameEnv("game")
    env.step({"player_0": 0, "player_1": 1})
    env.step({"player_0": 0, "player_1": 1})
    with pytest.raises(ValueError, match="episode ended"):
        env.step({"player_0": 0, "player_1": 1})


def test_registered_id_builds_seeded_random_games() -> None:
    from powergames.envs import make

    env = make("powergames/stochastic-v0", n_states=4, n_actions=[2, 3], seed=3, max_cycles=5)
    g = env.game
    assert g.n_states == 4 and g.n_actions == (2, 3) and g.discount == 0.8
    assert g.constant_sum_value() == pytest.approx(1.0)
    same = make("powergames/stochastic-v0", n_states=4, n_actions=[2, 3], seed=3).game
    np.testing.assert_array_equal(same.transitions, g.transitions)
    other = make("powergames/stochastic-v0", n_states=4, n_actions=[2, 3], seed=4).game
    assert not np.array_equal(other.transitions, g.transitions)
    h = make("powergames/stochastic-v0", horizon=3, discount=None, kind="general").game
    assert h.horizon == 3 and h.constant_sum_value() is None


@pytest.mark.parametrize(
    ("kwargs", "exc", "word"),
    [
        ({"n_actions": [2, 2, 2]}, ValueError, "n_actions"),
        ({"n_players": 0}, ValueError, "n_players"),
        ({"seed": 1.5}, TypeError, "seed"),
        ({"kind": "zero"}, ValueError, "kind"),
        ({"bogus": 1}, ValueError, "bogus"),
    ],
)
def test_registered_id_rejects_bad_arguments(kwargs, exc, word) -> None:
    from powergames.envs import make

    with pytest.raises(exc, match=word):
        make("powergames/stochastic-v0", **kwargs)


def test_registered_id_builds_symmetric_unit_sum_games() -> None:
    from powergames.envs import make
    from powergames.games.stochastic import StochasticUnitSumGame

    env = make("powergames/stochastic-v0", kind="symmetric_unit_sum", n_states=2, n_x=3, seed=1)
    g = env.game
    assert isinstance(g, StochasticUnitSumGame) and g.n_x == 3 and g.n_states == 4
    assert g.is_symmetric()
    parallel_api_test(env, num_cycles=20)
    with pytest.raises(ValueError, match="n_actions"):
        make("powergames/stochastic-v0", kind="symmetric_unit_sum", n_actions=[2, 3])
