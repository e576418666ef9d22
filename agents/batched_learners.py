"""The classic learners over a batch of independent rows (runs × agents), in the sampled form.

:class:`BatchedLearners` stacks ``M`` learners of one class with the same options — e.g. agent
``j`` of every run of a sweep, or every agent of every run when they share a kind — into arrays of
shape ``(M, T, K)`` and runs one step of all of them with a handful of NumPy calls. Each row does
exactly what its own :class:`~powergames.agents.learner.Learner` does in the sampled form
(:meth:`~powergames.agents.learner.Learner.act` then
:meth:`~powergames.agents.learner.Learner.update`): behaviour strategy
``b = (1 − γ) σ_t + γ / K``, an action drawn from ``b`` with one uniform ``u`` as
:func:`~powergames.agents.policy.sample_action` draws it (``searchsorted(cumsum(b), u · Σb,
"right")``), the importance-weighted estimate ``û[a] = r 1[a = A] / b(A)`` and the update rule
of the learner's class on ``û`` (regret matching / RM+, Hedge / Exp3, fictitious play,
best-response dynamics). The elementwise operations and the row reductions are the ones the
per-learner code runs, row by row, so every row's numbers are bit-for-bit those of its learner
(``tests/agents/test_batched_learners.py`` checks it against the learners themselves).

The batch is built *from* the learners (:meth:`BatchedLearners.from_learners`, fresh or restored
from a checkpoint) and writes its state back into them (:meth:`BatchedLearners.write_back`), so
evaluators and checkpoints read the ordinary learner objects.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from powergames.agents.best_response import BestResponseDynamics
from powergames.agents.fictitious_play import FictitiousPlay, pure_best_response
from powergames.agents.hedge import Hedge
from powergames.agents.learner import Learner
from powergames.agents.regret_matching import RegretMatching

__all__ = ["BATCHED_CLASSES", "BatchedLearners", "batch_key"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: The learner classes with a batched form (exact classes: a subclass may change the rule).
BATCHED_CLASSES: tuple[type[Learner], ...] = (
    RegretMatching,
    Hedge,
    FictitiousPlay,
    BestResponseDynamics,
)

#: Per-class state arrays beyond the base class's, as (attribute, dtype).
_EXTRA: dict[type[Learner], tuple[tuple[str, Any], ...]] = {
    RegretMatching: (("_regret", np.float64),),
    Hedge: (("_cumulative", np.float64),),
    FictitiousPlay: (("_cumulative", np.float64),),
    BestResponseDynamics: (("_sampled_sum", np.float64), ("_sampled_count", np.int64)),
}


def batch_key(learner: Any) -> tuple[Any, ...] | None:
    """What learners must share to be stacked in one :class:`BatchedLearners`; ``None`` if the
    learner has no batched form (not exactly one of :data:`BATCHED_CLASSES`)."""
    cls = type(learner)
    if cls not in BATCHED_CLASSES:
        return None
    key: tuple[Any, ...] = (
        cls.__name__,
        learner.action_shape,
        learner.n_types,
        learner.exploration,
        learner.averaging,
    )
    if cls is RegretMatching:
        key += (learner.plus,)
    elif cls is Hedge:
        key += (learner.learning_rate, learner.payoff_range)
    elif cls is BestResponseDynamics:
        key += (learner.period, learner.margin)
    return key


class BatchedLearners:
    """``M`` learners of one class and options, stepped together (sampled form).

    Build with :meth:`from_learners`. Arrays: ``current``, ``avg_sum`` ``(M, T, K)``,
    ``avg_weight`` ``(M, T)``, ``n_updates`` ``(M, T)`` int, ``iterations`` ``(M,)`` int (as of the
    last :meth:`write_back`) and the
    class's own (``_regret``, ``_cumulative``, ``_sampled_sum`` ``(M, T, K)``, ``_sampled_count``
    ``(M, T)``).
    """

    def __init__(self, learners: Sequence[Learner]) -> None:
        if not learners:
            raise ValueError("learners must be a non-empty sequence")
        keys = {batch_key(lr) for lr in learners}
        if None in keys or len(keys) != 1:
            raise ValueError(
                "learners must all be of one class of BATCHED_CLASSES with the same options, got "
                f"{sorted({type(lr).__name__ for lr in learners})}"
            )
        first = learners[0]
        self.learners = list(learners)
        self.cls = type(first)
        self.n_rows = len(learners)
        self.n_types = first.n_types
        self.n_flat = first.n_flat
        self.exploration = first.exploration
        self.averaging = first.averaging
        self.proto = first
        self.current = np.stack([lr._current for lr in learners])
        self.avg_sum = np.stack([lr._avg_sum for lr in learners])
        self.avg_weight = np.stack([lr._avg_weight for lr in learners])
        self.n_updates = np.stack([lr._n_updates for lr in learners])
        self.iterations = np.array([lr.iterations for lr in learners], dtype=np.int64)
        self._steps = 0  # updates since the last write_back (every row gets one per update)
        self.extra = {
            name: np.stack([np.asarray(getattr(lr, name), dtype=dt) for lr in learners])
            for name, dt in _EXTRA[self.cls]
        }
        self._rows = np.arange(self.n_rows)

    @classmethod
    def from_learners(cls, learners: Sequence[Learner]) -> BatchedLearners:
        """Stack ``learners`` (their current state, fresh or restored)."""
        return cls(learners)

    # ------------------------------------------------------------------ one step
    def _index(self, types: IntArray | None) -> tuple[Any, Any]:
        return (slice(None), 0) if types is None else (self._rows, types)

    def behaviour(self, types: IntArray | None) -> FloatArray:
        """``(M, K)``: each row's behaviour strategy at its type (``None``: a single type)."""
        cur = self.current[self._index(types)]
        return (1.0 - self.exploration) * cur + self.exploration / self.n_flat

    @staticmethod
    def sample(behaviour: FloatArray, uniforms: FloatArray) -> IntArray:
        """``(M,)`` actions drawn as :func:`~powergames.agents.policy.sample_action` draws them,
        one uniform per row."""
        cdf = np.cumsum(behaviour, axis=1)
        point = uniforms * cdf[:, -1]
        idx = np.count_nonzero(cdf <= point[:, None], axis=1)
        return np.minimum(idx, behaviour.shape[1] - 1)

    def update(
        self, types: IntArray | None, actions: IntArray, rewards: FloatArray, behaviour: FloatArray
    ) -> None:
        """The sampled update of every row: ``actions`` ``(M,)`` drawn from ``behaviour``
        ``(M, K)`` earned ``rewards`` ``(M,)``.

        A non-finite reward or an action of probability 0 gives non-finite state, reported by
        :meth:`check_finite` (call it under ``np.errstate(divide="ignore", invalid="ignore")``
        for quiet division warnings).
        """
        at = self._index(types)
        self.n_updates[at] += 1
        if self.averaging == "uniform":
            self.avg_sum[at] += behaviour
            self.avg_weight[at] += 1.0
        else:
            w = self.n_updates[at].astype(np.float64)
            self.avg_sum[at] += w[:, None] * behaviour
            self.avg_weight[at] += w
        estimate = np.zeros_like(behaviour)
        estimate[self._rows, actions] = rewards / behaviour[self._rows, actions]
        self._step(at, types, estimate)
        self._steps += 1

    def _step(self, at: tuple[Any, Any], types: IntArray | None, values: FloatArray) -> None:
        cls = self.cls
        if cls is RegretMatching:
            regret_all = self.extra["_regret"]
            sigma = self.current[at]
            regret = regret_all[at] + values
            regret -= np.einsum("bk,bk->b", sigma, values)[:, None]
            positive = np.maximum(regret, 0.0)
            regret_all[at] = positive if self.proto.plus else regret  # type: ignore[attr-defined]
            total = positive.sum(axis=1, keepdims=True)
            some = total > 0
            safe = np.where(some, total, 1.0)
            self.current[at] = np.where(some, positive / safe, 1.0 / self.n_flat)
        elif cls is Hedge:
            cum_all = self.extra["_cumulative"]
            cum_all[at] += values
            rate = self.proto.learning_rate  # type: ignore[attr-defined]
            if rate is not None:
                eta: float | FloatArray = rate
            else:
                t_next = self.n_updates[at].astype(np.float64)[:, None] + 1.0
                payoff_range = self.proto.payoff_range  # type: ignore[attr-defined]
                eta = np.sqrt(8.0 * np.log(max(self.n_flat, 2)) / t_next) / payoff_range
            z = eta * cum_all[at]
            z -= z.max(axis=1, keepdims=True)
            w = np.exp(z)
            self.current[at] = w / w.sum(axis=1, keepdims=True)
        elif cls is FictitiousPlay:
            cum_all = self.extra["_cumulative"]
            cum_all[at] += values
            self.current[at] = pure_best_response(cum_all[at], self.current[at])
        else:
            self._best_response_step(at, types, values)

    def _best_response_step(
        self, at: tuple[Any, Any], types: IntArray | None, values: FloatArray
    ) -> None:
        sums, counts = self.extra["_sampled_sum"], self.extra["_sampled_count"]
        sums[at] += values
        counts[at] += 1
        t = np.zeros(self.n_rows, dtype=np.int64) if types is None else types
        due = np.flatnonzero(counts[self._rows, t] >= self.proto.period)  # type: ignore[attr-defined]
        if due.size:
            td = t[due]
            mean = sums[due, td] / counts[due, td][:, None]
            margin = self.proto.margin  # type: ignore[attr-defined]
            self.current[due, td] = pure_best_response(mean, self.current[due, td], tol=margin)
            sums[due, td] = 0.0
            counts[due, td] = 0

    # ------------------------------------------------------------------ checks and state
    def check_finite(self) -> None:
        """Raise as the learners do if some row's estimate was not finite (a non-finite reward, or
        an action of behaviour probability 0 — possible only with ``exploration=0``).

        Raises:
            ValueError: naming the first such row.
        """
        bad = ~np.isfinite(self.current).all(axis=(1, 2))
        for arr in self.extra.values():
            if arr.dtype.kind == "f":
                bad |= ~np.isfinite(arr).all(axis=tuple(range(1, arr.ndim)))
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise ValueError(
                f"row {row}: a reward was not finite or an action had probability 0 under the "
                "behaviour strategy; the sampled form needs finite rewards and exploration > 0"
            )

    def write_back(self) -> None:
        """Write every row's state into its learner (in place: arrays keep their identity)."""
        self.iterations += self._steps
        self._steps = 0
        for m, lr in enumerate(self.learners):
            lr._current[...] = self.current[m]
            lr._avg_sum[...] = self.avg_sum[m]
            lr._avg_weight[...] = self.avg_weight[m]
            lr._n_updates[...] = self.n_updates[m]
            lr.iterations = int(self.iterations[m])
            for name, arr in self.extra.items():
                getattr(lr, name)[...] = arr[m]
            if self.cls is BestResponseDynamics and self.iterations[m] > 0:
                lr._full_information = False  # type: ignore[attr-defined]
