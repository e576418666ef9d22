"""From a configuration to objects: the environment, the agents, the evaluators — one :class:`Run`.

:func:`build_run` is the public way to turn a validated :class:`~powergames.training.config.ExperimentConfig`
into everything a driver needs (the drivers in :mod:`powergames.training.native` and
:mod:`powergames.training.sb3_driver` then play it); :func:`load_suite` reads a config file and
resolves its names against the registries (:func:`check_names`), so that a bad environment id,
agent kind, parameter or seat is reported before anything is written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gymnasium
import numpy as np

from powergames.envs import registry
from powergames.envs.coalition_view import CoalitionEnv
from powergames.envs.probes import game_of
from powergames.envs.registration import ENV_KWARGS, make, make_game
from powergames.games.base import Game
from powergames.games.checks import did_you_mean
from powergames.training.config import ConfigError, ExperimentConfig, Suite, load_config
from powergames.training.evaluators import (
    EVALUATOR_CLASSES,
    EvalContext,
    Evaluator,
    SharesEvaluator,
    run_evaluators,
)
from powergames.training.kinds import (
    AgentSpec,
    agent_kind,
    agent_label,
    check_sb3_value,
    copy_targets,
    rollout_length,
)
from powergames.training.logging import Progress, RunLogger
from powergames.training.roster import Agents, make_context
from powergames.training.rundir import Checkpoint, MetricsTable, RunDir
from powergames.training.stochastic_evaluation import is_stochastic

#: Tag mixed into the evaluation generators' seeds (independent of training's streams).
EVAL_SEED_TAG = 0xE7A1

#: Agent kinds that play a theorem's policy: their guarantee lines are reported.
THEOREM_OF_KIND = {"majority": "thm1", "copying": "thm2", "empirical_copying": "thm2"}


# ------------------------------------------------------------------------------------ environment


def make_env(
    env_id: str, kwargs: Mapping[str, Any], coalitions: Sequence[Sequence[int]] | None = None
) -> Any:
    """``powergames.envs.make(env_id, **kwargs)``; with ``coalitions``, the coalition view
    (one agent per coalition, ``MultiDiscrete`` member actions) of the same game."""
    spec = registry[env_id]
    if coalitions is None:
        if spec.coalition:
            raise ValueError(
                f"{env_id} is a coalition environment: give agents with several seats instead"
            )
        return make(env_id, **dict(kwargs))
    if spec.coalition:
        return make(env_id, coalitions=[list(c) for c in coalitions], **dict(kwargs))
    env_kwargs = {k: v for k, v in kwargs.items() if k in ENV_KWARGS}
    game = make_game(env_id, **dict(kwargs))
    return CoalitionEnv(game, [list(c) for c in coalitions], name=spec.name, **env_kwargs)


def env_ids() -> list[str]:
    """The registered environment ids."""
    return sorted(registry)


# ---------------------------------------------------------------------------------------- checks


def check_experiment(exp: ExperimentConfig, prefix: str = "") -> None:
    """Check names and structure that the schema cannot: env id, agent kinds and parameters,
    seats forming a partition of the players, SB3 constraints.

    Raises:
        ConfigError: one line naming the offending key.
    """
    known = env_ids()
    if exp.env.id not in known:
        raise ConfigError(
            f"{prefix}env.id: unknown environment {exp.env.id!r}{did_you_mean(exp.env.id, known)} "
            f"(registered: {', '.join(known)})"
        )
    groups: dict[str, int] = {}  # shared group -> its first agent
    for i, agent in enumerate(exp.agents):
        where = f"{prefix}agents[{i}]"
        kind = agent_kind(agent.kind, f"{where}.kind")
        accepted = kind.accepted()
        for key in agent.params:
            if key not in accepted:
                raise ConfigError(
                    f"{where}.params.{key}: unknown parameter of {agent.kind!r}{did_you_mean(key, accepted)} "
                    f"(accepted: {', '.join(sorted(accepted)) or 'none'})"
                )
        if kind.family == "sb3":
            for key, value in agent.params.items():
                check_sb3_value(kind, key, value, f"{where}.params.{key}")
        if kind.family == "learner" and agent.params.get("feedback", "sampled") not in (
            "sampled",
            "full",
        ):
            raise ConfigError(
                f"{where}.params.feedback: must be 'sampled' or 'full', got {agent.params['feedback']!r}"
            )
        if agent.shared is not None and kind.family != "sb3":
            raise ConfigError(
                f"{where}.shared: parameter sharing is for SB3 learners only, not {agent.kind!r}"
            )
        params = agent.params
        if agent.shared is not None and agent.shared in groups:
            first = groups[agent.shared]
            ref = exp.agents[first]
            if agent.kind != ref.kind:
                raise ConfigError(
                    f"{where}.kind: agents sharing the model {agent.shared!r} need one kind; "
                    f"agents[{first}] is {ref.kind!r}, got {agent.kind!r}"
                )
            if params and params != ref.params:
                raise ConfigError(
                    f"{where}.params: agents sharing the model {agent.shared!r} take their params "
                    f"from agents[{first}]; leave them empty or repeat them exactly"
                )
            params = ref.params
        elif agent.shared is not None:
            groups[agent.shared] = i
        if kind.family == "sb3":
            key, length = rollout_length(kind, params, f"{where}.params")
            if exp.eval.every % length:
                raise ConfigError(
                    f"{prefix}eval.every: must be a multiple of agents[{i}].params.{key} = {length} "
                    f"(SB3 learners evaluate and checkpoint at rollout boundaries), got {exp.eval.every}"
                )
        if len(set(agent.seats)) != len(agent.seats) or any(s < 0 for s in agent.seats):
            raise ConfigError(
                f"{where}.seats: seats must be distinct non-negative integers, got {agent.seats}"
            )
        if (
            kind.family == "sb3"
            and agent.params.get("policy") is not None
            and not isinstance(agent.params["policy"], str)
        ):
            raise ConfigError(f"{where}.params.policy: expected a policy name like MlpPolicy")
    seats = sorted(s for a in exp.agents for s in a.seats)
    if len(seats) != len(set(seats)):
        dup = next(s for s in seats if seats.count(s) > 1)
        raise ConfigError(f"{prefix}agents: seat {dup} is controlled by two agents")
    if exp.budget % exp.eval.every:
        raise ConfigError(
            f"{prefix}budget: must be a multiple of eval.every = {exp.eval.every}, got {exp.budget}"
        )


def check_seats(exp: ExperimentConfig, n_players: int, prefix: str = "") -> None:
    """Check that the agents' seats partition ``range(n_players)`` (needs the built env)."""
    for i, agent in enumerate(exp.agents):
        extra = sorted(s for s in agent.seats if s >= n_players)
        if extra:
            raise ConfigError(
                f"{prefix}agents[{i}].seats: the game has players 0..{n_players - 1}; "
                f"seats {extra} do not exist"
            )
    seats = sorted(s for a in exp.agents for s in a.seats)
    if seats != list(range(n_players)):
        missing = sorted(set(range(n_players)) - set(seats))
        raise ConfigError(
            f"{prefix}agents: the seats must cover players 0..{n_players - 1}: "
            f"players {missing} have no agent"
        )


