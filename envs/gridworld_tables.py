"""Lookup tables of the resource gridworld, built once per layout (MATH.md §5).

Both :class:`~powergames.envs.gridworld.ResourceGridEnv` and
:class:`~powergames.envs.gridworld_batched.BatchedResourceGrid` step from these tables, so a step
is a few table look-ups: cells are *flat* indices ``c = row · W + col`` of the ``H × W`` grid
(walls included; no agent ever stands on one), and

* ``next_cell[c][m]``: the cell move ``m`` leads to from ``c`` (``c`` itself into a wall or, on a
  walled grid, off the edge);
* ``kind_of[c]``: the resource kind of ``c`` (``-1``: none); ``on_kind[x][c]``: whether it is ``x``;
* ``window[c]``: ``(d²,)`` the flat cells of the ``d × d`` window centred on ``c``
  (``d = 2r + 1``; on a torus wrapped, on a walled grid ``H·W`` — a sentinel cell nobody stands
  on — outside the grid);
* ``base[c]``: ``(D,)`` float32, the observation at ``c`` with the other-agents channel zero:
  ``[wall (d²), kind 0 (d²), …, kind K−1 (d²), others (d²), type (1) = 1, round (1) = 0]``
  (outside a walled grid reads as wall);
* ``rel[c][c']`` (grids of up to ``MAX_PAIR_CELLS`` cells and ``MAX_PAIR_AGENTS`` agents, when
  every window cell is distinct): where an agent on ``c'`` shows in the observation of an agent
  on ``c`` (0: out of view; −1: the same cell, the centre); ``mirror − rel[c][c']`` is where the
  agent on ``c`` shows for the one on ``c'``.

The other-agents channel of agent ``i`` at window cell ``p`` is ``#{j ≠ i : c_j = window[c_i][p]}
/ max(1, n − 1)``: on a torus smaller than the window an agent's own images are not counted.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from powergames.games.checks import check_distribution, check_positive_int
from powergames.games.gridworld import MOVES
from powergames.games.stochastic import check_size

__all__ = [
    "DEFAULT_LAYOUT",
    "MAX_PAIR_AGENTS",
    "MAX_PAIR_CELLS",
    "N_MOVES",
    "GridTables",
    "check_layout",
]

#: The pair table of :class:`GridTables` is built up to this many grid cells and agents.
MAX_PAIR_CELLS = 1024
MAX_PAIR_AGENTS = 12

#: The number of moves (up, down, left, right, stay).
N_MOVES = len(MOVES)

#: The default layout: a 4 × 4 torus with one cell of each of two kinds.
DEFAULT_LAYOUT = ("a...", "....", "..b.", "....")


def check_layout(layout: Any) -> tuple[str, ...]:
    """``layout`` as a tuple of equal-length row strings with at least one resource cell.

    Raises:
        TypeError: ``layout`` is not a list or tuple of strings.
        ValueError: empty or ragged rows, or no resource cell.
    """
    if not isinstance(layout, list | tuple):
        raise TypeError(
            f"layout must be a list of row strings such as ['a..', '..b'], got "
            f"{type(layout).__name__}"
        )
    if any(not isinstance(r, str) for r in layout):
        raise TypeError(f"layout must hold row strings only, got {layout!r}")
    rows = tuple(layout)
    if not rows or not rows[0] or len({len(r) for r in rows}) != 1:
        raise ValueError(
            f"layout must be a non-empty list of equal-length, non-empty strings, got {list(rows)!r}"
        )
    if not any(ch not in "#." for r in rows for ch in r):
        raise ValueError("layout must mark at least one resource cell with a letter (a, b, ...)")
    return rows


class GridTables:
    """The tables of one layout and view radius (module docstring).

    Args:
        layout: checked by :func:`check_layout`.
        n_agents: ``n`` (the other-agents channel is divided by ``max(1, n − 1)``).
        view_radius: ``r``.
        wrap: a torus or a walled grid.
        x_prior: distribution of the hidden kind ``X`` (``(K,)``); uniform when ``None``.

    Raises:
        ValueError, TypeError: a bad argument (named), or tables too large to allocate.
    """

    def __init__(
        self, layout: Any, n_agents: int, view_radius: int, wrap: bool, x_prior: Any
    ) -> None:
        rows = check_layout(layout)
        self.n_agents = check_positive_int("n_agents", n_agents)
        r = self.view_radius = check_positive_int("view_radius", view_radius, minimum=0)
        if not isinstance(wrap, bool | np.bool_):
            raise TypeError(f"wrap must be True (a torus) or False (walls), got {wrap!r}")
        self.wrap = bool(wrap)
        self.layout = rows
        h, w = self.shape = (len(rows), len(rows[0]))
        self.kinds = sorted({ch for row in rows for ch in row if ch not in "#."})
        nk = len(self.kinds)
        self.x_prior = (
            np.full(nk, 1.0 / nk)
            if x_prior is None
            else check_distribution("x_prior", x_prior, (nk,))
        )
        d = self.d = 2 * r + 1
        dd = d * d
        self.n_channels = 2 + nk
        self.size = self.n_channels * dd + 2  # D
        check_size("observation table", (h * w, self.size))
        self.wall = np.array([[ch == "#" for ch in row] for row in rows])
        if self.wall.all():
            raise ValueError("layout has no open cell")
        self.kind = np.array(
            [[self.kinds.index(ch) if ch in self.kinds else -1 for ch in row] for row in rows]
        )
        self.open_cells = np.argwhere(~self.wall)  # (C, 2) in reading order
        self.open_flat = self.open_cells[:, 0] * w + self.open_cells[:, 1]
        self.kind_of: list[int] = [int(k) for k in self.kind.ravel()]
        self.kind_flat = self.kind.ravel().copy()
        self.on_kind: list[list[bool]] = [[k == x for k in self.kind_of] for x in range(nk)]
        self.next_array = self._next_cells()  # (H·W, 5)
        self.next_cell: list[list[int]] = self.next_array.tolist()
        self.window = self._windows()  # (H·W, d²)
        self.self_images = bool(self.wrap and min(h, w) <= r)  # own images in the window
        self.centre = r * d + r
        self.others = slice((self.n_channels - 1) * dd, self.n_channels * dd)
        self.norm = float(max(1, self.n_agents - 1))
        self.base = self._base()  # (H·W, D) float32
        # the pair table (small grids, few agents, every window cell distinct): rel[c][c'] is
        # where an agent at c' shows in the observation of an agent at c (0: not in view, -1: the
        # same cell, i.e. the window's centre)
        distinct = not self.wrap or min(h, w) >= d
        self.pairs = distinct and h * w <= MAX_PAIR_CELLS and self.n_agents <= MAX_PAIR_AGENTS
        self.rel: list[list[int]] = self._pair_table() if self.pairs else []
        # an agent seen at spot p of the window sees the other at spot d² − 1 − p: rel index k of
        # one is ``mirror − k`` of the other
        self.mirror = 2 * self.others.start + dd - 1

    def _next_cells(self) -> npt.NDArray[np.int64]:
        h, w = self.shape
        out = np.empty((h * w, len(MOVES)), dtype=np.int64)
        for y in range(h):
            for x in range(w):
                for m, (dy, dx) in enumerate(MOVES.values()):
                    ty, tx = y + dy, x + dx
                    if self.wrap:
                        ty, tx = ty % h, tx % w
                    ok = 0 <= ty < h and 0 <= tx < w and not self.wall[ty, tx]
                    out[y * w + x, m] = ty * w + tx if ok else y * w + x
        return out

    def _windows(self) -> npt.NDArray[np.int64]:
        h, w = self.shape
        offs = np.arange(-self.view_radius, self.view_radius + 1)
        ys = np.arange(h)[:, None, None, None] + offs[None, None, :, None]  # (h, 1, d, 1)
        xs = np.arange(w)[None, :, None, None] + offs[None, None, None, :]  # (1, w, 1, d)
        ys, xs = np.broadcast_arrays(ys, xs)  # (h, w, d, d)
        if self.wrap:
            flat = (ys % h) * w + xs % w
        else:
            inside = (ys >= 0) & (ys < h) & (xs >= 0) & (xs < w)
            flat = np.where(inside, ys * w + xs, h * w)
        return np.ascontiguousarray(flat.reshape(h * w, -1), dtype=np.int64)

    def _base(self) -> npt.NDArray[np.float32]:
        h, w = self.shape
        dd = self.d * self.d
        cells = np.zeros((h * w + 1, self.n_channels - 1), dtype=np.float32)  # + the sentinel
        cells[:-1, 0] = self.wall.ravel()
        cells[-1, 0] = 1.0  # outside a walled grid reads as wall
        for k in range(len(self.kinds)):
            cells[:-1, 1 + k] = self.kind.ravel() == k
        out = np.zeros((h * w, self.size), dtype=np.float32)
        static = cells[self.window]  # (H·W, d², C − 1)
        out[:, : (self.n_channels - 1) * dd] = np.moveaxis(static, 2, 1).reshape(h * w, -1)
        out[:, -2] = 1.0  # the one type
        return out

    def _pair_table(self) -> list[list[int]]:
        hw = len(self.kind_of)
        dd = self.d * self.d
        table = np.zeros((hw, hw), dtype=np.int64)
        rows = np.repeat(np.arange(hw), dd)
        cols = self.window.ravel()
        spot = np.tile(np.arange(dd), hw) + self.others.start
        keep = cols < hw  # not the outside sentinel
        table[rows[keep], cols[keep]] = spot[keep]
        table[np.arange(hw), np.arange(hw)] = -1  # the same cell
        return table.tolist()

    def layout_slices(self) -> dict[str, slice]:
        """Block name → slice of an observation: ``"wall"``, ``"resource_<letter>"`` per kind,
        ``"others"`` (each ``d²``, row-major over the window), ``"type"`` and ``"round"``."""
        dd = self.d * self.d
        names = ["wall", *(f"resource_{k}" for k in self.kinds), "others"]
        out = {name: slice(i * dd, (i + 1) * dd) for i, name in enumerate(names)}
        out["type"] = slice(self.size - 2, self.size - 1)
        out["round"] = slice(self.size - 1, self.size)
        return out

    def cells_of(self, positions: Any) -> npt.NDArray[np.int64]:
        """Flat cells of ``(…, 2)`` ``(row, col)`` positions."""
        p = np.asarray(positions, dtype=np.int64)
        return p[..., 0] * self.shape[1] + p[..., 1]

    def positions_of(self, cells: Any) -> npt.NDArray[np.int64]:
        """``(…, 2)`` ``(row, col)`` of flat cells."""
        c = np.asarray(cells, dtype=np.int64)
        return np.stack(np.divmod(c, self.shape[1]), axis=-1)
