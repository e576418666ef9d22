"""Fictitious play (Brown 1951): best-respond to the empirical play of the others so far.

Player ``i`` keeps the cumulative payoff vector ``S_t = Σ_{s≤t} u_i(·, a^s_{−i})`` and plays a pure
best response ``σ_{t+1} = argmax_a S_t(a)``: against the *empirical joint distribution* of the
others' past play, since the payoff is linear in it. With two players that is classic fictitious
play; with more it is the joint-belief variant ("joint strategy fictitious play", Marden, Arslan &
Shamma 2009). The average strategy (:meth:`~powergames.agents.learner.Learner.average_strategy`) is
the empirical frequency of the player's own actions — the object of the textbook results:

* in two-player zero-sum games the empirical frequencies converge to the equilibrium set
  (Robinson 1951), so NashConv of the average profile tends to 0;
* in Shapley's 3×3 game (1964) they do not converge: play cycles through six pure profiles with
  run lengths that grow geometrically, and the empirical frequencies approach a limit cycle
  (the "Shapley triangle") away from the unique equilibrium.

Ties are broken in favour of the current action, then the lowest index.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from powergames.agents.learner import Learner, best_response_set


def pure_best_response(
    values: npt.NDArray[np.float64], current: npt.NDArray[np.float64], tol: float = 1e-12
) -> npt.NDArray[np.float64]:
    """One-hot best responses per row: keep the current pure action if it is a maximiser.

    Args:
        values: shape ``(B, K)``.
        current: shape ``(B, K)``, the current strategies.
        tol: actions within ``tol`` of the maximum count as maximisers.

    Returns:
        Shape ``(B, K)``, one-hot rows.
    """
    best = best_response_set(values, tol)
    keep = np.argmax(current, axis=1)
    keep_ok = best[np.arange(len(values)), keep] & (current.max(axis=1) == 1.0)
    choice = np.where(keep_ok, keep, np.argmax(best, axis=1))
    out = np.zeros_like(values)
    out[np.arange(len(values)), choice] = 1.0
    return out


class FictitiousPlay(Learner):
    """Fictitious play (pure best responses to the cumulative payoff vector).

    Args:
        n_actions: ``k`` or a coalition's joint action shape ``(k,)*m``.
        **kwargs: :class:`~powergames.agents.learner.Learner`'s options; ``initial`` is the first
            strategy played (uniform by default — pass a one-hot row for classic pure play).
    """

    def __init__(self, n_actions: int | tuple[int, ...], **kwargs: Any) -> None:
        super().__init__(n_actions, **kwargs)
        self._cumulative = np.zeros((self.n_types, self.n_flat))

    @property
    def cumulative_payoff(self) -> npt.NDArray[np.float64]:
        """``S_t`` per type, shape ``(T, K)``."""
        return self._cumulative.copy()

    def _step(self, types: slice | npt.NDArray[np.int64], values: npt.NDArray[np.float64]) -> None:
        self._cumulative[types] += values
        self._current[types] = pure_best_response(self._cumulative[types], self._current[types])
