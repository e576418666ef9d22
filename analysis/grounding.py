"""Grounding ``b`` in the population bargaining model, and the seed's non-local claim checked.

The population model (:mod:`powergames.theory.population`) gives ``b`` and its three slopes
exactly, and a simulator estimates them with confidence intervals. Both feed
:func:`powergames.analysis.interventions.marginal_values`: every marginal value is linear in
``θ = (b, db/dF_V, db/dF_{C|V}, db/dF_{C|¬V})``, so the simulator's per-interaction estimators give
each marginal value an interval too (:func:`simulated_marginal_values`).

**From the environment.** :func:`estimate_from_env` plays
:class:`~powergames.envs.population_bargaining.PopulationBargainingEnv` (``composition="iid"``, with
dispositions) through its PettingZoo API, every agent cooperating iff its observation shows ``C``
(the rule of :class:`powergames.agents.disposition.DispositionPolicy`, applied here because
``analysis`` does not import ``agents``), and estimates ``θ`` of that finite population from the
rollouts. Per episode ``e`` it records ``S_e`` (settled ``V``-agent interactions), ``N_e`` (``V``-agent
interactions) and the scores of the episode's random draws at ``reset``, ``s_V = (n_V − n F_V) /
(F_V (1 − F_V))`` (value classes) and ``s_{C|V} = Σ_{i ∈ V} (c_i − F_{C|V}) / (F_{C|V}(1 − F_{C|V}))``
(dispositions; ``s_{C|¬V}`` likewise). With ``b = E[S]/E[N]`` and ``dE[X]/dθ = E[X s_θ]``
(likelihood ratio; the matching does not depend on the fractions)::

    b̂ = S̄ / N̄,        dθ-slope = ( mean(S s_θ) − b̂ mean(N s_θ) ) / N̄

Each is a smooth function of episode means, so its interval is the delta method's: ``θ̂ ± t·se``
with ``se`` from the sample covariance of the per-episode vectors and a Student ``t`` with
``episodes − 1`` degrees of freedom. The estimators are consistent; as ratios of means they carry
an ``O(1/episodes)`` bias (no bias in the population size: the comparison values are the exact
finite-population ones of
:func:`~powergames.envs.population_bargaining.exact_settlement_gradient`, not the continuum
formula, which differs by ``O(1/n_agents)``). :func:`env_marginal_values` feeds them to
:func:`marginal_values` with intervals.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from powergames.analysis.interventions import INTERVENTIONS, InterventionParams, marginal_values
from powergames.envs.population_bargaining import (
    PopulationBargainingEnv,
    exact_settlement_gradient,
)
from powergames.games.checks import check_positive_int, check_rng
from powergames.theory.population import (
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


@dataclass(frozen=True)
class EnvEstimate:
    """Estimates of ``θ = (b, db/dF_V, db/dF_{C|V}, db/dF_{C|¬V})`` from environment rollouts.

    ``mean`` (4,) and ``cov`` (4, 4) are the estimates and the covariance of their per-episode
    influence values (delta method), so any linear combination ``offset + w·θ`` (e.g. a marginal
    value) gets an interval from :meth:`combine`. ``exact`` holds the exact values for the simulated
    finite population, ``continuum`` the infinite-population model's
    (:func:`~powergames.theory.population.settlement_gradient`) for comparison.
    """

    mean: np.ndarray
    """Shape ``(4,)``: the estimates in :data:`ESTIMANDS` order."""
    cov: np.ndarray
    """Shape ``(4, 4)``: sample covariance of the per-episode influence values."""
    episodes: int
    """Independent episodes played."""
    v_interactions: int
    """``V``-agent interactions observed in all episodes."""
    confidence: float
    """Level of the intervals."""
    exact: dict[str, float]
    """The exact ``θ`` of the simulated population (:data:`ESTIMANDS` keys)."""
    continuum: dict[str, float]
    """The continuum model's ``θ`` at the same fractions and locality."""

    def combine(self, weights: Any, offset: float = 0.0) -> Estimate:
        """Estimate and ``t`` interval of ``offset + Σ_j weights[j] θ_j``.

        Args:
            weights: shape ``(4,)``, :data:`ESTIMANDS` order.
            offset: a constant added.
        """
        w = np.asarray(weights, dtype=np.float64)
        if w.shape != (len(ESTIMANDS),):
            raise ValueError(f"weights must have shape ({len(ESTIMANDS)},), got {w.shape}")
        from scipy.stats import t  # imported on first use: scipy.stats is slow to import

        mean = float(offset + w @ self.mean)
        se = float(np.sqrt(max(w @ self.cov @ w, 0.0) / self.episodes))
        half = float(t.ppf(0.5 + self.confidence / 2, self.episodes - 1)) * se
        return Estimate(mean, se, mean - half, mean + half)

    @property
    def estimates(self) -> dict[str, Estimate]:
        """Per estimand: mean, standard error and interval."""
        return {k: self.combine(np.eye(len(ESTIMANDS))[j]) for j, k in enumerate(ESTIMANDS)}


