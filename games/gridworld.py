"""Gridworld descriptions turned into stochastic-game dynamics (MATH.md §5).

A description is a list of equal-length strings, one per row: ``"#"`` is a wall, any other
character an open cell. ``n_agents`` agents move simultaneously; each move is a ``(d_row, d_col)``
step; a move into a wall or off the grid leaves the agent where it is. When agents may not share a
cell, every agent whose target is claimed by another agent (or is the cell of an agent that stays)
stays put, repeated until no two agents would share a cell; agents may swap cells. The joint state
is the tuple of the agents' cells (states where two agents share a cell are left out when sharing
is not allowed).

POWERplay's 3×3 gridworld is ``GridWorld.build(["...", "...", "..."])`` (moves up, down, left,
right and stay; the walls of the grid block).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from powergames.games.checks import check_positive_int
from powergames.games.stochastic import (
    StateRewardSampler,
    StochasticGame,
    StochasticUnitSumGame,
    check_size,
    seat_swaps_of,
)

FloatArray = npt.NDArray[np.float64]

#: The default moves: name -> (d_row, d_col).
MOVES: dict[str, tuple[int, int]] = {
    "up": (-1, 0),
    "down": (1, 0),
    "left": (0, -1),
    "right": (0, 1),
    "stay": (0, 0),
}


@dataclass(frozen=True)
class GridWorld:
    """The dynamics of a gridworld description (build with :meth:`build`).

    Attributes:
        layout: the rows of the description.
        n_agents: the number of agents.
        moves: the move names, in action order.
        share_cells: whether two agents may stand on one cell.
        cells: ``(C, 2)`` ``(row, col)`` of every open cell, in reading order.
        states: ``(S, n_agents)``: the cell index of each agent in each joint state.
        transitions: ``(S, k, …, k, S)`` deterministic ``P(s' | s, a)`` (``k = len(moves)``).
    """

    layout: tuple[str, ...]
    n_agents: int
    moves: tuple[str, ...]
    share_cells: bool
    cells: npt.NDArray[np.intp] = field(repr=False)
    states: npt.NDArray[np.intp] = field(repr=False)
    transitions: FloatArray = field(repr=False)

    @classmethod
    def build(
        cls,
        layout: Sequence[str],
        n_agents: int = 1,
        moves: Mapping[str, tuple[int, int]] | None = None,
        share_cells: bool = True,
        wrap: bool = False,
    ) -> GridWorld:
        """Build the dynamics of a description (sizes checked before anything is allocated).

        Args:
            layout: rows of equal length; ``"#"`` marks a wall.
            n_agents: how many agents move on the grid.
            moves: name -> ``(d_row, d_col)``; :data:`MOVES` when ``None``.
            share_cells: whether agents may share a cell.
            wrap: a torus: moves off one edge come back on the opposite one (walls still block).

        Raises:
            ValueError: ragged or empty rows, no open cell, fewer open cells than agents when cells
                may not be shared, or a state space too large to allocate.
        """
        if isinstance(layout, str) or not isinstance(layout, Sequence):
            raise TypeError(
                f"layout must be a sequence of row strings, got {type(layout).__name__}"
            )
        rows = tuple(layout)
        if not rows or any(not isinstance(r, str) for r in rows):
            raise ValueError("layout must be a non-empty sequence of strings (one per row)")
        width = len(rows[0])
        if width == 0 or any(len(r) != width for r in rows):
            raise ValueError(
                f"every row of layout must have the same non-zero length; got lengths "
                f"{[len(r) for r in rows]}"
            )
        n = check_positive_int("n_agents", n_agents)
        moves = dict(MOVES if moves is None else moves)
        if not moves:
            raise ValueError("moves must name at least one move")
        for name, d in moves.items():
            if (
                not isinstance(d, Sequence)
                or len(d) != 2
                or not all(isinstance(v, int | np.integer) and not isinstance(v, bool) for v in d)
            ):
                raise ValueError(f"moves[{name!r}] must be a pair of integers, got {d!r}")
        open_cells = [(r, c) for r in range(len(rows)) for c in range(width) if rows[r][c] != "#"]
        n_cells = len(open_cells)
        if n_cells == 0:
            raise ValueError("layout has no open cell")
        if not share_cells and n_cells < n:
            raise ValueError(
                f"{n} agents cannot stand on {n_cells} open cells without sharing a cell"
            )
        k = len(moves)
        n_states = n_cells**n
        if not share_cells:
            n_states = int(np.prod(range(n_cells - n + 1, n_cells + 1)))
        check_size("transitions", (n_states, *(k,) * n, n_states))
        index = {cell: i for i, cell in enumerate(open_cells)}
        step = np.empty((n_cells, k), dtype=np.intp)  # the cell a move leads to, alone
        for i, (r, c) in enumerate(open_cells):
            for m, (dr, dc) in enumerate(moves.values()):
                target = ((r + dr) % len(rows), (c + dc) % width) if wrap else (r + dr, c + dc)
                step[i, m] = index.get(target, i)
        joint = [
            t
            for t in itertools.product(range(n_cells), repeat=n)
            if share_cells or len(set(t)) == n
        ]
        states = np.array(joint, dtype=np.intp).reshape(len(joint), n)
        state_index = {t: s for s, t in enumerate(joint)}
        p = np.zeros((len(joint), *(k,) * n, len(joint)))
        for s, here in enumerate(joint):
            for a in itertools.product(range(k), repeat=n):
                there = [int(step[here[i], a[i]]) for i in range(n)]
                if not share_cells:
                    there = _resolve(list(here), there)
                p[(s,) + tuple(a) + (state_index[tuple(there)],)] = 1.0
        cells = np.array(open_cells, dtype=np.intp)
        for arr in (cells, states, p):
            arr.setflags(write=False)
        return cls(rows, n, tuple(moves), bool(share_cells), cells, states, p)

    # ------------------------------------------------------------------ sizes
    @property
    def n_states(self) -> int:
        """``S``, the number of joint states."""
        return int(self.states.shape[0])

    @property
    def n_cells(self) -> int:
        """``C``, the number of open cells."""
        return int(self.cells.shape[0])

    @property
    def shape(self) -> tuple[int, int]:
        """``(rows, cols)`` of the layout."""
        return len(self.layout), len(self.layout[0])

    def state_of(self, cells: Sequence[int]) -> int:
        """The joint state index of the agents standing on ``cells`` (one cell index per agent)."""
        hit = np.flatnonzero(np.all(self.states == np.asarray(cells), axis=1))
        if hit.size != 1:
            raise ValueError(f"cells {tuple(cells)} is not a joint state of this grid")
        return int(hit[0])

    def seat_swaps(self) -> npt.NDArray[np.intp]:
        """``(n_agents − 1, S)``: the state map of each adjacent seat swap (for symmetric games)."""
        return seat_swaps_of(self.states)

    # ------------------------------------------------------------------ games on the grid
    def game(
        self,
        rewards: Sequence[Any],
        prior: Any = None,
        initial: Any = None,
        discount: float | None = None,
        horizon: int | None = None,
    ) -> StochasticGame:
        """A :class:`StochasticGame` on this grid with the given rewards ``(T_i, S, k, …, k)``."""
        return StochasticGame(self.transitions, tuple(rewards), initial, prior, discount, horizon)

    def state_reward_game(
        self,
        sampler: StateRewardSampler | None = None,
        initial: Any = None,
        discount: float | None = None,
        horizon: int | None = None,
    ) -> StochasticGame:
        """The grid with POWERplay's continuous types: i.i.d. state rewards (uniform [0, 1])."""
        return StochasticGame(
            self.transitions,
            None,
            initial,
            None,
            discount,
            horizon,
            reward_sampler=StateRewardSampler() if sampler is None else sampler,
        )

    def goal_rewards(self, player: int, goals: Sequence[int] | None = None) -> FloatArray:
        """Rewards of ``player`` whose type is its goal cell: ``r(t, s, a) = [cell_player(s) = t]``.

        Args:
            player: the agent.
            goals: the goal cells (types); every open cell when ``None``.

        Returns:
            Shape ``(T, S, k, …, k)`` (a broadcast view; state-only rewards).
        """
        if not 0 <= player < self.n_agents:
            raise ValueError(f"player must be in [0, {self.n_agents}), got {player!r}")
        cells = np.arange(self.n_cells) if goals is None else np.asarray(goals, dtype=np.intp)
        if cells.ndim != 1 or np.any((cells < 0) | (cells >= self.n_cells)):
            raise ValueError(f"goals must be cell indices in [0, {self.n_cells}), got {cells}")
        k = len(self.moves)
        check_size("goal rewards", (len(cells), self.n_states, *(k,) * self.n_agents))
        r = (self.states[None, :, player] == cells[:, None]).astype(np.float64)
        return np.broadcast_to(
            r.reshape(*r.shape, *(1,) * self.n_agents), (*r.shape, *(k,) * self.n_agents)
        )

    def to_grid(self, cell_values: Any) -> FloatArray:
        """Per-cell values ``(C,)`` laid out on the grid ``(rows, cols)``, NaN on walls."""
        v = np.asarray(cell_values, dtype=np.float64)
        if v.shape != (self.n_cells,):
            raise ValueError(f"cell_values must have shape ({self.n_cells},), got {v.shape}")
        out = np.full(self.shape, np.nan)
        out[self.cells[:, 0], self.cells[:, 1]] = v
        return out

    def __repr__(self) -> str:
        return (
            f"GridWorld({len(self.layout)}x{len(self.layout[0])}, n_agents={self.n_agents}, "
            f"n_states={self.n_states}, moves={self.moves}, share_cells={self.share_cells})"
        )


def _resolve(here: list[int], there: list[int]) -> list[int]:
    """Targets with collisions resolved: agents whose target another agent also ends on stay."""
    there = list(there)
    while True:
        counts: dict[int, int] = {}
        for c in there:
            counts[c] = counts.get(c, 0) + 1
        clash = [i for i, c in enumerate(there) if counts[c] > 1 and there[i] != here[i]]
        if not clash:
            return there
        for i in clash:
            there[i] = here[i]


def resource_gridworld(
    layout: Sequence[str],
    n_agents: int,
    *,
    discount: float | None = 0.9,
    horizon: int | None = None,
    x_prior: Any = None,
    moves: Mapping[str, tuple[int, int]] | None = None,
    wrap: bool = True,
) -> tuple[GridWorld, StochasticUnitSumGame]:
    """A symmetric stochastic unit-sum gridworld (MATH.md §5; issue "copying means copying a policy").

    Cells marked ``"a"``, ``"b"``, … hold a resource of kind 0, 1, …; ``"."`` is an empty cell and
    ``"#"`` a wall. A hidden ``X`` (drawn once from ``x_prior``, uniform by default) says which kind
    is valuable. Each step's unit is split equally among the agents standing on a cell of kind
    ``X``, or equally among all agents when none is. Agents may share cells, move independently and
    start from exchangeable (uniform) joint positions, so every relabelling of the agents commutes
    with the dynamics, the shares and ``μ_0``: the game is symmetric by construction.

    Returns:
        ``(grid, game)``: the dynamics and the :class:`~powergames.games.StochasticUnitSumGame`
        (with ``seat_swaps``).
    """
    grid = GridWorld.build(layout, n_agents, moves=moves, share_cells=True, wrap=wrap)
    kinds_char = sorted({ch for row in grid.layout for ch in row if ch not in "#."})
    if not kinds_char:
        raise ValueError("layout must mark at least one resource cell with a letter (a, b, ...)")
    kind_of_cell = np.array(
        [
            kinds_char.index(grid.layout[r][c]) if grid.layout[r][c] != "." else -1
            for r, c in grid.cells
        ]
    )
    n_x = len(kinds_char)
    k = len(grid.moves)
    check_size("shares", (n_x, grid.n_states, n_agents, *(k,) * n_agents))
    on = kind_of_cell[grid.states]  # (S, n): the kind under each agent
    per = np.zeros((n_x, grid.n_states, n_agents))
    for x in range(n_x):
        hit = on == x
        count = hit.sum(axis=1, keepdims=True)
        per[x] = np.where(count > 0, hit / np.maximum(count, 1), 1.0 / n_agents)
    shares = np.broadcast_to(
        per.reshape(*per.shape, *(1,) * n_agents), (*per.shape, *(k,) * n_agents)
    )
    game = StochasticUnitSumGame(
        grid.transitions,
        shares,
        x_prior,
        None,
        discount=discount,
        horizon=horizon,
        seat_swaps=grid.seat_swaps() if n_agents > 1 else np.zeros((0, grid.n_states), np.intp),
    )
    return grid, game


__all__ = ["MOVES", "GridWorld", "resource_gridworld"]
