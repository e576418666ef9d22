"""Population bargaining: a matching model that grounds the bargaining success ``b`` (MATH.md §4).

A large population has a fraction ``F_V`` of agents with our values (``V``), the rest ``¬V``; a
fraction ``F_{C|V}`` of the ``V`` agents and ``F_{C|¬V}`` of the ``¬V`` agents are cooperative
(``C``). Agents meet in pairs: with probability ``λ`` (the *locality*) an agent meets a partner from
its own value class, otherwise a partner drawn from the whole population, so

    q = P(partner is V | focal is V) = λ + (1 − λ) F_V.

Each pair plays the bargaining stage game: action 1 = cooperate, 0 = hold out; a settlement is
reached only when both cooperate (:data:`SETTLES`). A cooperative agent cooperates, a
non-cooperative one holds out. The bargaining success of our value class is the fraction of a
``V`` agent's interactions that settle:

    b = F_{C|V} · [ q F_{C|V} + (1 − q) F_{C|¬V} ]

with the exact slopes

    db/dF_V      = (1 − λ) F_{C|V} (F_{C|V} − F_{C|¬V})
    db/dF_{C|V}  = q F_{C|V}                                   (partner channel)
                 + q F_{C|V} + (1 − q) F_{C|¬V}                (own channel)
    db/dF_{C|¬V} = (1 − q) F_{C|V} = (1 − λ)(1 − F_V) F_{C|V}

The *partner channel* is the gain from partners becoming more cooperative; the *own channel* is the
gain from the ``V`` agents' own disposition (a ``V`` agent must cooperate too for its interaction to
settle). With non-local interactions (``λ = 0``) the partner channels are ``F_V F_{C|V}`` and
``(1 − F_V) F_{C|V}``, proportional to ``F_V`` and ``1 − F_V`` as the seed argues; the own channel is
not proportional to ``F_V`` (see :func:`slope_channels`).

:func:`simulate_interactions` samples the matching model (with an explicit generator) and estimates
``b`` and the three slopes with confidence intervals, beside these exact values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from powergames.games.checks import as_float_array, check_positive_int, check_rng

#: ``SETTLES[a_0, a_1]``: whether a pair settles (actions: 0 = hold out, 1 = cooperate).
SETTLES = np.array([[False, False], [False, True]])
SETTLES.setflags(write=False)

#: The quantities :func:`simulate_interactions` estimates, in order.
ESTIMANDS: tuple[str, ...] = ("b", "db_df_v", "db_df_c_given_v", "db_df_c_given_not_v")

FloatArray = npt.NDArray[np.float64]


def _check_fractions(
    f_v: Any,
    f_c_given_v: Any,
    f_c_given_not_v: Any,
    locality: Any,
    open_: bool = False,
    scalar: bool = False,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    out = []
    for name, value, strict in (
        ("f_v", f_v, True),
        ("f_c_given_v", f_c_given_v, open_),
        ("f_c_given_not_v", f_c_given_not_v, open_),
        ("locality", locality, False),
    ):
        arr = as_float_array(name, value)
        if scalar and arr.shape != ():
            raise ValueError(
                f"{name} must be a single number (one landscape per simulation), got shape "
                f"{arr.shape}"
            )
        bad = (arr <= 0) | (arr >= 1) if strict else (arr < 0) | (arr > 1)
        if np.any(bad):
            idx = tuple(int(i) for i in np.argwhere(np.atleast_1d(bad))[0])
            rng_txt = "strictly inside (0, 1)" if strict else "in [0, 1]"
            where = f" at index {idx}" if arr.ndim else ""
            raise ValueError(
                f"{name} must be {rng_txt}; got {float(np.atleast_1d(arr)[idx])!r}{where}"
            )
        out.append(arr)
    try:
        np.broadcast_shapes(*(a.shape for a in out))
    except ValueError:
        raise ValueError(
            "f_v, f_c_given_v, f_c_given_not_v and locality must broadcast together; got shapes "
            f"{[a.shape for a in out]}"
        ) from None
    return out[0], out[1], out[2], out[3]


def meet_own_class(f_v: Any, locality: Any) -> FloatArray:
    """``q = λ + (1 − λ) F_V``: probability that a ``V`` agent's partner is ``V``.

    Args:
        f_v: ``F_V`` (arrays broadcast).
        locality: ``λ ∈ [0, 1]``.
    """
    return locality + (1 - locality) * f_v


def settlement_rate(f_v: Any, f_c_given_v: Any, f_c_given_not_v: Any, locality: Any) -> FloatArray:
    """Exact ``b = F_{C|V} [q F_{C|V} + (1 − q) F_{C|¬V}]`` (module docstring). Inputs broadcast.

    Args:
        f_v: ``F_V ∈ (0, 1)``.
        f_c_given_v: ``F_{C|V} ∈ [0, 1]``.
        f_c_given_not_v: ``F_{C|¬V} ∈ [0, 1]``.
        locality: ``λ ∈ [0, 1]``.

    Returns:
        ``b`` with the broadcast shape.
    """
    fv, fcv, fcnv, lam = _check_fractions(f_v, f_c_given_v, f_c_given_not_v, locality)
    q = meet_own_class(fv, lam)
    return fcv * (q * fcv + (1 - q) * fcnv)


def slope_channels(
    f_v: Any, f_c_given_v: Any, f_c_given_not_v: Any, locality: Any
) -> dict[str, FloatArray]:
    """The slopes of ``b`` split by channel (inputs broadcast).

    Returns:
        ``db_df_v``; ``db_df_c_given_v_partner = q F_{C|V}``, ``db_df_c_given_v_own =
        q F_{C|V} + (1 − q) F_{C|¬V}`` (their sum is ``db/dF_{C|V}``); ``db_df_c_given_not_v =
        (1 − q) F_{C|V}`` (partner channel only: ``¬V`` dispositions reach ``b`` only as partners).
    """
    fv, fcv, fcnv, lam = _check_fractions(f_v, f_c_given_v, f_c_given_not_v, locality)
    q = meet_own_class(fv, lam)
    return {
        "db_df_v": (1 - lam) * fcv * (fcv - fcnv),
        "db_df_c_given_v_partner": q * fcv,
        "db_df_c_given_v_own": q * fcv + (1 - q) * fcnv,
        "db_df_c_given_not_v": (1 - q) * fcv,
    }


def settlement_gradient(
    f_v: Any, f_c_given_v: Any, f_c_given_not_v: Any, locality: Any
) -> dict[str, FloatArray]:
    """Exact ``b`` and its slopes ``db/dF_V, db/dF_{C|V}, db/dF_{C|¬V}`` (inputs broadcast).

    Returns:
        ``{"b", "db_df_v", "db_df_c_given_v", "db_df_c_given_not_v"}`` (:data:`ESTIMANDS`), the
        names :class:`powergames.analysis.interventions.InterventionParams` uses.
    """
    ch = slope_channels(f_v, f_c_given_v, f_c_given_not_v, locality)
    shape = np.broadcast_shapes(
        *(np.shape(x) for x in (f_v, f_c_given_v, f_c_given_not_v, locality))
    )
    out = {
        "b": settlement_rate(f_v, f_c_given_v, f_c_given_not_v, locality),
        "db_df_v": ch["db_df_v"],
        "db_df_c_given_v": ch["db_df_c_given_v_partner"] + ch["db_df_c_given_v_own"],
        "db_df_c_given_not_v": ch["db_df_c_given_not_v"],
    }
    return {k: np.broadcast_to(v, shape).copy() for k, v in out.items()}


@dataclass(frozen=True)
class Estimate:
    """A Monte Carlo estimate with a normal-approximation confidence interval."""

    mean: float
    """The sample mean of the per-interaction estimator."""
    std_err: float
    """Its standard error ``sd / √n``."""
    low: float
    """Lower end of the confidence interval."""
    high: float
    """Upper end of the confidence interval."""

    def covers(self, value: float) -> bool:
        """Whether ``value`` lies in ``[low, high]``."""
        return self.low <= value <= self.high


@dataclass(frozen=True)
class SimulationResult:
    """Estimates of ``b`` and its slopes from :func:`simulate_interactions`.

    ``mean`` (4,) and ``cov`` (4, 4) are the sample mean and covariance of the per-interaction
    estimators in :data:`ESTIMANDS` order, so any linear combination ``w·θ`` gets a confidence
    interval (:meth:`combine`), e.g. a marginal value, which is linear in ``b`` and its slopes.
    """

    mean: FloatArray
    """Shape ``(4,)``: estimates of ``b, db/dF_V, db/dF_{C|V}, db/dF_{C|¬V}``."""
    cov: FloatArray
    """Shape ``(4, 4)``: sample covariance of the per-interaction estimators."""
    n_interactions: int
    """How many ``V``-agent interactions were sampled."""
    confidence: float
    """The confidence level of the intervals."""
    estimates: dict[str, Estimate] = field(init=False)
    """Per estimand: mean, standard error and interval."""

    def __post_init__(self) -> None:
        est = {
            k: self.combine(np.eye(len(ESTIMANDS))[j], _checked=True)
            for j, k in enumerate(ESTIMANDS)
        }
        object.__setattr__(self, "estimates", est)

    def combine(self, weights: Any, offset: float = 0.0, _checked: bool = False) -> Estimate:
        """The estimate and interval of ``offset + Σ_j weights[j] θ_j`` (θ in :data:`ESTIMANDS` order).

        Args:
            weights: shape ``(4,)``.
            offset: a constant added to the combination.
        """
        w = np.asarray(weights, dtype=np.float64)
        if not _checked and w.shape != (len(ESTIMANDS),):
            raise ValueError(f"weights must have shape ({len(ESTIMANDS)},), got {w.shape}")
        mean = float(offset + w @ self.mean)
        se = float(np.sqrt(max(float(w @ self.cov @ w), 0.0) / self.n_interactions))
        from scipy.stats import norm  # imported on first use: scipy.stats is slow to import

        z = float(norm.ppf(0.5 + self.confidence / 2))
        return Estimate(mean, se, mean - z * se, mean + z * se)


def sample_interactions(
    f_v: float,
    f_c_given_v: float,
    f_c_given_not_v: float,
    locality: float,
    n: int,
    rng: np.random.Generator,
) -> dict[str, npt.NDArray[Any]]:
    """Sample ``n`` interactions of a ``V`` agent in the matching model and play the stage game.

    Returns:
        Arrays of shape ``(n,)``: ``focal_action`` (1 = cooperate), ``partner_is_v`` (bool),
        ``partner_action``, ``settled`` (``SETTLES[focal_action, partner_action]``).
    """
    rng = check_rng(rng)
    n = check_positive_int("n", n)
    fv, fcv, fcnv, lam = (
        float(x) for x in _check_fractions(f_v, f_c_given_v, f_c_given_not_v, locality, scalar=True)
    )
    return _sample(fv, fcv, fcnv, lam, n, rng)


def _sample(
    fv: float, fcv: float, fcnv: float, lam: float, n: int, rng: np.random.Generator
) -> dict[str, npt.NDArray[Any]]:
    """:func:`sample_interactions` on validated arguments."""
    u = rng.random((4, n))
    focal = (u[0] < fcv).astype(np.int64)
    partner_v = (u[1] < lam) | (u[2] < fv)  # local → own class; else a draw from the population
    partner = (u[3] < np.where(partner_v, fcv, fcnv)).astype(np.int64)
    return {
        "focal_action": focal,
        "partner_is_v": partner_v,
        "partner_action": partner,
        "settled": SETTLES[focal, partner],
    }


def simulate_interactions(
    f_v: float,
    f_c_given_v: float,
    f_c_given_not_v: float,
    locality: float,
    n_interactions: int,
    rng: np.random.Generator,
    confidence: float = 0.95,
) -> SimulationResult:
    """Estimate ``b`` and its slopes by simulating the matching model, with confidence intervals.

    ``b`` is the mean settlement indicator. The slopes use the score-function (likelihood-ratio)
    estimator ``settled · ∂ log P(interaction)/∂θ``, unbiased for ``db/dθ``:

    * ``F_V``: the partner's class, ``(1 − λ)[1{V}/q − 1{¬V}/(1 − q)]`` (``0`` when ``λ = 1``);
    * ``F_{C|V}``: the focal agent's disposition, plus the partner's when the partner is ``V``;
    * ``F_{C|¬V}``: the partner's disposition when the partner is ``¬V``;

    where the score of a disposition ``c ~ Bernoulli(F)`` is ``c/F − (1 − c)/(1 − F)``.

    Args:
        f_v: ``F_V ∈ (0, 1)``.
        f_c_given_v: ``F_{C|V}``, strictly inside ``(0, 1)`` (the score needs it).
        f_c_given_not_v: ``F_{C|¬V}``, strictly inside ``(0, 1)``.
        locality: ``λ ∈ [0, 1]``.
        n_interactions: how many ``V``-agent interactions to sample (memory ``O(n)``).
        rng: the generator (explicit randomness).
        confidence: level of the normal-approximation intervals, in ``(0, 1)``.

    Returns:
        A :class:`SimulationResult`.
    """
    fv, fcv, fcnv, lam = (
        float(x)
        for x in _check_fractions(
            f_v, f_c_given_v, f_c_given_not_v, locality, open_=True, scalar=True
        )
    )
    if not 0 < float(confidence) < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    n = check_positive_int("n_interactions", n_interactions, minimum=2)
    s = _sample(fv, fcv, fcnv, lam, n, check_rng(rng))
    settled = s["settled"].astype(np.float64)
    pv = s["partner_is_v"]
    c0 = s["focal_action"]
    c1 = s["partner_action"]
    q = lam + (1 - lam) * fv
    if lam < 1:
        score_fv = (1 - lam) * np.where(pv, 1 / q, -1 / (1 - q))
    else:
        score_fv = np.zeros(n)

    def bern(c: npt.NDArray[np.int64], p: float) -> FloatArray:
        return np.where(c == 1, 1 / p, -1 / (1 - p))

    score_cv = bern(c0, fcv) + np.where(pv, bern(c1, fcv), 0.0)
    score_cnv = np.where(pv, 0.0, bern(c1, fcnv))
    per = np.stack([settled, settled * score_fv, settled * score_cv, settled * score_cnv])
    return SimulationResult(
        mean=per.mean(axis=1), cov=np.cov(per), n_interactions=n, confidence=float(confidence)
    )
