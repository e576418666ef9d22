"""The resource gridworld's observations on grids with a pair table, as one generated function.

A step hands every agent a fresh copy of its cell's static ``(D,)`` row (``base`` in
:mod:`powergames.envs.gridworld_tables`) with the "round" entry set, then writes the other-agents
channel. With the cells as bits of one int (``bits[c] = 1 << c``), ``view[c]`` holds the cells
other than ``c`` in ``c``'s window, so the agents agent ``i`` sees are the set bits of
``view[c_i] & occupied`` — one ``&`` per agent, and for the usual single neighbour one look-up in
``spot_of[c_i]`` (bit of the neighbour's cell → its spot in the row).

Per-agent Python is the step's cost at 4–8 agents, so the function is written out for the agent
count (no loops, no ``zip`` over the dict): about 20 % faster than the same steps in a loop. The
generated text holds only identifiers (``c0, r0, k0, …``); the agents' names and the tables are
bound as values, never written into it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = ["pair_observer"]

Observer = Callable[[Sequence[int], float], tuple[dict[str, np.ndarray], bool]]


def _see(row: np.ndarray, spots: dict[int, int], seen: int, one: float) -> None:
    """Write ``one`` at the spot of every set bit of ``seen`` (each a cell with one agent)."""
    k = spots.get(seen)
    if k is not None:  # one neighbour: one look-up
        row[k] = one
        return
    while seen:
        b = seen & -seen  # the lowest set bit
        row[spots[b]] = one
        seen ^= b


def pair_observer(
    names: Sequence[str],
    rows: Sequence[np.ndarray],
    bits: Sequence[int],
    view: Sequence[int],
    spot_of: Sequence[dict[int, int]],
    one: float,
) -> Observer:
    """``f(cells, last) -> (obs, distinct)`` for ``len(names)`` agents on ``cells``.

    ``obs[names[i]]`` is a fresh copy of ``rows[cells[i]]`` with its last entry set to ``last``.
    When the cells are distinct (``distinct``), the other-agents channel is written too: ``one``
    (``1/(n − 1)``) at each spot of agent ``i``'s window that holds another agent. When two
    agents share a cell, ``distinct`` is False and the channel is left to the caller (counts).

    Args:
        names: the agents, in seat order (at least one).
        rows: ``(D,)`` float32 row per flat cell (the static window, the "type" entries).
        bits: ``1 << c`` per flat cell ``c``.
        view: per cell, the sum of the bits of the other cells in its window.
        spot_of: per cell ``c``, ``{bits[c2]: index in the row of c2's spot}``.
        one: what one other agent on a spot counts (``1 / (n − 1)``).
    """
    n = len(names)
    if n == 0:
        raise ValueError("names must hold at least one agent")
    lines = ["def observe(cells, last):", "    " + "".join(f"c{i}, " for i in range(n)) + "= cells"]
    for i in range(n):
        lines += [f"    r{i} = rows[c{i}].copy()", f"    r{i}[-1] = last"]
    lines.append("    obs = {" + ", ".join(f"k{i}: r{i}" for i in range(n)) + "}")
    lines.append("    occupied = " + " | ".join(f"bits[c{i}]" for i in range(n)))
    lines += [f"    if occupied.bit_count() != {n}:", "        return obs, False"]
    for i in range(n):
        lines += [
            f"    seen = view[c{i}] & occupied",
            "    if seen:",
            f"        see(r{i}, spot_of[c{i}], seen, one)",
        ]
    lines.append("    return obs, True")
    scope: dict[str, Any] = {f"k{i}": name for i, name in enumerate(names)}
    scope.update(rows=rows, bits=bits, view=view, spot_of=spot_of, one=one, see=_see)
    exec("\n".join(lines) + "\n", scope)
    observe: Observer = scope["observe"]
    return observe
