"""Semantics of GameEnv and CoalitionEnv against independent brute force; hidden information;
invalid input."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from conftest import random_simplex
from hypothesis import given
from hypothesis import strategies as st

from powergames.envs import CoalitionEnv, GameEnv, make, make_game, registry
from powergames.games import NormalFormGame, UnitSumGame, matching_pennies
from powergames.games.bayesian import BayesianGame
from powergames.games.symmetric import majority_game, random_symmetric_unit_sum_game

# ids built from a game (env-factory ids have no game arrays to check against)
PLAYER_ENV_IDS = [e for e in sorted(registry) if registry[e].has_game and not registry[e].coalition]


def brute_rewards(game, info: dict, joint: tuple[int, ...]) -> np.ndarray:
    """Rewards straight from the game's defining arrays (no adapter, no table)."""
    if isinstance(game, NormalFormGame):
        return np.array([game.payoffs[(i, *joint)] for i in range(game.n_players)])
    if isinstance(game, UnitSumGame):
        return np.array([game.shares[(info["state"], i, *joint)] for i in range(game.n_players)])
    if isinstance(game, BayesianGame):
        types = info["types"]
        return np.array([game.rewards[i][(types[i], *joint)] for i in range(game.n_players)])
    # symmetric count form: share of player i = table[x, a_i, index of the others' counts]
    n, k = game.n_players, game.n_actions
    out = np.empty(n)
    for i in range(n):
        others = np.bincount([joint[j] for j in range(n) if j != i], minlength=k)
        col = next(r for r, c in enumerate(game.counts) if np.array_equal(c, others))
        out[i] = game.table[info["state"], joint[i], col]
    return out


def expected_obs(
    env, agent: str, own_type: int, t: int, prev: tuple[int, ...] | None
) -> np.ndarray:
    """The observation rebuilt from public information and the agent's own type only."""
    layout = env.observation_layout(agent)
    v = np.zeros(env.observation_space(agent).shape, np.float32)
    v[layout["type"].start + own_type] = 1.0
    v[layout["round"]] = t / env.max_cycles
    ks = env.adapter.n_actions
    if prev is not None and "prev_actions" in layout:
        offsets = np.concatenate([[0], np.cumsum(ks)[:-1]])
        for j, a in enumerate(prev):
            v[layout["prev_actions"].start + offsets[j] + a] = 1.0
    if prev is not None and "prev_counts" in layout:
        for a in prev:
            v[layout["prev_counts"].start + a] += 1.0 / len(prev)
    if "agent" in layout:
        v[layout["agent"].start + env.possible_agents.index(agent)] = 1.0
    return v


@pytest.mark.parametrize("env_id", PLAYER_ENV_IDS)
def test_rewards_and_observations_match_brute_force(env_id: str) -> None:
    """Each observation is checked against the context the following step reports for its round."""
    env = make(env_id, max_cycles=3)
    game = make_game(env_id)
    rng = np.random.default_rng(0)
    obs, _ = env.reset(seed=1)
    prev, t = None, 0
    for _ in range(60):
        if not env.agents:
            obs, _ = env.reset()
            prev, t = None, 0
        joint = tuple(int(rng.integers(k)) for k in env.adapter.n_actions)
        shown = obs
        obs, rewards, terms, truncs, infos = env.step(dict(zip(env.possible_agents, joint)))
        info = infos["player_0"]
        for i, agent in enumerate(env.possible_agents):
            own = info["types"][i] if "types" in info else 0
            np.testing.assert_array_equal(shown[agent], expected_obs(env, agent, own, t, prev))
        assert info["joint_action"] == joint and info["round"] == t
        np.testing.assert_allclose(
            [rewards[a] for a in env.possible_agents], brute_rewards(game, info, joint), atol=1e-12
        )
        t += 1
        prev = joint
        assert all(terms.values()) == (t == 3) and not any(truncs.values())
        if t == 3:  # the final observation: round 1.0, last joint action, last round's types
            for i, agent in enumerate(env.possible_agents):
                own = info["types"][i] if "types" in info else 0
                np.testing.assert_array_equal(obs[agent], expected_obs(env, agent, own, t, prev))