def _open_fraction(name: str, value: Any) -> float:
    x = float(value)
    if not 0 < x < 1:
        raise ValueError(f"{name} must be strictly inside (0, 1) (its score needs it), got {x!r}")
    return x


def estimate_from_env(
    n_agents: int,
    f_v: float,
    f_c_given_v: float,
    f_c_given_not_v: float,
    locality: float,
    episodes: int,
    rng: np.random.Generator,
    max_cycles: int = 5,
    confidence: float = 0.95,
) -> EnvEstimate:
    """Estimate ``b`` and its three slopes by playing the population bargaining environment.

    The estimators and their intervals are in the module docstring; every agent acts on its
    disposition. Cost: ``episodes · max_cycles`` env steps.

    Args:
        n_agents: population size (≥ 2).
        f_v: ``F_V ∈ (0, 1)``; value classes drawn i.i.d. (``composition="iid"``).
        f_c_given_v: ``F_{C|V}``, strictly inside ``(0, 1)`` (the score needs it).
        f_c_given_not_v: ``F_{C|¬V}``, strictly inside ``(0, 1)``.
        locality: ``λ ∈ [0, 1]``.
        episodes: independent episodes (≥ 2).
        rng: explicit generator (seeds the env once).
        max_cycles: rounds per episode (the dispositions are fixed within an episode).
        confidence: interval level in ``(0, 1)``.

    Returns:
        An :class:`EnvEstimate` with the exact finite-population values beside the estimates.

    Raises:
        ValueError: a fraction outside its range, ``episodes < 2``, a bad ``confidence``, or no
            ``V``-agent interaction at all in the rollouts.
    """
    rng = check_rng(rng)
    fv = _open_fraction("f_v", f_v)
    fcv = _open_fraction("f_c_given_v", f_c_given_v)
    fcn = _open_fraction("f_c_given_not_v", f_c_given_not_v)
    n_ep = check_positive_int("episodes", episodes, minimum=2)
    if not 0 < float(confidence) < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    env = PopulationBargainingEnv(
        n_agents=n_agents,
        f_v=fv,
        locality=locality,
        max_cycles=max_cycles,
        f_c_given_v=fcv,
        f_c_given_not_v=fcn,
        composition="iid",
    )
    exact = exact_settlement_gradient(n_agents, fv, fcv, fcn, env.locality)
    n = len(env.possible_agents)
    # per episode: S, N, then (S s, N s) for s = s_V, s_{C|V}, s_{C|¬V}
    rows = np.empty((n_ep, 8))
    obs, infos = env.reset(seed=int(rng.integers(2**63)))
    for e in range(n_ep):
        if e:
            obs, infos = env.reset()
        lay = env.observation_layout(env.possible_agents[0])["disposition"]
        value = np.array([infos[a]["value"] for a in env.possible_agents])
        disp = np.array([infos[a]["disposition"] for a in env.possible_agents])
        settled = total = 0
        while env.agents:
            # the disposition rule: cooperate iff the observation shows C
            acts = {a: int(obs[a][lay][1] == 1.0) for a in env.agents}
            obs, _, _, _, step_infos = env.step(acts)
            for a in env.possible_agents:
                info = step_infos[a]
                if info["value"] == 1 and info["partner"] >= 0:
                    total += 1
                    settled += info["settled"]
        s_v = (value.sum() - n * fv) / (fv * (1 - fv))
        s_cv = ((disp - fcv) / (fcv * (1 - fcv)))[value == 1].sum()
        s_cn = ((disp - fcn) / (fcn * (1 - fcn)))[value == 0].sum()
        rows[e] = [settled, total] + [x * s for s in (s_v, s_cv, s_cn) for x in (settled, total)]
    mu = rows.mean(axis=0)
    if mu[1] == 0:
        raise ValueError("no V-agent interaction in the rollouts; raise episodes, f_v or n_agents")
    b = mu[0] / mu[1]
    theta = np.array([b, *((mu[2 + 2 * j] - b * mu[3 + 2 * j]) / mu[1] for j in range(3))])
    # Jacobian of θ(μ) for the delta method
    jac = np.zeros((4, 8))
    jac[0, 0], jac[0, 1] = 1 / mu[1], -b / mu[1]
    for j in range(3):
        ss, ns = 2 + 2 * j, 3 + 2 * j
        jac[1 + j, ss] = 1 / mu[1]
        jac[1 + j, ns] = -b / mu[1]
        jac[1 + j] += -mu[ns] / mu[1] * jac[0]
        jac[1 + j, 1] += -theta[1 + j] / mu[1]
    cov = jac @ np.cov(rows, rowvar=False) @ jac.T
    cont = settlement_gradient(fv, fcv, fcn, env.locality)
    return EnvEstimate(
        mean=theta,
        cov=cov,
        episodes=n_ep,
        v_interactions=int(rows[:, 1].sum()),
        confidence=float(confidence),
        exact={k: float(exact[k]) for k in ESTIMANDS},
        continuum={k: float(cont[k]) for k in ESTIMANDS},
    )


