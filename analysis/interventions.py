"""Marginal value of alignment vs cooperation work (MATH.md §4, seeds/003_…).

Three interventions on one agent of weight ``F_I``: alignment work ``v`` (raises ``p_V``),
cooperation work given alignment ``c|v`` (raises ``p_{C|V}``) and cooperation work given
misalignment ``c|¬v`` (raises ``p_{C|¬V}``). Total utility is ``U = b U_B + (1 − b) U_¬B``.

Three computations of ``dU/da`` live here:

* :func:`marginal_values` — MATH.md's grouped closed form, vectorised (every input broadcasts, so a
  sweep is one call with array inputs);
* :func:`structural_utility` — the model the closed form comes from, ``U`` as a function of the
  three efforts, and :func:`structural_gradient`, its derivative by the complex step (independent
  of the closed form, no step-size trade-off, but not free of cancellation: ``Im U`` sums
  ``Im(b)(U_B − U_¬B)``-type terms that may cancel, so its error is a few ulps of the terms'
  absolute sizes, not of the result; the tests check the closed form against an exact rational
  derivative of the structural model instead);
* :class:`LogInterventionParams` — the same closed form driven by ``log F_V`` and ``log F_I``
  (the seed's suggestion for very small ``F_V``).

**The structural reading.** ``b``, ``U_B`` and ``U_¬B`` are locally linear in the landscape
``(F_V, F_{C|V}, F_{C|¬V})`` around the base point, with the given slopes. The agent contributes
``F_I p_V`` to ``F_V``, ``F_I p_V p_{C|V}`` to ``F_{C∩V}`` and ``F_I (1 − p_V) p_{C|¬V}`` to
``F_{C∩¬V}``; the rest of the world is held fixed. With efforts ``a`` and constant tractabilities,
``p_V = p_V⁰ + (dp_V/da) a_V`` (likewise for the two ``p_C``), and

    F_V       = F_V⁰ + F_I (p_V − p_V⁰)
    F_{C|V}   = [F_{C|V}⁰ F_V⁰ + F_I (p_V p_{C|V} − p_V⁰ p_{C|V}⁰)] / F_V
    F_{C|¬V}  = [F_{C|¬V}⁰ (1 − F_V⁰) + F_I ((1 − p_V) p_{C|¬V} − (1 − p_V⁰) p_{C|¬V}⁰)] / (1 − F_V)

Differentiating at ``a = 0`` by the chain rule gives exactly MATH.md's grouped form (the
``(*)`` bracket collects the two composition effects of ``p_V`` on ``F_{C|V}`` and
``F_{C|¬V}``); no other reading is needed. The seed's ``(1 − B)`` in ``dU/dF_V`` is ``(1 − b)``.

**Why ``log F_V``.** In float64 the plain form is accurate (relative) wherever ``F_V`` and
``1 − F_V`` are representable to full precision. It loses digits at the two edges:

* ``F_V`` within ``~1e-12`` of 1: the float nearest ``1 − δ`` carries ``δ`` with only
  ``~1e-16/δ`` relative precision, so ``1 − F_V`` and the ``v`` and ``c|¬v`` values inherit that
  error. ``log F_V = log1p(−δ)`` holds ``δ`` to full precision and ``1 − F_V = −expm1(log F_V)``
  recovers it.
* ``F_V`` and ``F_I`` below the normal range (``< 2.2e-308``, e.g. multiverse-wide fractions):
  subnormals keep few digits and smaller values are 0. In logs, ``F_I / F_V = exp(log F_I − log F_V)``
  is exact to rounding; ``F_V = 1e-400`` works.

Measured against a 50-digit ``mpmath`` evaluation of the same closed form (relative errors)::

    case                                   value   plain form   log form
    F_V = 1 − 3.7e-13 (other inputs O(1))  v       1.0e-04      6.1e-16
                                           c|¬v    1.0e-04      6.6e-16
    F_V = 3e-320, F_I = 1e-321             c|v     2.0e-03      4.5e-14
    F_V = 1e-400, F_I = 1e-401             c|v     (F_V = 0)    < 1e-12

``tests/analysis/test_interventions.py::test_log_form_keeps_digits_where_plain_loses_them`` measures
both against a 50-digit ``mpmath`` evaluation of the same closed form.

Longer than ~500 lines: the closed-form model of MATH.md §4 (each equation one short function) and its ranking table; the equations are meant to be read in order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from powergames.games.checks import as_float_array, first_index

#: The three interventions, in MATH.md's order: alignment, cooperation given (mis)alignment.
INTERVENTIONS: tuple[str, str, str] = ("v", "c|v", "c|¬v")

#: Complex-step size for :func:`structural_gradient`.
COMPLEX_STEP = 1e-30

FloatArray = npt.NDArray[np.float64]

# kinds of input, used for validation and by the sensitivity tools
_UNIT = "fraction in [0, 1]"
_OPEN = "fraction strictly inside (0, 1)"
_REAL = "real number"
_LOG_OPEN = "log of a fraction in (0, 1): finite and < 0"
_LOG_UNIT = "log of a fraction in (0, 1]: finite and <= 0"


def _check_range(name: str, arr: FloatArray, kind: str) -> None:
    if kind == _UNIT:
        bad = (arr < 0) | (arr > 1)
    elif kind == _OPEN:
        bad = (arr <= 0) | (arr >= 1)
    elif kind == _LOG_OPEN:
        bad = arr >= 0
    elif kind == _LOG_UNIT:
        bad = arr > 0
    else:
        return
    if np.any(bad):
        idx = first_index(np.atleast_1d(bad))
        value = float(np.atleast_1d(arr)[idx])
        where = f" at index {idx}" if arr.ndim else ""
        raise ValueError(f"{name} must be a {kind}; got {value!r}{where}")


class _Validated:
    """Shared validation: every field a read-only float64 array, all broadcastable together."""

    _KINDS: dict[str, str] = {}

    def __post_init__(self) -> None:
        arrays = {}
        for f in fields(self):  # type: ignore[arg-type]
            arr = as_float_array(f.name, getattr(self, f.name))
            _check_range(f.name, arr, self._KINDS.get(f.name, _REAL))
            arrays[f.name] = arr
        try:
            shape = np.broadcast_shapes(*(a.shape for a in arrays.values()))
        except ValueError:
            shapes = {k: a.shape for k, a in arrays.items() if a.shape != ()}
            raise ValueError(
                f"{type(self).__name__}: the inputs' shapes do not broadcast together: {shapes}"
            ) from None
        for k, a in arrays.items():
            object.__setattr__(self, k, a)
        object.__setattr__(self, "_shape", shape)

    @property
    def shape(self) -> tuple[int, ...]:
        """The broadcast shape of all inputs (``()`` for one scalar parameter set)."""
        return self._shape  # type: ignore[attr-defined]

    def as_dict(self) -> dict[str, FloatArray]:
        """The inputs by field name (arrays as stored, not broadcast)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}  # type: ignore[arg-type]

    def replace(self, **changes: Any) -> Any:
        """A validated copy with some inputs changed (e.g. an array for a sweep)."""
        return replace(self, **changes)  # type: ignore[type-var]

    def __getitem__(self, index: Any) -> Any:
        """The parameter set(s) at ``index`` of the broadcast shape."""
        kw = {k: np.broadcast_to(v, self.shape)[index] for k, v in self.as_dict().items()}
        return type(self)(**kw)


