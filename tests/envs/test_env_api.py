"""API conformance of every registered environment, parametrised over the registry.

A newly registered id is covered automatically: PettingZoo's parallel and AEC API tests (warnings
as errors), ``parallel_seed_test``, ``max_cycles_test``, ``render_test``, a pickle round-trip, an
N-step determinism test of two instances with the same seed and the invalid-action errors.
"""

from __future__ import annotations

import functools
import pickle
import re
import warnings

import numpy as np
import pytest
from gymnasium.utils.env_checker import data_equivalence
from pettingzoo.test import (
    api_test,
    max_cycles_test,
    parallel_api_test,
    parallel_seed_test,
    render_test,
)

from powergames.envs import env_module, make, make_aec, registry

ENV_IDS = sorted(registry)
# PettingZoo recommends Box/Discrete action spaces; a coalition's joint action is MultiDiscrete by
# design, and coalitions of different sizes have different spaces.
BENIGN_AEC_WARNINGS = (
    "Action space for each agent probably should be gymnasium.spaces.box or gymnasium.spaces.discrete",
    "Agents have different observation space sizes",
)


def test_registry_covers_every_family() -> None:
    game_ids = [env_id for env_id in ENV_IDS if registry[env_id].has_game]
    kinds = {make(env_id).adapter.kind for env_id in game_ids}
    assert kinds == {"normal_form", "unit_sum", "symmetric", "bayesian"}
    assert any(make(env_id).possible_agents[0].startswith("coalition_") for env_id in game_ids)
    assert any(not registry[env_id].has_game for env_id in ENV_IDS)  # an env-factory id


