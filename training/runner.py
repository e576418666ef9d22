"""The training loop: one experiment = a pure function of (configuration, seed) → its run directory.

Two drivers share the evaluator callbacks, the run directory and the checkpoints:

* **native** — fixed policies and classic learners: the loop asks every agent to ``act``, steps
  the PettingZoo environment, feeds each learner its transition (``update``; or, with
  ``feedback: full``, the exact payoff of every action through ``observe``), and fires
  :class:`~powergames.training.evaluators.EvalCallback` (``on_step``) after every step.
* **sb3** — Stable-Baselines3 learners, through :class:`powergames.agents.sb3.MultiAgentSB3`:
  one model per independent learner (several learn in lockstep) and one per ``shared`` group
  (parameter sharing); PPO, A2C and DQN. Every model keeps SB3's own ``learn`` machinery; the
  other agents play inside the environment hub, which feeds them their transitions (the same
  ``learn_from`` as the native loop). The same callback runs at the rollout boundaries common to
  every model (``MultiAgentSB3.learn``'s ``on_boundary``), so evaluations and checkpoints are
  taken where each model sits between a policy update and its next rollout — an exact state.

Determinism and resume: every random stream (environment, agents' draws, torch, NumPy's global
generator used by SB3's minibatches, evaluation samples) derives from the config's seed; the
state at every evaluation is checkpointed (learners and environment pickled together, SB3 models
through ``save``/``load`` with their replay buffers, all RNG states including
``bit_generator.state``), so a run killed at any instant and resumed with ``--resume`` produces
the same ``metrics.csv`` as an uninterrupted run, every evaluation step exactly once. The SB3
driver seeds the models, the environment and the other agents' draws from the seed's torch
stream (``MultiAgentSB3(seed=…)``).
"""

from __future__ import annotations

import copy
import math
import os
import pickle
import random
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import gymnasium
import numpy as np

from powergames.training.builders import (
    AgentSpec,
    actions_of,
    agent_kind,
    agent_label,
    check_seats,
    game_of,
    make_env,
    n_types_of,
)
from powergames.training.config import (
    ConfigError,
    ExperimentConfig,
    Suite,
    dump_yaml,
    parse_yaml,
)
from powergames.training.evaluators import (
    EVALUATOR_CLASSES,
    EvalCallback,
    EvalContext,
    Evaluator,
    PowerEvaluator,
    SharesEvaluator,
)
from powergames.training.rundir import (
    MetricsTable,
    RunDir,
    RunLock,
    TensorBoardWriter,
    atomic_write_json,
    atomic_write_text,
    exit_with_parent,
    format_table,
)

#: Format version of checkpoints (bumped when their content changes).
#: 2: SB3 runs are saved by ``MultiAgentSB3.save``; copying agents are the agents' oracle copier.
CHECKPOINT_VERSION = 2

EVAL_SEED_TAG = 0xE7A1

#: Agent kinds that play a theorem's policy: their guarantee lines are reported.
THEOREM_OF_KIND = {"majority": "thm1", "copying": "thm2", "empirical_copying": "thm2"}

#: Default DQN replay-buffer size (SB3's is 1,000,000; the buffer is saved with each checkpoint).
DQN_BUFFER_SIZE = 50_000


# ------------------------------------------------------------------------------------- logging


class RunLogger:
    """SB3-style logger (``record`` / ``dump``) writing ``metrics.csv`` rows and TensorBoard scalars.

    Keys recorded as ``eval/<metric>`` become the ``<metric>`` column.
    """

    def __init__(
        self,
        table: MetricsTable,
        tb: TensorBoardWriter | None,
        on_dump: Callable[[int, Mapping[str, float]], None] | None = None,
    ) -> None:
        self.table = table
        self.tb = tb
        self.on_dump = on_dump
        self._pending: dict[str, float] = {}

    def record(self, key: str, value: Any, exclude: Any = None) -> None:
        """Remember ``value`` under ``key`` until the next :meth:`dump`."""
        self._pending[key.removeprefix("eval/")] = float(value)

    def record_mean(self, key: str, value: Any, exclude: Any = None) -> None:
        """Same as :meth:`record` (evaluations are single values)."""
        self.record(key, value, exclude)

    def dump(self, step: int = 0) -> None:
        """Append the recorded values as the row of ``step`` (atomically) and to TensorBoard."""
        row, self._pending = self._pending, {}
        if not row:
            return
        self.table.append(step, row)
        if self.tb is not None:
            self.tb.write(step, row)
        if self.on_dump is not None:
            self.on_dump(step, row)


# ------------------------------------------------------------------------------------ building


@dataclass
class Streams:
    """The run's random streams, all derived from the seed."""

    seed: int
    env_seed: int
    agent_rng: np.random.Generator
    torch_seed: int

    @classmethod
    def from_seed(cls, seed: int) -> Streams:
        env_ss, agent_ss, torch_ss = np.random.SeedSequence(seed).spawn(3)
        return cls(
            seed=seed,
            env_seed=int(env_ss.generate_state(1)[0]),
            agent_rng=np.random.default_rng(agent_ss),
            torch_seed=int(torch_ss.generate_state(1)[0] % (2**31 - 1)),
        )

    def eval_rng(self, step: int) -> np.random.Generator:
        """The evaluation generator at ``step`` (independent of training, identical on resume)."""
        return np.random.default_rng([self.seed, EVAL_SEED_TAG, int(step)])


