"""powergames.envs: the games of :mod:`powergames.games` as PettingZoo / Gymnasium environments.

``make("powergames/majority-v0", **kwargs)`` builds a PettingZoo ``ParallelEnv`` from plain keyword
arguments (``registry`` lists the ids); ``make_aec`` gives its AEC form and ``make_single_agent``
(or ``gymnasium.make`` with the same id) the Gymnasium view of one seat. ``BatchedGameEnv`` steps
many copies of a game at once in NumPy; ``PopulationBargainingEnv`` is population bargaining
(``"powergames/population-bargaining-v0"``). ``game_of``, ``n_types_of``, ``members_of`` and
``type_observation`` read an environment's game, an agent's types and probe observations.

Modules: ``adapter`` (what an env needs of a game), ``observations`` (the observation layout),
``actions`` (action checks), ``rendering``, ``game_env`` (the ``ParallelEnv``), ``coalition_view``,
``batched``, ``population_bargaining``, ``single_agent``, ``game_factories`` (the ids' game
builders), ``registration`` (the ids), ``probes``.
"""

from powergames.envs.adapter import GameAdapter, adapt
from powergames.envs.batched import BatchedGameEnv
from powergames.envs.coalition_view import CoalitionEnv
from powergames.envs.game_env import GameEnv
from powergames.envs.population_bargaining import PopulationBargainingEnv
from powergames.envs.probes import game_of, members_of, n_types_of, type_observation, unwrapped
from powergames.envs.registration import (
    EnvSpec,
    env_module,
    make,
    make_aec,
    make_game,
    make_single_agent,
    register,
    registry,
)
from powergames.envs.single_agent import SingleAgentEnv

__all__ = [
    "BatchedGameEnv",
    "CoalitionEnv",
    "EnvSpec",
    "GameAdapter",
    "GameEnv",
    "PopulationBargainingEnv",
    "SingleAgentEnv",
    "adapt",
    "env_module",
    "game_of",
    "make",
    "make_aec",
    "make_game",
    "make_single_agent",
    "members_of",
    "n_types_of",
    "register",
    "registry",
    "type_observation",
    "unwrapped",
]
