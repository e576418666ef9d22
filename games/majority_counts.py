"""The majority game with shares computed from the counts: no table (MATH.md (1.10)).

In the majority game a player's share is a formula of its action and the others' counts — ``1/m_a``
when its action ``a`` is the (lowest-index) most common one of ``m = c + e_a``, else 0 — so exact
coalition values need no stored table: :class:`MajorityCountGame` evaluates the formula on the
blocks of count vectors a computation visits. At ``k = 3, n = 30,000`` the table would hold
``3 · C(30001, 2) ≈ 1.35e9`` float64 (10 GiB); this game holds nothing but ``n`` and ``k``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from powergames.games.base import Contexts
from powergames.games.checks import check_positive_int
from powergames.games.counts import n_compositions

if TYPE_CHECKING:
    from powergames.games.normal_form import NormalFormGame
    from powergames.games.symmetric import SymmetricUnitSumGame

__all__ = ["MajorityCountGame", "majority_shares"]


def majority_shares(
    counts: npt.NDArray[np.integer],
    n_players: int,
    actions: npt.NDArray[np.intp] | None = None,
) -> npt.NDArray[np.float64]:
    """Majority-game shares of a player on each action, given the others' counts, MATH.md (1.10).

    Args:
        counts: shape ``(L, k)``, the others' count vectors (rows sum to ``n - 1``; unchecked).
        n_players: ``n``.
        actions: the actions wanted (all when ``None``).

    Returns:
        Shape ``(|actions|, L)``: ``[a, r] = 1/(c_a + 1)`` if ``a`` is the lowest most common action of
        ``counts[r] + e_a`` — ``c_a >= c_b`` for ``b < a`` and ``c_a + 1 >= c_b`` for ``b > a`` — else 0.
    """
    c = np.ascontiguousarray(counts.T, dtype=np.int32)  # (k, L): one row per action
    k, length = c.shape
    inverse = 1.0 / np.arange(1, n_players + 1, dtype=np.float64)
    below = np.full((k, length), -1, dtype=np.int32)  # max_{b < a} c_b
    above = np.full((k, length), -1, dtype=np.int32)  # max_{b > a} c_b
    for a in range(1, k):
        np.maximum(below[a - 1], c[a - 1], out=below[a])
        np.maximum(above[k - a], c[k - a], out=above[k - a - 1])
    if actions is not None:
        c, below, above = c[actions], below[actions], above[actions]
    out = np.take(inverse, c)
    out *= (c >= below) & (c + 1 >= above)
    return out


@dataclass(frozen=True, eq=False)
class MajorityCountGame:
    """The majority game of ``n`` players and ``k`` actions, shares by formula (module docstring).

    The same game as :func:`~powergames.games.symmetric.majority_game` (one state), offering the
    :class:`~powergames.games.base.Game` protocol and the two share readers a count-form computation
    uses (:meth:`shares_block`, :meth:`shares_gather`) without a table.

    Args:
        n_players: ``n >= 1``; n_actions: ``k >= 1``.

    Example:
        >>> g = MajorityCountGame(3, 2)
        >>> g.payoffs_at(0, (0, 0, 1)).tolist()
        [0.5, 0.5, 0.0]
    """

    n_players: int
    n_actions: int
    contexts: Contexts = field(init=False, repr=False)

    n_states = 1
    per_type = False
    is_unit_sum = True
    count_form = True

    def __post_init__(self) -> None:
        n = check_positive_int("n_players", self.n_players)
        k = check_positive_int("n_actions", self.n_actions)
        object.__setattr__(self, "n_players", n)
        object.__setattr__(self, "n_actions", k)
        object.__setattr__(self, "contexts", Contexts.hidden_state(np.ones(1), n))

    @property
    def prior(self) -> npt.NDArray[np.float64]:
        """``[1.0]``: one state."""
        return self.contexts.prior

    @property
    def action_sizes(self) -> tuple[int, ...]:
        return (self.n_actions,) * self.n_players

    @property
    def type_sizes(self) -> tuple[int, ...]:
        return (1,) * self.n_players

    @property
    def n_counts(self) -> int:
        """``C(n+k-2, k-1)``: the others' count vectors (columns a table would have)."""
        return n_compositions(self.n_players - 1, self.n_actions)

    def shares_block(self, start: int, counts: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        """Shares at the others' count vectors ``counts`` (rows ``start:start+L`` of the enumeration).

        Returns shape ``(1, k, L)``, what ``table[:, :, start:start+L]`` would hold.
        """
        return majority_shares(counts, self.n_players)[None]

    def shares_gather(
        self, counts: npt.NDArray[np.int64], actions: npt.NDArray[np.intp]
    ) -> npt.NDArray[np.float64]:
        """Shares of a player on each of ``actions`` at the others' counts ``counts`` → ``(1, |actions|, L)``."""
        return majority_shares(counts, self.n_players, actions)[None]

    def payoffs_batch(
        self, ctx: npt.NDArray[np.int64], actions: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.float64]:
        """Shares for a batch of joint actions ``(B, n)`` → ``(B, n)`` (unchecked; one state)."""
        b, k = actions.shape[0], self.n_actions
        flat = (np.arange(b, dtype=np.int64)[:, None] * k + actions).ravel()
        m = np.bincount(flat, minlength=b * k).reshape(b, k)
        winner = np.argmax(m, axis=1)  # the first maximum: ties toward lower actions
        size = m[np.arange(b), winner]
        return np.where(actions == winner[:, None], 1.0 / size[:, None], 0.0)

    def payoffs_at(self, ctx: int, joint: tuple[int, ...]) -> npt.NDArray[np.float64]:
        return self.payoffs_batch(np.array([ctx]), np.asarray(joint, dtype=np.int64)[None])[0]

    def to_table(self) -> SymmetricUnitSumGame:
        """The same game with its table (:func:`~powergames.games.symmetric.majority_game`)."""
        from powergames.games.symmetric import majority_game

        return majority_game(self.n_players, self.n_actions)

    def as_normal_form(self) -> NormalFormGame:
        return self.to_table().as_normal_form()

    def __repr__(self) -> str:
        return f"MajorityCountGame(n_players={self.n_players}, n_actions={self.n_actions})"