@dataclass(frozen=True, eq=False)
class InterventionParams(_Validated):
    """The seed's 18 inputs (MATH.md §4). Every field broadcasts, so arrays give a batch or a sweep.

    Raises:
        ValueError: a fraction or probability outside ``[0, 1]``, ``f_v`` not strictly inside
            ``(0, 1)``, a non-finite input, or shapes that do not broadcast (the message names the
            input and the first offending index).
        TypeError: a non-numeric input.
    """

    u_b: Any
    """``U_B``: utility if bargaining goes as well as possible (real)."""
    u_not_b: Any
    """``U_¬B``: utility if bargaining goes as badly as possible (real)."""
    b: Any
    """``b ∈ [0, 1]``: bargaining success, the weight of ``U_B`` in ``U``."""
    f_v: Any
    """``F_V ∈ (0, 1)``: resource-weighted fraction of agents with our values."""
    f_c_given_v: Any
    """``F_{C|V} ∈ [0, 1]``: fraction of agents with our values that are cooperative."""
    f_c_given_not_v: Any
    """``F_{C|¬V} ∈ [0, 1]``: fraction of agents without our values that are cooperative."""
    f_i: Any
    """``F_I ∈ [0, 1]``: the weight of the agent we intervene on."""
    p_v: Any
    """``p_V ∈ [0, 1]``: baseline probability that the agent has our values."""
    p_c_given_v: Any
    """``p_{C|V} ∈ [0, 1]``: probability the agent is cooperative if it has our values."""
    p_c_given_not_v: Any
    """``p_{C|¬V} ∈ [0, 1]``: probability the agent is cooperative if it lacks our values."""
    db_df_v: Any
    """``db/dF_V``: slope of ``b`` in ``F_V`` (real)."""
    db_df_c_given_v: Any
    """``db/dF_{C|V}``: slope of ``b`` in ``F_{C|V}`` (real)."""
    db_df_c_given_not_v: Any
    """``db/dF_{C|¬V}``: slope of ``b`` in ``F_{C|¬V}`` (real)."""
    du_b_df_v: Any
    """``dU_B/dF_V``: slope of ``U_B`` in ``F_V`` (real)."""
    du_not_b_df_v: Any
    """``dU_¬B/dF_V``: slope of ``U_¬B`` in ``F_V`` (real)."""
    dp_v_da: Any
    """``dp_V/da_V``: tractability of alignment work (real; negative = backfires)."""
    dp_c_given_v_da: Any
    """``dp_{C|V}/da_{C|V}``: tractability of cooperation work given alignment (real)."""
    dp_c_given_not_v_da: Any
    """``dp_{C|¬V}/da_{C|¬V}``: tractability of cooperation work given misalignment (real)."""

    _KINDS = {
        "b": _UNIT,
        "f_v": _OPEN,
        "f_c_given_v": _UNIT,
        "f_c_given_not_v": _UNIT,
        "f_i": _UNIT,
        "p_v": _UNIT,
        "p_c_given_v": _UNIT,
        "p_c_given_not_v": _UNIT,
    }

    def to_log(self) -> LogInterventionParams:
        """The same parameter set with ``log F_V`` and ``log F_I`` (``F_I = 0`` is not allowed)."""
        kw = self.as_dict()
        f_v, f_i = kw.pop("f_v"), kw.pop("f_i")
        if np.any(f_i == 0):
            raise ValueError("f_i must be > 0 to take its logarithm")
        return LogInterventionParams(log_f_v=np.log(f_v), log_f_i=np.log(f_i), **kw)

    def landscape_consistent(self) -> npt.NDArray[np.bool_]:
        """Whether the base landscape can contain the agent (the rest of the world non-negative).

        The closed form does not need this, but the structural reading does: it requires
        ``F_I p_V ≤ F_V``, ``F_I (1 − p_V) ≤ 1 − F_V``, ``F_I p_V p_{C|V} ≤ F_{C|V} F_V`` and
        ``F_I (1 − p_V) p_{C|¬V} ≤ F_{C|¬V} (1 − F_V)`` (and the same with ``1 − p_C``).

        Returns:
            Boolean array of the broadcast shape.
        """
        fi, pv, fv = self.f_i, self.p_v, self.f_v
        tol = 1e-12
        return (
            (fi * pv <= fv + tol)
            & (fi * (1 - pv) <= 1 - fv + tol)
            & (fi * pv * self.p_c_given_v <= self.f_c_given_v * fv + tol)
            & (fi * pv * (1 - self.p_c_given_v) <= (1 - self.f_c_given_v) * fv + tol)
            & (fi * (1 - pv) * self.p_c_given_not_v <= self.f_c_given_not_v * (1 - fv) + tol)
            & (
                fi * (1 - pv) * (1 - self.p_c_given_not_v)
                <= (1 - self.f_c_given_not_v) * (1 - fv) + tol
            )
        )


