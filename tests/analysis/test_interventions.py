import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from powergames.analysis.interventions import (
    INTERVENTIONS,
    PARAM_NAMES,
    InterventionParams,
    LogInterventionParams,
    best_intervention,
    marginal_values,
    rank_interventions,
    structural_gradient,
    structural_landscape,
    structural_utility,
)

UNIT = ("b", "f_c_given_v", "f_c_given_not_v", "f_i", "p_v", "p_c_given_v", "p_c_given_not_v")


def edge_fraction(open_: bool):
    """Fractions with much weight near the edges of the allowed range."""
    exps = st.integers(1, 12).map(lambda k: 10.0**-k)
    near0 = st.builds(lambda e, m: e * m, exps, st.floats(1.0, 9.0))
    near1 = near0.map(lambda x: 1.0 - x)
    # edges = exactly 0 or 1 where allowed, and within 1e-12 of them (normal floats only)
    inner = st.floats(1e-12, 1 - 1e-12)
    parts = [inner, near0, near1]
    if not open_:
        parts.append(st.sampled_from([0.0, 1.0]))
    return st.one_of(*parts)


reals = st.one_of(
    st.floats(-10, 10),
    st.builds(lambda m, e: m * 10.0**e, st.floats(-1, 1), st.integers(-6, 6)),
).filter(
    lambda x: x == 0 or abs(x) > 1e-100
)  # normal floats: complex-step parts must not underflow


@st.composite
def param_sets(draw) -> dict[str, float]:
    kw = {}
    for name in PARAM_NAMES:
        if name == "f_v":
            kw[name] = draw(edge_fraction(open_=True))
        elif name in UNIT:
            kw[name] = draw(edge_fraction(open_=False))
        else:
            kw[name] = draw(reals)
    return kw


def closed_form_scale(p: InterventionParams) -> dict[str, float]:
    """Each closed-form term with every difference replaced by a sum of absolute values.

    Rounding in any evaluation of these sums is bounded by a few ulps of this scale, whatever the
    cancellation; it is the honest yardstick for terms that nearly cancel.
    """
    gap = abs(p.u_b) + abs(p.u_not_b)
    star = (
        abs(p.db_df_v)
        + abs(p.db_df_c_given_v) * (p.p_c_given_v + p.f_c_given_v) / p.f_v
        + abs(p.db_df_c_given_not_v) * (p.p_c_given_not_v + p.f_c_given_not_v) / (1 - p.f_v)
    )
    v = (gap * star + p.b * abs(p.du_b_df_v) + (1 - p.b) * abs(p.du_not_b_df_v)) * p.f_i
    v *= abs(p.dp_v_da)
    cv = gap * abs(p.db_df_c_given_v) * p.p_v * p.f_i / p.f_v * abs(p.dp_c_given_v_da)
    cnv = (
        gap
        * abs(p.db_df_c_given_not_v)
        * (1 - p.p_v)
        * p.f_i
        / (1 - p.f_v)
        * abs(p.dp_c_given_not_v_da)
    )
    return {"v": float(v), "c|v": float(cv), "c|¬v": float(cnv)}


def assert_close(a: float, b: float, scale: float, rtol: float = 1e-8) -> None:
    # 1e-8 relative, plus 100 ulps of the cancellation-free scale for terms that nearly cancel
    assert abs(a - b) <= rtol * abs(b) + 1e-14 * scale, (a, b, scale)


@settings(max_examples=200)
@given(kw=param_sets())
def test_closed_form_equals_complex_step_of_structural_model(kw):
    p = InterventionParams(**kw)
    closed = marginal_values(p)
    independent = structural_gradient(p)
    scale = closed_form_scale(p)
    for k in INTERVENTIONS:
        assert_close(float(closed[k]), float(independent[k]), scale[k])


@given(kw=param_sets())
def test_log_form_equals_plain_form(kw):
    p = InterventionParams(**kw)
    if p.f_i == 0:
        return
    plain, logged = marginal_values(p), marginal_values(p.to_log())
    per_weight = marginal_values(p.to_log(), per_weight=True)
    scale = closed_form_scale(p)
    for k in INTERVENTIONS:
        assert_close(float(logged[k]), float(plain[k]), scale[k], rtol=1e-12)
        assert_close(float(per_weight[k]) * float(p.f_i), float(plain[k]), scale[k], rtol=1e-12)


def base_kw(**changes) -> dict[str, float]:
    kw = dict(
        u_b=10.0,
        u_not_b=-5.0,
        b=0.6,
        f_v=0.2,
        f_c_given_v=0.7,
        f_c_given_not_v=0.4,
        f_i=0.05,
        p_v=0.5,
        p_c_given_v=0.9,
        p_c_given_not_v=0.3,
        db_df_v=0.2,
        db_df_c_given_v=0.3,
        db_df_c_given_not_v=0.5,
        du_b_df_v=4.0,
        du_not_b_df_v=1.0,
        dp_v_da=0.1,
        dp_c_given_v_da=0.2,
        dp_c_given_not_v_da=0.15,
    )
    kw.update(changes)
    return kw


