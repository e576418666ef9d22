"""RLlib's new API stack trains the registered ids through ``ParallelPettingZooEnv``: one tiny PPO
iteration on the majority game and on a Bayesian game."""

from __future__ import annotations

import math

import pytest

try:  # without Ray, ``import ray`` would find this folder (tests/ is on sys.path) as a namespace
    import ray  # package with no __version__

    assert tuple(map(int, ray.__version__.split(".")[:2])) >= (2, 60)
except (ImportError, AttributeError):
    pytest.skip("Ray is not installed: pip install 'powergames[ray]'", allow_module_level=True)
pytest.importorskip("ray.rllib")
pytest.importorskip("torch")

from ray.rllib.algorithms.ppo import PPOConfig  # noqa: E402

from powergames.envs import registry  # noqa: E402
from powergames.envs.rllib import make_rllib_env, register_rllib_envs  # noqa: E402

pytestmark = pytest.mark.slow

ROUNDS = 4


def test_every_id_is_registered_and_builds_a_multi_agent_env(ray_local) -> None:
    from ray.rllib.env.multi_agent_env import MultiAgentEnv
    from ray.tune.registry import ENV_CREATOR, _global_registry

    assert register_rllib_envs() == list(registry)
    for env_id in registry:
        assert _global_registry.contains(ENV_CREATOR, env_id)
    env = _global_registry.get(ENV_CREATOR, "powergames/majority-v0")(
        {"n_players": 3, "n_actions": 2}
    )
    assert isinstance(env, MultiAgentEnv)
    obs, _ = env.reset(seed=0)
    assert sorted(obs) == ["player_0", "player_1", "player_2"]
    with pytest.raises(ValueError, match="not powergames environment ids"):
        register_rllib_envs(["powergames/nope-v0"])
    with pytest.raises(ValueError):
        make_rllib_env("powergames/majority-v0", {"n_players": 0})


def shared_policy(agent_id, episode, **kwargs) -> str:
    return "shared"


@pytest.mark.parametrize(
    ("env_id", "env_config"),
    [
        ("powergames/majority-v0", {"n_players": 3, "n_actions": 2, "max_cycles": ROUNDS}),
        ("powergames/bayesian-v0", {"max_cycles": ROUNDS}),
    ],
    ids=["majority", "bayesian"],
)
def test_one_ppo_iteration_on_the_new_api_stack(ray_local, env_id: str, env_config: dict) -> None:
    register_rllib_envs([env_id])
    config = (
        PPOConfig()
        .api_stack(enable_rl_module_and_learner=True, enable_env_runner_and_connector_v2=True)
        .environment(env_id, env_config=env_config)
        .env_runners(num_env_runners=0, rollout_fragment_length=32)
        .training(train_batch_size_per_learner=64, minibatch_size=32, num_epochs=1)
        .multi_agent(policies={"shared"}, policy_mapping_fn=shared_policy)
        .debugging(seed=0)
    )
    algo = config.build_algo()
    try:
        result = algo.train()
    finally:
        algo.stop()
    assert result["training_iteration"] == 1
    runners = result["env_runners"]
    assert runners["num_env_steps_sampled"] >= 64
    loss = result["learners"]["shared"]["policy_loss"]
    assert math.isfinite(loss)
    ret = runners["episode_return_mean"]  # summed over the agents of an episode
    if env_id == "powergames/majority-v0":
        # a unit-sum game: the shares of every round add up to 1, whatever is played
        assert ret == pytest.approx(ROUNDS)
    else:
        assert math.isfinite(ret)
