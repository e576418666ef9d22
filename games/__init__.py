"""powergames.games: what a game is — validated, immutable NumPy arrays.

The game classes (normal-form, unit-sum with a hidden state X, symmetric count form, Bayesian),
the named games of the library and game files. Pure NumPy: nothing here imports PettingZoo,
Gymnasium or torch.
"""

from powergames.games.base import (
    Contexts,
    Game,
    check_game,
)
from powergames.games.bayesian import (
    BayesianGame,
    as_bayesian,
    bayesian_coordination,
    bayesian_matching_pennies,
    random_bayesian_game,
)
from powergames.games.checks import (
    SUM_TOL,
)
from powergames.games.counts import (
    CountDistribution,
    composition_index,
    compositions,
    convolve_counts,
    multinomial_pmf,
    n_compositions,
)
from powergames.games.gridworld import (
    GridWorld,
)
from powergames.games.io import (
    load_game,
    resolve_game,
    save_game,
)
from powergames.games.library import (
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
from powergames.games.majority_counts import (
    MajorityCountGame,
)
from powergames.games.normal_form import (
    NormalFormGame,
)
from powergames.games.stochastic import (
    StateRewardSampler,
    StochasticGame,
    StochasticUnitSumGame,
    random_stochastic_game,
    random_symmetric_stochastic_unit_sum_game,
)
from powergames.games.symmetric import (
    SymmetricUnitSumGame,
    is_symmetric,
    majority_game,
    random_symmetric_unit_sum_game,
)
from powergames.games.unit_sum import (
    UnitSumGame,
)

__all__ = [
    "BayesianGame",
    "Contexts",
    "CountDistribution",
    "GAMES",
    "Game",
    "GridWorld",
    "MajorityCountGame",
    "NormalFormGame",
    "SUM_TOL",
    "StateRewardSampler",
    "StochasticGame",
    "StochasticUnitSumGame",
    "SymmetricUnitSumGame",
    "UnitSumGame",
    "as_bayesian",
    "battle_of_the_sexes",
    "bayesian_coordination",
    "bayesian_matching_pennies",
    "check_game",
    "chicken",
    "composition_index",
    "compositions",
    "convolve_counts",
    "coordination",
    "get_game",
    "interpolated_game",
    "is_symmetric",
    "load_game",
    "majority_game",
    "matching_pennies",
    "multinomial_pmf",
    "n_compositions",
    "prisoners_dilemma",
    "random_bayesian_game",
    "random_stochastic_game",
    "random_symmetric_stochastic_unit_sum_game",
    "random_symmetric_unit_sum_game",
    "resolve_game",
    "rock_paper_scissors",
    "save_game",
    "shapley_game",
    "stag_hunt",
]
