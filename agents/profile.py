"""Exact profiles for evaluators: the agents' strategies read through the Policy protocol.

For every agent of an environment (``env.possible_agents``) and every one of its types ``t``, a
probe observation is built from the agent's ``observation_layout`` — the ``"type"`` block one-hot
at ``t``, everything else as in a base observation (by default the first round's: round 0, no
previous actions) — and the policy's ``strategy`` is read there.

Shapes. :func:`current_profile` / :func:`average_profile` return **one array per agent**, shape
``(T, *action_shape)``: ``(T_i, k_i)`` for a player agent (``T_i`` its number of types; 1 outside
Bayesian games) — exactly MATH.md's profile of the game, ready for ``nash_conv``/``power`` — and
``(T, k, …, k)`` for a coalition agent (``CoalitionEnv``), the coalition's joint policy per joint
type of its members (``T = Π_{i∈c} T_i``, C order over members, as the env's type block).
How evaluators split a coalition's entry:

* coalition shares: ``coalition_values(game, env.coalitions, [p[0] for p in profile])`` — the
  joint per coalition (unit-sum games have one type); :func:`current_joint_policies` gives the same
  list, with a structured ``CoalitionPolicy`` where a dense joint would be too large;
* per-player quantities (POWER, NashConv, alignment): :func:`player_profile` turns the joints into
  per-player marginals ``(T_i, k_i)`` — exact for those metrics only when every coalition's joint
  is the product of its marginals (members do not correlate); it says so, or raises with
  ``require_independent=True``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from powergames.agents.policy import Policy
from powergames.envs.probes import members_of, n_types_of, type_observation, unwrapped

FloatArray = npt.NDArray[np.float64]


def _policy_list(policies: Any, agents: Sequence[str]) -> list[Any]:
    if isinstance(policies, Mapping):
        missing = [a for a in agents if a not in policies]
        if missing:
            raise ValueError(
                f"policies has no entry for agent {missing[0]!r}; agents are {list(agents)}"
            )
        return [policies[a] for a in agents]
    if isinstance(policies, str | bytes) or not isinstance(policies, Sequence):
        raise TypeError(
            "policies must be a dict agent -> Policy or a list in env.possible_agents order, got "
            f"{type(policies).__name__}"
        )
    if len(policies) != len(agents):
        raise ValueError(
            f"policies must have one entry per agent ({len(agents)}), got {len(policies)}"
        )
    return list(policies)


def _read(policy: Any, obs: Any, average: bool, agent: str) -> FloatArray:
    if average and hasattr(policy, "average_strategy_at"):
        s = policy.average_strategy_at(obs)
    else:
        s = policy.strategy(obs)
    if s is None:
        raise ValueError(
            f"agent {agent!r} ({policy!r}) exposes no exact strategy at this observation; use "
            "current_joint_policies for structured coalition policies, or estimate by sampling"
        )
    return np.asarray(s, dtype=np.float64)


def _profile(
    policies: Any, env: Any, average: bool, base_observations: Mapping[str, Any] | None
) -> list[FloatArray]:
    env = unwrapped(env)
    agents = list(env.possible_agents)
    out = []
    for agent, policy in zip(agents, _policy_list(policies, agents)):
        if not isinstance(policy, Policy):
            raise TypeError(f"policies[{agent!r}] does not implement the Policy protocol")
        base = None if base_observations is None else base_observations.get(agent)
        rows = [
            _read(policy, type_observation(env, agent, t, base), average, agent)
            for t in range(n_types_of(env, agent))
        ]
        out.append(np.stack(rows))
    return out


def current_profile(
    policies: Mapping[str, Policy] | Sequence[Policy],
    env: Any,
    *,
    base_observations: Mapping[str, Any] | None = None,
) -> list[FloatArray]:
    """The agents' current strategies, one ``(T, *action_shape)`` array per agent.

    Args:
        policies: ``agent -> Policy`` or a list in ``env.possible_agents`` order.
        env: the environment the agents play (its layouts define the probe observations).
        base_observations: optional ``agent -> observation`` to probe from (e.g. the current
            ones, for history-dependent policies); the type block is overwritten per type.

    Returns:
        Per agent ``(T_i, k_i)`` (player) or ``(T, k, …, k)`` (coalition joint); see the module
        docstring.

    Raises:
        ValueError: an agent without an exact strategy (``strategy`` returned ``None``).
    """
    return _profile(policies, env, False, base_observations)


def average_profile(
    policies: Mapping[str, Policy] | Sequence[Policy],
    env: Any,
    *,
    base_observations: Mapping[str, Any] | None = None,
) -> list[FloatArray]:
    """The time-averaged strategies where a policy tracks them (``average_strategy_at``), else current.

    The classic learners track the average of the strategies they played — the object of their
    no-regret guarantees; fixed and SB3 policies report their current strategy.
    """
    return _profile(policies, env, True, base_observations)


def current_joint_policies(
    policies: Mapping[str, Policy] | Sequence[Policy],
    env: Any,
    *,
    average: bool = False,
    base_observations: Mapping[str, Any] | None = None,
) -> list[Any]:
    """Per agent the joint policy for ``coalition_values``: a dense ``(k,)*m`` array, or a structured
    ``CoalitionPolicy`` (a coalition agent's ``coalition_policy``) when the dense joint is too large.

    Types are not resolved (unit-sum games have none): the probe is the type-0 observation.
    """
    env = unwrapped(env)
    agents = list(env.possible_agents)
    out: list[Any] = []
    for agent, policy in zip(agents, _policy_list(policies, agents)):
        base = None if base_observations is None else base_observations.get(agent)
        obs = type_observation(env, agent, 0, base)
        s = None
        if average and hasattr(policy, "average_strategy_at"):
            s = policy.average_strategy_at(obs)
        if s is None:
            s = policy.strategy(obs)
        if s is None and hasattr(policy, "coalition_policy"):
            out.append(policy.coalition_policy(obs))
            continue
        if s is None:
            raise ValueError(f"agent {agent!r} ({policy!r}) exposes no exact strategy")
        out.append(np.asarray(s, dtype=np.float64))
    return out


def _marginals(joint: FloatArray) -> list[FloatArray]:
    m = joint.ndim
    return [joint.sum(axis=tuple(a for a in range(m) if a != d)) for d in range(m)]


def is_product(joint: npt.ArrayLike, tol: float = 1e-9) -> bool:
    """Whether a joint ``(k,)*m`` equals the outer product of its marginals (no correlation)."""
    arr = np.asarray(joint, dtype=np.float64)
    prod = np.ones(())
    for marg in _marginals(arr):
        prod = np.multiply.outer(prod, marg)
    return bool(np.allclose(prod, arr, rtol=0.0, atol=tol))


def player_profile(
    profile: Sequence[npt.ArrayLike], env: Any, *, require_independent: bool = False
) -> list[FloatArray]:
    """Per-player strategies ``(T_i, k_i)`` from a per-agent profile (splitting coalition joints).

    A player agent's entry is returned as is. A coalition agent's ``(T, k, …, k)`` entry — with
    ``T = Π T_i`` over its members, C order — is split into each member's marginal strategy; with
    several joint types, member ``i``'s strategy at its type ``t_i`` averages the joints over the
    other members' types with the posterior ``P(t_c | t_i)`` from the game's prior (unit-sum games,
    the coalitions' use case, have ``T = 1``).

    Args:
        profile: what :func:`current_profile` / :func:`average_profile` returned.
        env: the same environment.
        require_independent: raise if some coalition's joint is not the product of its marginals
            (then per-player metrics of the marginals do not describe the correlated play).

    Returns:
        One ``(T_i, k_i)`` array per player, in player order.
    """
    env = unwrapped(env)
    agents = list(env.possible_agents)
    game_types = getattr(getattr(env, "game", None), "n_types", None)
    n = sum(len(members_of(env, a)) for a in agents)
    out: list[FloatArray | None] = [None] * n
    for agent, entry in zip(agents, profile):
        arr = np.asarray(entry, dtype=np.float64)
        members = members_of(env, agent)
        if len(members) == 1 and arr.ndim == 2:
            out[members[0]] = arr
            continue
        if require_independent and not all(is_product(row) for row in arr):
            raise ValueError(
                f"agent {agent!r} plays a correlated joint policy: per-player marginals do not "
                "describe its play"
            )
        if arr.shape[0] == 1 or not game_types:
            for d, marg in enumerate(_marginals(arr[0] if arr.shape[0] == 1 else arr.mean(axis=0))):
                out[members[d]] = marg[None, :]
            continue
        # several joint types: member d's strategy at its type t_d averages the joint over the
        # other members' types with the posterior P(t_c | t_d) from the game's prior
        ts = [int(game_types[i]) for i in members]
        prior = np.asarray(env.game.prior, dtype=np.float64)
        others_axes = tuple(i for i in range(prior.ndim) if i not in members)
        p_c = prior.sum(axis=others_axes) if others_axes else prior  # (T_i for i in members)
        per_type = arr.reshape(*ts, *arr.shape[1:])
        for d, i in enumerate(members):
            rows = []
            for t in range(ts[d]):
                w = np.take(p_c, t, axis=d)
                w = w / w.sum() if w.sum() > 0 else np.full(w.shape, 1.0 / max(w.size, 1))
                joint_t = np.tensordot(w, np.take(per_type, t, axis=d), axes=w.ndim)
                rows.append(_marginals(joint_t)[d])
            out[i] = np.stack(rows)
    assert all(o is not None for o in out)
    return out  # type: ignore[return-value]
