from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import assume, given, settings
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


@st.composite
def consistent_param_sets(draw) -> dict[str, float]:
    """:func:`param_sets` with ``F_I`` drawn inside what the landscape can hold.

    The structural model needs the rest of the world non-negative
    (``InterventionParams.landscape_consistent``): ``F_I`` is a fraction (edges included) of the
    largest consistent weight.
    """
    kw = draw(param_sets())
    fv, pv = kw["f_v"], kw["p_v"]
    caps = [
        (pv, fv),
        (1 - pv, 1 - fv),
        (pv * kw["p_c_given_v"], kw["f_c_given_v"] * fv),
        (pv * (1 - kw["p_c_given_v"]), (1 - kw["f_c_given_v"]) * fv),
        ((1 - pv) * kw["p_c_given_not_v"], kw["f_c_given_not_v"] * (1 - fv)),
        ((1 - pv) * (1 - kw["p_c_given_not_v"]), (1 - kw["f_c_given_not_v"]) * (1 - fv)),
    ]
    f_max = min([1.0] + [cap / coef for coef, cap in caps if coef > 0])
    kw["f_i"] = draw(edge_fraction(open_=False)) * f_max
    assume(bool(InterventionParams(**kw).landscape_consistent()))
    return kw


def closed_form_scale(p: InterventionParams) -> dict[str, float]:
    """Each closed-form term with every difference replaced by a sum of absolute values.

    Rounding in any float64 evaluation of ``U``'s derivative (e.g. the complex step, where
    ``b U_B + (1 − b) U_¬B`` cancels) is bounded by a few ulps of this scale, whatever the
    cancellation.
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


def closed_form_terms(p: InterventionParams) -> dict[str, float]:
    """``Σ |term|`` over the closed form's additive terms, each a product of inputs and of the
    differences ``U_B − U_¬B``, ``p_{C|V} − F_{C|V}``, ``p_{C|¬V} − F_{C|¬V}``, ``1 − b``, ``1 − F_V``,
    ``1 − p_V`` of exact float64 inputs.

    Each such difference is computed with one rounding (relative error ≤ u = 2^-53) and each term is
    a product or quotient of at most 8 factors, so the float64 closed form differs from the exact
    one by at most about ``12 u Σ|term| < 8 ulps(1)·Σ|term|``: the floor for values that cancel to
    (near) zero. It is 0 exactly when every term is 0.
    """
    gap = abs(p.u_b - p.u_not_b)
    s = [
        abs(p.db_df_v),
        abs(p.db_df_c_given_v * (p.p_c_given_v - p.f_c_given_v) / p.f_v),
        abs(p.db_df_c_given_not_v * (p.p_c_given_not_v - p.f_c_given_not_v) / (1 - p.f_v)),
    ]
    v = (gap * sum(s) + abs(p.b * p.du_b_df_v) + abs((1 - p.b) * p.du_not_b_df_v)) * p.f_i
    v *= abs(p.dp_v_da)
    cv = gap * abs(p.db_df_c_given_v) * p.p_v * p.f_i / p.f_v * abs(p.dp_c_given_v_da)
    cnv = gap * abs(p.db_df_c_given_not_v) * (1 - p.p_v) * p.f_i / (1 - p.f_v)
    cnv *= abs(p.dp_c_given_not_v_da)
    return {"v": float(v), "c|v": float(cv), "c|¬v": float(cnv)}


def assert_close(a: float, b: float, scale: float, rtol: float = 1e-8) -> None:
    # 1e-8 relative, plus 100 ulps of the cancellation-free scale for terms that nearly cancel
    assert abs(a - b) <= rtol * abs(b) + 1e-14 * scale, (a, b, scale)


class Dual:
    """``x + x′ε`` with ``ε² = 0`` over exact rationals: forward-mode differentiation, no rounding."""

    def __init__(self, x, dx=0):
        self.x, self.dx = Fraction(x), Fraction(dx)

    @staticmethod
    def lift(y):
        return y if isinstance(y, Dual) else Dual(y)

    def __add__(self, y):
        y = Dual.lift(y)
        return Dual(self.x + y.x, self.dx + y.dx)

    __radd__ = __add__

    def __neg__(self):
        return Dual(-self.x, -self.dx)

    def __sub__(self, y):
        return self + (-Dual.lift(y))

    def __rsub__(self, y):
        return Dual.lift(y) - self

    def __mul__(self, y):
        y = Dual.lift(y)
        return Dual(self.x * y.x, self.dx * y.x + self.x * y.dx)

    __rmul__ = __mul__

    def __truediv__(self, y):
        y = Dual.lift(y)
        return Dual(self.x / y.x, (self.dx * y.x - self.x * y.dx) / (y.x * y.x))


def exact_structural_derivative(kw: dict[str, float], k: str) -> Fraction:
    """``∂U/∂a_k`` at ``a = 0`` of MATH.md §4's structural model, exactly.

    Transcribed from MATH.md independently of ``analysis/interventions.py`` (ratios formed
    directly, ``F_{C|V} = F_{C∩V}/F_V``) and differentiated by dual numbers over
    :class:`fractions.Fraction` (the model is rational in the efforts and the float64 inputs are
    rationals), so there is no rounding at all: however deeply ``b U_B + (1 − b) U_¬B`` cancels
    (50-digit mpmath is not enough when, say, ``dU_¬B/dF_V = 1e-83`` sits beside O(1) terms), and an
    exact zero is exactly 0.
    """
    q = {name: Fraction(v) for name, v in kw.items()}  # float64 inputs, exactly
    slope = {"v": "dp_v_da", "c|v": "dp_c_given_v_da", "c|¬v": "dp_c_given_not_v_da"}
    base = {"v": "p_v", "c|v": "p_c_given_v", "c|¬v": "p_c_given_not_v"}
    p = {j: Dual(q[base[j]], q[slope[j]] if j == k else 0) for j in INTERVENTIONS}
    fi, fv0, fcv0, fcn0 = q["f_i"], q["f_v"], q["f_c_given_v"], q["f_c_given_not_v"]
    f_v = fv0 + fi * (p["v"] - q["p_v"])
    joint_v = fcv0 * fv0 + fi * (p["v"] * p["c|v"] - q["p_v"] * q["p_c_given_v"])
    joint_not_v = fcn0 * (1 - fv0) + fi * (
        (1 - p["v"]) * p["c|¬v"] - (1 - q["p_v"]) * q["p_c_given_not_v"]
    )
    f_cv, f_cn = joint_v / f_v, joint_not_v / (1 - f_v)
    b = (
        q["b"]
        + q["db_df_v"] * (f_v - fv0)
        + q["db_df_c_given_v"] * (f_cv - fcv0)
        + q["db_df_c_given_not_v"] * (f_cn - fcn0)
    )
    u_b = q["u_b"] + q["du_b_df_v"] * (f_v - fv0)
    u_not_b = q["u_not_b"] + q["du_not_b_df_v"] * (f_v - fv0)
    return (b * u_b + (1 - b) * u_not_b).dx


def assert_matches_reference(closed: float, ref: Fraction, terms: float) -> None:
    # 1e-8 relative to the exact value; the floor (8 ulps of Σ|term|) only matters near 0
    tol = Fraction(1e-8) * abs(ref) + Fraction(8 * np.finfo(float).eps) * Fraction(terms)
    assert abs(Fraction(closed) - ref) <= tol, (closed, float(ref), terms)


@settings(max_examples=300, deadline=None)
@given(kw=consistent_param_sets())
def test_closed_form_equals_exact_derivative_of_structural_model(kw):
    p = InterventionParams(**kw)
    closed = marginal_values(p)
    terms = closed_form_terms(p)
    for k in INTERVENTIONS:
        assert_matches_reference(float(closed[k]), exact_structural_derivative(kw, k), terms[k])


def test_closed_form_keeps_digits_where_the_float_complex_step_cancels():
    # U_B = U_¬B: b U_B + (1 − b) U_¬B cancels the O(1) imaginary parts of b in float64
    kw = base_kw(
        u_b=1.0,
        u_not_b=1.0,
        b=0.5,
        f_v=1e-9,
        f_i=1e-9,
        f_c_given_v=0.5,
        p_c_given_v=1.0,
        db_df_c_given_v=1.0,
        du_b_df_v=0.0,
        du_not_b_df_v=1.0,
        dp_v_da=1.0,
    )
    p = InterventionParams(**kw)
    assert bool(p.landscape_consistent())
    ref = exact_structural_derivative(kw, "v")
    assert ref == Fraction(1, 2) * Fraction(1e-9)  # (1 − b) dU_¬B/dF_V F_I dp_V/da, exactly
    assert_matches_reference(float(marginal_values(p)["v"]), ref, closed_form_terms(p)["v"])
    step = float(structural_gradient(p)["v"])
    assert abs(step - float(ref)) > 1e-8 * abs(float(ref))  # the float complex step loses digits
    # ... but stays within its documented absolute bound: ulps of the cancellation scale
    assert abs(step - float(ref)) <= 64 * np.finfo(float).eps * closed_form_scale(p)["v"]


@settings(max_examples=150, deadline=None)
@given(kw=consistent_param_sets())
def test_float_complex_step_within_its_documented_bound(kw):
    p = InterventionParams(**kw)
    step = structural_gradient(p)
    scale = closed_form_scale(p)
    for k in INTERVENTIONS:
        ref = exact_structural_derivative(kw, k)
        tol = Fraction(1e-12) * abs(ref) + Fraction(64 * np.finfo(float).eps * scale[k])
        assert abs(Fraction(float(step[k])) - ref) <= tol, (k, float(step[k]), float(ref))


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


def test_structural_gradient_step_and_ranking_input_errors():
    p = InterventionParams(**base_kw())
    for h in (0.0, -1e-30, 1e-3, np.inf, np.nan):
        with pytest.raises(ValueError, match="h must be a finite complex step"):
            structural_gradient(p, h=h)
    with pytest.raises(TypeError, match="h must be a real number"):
        structural_gradient(p, h="1e-30")
    ok = structural_gradient(p, h=1e-6)  # the largest allowed step: truncation still ~1e-12
    for k, v in marginal_values(p).items():
        assert float(ok[k]) == pytest.approx(float(v), rel=1e-9)
    with pytest.raises(ValueError, match="missing intervention 'c|¬v'"):
        rank_interventions({"v": 1.0, "c|v": 2.0})
    with pytest.raises(ValueError, match=r"values\['v'\] must be finite"):
        rank_interventions({"v": np.nan, "c|v": 2.0, "c|¬v": 0.0})
    with pytest.raises(ValueError, match="must be one number"):
        rank_interventions({"v": [1.0, 2.0], "c|v": 2.0, "c|¬v": 0.0})
    with pytest.raises(TypeError, match="values must be a mapping"):
        rank_interventions([1.0, 2.0, 3.0])
