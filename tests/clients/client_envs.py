"""The compatibility tier: real third-party MARL clients drive the registered environments.

Each module imports its client with ``pytest.importorskip``, so the main suite skips them; the
clients CI tier (``.ci/tiers/clients.sh``) installs the clients in their own venvs and runs this
folder. Budgets are tiny: a few steps, or one training iteration, per environment.
"""

from __future__ import annotations

from powergames.envs import make, registry

#: Every registered id, built with its defaults (small games).
ENV_IDS = sorted(registry)


def same_spaces(env_id: str) -> bool:
    """Whether every agent of ``env_id`` has the same observation and action space (what clients
    that stack agents, such as SuperSuit and Tianshou, require; coalitions of different sizes do not)."""
    env = make(env_id)
    agents = env.possible_agents
    return all(
        env.observation_space(a) == env.observation_space(agents[0])
        and env.action_space(a) == env.action_space(agents[0])
        for a in agents
    )


SHARED_SPACE_IDS = [env_id for env_id in ENV_IDS if same_spaces(env_id)]
