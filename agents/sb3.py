"""Stable-Baselines3 learners as agents of a PettingZoo ``ParallelEnv``: independent or parameter-shared.

Route. SB3 trains one model on one ``VecEnv``. Here one small hub steps ``n_envs`` copies of the
``ParallelEnv`` with every agent's action: the learning agents' actions come from their SB3 models,
the other agents are :class:`~powergames.agents.policy.Policy` objects (fixed policies, classic
learners — which get ``update`` after every step — or a copying policy reading a learner's
strategy). Each model sees its own :class:`AgentVecEnv`, a real SB3 ``VecEnv`` (so ``seed``,
``render_mode``, ``get_attr`` … work, and ``PPO(..., seed=…)`` is fine) with one sub-environment per
(copy, agent) slot it controls.

* **Parameter-shared** (:func:`parameter_shared`): one model for a group of agents with identical
  spaces; the group's ``n_agents × n_envs`` slots are the model's sub-environments, so every
  agent's experience trains the same network (the route SuperSuit's ``pettingzoo_env_to_vec_env``
  takes, without its dependency: SuperSuit 3.11's vec env has no ``seed()``, so
  ``PPO(..., seed=…)`` fails on it, and it needs ``render_mode`` on the env — both work here).
* **Independent** (:func:`independent`): one model per agent (player or coalition). With a single
  learner nothing more is needed: its ``learn`` drives the hub. With several, SB3's own ``learn``
  of every model runs in lockstep: each model runs in a worker thread that only proceeds while it
  holds a single turn token; ``AgentVecEnv.step_wait`` hands the token back to the coordinator, which
  steps the environment once all models have submitted their actions and then passes the token
  round again. Exactly one thread computes at any time and always in the same order, so runs are
  deterministic; every model uses SB3's unmodified ``collect_rollouts``/``train``, so any algorithm
  works (PPO, A2C, DQN, SAC for continuous spaces, contrib algorithms by import path). A model
  that reaches ``total_timesteps`` first keeps playing its final policy until the others finish.

Coalition agents (``CoalitionEnv``) act with ``MultiDiscrete([k]*m)``. SB3 would model that as ``m``
*independent* categoricals — no correlation between members, which Theorem 1/2's policies need.
By default (``flatten_joint=True``) such an agent is therefore presented to its model as
``Discrete(k**m)`` (a joint action index, C order over members), so the learned policy is an
arbitrary correlated joint; ``flatten_joint=False`` keeps the product form.

Strategies. :class:`SB3Policy` is the Policy face of a model: ``strategy(observation)`` reads the
exact action distribution from the policy network (``get_distribution(obs).distribution.probs``;
the outer product of the per-member categoricals for ``MultiDiscrete``; reshaped to ``(k,)*m`` for
a flattened joint), and ``act`` samples it with the caller's generator. DQN has no distribution:
its strategy is the greedy one-hot of the Q-values (ε-exploration is a training device).

Rollout boundaries and saving. ``learn(..., on_boundary=fn)`` calls ``fn(rounds)`` whenever every
model still learning sits at the start of a rollout after the same number of environment rounds
(each model's SB3 ``on_rollout_start``; in lockstep a model that reaches one waits there until
the others have too). There every model has trained on its last rollout and begun no new one, so
evaluations are of the updated policies and :meth:`MultiAgentSB3.save` captures an exact state:
the runner without its models (environments, other agents, generators, global RNG states) in one
pickle, each model with SB3's ``save`` and off-policy replay buffers beside them.
:meth:`MultiAgentSB3.load` restores it; ``learn(..., reset_num_timesteps=False)`` then continues
exactly as the uninterrupted run.

Seeding and determinism. ``seed`` seeds every model (``seed + i`` for model ``i``: weights, torch and
the action-space samplers), the environment copies (``reset(seed=seed + c)``) and the generator the
other agents draw from; torch is set to deterministic algorithms with one intra-op thread while
training (restored afterwards). Two runs with the same seed give identical parameters.
"""

from __future__ import annotations

