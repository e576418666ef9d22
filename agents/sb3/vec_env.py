"""The hub stepping copies of a ParallelEnv, and the SB3 ``VecEnv`` each model sees of it."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import gymnasium
import numpy as np
from stable_baselines3.common.vec_env import VecEnv

from powergames.agents.policy import Policy

if TYPE_CHECKING:  # annotations only: the runner module imports this one
    from powergames.agents.sb3.multi import MultiAgentSB3


# ============================================================================ the hub
class Hub:
    """Steps ``n_envs`` copies of a ParallelEnv; collects the learners' actions, plays the others.

    ``update_others(obs, joint, rewards, next_obs, infos)`` (per copy, all dicts keyed by agent)
    replaces the default feedback of the other agents (``update`` of each with its transition).
    """

    def __init__(
        self,
        envs: Sequence[Any],
        others: dict[str, Policy],
        seed: int | None,
        update_others: Callable[..., None] | None = None,
    ) -> None:
        self.envs = list(envs)
        self.agents = list(self.envs[0].possible_agents)
        self.others = others
        self.update_others = update_others
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.multi = {
            a: isinstance(self.envs[0].action_space(a), gymnasium.spaces.MultiDiscrete)
            for a in self.agents
        }
        self.obs: list[dict[str, Any]] = []
        self.reset(seed)

    def reset(self, seed: int | None) -> None:
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.obs = []
        for c, env in enumerate(self.envs):
            obs, _ = env.reset(seed=None if seed is None else seed + c)
            self.obs.append(dict(obs))
        self.returns = [dict.fromkeys(self.agents, 0.0) for _ in self.envs]
        self.lengths = [0] * len(self.envs)

    def step(self, actions: Mapping[tuple[int, str], Any]) -> list[tuple[dict, dict, dict]]:
        """One round in every copy; returns per copy ``(next_obs, rewards, infos)`` with SB3 extras."""
        out = []
        for c, env in enumerate(self.envs):
            obs = self.obs[c]
            joint = {}
            for agent in self.agents:
                if (c, agent) in actions:
                    joint[agent] = actions[(c, agent)]
                else:
                    action = self.others[agent].act(obs[agent], self.rng)
                    if self.multi[agent]:  # a coalition seat takes an array, even of one member
                        action = np.atleast_1d(np.asarray(action, dtype=np.int64))
                    joint[agent] = action
            nxt, rew, term, trunc, infos = env.step(joint)
            if self.update_others is not None:
                self.update_others(obs, joint, rew, nxt, infos)
            else:
                for agent, pol in self.others.items():
                    pol.update(obs[agent], joint[agent], rew[agent], nxt[agent], infos.get(agent))
            self.lengths[c] += 1
            for agent in self.agents:
                self.returns[c][agent] += float(rew[agent])
            extras = {a: dict(infos.get(a, {})) for a in self.agents}
            if not env.agents:  # the episode is over for everyone
                for a in self.agents:
                    extras[a]["terminal_observation"] = nxt[a]
                    extras[a]["TimeLimit.truncated"] = bool(trunc[a]) and not bool(term[a])
                    extras[a]["episode"] = {"r": self.returns[c][a], "l": self.lengths[c]}
                    extras[a]["_done"] = True
                nxt, _ = env.reset()
                self.returns[c] = dict.fromkeys(self.agents, 0.0)
                self.lengths[c] = 0
            self.obs[c] = dict(nxt)
            out.append((self.obs[c], rew, extras))
        return out


def _flat_space(space: gymnasium.spaces.Space, flatten_joint: bool) -> gymnasium.spaces.Space:
    if flatten_joint and isinstance(space, gymnasium.spaces.MultiDiscrete):
        return gymnasium.spaces.Discrete(int(np.prod(space.nvec)))
    return space


class AgentVecEnv(VecEnv):
    """The SB3 ``VecEnv`` of one model: one sub-environment per (env copy, agent) slot it controls.

    Built by :class:`MultiAgentSB3`; it is a complete SB3 ``VecEnv`` (``seed``, ``get_attr``,
    ``env_method``, ``render_mode`` …). ``reset`` reseeds the environment copies with the seeds SB3
    passed through ``seed`` (single-model runs) — in lockstep runs the coordinator owns the seeding
    and ``reset`` returns the current observations.
    """

    def __init__(
        self,
        hub: Hub,
        slots: Sequence[tuple[int, str]],
        flatten_joint: bool,
        runner: MultiAgentSB3,
        name: str,
    ) -> None:
        self.hub = hub
        self.slots = list(slots)
        self.runner = runner
        self.name = name
        env0 = hub.envs[0]
        agent0 = self.slots[0][1]
        obs_space = env0.observation_space(agent0)
        act_space = env0.action_space(agent0)
        for _, agent in self.slots:
            if env0.observation_space(agent) != obs_space or env0.action_space(agent) != act_space:
                raise ValueError(
                    f"agents sharing the model {name!r} need identical spaces; {agent!r} differs "
                    f"from {agent0!r}"
                )
        self.agent_action_space = act_space
        self.flatten_joint = flatten_joint and isinstance(act_space, gymnasium.spaces.MultiDiscrete)
        self.render_mode = getattr(env0, "render_mode", None)
        super().__init__(len(self.slots), obs_space, _flat_space(act_space, flatten_joint))
        self._actions: np.ndarray | None = None
        self._result: tuple | None = None

    # --------------------------------------------------------------------- conversions
    def to_env_action(self, action: Any) -> Any:
        """The model's action (flat joint index or array) as the env's action for one slot."""
        space = self.agent_action_space
        if self.flatten_joint:
            return np.asarray(np.unravel_index(int(action), tuple(space.nvec)), dtype=np.int64)
        if isinstance(space, gymnasium.spaces.Discrete):
            return int(np.asarray(action).reshape(-1)[0])
        return np.asarray(action, dtype=np.int64).reshape(space.shape)

    def _observations(self) -> np.ndarray:
        return np.stack([self.hub.obs[c][a] for c, a in self.slots]).astype(np.float32)

    def _collect(self, results: list[tuple[dict, dict, dict]]) -> tuple:
        obs = self._observations()
        rewards = np.array([results[c][1][a] for c, a in self.slots], dtype=np.float32)
        infos = []
        dones = np.zeros(self.num_envs, dtype=bool)
        for s, (c, a) in enumerate(self.slots):
            info = dict(results[c][2][a])
            dones[s] = bool(info.pop("_done", False))
            infos.append(info)
        return obs, rewards, dones, infos

    # --------------------------------------------------------------------- VecEnv API
    def reset(self) -> np.ndarray:
        if not self.runner._lockstep:
            seed = self._seeds[0]
            if seed is not None:
                self.hub.reset(seed)
        self._reset_seeds()
        self._reset_options()
        return self._observations()

    def step_async(self, actions: np.ndarray) -> None:
        self._actions = np.asarray(actions)

    def step_wait(self) -> tuple:
        assert self._actions is not None
        acts = {slot: self.to_env_action(a) for slot, a in zip(self.slots, self._actions)}
        if self.runner._lockstep:
            results = self.runner._submit(self.name, acts)
        else:
            results = self.hub.step(acts)
        return self._collect(results)

    def close(self) -> None:
        pass

    def get_attr(self, attr_name: str, indices: Any = None) -> list[Any]:
        idx = self._get_indices(indices)
        return [getattr(self.hub.envs[self.slots[i][0]], attr_name) for i in idx]

    def set_attr(self, attr_name: str, value: Any, indices: Any = None) -> None:
        for i in self._get_indices(indices):
            setattr(self.hub.envs[self.slots[i][0]], attr_name, value)

    def env_method(self, method_name: str, *args: Any, indices: Any = None, **kwargs: Any) -> list:
        idx = self._get_indices(indices)
        return [getattr(self.hub.envs[self.slots[i][0]], method_name)(*args, **kwargs) for i in idx]

    def env_is_wrapped(self, wrapper_class: type, indices: Any = None) -> list[bool]:
        return [False for _ in self._get_indices(indices)]

    def _get_indices(self, indices: Any) -> list[int]:
        if indices is None:
            return list(range(self.num_envs))
        if isinstance(indices, int):
            return [indices]
        return list(indices)

    def __repr__(self) -> str:
        return f"AgentVecEnv({self.name!r}, slots={self.slots})"
