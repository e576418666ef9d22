"""Dense conversions of symmetric games and the symmetry test (MATH.md (1.2)).

:func:`table_from_dense` reads a count table from player 0's shares at one canonical profile per
(own action, others' counts); :func:`dense_from_table` writes every player's share at every pure
profile from a count table; :func:`is_symmetric` tests a dense game through the round trip.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from powergames.games.checks import SUM_TOL
from powergames.games.counts import composition_ranks, compositions
from powergames.games.unit_sum import UnitSumGame

__all__ = ["dense_from_table", "is_symmetric", "table_from_dense"]


def table_from_dense(game: UnitSumGame) -> npt.NDArray[np.float64]:
    """Read player 0's shares at one canonical profile per (own action, others' counts)."""
    if not isinstance(game, UnitSumGame):
        raise TypeError(f"game must be a UnitSumGame, got {type(game).__name__}")
    ks = set(game.n_actions)
    if len(ks) != 1:
        raise ValueError(
            f"a symmetric game needs the same action count for every player, got {game.n_actions}"
        )
    n, k = game.n_players, game.n_actions[0]
    others = compositions(n - 1, k)
    # canonical profile of the others: actions in increasing order, e.g. counts (2,0,1) -> (0,0,2)
    positions = np.arange(n - 1)
    bounds = np.cumsum(others, axis=1)
    sorted_actions = (positions[None, :, None] >= bounds[:, None, :]).sum(axis=2)
    strides = k ** np.arange(n - 2, -1, -1, dtype=np.int64)
    others_flat = sorted_actions @ strides if n > 1 else np.zeros(1, dtype=np.int64)
    own_flat = np.arange(k, dtype=np.int64) * k ** (n - 1)
    flat = own_flat[:, None] + others_flat[None, :]
    player0 = game.shares[:, 0].reshape(game.n_states, -1)
    return player0[:, flat]


def dense_from_table(table: npt.NDArray[np.float64], n: int) -> npt.NDArray[np.float64]:
    """Every player's share at every pure profile read from a (possibly unvalidated) count table.

    Args:
        table: shape ``(n_states, k, C(n+k-2, k-1))`` as in :class:`SymmetricUnitSumGame`.
        n: the number of players.

    Returns:
        Shape ``(n_states, n, k**n)``: ``[x, i, p] = table[x, a_i, index(counts(a) - e_{a_i})]`` for
        the ``p``-th profile ``a`` in C order.
    """
    k = table.shape[1]
    profiles = np.indices((k,) * n).reshape(n, -1).T  # (k**n, n)
    rows = np.arange(len(profiles), dtype=np.int64)[:, None]
    m = np.bincount((rows * k + profiles).ravel(), minlength=len(profiles) * k)
    m = m.reshape(len(profiles), k)
    others = np.repeat(m[:, None, :], n, axis=1)  # (k**n, n, k): everybody's counts ...
    np.subtract.at(others, (rows, np.arange(n)[None, :], profiles), 1)  # ... minus one's own action
    cols = composition_ranks(others, n - 1)  # (k**n, n)
    return np.moveaxis(table[:, profiles, cols], 2, 1)


def is_symmetric(game: UnitSumGame, tol: float = SUM_TOL) -> bool:
    """Whether a dense unit-sum game is symmetric (MATH.md §1).

    Symmetry is checked in its equivalent form: ``s_i(x, a)`` is one function of ``x``, ``a_i`` and the
    counts of the others' actions, the same for every player ``i`` (equivalently
    ``s_{p(i)}(x, b) = s_i(x, a)`` where ``b_{p(j)} = a_j`` for every permutation ``p``).

    Implements MATH.md (1.2).

    Args:
        game: a dense :class:`UnitSumGame`.
        tol: absolute tolerance on shares.
    """
    if not isinstance(game, UnitSumGame):
        raise TypeError(f"game must be a UnitSumGame, got {type(game).__name__}")
    if len(set(game.n_actions)) != 1:
        return False
    try:
        from powergames.games.symmetric import SymmetricUnitSumGame

        SymmetricUnitSumGame.from_dense(game, tol=tol)
    except ValueError:
        return False
    return True
