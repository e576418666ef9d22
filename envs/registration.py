"""Environment ids → constructors; every environment is built from plain (JSON-able) keyword arguments.

::

    from powergames.envs import make
    env = make("powergames/majority-v0", n_players=5, n_actions=3, max_cycles=10)

``make`` returns the PettingZoo ``ParallelEnv``; :func:`make_aec` the AEC form (standard
``parallel_to_aec`` conversion); :func:`make_single_agent` the Gymnasium view of one seat. Each id is
also registered with ``gymnasium.register`` (as its single-agent view), so after
``import powergames.envs`` ``gymnasium.make("powergames/majority-v0", seat="player_0")`` works,
and without the import ``gymnasium.make("powergames.envs:powergames/majority-v0", …)`` (Gymnasium's
``module:id`` form imports the module first; Gymnasium 1.0 removed the plugin entry points that
registered a package's ids on ``import gymnasium``, so that form is the import-free way);
:func:`env_module` gives the ``env()`` / ``parallel_env()`` / ``raw_env()`` module interface
PettingZoo's test utilities expect.

Keyword arguments common to every game id: ``max_cycles`` (rounds, default 1), ``history``
(``"auto"``/``"none"``/``"actions"``/``"counts"``), ``render_mode`` (``None``/``"ansi"``/``"human"``)
and ``agent_indicator`` (``None``: automatic, see :class:`~powergames.envs.game_env.GameEnv`);
coalition ids also take ``coalitions`` (a list of lists of player indices).

An id is built one of two ways (:class:`EnvSpec`): from a *game factory*, wrapped in
:class:`~powergames.envs.game_env.GameEnv` (or :class:`~powergames.envs.coalition_view.CoalitionEnv`),
or from an *env factory* that builds the ``ParallelEnv`` itself from its keyword arguments, e.g.
``"powergames/population-bargaining-v0"`` →
:class:`~powergames.envs.population_bargaining.PopulationBargainingEnv` (which takes ``max_cycles``
and ``render_mode`` but no ``history``, and has no game object for :func:`make_game`), or ``"powergames/resource-grid-v0"`` →
:class:`~powergames.envs.gridworld.ResourceGridEnv` (``layout`` a list of row strings).
"""

from __future__ import annotations

import functools
import inspect
import types
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import gymnasium
from pettingzoo import ParallelEnv
from pettingzoo.utils.conversions import parallel_to_aec

from powergames.envs.coalition_view import CoalitionEnv
from powergames.envs.game_env import GameEnv
from powergames.envs.game_factories import (
    any_game,
    bayesian,
    majority,
    normal_form_game,
    symmetric_unit_sum,
    unit_sum,
)
from powergames.envs.gridworld import ResourceGridEnv
from powergames.envs.population_bargaining import PopulationBargainingEnv
from powergames.envs.single_agent import SingleAgentEnv
from powergames.envs.stochastic_env import stochastic_env
from powergames.games.base import Game

__all__ = [
    "EnvSpec",
    "env_module",
    "make",
    "make_aec",
    "make_game",
    "make_single_agent",
    "register",
    "registry",
]

#: The keyword arguments every environment accepts (beyond its game's).
ENV_KWARGS = ("max_cycles", "history", "render_mode", "agent_indicator")


@dataclass(frozen=True)
class EnvSpec:
    """One registered environment.

    Attributes:
        id: ``"powergames/<name>-v<version>"``.
        game_factory: ``game_factory(**game_kwargs) -> game`` (JSON-able kwargs), wrapped in a
            :class:`GameEnv` / :class:`CoalitionEnv`; ``None`` for an env-factory id.
        coalition: whether the environment is a :class:`CoalitionEnv`.
        defaults: default keyword arguments (game and environment ones).
        description: one line for listings.
        env_factory: ``env_factory(**kwargs) -> ParallelEnv`` (JSON-able kwargs, e.g. an
            environment class) for ids not built from a game; exactly one of ``game_factory``
            and ``env_factory`` is given.

    Raises:
        ValueError: neither or both factories, or ``coalition`` with an ``env_factory``.
    """

    id: str
    game_factory: Callable[..., Game] | None
    coalition: bool = False
    defaults: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""
    env_factory: Callable[..., ParallelEnv] | None = None

    def __post_init__(self) -> None:
        if (self.game_factory is None) == (self.env_factory is None):
            raise ValueError(
                f"{self.id}: give exactly one of game_factory and env_factory, got "
                f"{'both' if self.game_factory is not None else 'neither'}"
            )
        if self.coalition and self.env_factory is not None:
            raise ValueError(
                f"{self.id}: coalition=True needs a game_factory (the coalition view wraps a game)"
            )

    @property
    def name(self) -> str:
        """``metadata["name"]``: the id without namespace, e.g. ``"majority_v0"``."""
        return self.id.split("/", 1)[-1].replace("-", "_")

    @property
    def has_game(self) -> bool:
        """Whether the id is built from a game (a :class:`GameEnv`/:class:`CoalitionEnv` whose
        ``.game`` :func:`make_game` returns) rather than by an ``env_factory``."""
        return self.game_factory is not None

    def make(self, **kwargs: Any) -> ParallelEnv:
        """Build the ``ParallelEnv`` from keyword arguments (defaults filled in).

        An env-factory id gets every keyword argument; its instance's ``metadata["name"]`` is set
        to :attr:`name`, as for game ids.
        """
        merged = {**self.defaults, **kwargs}
        if self.env_factory is not None:
            if "coalitions" in merged:
                raise ValueError(f"{self.id} does not take 'coalitions'")
            env = self._call(self.env_factory, merged)
            env.metadata = {**env.metadata, "name": self.name}
            return env
        env_kwargs = {k: merged.pop(k) for k in ENV_KWARGS if k in merged}
        coalitions = merged.pop("coalitions", None)
        if coalitions is not None and not self.coalition:
            raise ValueError(
                f"{self.id} does not take 'coalitions'; use a coalition id such as "
                "'powergames/coalitions-v0'"
            )
        assert self.game_factory is not None  # __post_init__: exactly one factory
        game = self._call(self.game_factory, merged)
        if self.coalition:
            return CoalitionEnv(game, coalitions=coalitions, name=self.name, **env_kwargs)
        return GameEnv(game, name=self.name, **env_kwargs)

    def _call(self, factory: Callable[..., Any], kwargs: Mapping[str, Any]) -> Any:
        """``factory(**kwargs)``; keyword arguments it does not take are a ``ValueError`` naming
        them (checked on its signature first, so a ``TypeError`` of its own checks passes as is)."""
        try:
            inspect.signature(factory).bind(**kwargs)
        except TypeError as exc:
            raise ValueError(f"bad arguments for {self.id}: {exc}") from None
        return factory(**kwargs)


