"""The run's agents in config order: their specs and policies, their exact strategies (what the
evaluators read), and the transitions they learn from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from powergames.agents.self_play import action_values
from powergames.envs.probes import type_observation
from powergames.games.base import Game
from powergames.training.config import ConfigError
from powergames.training.evaluators import EvalContext
from powergames.training.kinds import AgentSpec


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
        """Connect the specs to each other (each spec resolves the others' policies)."""
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


# --------------------------------------------------------------------------- exact strategies


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
        obs0 = type_observation(env, spec.name, 0)
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
        s = pol.strategy(type_observation(env, spec.name, t))
        if s is None:
            return None
        rows.append(np.asarray(s, dtype=np.float64))
    return np.stack(rows)


def make_context(
    agents: Agents, env: Any, game: Game, coalitions: list[list[int]], rng: np.random.Generator
) -> EvalContext:
    """The :class:`EvalContext` of the agents' current strategies."""
    joint, profile = agent_strategies(agents, env)
    avg = None
    if profile is not None:
        _, avg = agent_strategies(agents, env, average=True)
    return EvalContext(game, coalitions, joint, profile, avg, rng)


# ------------------------------------------------------------------------------ feedback


def learn_from(
    agents: Agents,
    game: Game,
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
        _, profile = agent_strategies(agents, env)
        if profile is None:  # pragma: no cover - rejected when building
            raise ValueError("full-information feedback needs one agent per seat")
        seat_profile: list[np.ndarray] = [np.empty(0)] * len(profile)
        for spec, strat in zip(agents.specs, profile):
            seat_profile[spec.seats[0]] = strat
        values = {i: action_values(game, agents.specs[i].seats[0], seat_profile) for i in full}
        for i in full:
            agents.policies[i].observe(values[i])


class FeedOthers:
    """The SB3 hub's feedback to the agents that are not SB3 learners: :func:`learn_from` (sampled
    ``update`` or full-information ``observe``) — picklable, so it is saved with the run."""

    def __init__(self, agents: Agents, game: Game, env: Any) -> None:
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
