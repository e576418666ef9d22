"""Count vectors: compositions, their ranks, multinomials and count distributions (MATH.md §1).

Count vectors of ``N`` players over ``k`` actions ("compositions" of ``N`` into ``k`` parts) are
enumerated in lexicographic order of ``(c_0, c_1, …, c_{k-1})``: :func:`compositions` lists them,
:func:`composition_index` maps count vectors to their positions (vectorised, closed form (1.6)),
:func:`composition_blocks` gives them block by block, :func:`multinomial_pmf` (with its factor
tables, :func:`multinomial_factors`) the distribution of the counts of i.i.d. players (1.7);
:class:`CountDistribution` with :func:`convolve_counts` — the distribution of the counts of
independent groups of players (1.8) — live in :mod:`powergames.games.count_distributions` and are
re-exported here. Pure NumPy (SciPy's FFT and special functions, imported on
first use); nothing here knows about games.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from powergames.games.checks import check_distribution, check_positive_int, first_index, frozen
from powergames.games.memory import check_memory

#: Largest number of count vectors of one enumeration (ranks and sizes stay far inside int64); what
#: memory allows is checked separately (:func:`check_count_size`, :mod:`powergames.games.memory`).
MAX_COUNT_VECTORS = 2**33

__all__ = [
    "MAX_COUNT_VECTORS",
    "MAX_GRID_ENTRIES",
    "CountDistribution",
    "check_count_size",
    "composition_index",
    "composition_ranks",
    "composition_blocks",
    "compositions",
    "convolve_counts",
    "convolve_many",
    "convolve_weighted",
    "multinomial_factors",
    "multinomial_pmf",
    "multinomial_weights",
    "n_compositions",
]


# ---------------------------------------------------------------------------------------------- counts
def n_compositions(total: int, n_parts: int) -> int:
    """The number of count vectors of ``total`` players over ``n_parts`` actions, MATH.md (1.5).

    ``C(total + n_parts - 1, n_parts - 1)``.

    Args:
        total: ``N >= 0``.
        n_parts: ``k >= 1``.

    Example:
        >>> n_compositions(3, 3)
        10
    """
    total = check_positive_int("total", total, minimum=0)
    n_parts = check_positive_int("n_parts", n_parts)
    return math.comb(total + n_parts - 1, n_parts - 1)


def check_count_size(total: int, n_parts: int) -> int:
    """:func:`n_compositions`, refused when their int64 enumeration does not fit in memory.

    Raises:
        ValueError: more than :data:`MAX_COUNT_VECTORS` count vectors, or an enumeration
            (``size * n_parts * 8`` bytes) above :func:`~powergames.games.memory.memory_budget`;
            the message gives the estimate.
    """
    size = n_compositions(total, n_parts)
    if size > MAX_COUNT_VECTORS:
        raise ValueError(
            f"{total} players over {n_parts} actions have {size} count vectors, more than the "
            f"{MAX_COUNT_VECTORS} the count form allows (about {size * 8 / 2**30:.1f} GiB per "
            "float64 column)"
        )
    check_memory(
        f"the {size:,} count vectors of {total} players over {n_parts} actions",
        {"int64 count vectors": size * n_parts * 8},
    )
    return size


@lru_cache(maxsize=32)
def _compositions_cached(total: int, n_parts: int) -> npt.NDArray[np.int64]:
    check_count_size(total, n_parts)
    if n_parts == 1:
        out = np.array([[total]], dtype=np.int64)
        out = frozen(out)
        return out
    # Non-decreasing sequences 0 <= s_1 <= … <= s_{k-1} <= total in lexicographic order; the counts
    # are their differences, and lexicographic order carries over.
    cols = [np.arange(total + 1, dtype=np.int64)]
    for _ in range(n_parts - 2):
        last = cols[-1]
        reps = total + 1 - last
        starts = np.cumsum(reps) - reps
        appended = np.arange(int(reps.sum()), dtype=np.int64) - np.repeat(starts - last, reps)
        cols = [np.repeat(c, reps) for c in cols] + [appended]
    out = np.empty((len(cols[0]), n_parts), dtype=np.int64)
    out[:, 0] = cols[0]
    for i in range(1, n_parts - 1):
        np.subtract(cols[i], cols[i - 1], out=out[:, i])
    np.subtract(total, cols[-1], out=out[:, -1])
    out = frozen(out)
    return out


def compositions(total: int, n_parts: int) -> npt.NDArray[np.int64]:
    """All count vectors of ``total`` players over ``n_parts`` actions, in lexicographic order.

    MATH.md (1.5): the ``C(N+k-1, k-1)`` vectors ``c ∈ ℕ^k`` with ``Σ_a c_a = N``.

    Args:
        total: the number of players ``N >= 0``.
        n_parts: the number of actions ``k >= 1``.

    Returns:
        Read-only int64 array of shape ``(C(N+k-1, k-1), k)``; row ``r`` is the count vector whose
        :func:`composition_index` is ``r``.

    Example:
        >>> compositions(2, 2).tolist()
        [[0, 2], [1, 1], [2, 0]]
    """
    total = check_positive_int("total", total, minimum=0)
    n_parts = check_positive_int("n_parts", n_parts)
    return _compositions_cached(total, n_parts)


def composition_blocks(
    total: int, n_parts: int, rows: int = 2**19
) -> Iterator[tuple[int, npt.NDArray[np.int64]]]:
    """Consecutive blocks of :func:`compositions` ``(total, n_parts)`` without the whole enumeration.

    Yields ``(start, block)``: ``block`` (shape ``(L, n_parts)``, int64) is rows ``start:start+L`` of
    ``compositions(total, n_parts)``. Rows with first count ``v`` are ``v`` followed by the count
    vectors of ``total - v`` over ``n_parts - 1`` actions, which are the suffix of
    ``compositions(total, n_parts - 1)`` whose first count is ``>= v``, shifted down by ``v``; so only
    that ``C(total + n_parts - 2, n_parts - 2)``-row enumeration and one block are in memory.

    Args:
        total: ``N >= 0``; n_parts: ``k >= 1``; rows: about how many rows per block (``>= 1``).
    """
    total = check_positive_int("total", total, minimum=0)
    n_parts = check_positive_int("n_parts", n_parts)
    rows = check_positive_int("rows", rows)
    if n_parts <= 2 or n_compositions(total, n_parts) <= rows:
        full = compositions(total, n_parts)
        for lo in range(0, len(full), rows):
            yield lo, full[lo : lo + rows]
        return
    base = compositions(total, n_parts - 1)
    # rows of `base` with first count >= v start at starts[v]
    starts = np.concatenate([[0], np.cumsum(np.bincount(base[:, 0], minlength=total + 1))])
    v, start = 0, 0
    while v <= total:
        group = [v]
        size = len(base) - starts[v]
        while v + len(group) <= total and size + len(base) - starts[v + len(group)] <= rows:
            size += len(base) - starts[v + len(group)]
            group.append(v + len(group))
        block = np.empty((size, n_parts), dtype=np.int64)
        at = 0
        for u in group:
            tail = base[starts[u] :]
            block[at : at + len(tail), 0] = u
            block[at : at + len(tail), 1] = tail[:, 0] - u
            block[at : at + len(tail), 2:] = tail[:, 1:]
            at += len(tail)
        yield start, block
        start += size
        v += len(group)


@lru_cache(maxsize=64)
def _binomial_columns(max_total: int, n_parts: int) -> npt.NDArray[np.int64]:
    """``table[P, r] = C(r + P - 1, P - 1)`` (count vectors of ``r`` over ``P`` parts), ``r <= max_total``."""
    check_count_size(max_total, n_parts)
    table = np.zeros((n_parts + 1, max_total + 1), dtype=np.int64)
    for parts in range(1, n_parts + 1):
        table[parts] = [math.comb(r + parts - 1, parts - 1) for r in range(max_total + 1)]
    table = frozen(table)
    return table


def composition_ranks(counts: npt.NDArray[np.int64], total: int) -> npt.NDArray[np.int64]:
    """Unchecked :func:`composition_index` for valid count vectors summing to ``total`` (MATH.md (1.6)).

    A hot path: ``counts`` must be a non-negative int64 array of shape ``(..., k)`` whose rows sum
    to ``total``; nothing is checked.

    Example:
        >>> composition_ranks(np.array([[0, 2], [2, 0]]), 2).tolist()
        [0, 2]
    """
    k = counts.shape[-1]
    binom = _binomial_columns(total, k)
    rank = np.zeros(counts.shape[:-1], dtype=np.int64)
    remaining = np.full(counts.shape[:-1], total, dtype=np.int64)
    for p in range(k - 1):
        parts = k - p
        c = counts[..., p]
        # vectors with this position's count below c, given the remaining total: C(R+P-1,P-1) - C(R-c+P-1,P-1)
        rank += binom[parts][remaining] - binom[parts][remaining - c]
        remaining = remaining - c
    return rank


def composition_index(counts: object, total: int | None = None) -> npt.NDArray[np.int64]:
    """Positions of count vectors in the enumeration of :func:`compositions`, MATH.md (1.6).

    Args:
        counts: integer array of shape ``(..., k)``, non-negative, each row summing to ``total``.
        total: the required row sum; the first row's sum when ``None``.

    Returns:
        Int64 array of shape ``(...)``.

    Raises:
        TypeError: ``counts`` not integers (integral floats are accepted), or ``total`` not an integer.
        ValueError: a wrong shape, a negative count or a row not summing to ``total``.

    Example:
        >>> composition_index([[1, 1], [2, 0]]).tolist()
        [1, 2]
    """
    if isinstance(counts, str | bytes):
        raise TypeError("counts must be an integer array, got a string")
    try:
        arr = np.asarray(counts)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"counts must be an integer array of shape (..., k) ({exc})") from None
    if arr.dtype == bool or not ((arr.dtype.kind in "iu") or np.issubdtype(arr.dtype, np.floating)):
        raise TypeError(f"counts must be integers, got dtype {arr.dtype}")
    if arr.ndim < 1 or arr.shape[-1] < 1:
        raise ValueError(f"counts must have shape (..., k) with k >= 1, got {arr.shape}")
    if arr.dtype.kind not in "iu":
        if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
            raise TypeError(f"counts must be integers, got dtype {arr.dtype}")
        if arr.size and np.abs(arr).max() > 2**53:
            raise ValueError("counts must be below 2**53")
    arr = arr.astype(np.int64)
    if np.any(arr < 0):
        idx = first_index(arr < 0)
        raise ValueError(f"counts must be non-negative; found {arr[idx]} at index {idx}")
    sums = arr.sum(axis=-1)
    if total is None:
        total = int(sums.flat[0]) if sums.size else 0
    else:
        total = check_positive_int("total", total, minimum=0)
    bad = sums != total
    if np.any(bad):
        idx = first_index(np.asarray(bad))
        raise ValueError(
            f"counts must sum to {total}; the count vector at {idx} sums to {int(sums[idx])}"
        )
    return composition_ranks(arr, total)


def multinomial_factors(
    total: int, strategy: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.float64], float]:
    """Per-action factor tables of the multinomial, MATH.md (1.7): ``P(c) = scale · Π_a F[a, c_a]``.

    Since ``Σ_a c_a = N``, ``P(c) = N! N^{-N} Π_a (N σ_a)^{c_a} / c_a!``; each factor
    ``(N σ_a)^c / c!`` peaks near its mean ``c = N σ_a``. ``F[a, c]`` is that factor divided by its
    maximum over ``c`` (so in ``[0, 1]``, 1 at the mode) and ``log scale = log N! − N log N +
    Σ_a max_c(…)`` is ``O(log N)``: the product neither overflows nor loses a probability above
    ~1e-300. Evaluating ``P`` over count vectors then costs ``k`` look-ups in tables of ``N + 1``
    entries and ``k − 1`` products, with no ``exp`` per count vector.

    Args:
        total: ``N >= 0`` (unchecked).
        strategy: shape ``(k,)``, a distribution (unchecked).

    Returns:
        ``(F, scale)``: ``F`` of shape ``(k, N + 1)``, ``scale`` a float.
    """
    from scipy.special import gammaln, xlogy

    c = np.arange(total + 1, dtype=np.float64)
    rate = max(total, 1) * np.asarray(strategy, dtype=np.float64)
    log_f = xlogy(c[None, :], rate[:, None]) - gammaln(c + 1.0)
    top = log_f.max(axis=1)
    factors = np.exp(log_f - top[:, None])
    log_scale = gammaln(total + 1.0) - xlogy(total, max(total, 1)) + top.sum()
    return factors, float(np.exp(log_scale))


def multinomial_weights(
    counts: npt.NDArray[np.int64],
    factors: npt.NDArray[np.float64],
    scale: float,
    out: npt.NDArray[np.float64] | None = None,
) -> npt.NDArray[np.float64]:
    """``scale · Π_a factors[a, counts[:, a]]`` for count vectors ``counts`` of shape ``(L, k)`` → ``(L,)``.

    The multinomial probabilities of ``counts`` when ``(factors, scale)`` come from
    :func:`multinomial_factors` (unchecked hot path).
    """
    k = counts.shape[1]
    w = factors[0][counts[:, 0]]  # plain fancy indexing: faster than np.take(out=) on columns
    for a in range(1, k):
        w *= factors[a][counts[:, a]]
    w *= scale
    if out is not None:
        out[...] = w
        return out
    return w


def multinomial_pmf(total: int, strategy: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """The multinomial distribution of action counts of ``total`` players drawing i.i.d., MATH.md (1.7).

    ``P(c) = total! / Π_a c_a! · Π_a strategy[a]^{c_a}`` for every count vector ``c``, computed from
    per-action factor tables (:func:`multinomial_factors`; ``0^0 = 1``, so actions of probability
    zero are handled exactly).

    Args:
        total: the number of players ``N >= 0``.
        strategy: shape ``(k,)``, the common mixed strategy (a distribution).

    Returns:
        Shape ``(C(N+k-1, k-1),)``: entry ``r`` is the probability of ``compositions(N, k)[r]``; the
        entries sum to one.

    Example:
        >>> multinomial_pmf(2, np.array([0.5, 0.5])).round(4).tolist()
        [0.25, 0.5, 0.25]
    """
    total = check_positive_int("total", total, minimum=0)
    sigma = check_distribution("strategy", strategy)
    if sigma.ndim != 1:
        raise ValueError(f"strategy must have shape (k,), got {sigma.shape}")
    factors, scale = multinomial_factors(total, sigma)
    return multinomial_weights(compositions(total, len(sigma)), factors, scale)


# the count distributions and their convolutions, re-exported: `games.counts` keeps offering them
from powergames.games.count_distributions import (  # noqa: E402
    MAX_GRID_ENTRIES,
    CountDistribution,
    convolve_counts,
    convolve_many,
    convolve_weighted,
)
