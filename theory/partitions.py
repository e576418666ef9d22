"""Coalition structures: partitions of the players into coalitions (MATH.md §1, "Coalitions").

The one validator of a partition for the whole package (:func:`check_coalitions`, used by the exact
computations and by the environments) and a builder of contiguous partitions.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from powergames.games.checks import check_positive_int

__all__ = ["check_coalitions", "contiguous_coalitions"]


def check_coalitions(coalitions: object, n_players: int) -> tuple[tuple[int, ...], ...]:
    """Validate a partition of ``range(n_players)`` into coalitions ``c_1..c_m`` (MATH.md §1).

    Each coalition is a non-empty sequence of player indices in **increasing order** — the order of
    a joint policy's axes and of a coalition agent's ``MultiDiscrete`` action — and every player
    appears in exactly one coalition. Members out of order are refused, never sorted silently: a
    joint policy written for ``[1, 0]`` would otherwise be read with its axes swapped.

    Args:
        coalitions: a sequence of sequences of integer player indices (NumPy integers and integer
            arrays are accepted).
        n_players: ``n >= 1``.

    Returns:
        The coalitions as tuples of Python ints, in the order given.

    Raises:
        TypeError: not a sequence of sequences of integers (strings, bools and floats refused).
        ValueError: an empty coalition, a player out of range, a player in two coalitions (the
            message names both), members not in increasing order, or a player in no coalition.

    Example:
        >>> check_coalitions([[0, 2], [1]], 3)
        ((0, 2), (1,))
        >>> check_coalitions([[1, 0], [2]], 3)
        Traceback (most recent call last):
        ...
        ValueError: coalitions[0] must list its members in increasing order (the order of a joint policy's axes), got [1, 0]; write [0, 1]
    """
    n_players = check_positive_int("n_players", n_players)
    if isinstance(coalitions, str | bytes | np.ndarray) or not isinstance(coalitions, Sequence):
        raise TypeError(
            f"coalitions must be a list of lists of player indices, got {type(coalitions).__name__}"
        )
    seen: dict[int, int] = {}
    out = []
    for j, members in enumerate(coalitions):
        if isinstance(members, str | bytes) or not isinstance(members, Sequence | np.ndarray):
            raise TypeError(
                f"coalitions[{j}] must be a list of player indices, got {type(members).__name__}"
            )
        members = list(members)
        if not members:
            raise ValueError(f"coalitions[{j}] is empty; every coalition needs a member")
        for t, i in enumerate(members):
            if isinstance(i, bool | np.bool_) or not isinstance(i, int | np.integer):
                raise TypeError(
                    f"coalitions[{j}] must hold integer player indices, got {i!r} at position {t}"
                )
            if not 0 <= i < n_players:
                raise ValueError(f"coalitions[{j}] has player {i}, outside [0, {n_players})")
            if int(i) in seen:
                raise ValueError(
                    f"player {i} is in coalitions[{seen[int(i)]}] and coalitions[{j}]: coalitions "
                    "must not overlap"
                )
            seen[int(i)] = j
        members = [int(i) for i in members]
        if any(b <= a for a, b in zip(members, members[1:])):
            raise ValueError(
                f"coalitions[{j}] must list its members in increasing order (the order of a joint "
                f"policy's axes), got {members}; write {sorted(members)}"
            )
        out.append(tuple(members))
    missing = [i for i in range(n_players) if i not in seen]
    if missing:
        raise ValueError(f"coalitions must cover every player; missing players {missing}")
    return tuple(out)


def contiguous_coalitions(sizes: Sequence[int]) -> list[list[int]]:
    """Coalitions of consecutive players with the given sizes.

    Args:
        sizes: one positive integer per coalition.

    Raises:
        TypeError: ``sizes`` not a sequence of integers.
        ValueError: a size below 1 or no sizes.

    Example:
        >>> contiguous_coalitions([2, 1])
        [[0, 1], [2]]
    """
    if isinstance(sizes, str | bytes) or not isinstance(sizes, Sequence | np.ndarray):
        raise TypeError(f"sizes must be a sequence of integers, got {type(sizes).__name__}")
    if len(sizes) == 0:
        raise ValueError("sizes must name at least one coalition")
    out, start = [], 0
    for j, s in enumerate(sizes):
        s = check_positive_int(f"sizes[{j}]", s)
        out.append(list(range(start, start + s)))
        start += s
    return out