@dataclass
class Agents:
    """The run's agents, in config order, with the environment agent each one plays."""

    specs: list[AgentSpec]
    policies: list[Any]
    names: list[str]
    families: list[str]
    feedback: list[str]
    vector_action: list[bool] = field(default_factory=list)
    targets: dict[int, list[int]] = field(default_factory=dict)
    """For each oracle-copying agent, the agents whose current policies it copies."""

    def policy(self, i: int) -> Any:
        return self.policies[i]

    def env_action(self, i: int, action: Any) -> Any:
        """The action as the environment wants it (a one-member coalition takes a ``(1,)`` array)."""
        if self.vector_action and self.vector_action[i] and np.ndim(action) == 0:
            return np.asarray([int(action)], dtype=np.int64)
        return action

    def index_of(self, name: str) -> int:
        return self.names.index(name)

    def attach(self) -> None:
        """(Re)connect the specs to each other after building or unpickling."""
        for spec in self.specs:
            spec.resolve = self.policy
            spec.all_specs = self.specs

    @property
    def sb3(self) -> list[int]:
        """The indices of the SB3 learners."""
        return [i for i, f in enumerate(self.families) if f == "sb3"]

    def bind_targets(self, prefix: str = "") -> None:
        """Bind each copying agent to its targets' policies once they all exist.

        Raises:
            ConfigError: the copier cannot copy them (sizes, ``k``), naming its params.
        """
        for i, targets in self.targets.items():
            pol = self.policies[i]
            if pol.bound or any(self.policies[t] is None for t in targets):
                continue
            try:
                pol.set_target([self.policies[t] for t in targets])
            except (TypeError, ValueError) as exc:
                raise ConfigError(f"{prefix}agents[{i}].params: {exc}") from None

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        specs = []
        for s in self.specs:
            s2 = copy.copy(s)
            s2.resolve = None  # type: ignore[assignment]
            s2.all_specs = []
            specs.append(s2)
        state["specs"] = specs
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.attach()


def build_env(exp: ExperimentConfig, prefix: str = "") -> tuple[Any, list[list[int]]]:
    """Make the environment (its coalition view when an agent holds several seats).

    Returns:
        ``(env, coalitions)`` with one coalition (list of seats) per agent, in config order.
    """
    coalitions = [sorted(a.seats) for a in exp.agents]
    grouped = None if all(len(c) == 1 for c in coalitions) else coalitions
    try:
        env = make_env(exp.env.id, exp.env.kwargs)
        n_players = int(game_of(env).n_players)
    except (TypeError, ValueError) as exc:
        raise ConfigError(env_kwargs_error(exc, exp.env.kwargs, prefix)) from None
    check_seats(exp, n_players, prefix)
    if grouped is not None:
        try:
            env = make_env(exp.env.id, exp.env.kwargs, grouped)
        except (TypeError, ValueError) as exc:
            msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ConfigError(
                f"{prefix}agents: these seats cannot form coalitions: {msg}"
            ) from None
    return env, coalitions


def env_kwargs_error(exc: Exception, kwargs: Mapping[str, Any], prefix: str = "") -> str:
    """A one-line message for an environment constructor's error, naming the argument when it can
    be told: ``env.kwargs.<name>`` for an unknown argument or a message about that argument."""
    import re

    msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    unknown = re.search(r"unexpected keyword argument '(\w+)'", msg)
    nested = kwargs.get("game_kwargs")
    if unknown:
        name = unknown.group(1)
        if name in kwargs:
            return f"{prefix}env.kwargs.{name}: unknown argument ({msg})"
        if isinstance(nested, Mapping) and name in nested:
            return f"{prefix}env.kwargs.game_kwargs.{name}: unknown argument ({msg})"
        return f"{prefix}env.kwargs: {msg}"
    named = [k for k in kwargs if re.match(rf"{re.escape(str(k))}\b", msg)]
    if named:
        return f"{prefix}env.kwargs.{named[0]}: {msg}"
    return f"{prefix}env.kwargs: {msg}"


def build_agents(exp: ExperimentConfig, env: Any, prefix: str = "") -> Agents:
    """Construct every agent; SB3 learners' places stay ``None`` until the SB3 driver builds
    their models (copiers of them are bound then)."""
    from powergames.training.builders import copy_targets

    game = game_of(env)
    ks = actions_of(game)
    types = n_types_of(game)
    names = list(env.possible_agents)
    seats_of = [
        tuple(env.members(a)) if hasattr(env, "members") else (i,) for i, a in enumerate(names)
    ]
    specs: list[AgentSpec] = []
    for i, cfg in enumerate(exp.agents):
        seats = tuple(sorted(cfg.seats))
        name = names[seats_of.index(seats)]
        n_actions: int | tuple[int, ...] = (
            ks[seats[0]] if len(seats) == 1 else tuple(ks[s] for s in seats)
        )
        n_types = int(np.prod([types[s] for s in seats]))
        layout = env.observation_layout(name) if hasattr(env, "observation_layout") else None
        specs.append(AgentSpec(i, name, list(seats), n_actions, n_types, layout, agent_label(cfg)))
    policies: list[Any] = [None] * len(specs)
    families, feedback = [], []
    vector = [
        isinstance(env.action_space(s.name), gymnasium.spaces.MultiDiscrete) and len(s.seats) == 1
        for s in specs
    ]
    agents = Agents(specs, policies, [s.name for s in specs], families, feedback, vector)
    agents.attach()
    for i, (cfg, spec) in enumerate(zip(exp.agents, specs)):
        kind = agent_kind(cfg.kind, f"{prefix}agents[{i}].kind")
        families.append(kind.family)
        params = dict(cfg.params)
        feedback.append(str(params.pop("feedback", "sampled")) if kind.family == "learner" else "")
        if kind.family == "sb3":
            continue
        try:
            policies[i] = kind.factory(spec, params)
            if cfg.kind == "copying":
                agents.targets[i] = copy_targets(spec, params.get("target"))
        except ConfigError as exc:
            raise ConfigError(f"{prefix}agents[{i}].{exc}") from None
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{prefix}agents[{i}].params: {exc}") from None
        if feedback[i] == "full" and len(spec.seats) > 1:
            raise ConfigError(
                f"{prefix}agents[{i}].params.feedback: full information needs one agent per seat"
            )
    agents.attach()
    agents.bind_targets(prefix)
    return agents