import copy
import importlib
import os
import pickle
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import gymnasium
import numpy as np
import numpy.typing as npt
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.vec_env import VecEnv

from powergames.agents.policy import Policy, as_policy, sample_action
from powergames.games.checks import check_positive_int, check_rng

FloatArray = npt.NDArray[np.float64]


# ============================================================================ algorithms
def resolve_algorithm(algorithm: str | type[BaseAlgorithm]) -> type[BaseAlgorithm]:
    """An SB3 algorithm class from a name.

    Args:
        algorithm: a class, a name exported by ``stable_baselines3`` in any case (``"ppo"``,
            ``"A2C"``, ``"DQN"``), or an import path ``"package.module:Class"`` /
            ``"package.module.Class"`` (e.g. ``"sb3_contrib:QRDQN"``).

    Raises:
        ValueError: an unknown name (the message lists SB3's algorithms).
    """
    if isinstance(algorithm, type):
        if not issubclass(algorithm, BaseAlgorithm):
            raise TypeError(f"algorithm must be an SB3 BaseAlgorithm subclass, got {algorithm!r}")
        return algorithm
    if not isinstance(algorithm, str):
        raise TypeError(f"algorithm must be a name or an SB3 class, got {type(algorithm).__name__}")
    import stable_baselines3 as sb3

    builtin = {
        name.lower(): getattr(sb3, name)
        for name in dir(sb3)
        if isinstance(getattr(sb3, name), type) and issubclass(getattr(sb3, name), BaseAlgorithm)
    }
    if algorithm.lower() in builtin:
        return builtin[algorithm.lower()]
    if ":" in algorithm or "." in algorithm:
        module, _, name = algorithm.replace(":", ".").rpartition(".")
        try:
            cls = getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError) as exc:
            raise ValueError(f"cannot import the algorithm {algorithm!r}: {exc}") from None
        return resolve_algorithm(cls)
    raise ValueError(
        f"unknown SB3 algorithm {algorithm!r}; built in: {sorted(builtin)} (or give 'module:Class')"
    )