# ---------------------------------------------------------------------------------- building


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
    game = game_of(env)
    markov = is_stochastic(game)
    if markov:  # Markov learners: one strategy per (type, state), read from the "markov" block
        sg: Any = game
        ks = tuple(sg.n_actions)
        types = tuple(t * sg.n_states for t in getattr(sg, "n_types", (1,) * sg.n_players))
    else:
        ks = game.action_sizes
        types = game.type_sizes
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
        if markov:
            if layout is None or "markov" not in layout:
                raise ConfigError(
                    f"{prefix}env.kwargs: Markov learners need one-hot observations with finite "
                    "types (observation: onehot)"
                )
            layout = {**layout, "type": layout["markov"]}
        specs.append(AgentSpec(i, name, list(seats), n_actions, n_types, layout, agent_label(cfg)))
    policies: list[Any] = [None] * len(specs)
    families: list[str] = []
    feedback: list[str] = []
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
    exp: ExperimentConfig, game: Game, coalitions: Sequence[Sequence[int]]
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


# ---------------------------------------------------------------------------------- the run


@dataclass
class Run:
    """Everything a driver needs to play one experiment, built by :func:`build_run`.

    The drivers (:func:`powergames.training.native.run_native`,
    :func:`powergames.training.sb3_driver.run_sb3`) read it and replace ``env`` and ``agents`` by
    the restored ones when they resume; :func:`powergames.training.experiment.run_experiment`
    attaches the logger, the progress bar and the checkpoint to resume from.

    Attributes:
        exp: the validated experiment.
        run_dir: its run directory.
        prefix: config path prefix for error messages (``experiments.<name>.``).
        streams: the random streams derived from the seed.
        env: the PettingZoo environment (its coalition view when an agent holds several seats).
        game: the game it plays.
        coalitions: one list of seats per agent, in config order.
        agents: the agents (SB3 learners' places filled by the SB3 driver).
        evaluators: the evaluators that apply to the game.
        notes: why the other requested evaluators were skipped.
        logger: where evaluations are recorded (``metrics.csv`` and the other writers).
        progress: the progress bar over environment steps.
        resume_from: the published checkpoint to continue from, or ``None`` for a fresh run.
        table: the rows of ``metrics.csv`` (what the checkpoints count).
    """

    exp: ExperimentConfig
    run_dir: RunDir
    prefix: str
    streams: Streams
    env: Any
    game: Game
    coalitions: list[list[int]]
    agents: Agents
    evaluators: list[Evaluator]
    notes: list[str]
    logger: RunLogger | None = None
    progress: Progress = field(default_factory=lambda: Progress(0, 0, "", enabled=False))
    resume_from: Checkpoint | None = None
    table: MetricsTable = field(default_factory=lambda: MetricsTable("metrics.csv"))

    def context(self, step: int) -> EvalContext:
        """The evaluation context of the agents' current strategies at ``step``."""
        return make_context(
            self.agents, self.env, self.game, self.coalitions, self.streams.eval_rng(step)
        )

    def evaluate(self, step: int) -> dict[str, float]:
        """Run the evaluators now and record their metrics as the row of ``step``."""
        assert self.logger is not None, "run_experiment attaches the logger"
        metrics = run_evaluators(self.evaluators, self.context(step))
        for key, value in metrics.items():
            self.logger.record(f"eval/{key}", value)
        self.logger.dump(step)
        return metrics


