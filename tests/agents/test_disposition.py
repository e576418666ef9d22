import numpy as np
import pytest

from powergames.agents import DispositionPolicy, Policy
from powergames.envs.population_bargaining import PopulationBargainingEnv


def test_disposition_policy_cooperates_iff_c_and_pairs_settle_iff_both_c():
    env = PopulationBargainingEnv(
        n_agents=7, f_v=0.4, locality=0.5, max_cycles=5, f_c_given_v=0.6, f_c_given_not_v=0.4
    )
    policies = {a: DispositionPolicy(env.observation_layout(a)) for a in env.possible_agents}
    assert all(isinstance(p, Policy) for p in policies.values())
    rng = np.random.default_rng(0)
    for seed in range(4):
        obs, infos = env.reset(seed=seed)
        disp = {a: infos[a]["disposition"] for a in env.agents}
        while env.agents:
            acts = {a: policies[a].act(obs[a], rng) for a in env.agents}
            assert acts == disp
            for a in env.agents:
                assert policies[a].strategy(obs[a]).tolist() == ([0, 1] if disp[a] else [1, 0])
            obs, _, _, _, infos = env.step(acts)
            for a, info in infos.items():
                p = info["partner"]  # an index in possible_agents, -1 when sitting out
                partner = env.possible_agents[p] if p >= 0 else None
                assert info["settled"] == (
                    partner is not None and disp[a] == 1 and disp[partner] == 1
                )


def test_disposition_policy_errors():
    with pytest.raises(ValueError, match="'disposition' block"):
        DispositionPolicy({"type": slice(0, 2)})
    env = PopulationBargainingEnv(n_agents=4)  # no dispositions
    obs, _ = env.reset(seed=0)
    pol = DispositionPolicy(env.observation_layout("player_0"))
    with pytest.raises(ValueError, match="one-hot"):
        pol.act(obs["player_0"], np.random.default_rng(0))
