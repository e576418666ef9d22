import json

import numpy as np
import pytest
from gymnasium.utils.env_checker import data_equivalence
from pettingzoo.test import parallel_api_test, parallel_seed_test

from powergames.envs import EnvSpec, make, make_game, register, registry
from powergames.envs.population_bargaining import (
    PopulationBargainingEnv,
    exact_finite_settlement_rate,
)

ENV_ID = "powergames/population-bargaining-v0"


def test_pettingzoo_api_and_seeding():
    parallel_api_test(PopulationBargainingEnv(n_agents=7, f_v=0.4, locality=0.5), num_cycles=30)
    parallel_seed_test(lambda: PopulationBargainingEnv(n_agents=6, f_v=0.5, locality=0.3))


def test_spaces_are_built_once_and_layout_matches():
    env = PopulationBargainingEnv(n_agents=4)
    assert env.action_space("player_0") is env.action_space("player_3")
    assert env.observation_space("player_1") is env.observation_space("player_2")
    layout = env.observation_layout("player_0")
    assert (
        sum(s.stop - s.start for s in layout.values()) == env.observation_space("player_0").shape[0]
    )


def test_observations_infos_and_rewards_agree():
    env = PopulationBargainingEnv(n_agents=9, f_v=0.35, locality=0.6, max_cycles=6)
    obs, infos = env.reset(seed=3)
    rng = np.random.default_rng(0)
    lay = env.observation_layout("player_0")
    names = env.possible_agents
    for _ in range(6):
        # the pairing for the coming round, as the env will play it
        partners = {
            a: names[j] if (j := env.partner[i]) >= 0 else None for i, a in enumerate(names)
        }
        for i, a in enumerate(names):
            value = int(env.values[i])
            assert obs[a][lay["type"]].tolist() == ([0, 1] if value else [1, 0])
            p = partners[a]
            if p is None:
                assert obs[a][lay["partner_type"]].tolist() == [0, 0]
            else:
                assert partners[p] == a
                assert obs[a][lay["partner_type"]][int(env.values[names.index(p)])] == 1
        acts = {a: int(rng.integers(2)) for a in env.agents}
        obs, rewards, terms, truncs, infos = env.step(acts)
        for a, r in rewards.items():
            p = partners[a]
            settles = p is not None and acts[a] == 1 and acts[p] == 1
            assert infos[a]["partner"] == p and infos[a]["settled"] == settles
            assert r == (1.0 if settles else 0.0)
            prev = [acts[a], acts[p] if p else 0, settles]
            assert obs[a][lay["prev_outcome"]].tolist() == prev
    assert env.agents == [] and all(terms.values())


def test_full_locality_matches_within_class():
    env = PopulationBargainingEnv(n_agents=8, f_v=0.5, locality=1.0, max_cycles=20)
    env.reset(seed=0)
    for _ in range(20):
        j = env.partner
        assert np.all(j >= 0) and np.all(env.values[j] == env.values)
        env.step(dict.fromkeys(env.agents, 1))


@pytest.mark.parametrize("locality, n_agents, f_v", [(0.0, 10, 0.4), (1.0, 10, 0.6)])
def test_settlement_rate_matches_exact_finite_population_value(locality, n_agents, f_v):
    # fixed dispositions: 3 of the V agents and 2 of the ¬V agents always cooperate
    env = PopulationBargainingEnv(n_agents=n_agents, f_v=f_v, locality=locality, max_cycles=50)
    n_v = env.n_v
    per_round = []  # rounds are independent (fresh pairing, fixed dispositions): batch means
    for episode in range(40):
        env.reset(seed=episode)
        coop = np.zeros(n_agents, dtype=bool)
        coop[np.flatnonzero(env.values == 1)[:3]] = True
        coop[np.flatnonzero(env.values == 0)[:2]] = True
        while env.agents:
            before = env.settlement_counts.copy()
            env.step({a: int(coop[i]) for i, a in enumerate(env.possible_agents)})
            settled, total = env.settlement_counts - before
            assert total == n_v  # nobody sits out in these configurations
            per_round.append(settled / total)
    exact = exact_finite_settlement_rate(n_agents, n_v, 3, 2, local=locality == 1.0)
    x = np.array(per_round)
    half = 3.29 * x.std(ddof=1) / np.sqrt(len(x))  # 99.9% interval
    assert abs(x.mean() - exact) < half, (x.mean(), exact, half)
    assert env.settlement_counts[0] / env.settlement_counts[1] == pytest.approx(x.mean())


