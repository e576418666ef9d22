"""MultiAgentSB3: SB3 models for groups of agents of one ParallelEnv, learning in lockstep.

See :mod:`powergames.agents.sb3` for the route, the rollout boundaries, saving and seeding.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import gymnasium
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.callbacks import BaseCallback

from powergames.agents.policy import Policy, as_policy
from powergames.agents.sb3.algorithms import resolve_algorithm
from powergames.agents.sb3.policy import SB3Policy, UniformAct
from powergames.agents.sb3.saving import restore_runner, save_runner
from powergames.agents.sb3.vec_env import AgentVecEnv, Hub
from powergames.games.checks import check_positive_int


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
            transition — e.g. to give classic learners full-information feedback. Its state is
            saved with the runner by :meth:`save` (as data).

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
            fixed[a] = as_policy(others[a]) if a in others else UniformAct(envs[0].action_space(a))
        self._lockstep = len(self.groups) > 1
        self.hub = Hub(envs, fixed, seed, update_others)
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
        #: What :meth:`load` read back as ``save``'s ``extra``.
        self.extra: Any = None
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
        for model in self.models.values():
            _folderless_logger(model)
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
    #: Transient coordination state, rebuilt by every ``learn`` (never saved).
    __snapshot_exclude__ = (
        "_cond", "_errors", "_on_boundary", "_results", "_pending", "_parked", "_finished",
        "models", "algorithms", "extra",
    )  # fmt: skip

    def save(self, directory: str | Path, extra: Any = None) -> list[Path]:
        """Save the whole run as data so that :meth:`restore` continues it exactly.

        Writes (see :mod:`powergames.agents.sb3.saving`) ``runner.json`` / ``runner.npz`` (the
        environments, the other agents, every generator — the global ones of torch, NumPy and
        ``random`` included — each model's counters, last observations and replay buffer, and
        ``extra``) and ``<model>.pt`` per model (its parameters and optimiser state, read back with
        ``torch.load(weights_only=True)``). Nothing is pickled. Save at a rollout boundary
        (``learn``'s ``on_boundary``) or between ``learn`` calls, and continue with
        ``learn(..., reset_num_timesteps=False)``.

        Args:
            directory: created if needed.
            extra: more objects to save with the run (built like the restoring side's, see
                :meth:`restore`), e.g. the training loop's agents.

        Returns:
            The files written.
        """
        return save_runner(self, Path(directory), extra)

    def restore(self, directory: str | Path, extra: Any = None) -> Any:
        """Continue a run saved by :meth:`save`: this runner must be built as the saved one was
        (same environments, groups, algorithms and arguments); its state is overwritten in place.

        Args:
            directory: what :meth:`save` wrote.
            extra: the objects to restore ``save``'s ``extra`` into (built like the saved ones);
                plain data is returned as saved.

        Returns:
            The restored ``extra`` (also in ``self.extra``).

        Raises:
            ValueError: a missing, damaged or non-fitting file, naming it; never unpickles.
        """
        self.extra = restore_runner(self, Path(directory), extra)
        return self.extra

    def __repr__(self) -> str:
        models = ", ".join(f"{n}: {type(m).__name__}" for n, m in self.models.items())
        return f"MultiAgentSB3({models}; others={sorted(self.hub.others)})"


# ============================================================================ the two modes
def _folderless_logger(model: Any) -> None:
    """Give a model that would log nowhere a logger without a folder: SB3 otherwise configures
    one in a fresh ``<tmp>/SB3-<date>`` directory on every ``learn`` (left behind, empty). A
    model logging to TensorBoard (``tensorboard_log``) or given a logger keeps its own."""
    has_logger = getattr(model, "_custom_logger", False) and hasattr(model, "_logger")
    if has_logger or getattr(model, "tensorboard_log", None):  # (a restored model has the flag
        return  # from its saved data but no logger: it gets one here)
    import sys

    from stable_baselines3.common.logger import HumanOutputFormat, KVWriter, Logger

    outputs: list[KVWriter] = (
        [HumanOutputFormat(sys.stdout)] if getattr(model, "verbose", 0) >= 1 else []
    )
    model.set_logger(Logger(None, outputs))


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
