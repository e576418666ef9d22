"""Tianshou 2.x: ``tianshou.env.PettingZooEnv`` (AEC) and its vectorised ``DummyVectorEnv``."""

from __future__ import annotations

import numpy as np
import pytest

ts_env = pytest.importorskip("tianshou.env")

from clients.client_envs import SHARED_SPACE_IDS  # noqa: E402

from powergames.envs import make_aec  # noqa: E402


@pytest.mark.parametrize("env_id", SHARED_SPACE_IDS)
def test_pettingzoo_env_steps(env_id: str) -> None:
    env = ts_env.PettingZooEnv(make_aec(env_id, max_cycles=2))
    obs, info = env.reset(seed=0)
    rng = np.random.default_rng(0)
    steps = 0
    while steps < 12:
        assert obs["agent_id"] in env.agents
        assert np.asarray(obs["obs"]).flags.writeable
        action = int(rng.integers(env.action_space.n))
        obs, rewards, term, trunc, info = env.step(action)
        assert len(rewards) == len(env.agents)
        steps += 1
        if term or trunc:
            obs, info = env.reset()


def test_dummy_vector_env() -> None:
    venv = ts_env.DummyVectorEnv(
        [lambda: ts_env.PettingZooEnv(make_aec("powergames/rock-paper-scissors-v0", max_cycles=3))]
        * 2
    )
    obs, info = venv.reset(seed=0)
    assert len(obs) == 2
    for _ in range(6):
        obs, rew, term, trunc, info = venv.step(np.array([0, 1]))
        done = np.logical_or(term, trunc)
        if done.any():
            venv.reset(np.flatnonzero(done))
    venv.close()