# ============================================================================ the policy face
class SB3Policy:
    """A Stable-Baselines3 model through the :class:`~powergames.agents.policy.Policy` protocol.

    Args:
        model: the SB3 model.
        action_shape: the agent's action shape: ``(k,)`` or ``(k,)*m`` for a coalition; when the
            model acts in ``Discrete(k**m)`` (a flattened joint), ``act`` returns the unravelled
            member actions. ``None``: from the model's action space.
        members: whether ``act`` returns an array of member actions (a coalition's
            ``MultiDiscrete`` action, even with one member) rather than an ``int``; ``None``: when
            the model's action space is ``MultiDiscrete``.
    """

    def __init__(
        self,
        model: BaseAlgorithm,
        action_shape: Sequence[int] | None = None,
        *,
        members: bool | None = None,
    ) -> None:
        self.model = model
        space = model.action_space
        self.members = (
            isinstance(space, gymnasium.spaces.MultiDiscrete) if members is None else bool(members)
        )
        if action_shape is None:
            if isinstance(space, gymnasium.spaces.Discrete):
                action_shape = (int(space.n),)
            elif isinstance(space, gymnasium.spaces.MultiDiscrete):
                action_shape = tuple(int(k) for k in space.nvec)
            else:
                raise TypeError(f"SB3Policy needs a discrete action space, got {space}")
        self.action_shape = tuple(int(k) for k in action_shape)
        self._cache: dict[bytes, FloatArray] = {}
        self._cache_key: tuple[int, int] | None = None

    def strategy(self, observation: Any) -> FloatArray:
        """The model's exact action distribution at ``observation``, shape ``action_shape``.

        Results are cached per observation until the model's parameters change (SB3 counts its
        gradient updates in ``_n_updates``), so a copier reading a learner's strategy every step
        costs one forward pass per distinct observation and update.

        Raises:
            ValueError: if no model is attached (a policy unpickled from a checkpoint before
                its model was loaded).
        """
        if self.model is None:
            raise ValueError("this SB3Policy has no model attached (load the model first)")
        key = (id(self.model), int(getattr(self.model, "_n_updates", 0)))
        if key != self._cache_key:
            self._cache.clear()
            self._cache_key = key
        obs = np.asarray(observation, dtype=np.float32)
        tag = obs.tobytes() + repr(obs.shape).encode()
        hit = self._cache.get(tag)
        if hit is None:
            hit = self._distribution(obs)
            hit.setflags(write=False)
            if len(self._cache) < 4096:
                self._cache[tag] = hit
        return hit.copy()

    def _distribution(self, obs: npt.NDArray[np.float32]) -> FloatArray:
        import torch as th

        policy = self.model.policy
        obs_t, _ = policy.obs_to_tensor(obs)
        with th.no_grad():
            if hasattr(policy, "get_distribution"):
                dist = policy.get_distribution(obs_t).distribution
                if isinstance(dist, list | tuple):  # MultiCategorical: independent members
                    joint = np.ones(())
                    for d in dist:
                        joint = np.multiply.outer(joint, d.probs[0].double().cpu().numpy())
                else:
                    joint = dist.probs[0].double().cpu().numpy()
            elif hasattr(policy, "q_net"):  # DQN-style: greedy in the Q-values
                q = policy.q_net(obs_t)[0].double().cpu().numpy()
                joint = np.zeros_like(q)
                joint[int(np.argmax(q))] = 1.0
            else:
                raise TypeError(f"cannot read an action distribution from {type(policy).__name__}")
        joint = np.clip(joint, 0.0, None)
        return (joint / joint.sum()).reshape(self.action_shape)

    def act(self, observation: Any, rng: np.random.Generator) -> Any:
        """Sample :meth:`strategy` with ``rng`` (members' actions ``(m,)`` for a coalition)."""
        action = sample_action(self.strategy(observation), check_rng(rng))
        return np.atleast_1d(np.asarray(action, dtype=np.int64)) if self.members else action

    def update(self, *args: Any, **kwargs: Any) -> None:
        """SB3 models learn inside their own ``learn`` loop."""

    def __getstate__(self) -> dict[str, Any]:
        # The model is saved with its own ``save`` (MultiAgentSB3.save_models) and re-attached.
        state = self.__dict__.copy()
        state["model"] = None
        state["_cache"] = {}
        state["_cache_key"] = None
        return state

    def __repr__(self) -> str:
        model = type(self.model).__name__ if self.model is not None else "detached"
        return f"SB3Policy({model}, action_shape={self.action_shape})"


# ============================================================================ the hub
class _Hub:
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
        hub: _Hub,
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


class _Aborted(Exception):
    """Raised inside a worker thread to unwind ``learn`` when another model failed."""


class ModelBuildError(ValueError):
    """An algorithm rejected its arguments while a model was built; ``model`` names the model."""

    def __init__(self, model: str, cause: BaseException) -> None:
        super().__init__(f"model {model!r}: {cause}")
        self.model = model
        self.cause = cause


class _BoundaryCallback(BaseCallback):
    """Reports a model's rollout start to its :class:`MultiAgentSB3` (see ``learn``'s ``on_boundary``)."""

    def __init__(self, runner: MultiAgentSB3, name: str) -> None:
        super().__init__(0)
        self.runner = runner
        self.name = name

    def _on_step(self) -> bool:
        return True

    def _on_rollout_start(self) -> None:
        self.runner._at_boundary(self.name)


#: File names inside a :meth:`MultiAgentSB3.save` directory.
STATE_FILE = "state.pkl"


