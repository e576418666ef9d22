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
            assert infos[a]["partner"] == (names.index(p) if p is not None else -1)
            assert infos[a]["settled"] == int(settles)
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


def test_dispositions_in_observations_and_infos_and_api():
    kw = {"f_c_given_v": 0.7, "f_c_given_not_v": 0.2, "composition": "iid"}
    parallel_api_test(PopulationBargainingEnv(n_agents=7, f_v=0.4, locality=0.5, **kw), 20)
    parallel_seed_test(lambda: PopulationBargainingEnv(n_agents=6, f_v=0.5, locality=0.3, **kw))
    env = PopulationBargainingEnv(n_agents=9, f_v=0.35, locality=0.6, max_cycles=3, **kw)
    lay = env.observation_layout("player_0")
    assert lay["disposition"] == slice(8, 10) and env.observation_space("player_0").shape == (10,)
    for seed in range(5):
        obs, infos = env.reset(seed=seed)
        assert env.n_v == int(env.values.sum())  # iid classes: n_v is this episode's count
        while env.agents:
            for i, a in enumerate(env.possible_agents):
                d = int(env.dispositions[i])
                assert d in (0, 1) and infos[a]["disposition"] == d
                assert obs[a][lay["disposition"]].tolist() == ([0, 1] if d else [1, 0])
            obs, _, _, _, infos = env.step(dict.fromkeys(env.agents, 1))
    # without the fractions: no disposition, the slot is zeros
    plain = PopulationBargainingEnv(n_agents=4)
    obs, infos = plain.reset(seed=0)
    assert all(infos[a]["disposition"] == -1 for a in plain.agents)
    assert all(obs[a][lay["disposition"]].tolist() == [0, 0] for a in plain.agents)


def test_dispositions_are_iid_with_the_given_fractions():
    # 400 resets of 10 agents: the C frequency per class is within 4.5 standard errors
    env = PopulationBargainingEnv(
        n_agents=10, f_v=0.3, f_c_given_v=0.8, f_c_given_not_v=0.25, composition="iid"
    )
    counts = np.zeros((2, 2))  # [class, disposition]
    n_v = []
    for seed in range(400):
        env.reset(seed=seed)
        np.add.at(counts, (env.values, env.dispositions), 1)
        n_v.append(env.n_v)
    for cls, f in ((1, 0.8), (0, 0.25)):
        m = counts[cls].sum()
        assert abs(counts[cls, 1] / m - f) < 4.5 * np.sqrt(f * (1 - f) / m)
    assert abs(np.mean(n_v) - 3.0) < 4.5 * np.sqrt(10 * 0.3 * 0.7 / 400)


def _brute_force_q(n_agents, n_v, locality):
    """Expected (V–V, V–¬V) interactions of V agents per round, by enumerating the matching."""
    from itertools import permutations, product

    values = [1] * n_v + [0] * (n_agents - n_v)
    vv = vn = 0.0
    for local in product([False, True], repeat=n_agents):
        p_mask = np.prod([locality if x else 1 - locality for x in local])
        if p_mask == 0:
            continue
        by_class = [[i for i in range(n_agents) if local[i] and values[i] == c] for c in (0, 1)]
        nonlocal_ = [i for i in range(n_agents) if not local[i]]
        perms0 = list(permutations(by_class[0]))
        perms1 = list(permutations(by_class[1]))
        for m0, m1 in product(perms0, perms1):
            pairs, pool = [], list(nonlocal_)
            for m in (m0, m1):
                if len(m) % 2:
                    pool.append(m[-1])
                    m = m[:-1]
                pairs += [(m[j], m[j + 1]) for j in range(0, len(m), 2)]
            pool_perms = list(permutations(sorted(pool)))
            w = p_mask / (len(perms0) * len(perms1) * len(pool_perms))
            for g in pool_perms:
                g = g[: len(g) - len(g) % 2]
                allp = pairs + [(g[j], g[j + 1]) for j in range(0, len(g), 2)]
                for a, b in allp:
                    for x, y in ((a, b), (b, a)):
                        if values[x] == 1:
                            if values[y] == 1:
                                vv += w
                            else:
                                vn += w
    return vv, vn


@pytest.mark.parametrize("n_agents, n_v", [(5, 2), (5, 3), (6, 3), (4, 1)])
def test_exact_gradient_matches_brute_force_matching(n_agents, n_v):
    from powergames.envs.population_bargaining import exact_settlement_gradient

    fcv, fcn, lam = 0.7, 0.3, 0.35
    vv, vn = _brute_force_q(n_agents, n_v, lam)
    q = vv / (vv + vn)
    g = exact_settlement_gradient(n_agents, n_v / n_agents, fcv, fcn, lam, composition="exact")
    assert g["q"] == pytest.approx(q, rel=1e-12)
    assert g["v_interactions"] == pytest.approx(vv + vn, rel=1e-12)
    assert g["b"] == pytest.approx(fcv * (q * fcv + (1 - q) * fcn), rel=1e-12)
    assert "db_df_v" not in g
    # iid classes: mixture over n_V ~ Bin(n, F_V); db/dF_V by a central difference of b(F_V)
    h = 1e-5
    b = [exact_settlement_gradient(n_agents, 0.45 + s, fcv, fcn, lam)["b"] for s in (-h, 0.0, h)]
    g = exact_settlement_gradient(n_agents, 0.45, fcv, fcn, lam)
    assert g["db_df_v"] == pytest.approx((b[2] - b[0]) / (2 * h), rel=1e-6)
    mix = [_brute_force_q(n_agents, k, lam) for k in range(n_agents + 1)]  # k = 0, n too
    from scipy.stats import binom

    w = binom.pmf(np.arange(n_agents + 1), n_agents, 0.45)
    a, c = w @ np.array(mix)
    assert g["q"] == pytest.approx(a / (a + c), rel=1e-12)


def test_exact_gradient_tends_to_the_continuum_and_is_exact_without_locality():
    from powergames.envs.population_bargaining import exact_settlement_gradient
    from powergames.theory.population import settlement_gradient

    args = (0.3, 0.7, 0.4)
    for lam in (0.0, 0.5, 1.0):
        cont = settlement_gradient(*args, lam)
        err = [
            max(abs(exact_settlement_gradient(n, *args, lam)[k] - float(cont[k])) for k in cont)
            for n in (10, 40, 160)
        ]
        if lam == 0:  # i.i.d. classes, one global pool: a partner is V with probability F_V
            assert max(err) < 1e-12
        else:  # O(1/n): the error shrinks about fourfold per fourfold n
            assert err[0] > err[1] > err[2] and err[2] < 0.4 * err[1] < 0.16 * err[0]