@dataclass(frozen=True, eq=False)
class LogInterventionParams(_Validated):
    """:class:`InterventionParams` with ``F_V`` and ``F_I`` given by their natural logarithms.

    Use it when ``F_V`` is tiny (below float64's normal range, or where ``F_I/F_V`` should not pass
    through two underflowing numbers) or within ``~1e-12`` of 1 (``1 − F_V = −expm1(log F_V)`` keeps
    the digits that ``1 − fl(F_V)`` loses). All other fields are as in :class:`InterventionParams`.
    """

    u_b: Any
    """``U_B`` (real)."""
    u_not_b: Any
    """``U_¬B`` (real)."""
    b: Any
    """``b ∈ [0, 1]``."""
    log_f_v: Any
    """``log F_V`` (finite, ``< 0``)."""
    f_c_given_v: Any
    """``F_{C|V} ∈ [0, 1]``."""
    f_c_given_not_v: Any
    """``F_{C|¬V} ∈ [0, 1]``."""
    log_f_i: Any
    """``log F_I`` (finite, ``≤ 0``)."""
    p_v: Any
    """``p_V ∈ [0, 1]``."""
    p_c_given_v: Any
    """``p_{C|V} ∈ [0, 1]``."""
    p_c_given_not_v: Any
    """``p_{C|¬V} ∈ [0, 1]``."""
    db_df_v: Any
    """``db/dF_V`` (real)."""
    db_df_c_given_v: Any
    """``db/dF_{C|V}`` (real)."""
    db_df_c_given_not_v: Any
    """``db/dF_{C|¬V}`` (real)."""
    du_b_df_v: Any
    """``dU_B/dF_V`` (real)."""
    du_not_b_df_v: Any
    """``dU_¬B/dF_V`` (real)."""
    dp_v_da: Any
    """``dp_V/da_V`` (real)."""
    dp_c_given_v_da: Any
    """``dp_{C|V}/da_{C|V}`` (real)."""
    dp_c_given_not_v_da: Any
    """``dp_{C|¬V}/da_{C|¬V}`` (real)."""

    _KINDS = {
        "b": _UNIT,
        "log_f_v": _LOG_OPEN,
        "f_c_given_v": _UNIT,
        "f_c_given_not_v": _UNIT,
        "log_f_i": _LOG_UNIT,
        "p_v": _UNIT,
        "p_c_given_v": _UNIT,
        "p_c_given_not_v": _UNIT,
    }

    def to_plain(self) -> InterventionParams:
        """The same set with ``F_V = exp(log F_V)``, ``F_I = exp(log F_I)`` (error if ``F_V`` rounds to 0 or 1)."""
        kw = self.as_dict()
        return InterventionParams(
            f_v=np.exp(kw.pop("log_f_v")), f_i=np.exp(kw.pop("log_f_i")), **kw
        )