def build_evaluators(
    exp: ExperimentConfig, game: Any, coalitions: Sequence[Sequence[int]]
) -> tuple[list[Evaluator], list[str]]:
    """The requested evaluators that apply to this game; notes on the ones skipped."""
    evaluators, notes = [], []
    for name in exp.eval.evaluators:
        cls = EVALUATOR_CLASSES[name]
        if cls is SharesEvaluator:
            theorem = {
                j: THEOREM_OF_KIND[a.kind]
                for j, a in enumerate(exp.agents)
                if a.kind in THEOREM_OF_KIND
            }
            ev: Evaluator = SharesEvaluator(exp.eval.samples, exp.eval.confidence, theorem)
        else:
            ev = cls()
        reason = ev.applies(game, coalitions)
        if reason is None:
            evaluators.append(ev)
        else:
            notes.append(f"evaluator {name!r} skipped: {reason}")
    return evaluators, notes


# --------------------------------------------------------------------------- exact strategies


def _type_observation(env: Any, agent: str, t: int, base: np.ndarray | None = None) -> np.ndarray:
    """An observation of ``agent`` revealing type ``t`` at round 0 with no history."""
    space = env.observation_space(agent)
    obs = np.zeros(space.shape, dtype=np.float32) if base is None else np.array(base, np.float32)
    layout = env.observation_layout(agent) if hasattr(env, "observation_layout") else {}
    if "type" in layout:
        block = layout["type"]
        obs[block] = 0.0
        obs[block.start + t] = 1.0
    return obs


def agent_strategies(
    agents: Agents, env: Any, average: bool = False
) -> tuple[list[Any], list[np.ndarray] | None]:
    """Each agent's exact policy, and per-player strategies ``(T_i, k_i)`` where they exist.

    Returns:
        ``(joint, per_type)``: ``joint[j]`` is agent ``j``'s joint policy at the evaluation
        observation (an array ``(k,)*m`` or a structured ``CoalitionPolicy``); ``per_type[j]`` its
        strategy per type ``(T, k)`` (``None`` overall if some agent is a coalition of several).
    """
    joint: list[Any] = []
    per_type: list[np.ndarray] | None = []
    for spec, pol in zip(agents.specs, agents.policies):
        table = _strategy_table(pol, spec, env, average)
        obs0 = _type_observation(env, spec.name, 0)
        structured = getattr(pol, "coalition_policy", None)
        if structured is not None and len(spec.seats) > 1:
            joint.append(structured(obs0))
        elif table is not None:
            joint.append(table[0])
        else:
            s = pol.strategy(obs0)
            if s is None:
                raise ValueError(f"agent {spec.label} exposes no exact strategy")
            joint.append(np.asarray(s, dtype=np.float64))
        if per_type is not None:
            if len(spec.seats) > 1 or table is None:
                per_type = None
            else:
                per_type.append(table.reshape(spec.n_types, -1))
    return joint, per_type


def _strategy_table(pol: Any, spec: AgentSpec, env: Any, average: bool) -> np.ndarray | None:
    """``(T, *action_shape)`` strategies per type, or ``None`` if the policy has none."""
    if average and hasattr(pol, "average_strategy"):
        return np.asarray(pol.average_strategy(), dtype=np.float64)
    if hasattr(pol, "current_strategy"):
        return np.asarray(pol.current_strategy(), dtype=np.float64)
    rows = []
    for t in range(spec.n_types):
        s = pol.strategy(_type_observation(env, spec.name, t))
        if s is None:
            return None
        rows.append(np.asarray(s, dtype=np.float64))
    return np.stack(rows)


def make_context(
    agents: Agents, env: Any, game: Any, coalitions: list[list[int]], rng: Any
) -> EvalContext:
    """The :class:`EvalContext` of the agents' current strategies."""
    joint, profile = agent_strategies(agents, env)
    avg = None
    if profile is not None:
        _, avg = agent_strategies(agents, env, average=True)
    return EvalContext(game, coalitions, joint, profile, avg, rng)


# ------------------------------------------------------------------------------ shared stepping


def learn_from(
    agents: Agents,
    game: Any,
    env: Any,
    obs: Mapping[str, Any],
    actions: Mapping[str, Any],
    rewards: Mapping[str, float],
    next_obs: Mapping[str, Any],
    infos: Mapping[str, Any],
    skip: Sequence[int] = (),
) -> None:
    """Feed one transition to every agent not in ``skip`` (sampled ``update`` or full ``observe``)."""
    full = [i for i, f in enumerate(agents.feedback) if f == "full" and i not in skip]
    for i, (name, pol) in enumerate(zip(agents.names, agents.policies)):
        if i in skip or i in full:
            continue
        pol.update(obs[name], actions[name], rewards[name], next_obs[name], infos.get(name))
    if full:
        from powergames.agents.self_play import action_values

        _, profile = agent_strategies(agents, env)
        if profile is None:  # pragma: no cover - rejected when building
            raise ValueError("full-information feedback needs one agent per seat")
        seat_profile = [None] * len(profile)
        for spec, strat in zip(agents.specs, profile):
            seat_profile[spec.seats[0]] = strat
        values = {i: action_values(game, agents.specs[i].seats[0], seat_profile) for i in full}
        for i in full:
            agents.policies[i].observe(values[i])


