"""The agent kinds: what ``kind:`` names in a config, the factories that build them, their parameters.

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
``callable``              fixed    the user's function ``target: "module:function"`` with its
                                   exact strategy ``strategy: "module:function"``
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

A ``callable`` agent is the user's own: ``target`` names (as ``"module:function"``) a function
``fn(observation, rng) -> action`` (or ``fn(observation) -> action``), imported when the run is
built. It declares its exact strategy with ``strategy: "module:function"`` (a function
``observation -> distribution`` over its (joint) actions), which the evaluators read; since every
evaluation reads each agent's exact strategy, a callable agent without one is refused when the run
is built (before anything is written). It is stateless (it draws only from the ``rng`` the run
passes it), so checkpoints and ``--resume`` reproduce it exactly; a learning agent of one's own is
registered with :func:`register_agent_kind` (family ``"learner"``).

Classic learners also take ``feedback``: ``sampled`` (learn from the realised reward, the
default) or ``full`` (each step, observe the exact expected payoff of every action against the
others' current strategies — full-information play).
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from powergames.agents.copying import EmpiricalCopyingPolicy, OracleCopyingPolicy
from powergames.agents.fixed import MajorityPolicy, MixedPolicy, PurePolicy, UniformPolicy
from powergames.agents.learner import Learner
from powergames.games.checks import did_you_mean
from powergames.theory.coalition_policies import IndependentPolicy
from powergames.theory.theorem_policies import coalition_copying_policy
from powergames.training.config import AgentConfig, ConfigError

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
        cls = getattr(importlib.import_module(module), attr)
        return cls(spec.n_actions, n_types=spec.n_types, layout=spec.layout, **params)

    def signature_holder() -> tuple[Callable[..., Any], ...]:
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
    return UniformPolicy(spec.n_actions)


def _fixed_pure(spec: AgentSpec, params: dict[str, Any]) -> Any:
    if "action" not in params:
        raise ConfigError("params.action: required key is missing")
    return PurePolicy(
        params["action"],
        spec.n_actions,
        per_type=bool(params.get("per_type", False)),
        layout=spec.layout,
    )


def _fixed_mixed(spec: AgentSpec, params: dict[str, Any]) -> Any:
    if "strategy" not in params:
        raise ConfigError("params.strategy: required key is missing")
    return MixedPolicy(
        np.asarray(params["strategy"], dtype=np.float64),
        per_type=bool(params.get("per_type", False)),
        layout=spec.layout,
    )


def _fixed_majority(spec: AgentSpec, params: dict[str, Any]) -> Any:
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


def import_target(path: Any, where: str) -> Callable[..., Any]:
    """The callable named by ``"module:function"`` (``function`` may be dotted: ``Class.method``).

    Raises:
        ConfigError: naming ``where``: not a ``"module:function"`` string, a module that cannot be
            imported, a missing attribute (with the module's close names) or a non-callable.
    """
    if not isinstance(path, str) or path.count(":") != 1 or not all(path.split(":")):
        raise ConfigError(f'{where}: expected "module:function", got {path!r}')
    module_name, attr = path.split(":")
    try:
        obj: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(f"{where}: cannot import module {module_name!r} ({exc})") from exc
    for part in attr.split("."):
        if not hasattr(obj, part):
            hint = did_you_mean(part, [n for n in dir(obj) if not n.startswith("_")])
            raise ConfigError(f"{where}: {module_name!r} has no attribute {attr!r}{hint}")
        obj = getattr(obj, part)
    if not callable(obj):
        raise ConfigError(f"{where}: {path!r} is not callable (got {type(obj).__name__})")
    return obj


def _callable_agent(spec: AgentSpec, params: dict[str, Any]) -> Any:
    """The user's function as a stateless policy (:class:`~powergames.agents.policy.CallablePolicy`)."""
    from powergames.agents.policy import CallablePolicy

    if "target" not in params:
        raise ConfigError('params.target: required key is missing (give "module:function")')
    fn = import_target(params["target"], "params.target")
    if "strategy" not in params:
        raise ConfigError(
            "params.strategy: required key is missing: every evaluation reads each agent's exact "
            'strategy, so a callable agent names one ("module:function", observation -> '
            "distribution over its actions)"
        )
    strategy_fn = import_target(params["strategy"], "params.strategy")
    return CallablePolicy(fn, strategy_fn=strategy_fn)


def _sb3_class(name: str) -> Any:
    # imported on use: building an SB3 class loads torch, which the native kinds never need
    from powergames.agents.sb3.algorithms import resolve_algorithm

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
    "callable": AgentKind(
        "callable", "fixed", _callable_agent, frozenset({"target", "strategy"}),
        doc="the user's function target: 'module:function' and its exact strategy: 'module:function'",
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
        raise ConfigError(
            f"{where}: unknown agent kind {name!r}{did_you_mean(name, AGENT_KINDS)} "
            f"(known: {', '.join(AGENT_KINDS)})"
        )
    return kind


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


def agent_label(agent: AgentConfig) -> str:
    """The display name of an agent."""
    if agent.name:
        return agent.name
    seats = ",".join(map(str, agent.seats))
    return f"{agent.kind}[{seats}]"


def register_agent_kind(kind: AgentKind, *, replace: bool = False) -> None:
    """Make ``kind`` available to configs as ``kind: <kind.name>`` (e.g. a remote seat).

    Args:
        kind: the kind; its ``factory(spec, params)`` returns a Policy (family ``"fixed"`` or
            ``"learner"``; SB3 kinds are the built-in ones).
        replace: allow replacing a registered kind of the same name.

    Raises:
        TypeError: ``kind`` is not an :class:`AgentKind`.
        ValueError: the name is taken (without ``replace``) or the family is not native.
    """
    if not isinstance(kind, AgentKind):
        raise TypeError(f"kind must be an AgentKind, got {type(kind).__name__}")
    if kind.family not in ("fixed", "learner"):
        raise ValueError(f"kind.family must be 'fixed' or 'learner', got {kind.family!r}")
    if kind.name in AGENT_KINDS and not replace:
        raise ValueError(f"agent kind {kind.name!r} is already registered (pass replace=True)")
    AGENT_KINDS[kind.name] = kind
