"""powergames.envs: the games and their PettingZoo / Gymnasium environments.

``make("powergames/majority-v0", **kwargs)`` builds a PettingZoo ``ParallelEnv`` from plain keyword
arguments (``registry`` lists the ids); ``make_aec`` gives its AEC form and ``make_single_agent``
(or ``gymnasium.make`` with the same id) the Gymnasium view of one seat. ``BatchedGameEnv`` steps
many copies of a game at once in NumPy; ``PopulationBargainingEnv`` is population bargaining
(``"powergames/population-bargaining-v0"``).
"""

from powergames.envs.batched import BatchedGameEnv
from powergames.envs.coalition_view import CoalitionEnv
from powergames.envs.game_env import GameEnv, adapt
from powergames.envs.population_bargaining import PopulationBargainingEnv
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
    "GameEnv",
    "PopulationBargainingEnv",
    "SingleAgentEnv",
    "adapt",
    "env_module",
    "make",
    "make_aec",
    "make_game",
    "make_single_agent",
    "register",
    "registry",
]