# ============================================================================ the runner
class MultiAgentSB3:
    """SB3 models for groups of agents of a ParallelEnv, trained together (see the module docstring).

    Args:
        env: a factory ``() -> ParallelEnv`` (called ``n_envs`` times), or one env (``n_envs=1``).
        groups: ``model name -> agents`` it plays (one agent: independent; several: parameter-shared).
        algorithm: an algorithm (name/class, see :func:`resolve_algorithm`) for every model, or a
            mapping ``model name -> algorithm``.
        others: ``agent -> Policy`` (or callable ``observation -> action``) for every agent not in a
            group; uniform random play by default. May be set later with :meth:`set_policy` (e.g. a
            copying policy that reads a learner's :meth:`policy`; or give the copier here unbound
            and bind it with :meth:`~powergames.agents.copying.OracleCopyingPolicy.set_target`).
        n_envs: environment copies stepped together.
        seed: the seed of everything (module docstring); ``None`` for an unseeded run.
        flatten_joint: present ``MultiDiscrete`` coalition actions as one ``Discrete(k**m)`` joint.
        policy: the SB3 policy class name for every model, or ``model name -> name``.
        model_kwargs: keyword arguments for every algorithm's constructor (``n_steps``,
            ``policy_kwargs`` …).
        per_model_kwargs: ``model name -> kwargs`` overriding ``model_kwargs`` for that model.
        deterministic: use deterministic torch algorithms and one intra-op thread while training.
        update_others: optional ``(obs, joint, rewards, next_obs, infos) -> None`` called after
            every step of every environment copy (dicts keyed by agent; ``joint`` holds every
            agent's action) instead of the default ``update`` of each other agent with its own
            transition — e.g. to give classic learners full-information feedback. It is pickled
            with the runner by :meth:`save`.

    Raises:
        ModelBuildError: an algorithm rejected its keyword arguments (``.model`` names the model).
    """

    def __init__(
        self,
        env: Callable[[], Any] | Any,
        groups: Mapping[str, Sequence[str]],
        algorithm: str | type | Mapping[str, str | type] = "PPO",
        *,
        others: Mapping[str, Any] | None = None,
        n_envs: int = 1,
        seed: int | None = 0,
        flatten_joint: bool = True,
        policy: str | Mapping[str, str] = "MlpPolicy",
        model_kwargs: Mapping[str, Any] | None = None,
        per_model_kwargs: Mapping[str, Mapping[str, Any]] | None = None,
        deterministic: bool = True,
        update_others: Callable[..., None] | None = None,
    ) -> None:
        n_envs = check_positive_int("n_envs", n_envs)
        if callable(env) and not hasattr(env, "possible_agents"):
            envs = [env() for _ in range(n_envs)]
        else:
            if n_envs != 1:
                raise ValueError("pass an environment factory to run n_envs > 1 copies")
            envs = [env]
        agents = list(envs[0].possible_agents)
        if not groups:
            raise ValueError("groups must name at least one model")
        seen: dict[str, str] = {}
        for name, members in groups.items():
            if not members:
                raise ValueError(f"groups[{name!r}] is empty")
            for a in members:
                if a not in agents:
                    raise ValueError(f"groups[{name!r}]: unknown agent {a!r}; agents are {agents}")
                if a in seen:
                    raise ValueError(f"agent {a!r} is in groups {seen[a]!r} and {name!r}")
                seen[a] = name
        self.groups = {name: list(members) for name, members in groups.items()}
        self.agents = agents
        self.seed = seed
        self.deterministic = deterministic
        others = dict(others or {})
        for a in others:
            if a in seen:
                raise ValueError(f"agent {a!r} is both learned (group {seen[a]!r}) and in others")
            if a not in agents:
                raise ValueError(f"others: unknown agent {a!r}; agents are {agents}")
        fixed: dict[str, Policy] = {}
        for a in agents:
            if a in seen:
                continue
            fixed[a] = as_policy(others[a]) if a in others else _UniformAct(envs[0].action_space(a))
        self._lockstep = len(self.groups) > 1
        self.hub = _Hub(envs, fixed, seed, update_others)
        algos = (
            dict(algorithm)
            if isinstance(algorithm, Mapping)
            else dict.fromkeys(self.groups, algorithm)
        )
        policies = (
            dict(policy) if isinstance(policy, Mapping) else dict.fromkeys(self.groups, policy)
        )
        per_model = dict(per_model_kwargs or {})
        unknown = (set(per_model) | set(policies)) - set(self.groups)
        if unknown:
            raise ValueError(f"per_model_kwargs / policy: unknown model {sorted(unknown)[0]!r}")
        kwargs_of = {n: {**(model_kwargs or {}), **per_model.get(n, {})} for n in self.groups}
        self.vec_envs: dict[str, AgentVecEnv] = {}
        self.models: dict[str, BaseAlgorithm] = {}
        self.algorithms: dict[str, type[BaseAlgorithm]] = {}
        for i, (name, members) in enumerate(self.groups.items()):
            if name not in algos:
                raise ValueError(f"algorithm: no entry for model {name!r}")
            cls = resolve_algorithm(algos[name])
            self.algorithms[name] = cls
            slots = [(c, a) for c in range(n_envs) for a in members]
            venv = AgentVecEnv(self.hub, slots, flatten_joint, self, name)
            self.vec_envs[name] = venv
            model_seed = None if seed is None else seed + i
            try:
                model = cls(
                    policies.get(name, "MlpPolicy"), venv, seed=model_seed, **kwargs_of[name]
                )
            except (TypeError, ValueError, AssertionError) as exc:
                raise ModelBuildError(name, exc) from exc
            self.models[name] = model
        if seed is not None:
            self.hub.reset(seed)  # model construction may have touched nothing, but be explicit
        self._policies = {
            a: SB3Policy(
                self.models[seen[a]],
                self._action_shape(envs[0], a),
                members=isinstance(envs[0].action_space(a), gymnasium.spaces.MultiDiscrete),
            )
            for a in seen
        }
        self._init_lockstep()

    def _init_lockstep(self) -> None:
        self._cond = threading.Condition()
        self._turn: str | None = None
        self._pending: dict[str, dict] = {}
        self._results: list | None = None
        self._finished: set[str] = set()
        self._errors: dict[str, BaseException] = {}
        self._abort = False
        self._parked: dict[str, int] = {}
        self._on_boundary: Callable[[int], Any] | None = None

    @staticmethod
    def _action_shape(env: Any, agent: str) -> tuple[int, ...]:
        space = env.action_space(agent)
        if isinstance(space, gymnasium.spaces.Discrete):
            return (int(space.n),)
        return tuple(int(k) for k in space.nvec)

    # --------------------------------------------------------------------- policies
    def policy(self, agent: str) -> Policy:
        """The Policy playing ``agent``: an :class:`SB3Policy` for a learner, else the given one."""
        if agent in self._policies:
            return self._policies[agent]
        if agent in self.hub.others:
            return self.hub.others[agent]
        raise ValueError(f"unknown agent {agent!r}; agents are {self.agents}")

    @property
    def policies(self) -> dict[str, Policy]:
        """``agent -> Policy`` for every agent (for :func:`powergames.agents.profile.current_profile`)."""
        return {a: self.policy(a) for a in self.agents}

    def set_policy(self, agent: str, policy: Any) -> None:
        """Replace the policy of a non-learning agent (e.g. with a copier of a learner)."""
        if agent in self._policies:
            raise ValueError(f"agent {agent!r} is played by a learning model")
        if agent not in self.hub.others:
            raise ValueError(f"unknown agent {agent!r}; agents are {self.agents}")
        self.hub.others[agent] = as_policy(policy)

    def rounds(self, name: str) -> int:
        """Environment rounds model ``name`` has played (its ``num_timesteps`` over its slots)."""
        return int(self.models[name].num_timesteps) // self.vec_envs[name].num_envs

    # --------------------------------------------------------------------- learning
    def learn(
        self,
        total_timesteps: int | Mapping[str, int],
        callback: Any = None,
        *,
        on_boundary: Callable[[int], Any] | None = None,
        **learn_kwargs: Any,
    ) -> MultiAgentSB3:
        """Train every model for ``total_timesteps`` of its own (SB3 counts one per sub-environment).

        Args:
            total_timesteps: SB3's budget per model, or ``model name -> budget`` (a
                parameter-shared model of ``m`` agents counts ``m`` timesteps per round).
            callback: an SB3 callback (or list of them) for every model, or
                ``model name -> callback``.
            on_boundary: called as ``on_boundary(rounds)`` whenever every model still learning
                sits at the start of a rollout after the same number of environment rounds
                (SB3's ``on_rollout_start``: the previous rollout is trained on, the next not yet
                begun) — with a single model at each of its rollout starts. The models are in a
                consistent state there: evaluate them, or :meth:`save` the run. Rollout lengths
                (``n_steps``, ``train_freq``) that divide a period make every multiple of it a
                boundary.
            **learn_kwargs: passed to every model's ``learn`` (e.g. ``reset_num_timesteps``).
        """
        import torch as th

        names = list(self.groups)
        if isinstance(total_timesteps, Mapping):
            missing = set(names) - set(total_timesteps)
            if missing:
                raise ValueError(f"total_timesteps: no entry for model {sorted(missing)[0]!r}")
            totals = {n: check_positive_int("total_timesteps", total_timesteps[n]) for n in names}
        else:
            totals = dict.fromkeys(names, check_positive_int("total_timesteps", total_timesteps))
        given = dict(callback) if isinstance(callback, Mapping) else dict.fromkeys(names, callback)
        callbacks: dict[str, Any] = {}
        for name in names:
            cb = given.get(name)
            if on_boundary is not None:
                extra = [_BoundaryCallback(self, name)]
                cb = extra if cb is None else [*(cb if isinstance(cb, list) else [cb]), *extra]
            callbacks[name] = cb
        threads_before = th.get_num_threads()
        det_before = th.are_deterministic_algorithms_enabled()
        if self.deterministic:
            th.set_num_threads(1)
            th.use_deterministic_algorithms(True)
        self._on_boundary = on_boundary
        try:
            if not self._lockstep:
                (name,) = self.groups
                self.models[name].learn(totals[name], callback=callbacks[name], **learn_kwargs)
            else:
                self._learn_lockstep(totals, callbacks, learn_kwargs)
        finally:
            self._on_boundary = None
            if self.deterministic:
                th.set_num_threads(threads_before)
                th.use_deterministic_algorithms(det_before)
        return self

    def _at_boundary(self, name: str) -> None:
        """A model's rollout start: report it (single model) or park until the coordinator
        has seen every model (lockstep)."""
        if self._on_boundary is None:
            return
        if not self._lockstep:
            self._on_boundary(self.rounds(name))
            return
        with self._cond:
            self._parked[name] = self.rounds(name)
            self._turn = None
            self._cond.notify_all()
            self._cond.wait_for(lambda: self._turn == name or self._abort)
            if self._abort:
                raise _Aborted

    def _worker(self, name: str, total: int, callback: Any, kwargs: dict) -> None:
        try:
            self._wait_turn(name)
            self.models[name].learn(total, callback=callback, **kwargs)
        except _Aborted:
            pass
        except BaseException as exc:  # noqa: BLE001 - re-raised by the coordinator
            self._errors[name] = exc
        finally:
            with self._cond:
                self._finished.add(name)
                self._turn = None
                self._cond.notify_all()

    def _wait_turn(self, name: str) -> None:
        with self._cond:
            self._cond.wait_for(lambda: self._turn == name or self._abort)
            if self._abort:
                raise _Aborted

    def _submit(self, name: str, actions: dict) -> list:
        """Called by a worker's ``step_wait``: hand in actions, wait for the joint step's results."""
        with self._cond:
            self._pending[name] = actions
            self._turn = None
            self._cond.notify_all()
            self._cond.wait_for(lambda: self._turn == name or self._abort)
            if self._abort:
                raise _Aborted
            assert self._results is not None
            return self._results

    def _run_turn(self, name: str) -> None:
        with self._cond:
            self._turn = name
            self._cond.notify_all()
            self._cond.wait_for(lambda: self._turn is None)

    def _learn_lockstep(self, totals: dict, callbacks: dict, kwargs: dict) -> None:
        self._finished = set()
        self._errors = {}
        self._abort = False
        self._pending = {}
        self._parked = {}
        self._results = None
        threads = [
            threading.Thread(
                target=self._worker,
                args=(name, totals[name], callbacks.get(name), dict(kwargs)),
                name=f"sb3-{name}",
                daemon=True,
            )
            for name in self.groups
        ]
        for t in threads:
            t.start()
        try:
            while True:
                # every model runs until it hands in its next actions, parks at a rollout start
                # or finishes — one at a time, always in the same order
                for name in self.groups:
                    if name not in self._finished and name not in self._pending:
                        self._run_turn(name)
                    if self._errors:
                        raise next(iter(self._errors.values()))
                if len(self._finished) == len(self.groups):
                    break
                if self._parked:
                    active = [n for n in self.groups if n not in self._finished]
                    if self._on_boundary is not None and all(n in self._parked for n in active):
                        rounds = {self._parked[n] for n in active}
                        assert len(rounds) == 1, f"models parked at different rounds {rounds}"
                        self._on_boundary(rounds.pop())
                    self._parked = {}
                    continue  # the parked models go on to hand in their actions
                actions: dict = {}
                for name, venv in self.vec_envs.items():
                    if name in self._finished:  # done learning: keep playing its final policy
                        obs = venv._observations()
                        acts, _ = self.models[name].predict(obs, deterministic=False)
                        actions.update(
                            {slot: venv.to_env_action(a) for slot, a in zip(venv.slots, acts)}
                        )
                    else:
                        actions.update(self._pending.pop(name))
                self._results = self.hub.step(actions)
        finally:
            if len(self._finished) < len(self.groups):
                with self._cond:
                    self._abort = True
                    self._cond.notify_all()
            for t in threads:
                t.join()

    # --------------------------------------------------------------------- saving
    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        for key in ("_cond", "_errors", "_on_boundary", "_results", "_pending", "_parked"):
            state.pop(key, None)
        state["models"] = {}
        state["_space_rng"] = {
            name: copy.deepcopy(model.action_space.np_random.bit_generator.state)
            for name, model in self.models.items()
        }
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._space_rng: dict[str, Any] = {}
        self.__dict__.update(state)
        self._init_lockstep()

    def save(self, directory: str | Path, extra: Any = None) -> Path:
        """Save the whole run so that :meth:`load` continues it exactly.

        Writes ``state.pkl`` (everything but the models: environments, the other agents, the
        generators — the global ones of torch, NumPy and ``random`` included — and ``extra``,
        pickled together so objects shared with it keep their identity), ``<model>.zip`` per
        model (SB3's ``save``) and ``<model>.replay.pkl`` per off-policy model (its replay
        buffer). Save at a rollout boundary (``learn``'s ``on_boundary``) or between ``learn``
        calls, and continue with ``learn(..., reset_num_timesteps=False)``.

        Args:
            directory: created if needed.
            extra: anything else to restore with the run (read back as ``loaded.extra``).

        Returns:
            ``directory``.
        """
        from stable_baselines3.common.off_policy_algorithm import OffPolicyAlgorithm

        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        for name, model in self.models.items():
            model.save(path / f"{name}.zip")
            if isinstance(model, OffPolicyAlgorithm):
                model.save_replay_buffer(path / f"{name}.replay.pkl")
        payload = {"runner": self, "extra": extra, "global_rng": _global_rng_state()}
        with open(path / STATE_FILE, "wb") as fh:
            pickle.dump(payload, fh, protocol=pickle.HIGHEST_PROTOCOL)
            fh.flush()
            os.fsync(fh.fileno())
        return path

    @classmethod
    def load(cls, directory: str | Path, *, device: str = "auto") -> MultiAgentSB3:
        """A runner saved by :meth:`save`, with its models, replay buffers and generators restored.

        The saved ``extra`` is available as the result's ``extra`` attribute. Only load files you
        wrote yourself (this unpickles them).
        """
        from stable_baselines3.common.off_policy_algorithm import OffPolicyAlgorithm

        path = Path(directory)
        with open(path / STATE_FILE, "rb") as fh:
            payload = pickle.load(fh)  # noqa: S301 - the caller's own checkpoint
        runner: MultiAgentSB3 = payload["runner"]
        for name, algo in runner.algorithms.items():
            model = algo.load(
                path / f"{name}.zip", env=runner.vec_envs[name], device=device, force_reset=False
            )
            if isinstance(model, OffPolicyAlgorithm):
                model.load_replay_buffer(path / f"{name}.replay.pkl")
            space_rng = runner._space_rng.get(name)
            if space_rng is not None:
                model.action_space.np_random.bit_generator.state = space_rng
            runner.models[name] = model
        for agent, pol in runner._policies.items():
            pol.model = runner.models[next(n for n, m in runner.groups.items() if agent in m)]
        _set_global_rng_state(payload["global_rng"])  # loading reseeded them (set_random_seed)
        runner.extra = payload["extra"]
        return runner

    def __repr__(self) -> str:
        models = ", ".join(f"{n}: {type(m).__name__}" for n, m in self.models.items())
        return f"MultiAgentSB3({models}; others={sorted(self.hub.others)})"


