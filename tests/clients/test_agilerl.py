"""AgileRL: IPPO trained briefly on registered envs (agents grouped by name prefix share a network)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("agilerl")

from powergames.envs import make  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("env_id", "kwargs"),
    [
        ("powergames/matching-pennies-v0", {}),
        ("powergames/bayesian-v0", {}),
        ("powergames/population-bargaining-v0", {"n_agents": 4}),
        # AgileRL groups agents by name prefix and requires one action space per group, so
        # coalitions must be of equal size here ("coalition_0", "coalition_1" share the prefix)
        (
            "powergames/majority-coalitions-v0",
            {"n_players": 4, "n_actions": 2, "coalitions": [[0, 1], [2, 3]]},
        ),
    ],
)
def test_ippo_trains(env_id: str, kwargs: dict) -> None:
    from agilerl.algorithms import IPPO
    from agilerl.training.train_multi_agent_on_policy import train_multi_agent_on_policy

    env = make(env_id, max_cycles=2, **kwargs)
    env.reset(seed=0)
    agents = env.possible_agents
    algo = IPPO(
        observation_spaces=[env.observation_space(a) for a in agents],
        action_spaces=[env.action_space(a) for a in agents],
        agent_ids=agents,
        batch_size=16,
        learn_step=16,
        update_epochs=1,
        net_config={"latent_dim": 8, "encoder_config": {"hidden_size": [8]}},
        device="cpu",
    )
    pop, fitnesses = train_multi_agent_on_policy(
        env, env_id, "IPPO", [algo], max_steps=64, evo_steps=32, eval_loop=1, verbose=False
    )
    assert len(pop) == 1 and np.all(np.isfinite(np.asarray(fitnesses[0], dtype=float)))
    obs, infos = env.reset(seed=1)
    actions = pop[0].get_action(obs, infos)[0]
    assert set(actions) == set(agents)
