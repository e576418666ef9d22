"""Monte Carlo estimates of coalition values with confidence intervals (beside the exact values).

Samples pure profiles from the coalitions' policies and averages MATH.md (1.4); the interval is the
normal approximation, so an estimate is reported with its half-width (common random numbers over
states).
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from powergames.games.base import Game
from powergames.games.checks import check_positive_int, check_rng
from powergames.theory.coalition_values import check_policies, check_type_free
from powergames.theory.partitions import check_coalitions

__all__ = ["MonteCarloEstimate", "monte_carlo_coalition_values"]


@dataclass(frozen=True)
class MonteCarloEstimate:
    """A Monte Carlo estimate of coalition values with a normal-approximation confidence interval.

    Attributes:
        mean: sample means, shape ``(n_states, n_coalitions)``.
        half_width: ``z · sd / sqrt(n_samples)`` for the two-sided ``confidence`` level, same shape.
        n_samples: number of sampled profiles (shared by all states: common random numbers).
        confidence: the interval's nominal coverage.
    """

    mean: npt.NDArray[np.float64]
    half_width: npt.NDArray[np.float64]
    n_samples: int
    confidence: float

    @property
    def lower(self) -> npt.NDArray[np.float64]:
        return self.mean - self.half_width

    @property
    def upper(self) -> npt.NDArray[np.float64]:
        return self.mean + self.half_width

    def covers(self, values: Any) -> npt.NDArray[np.bool_]:
        """Where the interval contains ``values`` (shape ``(n_states, n_coalitions)``)."""
        v = np.asarray(values)
        return (self.lower <= v) & (v <= self.upper)


def monte_carlo_coalition_values(
    game: Game,
    coalitions: Any,
    policies: Any,
    n_samples: int,
    rng: np.random.Generator,
    confidence: float = 0.95,
    batch_size: int = 4096,
) -> MonteCarloEstimate:
    """Estimate ``r_j(x)`` by sampling profiles from the coalitions' policies (any game, any policy).

    The estimate of MATH.md (1.4), reported with its interval: for a check beside the exact
    :func:`~powergames.theory.coalition_values.coalition_values`, or for policies too correlated
    for it.

    Args:
        game, coalitions, policies: as in
            :func:`~powergames.theory.coalition_values.coalition_values`.
        n_samples: number of sampled pure profiles (``>= 2``).
        rng: the generator.
        confidence: two-sided level of the interval, a real number in ``(0, 1)``.
        batch_size: profiles evaluated at once (memory bound), an integer ``>= 1``.

    Returns:
        A :class:`MonteCarloEstimate` (mean and CI half-width per state and coalition).

    Raises:
        TypeError: ``n_samples`` or ``batch_size`` not an integer, ``confidence`` not a real number.
        ValueError: ``n_samples < 2``, ``batch_size < 1`` or ``confidence`` outside ``(0, 1)``.

    Example:
        >>> from powergames.games import majority_game
        >>> est = monte_carlo_coalition_values(majority_game(3, 2), [[0, 1], [2]],
        ...                                    [[[0.5, 0], [0, 0.5]], [0.5, 0.5]], 1000, rng=0)
        >>> bool(est.covers([[5 / 6, 1 / 6]]).all()), est.n_samples  # the exact values
        (True, 1000)
    """
    rng = check_rng(rng)
    n_samples = check_positive_int("n_samples", n_samples, minimum=2)
    batch_size = check_positive_int("batch_size", batch_size)
    if isinstance(confidence, bool) or not isinstance(confidence, numbers.Real):
        raise TypeError(
            f"confidence must be a real number in (0, 1), got {type(confidence).__name__} "
            f"{confidence!r}"
        )
    if not 0.0 < float(confidence) < 1.0:  # also rejects NaN
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    g = check_type_free(game)
    n, n_states = g.n_players, g.contexts.n_contexts

    def shares_of(actions: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:  # (n_states, B, n)
        return np.stack(
            [
                g.payoffs_batch(np.full(len(actions), x, dtype=np.int64), actions)
                for x in range(n_states)
            ]
        )

    members = check_coalitions(coalitions, n)
    pols = check_policies(policies, members, g.action_sizes)
    membership = np.zeros((n, len(members)))
    for j, c in enumerate(members):
        membership[list(c), j] = 1.0
    # running mean and sum of squared deviations (Chan et al.'s pairwise update) in units of the
    # largest |value| seen so far, so that payoffs near the float64 limit neither overflow nor
    # lose the variance
    count, scale = 0, 0.0
    mean = np.zeros((n_states, len(members)))
    m2 = np.zeros_like(mean)
    while count < n_samples:
        b = min(batch_size, n_samples - count)
        actions = np.empty((b, n), dtype=np.int64)
        for c, p in zip(members, pols):
            actions[:, list(c)] = p.sample(b, rng)
        values = shares_of(actions) @ membership  # (n_states, b, n_coal)
        batch_scale = float(np.abs(values).max()) or 1.0
        new_scale = max(scale, batch_scale)
        if scale:
            mean *= scale / new_scale
            m2 *= (scale / new_scale) ** 2
        scale = new_scale
        units = values / scale
        batch_mean = units.mean(axis=1)
        batch_m2 = ((units - batch_mean[:, None, :]) ** 2).sum(axis=1)
        total = count + b
        delta = batch_mean - mean
        mean = mean + delta * (b / total)
        m2 = m2 + batch_m2 + delta**2 * (count * b / total)
        count = total
    from scipy import stats  # imported on first use: scipy.stats is slow to import

    z = float(stats.norm.ppf(0.5 + float(confidence) / 2))
    half_width = z * np.sqrt(m2 / (n_samples - 1) / n_samples) * scale
    mean = mean * scale
    return MonteCarloEstimate(mean, half_width, n_samples, float(confidence))
