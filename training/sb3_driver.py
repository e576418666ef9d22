"""The SB3 driver: Stable-Baselines3 learners through :class:`powergames.agents.sb3.MultiAgentSB3`.

One model per independent learner (several learn in lockstep) and one per ``shared`` group
(parameter sharing); PPO, A2C and DQN. Every model keeps SB3's own ``learn`` machinery; the other
agents play inside the environment hub, which feeds them their transitions (the same
:func:`~powergames.training.roster.learn_from` as the native loop). The evaluator callback runs at
the rollout boundaries common to every model (``MultiAgentSB3.learn``'s ``on_boundary``), so
evaluations and checkpoints are taken where each model sits between a policy update and its next
rollout — an exact state. The models, the environment and the other agents' draws are seeded from
the seed's torch stream (``MultiAgentSB3(seed=…)``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.logger import KVWriter, Logger

from powergames.agents.sb3 import ModelBuildError, MultiAgentSB3
from powergames.games.base import Game
from powergames.training.build import Run
from powergames.training.checkpoint import load_sb3, save_sb3
from powergames.training.config import ConfigError, ExperimentConfig
from powergames.training.evaluators import EvalCallback
from powergames.training.kinds import agent_kind
from powergames.training.logging import RunLogger, TensorBoardWriter, tag_safe
from powergames.training.roster import Agents, FeedOthers

#: Default DQN replay-buffer size (SB3's is 1,000,000; the buffer is saved with each checkpoint).
DQN_BUFFER_SIZE = 50_000


def run_sb3(run: Run) -> None:
    """Train ``run``'s SB3 learners to its budget (from its checkpoint when ``run.resume_from``
    is set), evaluating and checkpointing at the common rollout boundaries."""
    assert run.logger is not None, "run_experiment attaches the logger"
    resumed = run.resume_from is not None
    multi = build_sb3(run.exp, run.agents, run.env, run.game, run.streams.torch_seed, run.prefix)
    step = 0
    if run.resume_from is not None:  # the fresh build's state is overwritten with the saved one
        step = load_sb3(run.resume_from.path, multi, run.agents)
    tb = next((w for w in run.logger.writers if isinstance(w, TensorBoardWriter)), None)
    for name, model in multi.models.items():
        label = model_label(name, run.agents)
        n_envs = multi.vec_envs[name].num_envs
        outputs: list[KVWriter] = [] if tb is None else [_ToTensorBoard(tb, label, n_envs)]
        model.set_logger(Logger(None, outputs))
    run.env = multi.hub.envs[0]
    names = list(multi.groups)
    agents = run.agents

    def after_eval(s: int, metrics: Any) -> None:
        checkpoints = run.run_dir.checkpoints
        stage = checkpoints.staging(s)
        save_sb3(stage, s, multi, agents)
        checkpoints.publish(s, stage, {"rows": len(run.table.rows)})

    class _Bar(BaseCallback):
        def _on_step(self) -> bool:
            run.progress.advance()
            return True

    clock = _Clock(run.env, run.logger, step)
    callback = EvalCallback(
        run.evaluators, run.context, run.exp.eval.every, run.logger, mode="rollout",
        after_eval=after_eval, first_step=step if resumed else -1,
    )  # fmt: skip
    callback.init_callback(clock)  # type: ignore[arg-type]  # SB3's template reads two fields
    callback.on_training_start({}, {})

    def on_boundary(rounds: int) -> None:
        clock.num_timesteps = rounds
        callback.on_rollout_start()

    remaining = run.exp.budget - step
    if remaining > 0:
        multi.learn(
            {name: remaining * multi.vec_envs[name].num_envs for name in names},
            callback={names[0]: _Bar()},
            on_boundary=on_boundary,
            reset_num_timesteps=not resumed,
        )
    clock.num_timesteps = multi.rounds(names[0])
    callback.on_training_end()


def model_label(name: str, agents: Agents) -> str:
    """A model's display name: its agent's label (a shared group: ``shared <group>``)."""
    if name.startswith("shared_"):
        return f"shared {name.removeprefix('shared_')}"
    for spec in agents.specs:
        if spec.name == name:
            return spec.label
    return name


class _ToTensorBoard(KVWriter):
    """An SB3 model's own logger output (``rollout/*``, ``train/*``, ``time/*``) to the run's
    TensorBoard under ``sb3/<agent label>/``, at the model's environment rounds (its
    ``num_timesteps`` over its vectorised copies)."""

    def __init__(self, tb: TensorBoardWriter, label: str, n_envs: int) -> None:
        self.tb = tb
        self.prefix = f"sb3/{tag_safe(label)}/"
        self.n_envs = n_envs

    def write(
        self, key_values: dict[str, Any], key_excluded: dict[str, Any], step: int = 0
    ) -> None:
        scalars = {}
        for key, value in key_values.items():
            excluded = key_excluded.get(key) or ()
            # time/fps is wall-clock: left out so that a run's event files are reproducible
            if "tensorboard" in excluded or isinstance(value, bool) or key == "time/fps":
                continue
            if isinstance(value, int | float | np.integer | np.floating):
                scalars[self.prefix + key] = float(value)
        self.tb.write_tags(step // self.n_envs, scalars)

    def close(self) -> None:
        """The run's writer is closed by the run."""