def test_hidden_state_is_drawn_once_per_episode_from_the_prior() -> None:
    game = random_symmetric_unit_sum_game(3, 2, 3, np.random.default_rng(4))
    env = GameEnv(game, max_cycles=2)
    env.reset(seed=0)
    n_episodes = 3000
    counts = np.zeros(3)
    for e in range(n_episodes):
        _, infos = env.reset() if e else env.reset(seed=0)
        x = infos["player_0"]["state"]
        counts[x] += 1
        for _ in range(2):
            _, _, _, _, step_infos = env.step({a: 0 for a in env.possible_agents})
            assert step_infos["player_2"]["state"] == x
    # binomial 5-sigma band around the exact prior
    sigma = np.sqrt(game.prior * (1 - game.prior) / n_episodes)
    assert np.all(np.abs(counts / n_episodes - game.prior) < 5 * sigma + 1e-12)


def test_types_are_redrawn_every_round_from_the_prior() -> None:
    prior = np.array([[0.1, 0.2], [0.3, 0.4]])
    rewards = (np.zeros((2, 2, 2)), np.zeros((2, 2, 2)))
    env = GameEnv(BayesianGame(prior, rewards), max_cycles=50)
    env.reset(seed=3)
    counts = np.zeros((2, 2))
    rounds = 0
    for _ in range(60):
        if not env.agents:
            env.reset()
        _, _, _, _, infos = env.step({"player_0": 0, "player_1": 1})
        counts[infos["player_0"]["types"]] += 1
        rounds += 1
    p = prior.reshape(-1)
    sigma = np.sqrt(p * (1 - p) / rounds)
    assert np.all(np.abs(counts.reshape(-1) / rounds - p) < 5 * sigma)


def test_observations_are_independent_of_the_hidden_state() -> None:
    """Same seed and actions, every value of X forced: identical observations, different rewards."""
    game = random_symmetric_unit_sum_game(3, 3, 4, np.random.default_rng(0))
    rng = np.random.default_rng(1)
    plan = [tuple(int(a) for a in rng.integers(3, size=3)) for _ in range(5)]
    runs = []
    for x in range(game.n_states):
        env = GameEnv(game, max_cycles=5, history="actions")
        obs, infos = env.reset(seed=7, options={"state": x})
        assert infos["player_0"]["state"] == x
        trace, rewards = [obs], []
        for joint in plan:
            obs, rew, *_ = env.step(dict(zip(env.possible_agents, joint)))
            trace.append(obs)
            rewards.append([rew[a] for a in env.possible_agents])
        runs.append((trace, np.array(rewards)))
    for trace, _ in runs[1:]:
        for o1, o2 in zip(runs[0][0], trace):
            for agent in o1:
                np.testing.assert_array_equal(o1[agent], o2[agent])
    assert not all(np.array_equal(runs[0][1], r) for _, r in runs[1:])  # X matters for rewards


def test_observations_show_only_the_own_type() -> None:
    """Agent i's observation is a function of (t_i, round, previous action); t_{-i} varies freely."""
    rng = np.random.default_rng(2)
    prior = random_simplex(rng, (12,), sparse=False).reshape(3, 4)
    rewards = (rng.normal(size=(3, 2, 3)), rng.normal(size=(4, 2, 3)))
    env = GameEnv(BayesianGame(prior, rewards), max_cycles=1)
    seen: dict[tuple[int, int], set] = {}
    for episode in range(400):
        obs, infos = env.reset(seed=episode)
        types = infos["player_0"]["types"]
        for i, agent in enumerate(env.possible_agents):
            np.testing.assert_array_equal(obs[agent], expected_obs(env, agent, types[i], 0, None))
            seen.setdefault((i, types[i]), set()).add(types[1 - i])
    # the test has power: for each own type, several different types of the other player occurred
    assert all(len(others) > 1 for others in seen.values())