class FeedOthers:
    """The SB3 hub's feedback to the agents that are not SB3 learners: :func:`learn_from` (sampled
    ``update`` or full-information ``observe``) — picklable, so it is saved with the run."""

    def __init__(self, agents: Agents, game: Any, env: Any) -> None:
        self.agents = agents
        self.game = game
        self.env = env

    def __call__(
        self,
        obs: Mapping[str, Any],
        actions: Mapping[str, Any],
        rewards: Mapping[str, float],
        next_obs: Mapping[str, Any],
        infos: Mapping[str, Any],
    ) -> None:
        agents = self.agents
        learn_from(
            agents, self.game, self.env, obs, actions, rewards, next_obs, infos, skip=agents.sb3
        )


# ------------------------------------------------------------------------------- checkpoints


def _rng_state() -> dict[str, Any]:
    import torch

    return {
        "torch": torch.get_rng_state(),
        "numpy_global": np.random.get_state(),  # noqa: NPY002 - SB3 draws minibatches from it
        "python": random.getstate(),
    }


def _set_rng_state(state: Mapping[str, Any]) -> None:
    import torch

    torch.set_rng_state(state["torch"])
    np.random.set_state(state["numpy_global"])  # noqa: NPY002 - SB3 draws minibatches from it
    random.setstate(state["python"])


def _pickle(path: Path, obj: Any) -> None:
    with open(path, "wb") as fh:
        pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)
        fh.flush()
        os.fsync(fh.fileno())


def _unpickle(path: Path) -> Any:
    with open(path, "rb") as fh:
        try:
            return pickle.load(fh)  # noqa: S301 - our own checkpoint file
        except (ModuleNotFoundError, AttributeError):  # written by an older format's classes
            return {"version": None}


# ------------------------------------------------------------------------------------ progress