def test_invalid_actions_and_arguments():
    env = PopulationBargainingEnv(n_agents=4)
    with pytest.raises(ValueError, match="before reset"):
        env.step({})
    env.reset(seed=0)
    acts = dict.fromkeys(env.agents, 1)
    with pytest.raises(ValueError, match="out of range"):
        env.step({**acts, "player_0": 2})
    with pytest.raises(TypeError, match="must be an integer"):
        env.step({**acts, "player_0": 0.5})
    with pytest.raises(ValueError, match="missing action"):
        env.step({"player_0": 1})
    with pytest.raises(ValueError, match="unknown or finished agent"):
        env.step({**acts, "player_9": 1})
    with pytest.raises(ValueError, match="unknown agent"):
        env.action_space("nobody")
    with pytest.raises(ValueError, match="each class needs"):
        PopulationBargainingEnv(n_agents=4, f_v=0.05)
    with pytest.raises(ValueError, match="locality"):
        PopulationBargainingEnv(locality=1.5)
    with pytest.raises(ValueError, match="render_mode"):
        PopulationBargainingEnv(render_mode="rgb_array")


def test_render_ansi():
    env = PopulationBargainingEnv(n_agents=4, render_mode="ansi", max_cycles=2)
    env.reset(seed=1)
    assert "no actions yet" in env.render()
    env.step(dict.fromkeys(env.agents, 1))
    text = env.render()
    assert "round 1/2" in text and "cooperate" in text


def test_registered_id_is_the_class_built_from_json_kwargs():
    kwargs = {"n_agents": 7, "f_v": 0.4, "locality": 0.5, "max_cycles": 3, "settlement": 2.0}
    env = make(ENV_ID, **json.loads(json.dumps(kwargs)))
    direct = PopulationBargainingEnv(**kwargs)
    assert isinstance(env, PopulationBargainingEnv) and not registry[ENV_ID].has_game
    assert env.metadata["name"] == "population_bargaining_v0"
    assert direct.metadata["name"] == PopulationBargainingEnv.metadata["name"]  # class untouched
    rng = np.random.default_rng(1)
    out = [env.reset(seed=4), direct.reset(seed=4)]
    for _ in range(3):
        acts = {a: int(rng.integers(2)) for a in env.agents}
        out += [env.step(acts), direct.step(acts)]
    assert all(data_equivalence(a, b, exact=True) for a, b in zip(out[0::2], out[1::2]))


def test_registry_errors_for_an_env_factory_id():
    with pytest.raises(ValueError, match=f"{ENV_ID} is built by the environment factory"):
        make_game(ENV_ID)
    with pytest.raises(ValueError, match="does not take 'coalitions'"):
        make(ENV_ID, coalitions=[[0, 1]])
    with pytest.raises(ValueError, match=f"bad arguments for {ENV_ID}.*'history'"):
        make(ENV_ID, history="none")
    with pytest.raises(ValueError, match="exactly one of game_factory and env_factory, got both"):
        EnvSpec("powergames/x-v0", dict, env_factory=PopulationBargainingEnv)
    with pytest.raises(
        ValueError, match="exactly one of game_factory and env_factory, got neither"
    ):
        register("powergames/unregistered-v0")
    with pytest.raises(ValueError, match="coalition=True needs a game_factory"):
        EnvSpec("powergames/x-v0", None, coalition=True, env_factory=PopulationBargainingEnv)
    assert "powergames/unregistered-v0" not in registry
