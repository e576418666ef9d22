"""Regret matching (Hart & Mas-Colell 2000) and regret matching+ (Tammelin 2014).

With cumulative regrets ``R_t(a) = Σ_{s≤t} (u_s(a) − ⟨σ_s, u_s⟩)`` (``u_s`` the payoff vector of
round ``s``), the next strategy plays each action in proportion to its positive regret,
``σ_{t+1}(a) = R_t(a)^+ / Σ_b R_t(b)^+`` (uniform when no regret is positive). Guarantee
(Blackwell approachability; Zinkevich et al. 2007, Thm 4): for payoffs in an interval of width
``Δ`` the regret after ``T`` rounds is at most ``Δ √(K T)`` — so in two-player zero-sum self-play
the average strategies' NashConv is ``O(1/√T)``. Regret matching+ clips the cumulative regrets at
zero after every round (``R ← (R + r)^+``); it keeps the same bound (Tammelin et al. 2015), and
with alternating updates and linearly weighted averaging (``averaging="linear"``) it converges
much faster in practice (the CFR+ recipe).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from powergames.agents.learner import Learner


class RegretMatching(Learner):
    """Regret matching (``plus=False``) or regret matching+ (``plus=True``).

    Args:
        n_actions: ``k`` or a coalition's joint action shape ``(k,)*m``.
        plus: clip cumulative regrets at zero every round (regret matching+).
        **kwargs: :class:`~powergames.agents.learner.Learner`'s options (``n_types``, ``layout``,
            ``initial``, ``exploration``, ``averaging``).
    """

    def __init__(
        self, n_actions: int | tuple[int, ...], *, plus: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(n_actions, **kwargs)
        self.plus = bool(plus)
        self._regret = np.zeros((self.n_types, self.n_flat))

    @property
    def cumulative_regret(self) -> npt.NDArray[np.float64]:
        """``R_t`` per type, shape ``(T, K)`` (clipped at 0 for regret matching+)."""
        return self._regret.copy()

    def _step(self, types: slice | npt.NDArray[np.int64], values: npt.NDArray[np.float64]) -> None:
        sigma = self._current[types]
        regret = self._regret[types] + values
        regret -= np.einsum("bk,bk->b", sigma, values)[:, None]
        positive = np.maximum(regret, 0.0)
        self._regret[types] = positive if self.plus else regret
        total = positive.sum(axis=1, keepdims=True)
        if np.all(total > 0):
            self._current[types] = positive / total
        else:
            safe = np.where(total > 0, total, 1.0)
            self._current[types] = np.where(total > 0, positive / safe, 1.0 / self.n_flat)
