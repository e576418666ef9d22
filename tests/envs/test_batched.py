"""BatchedGameEnv has the semantics of GameEnv: equal outputs on shared seeds."""

from __future__ import annotations

import numpy as np
import pytest

from powergames.envs import BatchedGameEnv, GameEnv, make_game, registry
from powergames.games import matching_pennies
from powergames.games.symmetric import majority_game

# ids built from a game (env-factory ids have no game arrays to check against)
PLAYER_ENV_IDS = [e for e in sorted(registry) if registry[e].has_game and not registry[e].coalition]


@pytest.mark.parametrize("env_id", PLAYER_ENV_IDS)
@pytest.mark.parametrize("use_table", [True, False])
def test_batched_equals_consecutive_single_episodes(env_id: str, use_table: bool) -> None:
    """Copy b of a batch (seed s) replays episode b of a single env (seed s, then reset())."""
    game = make_game(env_id)
    n_envs, max_cycles, n_batches = 4, 3, 2
    batched = BatchedGameEnv(game, n_envs, max_cycles=max_cycles, use_table=use_table)
    single = GameEnv(game, max_cycles=max_cycles)
    rng = np.random.default_rng(0)
    ks = np.asarray(single.adapter.n_actions)
    plan = rng.integers(0, ks, size=(n_batches, max_cycles, n_envs, len(ks)))

    # single env: n_batches * n_envs consecutive episodes
    single_runs = []
    for e in range(n_batches * n_envs):
        obs, infos = single.reset(seed=123) if e == 0 else single.reset()
        steps = [(obs, infos)]
        for t in range(max_cycles):
            joint = plan[e // n_envs, t, e % n_envs]
            steps.append(single.step(dict(zip(single.possible_agents, joint.tolist()))))
        single_runs.append(steps)

    agents = single.possible_agents
    obs, info = batched.reset(seed=123)
    for batch in range(n_batches):
        for t in range(max_cycles):
            for b in range(n_envs):
                ref_obs = single_runs[batch * n_envs + b][t][0]
                for i, agent in enumerate(agents):
                    np.testing.assert_array_equal(obs[b, i], ref_obs[agent])
            obs, rewards, terminated, truncated, info = batched.step(plan[batch, t])
            assert not truncated.any() and terminated.all() == (t == max_cycles - 1)
            np.testing.assert_array_equal(info["joint_action"], plan[batch, t])
            for b in range(n_envs):
                _, ref_rew, ref_term, _, ref_info = single_runs[batch * n_envs + b][t + 1]
                np.testing.assert_allclose(rewards[b], [ref_rew[a] for a in agents], atol=1e-15)
                assert terminated[b] == ref_term["player_0"]
                for key in ("state", "types"):
                    if key in ref_info["player_0"]:
                        assert tuple(np.atleast_1d(info[key][b]).tolist()) == tuple(
                            np.atleast_1d(ref_info["player_0"][key]).tolist()
                        )
        # the final observations went to info; obs are the next episodes' first observations
        for b in range(n_envs):
            ref_final = single_runs[batch * n_envs + b][max_cycles][0]
            for i, agent in enumerate(agents):
                np.testing.assert_array_equal(info["final_observation"][b, i], ref_final[agent])


def test_batched_majority_rewards_sum_to_one_and_layout() -> None:
    env = BatchedGameEnv(majority_game(5, 3), 1000)
    obs, _ = env.reset(seed=0)
    assert obs.shape == env.observation_shape == (1000, 5, env.obs_dim)
    assert env.single_observation_space.contains(obs[0, 0])
    actions = env.np_random.integers(0, 3, size=(1000, 5))
    _, rewards, terminated, _, info = env.step(actions)
    np.testing.assert_allclose(rewards.sum(axis=1), 1.0)
    assert terminated.all() and "final_observation" in info
    layout = env.observation_layout()
    counts = info["final_observation"][:, 0, layout["prev_counts"]] * 5
    np.testing.assert_allclose(counts, np.stack([np.bincount(a, minlength=3) for a in actions]))


def test_batched_invalid_input() -> None:
    env = BatchedGameEnv(matching_pennies(), 3, max_cycles=1, autoreset=False)
    with pytest.raises(ValueError, match=r"before reset"):
        env.step(np.zeros((3, 2), dtype=int))
    env.reset(seed=0)
    ok = np.zeros((3, 2), dtype=np.int64)
    bad = ok.copy()
    bad[2, 1] = 2
    with pytest.raises(ValueError, match=r"action 2 of agent 'player_1' in copy 2 is out of range"):
        env.step(bad)
    with pytest.raises(ValueError, match=r"must have shape \(3, 2\)"):
        env.step(np.zeros((3,), dtype=int))
    with pytest.raises(TypeError, match=r"must be an integer array"):
        env.step(ok.astype(float))
    nan = ok.astype(float)
    nan[1, 0] = np.nan
    with pytest.raises(ValueError, match=r"NaN at \(1, 0\) \(agent 'player_0'\)"):
        env.step(nan)
    env.step(ok)
    with pytest.raises(ValueError, match=r"after the episodes ended"):
        env.step(ok)
