import itertools
from fractions import Fraction

import numpy as np
import pytest
from conftest import seeds
from hypothesis import given
from hypothesis import strategies as st

from powergames.theory.population import (
    ESTIMANDS,
    SETTLES,
    sample_interactions,
    settlement_gradient,
    settlement_rate,
    simulate_interactions,
    slope_channels,
)


def brute_b(f_v, f_cv, f_cnv, lam):
    """Enumerate a V agent's interaction: own disposition, local or not, partner class, disposition."""
    total = 0
    for c0, local, partner_v, c1 in itertools.product((0, 1), (True, False), (True, False), (0, 1)):
        p = f_cv if c0 else 1 - f_cv
        p *= lam if local else 1 - lam
        if local:
            if not partner_v:
                continue
        else:
            p *= f_v if partner_v else 1 - f_v
        fc = f_cv if partner_v else f_cnv
        p *= fc if c1 else 1 - fc
        total += p * bool(SETTLES[c0, c1])
    return total


def brute_slopes(f_v, f_cv, f_cnv, lam):
    """Exact central differences in rational arithmetic (b is a polynomial of degree ≤ 2 in each)."""
    h = Fraction(1, 1000)
    x = [Fraction(v) for v in (f_v, f_cv, f_cnv)]
    out = []
    for j in range(3):
        up, dn = list(x), list(x)
        up[j] += h
        dn[j] -= h
        out.append((brute_b(*up, Fraction(lam)) - brute_b(*dn, Fraction(lam))) / (2 * h))
    return out


fractions_ = st.floats(0.01, 0.99)


@given(f_v=fractions_, f_cv=st.floats(0, 1), f_cnv=st.floats(0, 1), lam=st.floats(0, 1))
def test_exact_b_and_slopes_match_enumeration(f_v, f_cv, f_cnv, lam):
    g = settlement_gradient(f_v, f_cv, f_cnv, lam)
    assert float(g["b"]) == pytest.approx(float(brute_b(f_v, f_cv, f_cnv, lam)), abs=1e-14)
    slopes = brute_slopes(f_v, f_cv, f_cnv, lam)
    for k, exact in zip(ESTIMANDS[1:], slopes):
        assert float(g[k]) == pytest.approx(float(exact), abs=1e-13)


def test_vectorised_and_channels():
    f_v = np.linspace(0.1, 0.9, 5)[:, None]
    lam = np.array([0.0, 0.5, 1.0])
    g = settlement_gradient(f_v, 0.6, 0.3, lam)
    assert g["b"].shape == (5, 3)
    assert g["b"][2, 1] == pytest.approx(float(settlement_rate(f_v[2, 0], 0.6, 0.3, 0.5)))
    ch = slope_channels(f_v, 0.6, 0.3, 0.0)
    # non-local interactions: the partner channels are F_V F_{C|V} and (1 − F_V) F_{C|V}, as the
    # seed argues, but the own channel is not proportional to F_V
    np.testing.assert_allclose(ch["db_df_c_given_v_partner"], f_v * 0.6)
    np.testing.assert_allclose(ch["db_df_c_given_not_v"], (1 - f_v) * 0.6)
    ratio = ch["db_df_c_given_v_own"] / f_v
    assert np.ptp(ratio) > 0.1
    # fully local: ¬V dispositions do not matter, nor does F_V
    g = settlement_gradient(0.3, 0.6, 0.3, 1.0)
    assert float(g["db_df_c_given_not_v"]) == 0 and float(g["db_df_v"]) == 0
    assert float(g["b"]) == pytest.approx(0.36)


CASES = [
    (0.3, 0.6, 0.4, 0.2),
    (0.05, 0.8, 0.3, 0.0),
    (0.9, 0.2, 0.7, 0.5),
    (0.5, 0.5, 0.5, 1.0),
    (0.02, 0.3, 0.9, 0.9),
]


@pytest.mark.parametrize("case", CASES)
def test_simulated_b_and_slopes_cover_exact_values(case):
    res = simulate_interactions(*case, 200_000, np.random.default_rng(7), confidence=0.99)
    exact = settlement_gradient(*case)
    for k in ESTIMANDS:
        assert res.estimates[k].covers(float(exact[k])), (k, res.estimates[k], float(exact[k]))
        # the interval is informative, not just wide
        assert res.estimates[k].high - res.estimates[k].low < 0.1


def test_interval_coverage_is_nominal():
    # 300 independent small simulations: the 90% intervals cover the exact slope ~90% of the time
    case = (0.3, 0.6, 0.4, 0.2)
    exact = settlement_gradient(*case)
    rng = np.random.default_rng(11)
    hits = np.zeros(len(ESTIMANDS))
    reps = 300
    for _ in range(reps):
        res = simulate_interactions(*case, 2_000, rng, confidence=0.9)
        hits += [res.estimates[k].covers(float(exact[k])) for k in ESTIMANDS]
    # binomial(300, 0.9): sd ≈ 5.2 hits, so [0.84, 0.96] is > 3.4 sd wide on each side
    assert np.all(hits / reps > 0.84) and np.all(hits / reps < 0.96), hits / reps


@given(seed=seeds())
def test_combine_is_the_linear_combination(seed):
    rng = np.random.default_rng(seed)
    res = simulate_interactions(0.4, 0.5, 0.6, 0.3, 500, rng)
    w = rng.normal(size=4)
    est = res.combine(w, offset=2.0)
    assert est.mean == pytest.approx(2.0 + w @ res.mean)
    assert est.std_err == pytest.approx(np.sqrt(w @ res.cov @ w / 500))


def test_samples_follow_the_stage_game():
    s = sample_interactions(0.5, 0.5, 0.5, 0.0, 1000, np.random.default_rng(0))
    np.testing.assert_array_equal(
        s["settled"], (s["focal_action"] == 1) & (s["partner_action"] == 1)
    )
    same_seed = sample_interactions(0.5, 0.5, 0.5, 0.0, 1000, np.random.default_rng(0))
    np.testing.assert_array_equal(s["settled"], same_seed["settled"])


@pytest.mark.parametrize(
    "args, kwargs, match",
    [
        ((0.0, 0.5, 0.5, 0.5), {}, "f_v must be strictly inside"),
        ((0.5, 1.2, 0.5, 0.5), {}, r"f_c_given_v must be in \[0, 1\]"),
        ((0.5, 0.5, 0.5, -0.1), {}, "locality"),
    ],
)
def test_bad_inputs(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        settlement_rate(*args, **kwargs)


def test_bad_simulation_inputs():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="f_c_given_v must be strictly inside"):
        simulate_interactions(0.5, 1.0, 0.5, 0.5, 100, rng)
    with pytest.raises(ValueError, match="confidence"):
        simulate_interactions(0.5, 0.5, 0.5, 0.5, 100, rng, confidence=1.0)
    with pytest.raises(TypeError, match="rng"):
        simulate_interactions(0.5, 0.5, 0.5, 0.5, 100, None)
    with pytest.raises(ValueError, match="n_interactions"):
        simulate_interactions(0.5, 0.5, 0.5, 0.5, 1, rng)