class Progress:
    """A tqdm bar over environment steps (disabled when quiet or not on a terminal)."""

    def __init__(self, total: int, initial: int, desc: str, enabled: bool) -> None:
        self.bar = None
        if enabled:
            import shutil

            from tqdm.auto import tqdm

            width = min(shutil.get_terminal_size((100, 24)).columns, 120)
            self.bar = tqdm(
                total=total, initial=initial, desc=desc, unit="step", ncols=width, leave=True
            )
        self._pending = 0

    def advance(self, n: int = 1) -> None:
        if self.bar is None:
            return
        self._pending += n
        if self._pending >= 256:
            self.bar.update(self._pending)
            self._pending = 0

    def note(self, metrics: Mapping[str, float]) -> None:
        if self.bar is None:
            return
        self.bar.update(self._pending)
        self._pending = 0
        self.bar.set_postfix(metrics, refresh=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.update(self._pending)
            self.bar.close()


def headline(metrics: Mapping[str, float]) -> dict[str, str]:
    """A few key metrics for the progress bar."""
    out = {}
    for key in ("share/c0/mean", "share/c1/mean", "power/sum_minus_c", "power_avg/nash_conv"):
        if key in metrics:
            out[key.replace("share/", "").replace("/mean", "")] = f"{metrics[key]:.3f}"
    return out


# -------------------------------------------------------------------------------------- runs


@dataclass
class RunResult:
    """What :func:`run_experiment` returns."""

    summary: dict[str, Any]
    table: str
    run_dir: Path
    resumed_from: int | None = None
    notes: list[str] = field(default_factory=list)


def resolved_config_text(exp: ExperimentConfig) -> str:
    """The YAML stored as ``config.yaml``: every field, defaults filled in."""
    return dump_yaml(exp.model_dump(mode="json"))


def prepare_run_dir(rd: RunDir, text: str, resume: bool, overwrite: bool) -> bool:
    """Check/claim a run directory. Returns whether a previous run's state may be resumed."""
    if rd.exists():
        if resume:
            stored = rd.config.read_text() if rd.config.exists() else None
            if stored is not None and parse_yaml(stored) != parse_yaml(text):
                raise ConfigError(
                    f"{rd.config}: the stored configuration differs from this one; resume with the "
                    "same config and overrides, or pass --overwrite to start again"
                )
            return True
        if not overwrite:
            raise ConfigError(
                f"{rd.path} already holds a run; pass --resume to continue it or --overwrite to "
                "start again"
            )
        rd.clear()
    rd.path.mkdir(parents=True, exist_ok=True)
    atomic_write_text(rd.config, text)
    return False


def run_experiment(
    exp: ExperimentConfig,
    run_dir: str | Path,
    *,
    resume: bool = False,
    overwrite: bool = False,
    progress: bool = True,
    quiet: bool = False,
    prefix: str = "",
    echo: Callable[[str], None] | None = None,
    plots: bool = True,
) -> RunResult:
    """Run (or resume) one experiment into ``run_dir``.

    Args:
        exp: the validated experiment.
        run_dir: its directory (created).
        resume: continue from the newest checkpoint if the directory holds a run.
        overwrite: delete a previous run in the directory first.
        progress: show a progress bar (only on a terminal).
        quiet: print nothing.
        prefix: config path prefix for error messages (``experiments.<name>.``).
        echo: where to print (default ``print``).
        plots: draw ``plots/*.png`` at the end (``powergames plot`` draws them later).

    Returns:
        The summary (also in ``summary.json``) and the final table text.
    """
    with RunLock(run_dir):  # one writer per run directory (a killed run's workers exit first)
        return _run_experiment(
            exp, run_dir, resume, overwrite, progress, quiet, prefix, echo, plots
        )


def _run_experiment(
    exp: ExperimentConfig,
    run_dir: str | Path,
    resume: bool,
    overwrite: bool,
    progress: bool,
    quiet: bool,
    prefix: str,
    echo: Callable[[str], None] | None,
    plots: bool,
) -> RunResult:
    echo = echo or print
    rd = RunDir(run_dir)
    text = resolved_config_text(exp)
    may_resume = prepare_run_dir(rd, text, resume, overwrite)
    if may_resume and rd.summary.exists():
        summary = __import__("json").loads(rd.summary.read_text())
        if summary.get("status") == "complete":
            table = final_table(summary)
            return RunResult(summary, table, rd.path, resumed_from=summary.get("steps"))
    if not rd.config.exists():
        atomic_write_text(rd.config, text)

    _limit_threads()
    streams = Streams.from_seed(exp.seed)
    env, coalitions = build_env(exp, prefix)
    game = game_of(env)
    agents = build_agents(exp, env, prefix)
    evaluators, notes = build_evaluators(exp, game, coalitions)

    # ---- resume point
    checkpoints = rd.checkpoints
    latest = checkpoints.latest() if may_resume else None
    table = MetricsTable.load(rd.metrics) if may_resume else MetricsTable(rd.metrics)
    start_step = -1
    if latest is not None:
        start_step = latest[0]
        table.truncate(start_step)
        if table.steps and table.steps[-1] != start_step:
            raise ValueError(
                f"{rd.metrics}: the last row is step {table.steps[-1]} but the checkpoint is at "
                f"{start_step}; the run directory is inconsistent"
            )
    else:
        table = MetricsTable(rd.metrics)
        if rd.metrics.exists():
            rd.metrics.unlink()
        import shutil

        shutil.rmtree(rd.tb, ignore_errors=True)
    tb = TensorBoardWriter(rd.tb, purge_step=start_step + 1 if start_step >= 0 else None)
    bar = Progress(
        exp.budget,
        max(start_step, 0),
        exp.name,
        enabled=progress and not quiet and sys.stderr.isatty(),
    )

    def on_dump(step: int, row: Mapping[str, float]) -> None:
        bar.note(headline(row))

    logger = RunLogger(table, tb, on_dump)
    t0 = time.perf_counter()
    state: dict[str, Any] = {"agents": agents, "env": env}

    def context(step: int) -> EvalContext:
        return make_context(state["agents"], state["env"], game, coalitions, streams.eval_rng(step))

    try:
        if not agents.sb3:
            _run_native(exp, rd, streams, state, game, evaluators, logger, latest, bar, context)
        else:
            _run_sb3(
                exp, rd, streams, state, game, evaluators, logger, latest, bar, context, prefix
            )
    finally:
        bar.close()
        tb.close()

    elapsed = time.perf_counter() - t0
    table = MetricsTable.load(rd.metrics)
    summary = make_summary(exp, table, state["agents"], coalitions, notes, elapsed, start_step)
    atomic_write_json(rd.summary, summary)
    if plots:
        from powergames.training.plots import plot_run

        plot_run(rd.path)
    text_table = final_table(summary)
    if not quiet:
        echo(text_table)
    return RunResult(summary, text_table, rd.path, start_step if start_step >= 0 else None, notes)


def _limit_threads() -> None:
    import torch

    torch.set_num_threads(1)


class _Clock:
    """A minimal 'model' for callbacks in the native loop (SB3's template reads these fields)."""

    def __init__(self, env: Any, logger: RunLogger, step: int) -> None:
        self.num_timesteps = step
        self.logger = logger
        self._env = env

    def get_env(self) -> Any:
        return self._env


def _run_native(
    exp: ExperimentConfig,
    rd: RunDir,
    streams: Streams,
    state: dict[str, Any],
    game: Any,
    evaluators: list[Evaluator],
    logger: RunLogger,
    latest: Any,
    bar: Progress,
    context: Callable[[int], EvalContext],
) -> None:
    if latest is not None:
        snap = _unpickle(latest[1] / "state.pkl")
        _check_snapshot(snap, rd)
        env, agents, obs = snap["env"], snap["agents"], snap["obs"]
        rng = snap["rng"]
        step = int(snap["step"])
        _set_rng_state(snap["rng_state"])
    else:
        env, agents = state["env"], state["agents"]
        obs, _ = env.reset(seed=streams.env_seed)
        rng = streams.agent_rng
        step = 0
    state["env"], state["agents"] = env, agents
    holder = {"obs": obs, "rng": rng}

    def after_eval(s: int, metrics: Mapping[str, float]) -> None:
        snap = {
            "version": CHECKPOINT_VERSION,
            "driver": "native",
            "step": s,
            "env": state["env"],
            "agents": state["agents"],
            "obs": holder["obs"],
            "rng": holder["rng"],
            "rng_state": _rng_state(),
        }
        stage = rd.checkpoints.staging(s)
        _pickle(stage / "state.pkl", snap)
        rd.checkpoints.publish(s, stage, {"rows": len(logger.table.rows)})

    clock = _Clock(env, logger, step)
    callback = EvalCallback(
        evaluators, context, exp.eval.every, logger, mode="step", after_eval=after_eval,
        first_step=step if latest is not None else -1,
    )  # fmt: skip
    callback.init_callback(clock)
    callback.on_training_start({}, {})
    names, policies = agents.names, agents.policies
    budget = exp.budget
    while step < budget:
        obs = holder["obs"]
        actions = {name: pol.act(obs[name], rng) for name, pol in zip(names, policies)}
        next_obs, rewards, terms, truncs, infos = env.step(
            {name: agents.env_action(i, actions[name]) for i, name in enumerate(names)}
        )
        learn_from(agents, game, env, obs, actions, rewards, next_obs, infos)
        step += 1
        clock.num_timesteps = step
        if not env.agents or all(terms.values()) or all(truncs.values()):
            next_obs, _ = env.reset()
        holder["obs"] = next_obs
        callback.on_step()
        bar.advance()
    callback.on_training_end()


def _check_snapshot(snap: Mapping[str, Any], rd: RunDir) -> None:
    if snap.get("version") != CHECKPOINT_VERSION:
        raise ValueError(
            f"{rd.path}: checkpoint format {snap.get('version')} is not {CHECKPOINT_VERSION}; "
            "start the run again with --overwrite"
        )


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
    game: Any,
    seed: int,
    prefix: str = "",
) -> Any:
    """The :class:`~powergames.agents.sb3.MultiAgentSB3` of a run (models built, not trained);
    the learners' :class:`~powergames.agents.sb3.SB3Policy` faces are put in ``agents`` and the
    copiers of them bound.

    Raises:
        ConfigError: naming the agent entry whose SB3 parameters or spaces do not fit.
    """
    from powergames.agents.sb3 import ModelBuildError, MultiAgentSB3

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


