"""The coalition view: each coalition of players acts as one agent (MATH.md §1, "Coalitions").

A partition ``c_1..c_m`` of the players becomes ``m`` agents ``"coalition_0"``, … . Agent ``j``
chooses all its members' actions at once — a ``MultiDiscrete([k_i for i in c_j])`` action, members
in increasing player order — so one learner can hold a *correlated* coalition policy
``π_j ∈ Δ(𝒜^{c_j})``. Its reward is the coalition's total share ``Σ_{i∈c_j} s_i(x, a)`` (or total
payoff / reward in the other game families); averaged over its policy and the others' this is
the coalition value ``r_j(x, π)``.

Everything else is :class:`powergames.envs.game_env.GameEnv`: contexts, rounds, infos (the joint
action is reported per player), rendering. The observation's ``"type"`` block is the one-hot of
the coalition's joint type ``(t_i)_{i∈c_j}`` (C order over members), so it is one-hot for every
coalition size and a constant ``[1.0]`` in games without types.
"""

from __future__ import annotations

from collections.abc import Sequence

import gymnasium
import numpy as np

from powergames.envs.adapter import GameAdapter, adapt
from powergames.envs.game_env import GameEnv
from powergames.games.base import Game
from powergames.theory.partitions import check_coalitions

__all__ = ["CoalitionEnv", "default_coalitions"]


def default_coalitions(n_players: int) -> list[list[int]]:
    """A majority coalition ``[0, …, m-1]`` (``m = ⌊n/2⌋ + 1``) against the rest, pooled (Theorem 1/2 setting)."""
    m = n_players // 2 + 1
    parts = [list(range(m))]
    if m < n_players:
        parts.append(list(range(m, n_players)))
    return parts


class CoalitionEnv(GameEnv):
    """A ``ParallelEnv`` whose agents are coalitions with ``MultiDiscrete`` joint actions.

    Args:
        game: any game accepted by :class:`GameEnv`.
        coalitions: a partition of the players (lists of player indices); ``None`` gives
            :func:`default_coalitions`.
        max_cycles, history, render_mode, name, agent_indicator: as for :class:`GameEnv` (the
            ``"agent"`` block is the one-hot of the coalition's index).
    """

    metadata = {**GameEnv.metadata, "name": "powergames_coalitions_v0"}

    def __init__(
        self,
        game: Game | GameAdapter,
        coalitions: Sequence[Sequence[int]] | None = None,
        max_cycles: int = 1,
        history: str = "auto",
        render_mode: str | None = None,
        name: str | None = None,
        agent_indicator: bool | None = None,
    ) -> None:
        adapter = adapt(game)
        if coalitions is None:
            coalitions = default_coalitions(adapter.n_players)
        seats = check_coalitions(coalitions, adapter.n_players)
        names = [f"coalition_{j}" for j in range(len(seats))]
        self._init_env(
            adapter,
            seats,
            names,
            max_cycles,
            history,
            render_mode,
            name,
            agent_indicator,
            coalition=True,
        )

    def _make_action_space(self, seat: tuple[int, ...]) -> gymnasium.spaces.Space:
        return gymnasium.spaces.MultiDiscrete(
            [self.adapter.n_actions[i] for i in seat], dtype=np.int64
        )

    @property
    def coalitions(self) -> tuple[tuple[int, ...], ...]:
        """The partition, members in increasing order."""
        return self.seats
