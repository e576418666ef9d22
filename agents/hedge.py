"""Hedge / multiplicative weights (Freund & Schapire 1997); on sampled rewards it is Exp3.

``σ_{t+1}(a) ∝ exp(η_{t+1} S_t(a))`` with ``S_t = Σ_{s≤t} u_s`` the cumulative payoff vector.
Guarantees (Cesa-Bianchi & Lugosi 2006, Thms 2.2–2.3), for payoffs in an interval of width ``Δ``:
a constant ``η = √(8 ln K / T) / Δ`` tuned to the horizon ``T`` gives regret at most
``Δ √(T ln K / 2)``; the anytime rate ``η_t = √(8 ln K / t) / Δ`` (the default) gives at most
``Δ (√(2 T ln K) + √(ln K / 8))``. In two-player zero-sum self-play the average strategies'
NashConv is at most the sum of the players' average regrets, so ``O(1/√T)``; with alternating
updates and a constant ``η`` it is much faster in practice.

Sampled form (realised rewards only): with importance-weighted estimates and
``exploration = γ``, ``learning_rate = γ / K`` this is Exp3 (Auer, Cesa-Bianchi, Freund & Schapire
2002): for rewards in ``[0, 1]`` and ``γ = min(1, √(K ln K / ((e − 1) T)))`` its expected regret is at
most ``2 √(e − 1) √(T K ln K)``.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import numpy.typing as npt

from powergames.agents.learner import Learner


class Hedge(Learner):
    """Hedge (multiplicative weights).

    Args:
        n_actions: ``k`` or a coalition's joint action shape ``(k,)*m``.
        learning_rate: a constant ``η > 0``; ``None`` for the anytime schedule
            ``η_t = √(8 ln K / t) / payoff_range`` (``t`` = updates of that type so far).
        payoff_range: ``Δ``, the width of the payoff interval (used by the anytime schedule).
        **kwargs: :class:`~powergames.agents.learner.Learner`'s options.
    """

    def __init__(
        self,
        n_actions: int | tuple[int, ...],
        *,
        learning_rate: float | None = None,
        payoff_range: float = 1.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(n_actions, **kwargs)
        if learning_rate is not None and (
            isinstance(learning_rate, bool) or not isinstance(learning_rate, numbers.Real)
        ):
            raise TypeError(f"learning_rate must be a number or None, got {learning_rate!r}")
        if learning_rate is not None and not (np.isfinite(learning_rate) and learning_rate > 0):
            raise ValueError(
                f"learning_rate must be a positive number or None, got {learning_rate!r}"
            )
        if not (np.isfinite(payoff_range) and payoff_range > 0):
            raise ValueError(f"payoff_range must be positive, got {payoff_range!r}")
        self.learning_rate = None if learning_rate is None else float(learning_rate)
        self.payoff_range = float(payoff_range)
        self._cumulative = np.zeros((self.n_types, self.n_flat))

    @property
    def cumulative_payoff(self) -> npt.NDArray[np.float64]:
        """``S_t`` per type, shape ``(T, K)``."""
        return self._cumulative.copy()

    def _step(self, types: slice | npt.NDArray[np.int64], values: npt.NDArray[np.float64]) -> None:
        self._cumulative[types] += values
        if self.learning_rate is not None:
            eta: float | npt.NDArray[np.float64] = self.learning_rate
        else:  # the rate for the next round, t + 1 (Cesa-Bianchi & Lugosi 2006, Thm 2.3)
            t_next = self._n_updates[types].astype(np.float64)[:, None] + 1.0
            eta = np.sqrt(8.0 * np.log(max(self.n_flat, 2)) / t_next) / self.payoff_range
        z = eta * self._cumulative[types]
        z -= z.max(axis=1, keepdims=True)
        w = np.exp(z)
        self._current[types] = w / w.sum(axis=1, keepdims=True)