def _load_sb3(path: Path, rd: RunDir) -> tuple[Any, dict[str, Any]]:
    """A checkpoint of the SB3 driver: the runner (models loaded) and the saved extras."""
    from powergames.agents.sb3 import MultiAgentSB3

    try:
        multi = MultiAgentSB3.load(path, device="cpu")
    except (KeyError, ModuleNotFoundError, AttributeError, FileNotFoundError):
        multi = None
    extra = getattr(multi, "extra", None)
    _check_snapshot(extra if isinstance(extra, dict) else {}, rd)
    return multi, extra


def _run_sb3(
    exp: ExperimentConfig,
    rd: RunDir,
    streams: Streams,
    state: dict[str, Any],
    game: Any,
    evaluators: list[Evaluator],
    logger: RunLogger,
    latest: Any,
    bar: Progress,
    context: Callable[[int], EvalContext],
    prefix: str = "",
) -> None:
    from stable_baselines3.common.callbacks import BaseCallback
    from stable_baselines3.common.logger import Logger

    if latest is not None:
        multi, extra = _load_sb3(latest[1], rd)
        agents = extra["agents"]
        step = int(extra["step"])
    else:
        agents = state["agents"]
        multi = build_sb3(exp, agents, state["env"], game, streams.torch_seed, prefix)
        step = 0
    for model in multi.models.values():
        model.set_logger(Logger(None, []))
    state["agents"], state["env"] = agents, multi.hub.envs[0]
    names = list(multi.groups)

    def after_eval(s: int, metrics: Mapping[str, float]) -> None:
        stage = rd.checkpoints.staging(s)
        extra = {"version": CHECKPOINT_VERSION, "driver": "sb3", "step": s, "agents": agents}
        multi.save(stage, extra=extra)
        rd.checkpoints.publish(s, stage, {"rows": len(logger.table.rows)})

    class _Bar(BaseCallback):
        def _on_step(self) -> bool:
            bar.advance()
            return True

    clock = _Clock(state["env"], logger, step)
    callback = EvalCallback(
        evaluators, context, exp.eval.every, logger, mode="rollout", after_eval=after_eval,
        first_step=step if latest is not None else -1,
    )  # fmt: skip
    callback.init_callback(clock)
    callback.on_training_start({}, {})

    def on_boundary(rounds: int) -> None:
        clock.num_timesteps = rounds
        callback.on_rollout_start()

    remaining = exp.budget - step
    if remaining > 0:
        multi.learn(
            {name: remaining * multi.vec_envs[name].num_envs for name in names},
            callback={names[0]: _Bar()},
            on_boundary=on_boundary,
            reset_num_timesteps=latest is None,
        )
    clock.num_timesteps = multi.rounds(names[0])
    callback.on_training_end()


# ------------------------------------------------------------------------------------- eval


def load_experiment(run_dir: str | Path) -> ExperimentConfig:
    """The experiment stored in a run directory's ``config.yaml``."""
    from powergames.training.config import validate_model

    rd = RunDir(run_dir)
    if not rd.config.exists():
        raise FileNotFoundError(f"{rd.path} has no {rd.config.name}")
    return validate_model(ExperimentConfig, parse_yaml(rd.config.read_text(), str(rd.config)))


def evaluate_run(run_dir: str | Path, samples: int | None = None) -> dict[str, Any]:
    """Re-evaluate the agents of a run at its newest checkpoint (nothing is written).

    Args:
        run_dir: an experiment's run directory.
        samples: Monte Carlo plays for the empirical shares (default: the config's).

    Returns:
        A summary dictionary (as in ``summary.json``) whose ``final`` holds the fresh metrics.
    """
    rd = RunDir(run_dir)
    exp = load_experiment(rd.path)
    if samples is not None:
        exp = exp.model_copy(update={"eval": exp.eval.model_copy(update={"samples": samples})})
    latest = rd.checkpoints.latest()
    if latest is None:
        raise FileNotFoundError(f"{rd.path} has no checkpoint to evaluate")
    step, path, _ = latest
    streams = Streams.from_seed(exp.seed)
    env, coalitions = build_env(exp)
    game = game_of(env)
    if any(agent_kind(a.kind).family == "sb3" for a in exp.agents):
        multi, extra = _load_sb3(path, rd)
        env, agents = multi.hub.envs[0], extra["agents"]
    else:
        snap = _unpickle(path / "state.pkl")
        _check_snapshot(snap, rd)
        env, agents = snap["env"], snap["agents"]
    evaluators, notes = build_evaluators(exp, game, coalitions)
    ctx = make_context(agents, env, game, coalitions, streams.eval_rng(step))
    from powergames.training.evaluators import run_evaluators

    metrics = {"step": step, **run_evaluators(evaluators, ctx)}
    table = MetricsTable(rd.metrics)
    table.rows = [metrics]
    summary = make_summary(exp, table, agents, coalitions, notes, 0.0, -1)
    summary["evaluated_checkpoint"] = str(path)
    return summary