def test_coalition_rewards_are_members_total_and_types_are_joint() -> None:
    rng = np.random.default_rng(5)
    prior = random_simplex(rng, (8,), sparse=False).reshape(2, 2, 2)
    rewards = tuple(rng.normal(size=(2, 2, 3, 2)) for _ in range(3))
    game = BayesianGame(prior, rewards)
    with pytest.raises(ValueError, match=r"increasing order .* got \[2, 0\]; write \[0, 2\]"):
        CoalitionEnv(game, coalitions=[[2, 0], [1]], max_cycles=4)  # never sorted silently
    coalitions = [[0, 2], [1]]
    cenv = CoalitionEnv(game, coalitions=coalitions, max_cycles=4)
    penv = GameEnv(game, max_cycles=4)
    assert cenv.coalitions == ((0, 2), (1,))
    assert cenv.action_space("coalition_0").nvec.tolist() == [2, 2]
    cobs, _ = cenv.reset(seed=11)
    penv.reset(seed=11)
    layout = cenv.observation_layout("coalition_0")
    for _ in range(12):
        if not cenv.agents:
            cobs, _ = cenv.reset()
            penv.reset()
        shown = cobs
        a = rng.integers(0, [2, 3, 2])
        cobs, crew, *_, cinfo = cenv.step(
            {"coalition_0": np.array([a[0], a[2]]), "coalition_1": [int(a[1])]}
        )
        _, prew, *_, pinfo = penv.step({f"player_{i}": int(a[i]) for i in range(3)})
        types = cinfo["coalition_0"]["types"]
        # the coalition sees the joint type of (player 0, player 2), one-hot in C order
        assert np.argmax(shown["coalition_0"][layout["type"]]) == types[0] * 2 + types[2]
        assert shown["coalition_0"][layout["type"]].sum() == 1.0
        assert cinfo["coalition_0"]["joint_action"] == tuple(int(v) for v in a)
        assert types == pinfo["player_0"]["types"]
        assert crew["coalition_0"] == pytest.approx(prew["player_0"] + prew["player_2"], abs=1e-12)
        assert crew["coalition_1"] == pytest.approx(prew["player_1"], abs=1e-12)


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 5), k=st.integers(2, 3))
def test_majority_coalition_view_total_share(seed: int, n: int, k: int) -> None:
    """Coalition rewards sum to 1 (unit sum) and equal a brute-force majority split."""
    env = make("powergames/majority-coalitions-v0", n_players=n, n_actions=k)
    rng = np.random.default_rng(seed)
    env.reset(seed=seed)
    actions = {a: rng.integers(0, env.action_space(a).nvec) for a in env.agents}
    _, rewards, *_ = env.step(actions)
    joint = np.concatenate([actions[a] for a in env.possible_agents])  # coalitions are ranges
    counts = np.bincount(joint, minlength=k)
    winner = int(np.argmax(counts))  # ties toward the lower action
    brute = [sum((joint[i] == winner) / counts[winner] for i in c) for c in env.coalitions]
    assert sum(rewards.values()) == pytest.approx(1.0)
    np.testing.assert_allclose([rewards[a] for a in env.possible_agents], brute, atol=1e-12)


def test_large_symmetric_game_without_dense_table() -> None:
    """A game too large for a dense table goes through pure_shares and still sums to one."""
    game = majority_game(30, 2)
    env = GameEnv(game, max_cycles=2)
    assert env._table is None and env._fast_index is None
    env.reset(seed=0)
    joint = [i % 2 for i in range(30)]
    _, rewards, *_ = env.step({f"player_{i}": a for i, a in enumerate(joint)})
    assert sum(rewards.values()) == pytest.approx(1.0)
    assert rewards["player_0"] == pytest.approx(1 / 15)  # tie 15-15 goes to action 0
    obs, *_ = env.step({f"player_{i}": 1 for i in range(30)})
    layout = env.observation_layout("player_0")
    np.testing.assert_allclose(obs["player_3"][layout["prev_counts"]], [0.0, 1.0])


# ------------------------------------------------------------------------------- invalid input
@pytest.fixture
def env() -> GameEnv:
    e = GameEnv(matching_pennies(), max_cycles=2)
    e.reset(seed=0)
    return e


