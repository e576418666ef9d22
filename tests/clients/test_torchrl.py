"""TorchRL: ``torchrl.envs.PettingZooWrapper`` around every registered env, rollouts of random actions."""

from __future__ import annotations

import warnings

import pytest

torch = pytest.importorskip("torch")
torchrl_envs = pytest.importorskip("torchrl.envs")

from clients.client_envs import ENV_IDS  # noqa: E402

from powergames.envs import make  # noqa: E402


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_pettingzoo_wrapper_rolls_out(env_id: str) -> None:
    from torchrl.envs.utils import MarlGroupMapType, check_env_specs

    env = make(env_id, max_cycles=3)
    with warnings.catch_warnings():
        # torch.as_tensor on a read-only observation warns "The given NumPy array is not writable"
        warnings.filterwarnings("error", message=".*not writable.*")
        wrapped = torchrl_envs.PettingZooWrapper(
            env=env,
            use_mask=True,
            group_map=MarlGroupMapType.ONE_GROUP_PER_AGENT,
            categorical_actions=True,
        )
        check_env_specs(wrapped, seed=0)
        td = wrapped.rollout(7, break_when_any_done=False)
    assert td.batch_size[0] == 7
    for agent in env.possible_agents:
        info = td["next", agent, "info"]
        assert set(info.keys()) >= {"round", "joint_action"}
        # the round just played: 0, 1, 2, then a new episode (automatic reset by the rollout)
        assert info["round"][:3].reshape(-1).tolist() == [0.0, 1.0, 2.0]
        obs = td[agent, "observation"]
        assert obs.shape[-1] == env.observation_space(agent).shape[0]


def test_shared_group_stacks_agents() -> None:
    """The default grouping (one group for all ``player_*``) with the agent indicator in the observation."""
    env = make("powergames/matching-pennies-v0", max_cycles=2)
    wrapped = torchrl_envs.PettingZooWrapper(env=env, categorical_actions=True)
    assert list(wrapped.group_map) == ["player"]
    td = wrapped.reset(seed=0)
    obs = td["player", "observation"]
    assert obs.shape == (2, env.observation_space("player_0").shape[0])
    block = env.observation_layout("player_0")["agent"]
    assert obs[:, block].tolist() == [[1.0, 0.0], [0.0, 1.0]]