# -------------------------------------------------------------------------------------- summary


def make_summary(
    exp: ExperimentConfig,
    table: MetricsTable,
    agents: Agents,
    coalitions: list[list[int]],
    notes: list[str],
    elapsed: float,
    start_step: int,
) -> dict[str, Any]:
    """The content of ``summary.json``; ``final`` is exactly the last ``metrics.csv`` row."""
    final = table.last()
    return {
        "name": exp.name,
        "description": exp.description,
        "status": "complete" if final.get("step") == exp.budget else "incomplete",
        "seed": exp.seed,
        "env": exp.env.id,
        "budget": exp.budget,
        "steps": int(final.get("step", 0)),
        "evaluations": len(table.rows),
        "agents": [
            {"label": s.label, "kind": exp.agents[i].kind, "seats": s.seats, "agent": s.name}
            for i, s in enumerate(agents.specs)
        ],
        "coalitions": coalitions,
        "final": final,
        "notes": notes,
        "wall_time_s": round(elapsed, 3),
        "resumed_from_step": start_step if start_step >= 0 else None,
    }


def final_table(summary: Mapping[str, Any]) -> str:
    """The console table of key metrics at the last evaluation."""
    final = summary.get("final", {})
    rows: list[list[Any]] = []
    agents = summary.get("agents", [])
    for j, ag in enumerate(agents):
        p = f"share/c{j}/"
        if p + "mean" not in final:
            continue
        emp = ""
        if p + "empirical" in final:
            emp = f"{final[p + 'empirical']:.3f} [{final[p + 'ci_low']:.3f}, {final[p + 'ci_high']:.3f}]"
        bound = ""
        for key, label in (("thm2_bound", "≥"), ("thm2_cap", "≤"), ("thm1_bound", "≥")):
            if p + key in final:
                bound = f"{label} {final[p + key]:.3f} ({key.split('_')[0].replace('thm', 'Thm ')})"
        rows.append([
            f"share {ag['label']}", final[p + "mean"], final[p + "min_x"], final[p + "fair"], emp, bound,
        ])  # fmt: skip
    n_evals = summary.get("evaluations")
    out = [f"{summary['name']}: step {summary.get('steps')} of {summary.get('budget')} "
           f"({n_evals} evaluation{'' if n_evals == 1 else 's'}, {summary.get('wall_time_s')} s)"]  # fmt: skip
    if rows:
        out.append(
            format_table(
                rows,
                [
                    "coalition",
                    "exact share",
                    "min over x",
                    "fair |c|/n",
                    "empirical [95% CI]",
                    "bound",
                ],
            )
        )
    prow = []
    for pref, label in (("power", "current"), ("power_avg", "average")):
        if f"{pref}/sum" not in final:
            continue
        n = sum(1 for k in final if k.startswith(f"{pref}/p") and k.count("/") == 1)
        powers = " ".join(f"{final[f'{pref}/p{i}']:.3f}" for i in range(n))
        c = final.get(f"{pref}/c", math.nan)
        prow.append([
            label, powers, final[f"{pref}/sum"], c, final.get(f"{pref}/sum_minus_c", math.nan),
            final[f"{pref}/nash_conv"],
        ])  # fmt: skip
    if prow:
        out.append(
            format_table(
                prow, ["profile", "POWER per player", "ΣPOWER", "c", "ΣPOWER − c", "NashConv"]
            )
        )
    if "align/welfare" in final:
        out.append(
            format_table(
                [[
                    "current", final["align/welfare"], final["align/coordination_gap"],
                    final["align/alpha"], final.get("align/surplus/sum", math.nan),
                ]],
                ["profile", "welfare", "coord. gap", "α", "Σ surplus"],
            )
        )  # fmt: skip
    notes = summary.get("notes", [])
    if notes:
        out.append(
            "not applicable: "
            + "; ".join(n.replace("evaluator ", "").replace(" skipped", "") for n in notes)
        )
    return "\n".join(out)


# ---------------------------------------------------------------------------------------- suites


def experiment_dir(suite: Suite, root: Path, name: str) -> Path:
    """Where an experiment of the suite writes."""
    return root if suite.single else root / name


def run_suite(
    suite: Suite,
    root: str | Path,
    *,
    resume: bool = False,
    overwrite: bool = False,
    progress: bool = True,
    quiet: bool = False,
    jobs: int = 1,
    echo: Callable[[str], None] | None = None,
    plots: bool = True,
    executor: Any = None,
) -> dict[str, Any]:
    """Run every experiment of a suite into ``root`` (``root/<experiment>`` for several).

    With ``jobs > 1`` the experiments run in parallel local processes; the parent shows one
    progress bar over all of them (read from their ``metrics.csv``). An ``executor`` (a
    :class:`~powergames.training.sweep.Executor`, e.g. the Ray one) runs the experiments of a
    multi-experiment suite instead, one job each.

    Returns:
        ``{experiment: summary}``; also written to ``root/summary.json`` for a suite, with the
        overview figure ``root/overview.png`` when the suite describes one.
    """
    echo = echo or print
    root = Path(root)
    if suite.single:
        exp = suite.experiments[0]
        res = run_experiment(
            exp, root, resume=resume, overwrite=overwrite, progress=progress, quiet=quiet,
            echo=echo, plots=plots,
        )  # fmt: skip
        return {exp.name: res.summary}
    with RunLock(root):  # the suite's own files (config, summary, overview) have one writer too
        return _run_suite_locked(
            suite, root, resume, overwrite, progress, quiet, jobs, echo, plots, executor
        )