def _global_rng_state() -> dict[str, Any]:
    import random

    import torch as th

    return {
        "torch": th.get_rng_state(),
        "numpy": np.random.get_state(),  # noqa: NPY002 - SB3 draws minibatches and ε from it
        "python": random.getstate(),
    }


def _set_global_rng_state(state: Mapping[str, Any]) -> None:
    import random

    import torch as th

    th.set_rng_state(state["torch"])
    np.random.set_state(state["numpy"])  # noqa: NPY002 - SB3 draws minibatches and ε from it
    random.setstate(state["python"])


class _UniformAct:
    """Uniform random play over an action space, drawing from the caller's generator."""

    def __init__(self, space: gymnasium.spaces.Space) -> None:
        self.space = space

    def act(self, observation: Any, rng: np.random.Generator) -> Any:
        if isinstance(self.space, gymnasium.spaces.Discrete):
            return int(rng.integers(self.space.n))
        return rng.integers(self.space.nvec).astype(np.int64)

    def strategy(self, observation: Any) -> FloatArray:
        if isinstance(self.space, gymnasium.spaces.Discrete):
            return np.full(int(self.space.n), 1.0 / int(self.space.n))
        shape = tuple(int(k) for k in self.space.nvec)
        return np.full(shape, 1.0 / float(np.prod(shape)))

    def update(self, *args: Any, **kwargs: Any) -> None:
        pass


