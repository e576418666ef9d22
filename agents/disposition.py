"""The disposition policy of population bargaining: cooperate iff the agent is cooperative (``C``).

:class:`~powergames.envs.population_bargaining.PopulationBargainingEnv` built with disposition
fractions ``F_{C|V}``, ``F_{C|¬V}`` gives every agent a disposition at ``reset`` and shows it in the
observation's ``"disposition"`` block (one-hot ``[¬C, C]``). Agents that act on it realise the
model of MATH.md §4 in which "cooperative" means "cooperates": a pair settles iff both are ``C``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from powergames.agents.policy import Layout, StrategyPolicy
from powergames.games.checks import check_rng

#: Population bargaining's actions.
HOLD_OUT, COOPERATE = 0, 1


class DispositionPolicy(StrategyPolicy):
    """Cooperate (action 1) iff the observation's disposition is ``C``; otherwise hold out (0).

    Args:
        layout: the agent's observation layout (``env.observation_layout(agent)``), with a
            ``"disposition"`` block of width 2.

    Raises:
        ValueError: a layout without a ``"disposition"`` block of width 2; at ``act``/``strategy``,
            an observation whose disposition block is not one-hot (an env without dispositions).
    """

    def __init__(self, layout: Layout) -> None:
        block = layout.get("disposition") if hasattr(layout, "get") else None
        if not isinstance(block, slice) or len(range(*block.indices(1 << 30))) != 2:
            raise ValueError(
                "layout must have a 'disposition' block of width 2 (population bargaining with "
                "f_c_given_v and f_c_given_not_v)"
            )
        self.layout = layout
        self._block = block

    def disposition(self, observation: Any) -> int:
        """``1`` (``C``) or ``0`` (``¬C``) as the observation shows it."""
        x = np.asarray(observation, dtype=np.float64)[self._block]
        if x.shape != (2,) or sorted(x.tolist()) != [0.0, 1.0]:
            raise ValueError(
                f"observation's disposition block must be one-hot [¬C, C], got {x.tolist()} "
                "(build the env with f_c_given_v and f_c_given_not_v)"
            )
        return int(x[1] == 1.0)

    def strategy(self, observation: Any) -> npt.NDArray[np.float64]:
        """``[0, 1]`` for a ``C`` agent (cooperate), ``[1, 0]`` for ``¬C`` (hold out)."""
        out = np.zeros(2)
        out[self.disposition(observation)] = 1.0
        return out

    def act(self, observation: Any, rng: np.random.Generator) -> int:
        """The disposition's action (no randomness used)."""
        check_rng(rng)
        return COOPERATE if self.disposition(observation) else HOLD_OUT

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"