def _run_suite_locked(
    suite: Suite,
    root: Path,
    resume: bool,
    overwrite: bool,
    progress: bool,
    quiet: bool,
    jobs: int,
    echo: Callable[[str], None],
    plots: bool,
    executor: Any = None,
) -> dict[str, Any]:
    root.mkdir(parents=True, exist_ok=True)
    suite_text = dump_yaml(suite.raw)
    suite_cfg = root / "config.yaml"
    if suite_cfg.exists() and not overwrite:
        if not resume:
            raise ConfigError(
                f"{root} already holds a run; pass --resume to continue it or --overwrite to start again"
            )
        if parse_yaml(suite_cfg.read_text()) != parse_yaml(suite_text):
            raise ConfigError(
                f"{suite_cfg}: the stored configuration differs from this one; resume with the same "
                "config and overrides, or pass --overwrite to start again"
            )
    atomic_write_text(suite_cfg, suite_text)
    summaries: dict[str, Any] = {}
    if executor is not None or (jobs > 1 and len(suite.experiments) > 1):
        summaries = _run_parallel(
            suite, root, resume, overwrite, progress, quiet, jobs, echo, executor
        )
    else:
        for exp in suite.experiments:
            res = run_experiment(
                exp, experiment_dir(suite, root, exp.name), resume=resume, overwrite=overwrite,
                progress=progress, quiet=quiet, prefix=f"experiments.{exp.name}.", echo=echo,
                plots=plots,
            )  # fmt: skip
            summaries[exp.name] = res.summary
    atomic_write_json(root / "summary.json", {"name": suite.name, "experiments": summaries})
    if suite.overview is not None and plots:
        write_overview(suite, root)
    return summaries


def write_overview(suite: Suite, root: Path) -> Path | None:
    """Draw the suite's overview figure from its experiments' metrics."""
    from powergames.training.plots import plot_overview
    from powergames.training.rundir import read_metrics

    if suite.overview is None:
        return None
    runs = {}
    for exp in suite.experiments:
        path = experiment_dir(suite, root, exp.name) / "metrics.csv"
        if path.exists():
            _, data = read_metrics(path)
            runs[exp.name] = (data["step"], data)
    if not runs:
        return None
    return plot_overview(suite.overview, runs, root / "overview.png")


class SuiteJob(NamedTuple):
    """One experiment of a suite for a worker (``resume``/``overwrite`` as in :func:`run_suite`)."""

    data: dict[str, Any]
    name: str
    run_dir: str
    resume: bool
    overwrite: bool


def _suite_job(args: SuiteJob) -> dict[str, Any]:
    """Process-pool entry: run one experiment of a suite (top-level for pickling)."""
    from powergames.training.config import build_suite

    data, name, run_dir, resume, overwrite = args
    suite = build_suite(data)
    exp = suite.experiment(name)
    res = run_experiment(
        exp, run_dir, resume=resume, overwrite=overwrite, progress=False, quiet=True,
        prefix=f"experiments.{name}.",
    )  # fmt: skip
    return res.summary


def _run_parallel(
    suite: Suite,
    root: Path,
    resume: bool,
    overwrite: bool,
    progress: bool,
    quiet: bool,
    jobs: int,
    echo: Callable[[str], None],
    executor: Any = None,
) -> dict[str, Any]:
    import concurrent.futures as cf
    import multiprocessing
    import threading

    dirs = {e.name: experiment_dir(suite, root, e.name) for e in suite.experiments}
    total = sum(e.budget for e in suite.experiments)
    bar = Progress(total, 0, suite.name, enabled=progress and not quiet and sys.stderr.isatty())
    stop = threading.Event()

    def poll() -> None:
        done_before = 0
        while not stop.wait(0.5):
            done = 0
            for d in dirs.values():
                try:
                    steps = MetricsTable.load(d / "metrics.csv").steps
                except (OSError, ValueError):
                    steps = []
                done += steps[-1] if steps else 0
            if done > done_before:
                bar.advance(done - done_before)
                done_before = done

    watcher = threading.Thread(target=poll, daemon=True)
    watcher.start()
    summaries: dict[str, Any] = {}
    ctx = multiprocessing.get_context("spawn")
    work = [SuiteJob(suite.raw, n, str(d), resume, overwrite) for n, d in dirs.items()]
    try:
        if executor is not None:
            failures = []
            for job, result in executor.map(_suite_job, work):
                if isinstance(result, BaseException):
                    echo(f"  {job.name}: FAILED ({type(result).__name__}: {result})")
                    failures.append(result)
                else:
                    summaries[job.name] = result
            if failures:
                raise failures[0]
        else:
            with cf.ProcessPoolExecutor(
                max_workers=jobs, mp_context=ctx, initializer=exit_with_parent,
                initargs=(os.getpid(),),
            ) as pool:  # fmt: skip
                futures = {pool.submit(_suite_job, job): job.name for job in work}
                for fut in cf.as_completed(futures):
                    summaries[futures[fut]] = fut.result()
    finally:
        stop.set()
        watcher.join()
        bar.close()
    ordered = {e.name: summaries[e.name] for e in suite.experiments}
    if not quiet:
        for summary in ordered.values():
            echo(final_table(summary))
            echo("")
    return ordered


__all__ = [
    "Agents",
    "FeedOthers",
    "PowerEvaluator",
    "RunLogger",
    "RunResult",
    "Streams",
    "build_agents",
    "build_env",
    "final_table",
    "make_context",
    "run_experiment",
    "run_suite",
]