# field names shared by both parameter classes, in declaration order
PARAM_NAMES: tuple[str, ...] = tuple(f.name for f in fields(InterventionParams))


def _log1mexp(x: FloatArray) -> FloatArray:
    """``log(1 − exp(x))`` for ``x < 0``, accurate at both ends (Mächler 2012)."""
    x = np.asarray(x, dtype=np.float64)
    near = x > -np.log(2.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.log(-np.expm1(np.where(near, x, -1.0)))
        c = np.log1p(-np.exp(np.where(near, -1.0, x)))
    return np.where(near, a, c)


def marginal_values(
    params: InterventionParams | LogInterventionParams, per_weight: bool = False
) -> dict[str, FloatArray]:
    """``dU/da`` split into the three interventions: MATH.md §4's grouped closed form.

    ::

        v    = [ (U_B − U_¬B)(*) + b dU_B/dF_V + (1 − b) dU_¬B/dF_V ] F_I dp_V/da
        c|v  = (U_B − U_¬B) db/dF_{C|V}  · p_V F_I / F_V           · dp_{C|V}/da
        c|¬v = (U_B − U_¬B) db/dF_{C|¬V} · (1 − p_V) F_I / (1 − F_V) · dp_{C|¬V}/da
        (*)  = db/dF_V + db/dF_{C|V} (p_{C|V} − F_{C|V}) / F_V
                       − db/dF_{C|¬V} (p_{C|¬V} − F_{C|¬V}) / (1 − F_V)

    Args:
        params: one parameter set, or arrays of them (all inputs broadcast). With
            :class:`LogInterventionParams` the ratios ``F_I/F_V`` and ``F_I/(1 − F_V)`` are formed in
            log space (see the module docstring).
        per_weight: return ``dU/da / F_I`` instead (every term carries ``F_I``, so the ranking is
            unchanged; useful when ``F_I`` itself underflows).

    Returns:
        ``{"v": …, "c|v": …, "c|¬v": …}``, each an array of the broadcast shape ``params.shape``
        (0-d for scalar inputs).
    """
    if isinstance(params, LogInterventionParams):
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            return _marginal_values_log(params, per_weight)
    if not isinstance(params, InterventionParams):
        raise TypeError(
            f"params must be an InterventionParams or LogInterventionParams, got {type(params).__name__}"
        )
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        return _marginal_values_plain(params, per_weight)


def _marginal_values_plain(p: InterventionParams, per_weight: bool) -> dict[str, FloatArray]:
    gap = p.u_b - p.u_not_b
    f_i = np.ones_like(p.f_i) if per_weight else p.f_i
    star = (
        p.db_df_v
        + p.db_df_c_given_v * (p.p_c_given_v - p.f_c_given_v) / p.f_v
        - p.db_df_c_given_not_v * (p.p_c_given_not_v - p.f_c_given_not_v) / (1 - p.f_v)
    )
    v = (gap * star + p.b * p.du_b_df_v + (1 - p.b) * p.du_not_b_df_v) * f_i * p.dp_v_da
    cv = gap * p.db_df_c_given_v * (p.p_v * f_i / p.f_v) * p.dp_c_given_v_da
    cnv = gap * p.db_df_c_given_not_v * ((1 - p.p_v) * f_i / (1 - p.f_v)) * p.dp_c_given_not_v_da
    return _finite_result(p.shape, (v, cv, cnv))


def _marginal_values_log(p: LogInterventionParams, per_weight: bool) -> dict[str, FloatArray]:
    log_1m_fv = _log1mexp(p.log_f_v)
    log_fi = np.zeros_like(p.log_f_i) if per_weight else p.log_f_i
    f_i = np.exp(log_fi)
    r = np.exp(log_fi - p.log_f_v)  # F_I / F_V
    s = np.exp(log_fi - log_1m_fv)  # F_I / (1 − F_V)
    gap = p.u_b - p.u_not_b
    # the (v) bracket times F_I, with F_I distributed so no 1/F_V is formed on its own
    star_fi = (
        p.db_df_v * f_i
        + p.db_df_c_given_v * (p.p_c_given_v - p.f_c_given_v) * r
        - p.db_df_c_given_not_v * (p.p_c_given_not_v - p.f_c_given_not_v) * s
    )
    v = (gap * star_fi + (p.b * p.du_b_df_v + (1 - p.b) * p.du_not_b_df_v) * f_i) * p.dp_v_da
    cv = gap * p.db_df_c_given_v * (p.p_v * r) * p.dp_c_given_v_da
    cnv = gap * p.db_df_c_given_not_v * ((1 - p.p_v) * s) * p.dp_c_given_not_v_da
    return _finite_result(p.shape, (v, cv, cnv))


def _finite_result(shape: tuple[int, ...], terms: tuple[Any, Any, Any]) -> dict[str, FloatArray]:
    out = {}
    for k, x in zip(INTERVENTIONS, terms):
        arr = np.broadcast_to(np.asarray(x, dtype=np.float64), shape).copy()
        if not np.all(np.isfinite(arr)):
            idx = first_index(np.atleast_1d(~np.isfinite(arr)))
            where = f" at index {idx}" if arr.ndim else ""
            raise ValueError(
                f"the marginal value of {k!r} overflows float64{where} (a ratio such as "
                "1/F_V is too large); pass LogInterventionParams for landscapes this extreme"
            )
        out[k] = arr
    return out


# ---------------------------------------------------------------------------- structural model
def _efforts(efforts: Any, shape: tuple[int, ...]) -> tuple[Any, Any, Any]:
    if isinstance(efforts, Mapping):
        unknown = set(efforts) - set(INTERVENTIONS)
        if unknown:
            raise ValueError(
                f"efforts: unknown intervention {sorted(unknown)[0]!r}; expected keys {INTERVENTIONS}"
            )
        vals = [np.asarray(efforts.get(k, 0.0)) for k in INTERVENTIONS]
    else:
        arr = np.asarray(efforts)
        if arr.shape[-1:] != (3,):
            raise ValueError(
                f"efforts must be a mapping {INTERVENTIONS} -> effort or an array of shape (..., 3); "
                f"got shape {arr.shape}"
            )
        vals = [arr[..., 0], arr[..., 1], arr[..., 2]]
    for k, x in zip(INTERVENTIONS, vals):
        if x.dtype.kind not in "biufc":
            raise TypeError(f"efforts[{k!r}] must be numeric, got dtype {x.dtype}")
        if not np.all(np.isfinite(x)):
            raise ValueError(f"efforts[{k!r}] must be finite")
    return vals[0], vals[1], vals[2]


def _landscape_change(p: InterventionParams, pv: Any, pcv: Any, pcnv: Any) -> tuple[Any, Any, Any]:
    """``(ΔF_V, ΔF_{C|V}, ΔF_{C|¬V})`` when the agent moves to probabilities ``pv, pcv, pcnv``.

    The rest of the world is fixed; the agent contributes ``F_I p_V`` to ``F_V``,
    ``F_I p_V p_{C|V}`` to ``F_{C∩V}`` and ``F_I (1 − p_V) p_{C|¬V}`` to ``F_{C∩¬V}``. The ratios
    are differenced exactly, ``Δ(F_{C∩V}/F_V) = (ΔF_{C∩V} − F_{C|V}⁰ ΔF_V) / F_V`` (an identity, no
    derivative), so a change of 0 is exactly 0 and not a rounding error of the ratio.
    """
    d_fv = p.f_i * (pv - p.p_v)
    d_joint_v = p.f_i * (pv * pcv - p.p_v * p.p_c_given_v)
    d_joint_not_v = p.f_i * ((1 - pv) * pcnv - (1 - p.p_v) * p.p_c_given_not_v)
    f_v = p.f_v + d_fv
    d_fcv = (d_joint_v - p.f_c_given_v * d_fv) / f_v
    d_fcnv = (d_joint_not_v + p.f_c_given_not_v * d_fv) / (1 - f_v)
    return d_fv, d_fcv, d_fcnv


def structural_landscape(params: InterventionParams, efforts: Any) -> dict[str, Any]:
    """The structural model's intermediate quantities after efforts ``a`` (MATH.md §4).

    Real or complex efforts are accepted (complex for the complex-step derivative).

    Args:
        params: the base point (efforts ``0``); arrays broadcast.
        efforts: ``{"v": a_V, "c|v": a_{C|V}, "c|¬v": a_{C|¬V}}`` (missing keys = 0) or an array of
            shape ``(..., 3)`` in that order.

    Returns:
        ``p_v, p_c_given_v, p_c_given_not_v, f_v, f_c_given_v, f_c_given_not_v, b, u_b, u_not_b, u``.
    """
    if not isinstance(params, InterventionParams):
        raise TypeError(f"params must be an InterventionParams, got {type(params).__name__}")
    p = params
    a_v, a_cv, a_cnv = _efforts(efforts, p.shape)
    pv = p.p_v + p.dp_v_da * a_v
    pcv = p.p_c_given_v + p.dp_c_given_v_da * a_cv
    pcnv = p.p_c_given_not_v + p.dp_c_given_not_v_da * a_cnv
    d_fv, d_fcv, d_fcnv = _landscape_change(p, pv, pcv, pcnv)
    f_v, f_cv, f_cnv = p.f_v + d_fv, p.f_c_given_v + d_fcv, p.f_c_given_not_v + d_fcnv
    b = p.b + p.db_df_v * d_fv + p.db_df_c_given_v * d_fcv + p.db_df_c_given_not_v * d_fcnv
    u_b = p.u_b + p.du_b_df_v * d_fv
    u_not_b = p.u_not_b + p.du_not_b_df_v * d_fv
    u = b * u_b + (1 - b) * u_not_b
    return {
        "p_v": pv,
        "p_c_given_v": pcv,
        "p_c_given_not_v": pcnv,
        "f_v": f_v,
        "f_c_given_v": f_cv,
        "f_c_given_not_v": f_cnv,
        "b": b,
        "u_b": u_b,
        "u_not_b": u_not_b,
        "u": u,
    }


def structural_utility(params: InterventionParams, efforts: Any) -> Any:
    """``U(a) = b(a) U_B(a) + (1 − b(a)) U_¬B(a)`` of the structural model (see the module docstring).

    Args:
        params: the base point; arrays broadcast.
        efforts: as in :func:`structural_landscape`.

    Returns:
        ``U`` with the broadcast shape of params and efforts (complex if the efforts are).
    """
    return structural_landscape(params, efforts)["u"]


def structural_gradient(
    params: InterventionParams, h: float = COMPLEX_STEP
) -> dict[str, FloatArray]:
    """``∂U/∂a_k`` at ``a = 0`` of :func:`structural_utility` by the complex step, ``Im U(i h_k e_k)/h_k``.

    Independent of :func:`marginal_values` (no hand-derived formula). ``U`` is a rational function
    of the efforts and the step ``h_k = h / |dp_k/da|`` moves the probability by ``i h``, so the
    ``O(h²)`` truncation is invisible whenever ``F_V (1 − F_V) ≫ h F_I`` and no imaginary part
    underflows (inputs within float64's normal range). It is **not** free of subtractive
    cancellation: ``Im U = Im(b)(U_B − U_¬B) + b Im U_B + (1 − b) Im U_¬B`` is formed as
    ``Im(b) U_B − Im(b) U_¬B + …``, and ``(p_{C|V} − F_{C|V})/F_V``-type differences appear inside
    ``Im F_{C|V}``. Its absolute error is a few ulps of the closed form's terms with every difference
    replaced by a sum of absolute values; its *relative* error can be much larger than ``1e-16``
    (e.g. ``U_B = U_¬B = 1``, ``b = 0.5``, ``F_V = F_I = 1e-9``, ``F_{C|V} = 0.5``,
    ``p_{C|V} = 1``, ``db/dF_{C|V} = 1``, ``dU_B/dF_V = 0``, ``dU_¬B/dF_V = dp_V/da = 1``: ``v`` is
    ``5e-10`` exactly, the complex step gives ``5.0000002e-10``). Use it as a cross-check, not as
    a reference to 1e-8 relative.

    Args:
        params: the base point; arrays broadcast.
        h: the complex step in probability units, ``0 < h ≤ 1e-6`` (the truncation error is
            ``O(h²)`` relative to the curvature; the default ``1e-30`` makes it vanish).

    Returns:
        ``{"v": …, "c|v": …, "c|¬v": …}``, arrays of shape ``params.shape``.

    Raises:
        ValueError: ``h`` not a finite number in ``(0, 1e-6]``.
    """
    if not isinstance(params, InterventionParams):
        raise TypeError(f"params must be an InterventionParams, got {type(params).__name__}")
    if isinstance(h, bool) or not isinstance(h, int | float | np.integer | np.floating):
        raise TypeError(f"h must be a real number, got {type(h).__name__}")
    if not (np.isfinite(h) and 0 < h <= 1e-6):
        raise ValueError(f"h must be a finite complex step with 0 < h <= 1e-6, got {h!r}")
    slopes = (params.dp_v_da, params.dp_c_given_v_da, params.dp_c_given_not_v_da)
    out = {}
    for k, slope in zip(INTERVENTIONS, slopes):
        mag = np.abs(slope)
        step = np.where(mag > 0, h / np.where(mag > 0, mag, 1.0), h)
        u = structural_utility(params, {k: 1j * step})
        out[k] = np.broadcast_to(np.imag(u) / step, params.shape).copy()
    return out


# ---------------------------------------------------------------------------------- ranking
@dataclass(frozen=True)
class RankingRow:
    """One intervention's line in the ranking table."""

    name: str
    """The intervention: ``"v"``, ``"c|v"`` or ``"c|¬v"``."""
    value: float
    """Its marginal value ``dU/da`` (utility per unit of effort)."""
    share: float
    """``value / Σ_j |value_j|``: its share of the total (the plain share when all are ≥ 0)."""
    rank: int
    """1 = the largest marginal value."""
    ratio_to_best: float
    """``value / value_best`` (``nan`` when the best value is 0)."""


def rank_interventions(values: Mapping[str, Any]) -> list[RankingRow]:
    """Rank one parameter set's three marginal values, largest first.

    Args:
        values: the output of :func:`marginal_values` for scalar parameters: a mapping with the
            keys :data:`INTERVENTIONS`, each a finite number.

    Returns:
        Three :class:`RankingRow` in :data:`INTERVENTIONS` order.

    Raises:
        TypeError: ``values`` not a mapping, or a value not a number.
        ValueError: a missing key, a value that is not a scalar, or a non-finite value.
    """
    if not isinstance(values, Mapping):
        raise TypeError(
            f"values must be a mapping {INTERVENTIONS} -> value, got {type(values).__name__}"
        )
    missing = [k for k in INTERVENTIONS if k not in values]
    if missing:
        raise ValueError(
            f"values is missing intervention {missing[0]!r}; expected keys {INTERVENTIONS}"
        )
    vals = np.empty(3)
    for j, k in enumerate(INTERVENTIONS):
        x = as_float_array(f"values[{k!r}]", values[k])
        if x.size != 1:
            raise ValueError(f"values[{k!r}] must be one number, got shape {x.shape}")
        vals[j] = float(x.reshape(()))
    order = np.argsort(-vals, kind="stable")
    ranks = np.empty(3, dtype=int)
    ranks[order] = np.arange(1, 4)
    total = np.abs(vals).sum()
    best = vals[order[0]]
    rows = []
    for j, k in enumerate(INTERVENTIONS):
        share = vals[j] / total if total > 0 else float("nan")
        ratio = vals[j] / best if best != 0 else float("nan")
        rows.append(RankingRow(k, float(vals[j]), float(share), int(ranks[j]), float(ratio)))
    return rows


def best_intervention(values: Mapping[str, Any]) -> tuple[npt.NDArray[np.int64], FloatArray]:
    """Vectorised: index (into :data:`INTERVENTIONS`) of the best intervention and its margin.

    Args:
        values: the output of :func:`marginal_values` (any shape).

    Returns:
        ``(best, margin)``: ``best`` the argmax over the three (ties to the first), ``margin`` the
        best value minus the runner-up's (``≥ 0``), both of the values' shape.
    """
    stack = np.stack([np.asarray(values[k], dtype=np.float64) for k in INTERVENTIONS], axis=-1)
    best = np.argmax(stack, axis=-1)
    srt = np.sort(stack, axis=-1)
    return best, srt[..., -1] - srt[..., -2]
