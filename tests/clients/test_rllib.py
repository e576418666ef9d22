"""Ray RLlib (new API stack): ``ParallelPettingZooEnv`` and ``PettingZooEnv``, one PPO training iteration."""

from __future__ import annotations

import pytest

ray = pytest.importorskip("ray")
pytest.importorskip("ray.rllib")

from clients.client_envs import ENV_IDS  # noqa: E402

from powergames.envs import make, make_aec  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield
    ray.shutdown()


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_wrappers_step(env_id: str) -> None:
    from ray.rllib.env.wrappers.pettingzoo_env import ParallelPettingZooEnv, PettingZooEnv

    par = ParallelPettingZooEnv(make(env_id, max_cycles=2))
    obs, infos = par.reset(seed=0)
    assert set(obs) == set(par.get_agent_ids())
    obs, rew, term, trunc, infos = par.step({a: par.action_space[a].sample() for a in obs})
    assert set(rew) == set(obs) and "__all__" in term
    aec = PettingZooEnv(make_aec(env_id, max_cycles=2))
    obs, infos = aec.reset(seed=0)
    (agent,) = obs
    obs, rew, term, trunc, infos = aec.step({agent: aec.action_space[agent].sample()})
    assert obs


@pytest.mark.parametrize(
    "env_id", ["powergames/matching-pennies-v0", "powergames/majority-coalitions-v0"]
)
def test_ppo_one_iteration(env_id: str, local_ray) -> None:
    from ray.rllib.algorithms.ppo import PPOConfig
    from ray.rllib.env.wrappers.pettingzoo_env import ParallelPettingZooEnv
    from ray.tune.registry import register_env

    name = env_id.replace("/", "_")
    register_env(name, lambda cfg: ParallelPettingZooEnv(make(env_id, max_cycles=2)))
    agents = make(env_id).possible_agents
    config = (
        PPOConfig()
        .environment(name)
        .multi_agent(policies=set(agents), policy_mapping_fn=lambda agent_id, *a, **k: agent_id)
        .env_runners(num_env_runners=0, rollout_fragment_length=32)
        .training(train_batch_size_per_learner=64, minibatch_size=32, num_epochs=1)
        .debugging(seed=0)
    )
    algo = config.build_algo()
    result = algo.train()
    algo.stop()
    assert result["env_runners"]["num_env_steps_sampled_lifetime"] >= 64
