"""Generators of symmetric unit-sum games in count form: the majority game and random games (MATH.md §1).

Both tables are unit-sum by construction, so the games are built with
:meth:`SymmetricUnitSumGame.trusted` (no re-validation). Tables are filled in place, one block of
count vectors at a time, with ranks by index arithmetic (:func:`composition_ranks`); the arrays
alive at the peak are estimated first and refused with the estimate when they do not fit in memory.
"""

from __future__ import annotations

import numbers

import numpy as np
import numpy.typing as npt

from powergames.games.checks import check_positive_int, check_rng
from powergames.games.counts import check_count_size, composition_blocks, composition_ranks
from powergames.games.majority_counts import majority_shares
from powergames.games.memory import check_memory
from powergames.games.symmetric import SymmetricUnitSumGame

#: Largest ``spread`` of :func:`random_symmetric_unit_sum_game`: ``exp(spread · z)`` stays within float64
#: (``e^{±709}``) for ``|z| <= 13``, so weights and their sums never overflow or vanish.
MAX_SPREAD = 50.0

#: Count vectors processed at once when filling a table.
_BLOCK = 2**20

__all__ = ["MAX_SPREAD", "majority_game", "random_symmetric_unit_sum_game"]


def majority_game(n_players: int, n_actions: int) -> SymmetricUnitSumGame:
    """The majority game of Theorem 1 (MATH.md §1).

    Actions ``0..k-1``; the shares are split evenly among the players on the most common action, ties
    going to the lowest such action; one state (``X`` is unused).

    Implements MATH.md (1.10).

    Args:
        n_players: ``n >= 1``.
        n_actions: ``k >= 1`` (Theorem 1's guarantee for a majority coalition is ``1 - 1/k``).

    Returns:
        A one-state :class:`SymmetricUnitSumGame` with ``table`` of shape
        ``(1, k, C(n+k-2, k-1))``: ``table[0, a, c]`` is ``1/m_a`` if ``a`` is the (lowest-index) most
        common action of ``m = c + e_a``, else 0; the prior is ``[1.0]``.

    Raises:
        TypeError: ``n_players`` or ``n_actions`` not an integer.
        ValueError: either below 1, or a table and count vectors that do not fit in memory (the
            message gives the estimate).

    Example:
        >>> g = majority_game(3, 2)
        >>> g.pure_shares(0, [0, 0, 1]).tolist()
        [0.5, 0.5, 0.0]
    """
    n = check_positive_int("n_players", n_players)
    k = check_positive_int("n_actions", n_actions)
    n_counts = check_count_size(n - 1, k)
    check_memory(
        f"the majority game of {n} players and {k} actions",
        {"table": k * n_counts * 8, "blocks of count vectors": 8 * _BLOCK * k * 8},
    )
    table = np.empty((1, k, n_counts))
    for lo, others in composition_blocks(n - 1, k, _BLOCK):
        table[0, :, lo : lo + len(others)] = majority_shares(others, n)
    return SymmetricUnitSumGame.trusted(n, table, np.ones(1))


def random_symmetric_unit_sum_game(
    n_players: int,
    n_actions: int,
    n_states: int,
    rng: np.random.Generator,
    spread: float = 2.0,
) -> SymmetricUnitSumGame:
    """A random symmetric unit-sum game with a random prior.

    Each (state, own action, others' counts) gets a positive weight ``w(x, a, c) = exp(spread · z)``
    with ``z`` standard normal; at a full count vector ``m`` each player on action ``a`` receives
    ``w(x, a, m - e_a) / Σ_b m_b w(x, b, m - e_b)``, so shares are symmetric and sum to one. The prior
    is drawn from a flat Dirichlet.

    Implements MATH.md (1.2) and (1.3).

    Args:
        n_players: ``n >= 1``.
        n_actions: ``k >= 1``.
        n_states: ``|𝒳| >= 1``.
        rng: the generator (explicit randomness).
        spread: standard deviation of the log-weights, a real number in ``[0, MAX_SPREAD]``
            (``MAX_SPREAD = 50``). 0 gives the equal split ``1/n``; larger values give more unequal
            shares (at 50 a weight ratio of ``e^{50}`` per unit of ``z`` — already winner-take-all).
            The bound keeps ``exp(spread · z)`` and its sums finite and non-zero in float64 for
            ``|z| <= 13`` (the largest of 50M standard normal draws is about 6).

    Returns:
        A :class:`SymmetricUnitSumGame` with ``table`` of shape ``(n_states, k, C(n+k-2, k-1))`` and
        ``prior`` of shape ``(n_states,)``.

    Raises:
        TypeError: a non-integer size, ``rng`` not a generator or seed, ``spread`` not a real number.
        ValueError: a size below 1, a table and work arrays that do not fit in memory (the
            message gives the estimate), or ``spread`` not finite or outside
            ``[0, MAX_SPREAD]``.

    Example:
        >>> g = random_symmetric_unit_sum_game(4, 2, 1, rng=0)
        >>> float(g.pure_shares(0, [0, 1, 1, 0]).sum())
        1.0
    """
    n = check_positive_int("n_players", n_players)
    k = check_positive_int("n_actions", n_actions)
    s = check_positive_int("n_states", n_states)
    rng = check_rng(rng)
    if isinstance(spread, bool) or not isinstance(spread, numbers.Real):
        raise TypeError(
            f"spread must be a real number in [0, {MAX_SPREAD:g}], got {type(spread).__name__}"
        )
    if not 0.0 <= float(spread) <= MAX_SPREAD:  # also rejects NaN and infinities
        raise ValueError(
            f"spread must be a finite number in [0, {MAX_SPREAD:g}] (the log-weights' standard "
            f"deviation; larger values overflow exp), got {spread!r}"
        )
    n_counts = check_count_size(n - 1, k)
    n_full = check_count_size(n, k)
    check_memory(
        f"a random {k}-action count-form game of {n} players and {s} states",
        {
            "table": s * k * n_counts * 8,
            "normaliser": s * n_full * 8,
            "blocks of count vectors": 8 * _BLOCK * k * 8 * max(s, 1),
        },
    )
    # the weights w(x, a, c) = exp(spread · z) are drawn into the table and normalised in place
    table = np.empty((s, k, n_counts))
    rng.standard_normal(out=table)
    table *= spread
    np.exp(table, out=table)
    z = _normaliser(table, n)
    for lo, others in composition_blocks(n - 1, k, _BLOCK):
        block = slice(lo, lo + len(others))
        for a in range(k):
            m = others.copy()
            m[:, a] += 1
            table[:, a, block] /= z[:, composition_ranks(m, n)]
    del z
    prior = rng.dirichlet(np.ones(s))
    return SymmetricUnitSumGame.trusted(n, table, prior)


def _normaliser(weights: npt.NDArray[np.float64], n: int) -> npt.NDArray[np.float64]:
    """``Z(x, m) = Σ_b m_b w(x, b, m - e_b)`` over all players' count vectors ``m``, shape ``(S, n_full)``."""
    s, k, _ = weights.shape
    z = np.zeros((s, check_count_size(n, k)))
    for lo, m in composition_blocks(n, k, _BLOCK):
        block = slice(lo, lo + len(m))
        for b in range(k):
            rows = np.flatnonzero(m[:, b])
            dropped = m[rows]
            dropped[:, b] -= 1
            z[:, block.start + rows] += (
                m[rows, b] * weights[:, b, composition_ranks(dropped, n - 1)]
            )
    return z
