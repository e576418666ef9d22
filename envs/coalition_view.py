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

import math
from collections.abc import Sequence
from typing import Any

import gymnasium
import numpy as np

from powergames.envs.game_env import GameEnv, _describe, adapt
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
        max_cycles, history, render_mode, name: as for :class:`GameEnv`.
    """

    metadata = {**GameEnv.metadata, "name": "powergames_coalitions_v0"}

    def __init__(
        self,
        game: Any,
        coalitions: Sequence[Sequence[int]] | None = None,
        max_cycles: int = 1,
        history: str = "auto",
        render_mode: str | None = None,
        name: str | None = None,
    ) -> None:
        adapter = adapt(game)
        if coalitions is None:
            coalitions = default_coalitions(adapter.n_players)
        seats = check_coalitions(coalitions, adapter.n_players)
        names = [f"coalition_{j}" for j in range(len(seats))]
        self._init_env(adapter, seats, names, max_cycles, history, render_mode, name)

    @property
    def coalitions(self) -> tuple[tuple[int, ...], ...]:
        """The partition, members in increasing order."""
        return self.seats

    def _type_block_size(self, seat: tuple[int, ...]) -> int:
        return math.prod(self.adapter.n_types[i] for i in seat)

    def _type_position(self, seat: tuple[int, ...], types: Sequence[int]) -> int:
        pos = 0
        for i in seat:
            pos = pos * self.adapter.n_types[i] + int(types[i])
        return pos

    def _make_action_space(self, seat: tuple[int, ...]) -> gymnasium.spaces.Space:
        return gymnasium.spaces.MultiDiscrete(
            [self.adapter.n_actions[i] for i in seat], dtype=np.int64
        )

    def _check_action(self, agent: str, value: Any) -> list[int]:
        seat = self.seats[self._seat(agent)]
        ks = [self.adapter.n_actions[i] for i in seat]
        space = f"MultiDiscrete({ks})"
        try:
            arr = np.asarray(value)
        except (TypeError, ValueError):
            raise TypeError(
                f"action for agent {agent!r} must be an integer array of shape ({len(seat)},) "
                f"for {space}, got {_describe(value)}"
            ) from None
        if arr.dtype.kind == "f" and np.isnan(arr).any():
            raise ValueError(
                f"action for agent {agent!r} contains NaN: {_describe(value)}; {space} takes "
                "integers"
            )
        if arr.shape != (len(seat),):
            raise ValueError(
                f"action for agent {agent!r} must have shape ({len(seat)},) (one action per "
                f"member {list(seat)}) for {space}, got {_describe(value)}"
            )
        if arr.dtype.kind not in "iu":
            raise TypeError(
                f"action for agent {agent!r} must hold integers for {space}, got {_describe(value)}"
            )
        out = arr.tolist()
        for m, (player, a, k) in enumerate(zip(seat, out, ks)):
            if not 0 <= a < k:
                raise ValueError(
                    f"action {value!r} for agent {agent!r} is out of range: entry {m} (player "
                    f"{player}) is {a}, {space} takes integers in [0, {k})"
                )
        return out