@pytest.mark.parametrize(
    ("action", "error", "pattern"),
    [
        (2, ValueError, r"action 2 for agent 'player_1' is out of range.*\[0, 2\)"),
        (-1, ValueError, r"action -1 for agent 'player_1' is out of range"),
        (np.int64(5), ValueError, r"agent 'player_1' is out of range"),
        (1.0, TypeError, r"action for agent 'player_1' must be an integer.*float 1.0"),
        ("1", TypeError, r"action for agent 'player_1' must be an integer.*str '1'"),
        (np.float32(1), TypeError, r"agent 'player_1'.*float32"),
        (np.array([1]), ValueError, r"agent 'player_1' must be a scalar integer.*shape=\(1,\)"),
        (np.array([[0, 1]]), ValueError, r"agent 'player_1' must be a scalar.*shape=\(1, 2\)"),
        (float("nan"), ValueError, r"action for agent 'player_1' is NaN"),
        (np.array(np.nan), ValueError, r"action for agent 'player_1' is NaN"),
        (None, TypeError, r"agent 'player_1' must be an integer.*NoneType"),
        (np.True_, TypeError, r"agent 'player_1'.*bool"),
        (True, TypeError, r"agent 'player_1' must be an integer.*the boolean True"),
        (False, TypeError, r"agent 'player_1' must be an integer.*the boolean False"),
    ],
)
def test_invalid_action(env: GameEnv, action, error, pattern: str) -> None:
    with pytest.raises(error, match=pattern):
        env.step({"player_0": 0, "player_1": action})


def test_accepted_integer_kinds(env: GameEnv) -> None:
    for a in (1, np.int8(1), np.uint64(1), np.array(1), np.int32(1)):
        env.reset(seed=0)
        _, rewards, *_ = env.step({"player_0": 1, "player_1": a})
        assert rewards == {"player_0": 1.0, "player_1": -1.0}


def test_unknown_missing_agents_and_episode_end(env: GameEnv) -> None:
    with pytest.raises(ValueError, match=r"unknown agent 'player_7'"):
        env.step({"player_0": 0, "player_1": 0, "player_7": 0})
    with pytest.raises(ValueError, match=r"missing action for agent 'player_1'"):
        env.step({"player_0": 0})
    with pytest.raises(TypeError, match=r"actions must be a dict"):
        env.step([0, 1])
    env.step({"player_0": 0, "player_1": 0})
    env.step({"player_0": 0, "player_1": 0})
    with pytest.raises(ValueError, match=r"after the episode ended"):
        env.step({"player_0": 0, "player_1": 0})
    with pytest.raises(ValueError, match=r"after the episode ended \(or before reset"):
        GameEnv(matching_pennies()).step({"player_0": 0, "player_1": 0})
    with pytest.raises(ValueError, match=r"unknown agent 'nobody'"):
        env.action_space("nobody")


def test_invalid_coalition_actions() -> None:
    env = make("powergames/majority-coalitions-v0", n_players=3, n_actions=2)
    env.reset(seed=0)
    ok = [0]
    cases = [
        (np.array([0, 2]), ValueError, r"'coalition_0' is out of range: entry 1 \(player 1\) is 2"),
        (np.array([0.0, 1.0]), TypeError, r"'coalition_0' must hold integers"),
        (np.array([0, np.nan]), ValueError, r"'coalition_0' contains NaN"),
        (np.array([0, 1, 1]), ValueError, r"'coalition_0' must have shape \(2,\)"),
        (1, ValueError, r"'coalition_0' must have shape \(2,\)"),
        ([True, False], TypeError, r"'coalition_0' must hold integers"),
    ]
    for action, error, pattern in cases:
        with pytest.raises(error, match=pattern):
            env.step({"coalition_0": action, "coalition_1": ok})
    _, rewards, *_ = env.step({"coalition_0": [1, 1], "coalition_1": np.array([0])})
    assert rewards == {"coalition_0": 1.0, "coalition_1": 0.0}


