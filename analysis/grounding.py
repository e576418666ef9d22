"""Grounding ``b`` in the population bargaining model, and the seed's non-local claim checked.

The population model (:mod:`powergames.envs.games.population`) gives ``b`` and its three slopes
exactly, and a simulator estimates them with confidence intervals. Both feed
:func:`powergames.analysis.interventions.marginal_values`: every marginal value is linear in
``θ = (b, db/dF_V, db/dF_{C|V}, db/dF_{C|¬V})``, so the simulator's per-interaction estimators give
each marginal value an interval too (:func:`simulated_marginal_values`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from powergames.analysis.interventions import INTERVENTIONS, InterventionParams, marginal_values
from powergames.envs.games.population import (
    ESTIMANDS,
    Estimate,
    SimulationResult,
    settlement_gradient,
    simulate_interactions,
    slope_channels,
)


def population_params(params: InterventionParams, locality: Any) -> InterventionParams:
    """``params`` with ``b`` and its slopes replaced by the population model's exact values.

    The model is evaluated at the parameters' landscape ``(F_V, F_{C|V}, F_{C|¬V})`` with matching
    ``locality`` (arrays broadcast).
    """
    g = settlement_gradient(params.f_v, params.f_c_given_v, params.f_c_given_not_v, locality)
    return params.replace(**g)


def linear_form(params: InterventionParams) -> tuple[dict[str, float], dict[str, np.ndarray]]:
    """Each marginal value as ``offset + weights · θ`` with ``θ`` in :data:`ESTIMANDS` order.

    Exact because the closed form is affine in ``θ``; computed by evaluating it at ``θ = 0`` and at
    the unit vectors. Scalar parameters only.

    Returns:
        ``(offset, weights)``: per intervention a float and a ``(4,)`` array.
    """
    if params.shape != ():
        raise ValueError(f"linear_form needs one parameter set, got shape {params.shape}")
    zero = params.replace(**{k: 0.0 for k in ESTIMANDS})
    at0 = marginal_values(zero)
    weights = {k: np.zeros(len(ESTIMANDS)) for k in INTERVENTIONS}
    for j, name in enumerate(ESTIMANDS):
        unit = marginal_values(zero.replace(**{name: 1.0}))
        for k in INTERVENTIONS:
            weights[k][j] = float(unit[k]) - float(at0[k])
    return {k: float(at0[k]) for k in INTERVENTIONS}, weights


def simulated_marginal_values(
    params: InterventionParams,
    locality: float,
    n_interactions: int,
    rng: np.random.Generator,
    confidence: float = 0.95,
) -> tuple[SimulationResult, dict[str, Estimate]]:
    """Marginal values with ``b`` and its slopes estimated by simulating the population model.

    Args:
        params: one parameter set (its ``b`` and slopes are ignored: they are what is estimated).
        locality: matching locality ``λ``.
        n_interactions: simulated ``V``-agent interactions.
        rng: explicit generator.
        confidence: interval level.

    Returns:
        The simulation (estimates of ``θ``) and per intervention an :class:`Estimate` with interval.
    """
    sim = simulate_interactions(
        float(params.f_v),
        float(params.f_c_given_v),
        float(params.f_c_given_not_v),
        locality,
        n_interactions,
        rng,
        confidence,
    )
    offset, weights = linear_form(params)
    return sim, {k: sim.combine(weights[k], offset[k]) for k in INTERVENTIONS}


@dataclass(frozen=True)
class NonlocalCheck:
    """The seed's claim about non-local interactions, tested in the population model (λ = 0).

    The claim: ``db/dF_{C|V} ∝ F_V`` and ``db/dF_{C|¬V} ∝ 1 − F_V`` (same constant), so they cancel
    the ``1/F_V`` and ``1/(1 − F_V)`` of ``c|v`` and ``c|¬v``, leaving
    ``(c|v)/(c|¬v) = p_V dp_{C|V}/da / ((1 − p_V) dp_{C|¬V}/da)``.
    """

    claimed_ratio: float
    """``(c|v)/(c|¬v)`` if the claim held."""
    partner_channel_ratio: float
    """The ratio with only the partner channel of ``db/dF_{C|V}`` (equals the claim exactly)."""
    model_ratio: float
    """The ratio with the model's full slope (partner + own channel)."""
    own_channel_share: float
    """The own channel's share of ``db/dF_{C|V}`` at this landscape."""


def nonlocal_check(params: InterventionParams) -> NonlocalCheck:
    """Compare the seed's non-local claim with the population model at ``λ = 0`` (scalar params)."""
    if params.shape != ():
        raise ValueError(f"nonlocal_check needs one parameter set, got shape {params.shape}")
    ch = slope_channels(params.f_v, params.f_c_given_v, params.f_c_given_not_v, 0.0)
    partner, own = float(ch["db_df_c_given_v_partner"]), float(ch["db_df_c_given_v_own"])
    pv = float(params.p_v)
    denom = (1 - pv) * float(params.dp_c_given_not_v_da)
    claimed = pv * float(params.dp_c_given_v_da) / denom if denom else float("nan")

    def ratio(db_cv: float) -> float:
        mv = marginal_values(
            params.replace(
                db_df_c_given_v=db_cv, db_df_c_given_not_v=float(ch["db_df_c_given_not_v"])
            )
        )
        return float(mv["c|v"]) / float(mv["c|¬v"]) if float(mv["c|¬v"]) else float("nan")

    total = partner + own
    return NonlocalCheck(
        claimed_ratio=claimed,
        partner_channel_ratio=ratio(partner),
        model_ratio=ratio(total),
        own_channel_share=own / total if total else float("nan"),
    )
