"""``RemoteParallelEnv``: a PettingZoo ``ParallelEnv`` whose environment runs on a server.

::

    from powergames.serve.remote import RemoteParallelEnv
    env = RemoteParallelEnv("http://127.0.0.1:8000", "powergames/majority-v0", n_players=3)
    obs, infos = env.reset(seed=0)

Any PettingZoo code can play it: spaces are rebuilt from the server's description, observations
are the very ``float32`` arrays the environment produced (exact through JSON), ``infos`` hold the
public keys only (``round``, ``joint_action``; never the hidden state). It passes PettingZoo's
``parallel_api_test`` and ``parallel_seed_test`` against a live server.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pettingzoo import ParallelEnv

from powergames.serve.client import ServeClient
from powergames.serve.protocol import EnvCreated, EnvResult
from powergames.serve.sessions import space_from_spec

__all__ = ["RemoteParallelEnv"]


class RemoteParallelEnv(ParallelEnv):
    """A ``ParallelEnv`` backed by an env session of ``powergames serve``.

    Args:
        base_url: the server.
        env_id: a registered environment id.
        **kwargs: its keyword arguments (JSON-able).
    """

    metadata: dict[str, Any] = {"render_modes": [], "name": "remote"}

    def __init__(self, base_url: str, env_id: str, **kwargs: Any) -> None:
        self.client = ServeClient(base_url)
        created = EnvCreated.model_validate(
            self.client.request("POST", "/v1/envs", json={"id": env_id, "kwargs": kwargs})
        )
        self.session_id = created.session_id
        self._token = created.token
        self.possible_agents = list(created.possible_agents)
        self.agents: list[str] = []
        self._obs_spaces = {a: space_from_spec(s) for a, s in created.observation_spaces.items()}
        self._act_spaces = {a: space_from_spec(s) for a, s in created.action_spaces.items()}
        self.metadata = {**created.metadata, "render_modes": []}
        self.render_mode = None
        self._closed = False

    def observation_space(self, agent: str) -> Any:
        return self._obs_spaces[agent]

    def action_space(self, agent: str) -> Any:
        return self._act_spaces[agent]

    def _obs(self, result: EnvResult) -> dict[str, np.ndarray]:
        out = {}
        for agent, vec in result.observations.items():
            space = self._obs_spaces[agent]
            out[agent] = np.asarray(vec, dtype=space.dtype).reshape(space.shape)
        return out

    def reset(self, seed: int | None = None, options: dict | None = None) -> tuple[dict, dict]:
        res = EnvResult.model_validate(
            self.client.request(
                "POST", f"/v1/envs/{self.session_id}/reset", self._token, json={"seed": seed}
            )
        )
        self.agents = list(res.agents)
        return self._obs(res), dict(res.infos)

    def step(self, actions: dict[str, Any]) -> tuple[dict, dict, dict, dict, dict]:
        wire = {a: (np.asarray(v).tolist()) for a, v in actions.items()}
        res = EnvResult.model_validate(
            self.client.request(
                "POST", f"/v1/envs/{self.session_id}/step", self._token, json={"actions": wire}
            )
        )
        self.agents = list(res.agents)
        return (
            self._obs(res),
            dict(res.rewards),
            dict(res.terminations),
            dict(res.truncations),
            dict(res.infos),
        )

    def render(self) -> None:
        return None

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            try:
                self.client.request("DELETE", f"/v1/envs/{self.session_id}", self._token)
            finally:
                self.client.close()
