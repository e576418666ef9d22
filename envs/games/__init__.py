"""Pure NumPy game models: no PettingZoo, Gymnasium or torch import in this package.

Everything users need is importable from here: the game classes, the named games of the library,
and the exact computations (coalition values, POWER, alignment metrics).
"""

from powergames.envs.games._validation import SUM_TOL
from powergames.envs.games.normal_form import NormalFormGame
from powergames.envs.games.unit_sum import UnitSumGame

__all__ = ["SUM_TOL", "NormalFormGame", "UnitSumGame"]