class _Registry(Mapping[str, EnvSpec]):
    """``env id → EnvSpec`` (read-only mapping; add entries with :func:`register`)."""

    def __init__(self) -> None:
        self._specs: dict[str, EnvSpec] = {}

    def __getitem__(self, env_id: str) -> EnvSpec:
        try:
            return self._specs[env_id]
        except KeyError:
            raise KeyError(
                f"unknown environment {env_id!r}; registered: {', '.join(sorted(self._specs))}"
            ) from None

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._specs))

    def __len__(self) -> int:
        return len(self._specs)

    def __repr__(self) -> str:
        return f"registry({sorted(self._specs)})"


#: Every registered environment id.
registry = _Registry()


def register(
    env_id: str,
    game_factory: Callable[..., Game] | None = None,
    *,
    coalition: bool = False,
    defaults: Mapping[str, Any] | None = None,
    description: str = "",
    gymnasium_id: bool = True,
    env_factory: Callable[..., ParallelEnv] | None = None,
) -> EnvSpec:
    """Register an environment id (and, with ``gymnasium_id``, its single-agent view in Gymnasium).

    Give a ``game_factory`` (the id wraps the game in a :class:`GameEnv`/:class:`CoalitionEnv`) or
    an ``env_factory`` (the id is that ``ParallelEnv``); see :class:`EnvSpec`.

    Raises:
        ValueError: the id is taken or malformed, or the factories are not exactly one.
    """
    if not isinstance(env_id, str) or "/" not in env_id or not env_id.rsplit("-v", 1)[-1].isdigit():
        raise ValueError(f"env ids look like 'namespace/name-v0', got {env_id!r}")
    if env_id in registry._specs:
        raise ValueError(f"environment {env_id!r} is already registered")
    spec = EnvSpec(
        env_id, game_factory, coalition, dict(defaults or {}), description, env_factory=env_factory
    )
    registry._specs[env_id] = spec
    if gymnasium_id and env_id not in gymnasium.registry:
        gymnasium.register(
            id=env_id,
            entry_point="powergames.envs.registration:make_single_agent",
            kwargs={"env_id": env_id},
            disable_env_checker=False,
        )
    return spec


def _spec(env_id: str) -> EnvSpec:
    if not isinstance(env_id, str):
        raise TypeError(f"env_id must be a string, got {type(env_id).__name__}")
    try:
        return registry[env_id]
    except KeyError as exc:
        raise ValueError(exc.args[0]) from None


def make(env_id: str, **kwargs: Any) -> ParallelEnv:
    """The PettingZoo ``ParallelEnv`` registered as ``env_id``, built from plain keyword arguments.

    Raises:
        ValueError: an unknown id (the message lists the known ones) or bad arguments.
    """
    return _spec(env_id).make(**kwargs)


def make_aec(env_id: str, **kwargs: Any) -> Any:
    """The AEC form of :func:`make` (PettingZoo's ``parallel_to_aec``)."""
    return parallel_to_aec(make(env_id, **kwargs))


def make_single_agent(
    env_id: str,
    seat: str | int = 0,
    opponents: Mapping[str, Any] | None = None,
    **kwargs: Any,
) -> SingleAgentEnv:
    """The single-agent view of a registered environment (the ``gymnasium.make`` entry point).

    Args:
        env_id: a registered id, e.g. ``"powergames/majority-v0"``.
        seat: the learner's agent name or index.
        opponents: ``{agent: spec}`` for the other seats (see
            :class:`~powergames.envs.single_agent.SingleAgentEnv`).
        **kwargs: the environment's keyword arguments (``max_cycles``, game parameters, …).
    """
    return SingleAgentEnv(make(env_id, **kwargs), seat=seat, opponents=opponents)


