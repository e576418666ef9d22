"""From names to objects: the environment, the agent-kind registry, and config name checks.

Agent kinds (the ``kind`` of an ``agents`` entry; ``params`` are the keyword arguments listed):

========================  =======  ==========================================================
kind                      family   what it is
========================  =======  ==========================================================
``uniform``               fixed    every (joint) action equally likely
``pure``                  fixed    always ``action`` (per type with ``per_type: true``)
``mixed``                 fixed    a fixed ``strategy`` (joint for a coalition; per type)
``majority``              fixed    Theorem 1: one uniform action, every member plays it
``copying``               fixed    Theorem 2: sub-coalitions copy ``target``'s current strategy
                                   (:class:`~powergames.agents.copying.OracleCopyingPolicy`)
``empirical_copying``     learner  Theorem 2 copying ``target``'s last ``window`` observed actions
``regret_matching``       learner  regret matching (``plus: true`` for RM+)
``hedge``                 learner  Hedge / Exp3
``fictitious_play``       learner  fictitious play
``best_response``         learner  best-response dynamics
``ppo`` ``a2c`` ``dqn``   sb3      Stable-Baselines3 learners; ``params`` are SB3's arguments
========================  =======  ==========================================================

SB3 learners are driven by :class:`powergames.agents.sb3.MultiAgentSB3`: each entry is an
independent learner (one model; several learn in lockstep), and entries naming the same
``shared`` group are played by one parameter-shared model. ``params.policy`` names the SB3 policy
class (``MlpPolicy`` by default); every other key is the algorithm's keyword argument. A coalition
learner acts in ``Discrete(k**m)`` (its members' joint action), so it can learn correlated joints.
DQN's strategy in evaluations is greedy in its Q-values (ε-exploration is a training device); its
replay buffer is saved with every checkpoint, so ``buffer_size`` defaults to 50,000 transitions here
(SB3's own default is one million); set it in ``params`` to change it.

Classic learners also take ``feedback``: ``sampled`` (learn from the realised reward, the
default) or ``full`` (each step, observe the exact expected payoff of every action against the
others' current strategies — full-information play).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from powergames.training.config import AgentConfig, ConfigError, ExperimentConfig

FloatArray = npt.NDArray[np.float64]


# ------------------------------------------------------------------------------------ environment


def make_env(
    env_id: str, kwargs: Mapping[str, Any], coalitions: Sequence[Sequence[int]] | None = None
) -> Any:
    """``powergames.envs.make(env_id, **kwargs)``; with ``coalitions``, the coalition view
    (one agent per coalition, ``MultiDiscrete`` member actions) of the same game."""
    from powergames.envs import registry
    from powergames.envs.registration import ENV_KWARGS, make, make_game

    spec = registry[env_id]
    if coalitions is None:
        if spec.coalition:
            raise ValueError(
                f"{env_id} is a coalition environment: give agents with several seats instead"
            )
        return make(env_id, **dict(kwargs))
    if spec.coalition:
        return make(env_id, coalitions=[list(c) for c in coalitions], **dict(kwargs))
    from powergames.envs.coalition_view import CoalitionEnv

    env_kwargs = {k: v for k, v in kwargs.items() if k in ENV_KWARGS}
    game = make_game(env_id, **dict(kwargs))
    return CoalitionEnv(game, [list(c) for c in coalitions], name=spec.name, **env_kwargs)


def env_ids() -> list[str]:
    """The registered environment ids."""
    from powergames.envs import registry

    return sorted(registry)


def game_of(env: Any) -> Any:
    """The game object an environment plays."""
    for obj in (env, getattr(env, "unwrapped", None), getattr(env, "env", None)):
        if obj is not None and getattr(obj, "game", None) is not None:
            return obj.game
    raise TypeError(f"{type(env).__name__} does not expose its game (.game)")


def n_types_of(game: Any) -> tuple[int, ...]:
    """Per-player type counts (all 1 without types)."""
    types = getattr(game, "n_types", None)
    n = int(game.n_players)
    if types is None:
        return (1,) * n
    return tuple(int(t) for t in types)


def actions_of(game: Any) -> tuple[int, ...]:
    """Per-player action counts."""
    k = game.n_actions
    if isinstance(k, int | np.integer):
        return (int(k),) * int(game.n_players)
    return tuple(int(x) for x in k)


# ------------------------------------------------------------------------------------ agent kinds


@dataclass
class AgentSpec:
    """Everything an agent factory may need about its seats.

    Attributes:
        index: position in the config's ``agents`` list.
        name: the environment agent name it plays (``player_0`` or a coalition agent).
        seats: the players it controls (increasing).
        n_actions: ``k`` for one seat, the joint shape ``(k,)*m`` for a coalition.
        n_types: the number of types of its (first) player.
        layout: its observation layout.
        label: display name.
        resolve: ``resolve(i)`` returns the built policy of agent ``i`` (``None`` for an SB3
            learner until its model is built).
        all_specs: the specs of every agent of the run.
    """

    index: int
    name: str
    seats: list[int]
    n_actions: int | tuple[int, ...]
    n_types: int
    layout: dict[str, slice] | None
    label: str
    resolve: Callable[[int], Any] = field(repr=False, default=lambda i: None)
    all_specs: list[AgentSpec] = field(repr=False, default_factory=list)


@dataclass
class AgentKind:
    """A registered agent kind.

    Attributes:
        name: the ``kind`` string.
        family: ``"fixed"``, ``"learner"`` (classic, native loop) or ``"sb3"``.
        factory: ``factory(spec, params) -> Policy`` (SB3 kinds: the algorithm class instead).
        params: accepted parameter names (``None``: read from ``signatures``).
        signatures: returns the callables whose keyword parameters are accepted (lazy imports).
        supplied: parameters filled in by the runner (not settable in configs).
        coalition: whether one agent may control several seats.
        doc: one line.
    """

    name: str
    family: str
    factory: Any
    params: frozenset[str] | None = None
    signatures: Callable[[], tuple[Callable[..., Any], ...]] | None = None
    supplied: frozenset[str] = frozenset()
    coalition: bool = True
    doc: str = ""

    def accepted(self) -> set[str]:
        """Parameter names a config may set."""
        if self.params is not None:
            names = set(self.params)
        else:
            names = set()
            for fn in self.signatures() if self.signatures else ():
                for p in inspect.signature(fn).parameters.values():
                    if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name != "self":
                        names.add(p.name)
        if self.family == "learner":
            names.add("feedback")
        return names - set(self.supplied)


def _learner_kind(name: str, cls_path: str, doc: str) -> AgentKind:
    module, _, attr = cls_path.partition(":")

    def factory(spec: AgentSpec, params: dict[str, Any]) -> Any:
        import importlib

        cls = getattr(importlib.import_module(module), attr)
        return cls(spec.n_actions, n_types=spec.n_types, layout=spec.layout, **params)

    def signature_holder() -> tuple[Callable[..., Any], ...]:
        import importlib

        from powergames.agents.learner import Learner

        cls = getattr(importlib.import_module(module), attr)
        return (cls.__init__, Learner.__init__)

    return AgentKind(
        name,
        "learner",
        factory,
        signatures=signature_holder,
        supplied=frozenset({"n_actions", "n_types", "layout"}),
        doc=doc,
    )


def _fixed_uniform(spec: AgentSpec, params: dict[str, Any]) -> Any:
    from powergames.agents.fixed import UniformPolicy

    return UniformPolicy(spec.n_actions)


def _fixed_pure(spec: AgentSpec, params: dict[str, Any]) -> Any:
    from powergames.agents.fixed import PurePolicy

    if "action" not in params:
        raise ConfigError("params.action: required key is missing")
    return PurePolicy(
        params["action"],
        spec.n_actions,
        per_type=bool(params.get("per_type", False)),
        layout=spec.layout,
    )


def _fixed_mixed(spec: AgentSpec, params: dict[str, Any]) -> Any:
    from powergames.agents.fixed import MixedPolicy

    if "strategy" not in params:
        raise ConfigError("params.strategy: required key is missing")
    return MixedPolicy(
        np.asarray(params["strategy"], dtype=np.float64),
        per_type=bool(params.get("per_type", False)),
        layout=spec.layout,
    )


def _fixed_majority(spec: AgentSpec, params: dict[str, Any]) -> Any:
    from powergames.agents.fixed import MajorityPolicy

    k = spec.n_actions[0] if isinstance(spec.n_actions, tuple) else spec.n_actions
    return MajorityPolicy(len(spec.seats), int(k))


def copy_targets(spec: AgentSpec, target: Any) -> list[int]:
    """The agent indices a copying agent copies: ``target`` (an index or a list), or every other
    agent when ``None``.

    Raises:
        ValueError: a target that is not another agent's index.
    """
    if target is None:
        return [s.index for s in spec.all_specs if s.index != spec.index]
    targets = [target] if isinstance(target, int) else list(target)
    for t in targets:
        if (
            isinstance(t, bool)
            or not isinstance(t, int)
            or not 0 <= t < len(spec.all_specs)
            or t == spec.index
        ):
            raise ValueError(f"target must name other agents by index, got {target!r}")
    return targets


def _copying(spec: AgentSpec, params: dict[str, Any]) -> Any:
    """Theorem 2's oracle copier, unbound: the runner binds its targets' policies
    (:meth:`~powergames.agents.copying.OracleCopyingPolicy.set_target`) once they exist."""
    from powergames.agents.copying import OracleCopyingPolicy
    from powergames.theory.coalition_policies import IndependentPolicy
    from powergames.theory.theorem_policies import coalition_copying_policy

    targets = copy_targets(spec, params.get("target"))
    n_opp = sum(len(spec.all_specs[t].seats) for t in targets)
    k_a = spec.n_actions[0] if isinstance(spec.n_actions, tuple) else int(spec.n_actions)
    leftover = params.get("leftover")
    leftover = None if leftover is None else np.asarray(leftover, dtype=np.float64)
    # the sizes (and k, leftover) are known now: check them before any target exists
    coalition_copying_policy(
        IndependentPolicy(n_opp, np.full(k_a, 1.0 / k_a)),
        len(spec.seats),
        params.get("k"),
        leftover,
    )
    return OracleCopyingPolicy(None, len(spec.seats), k=params.get("k"), leftover=leftover)


def _empirical_copying(spec: AgentSpec, params: dict[str, Any]) -> Any:
    from powergames.agents.copying import EmpiricalCopyingPolicy

    targets = copy_targets(spec, params.get("target"))
    seats = sorted(s for t in targets for s in spec.all_specs[t].seats)
    k = spec.n_actions[0] if isinstance(spec.n_actions, tuple) else int(spec.n_actions)
    return EmpiricalCopyingPolicy(
        len(spec.seats),
        len(seats),
        int(k),
        int(params.get("window", 500)),
        k=params.get("k"),
        leftover=params.get("leftover"),
        opponents=seats,
    )


def _sb3_class(name: str) -> Any:
    from powergames.agents.sb3 import resolve_algorithm

    return resolve_algorithm(name)


def _sb3_kind(name: str, cls_name: str, doc: str) -> AgentKind:
    def signature_holder() -> tuple[Callable[..., Any], ...]:
        return (_sb3_class(cls_name).__init__,)

    return AgentKind(
        name,
        "sb3",
        cls_name,
        signatures=signature_holder,
        supplied=frozenset(
            {"env", "seed", "device", "_init_setup_model", "tensorboard_log", "verbose"}
        ),
        doc=doc,
    )


#: kind name → :class:`AgentKind`.
AGENT_KINDS: dict[str, AgentKind] = {
    "uniform": AgentKind("uniform", "fixed", _fixed_uniform, frozenset(), doc="uniform over (joint) actions"),
    "pure": AgentKind("pure", "fixed", _fixed_pure, frozenset({"action", "per_type"}), doc="a fixed pure action"),
    "mixed": AgentKind("mixed", "fixed", _fixed_mixed, frozenset({"strategy", "per_type"}), doc="a fixed mixed strategy"),
    "majority": AgentKind("majority", "fixed", _fixed_majority, frozenset(), doc="Theorem 1 majority policy"),
    "copying": AgentKind(
        "copying", "fixed", _copying, frozenset({"target", "leftover", "k"}),
        doc="Theorem 2 coalition copying of the target's current strategy",
    ),
    "empirical_copying": AgentKind(
        "empirical_copying", "fixed", _empirical_copying,
        frozenset({"target", "leftover", "k", "window"}),
        doc="Theorem 2 copying of the target's last `window` observed joint actions",
    ),
    "regret_matching": _learner_kind(
        "regret_matching", "powergames.agents.regret_matching:RegretMatching", "regret matching (RM+)"
    ),
    "hedge": _learner_kind("hedge", "powergames.agents.hedge:Hedge", "Hedge / Exp3"),
    "fictitious_play": _learner_kind(
        "fictitious_play", "powergames.agents.fictitious_play:FictitiousPlay", "fictitious play"
    ),
    "best_response": _learner_kind(
        "best_response", "powergames.agents.best_response:BestResponseDynamics", "best-response dynamics"
    ),
    "ppo": _sb3_kind("ppo", "PPO", "Stable-Baselines3 PPO"),
    "a2c": _sb3_kind("a2c", "A2C", "Stable-Baselines3 A2C"),
    "dqn": _sb3_kind("dqn", "DQN", "Stable-Baselines3 DQN (greedy strategy in evaluations)"),
}  # fmt: skip


def agent_kind(name: str, where: str = "kind") -> AgentKind:
    """The registered kind called ``name``.

    Raises:
        ConfigError: naming ``where`` and listing the known kinds.
    """
    kind = AGENT_KINDS.get(name)
    if kind is None:
        raise ConfigError(f"{where}: unknown agent kind {name!r} (known: {', '.join(AGENT_KINDS)})")
    return kind


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
            f"{prefix}env.id: unknown environment {exp.env.id!r} (registered: {', '.join(known)})"
        )
    groups: dict[str, int] = {}  # shared group -> its first agent
    for i, agent in enumerate(exp.agents):
        where = f"{prefix}agents[{i}]"
        kind = agent_kind(agent.kind, f"{where}.kind")
        accepted = kind.accepted()
        for key in agent.params:
            if key not in accepted:
                raise ConfigError(
                    f"{where}.params.{key}: unknown parameter of {agent.kind!r} "
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


def _sb3_default(kind: AgentKind, param: str) -> Any:
    sig = inspect.signature(_sb3_class(kind.factory).__init__)
    p = sig.parameters.get(param)
    return None if p is None else p.default


def check_sb3_value(kind: AgentKind, key: str, value: Any, where: str) -> None:
    """Reject a value whose type cannot fit the SB3 argument: a number where the algorithm's
    default is a number, ``true``/``false`` where it is a boolean (the rest SB3 checks itself).

    Raises:
        ConfigError: naming ``where``.
    """
    if key in ("n_steps", "train_freq"):  # rollout_length checks these (train_freq may be a pair)
        return
    default = _sb3_default(kind, key)
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true or false, got {value!r}")
    elif isinstance(default, int | float) and (
        isinstance(value, bool) or not isinstance(value, int | float)
    ):
        raise ConfigError(f"{where}: expected a number, got {value!r}")


def rollout_length(kind: AgentKind, params: Mapping[str, Any], where: str) -> tuple[str, int]:
    """The environment rounds of one SB3 rollout: ``n_steps`` (on-policy) or ``train_freq``
    (off-policy, in steps), with the parameter's name.

    Raises:
        ConfigError: a non-positive length, or an off-policy ``train_freq`` counted in episodes
            (rollout boundaries must fall on fixed steps for evaluations and checkpoints).
    """
    from stable_baselines3.common.on_policy_algorithm import OnPolicyAlgorithm

    on_policy = issubclass(_sb3_class(kind.factory), OnPolicyAlgorithm)
    key = "n_steps" if on_policy else "train_freq"
    value = params.get(key, _sb3_default(kind, key))
    if isinstance(value, list | tuple):
        if len(value) != 2 or str(value[1]) != "step":
            raise ConfigError(
                f"{where}.{key}: give the rollout length in steps (an integer or [n, step]); "
                f"got {value!r}"
            )
        value = value[0]
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{where}.{key}: expected a positive integer, got {value!r}")
    return key, int(value)


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


def agent_label(agent: AgentConfig) -> str:
    """The display name of an agent."""
    if agent.name:
        return agent.name
    seats = ",".join(map(str, agent.seats))
    return f"{agent.kind}[{seats}]"
