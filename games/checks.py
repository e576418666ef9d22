"""Input validation shared by every game class.

Each check raises ``ValueError`` (bad values) or ``TypeError`` (bad kinds) with a message that names
the argument, what was wanted and, where there is one, the first offending index.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

#: Absolute tolerance used for every "sums to one" / "sums to c" check in the package.
SUM_TOL = 1e-9


#: Relative size of rounding in payoff sums: :func:`payoff_tol` never goes below this times the
#: largest magnitude (a sum of ``n`` float64 payoffs is exact to about ``n · 1.1e-16`` of it).
ROUNDING_TOL = 1e-12

#: Array kinds refused by :func:`as_float_array`: booleans, complex numbers, datetimes and
#: timedeltas, strings and bytes (NumPy would convert some of them silently).
_REFUSED_KINDS = {
    "b": "booleans",
    "c": "complex numbers",
    "M": "datetimes",
    "m": "timedeltas",
    "U": "strings",
    "S": "bytes",
    "V": "structured records",
}


def _refuse_kind(name: str, arr: np.ndarray) -> None:
    kind = _REFUSED_KINDS.get(arr.dtype.kind)
    if kind is not None:
        raise TypeError(f"{name} must hold real numbers, got {kind} (dtype {arr.dtype})")
    if arr.dtype.kind == "O":
        for item in arr.flat:
            if isinstance(item, bool | np.bool_ | str | bytes | complex | np.complexfloating):
                raise TypeError(
                    f"{name} must hold real numbers, got {type(item).__name__} {item!r}"
                )
            if not isinstance(item, numbers.Real):
                raise TypeError(
                    f"{name} must hold real numbers, got {type(item).__name__} {item!r}"
                )


def as_float_array(name: str, value: Any, ndim: int | None = None) -> npt.NDArray[np.float64]:
    """Convert ``value`` to a read-only float64 array, rejecting non-numeric and non-finite input.

    Real numbers only: booleans, complex numbers, datetimes, strings (also numeric strings) and
    other objects are a ``TypeError`` — never converted silently.

    Args:
        name: the argument's name, used in error messages.
        value: anything ``np.asarray`` accepts holding real numbers.
        ndim: the required number of dimensions, or ``None`` for any.

    Returns:
        A new C-contiguous float64 array with ``writeable=False``. It is a read-only view of a
        read-only buffer, so ``setflags(write=True)`` on it raises.

    Example:
        >>> as_float_array("x", [1, 2]).tolist()
        [1.0, 2.0]
        >>> as_float_array("x", ["1"])
        Traceback (most recent call last):
        ...
        TypeError: x must hold real numbers, got strings (dtype <U1)
    """
    if value is None or isinstance(value, str | bytes):
        raise TypeError(f"{name} must be an array of numbers, got {type(value).__name__}")
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be an array of real numbers ({exc})") from None
    _refuse_kind(name, raw)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", np.exceptions.ComplexWarning)
            base = np.array(raw, dtype=np.float64)
    except (TypeError, ValueError, OverflowError, np.exceptions.ComplexWarning) as exc:
        raise TypeError(f"{name} must be an array of real numbers ({exc})") from None
    if ndim is not None and base.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions, got shape {base.shape}")
    if base.size and not np.all(np.isfinite(base)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(base))[0])
        raise ValueError(f"{name} must be finite; found {base[bad]} at index {bad}")
    return frozen(base)


def frozen(arr: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """A read-only view of ``arr`` whose buffer is read-only too (``setflags(write=True)`` raises)."""
    arr.setflags(write=False)
    view = arr.view()
    view.setflags(write=False)
    return view


def payoff_tol(*arrays: npt.NDArray[np.float64]) -> float:
    """Absolute tolerance for equality facts about payoffs, relative to their scale.

    ``SUM_TOL · (max − min) + ROUNDING_TOL · max |u|`` over all entries: invariant (up to the
    rounding term) under positive affine maps of the payoffs, MATH.md (2.10), and 0 for payoffs
    that are all 0. Overflow-safe near the float64 limit.

    Example:
        >>> round(payoff_tol(np.array([0.0, 2.0])), 15)  # 1e-9 · 2 + 1e-12 · 2
        2.002e-09
    """
    hi = max(float(a.max()) for a in arrays if a.size)
    lo = min(float(a.min()) for a in arrays if a.size)
    half_range = hi / 2 - lo / 2
    magnitude = max(abs(hi), abs(lo))
    return SUM_TOL * half_range * 2 + ROUNDING_TOL * magnitude


def to_unit_interval(
    values: npt.NDArray[np.float64],
) -> tuple[npt.NDArray[np.float64], float, float]:
    """Map ``values`` affinely onto ``[0, 1]``: ``(scaled, low, half_span)`` with
    ``values = low + 2 · half_span · scaled`` (MATH.md (2.10): solvers see payoffs of one scale).

    Overflow-safe near the float64 limit: the range is kept as a half (``2 · half_span`` may
    exceed float64); a constant array maps to zeros with ``half_span = 0``.

    Example:
        >>> scaled, low, half_span = to_unit_interval(np.array([-1e308, 1e308]))
        >>> scaled.tolist(), low, half_span
        ([0.0, 1.0], -1e+308, 1e+308)
    """
    low, high = float(values.min()), float(values.max())
    half_span = high / 2 - low / 2
    if half_span == 0.0:
        return np.zeros_like(values), low, 0.0
    scaled = np.clip((values / 2 - low / 2) / half_span, 0.0, 1.0)
    return scaled, low, half_span


def from_unit_interval(value: float, low: float, half_span: float) -> float:
    """The inverse of :func:`to_unit_interval` for a value in ``[0, 1]`` (overflow-safe)."""
    return (low / 2 + value * half_span) * 2


def check_real(
    name: str,
    value: Any,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """Require a finite real number (not a bool) in ``[low, high]`` (open ends when asked).

    Raises:
        TypeError: not a real number (bools, strings, complex numbers refused).
        ValueError: NaN, infinite or out of range (the message names the range).

    Example:
        >>> check_real("tol", 1e-9, low=0.0)
        1e-09
    """
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if low is not None and (v < low or (low_open and v == low)):
        raise ValueError(f"{name} must be {'>' if low_open else '>='} {low:g}, got {value!r}")
    if high is not None and (v > high or (high_open and v == high)):
        raise ValueError(f"{name} must be {'<' if high_open else '<='} {high:g}, got {value!r}")
    return v


def first_index(mask: npt.NDArray[np.bool_]) -> tuple[int, ...]:
    """The first index (C order) where ``mask`` is true."""
    return tuple(int(i) for i in np.argwhere(mask)[0])


def check_distribution(
    name: str, value: Any, shape: tuple[int, ...] | None = None, axis: int | None = None
) -> npt.NDArray[np.float64]:
    """Validate a probability distribution (or a stack of them).

    Args:
        name: the argument's name, used in error messages.
        value: the probabilities.
        shape: the required shape, or ``None`` for any.
        axis: sum over this axis only (a stack of distributions, e.g. one per type); ``None`` sums
            over all entries (one joint distribution).

    Returns:
        The validated float64 array (read-only).
    """
    arr = as_float_array(name, value)
    if shape is not None and arr.shape != tuple(shape):
        raise ValueError(f"{name} must have shape {tuple(shape)}, got {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty")
    if np.any(arr < 0):
        idx = first_index(arr < 0)
        raise ValueError(f"{name} must be non-negative; found {arr[idx]} at index {idx}")
    totals = arr.sum() if axis is None else arr.sum(axis=axis)
    off = np.abs(np.asarray(totals) - 1.0) > SUM_TOL
    if np.any(off):
        if axis is None:
            raise ValueError(
                f"{name} must sum to 1 (tolerance {SUM_TOL:g}); it sums to {float(totals)!r}"
            )
        idx = first_index(np.asarray(off))
        raise ValueError(
            f"{name} must sum to 1 along axis {axis} (tolerance {SUM_TOL:g}); "
            f"the slice at {idx} sums to {float(np.asarray(totals)[idx])!r}"
        )
    return arr


def check_profile(
    name: str, profile: Any, sizes: Sequence[int], per_type: Sequence[int] | None = None
) -> list[npt.NDArray[np.float64]]:
    """Validate an independent mixed profile: one distribution per player.

    Args:
        name: the argument's name, used in error messages.
        profile: a sequence with one entry per player; entry ``i`` has shape ``(k_i,)``, or
            ``(T_i, k_i)`` when ``per_type`` is given (a strategy per type). A one-type player's
            strategy may be given in either form, ``(k_i,)`` or ``(1, k_i)``, everywhere.
        sizes: the action counts ``k_i``.
        per_type: the type counts ``T_i`` for a Bayesian game, else ``None``.

    Returns:
        The list of validated arrays: ``(k_i,)`` without ``per_type``, else ``(T_i, k_i)``.
    """
    if isinstance(profile, np.ndarray) or not isinstance(profile, Sequence):
        raise TypeError(
            f"{name} must be a list with one strategy array per player, got {type(profile).__name__}"
        )
    if len(profile) != len(sizes):
        raise ValueError(
            f"{name} must have one strategy per player ({len(sizes)}), got {len(profile)}"
        )
    out = []
    for i, (sigma, k) in enumerate(zip(profile, sizes)):
        if per_type is None:
            sigma = _one_type_form(sigma, two_d=False)
            out.append(check_distribution(f"{name}[{i}]", sigma, shape=(k,)))
        else:
            if per_type[i] == 1:
                sigma = _one_type_form(sigma, two_d=True)
            out.append(check_distribution(f"{name}[{i}]", sigma, shape=(per_type[i], k), axis=1))
    return out


def _one_type_form(sigma: Any, two_d: bool) -> Any:
    """A one-type strategy in the wanted form: ``(k,)`` → ``(1, k)`` when ``two_d``, ``(1, k)`` →
    ``(k,)`` otherwise; anything else unchanged (the distribution check then names it)."""
    if not isinstance(sigma, np.ndarray | list | tuple):
        return sigma
    try:
        arr = np.asarray(sigma)
    except (TypeError, ValueError):  # ragged: the distribution check reports it
        return sigma
    if arr.dtype == object:
        return sigma
    if two_d and arr.ndim == 1:
        return arr.reshape(1, -1)
    if not two_d and arr.ndim == 2 and arr.shape[0] == 1:
        return arr.reshape(-1)
    return sigma


def did_you_mean(name: Any, known: Any) -> str:
    """`` (did you mean 'x'?)`` for the known name closest to a misspelt ``name``, else ``""``."""
    import difflib

    close = difflib.get_close_matches(str(name), [str(k) for k in known], n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def check_rng(rng: Any) -> np.random.Generator:
    """Require an explicit ``np.random.Generator`` (or a non-negative int seed, turned into one)."""
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, int | np.integer) and not isinstance(rng, bool):
        if rng < 0:
            raise ValueError(
                f"rng must be a numpy.random.Generator or a non-negative int seed, got {rng}"
            )
        return np.random.default_rng(int(rng))
    raise TypeError(
        f"rng must be a numpy.random.Generator or an int seed, got {type(rng).__name__}"
    )


def check_positive_int(name: str, value: Any, minimum: int = 1) -> int:
    """Require an integer ``>= minimum``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)
