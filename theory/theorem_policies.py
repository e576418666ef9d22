"""The policies of Theorems 1 and 2 and the largest ``k`` Theorem 2 guarantees (MATH.md §1).

Theorem 1 (MATH.md (1.10)): in the majority game a majority coalition sharing one uniformly drawn
action gets at least ``1 − 1/k``. Theorem 2 (MATH.md (1.11)): in a symmetric unit-sum game a
coalition of at least ``(k−1)/k`` of the players copying its opponent ``k−1`` times gets at least
``(k−1)/k`` in every state.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from powergames.games.checks import check_distribution, check_positive_int
from powergames.theory.coalition_policies import (
    CoalitionPolicy,
    IndependentPolicy,
    ProductPolicy,
    SharedActionPolicy,
    pooled_policy,
)

__all__ = ["coalition_copying_policy", "max_guarantee_k", "theorem1_policy"]


def theorem1_policy(n_members: int, n_actions: int) -> SharedActionPolicy:
    """Theorem 1's policy: draw one action uniformly at random and have every member play it.

    Implements MATH.md (1.10).

    Example:
        >>> from powergames.games import majority_game
        >>> from powergames.theory.coalition_values import coalition_values
        >>> opponents = np.zeros((4, 4))
        >>> opponents[0, 1] = 1.0  # the two outsiders play actions 0 and 1
        >>> g = majority_game(5, 4)
        >>> coalition_values(g, [[0, 1, 2], [3, 4]], [theorem1_policy(3, 4), opponents]).round(12).tolist()
        [[0.875, 0.125]]
    """
    return SharedActionPolicy(n_members, n_actions)


def max_guarantee_k(coalition_size: int, n_players: int) -> int:
    """The largest integer ``k`` for which Theorem 2 applies: ``|c_1| >= (k-1)/k · n``.

    Equivalently ``(k-1)·|c_2| <= |c_1|`` with ``|c_2| = n - |c_1|``, so
    ``k = ⌊|c_1| / (n - |c_1|)⌋ + 1``; the guarantee is then ``(k-1)/k``. ``k = 1`` (a coalition of at
    most half the players) is the trivial guarantee 0.

    Implements MATH.md (1.11).

    Raises:
        ValueError: if ``coalition_size`` is not in ``[1, n_players - 1]`` (a coalition of everyone
            holds every share; there is no finite ``k``).

    Example:
        >>> max_guarantee_k(8, 10)
        5
    """
    n = check_positive_int("n_players", n_players, minimum=2)
    size = check_positive_int("coalition_size", coalition_size)
    if size >= n:
        raise ValueError(
            f"coalition_size must be below n_players={n} (a coalition of everyone holds every share; "
            f"no finite k), got {size}"
        )
    return size // (n - size) + 1


def coalition_copying_policy(
    opponents: CoalitionPolicy | Any | Sequence[CoalitionPolicy | Any],
    coalition_size: int,
    k: int | None = None,
    leftover: Any = None,
) -> ProductPolicy:
    """Theorem 2's coalition-copying policy for a coalition ``c_1`` facing ``c_2``.

    ``c_1``'s members (in increasing player order) are split into ``k-1`` consecutive sub-coalitions of
    ``|c_2|`` players plus ``|c_1| - (k-1)|c_2|`` leftovers. Each sub-coalition independently draws its
    members' actions from ``π_2``, the ``t``-th member of a sub-coalition playing what ``c_2``'s
    ``t``-th member would. **Leftover rule:** leftover players draw i.i.d. from ``leftover``
    (uniform by default), independently of everything else — which keeps ``c_2`` and the copies
    exchangeable, so in a symmetric game ``r_1(x) >= (k-1)/k`` for every ``x``.

    Implements MATH.md (1.11).

    Args:
        opponents: ``π_2`` — a policy or dense joint array; or a sequence of them, the other
            coalitions pooled into one ``c_2`` (members in block order).
        coalition_size: ``|c_1|``.
        k: the guarantee parameter (integer ``>= 2``); :func:`max_guarantee_k` when ``None``.
        leftover: shape ``(n_actions,)``, the leftovers' mixed strategy.

    Raises:
        TypeError: if ``k`` is not an integer.
        ValueError: if ``k < 2``, or ``(k-1)·|c_2| > |c_1|`` (the coalition is too small for ``k``;
            with ``k=None``, too small even for ``k = 2``).

    Example:
        >>> from powergames.theory.coalition_policies import IndependentPolicy
        >>> policy = coalition_copying_policy(IndependentPolicy(2, [0.5, 0.5]), 7, k=3)
        >>> policy.n_members
        7
    """
    if isinstance(opponents, CoalitionPolicy) or isinstance(opponents, np.ndarray):
        opponent = pooled_policy([opponents])
    else:
        opponent = pooled_policy(list(opponents))
    size = check_positive_int("coalition_size", coalition_size)
    n_opp = opponent.n_members
    if leftover is not None:  # checked even when no member is left over
        leftover = check_distribution("leftover", leftover, shape=(opponent.n_actions,))
    if k is None:
        k = max_guarantee_k(size, size + n_opp)
        if k < 2:
            raise ValueError(
                f"a coalition of {size} facing {n_opp} players is too small for Theorem 2: even "
                f"k = 2 needs (k-1)·|c_2| = {n_opp} members"
            )
    if isinstance(k, bool) or not isinstance(k, int | np.integer):
        raise TypeError(f"k must be an integer (Theorem 2's k), got {type(k).__name__}")
    if k < 2:
        raise ValueError(f"k must be >= 2 (Theorem 2's k), got {k}")
    k = int(k)
    if (k - 1) * n_opp > size:
        raise ValueError(
            f"a coalition of {size} players is too small for k={k} against {n_opp} opponents: the "
            f"copying policy needs (k-1)·|c_2| = {(k - 1) * n_opp} members (largest k: "
            f"{max_guarantee_k(size, size + n_opp)})"
        )
    if opponent.n_actions < 1:
        raise ValueError("the opponents' policy needs the same action set for every member")
    parts: list[CoalitionPolicy] = [opponent] * (k - 1)
    n_left = size - (k - 1) * n_opp
    if n_left:
        na = opponent.n_actions
        strategy = np.full(na, 1.0 / na) if leftover is None else leftover
        parts.append(
            IndependentPolicy(n_left, check_distribution("leftover", strategy, shape=(na,)))
        )
    return ProductPolicy(parts)
