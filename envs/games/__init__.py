"""Pure NumPy game models: no PettingZoo, Gymnasium or torch import in this package.

Everything users need is importable from here: the game classes, the named games of the library,
and the exact computations (coalition values, POWER, alignment metrics).
"""

from powergames.envs.games._validation import SUM_TOL
from powergames.envs.games.alignment import (
    alignment_report,
    alpha,
    alpha_per_state,
    ca_report,
    coordination_gap,
    maxmin_profile,
    nash_bargaining,
    security_levels,
    surplus,
    threat_point,
    utility_covariance,
    welfare,
)
from powergames.envs.games.io import load_game, resolve_game, save_game
from powergames.envs.games.library import (
    GAMES,
    battle_of_the_sexes,
    chicken,
    coordination,
    get_game,
    interpolated_game,
    matching_pennies,
    prisoners_dilemma,
    rock_paper_scissors,
    shapley_game,
    stag_hunt,
)
from powergames.envs.games.normal_form import NormalFormGame
from powergames.envs.games.unit_sum import UnitSumGame

__all__ = [
    "GAMES",
    "SUM_TOL",
    "NormalFormGame",
    "UnitSumGame",
    "alignment_report",
    "alpha",
    "alpha_per_state",
    "battle_of_the_sexes",
    "ca_report",
    "chicken",
    "coordination",
    "coordination_gap",
    "get_game",
    "interpolated_game",
    "load_game",
    "matching_pennies",
    "maxmin_profile",
    "nash_bargaining",
    "prisoners_dilemma",
    "resolve_game",
    "rock_paper_scissors",
    "save_game",
    "security_levels",
    "shapley_game",
    "stag_hunt",
    "surplus",
    "threat_point",
    "utility_covariance",
    "welfare",
]
