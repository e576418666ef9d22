"""RLlib: every powergames environment id in RLlib's environment registry (extra ``[ray]``).

::

    from ray.rllib.algorithms.ppo import PPOConfig
    from powergames.envs.rllib import register_rllib_envs

    register_rllib_envs()  # every id of powergames.envs.registry
    config = (
        PPOConfig()
        .environment("powergames/majority-v0", env_config={"n_players": 3, "n_actions": 2})
        .multi_agent(policies={"shared"}, policy_mapping_fn=lambda agent_id, episode, **kw: "shared")
    )
    algo = config.build_algo()
    algo.train()

Each id is registered with ``ray.tune.registry.register_env`` under its own name; RLlib calls the
creator with the ``env_config`` dict, which is passed as the plain (JSON-able) keyword arguments of
:func:`powergames.envs.make`, and gets the PettingZoo ``ParallelEnv`` wrapped in RLlib's
``ParallelPettingZooEnv`` (a ``MultiAgentEnv``, as RLlib's new API stack wants). Ray is imported
only when these functions run, so this module imports without it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any

from powergames.envs.registration import make, registry


def make_rllib_env(env_id: str, env_config: Mapping[str, Any] | None = None) -> Any:
    """RLlib's ``ParallelPettingZooEnv`` around ``make(env_id, **env_config)``.

    Args:
        env_id: a registered id, e.g. ``"powergames/majority-v0"``.
        env_config: the environment's keyword arguments (RLlib's ``EnvContext`` is a dict).

    Raises:
        ValueError: an unknown id or bad keyword arguments (from :func:`powergames.envs.make`).
    """
    from ray.rllib.env.wrappers.pettingzoo_env import ParallelPettingZooEnv

    return ParallelPettingZooEnv(make(env_id, **dict(env_config or {})))


def register_rllib_envs(ids: Iterable[str] | None = None) -> list[str]:
    """Register environment ids with RLlib (``ray.tune.registry.register_env``).

    Args:
        ids: the ids to register (default: every id of :data:`powergames.envs.registry`).

    Returns:
        The registered ids, in order.

    Raises:
        ValueError: an id that is not registered with powergames.
    """
    from ray.tune.registry import register_env

    chosen = list(registry) if ids is None else [str(i) for i in ids]
    unknown = [i for i in chosen if i not in registry]
    if unknown:
        raise ValueError(f"ids: not powergames environment ids: {unknown}; known: {list(registry)}")
    for env_id in chosen:
        register_env(env_id, functools.partial(make_rllib_env, env_id))
    return chosen


__all__ = ["make_rllib_env", "register_rllib_envs"]
