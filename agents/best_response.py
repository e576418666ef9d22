"""Best-response dynamics: switch to a best response to what the others play now.

Full-information form: after each round the player switches to a pure best response to the
others' *current* strategies (keeping its action when that already is one). Played alternately
(one player per round, ``alternating=True`` in
:func:`~powergames.agents.self_play.full_information_play`) in a finite potential game — e.g. any
common-payoff game — every switch strictly raises the potential, so the dynamics stop at a pure
Nash equilibrium after finitely many rounds (Monderer & Shapley 1996). In games without the
finite-improvement property (matching pennies) they cycle forever.

Sampled form: the importance-weighted payoff estimates are averaged over a ``period`` of updates
of that type; at the end of each period the player switches to the estimated best response unless
its current action is within ``margin`` of it (a margin keeps sampling noise from causing
switches between near-equal actions).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from powergames.agents.fictitious_play import pure_best_response
from powergames.agents.learner import Learner
from powergames.games.checks import check_positive_int


class BestResponseDynamics(Learner):
    """Best-response dynamics.

    Args:
        n_actions: ``k`` or a coalition's joint action shape ``(k,)*m``.
        period: sampled form only: updates per type between switches.
        margin: sampled form only: keep the current action if its estimate is within ``margin`` of
            the best estimate.
        **kwargs: :class:`~powergames.agents.learner.Learner`'s options; ``initial`` is the first
            strategy (uniform by default; a one-hot row for classic pure dynamics).
    """

    def __init__(
        self,
        n_actions: int | tuple[int, ...],
        *,
        period: int = 100,
        margin: float = 0.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(n_actions, **kwargs)
        self.period = check_positive_int("period", period)
        if not (np.isfinite(margin) and margin >= 0):
            raise ValueError(f"margin must be a non-negative number, got {margin!r}")
        self.margin = float(margin)
        self._sampled_sum = np.zeros((self.n_types, self.n_flat))
        self._sampled_count = np.zeros(self.n_types, dtype=np.int64)
        self._full_information = True

    def _observe(self, values: npt.NDArray[np.float64]) -> None:
        self._full_information = True
        super()._observe(values)

    def update(self, *args: Any, **kwargs: Any) -> None:
        """Sampled form: see :meth:`Learner.update` (switches happen once per ``period``)."""
        self._full_information = False
        super().update(*args, **kwargs)

    def _step(self, types: slice | npt.NDArray[np.int64], values: npt.NDArray[np.float64]) -> None:
        if self._full_information:
            self._current[types] = pure_best_response(values, self._current[types])
            return
        self._sampled_sum[types] += values
        self._sampled_count[types] += 1
        if isinstance(types, slice):
            types = np.arange(self._sampled_count.shape[0])[types]
        due = types[self._sampled_count[types] >= self.period]
        if due.size:
            mean = self._sampled_sum[due] / self._sampled_count[due, None]
            self._current[due] = pure_best_response(mean, self._current[due], tol=self.margin)
            self._sampled_sum[due] = 0.0
            self._sampled_count[due] = 0
