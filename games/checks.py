"""Input validation shared by every game class.

Each check raises ``ValueError`` (bad values) or ``TypeError`` (bad kinds) with a message that names
the argument, what was wanted and, where there is one, the first offending index.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

#: Absolute tolerance used for every "sums to one" / "sums to c" check in the package.
SUM_TOL = 1e-9


def as_float_array(name: str, value: Any, ndim: int | None = None) -> npt.NDArray[np.float64]:
    """Convert ``value`` to a read-only float64 array, rejecting non-numeric and non-finite input.

    Args:
        name: the argument's name, used in error messages.
        value: anything ``np.asarray`` accepts holding real numbers.
        ndim: the required number of dimensions, or ``None`` for any.

    Returns:
        A new C-contiguous float64 array with ``writeable=False``.
    """
    if value is None or isinstance(value, str | bytes):
        raise TypeError(f"{name} must be an array of numbers, got {type(value).__name__}")
    try:
        arr = np.array(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be an array of real numbers ({exc})") from None
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions, got shape {arr.shape}")
    if arr.size and not np.all(np.isfinite(arr)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        raise ValueError(f"{name} must be finite; found {arr[bad]} at index {bad}")
    arr.setflags(write=False)
    return arr


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
            ``(T_i, k_i)`` when ``per_type`` is given (a strategy per type).
        sizes: the action counts ``k_i``.
        per_type: the type counts ``T_i`` for a Bayesian game, else ``None``.

    Returns:
        The list of validated arrays.
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
            out.append(check_distribution(f"{name}[{i}]", sigma, shape=(k,)))
        else:
            out.append(check_distribution(f"{name}[{i}]", sigma, shape=(per_type[i], k), axis=1))
    return out


def check_rng(rng: Any) -> np.random.Generator:
    """Require an explicit ``np.random.Generator`` (or an int seed, turned into one)."""
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, int | np.integer) and not isinstance(rng, bool):
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