def make_game(env_id: str, **kwargs: Any) -> Game:
    """Only the game object an id builds (environment keyword arguments are ignored).

    Raises:
        ValueError: an unknown id, or an env-factory id (it has no game; see ``EnvSpec.has_game``).
    """
    spec = _spec(env_id)
    if spec.game_factory is None:
        factory = getattr(spec.env_factory, "__name__", repr(spec.env_factory))
        raise ValueError(
            f"{env_id} is built by the environment factory {factory}, not from a game, so it has "
            "no game object; use make() for the environment"
        )
    merged = {**spec.defaults, **kwargs}
    for key in (*ENV_KWARGS, "coalitions"):
        merged.pop(key, None)
    return spec.game_factory(**merged)


def env_module(env_id: str, **kwargs: Any) -> types.SimpleNamespace:
    """A PettingZoo-style module for ``env_id``: ``env()``, ``parallel_env()`` and ``raw_env()``.

    PettingZoo's ``max_cycles_test(mod)`` calls ``mod.parallel_env(max_cycles=…)`` and
    ``mod.env(max_cycles=…)``; ``kwargs`` are fixed defaults for every call.
    """
    _spec(env_id)
    parallel = functools.partial(make, env_id, **kwargs)
    aec = functools.partial(make_aec, env_id, **kwargs)
    return types.SimpleNamespace(env=aec, raw_env=aec, parallel_env=parallel, env_id=env_id)


# ============================================================================ the ids
def _register_builtin() -> None:
    register(
        "powergames/normal-form-v0",
        normal_form_game,
        description="a named normal-form game of the library, a game file, or explicit payoffs",
    )
    register(
        "powergames/game-v0",
        any_game,
        description="any named game of the library or game file (every family)",
    )
    for name in ("matching_pennies", "prisoners_dilemma", "rock_paper_scissors"):
        register(
            f"powergames/{name.replace('_', '-')}-v0",
            functools.partial(normal_form_game, name),
            description=f"{name.replace('_', ' ')} (MATH.md §3)",
        )
    register(
        "powergames/unit-sum-v0",
        unit_sum,
        description="a dense unit-sum game with hidden state X (explicit, file, or random)",
    )
    register(
        "powergames/majority-v0",
        majority,
        description="the majority game of Theorem 1 (n_players, n_actions)",
    )
    register(
        "powergames/symmetric-unit-sum-v0",
        symmetric_unit_sum,
        description="a random symmetric unit-sum game (n_players, n_actions, n_states, seed)",
    )
    register(
        "powergames/majority-coalitions-v0",
        majority,
        coalition=True,
        description="coalition view of the majority game (default: majority vs the rest)",
    )
    register(
        "powergames/symmetric-unit-sum-coalitions-v0",
        symmetric_unit_sum,
        coalition=True,
        description="coalition view of a random symmetric unit-sum game",
    )
    register(
        "powergames/coalitions-v0",
        any_game,
        coalition=True,
        defaults={"game": "majority", "game_kwargs": {"n_players": 3, "n_actions": 3}},
        description="coalition view of any named game or game file (coalitions=[[...], ...])",
    )
    register(
        "powergames/bayesian-v0",
        bayesian,
        description="a Bayesian game: types drawn every round, each agent sees its own",
    )
    register(
        "powergames/population-bargaining-v0",
        env_factory=PopulationBargainingEnv,
        description=(
            "population bargaining with locality matching (n_agents, f_v, locality, settlement, "
            "disagreement, f_c_given_v, f_c_given_not_v, composition; MATH.md §4)"
        ),
    )
    register(
        "powergames/population-dispositions-v0",
        env_factory=PopulationBargainingEnv,
        defaults={
            "f_c_given_v": 0.6,
            "f_c_given_not_v": 0.3,
            "locality": 0.5,
            "composition": "iid",
        },
        description=(
            "population bargaining in which every agent also has a cooperative disposition C/¬C "
            "(drawn at reset with F_C|V, F_C|¬V, shown in its observation): the setting whose "
            "settlement rate grounds b (MATH.md §4)"
        ),
    )
    register(
        "powergames/stochastic-v0",
        env_factory=stochastic_env,
        description=(
            "a random Bayesian stochastic game (n_states, n_players, "
            "n_actions, n_types, kind, constant, discount/horizon, seed; MATH.md §5)"
        ),
    )
    register(
        "powergames/resource-grid-v0",
        env_factory=ResourceGridEnv,
        description=(
            "the resource gridworld: n_agents on a torus (or walled grid) collecting the kind a "
            "hidden X makes valuable, egocentric windows (layout, n_agents, view_radius, wrap, "
            "x_prior, max_cycles; MATH.md §5)"
        ),
    )


_register_builtin()