# ============================================================================ the two modes
def independent(
    env: Callable[[], Any] | Any,
    agents: Sequence[str] | None = None,
    algorithm: str | type | Mapping[str, str | type] = "PPO",
    **kwargs: Any,
) -> MultiAgentSB3:
    """One SB3 model per agent in ``agents`` (all agents by default), trained simultaneously.

    Model names are the agent names. Other keyword arguments: :class:`MultiAgentSB3`'s.
    """
    names = _agent_names(env, kwargs.get("n_envs", 1)) if agents is None else list(agents)
    return MultiAgentSB3(env, {a: [a] for a in names}, algorithm, **kwargs)


def parameter_shared(
    env: Callable[[], Any] | Any,
    agents: Sequence[str] | None = None,
    algorithm: str | type = "PPO",
    *,
    name: str = "shared",
    **kwargs: Any,
) -> MultiAgentSB3:
    """One SB3 model for every agent in ``agents`` (all by default; identical spaces needed).

    Other keyword arguments: :class:`MultiAgentSB3`'s.
    """
    names = _agent_names(env, kwargs.get("n_envs", 1)) if agents is None else list(agents)
    return MultiAgentSB3(env, {name: names}, algorithm, **kwargs)


def _agent_names(env: Any, n_envs: int) -> list[str]:
    if hasattr(env, "possible_agents"):
        return list(env.possible_agents)
    return list(env().possible_agents)
