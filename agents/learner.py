"""The shared machinery of the classic learners: strategies per type, averaging, and two feedback forms.

A :class:`Learner` holds a current mixed strategy per type, shape ``(T, K)`` (``K`` actions, or the
``K = k**m`` joint actions of a coalition agent, reshaped to ``(k,)*m`` on the way out), and the
time average of the strategies it has played. It learns in one of two forms:

* **full information** — :meth:`Learner.observe` receives the exact expected payoff of every action
  for every type, ``values[t, a] = f_i(t, a, σ_{−i})`` (MATH.md §2's interim utility, computed from
  the game by :func:`powergames.agents.self_play.full_information_play`);
* **sampled** — :meth:`Learner.update` (the :class:`~powergames.agents.policy.Policy` hook) receives
  only the realised reward of the action taken. It builds the unbiased importance-weighted estimate
  ``û[a] = r · 1[a = A] / b(A)`` of the payoff vector, where ``b`` is the *behaviour* strategy the
  action was drawn from: the current strategy mixed with ``exploration`` of the uniform one, so
  ``b(a) ≥ exploration / K`` keeps the estimate's variance bounded. The same update rule then runs
  on ``û`` for the observed type only (Hedge on ``û`` is Exp3; regret matching on ``û`` is its
  bandit version).

The average strategy is ``Σ_s w_s σ_s / Σ_s w_s`` over the strategies played (the behaviour
strategy in the sampled form) with ``w_s = 1`` (``averaging="uniform"``) or ``w_s = s``
(``"linear"``, as in regret matching+). It is what the no-regret guarantees are about: in a
two-player zero-sum game, if both players' average regret is at most ``ε`` the average profile is
a ``2ε``-Nash equilibrium (NashConv ≤ 2ε).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from powergames.agents.policy import (
    Action,
    Layout,
    as_action_shape,
    check_table_size,
    flat_action,
    real_number,
    sample_action,
    type_of,
)
from powergames.games.checks import (
    as_float_array,
    check_distribution,
    check_positive_int,
    check_rng,
)

_AVERAGING = ("uniform", "linear")


class Learner:
    """Base class: subclasses implement :meth:`_step` (the update rule on a payoff-vector batch).

    Args:
        n_actions: ``k``, or the joint action shape ``(k,)*m`` of a coalition agent (the learner then
            plays correlated joint actions: ``K = k**m`` flat actions).
        n_types: ``T``, the number of the agent's types (1 outside Bayesian games).
        layout: the agent's observation layout, to read its type in ``act``/``strategy``/``update``.
        initial: the initial strategy, ``(K,)``/``(k,)*m`` (all types) or ``(T, …)``; uniform if ``None``.
        exploration: ``γ ∈ [0, 1]``, the uniform mixture of the behaviour strategy in the sampled
            form (must be positive for importance weighting; ignored by :meth:`observe`).
        averaging: ``"uniform"`` or ``"linear"`` weights for the average strategy.
    """

    def __init__(
        self,
        n_actions: int | tuple[int, ...],
        *,
        n_types: int = 1,
        layout: Layout | None = None,
        initial: npt.ArrayLike | None = None,
        exploration: float = 0.1,
        averaging: str = "uniform",
    ) -> None:
        self.action_shape = as_action_shape("n_actions", n_actions)
        self.n_flat = int(np.prod(self.action_shape))
        self.n_types = check_positive_int("n_types", n_types)
        check_table_size("n_types x n_actions", self.n_types * self.n_flat)
        if self.n_types > 1 and (layout is None or "type" not in layout):
            raise ValueError(
                f"n_types={self.n_types}: pass the agent's observation layout (with a 'type' block)"
            )
        self.layout = layout
        if not 0.0 <= real_number("exploration", exploration) <= 1.0:
            raise ValueError(f"exploration must be in [0, 1], got {exploration!r}")
        self.exploration = float(exploration)
        if averaging not in _AVERAGING:
            raise ValueError(f"averaging must be one of {_AVERAGING}, got {averaging!r}")
        self.averaging = averaging
        T, K = self.n_types, self.n_flat
        if initial is None:
            current = np.full((T, K), 1.0 / K)
        else:
            arr = np.asarray(initial, dtype=np.float64)
            if arr.shape in ((K,), self.action_shape):
                arr = np.broadcast_to(arr.reshape(1, K), (T, K))
            elif arr.shape in ((T, K), (T, *self.action_shape)):
                arr = arr.reshape(T, K)
            else:
                raise ValueError(
                    f"initial must have shape {self.action_shape} or {(T, *self.action_shape)}, "
                    f"got {arr.shape}"
                )
            current = np.array(check_distribution("initial", arr, axis=1))
        self._current = current
        self._avg_sum = np.zeros((T, K))
        self._avg_weight = np.zeros(T)
        self._n_updates = np.zeros(T, dtype=np.int64)
        self.iterations = 0

    # ------------------------------------------------------------------ strategies
    def _out(self, arr: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return arr.reshape(arr.shape[:-1] + self.action_shape)

    def current_strategy(self) -> npt.NDArray[np.float64]:
        """The current strategy per type, shape ``(T, k)`` or ``(T, k, …, k)`` (a copy)."""
        return self._out(self._current.copy())

    def average_strategy(self) -> npt.NDArray[np.float64]:
        """The weighted average of the strategies played, per type (current where none yet)."""
        out = self._current.copy()
        seen = self._avg_weight > 0
        out[seen] = self._avg_sum[seen] / self._avg_weight[seen, None]
        out /= out.sum(axis=1, keepdims=True)
        return self._out(out)

    def behaviour_strategy(self) -> npt.NDArray[np.float64]:
        """The strategy actions are drawn from: ``(1 − γ) σ + γ · uniform``, per type."""
        b = (1.0 - self.exploration) * self._current + self.exploration / self.n_flat
        return self._out(b)

    # ------------------------------------------------------------------ Policy protocol
    def _type(self, observation: Any) -> int:
        t = type_of(observation, self.layout) if self.n_types > 1 else 0
        if t >= self.n_types:
            raise ValueError(f"observation has type {t}, the learner has {self.n_types} types")
        return t

    def strategy(self, observation: Any) -> npt.NDArray[np.float64]:
        """The current strategy for the observed type, ``(k,)`` or ``(k,)*m``."""
        return self._out(self._current[self._type(observation)].copy())

    def average_strategy_at(self, observation: Any) -> npt.NDArray[np.float64]:
        """The average strategy for the observed type (what :func:`~powergames.agents.profile.average_profile` reads)."""
        return self.average_strategy()[self._type(observation)]

    def act(self, observation: Any, rng: np.random.Generator) -> Action:
        """Sample from the behaviour strategy (current strategy mixed with exploration)."""
        t = self._type(observation)
        b = (1.0 - self.exploration) * self._current[t] + self.exploration / self.n_flat
        return sample_action(self._out(b), check_rng(rng))

    def update(
        self,
        observation: Any,
        action: Action,
        reward: float,
        next_observation: Any,
        info: Mapping[str, Any] | None = None,
    ) -> None:
        """Sampled form: learn from the realised ``reward`` of ``action`` (importance weighted).

        Raises:
            ValueError: if the action had probability 0 under the behaviour strategy (e.g.
                ``exploration=0`` and an action the learner would never play) or the reward is
                not finite.
        """
        t = self._type(observation)
        a = flat_action(action, self.action_shape)
        r = float(reward)
        if not np.isfinite(r):
            raise ValueError(f"reward must be finite, got {reward!r}")
        b = (1.0 - self.exploration) * self._current[t] + self.exploration / self.n_flat
        if b[a] <= 0.0:
            raise ValueError(
                f"action {action!r} had probability 0 under the behaviour strategy; the sampled "
                "form needs exploration > 0 to weight it"
            )
        self._record(np.array([t]), b[None])
        estimate = np.zeros((1, self.n_flat))
        estimate[0, a] = r / b[a]
        self._step(np.array([t]), estimate)
        self.iterations += 1

    # ------------------------------------------------------------------ full information
    def observe(self, values: npt.ArrayLike) -> None:
        """Full-information form: exact expected payoffs of every action for every type.

        The current strategy is recorded as played, then updated.

        Args:
            values: shape ``(T, K)`` or ``(T, k, …, k)`` (or ``(K,)`` when ``T = 1``):
                ``values[t, a] = f_i(t, a, σ_{−i})``.
        """
        v = as_float_array("values", values)
        T, K = self.n_types, self.n_flat
        if v.shape in ((K,), self.action_shape) and T == 1:
            v = v.reshape(1, K)
        elif v.shape in ((T, K), (T, *self.action_shape)):
            v = v.reshape(T, K)
        else:
            raise ValueError(f"values must have shape {(T, *self.action_shape)}, got {v.shape}")
        self._observe(v)

    def _observe(self, values: npt.NDArray[np.float64]) -> None:
        """:meth:`observe` without input checks (``values`` of shape ``(T, K)``)."""
        every = slice(None)
        self._record(every, self._current)
        self._step(every, values)
        self.iterations += 1

    # ------------------------------------------------------------------ internals
    def _record(
        self, types: slice | npt.NDArray[np.int64], played: npt.NDArray[np.float64]
    ) -> None:
        self._n_updates[types] += 1
        if self.averaging == "uniform":
            self._avg_sum[types] += played
            self._avg_weight[types] += 1.0
        else:
            w = self._n_updates[types].astype(np.float64)
            self._avg_sum[types] += w[:, None] * played
            self._avg_weight[types] += w

    def _step(self, types: slice | npt.NDArray[np.int64], values: npt.NDArray[np.float64]) -> None:
        """Update ``self._current[types]`` from payoff vectors ``values`` ``(B, K)``.

        ``types`` is ``slice(None)`` (all types, full information) or an index array.
        """
        raise NotImplementedError

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(n_actions={self.action_shape}, n_types={self.n_types}, "
            f"iterations={self.iterations})"
        )


def best_response_set(values: npt.NDArray[np.float64], tol: float = 1e-12) -> npt.NDArray[np.bool_]:
    """Which actions are within ``tol`` of the maximum of ``values`` along the last axis."""
    return values >= values.max(axis=-1, keepdims=True) - tol