def env_params(params: InterventionParams, locality: Any, n_agents: int) -> InterventionParams:
    """``params`` with ``b`` and its slopes replaced by the exact values of the environment.

    That is, of ``n_agents`` agents in :class:`PopulationBargainingEnv` (``composition="iid"``)
    acting on their dispositions, at the parameters' landscape (scalar parameters).
    """
    if params.shape != ():
        raise ValueError(f"env_params needs one parameter set, got shape {params.shape}")
    g = exact_settlement_gradient(
        n_agents,
        float(params.f_v),
        float(params.f_c_given_v),
        float(params.f_c_given_not_v),
        float(locality),
    )
    return params.replace(**{k: g[k] for k in ESTIMANDS})


def env_marginal_values(
    params: InterventionParams,
    locality: float,
    n_agents: int,
    episodes: int,
    rng: np.random.Generator,
    max_cycles: int = 5,
    confidence: float = 0.95,
) -> tuple[EnvEstimate, dict[str, Estimate], dict[str, float]]:
    """Marginal values with ``b`` and its slopes estimated from environment rollouts.

    Args:
        params: one parameter set (its ``b`` and slopes are ignored: they are what is estimated).
        locality: matching locality ``λ``.
        n_agents: population size of the environment.
        episodes: episodes to play (:func:`estimate_from_env`).
        rng: explicit generator.
        max_cycles: rounds per episode.
        confidence: interval level.

    Returns:
        The estimate of ``θ``; per intervention an :class:`Estimate` of its marginal value with
        interval; and per intervention the exact marginal value for the simulated population
        (:func:`marginal_values` at :func:`env_params`).
    """
    est = estimate_from_env(
        n_agents,
        float(params.f_v),
        float(params.f_c_given_v),
        float(params.f_c_given_not_v),
        locality,
        episodes,
        rng,
        max_cycles,
        confidence,
    )
    offset, weights = linear_form(params)
    exact = marginal_values(params.replace(**est.exact))
    return (
        est,
        {k: est.combine(weights[k], offset[k]) for k in INTERVENTIONS},
        {k: float(exact[k]) for k in INTERVENTIONS},
    )