def test_structural_model_is_anchored_at_the_base_point():
    p = InterventionParams(**base_kw())
    land = structural_landscape(p, {})
    for name in ("f_v", "f_c_given_v", "f_c_given_not_v", "b", "u_b", "u_not_b"):
        assert land[name] == pytest.approx(float(getattr(p, name)), rel=1e-14)
    assert land["u"] == pytest.approx(0.6 * 10 + 0.4 * -5)
    # a finite effort moves F_V by exactly F_I dp_V/da a_V and leaves the ¬V cooperators' mass
    land = structural_landscape(p, {"v": 0.5})
    assert land["f_v"] == pytest.approx(0.2 + 0.05 * 0.1 * 0.5)
    assert land["f_c_given_v"] * land["f_v"] == pytest.approx(0.7 * 0.2 + 0.05 * 0.05 * 0.9)


def test_structural_utility_slope_matches_finite_difference():
    # a third, crude derivative: central differences on real efforts
    p = InterventionParams(**base_kw())
    mv = marginal_values(p)
    h = 1e-5
    for j, k in enumerate(INTERVENTIONS):
        e = np.zeros(3)
        e[j] = h
        fd = (structural_utility(p, e) - structural_utility(p, -e)) / (2 * h)
        assert fd == pytest.approx(float(mv[k]), rel=1e-6)


def test_marginal_values_broadcast_like_scalar_calls():
    rng = np.random.default_rng(0)
    f_v = rng.uniform(0.01, 0.99, size=(4, 1))
    p_v = rng.uniform(size=(1, 3))
    u_b = rng.normal(size=(4, 3))
    batch = InterventionParams(**base_kw(f_v=f_v, p_v=p_v, u_b=u_b))
    assert batch.shape == (4, 3)
    mv = marginal_values(batch)
    for i in range(4):
        for j in range(3):
            one = marginal_values(
                InterventionParams(**base_kw(f_v=f_v[i, 0], p_v=p_v[0, j], u_b=u_b[i, j]))
            )
            for k in INTERVENTIONS:
                assert mv[k].shape == (4, 3)
                assert mv[k][i, j] == pytest.approx(float(one[k]), rel=1e-15)
    sub = batch[2, 1]
    assert sub.shape == () and float(marginal_values(sub)["v"]) == pytest.approx(mv["v"][2, 1])


def test_matches_the_seed_formula_written_out_by_hand():
    # MATH.md §4 transcribed independently, term by term, in exact rational arithmetic
    from fractions import Fraction as Fr

    kw = {k: Fr(v).limit_denominator(1000) for k, v in base_kw().items()}
    q = type("Q", (), kw)
    gap = q.u_b - q.u_not_b
    star = (
        q.db_df_v
        + q.db_df_c_given_v * (q.p_c_given_v - q.f_c_given_v) / q.f_v
        - q.db_df_c_given_not_v * (q.p_c_given_not_v - q.f_c_given_not_v) / (1 - q.f_v)
    )
    v = (gap * star + q.b * q.du_b_df_v + (1 - q.b) * q.du_not_b_df_v) * q.f_i * q.dp_v_da
    cv = gap * q.db_df_c_given_v * q.p_v * q.f_i / q.f_v * q.dp_c_given_v_da
    cnv = gap * q.db_df_c_given_not_v * (1 - q.p_v) * q.f_i / (1 - q.f_v) * q.dp_c_given_not_v_da
    mv = marginal_values(InterventionParams(**{k: float(x) for k, x in kw.items()}))
    for k, exact in zip(INTERVENTIONS, (v, cv, cnv)):
        assert float(mv[k]) == pytest.approx(float(exact), rel=1e-14)


def _mp_closed_form(kw: dict) -> dict[str, mpmath.mpf]:
    q = {k: mpmath.mpf(v) if not isinstance(v, mpmath.mpf) else v for k, v in kw.items()}
    gap = q["u_b"] - q["u_not_b"]
    fv = q["f_v"]
    star = (
        q["db_df_v"]
        + q["db_df_c_given_v"] * (q["p_c_given_v"] - q["f_c_given_v"]) / fv
        - q["db_df_c_given_not_v"] * (q["p_c_given_not_v"] - q["f_c_given_not_v"]) / (1 - fv)
    )
    fi = q["f_i"]
    v = (gap * star + q["b"] * q["du_b_df_v"] + (1 - q["b"]) * q["du_not_b_df_v"]) * fi
    v *= q["dp_v_da"]
    cv = gap * q["db_df_c_given_v"] * q["p_v"] * fi / fv * q["dp_c_given_v_da"]
    cnv = gap * q["db_df_c_given_not_v"] * (1 - q["p_v"]) * fi / (1 - fv)
    cnv *= q["dp_c_given_not_v_da"]
    return {"v": v, "c|v": cv, "c|¬v": cnv}


def _rel_err(x: float, ref) -> float:
    return float(abs((mpmath.mpf(x) - ref) / ref))