class _Clock:
    """A minimal 'model' for callbacks in the native loop (SB3's template reads these fields)."""

    def __init__(self, env: Any, logger: RunLogger, step: int) -> None:
        self.num_timesteps = step
        self.logger = logger
        self._env = env

    def get_env(self) -> Any:
        return self._env


def sb3_groups(exp: ExperimentConfig, agents: Agents) -> dict[str, list[int]]:
    """The SB3 models of a run: ``model name -> agent indices`` (config order).

    An independent learner's model is named after the environment agent it plays
    (``player_0``, ``coalition_1``); a parameter-shared group's model is ``shared_<group>``.
    """
    groups: dict[str, list[int]] = {}
    for i in agents.sb3:
        shared = exp.agents[i].shared
        groups.setdefault(agents.names[i] if shared is None else f"shared_{shared}", []).append(i)
    return groups


def build_sb3(
    exp: ExperimentConfig,
    agents: Agents,
    env: Any,
    game: Game,
    seed: int,
    prefix: str = "",
) -> MultiAgentSB3:
    """The :class:`~powergames.agents.sb3.MultiAgentSB3` of a run (models built, not trained);
    the learners' :class:`~powergames.agents.sb3.SB3Policy` faces are put in ``agents`` and the
    copiers of them bound.

    Raises:
        ConfigError: naming the agent entry whose SB3 parameters or spaces do not fit.
    """
    groups = sb3_groups(exp, agents)
    for indices in groups.values():
        first = indices[0]
        for j in indices[1:]:
            a, b = agents.names[first], agents.names[j]
            if env.observation_space(a) != env.observation_space(b) or env.action_space(
                a
            ) != env.action_space(b):
                raise ConfigError(
                    f"{prefix}agents[{j}].shared: agents sharing a model need identical observation "
                    f"and action spaces; agents[{j}] differs from agents[{first}]"
                )
    algorithms, policy_names, kwargs = {}, {}, {}
    for name, indices in groups.items():
        cfg = exp.agents[indices[0]]
        params = dict(cfg.params)
        policy_names[name] = params.pop("policy", "MlpPolicy")
        if isinstance(params.get("train_freq"), list):  # YAML has no tuples; SB3 wants (n, "step")
            params["train_freq"] = tuple(params["train_freq"])
        if cfg.kind == "dqn":  # the replay buffer goes into every checkpoint: keep it small
            params.setdefault("buffer_size", DQN_BUFFER_SIZE)
        kwargs[name] = {"device": "cpu", "verbose": 0, **params}
        algorithms[name] = agent_kind(cfg.kind).factory
    learners = {i for indices in groups.values() for i in indices}
    others = {
        agents.names[i]: agents.policies[i] for i in range(len(agents.names)) if i not in learners
    }
    try:
        multi = MultiAgentSB3(
            env,
            {name: [agents.names[i] for i in indices] for name, indices in groups.items()},
            algorithms,
            others=others,
            seed=seed,
            policy=policy_names,
            per_model_kwargs=kwargs,
            update_others=FeedOthers(agents, game, env),
        )
    except ModelBuildError as exc:
        first = groups[exc.model][0]
        msg = str(exc.cause).splitlines()[0] if str(exc.cause) else type(exc.cause).__name__
        raise ConfigError(f"{prefix}agents[{first}].params: {msg}") from None
    for indices in groups.values():
        for i in indices:
            agents.policies[i] = multi.policy(agents.names[i])
    agents.bind_targets(prefix)
    return multi
