"""b and its slopes estimated from population bargaining rollouts vs their exact values.

Budget: about 12 estimator runs of 300-800 episodes of 8 agents x 4 rounds (~5 s in total).
"""

import numpy as np
import pytest

from powergames.analysis.grounding import (
    env_marginal_values,
    env_params,
    estimate_from_env,
    linear_form,
)
from powergames.analysis.interventions import INTERVENTIONS, InterventionParams, marginal_values
from powergames.theory.population import ESTIMANDS

FRACTIONS = (0.4, 0.7, 0.3)  # F_V, F_{C|V}, F_{C|¬V}


@pytest.mark.parametrize("locality", [0.0, 0.35, 0.8, 1.0])
@pytest.mark.parametrize("seed", [0, 1])
def test_env_intervals_cover_the_exact_finite_population_values(locality, seed):
    est = estimate_from_env(
        8, *FRACTIONS, locality, 400, np.random.default_rng(seed), max_cycles=4, confidence=0.999
    )
    assert est.episodes == 400 and est.v_interactions > 0
    for k in ESTIMANDS:
        e = est.estimates[k]
        assert e.covers(est.exact[k]), (k, e, est.exact[k])
        assert e.high - e.low < 1.0  # informative: the slopes are O(1)


def test_env_estimates_resolve_the_finite_population_correction():
    # 6 agents, fully local: q_n is far from the continuum's q = 1 (odd classes spill into a
    # global pool), and the rollouts tell the exact finite value from the continuum one
    est = estimate_from_env(
        6, 0.5, 0.8, 0.2, 1.0, 800, np.random.default_rng(5), max_cycles=4, confidence=0.99
    )
    for k in ("b", "db_df_c_given_v"):
        e = est.estimates[k]
        assert e.covers(est.exact[k]) and not e.covers(est.continuum[k]), (k, e, est.exact[k])
    assert est.continuum["db_df_c_given_not_v"] == 0.0  # continuum: a V agent meets only V
    assert est.exact["db_df_c_given_not_v"] > 0.1


def test_env_estimates_feed_marginal_values_with_intervals():
    p = InterventionParams(
        u_b=1.0,
        u_not_b=0.2,
        b=0.0,
        f_v=0.4,
        f_c_given_v=0.7,
        f_c_given_not_v=0.3,
        f_i=0.05,
        p_v=0.3,
        p_c_given_v=0.7,
        p_c_given_not_v=0.5,
        db_df_v=0.0,
        db_df_c_given_v=0.0,
        db_df_c_given_not_v=0.0,
        du_b_df_v=0.5,
        du_not_b_df_v=0.3,
        dp_v_da=0.02,
        dp_c_given_v_da=0.05,
        dp_c_given_not_v_da=0.05,
    )
    est, mv, exact = env_marginal_values(p, 0.5, 8, 500, np.random.default_rng(2), 4, 0.999)
    ref = marginal_values(env_params(p, 0.5, 8))
    offset, weights = linear_form(p)
    for k in INTERVENTIONS:
        assert exact[k] == pytest.approx(float(ref[k]), rel=1e-12)
        assert mv[k].covers(exact[k]), (k, mv[k], exact[k])
        assert mv[k].mean == pytest.approx(offset[k] + weights[k] @ est.mean, rel=1e-12)


def test_env_estimator_arguments():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="f_c_given_v must be strictly inside"):
        estimate_from_env(8, 0.4, 1.0, 0.3, 0.5, 10, rng)
    with pytest.raises(ValueError, match="episodes"):
        estimate_from_env(8, 0.4, 0.7, 0.3, 0.5, 1, rng)
    with pytest.raises(ValueError, match="confidence"):
        estimate_from_env(8, 0.4, 0.7, 0.3, 0.5, 10, rng, confidence=1.0)
    with pytest.raises(ValueError, match="locality"):
        estimate_from_env(8, 0.4, 0.7, 0.3, 1.5, 10, rng)
    est = estimate_from_env(8, 0.4, 0.7, 0.3, 0.5, 10, rng)
    with pytest.raises(ValueError, match=r"weights must have shape \(4,\)"):
        est.combine([1.0, 2.0])