def test_log_form_keeps_digits_where_plain_loses_them():
    mpmath.mp.dps = 50
    # (1) F_V within 3.7e-13 of one: fl(1 − δ) carries δ with ~3e-4 relative error
    delta = mpmath.mpf("3.7e-13")
    exact = base_kw()
    exact["f_v"] = 1 - delta
    ref = _mp_closed_form(exact)
    plain = marginal_values(InterventionParams(**{**exact, "f_v": float(exact["f_v"])}))
    rest = {k: v for k, v in exact.items() if k not in ("f_v", "f_i")}
    logp = LogInterventionParams(
        log_f_v=float(mpmath.log1p(-delta)), log_f_i=float(mpmath.log(exact["f_i"])), **rest
    )
    logged = marginal_values(logp)
    assert _rel_err(float(plain["c|¬v"]), ref["c|¬v"]) > 1e-6
    assert _rel_err(float(logged["c|¬v"]), ref["c|¬v"]) < 1e-13
    assert _rel_err(float(logged["v"]), ref["v"]) < 1e-12

    # (2) a multiverse-sized landscape: F_V = 3e-320, F_I = 1e-321 (subnormal in float64)
    exact = base_kw(f_v=mpmath.mpf("3e-320"), f_i=mpmath.mpf("1e-321"), p_c_given_v=0.7)
    ref = _mp_closed_form(exact)
    plain = marginal_values(
        InterventionParams(**{**exact, "f_v": float(exact["f_v"]), "f_i": float(exact["f_i"])})
    )
    rest = {k: v for k, v in exact.items() if k not in ("f_v", "f_i")}
    logp = LogInterventionParams(
        log_f_v=float(mpmath.log(exact["f_v"])), log_f_i=float(mpmath.log(exact["f_i"])), **rest
    )
    logged = marginal_values(logp)
    assert _rel_err(float(plain["c|v"]), ref["c|v"]) > 1e-6
    assert _rel_err(float(logged["c|v"]), ref["c|v"]) < 1e-13
    # where (p_{C|V} − F_{C|V}) / F_V overflows, the plain form says so instead of returning inf
    with pytest.raises(ValueError, match="overflows float64"):
        marginal_values(
            InterventionParams(**base_kw(f_v=float(exact["f_v"]), f_i=float(exact["f_i"])))
        )
    # below the float range entirely: F_V = 1e-400 is 0 in float64, fine in logs
    tiny = LogInterventionParams(log_f_v=-400 * np.log(10), log_f_i=-401 * np.log(10), **rest)
    exact = base_kw(f_v=mpmath.mpf("1e-400"), f_i=mpmath.mpf("1e-401"))
    ref = _mp_closed_form(exact)
    assert _rel_err(float(marginal_values(tiny)["c|v"]), ref["c|v"]) < 1e-12
    with pytest.raises(ValueError, match="f_v must be a fraction strictly inside"):
        tiny.to_plain()


@pytest.mark.parametrize(
    "changes, match",
    [
        ({"f_v": 0.0}, "f_v must be a fraction strictly inside"),
        ({"f_v": 1.0}, "f_v must be a fraction strictly inside"),
        ({"b": 1.5}, r"b must be a fraction in \[0, 1\]; got 1.5"),
        ({"p_v": [0.2, -0.1]}, r"p_v .* at index \(1,\)"),
        ({"u_b": np.nan}, "u_b must be finite"),
        ({"f_i": "x"}, "f_i must be an array of numbers"),
        ({"f_v": [0.1, 0.2], "p_v": [0.1, 0.2, 0.3]}, "do not broadcast"),
    ],
)
def test_bad_parameters(changes, match):
    with pytest.raises((ValueError, TypeError), match=match):
        InterventionParams(**base_kw(**changes))


def test_bad_log_parameters_and_efforts():
    kw = base_kw()
    rest = {k: v for k, v in kw.items() if k not in ("f_v", "f_i")}
    with pytest.raises(ValueError, match="log_f_v"):
        LogInterventionParams(log_f_v=0.0, log_f_i=-1.0, **rest)
    with pytest.raises(ValueError, match="log_f_i"):
        LogInterventionParams(log_f_v=-1.0, log_f_i=0.5, **rest)
    p = InterventionParams(**kw)
    with pytest.raises(ValueError, match="unknown intervention 'x'"):
        structural_utility(p, {"x": 1.0})
    with pytest.raises(ValueError, match=r"shape \(\.\.\., 3\)"):
        structural_utility(p, np.zeros(2))
    with pytest.raises(TypeError, match="InterventionParams"):
        marginal_values(kw)


def test_ranking_table():
    values = {"v": 1.0, "c|v": 3.0, "c|¬v": -1.0}
    rows = rank_interventions(values)
    assert [r.name for r in rows] == list(INTERVENTIONS)
    assert [r.rank for r in rows] == [2, 1, 3]
    assert [r.share for r in rows] == pytest.approx([0.2, 0.6, -0.2])
    assert [r.ratio_to_best for r in rows] == pytest.approx([1 / 3, 1, -1 / 3])
    best, margin = best_intervention({k: np.array([v, -v]) for k, v in values.items()})
    assert best.tolist() == [1, 2] and margin.tolist() == [2.0, 2.0]