def build_run(exp: ExperimentConfig, run_dir: str | Path, prefix: str = "") -> Run:
    """Build the environment, the agents (SB3 learners excepted) and the evaluators of ``exp``.

    Nothing is written. This is the entry point for code that plays an experiment with its own
    loop (e.g. seats played by remote agents): build, then drive ``run.env`` with
    ``run.agents`` and read ``run.context(step)``.

    Raises:
        ConfigError: a bad environment argument, seat or agent parameter, naming its key.
    """
    streams = Streams.from_seed(exp.seed)
    env, coalitions = build_env(exp, prefix)
    game = game_of(env)
    agents = build_agents(exp, env, prefix)
    evaluators, notes = build_evaluators(exp, game, coalitions)
    return Run(
        exp, RunDir(run_dir), prefix, streams, env, game, coalitions, agents, evaluators, notes
    )


def check_names(suite: Suite) -> None:
    """Resolve every environment id, agent kind and parameter name against the registries, and
    build each experiment's environment and agents once to check their arguments.

    Raises:
        ConfigError: naming the offending key, e.g. ``experiments.a.agents[1].kind``.
    """
    for exp in suite.experiments:
        prefix = "" if suite.single else f"experiments.{exp.name}."
        check_experiment(exp, prefix)
        # build the environment and the non-SB3 agents now, so that a bad env argument, seat or
        # agent parameter is reported before anything is written (they are cheap to build)
        env, _ = build_env(exp, prefix)
        build_agents(exp, env, prefix)


def load_suite(path: str | Path, overrides: Sequence[str] = ()) -> Suite:
    """Load an experiment file (:func:`~powergames.training.config.load_config`) and resolve its
    names against the registries (:func:`check_names`).

    Raises:
        ConfigError: a one-line message naming the offending key.
        FileNotFoundError: ``path`` does not exist.
    """
    suite = load_config(path, overrides)
    check_names(suite)
    return suite