@pytest.mark.parametrize(
    ("coalitions", "error", "pattern"),
    [
        ([[0, 1]], ValueError, r"missing players \[2\]"),
        ([[0, 1], [1, 2]], ValueError, r"player 1 is in coalitions\[0\] and coalitions\[1\]"),
        ([[0, 1, 2], []], ValueError, r"coalitions\[1\] is empty"),
        ([[0, 3], [1, 2]], ValueError, r"player 3, outside \[0, 3\)"),
        ([[0, 1.0], [2]], TypeError, r"integer player indices"),
        ("01", TypeError, r"list of lists"),
    ],
)
def test_invalid_coalitions(coalitions, error, pattern: str) -> None:
    with pytest.raises(error, match=pattern):
        CoalitionEnv(majority_game(3, 2), coalitions=coalitions)


def test_invalid_construction() -> None:
    with pytest.raises(ValueError, match="history must be one of"):
        GameEnv(matching_pennies(), history="everything")
    with pytest.raises(ValueError, match="max_cycles must be >= 1"):
        GameEnv(matching_pennies(), max_cycles=0)
    with pytest.raises(ValueError, match="render_mode must be None or one of"):
        GameEnv(matching_pennies(), render_mode="rgb_array")
    with pytest.raises(TypeError, match="game must be a game"):
        GameEnv(np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="history='counts' needs the same number of actions"):
        GameEnv(NormalFormGame(np.zeros((2, 2, 3))), history="counts")
    with pytest.raises(ValueError, match=r"unknown environment 'powergames/nope-v0'.*majority-v0"):
        make("powergames/nope-v0")
    with pytest.raises(ValueError, match="bad arguments for powergames/majority-v0"):
        make("powergames/majority-v0", n_player=3)
    with pytest.raises(ValueError, match="does not take 'coalitions'"):
        make("powergames/majority-v0", coalitions=[[0], [1]])
    with pytest.raises(ValueError, match=r"options\['state'\] must be an integer in \[0, 2\)"):
        make("powergames/unit-sum-v0").reset(options={"state": 2})


def test_plain_dict_construction() -> None:
    """Every env id builds from JSON-able kwargs (as Ray/RLlib and config files pass them)."""
    import json

    configs = {
        "powergames/normal-form-v0": {"payoffs": [[[1, 0], [0, 1]], [[0, 1], [1, 0]]]},
        "powergames/game-v0": {"game": "interpolated", "game_kwargs": {"lam": 0.25}},
        "powergames/unit-sum-v0": {"shares": [[[[1, 0.5], [0.5, 0]], [[0, 0.5], [0.5, 1]]]]},
        "powergames/bayesian-v0": {
            "prior": [[0.5], [0.5]],
            "rewards": [[[[1, 0], [0, 1]], [[0, 1], [1, 0]]], [[[0, 1], [1, 0]]]],
        },
        "powergames/coalitions-v0": {
            "game": "coordination",
            "game_kwargs": {"n_players": 3},
            "coalitions": [[0, 2], [1]],
        },
        "powergames/symmetric-unit-sum-v0": {"n_players": 4, "n_states": 3, "seed": 9},
        "powergames/population-bargaining-v0": {"n_agents": 6, "f_v": 0.5, "locality": 0.25},
    }
    for env_id, kwargs in configs.items():
        env = make(env_id, **json.loads(json.dumps({**kwargs, "max_cycles": 2})))
        obs, _ = env.reset(seed=0)
        assert env.max_cycles == 2 and set(obs) == set(env.possible_agents)
    assert math.isclose(
        make("powergames/unit-sum-v0", **configs["powergames/unit-sum-v0"]).game.shares[0, 0, 0, 1],
        0.5,
    )


def test_joint_index_covers_every_profile() -> None:
    game = NormalFormGame(np.random.default_rng(0).normal(size=(3, 2, 3, 2)))
    env = GameEnv(game)
    for joint in itertools.product(range(2), range(3), range(2)):
        env.reset(seed=0)
        _, rewards, *_ = env.step(dict(zip(env.possible_agents, joint)))
        np.testing.assert_array_equal(list(rewards.values()), game.payoffs[(slice(None), *joint)])
