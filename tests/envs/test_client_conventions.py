"""The conventions strict third-party clients rely on, checked on every registered environment.

TorchRL builds its info spec from the reset infos (same keys at reset and step, numbers only);
SuperSuit keeps per-agent data in each agent's info dict (one dict per agent); ``torch.as_tensor``
warns on read-only arrays (fresh writable observations); PettingZoo's ``"human"`` mode renders in
``step``; parameter-sharing clients need the agent's role in its observation. The clients
themselves are driven in tests/clients/ (the clients CI tier).
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from powergames.envs import (
    BatchedGameEnv,
    CoalitionEnv,
    GameEnv,
    make,
    make_game,
    n_types_of,
    registry,
    type_observation,
)
from powergames.envs.adapter import GameAdapter
from powergames.games.bayesian import BayesianGame
from powergames.games.normal_form import NormalFormGame

ENV_IDS = sorted(registry)


def _rollout(env, seed: int = 0, steps: int = 12):
    """``(reset_infos, [step infos], [observation dicts])`` of random play, resetting as needed."""
    rng = np.random.default_rng(seed)
    obs, reset_infos = env.reset(seed=seed)
    steps_infos, all_obs = [], [obs]
    for _ in range(steps):
        if not env.agents:
            obs, _ = env.reset()
            all_obs.append(obs)
        actions = {a: env.action_space(a).sample() for a in env.agents}
        for space in (env.action_space(a) for a in env.agents):
            space.seed(int(rng.integers(2**31)))
        obs, _, _, _, infos = env.step(actions)
        steps_infos.append(infos)
        all_obs.append(obs)
    return reset_infos, steps_infos, all_obs


def _numeric_kind(value) -> tuple:
    """The type signature of an info value; fails on anything but ints, bools and int tuples."""
    if isinstance(value, bool | np.bool_):
        return ("bool",)
    if isinstance(value, int | np.integer):
        return ("int",)
    if isinstance(value, float | np.floating):
        return ("float",)
    if isinstance(value, tuple):
        assert value and all(isinstance(v, int) and not isinstance(v, bool) for v in value), value
        return ("int tuple", len(value))
    if isinstance(value, np.ndarray):
        assert value.dtype.kind in "biuf", value.dtype
        return ("array", value.dtype.kind, value.shape)
    raise AssertionError(f"info value {value!r} of type {type(value).__name__} is not a number")


@pytest.mark.parametrize("env_id", ENV_IDS)
@pytest.mark.parametrize("max_cycles", [1, 3])
def test_reset_and_step_infos_have_the_same_numeric_keys(env_id: str, max_cycles: int) -> None:
    env = make(env_id, max_cycles=max_cycles)
    reset_infos, step_infos, _ = _rollout(env)
    for agent in env.possible_agents:
        ref = {k: _numeric_kind(v) for k, v in reset_infos[agent].items()}
        assert {"round", "joint_action"} <= set(ref)
        for infos in step_infos:
            assert {k: _numeric_kind(v) for k, v in infos[agent].items()} == ref


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_every_agent_gets_its_own_info_dict(env_id: str) -> None:
    env = make(env_id, max_cycles=2)
    reset_infos, step_infos, _ = _rollout(env, steps=3)
    for infos in [reset_infos, *step_infos]:
        dicts = list(infos.values())
        assert len({id(d) for d in dicts}) == len(dicts)
        before = dict(dicts[-1])
        for d in dicts[:-1]:
            d["terminal_observation"] = "written by a vector wrapper"  # SuperSuit's per-agent key
        assert dicts[-1] == before


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_observations_are_fresh_writable_arrays(env_id: str) -> None:
    env = make(env_id, max_cycles=3)
    _, _, all_obs = _rollout(env, steps=9)
    arrays = [o for obs in all_obs for o in obs.values()]
    for a in arrays:
        assert a.flags.writeable and a.dtype == np.float32
    for x, y in itertools.combinations(arrays, 2):
        assert not np.shares_memory(x, y)
    # changing an observation in place changes nothing the environment hands out later
    env2 = make(env_id, max_cycles=3)
    first, _ = env2.reset(seed=5)
    pristine = {a: o.copy() for a, o in first.items()}
    for o in first.values():
        o[:] = 0.5
    again, _ = env2.reset(seed=5)
    for a in again:
        np.testing.assert_array_equal(again[a], pristine[a])


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_human_mode_renders_during_step(env_id: str, capsys: pytest.CaptureFixture) -> None:
    env = make(env_id, max_cycles=2, render_mode="human")
    env.reset(seed=0)
    assert capsys.readouterr().out == ""
    env.step({a: env.action_space(a).sample() for a in env.agents})
    shown = capsys.readouterr().out
    assert "round 1/2" in shown
    ansi = make(env_id, max_cycles=2, render_mode="ansi")
    ansi.reset(seed=0)
    ansi.step({a: ansi.action_space(a).sample() for a in ansi.agents})
    assert capsys.readouterr().out == ""  # ansi renders only when asked


# ------------------------------------------------------------------------- agent identity
def _interchangeable_brute_force(game: NormalFormGame) -> bool:
    """Whether u_{π(i)}(π a) = u_i(a) for every permutation π and pure profile a."""
    u = game.payoffs
    n = game.n_players
    if len(set(u.shape[1:])) != 1:
        return False
    for perm in itertools.permutations(range(n)):
        for a in itertools.product(*map(range, u.shape[1:])):
            b = [0] * n
            for j in range(n):
                b[perm[j]] = a[j]
            for i in range(n):
                if not np.isclose(u[(perm[i], *b)], u[(i, *a)], rtol=0, atol=1e-12):
                    return False
    return True


def _symmetrised(u: np.ndarray) -> np.ndarray:
    """The average of ``u`` over every relabelling of the players (a symmetric game)."""
    n = u.shape[0]
    out = np.zeros_like(u)
    perms = list(itertools.permutations(range(n)))
    for perm in perms:
        for a in itertools.product(*map(range, u.shape[1:])):
            b = [0] * n
            for j in range(n):
                b[perm[j]] = a[j]
            for i in range(n):
                out[(perm[i], *b)] += u[(i, *a)]
    return out / len(perms)


@given(
    n=st.integers(1, 3),
    k=st.integers(1, 3),
    seed=st.integers(0, 2**32 - 1),
    make_symmetric=st.booleans(),
    integer=st.booleans(),
)
def test_players_interchangeable_matches_brute_force(
    n: int, k: int, seed: int, make_symmetric: bool, integer: bool
) -> None:
    rng = np.random.default_rng(seed)
    u = (
        rng.integers(0, 2, (n, *(k,) * n)).astype(float)
        if integer
        else rng.normal(size=(n,) + (k,) * n)
    )
    if make_symmetric:
        u = _symmetrised(u)
    game = NormalFormGame(u)
    expected = _interchangeable_brute_force(game)
    assert GameAdapter(game).players_interchangeable() == expected
    if make_symmetric:
        assert expected
    env = GameEnv(game)
    assert env.agent_indicator == (not expected)


def test_agent_indicator_defaults_and_block() -> None:
    pennies = make("powergames/matching-pennies-v0")  # u_1 = -u_0: roles differ
    assert pennies.agent_indicator
    obs, _ = pennies.reset(seed=0)
    for j, agent in enumerate(pennies.possible_agents):
        block = obs[agent][pennies.observation_layout(agent)["agent"]]
        assert block.tolist() == np.eye(2)[j].tolist()
    assert not np.array_equal(obs["player_0"], obs["player_1"])
    for env_id in ("powergames/prisoners-dilemma-v0", "powergames/majority-v0"):
        env = make(env_id)  # symmetric games: identical observations, no block
        assert not env.agent_indicator and "agent" not in env.observation_layout("player_0")
    off = make("powergames/matching-pennies-v0", agent_indicator=False)
    obs, _ = off.reset(seed=0)
    np.testing.assert_array_equal(obs["player_0"], obs["player_1"])
    forced = make("powergames/majority-v0", agent_indicator=True)
    assert (
        forced.observation_layout("player_4")["agent"].stop
        == forced.observation_space("player_4").shape[0]
    )
    coal = CoalitionEnv(make_game("powergames/matching-pennies-v0"), coalitions=[[0], [1]])
    assert coal.observation_layout("coalition_1")["agent"] == slice(6, 8)  # type, round, 2 + 2
    with pytest.raises(TypeError, match="agent_indicator"):
        make("powergames/matching-pennies-v0", agent_indicator="yes")


def test_batched_env_carries_the_same_indicator() -> None:
    game = make_game("powergames/bayesian-v0")
    single = GameEnv(game, max_cycles=2)
    batched = BatchedGameEnv(game, n_envs=4, max_cycles=2)
    assert batched.agent_indicator and single.agent_indicator
    obs, info = batched.reset(seed=0)
    block = single.observation_layout("player_0")["agent"]
    np.testing.assert_array_equal(obs[:, :, block], np.broadcast_to(np.eye(2), (4, 2, 2)))
    assert info["joint_action"].tolist() == [[-1, -1]] * 4 and info["round"] == 0
    first, _ = single.reset(seed=0)
    np.testing.assert_array_equal(obs[0], np.stack([first[a] for a in single.possible_agents]))


def test_probe_observations_show_type_and_role() -> None:
    game = BayesianGame(np.full((2, 3), 1 / 6), (np.zeros((2, 2, 2)), np.ones((3, 2, 2))))
    env = GameEnv(game)
    assert [n_types_of(env, a) for a in env.possible_agents] == [2, 3]
    probe = type_observation(env, "player_1", 2)
    layout = env.observation_layout("player_1")
    assert probe[layout["type"]].tolist() == [0, 0, 1]
    assert probe[layout["agent"]].tolist() == [0, 1] and probe.flags.writeable
    coal = CoalitionEnv(game, coalitions=[[0, 1]])
    assert n_types_of(coal, "coalition_0") == 6
    with pytest.raises(ValueError, match="outside its type block"):
        type_observation(env, "player_0", 3)


# ------------------------------------------------------------------------- gymnasium.make
@pytest.mark.slow
def test_gymnasium_make_imports_the_package_itself() -> None:
    """Gymnasium >= 1.0 has no plugin entry points; its ``module:id`` form imports the package."""
    code = (
        "import sys, gymnasium\n"
        "assert 'powergames.envs' not in sys.modules\n"
        "env = gymnasium.make('powergames.envs:powergames/matching-pennies-v0')\n"
        "obs, info = env.reset(seed=0)\n"
        "obs, r, term, trunc, info = env.step(env.action_space.sample())\n"
        "print(type(env.unwrapped).__name__, obs.shape, term)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    # type 1 + round 1 + previous actions 2 + 2 + agent indicator 2
    assert out.stdout.split() == ["SingleAgentEnv", "(8,)", "True"]