@pytest.mark.parametrize("env_id", ENV_IDS)
@pytest.mark.parametrize("max_cycles", [1, 4])
def test_parallel_api(env_id: str, max_cycles: int) -> None:
    env = make(env_id, max_cycles=max_cycles)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        parallel_api_test(env, num_cycles=60)


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_aec_api(env_id: str) -> None:
    env = make_aec(env_id, max_cycles=5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for message in BENIGN_AEC_WARNINGS:
            warnings.filterwarnings("ignore", message=re.escape(message))
        api_test(env, num_cycles=30)


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_max_cycles(env_id: str) -> None:
    max_cycles_test(env_module(env_id))


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_render(env_id: str, capsys: pytest.CaptureFixture[str]) -> None:
    render_test(functools.partial(make_aec, env_id, max_cycles=3))
    env = make(env_id, max_cycles=2, render_mode="ansi")
    obs, _ = env.reset(seed=0)
    assert "no actions yet" in env.render()
    actions = {a: env.action_space(a).sample() for a in env.agents}
    env.step(actions)
    text = env.render()
    assert "round 1/2" in text and all(a in text for a in env.possible_agents)


def _sample_all(env, rng_seed: int) -> list[dict]:
    for i, agent in enumerate(env.possible_agents):
        env.action_space(agent).seed(rng_seed + i)
    return [{a: env.action_space(a).sample() for a in env.possible_agents} for _ in range(100)]


def _run(env, actions: list[dict], seed: int) -> list:
    out = [env.reset(seed=seed)]
    for act in actions:
        if not env.agents:
            out.append(env.reset())
        out.append(env.step(act))
    return out


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_n_step_determinism(env_id: str) -> None:
    """Two instances with the same seed agree on every output for many steps and episodes."""
    env1, env2 = make(env_id, max_cycles=3), make(env_id, max_cycles=3)
    actions = _sample_all(env1, 7)
    run1, run2 = _run(env1, actions, 42), _run(env2, actions, 42)
    assert len(run1) == len(run2) > 100
    for r1, r2 in zip(run1, run2):
        assert data_equivalence(r1, r2, exact=True)


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_pickle_round_trip(env_id: str) -> None:
    env = make(env_id, max_cycles=4, render_mode="ansi")
    actions = _sample_all(env, 3)
    env.reset(seed=5)
    env.step(actions[0])
    clone = pickle.loads(pickle.dumps(env))
    assert clone.possible_agents == env.possible_agents and clone.agents == env.agents
    assert clone.observation_space(env.agents[0]) == env.observation_space(env.agents[0])
    # the clone continues exactly where the original was, hidden state and generator included
    rest1 = [env.step(actions[1])] + _run(env, actions[2:20], 9)
    rest2 = [clone.step(actions[1])] + _run(clone, actions[2:20], 9)
    for r1, r2 in zip(rest1, rest2):
        assert data_equivalence(r1, r2, exact=True)
    assert clone.render() == env.render()


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_metadata_and_layout(env_id: str) -> None:
    env = make(env_id)
    assert env.metadata["name"] == env_id.split("/")[1].replace("-", "_")
    assert "ansi" in env.metadata["render_modes"] and env.metadata["is_parallelizable"]
    obs, _ = env.reset(seed=0)
    for agent in env.possible_agents:
        layout = env.observation_layout(agent)
        space = env.observation_space(agent)
        assert space.dtype == np.float32 and space.contains(obs[agent])
        blocks = sorted(layout.values(), key=lambda s: s.start)
        assert blocks[0].start == 0 and blocks[-1].stop == space.shape[0]
        assert all(a.stop == b.start for a, b in zip(blocks, blocks[1:]))
        assert set(layout) >= {"type", "round"}
        assert obs[agent][layout["type"]].sum() == 1.0


def _episode_length(env) -> int:
    steps = 0
    while env.agents:
        obs, *_ = env.step({a: 0 for a in env.agents})
        steps += 1
    assert obs["player_0"][env.observation_layout("player_0")["round"]][0] == 1.0
    return steps


def test_max_cycles_attribute_changes_episode_length_at_reset() -> None:
    env = make("powergames/matching-pennies-v0", max_cycles=3)
    env.max_cycles = 7
    env.reset(seed=0)
    assert _episode_length(env) == 7
    env.reset()
    env.step({"player_0": 0, "player_1": 0})
    env.max_cycles = 2  # mid-episode: the running episode keeps its length
    assert _episode_length(env) == 6
    env.reset()
    assert _episode_length(env) == 2


def _bad_actions(space) -> list:
    """Out of range, negative, NaN, a boolean and a string for ``space``."""
    import gymnasium

    if isinstance(space, gymnasium.spaces.Discrete):
        return [int(space.n), -1, float("nan"), True, "1"]
    nvec = np.asarray(space.nvec)
    return [nvec.copy(), -np.ones_like(nvec), np.full(nvec.shape, np.nan), np.zeros(nvec.size + 1, int), True]  # fmt: skip


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_invalid_actions_name_the_agent(env_id: str) -> None:
    """Every env: out of range, negative, NaN, wrong shape or type, unknown and missing agents and a
    step after the end raise ValueError/TypeError naming the agent."""
    env = make(env_id)
    env.reset(seed=0)
    good = {a: env.action_space(a).sample() * 0 for a in env.agents}
    agent = env.agents[-1]
    for value in _bad_actions(env.action_space(agent)):
        with pytest.raises((ValueError, TypeError), match=re.escape(agent)):
            env.step({**good, agent: value})
    with pytest.raises((ValueError, TypeError), match="nobody"):
        env.step({**good, "nobody": 0})
    missing = {a: v for a, v in good.items() if a != agent}
    with pytest.raises((ValueError, TypeError), match=re.escape(agent)):
        env.step(missing)
    while env.agents:
        env.step({a: good[a] for a in env.agents})
    with pytest.raises(ValueError, match="reset"):
        env.step(good)


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_parallel_seed(env_id: str) -> None:
    """PettingZoo's own seed test (one step); the N-step determinism test above goes further."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        parallel_seed_test(functools.partial(make, env_id))
