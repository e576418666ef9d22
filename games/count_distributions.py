"""Count distributions and their convolutions (MATH.md (1.8)).

A :class:`CountDistribution` is a distribution over the count vectors of ``N`` players
(:func:`~powergames.games.counts.compositions` order); :func:`convolve_counts`,
:func:`convolve_many` and :func:`convolve_weighted` give the counts of independent groups together,
by sparse pair sums or by FFT on the ``(N+1)^(k-1)`` count grid, whichever is cheaper.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from powergames.games.checks import check_distribution, check_positive_int, frozen
from powergames.games.counts import check_count_size, composition_ranks, compositions

#: Largest count grid ``(n+1)**(k-1)`` the FFT convolution allocates.
MAX_GRID_ENTRIES = 2**25

#: Pairs of support points processed at once by the sparse convolution.
_PAIR_CHUNK = 2**21

__all__ = [
    "MAX_GRID_ENTRIES",
    "CountDistribution",
    "convolve_counts",
    "convolve_many",
    "convolve_weighted",
]


@dataclass(frozen=True, eq=False)
class CountDistribution:
    """A distribution over the action counts of ``n_members`` players with ``n_actions`` actions.

    Args:
        n_members: ``N >= 0``.
        n_actions: ``k >= 1``.
        probs: shape ``(C(N+k-1, k-1),)``; ``probs[r]`` is the probability of the count vector
            ``compositions(N, k)[r]``.

    Example:
        >>> d = CountDistribution(2, 2, [0.25, 0.5, 0.25])
        >>> d.mean().tolist()
        [1.0, 1.0]
    """

    n_members: int
    n_actions: int
    probs: npt.NDArray[np.float64]

    def __post_init__(self) -> None:
        n = check_positive_int("n_members", self.n_members, minimum=0)
        k = check_positive_int("n_actions", self.n_actions)
        size = check_count_size(n, k)
        probs = check_distribution("probs", self.probs, shape=(size,))
        object.__setattr__(self, "n_members", n)
        object.__setattr__(self, "n_actions", k)
        object.__setattr__(self, "probs", probs)

    @classmethod
    def trusted(
        cls, n_members: int, n_actions: int, probs: npt.NDArray[np.float64]
    ) -> CountDistribution:
        """Build without validation (results correct by construction, e.g. FFT convolutions with
        1e-17 noise). The caller guarantees the shape and that ``probs`` is a distribution."""
        out = object.__new__(cls)
        probs = np.asarray(probs, dtype=np.float64)
        probs = frozen(probs)
        object.__setattr__(out, "n_members", int(n_members))
        object.__setattr__(out, "n_actions", int(n_actions))
        object.__setattr__(out, "probs", probs)
        return out

    @classmethod
    def point_mass(cls, n_actions: int) -> CountDistribution:
        """The distribution of zero players (one count vector, the zero vector)."""
        return cls.trusted(0, n_actions, np.ones(1))

    @property
    def counts(self) -> npt.NDArray[np.int64]:
        """The count vectors, shape ``(len(probs), k)``."""
        return compositions(self.n_members, self.n_actions)

    def mean(self) -> npt.NDArray[np.float64]:
        """Expected counts, shape ``(k,)``."""
        return np.asarray(self.probs @ self.counts, dtype=np.float64)

    def __repr__(self) -> str:
        return f"CountDistribution(n_members={self.n_members}, n_actions={self.n_actions})"


def _grid_index(counts: npt.NDArray[np.int64], base: int) -> npt.NDArray[np.int64]:
    """Flat C-order index of the first ``k-1`` counts on the grid ``(base,)*(k-1)`` (additive in counts)."""
    k = counts.shape[-1]
    strides = base ** np.arange(k - 2, -1, -1, dtype=np.int64)
    return np.asarray(counts[..., : k - 1] @ strides, dtype=np.int64)


def _use_fft(
    n_pairs: int, total: int, k: int, n_outputs: int, n_transforms: int | None = None
) -> bool:
    if k == 1:
        return False
    from scipy import fft as sp_fft  # imported on first use: scipy.fft is slow to import

    grid = sp_fft.next_fast_len(total + 1, real=True) ** (k - 1)
    if grid > MAX_GRID_ENTRIES:
        return False
    # cost model measured on one core (benchmarks/coalitions.py machine): the sparse path costs
    # ~10 ns per support pair and (k + outputs) — rank, weights, bincount — and one real FFT
    # ~0.7 ns per grid point and log2(grid); the FFT path runs 2 * outputs + 2 transforms (or
    # ``n_transforms`` when the caller knows better)
    n_fft = 2 * n_outputs + 2 if n_transforms is None else n_transforms
    fft_cost = 0.7 * n_fft * grid * max(math.log2(grid), 1.0)
    return 10.0 * n_pairs * (k + n_outputs) > fft_cost


def convolve_weighted(
    left: CountDistribution, right: CountDistribution, left_weights: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """``out[w, r] = Σ_{m_l + m_r = full[r]} left_weights[w, m_l] · right.probs[m_r]``, MATH.md (1.8).

    Args:
        left, right: count distributions over the same ``k``.
        left_weights: shape ``(W, len(left.probs))`` — e.g. ``left.probs`` times a count column.

    Returns:
        Shape ``(W, C(N+k-1, k-1))`` over ``compositions(N, k)``, ``N = left.n_members + right.n_members``.
    """
    k = left.n_actions
    total = left.n_members + right.n_members
    n_out = len(compositions(total, k))
    lw = np.atleast_2d(left_weights)
    l_rows = np.flatnonzero(np.any(lw != 0, axis=0))
    r_rows = np.flatnonzero(right.probs)
    n_pairs = len(l_rows) * len(r_rows)
    out = np.zeros((len(lw), n_out))
    if n_pairs == 0:
        return out
    if _use_fft(n_pairs, total, k, len(lw)):
        from scipy import fft as sp_fft

        # linear convolution on a grid of side >= total + 1: coordinates of sums never wrap around
        base = sp_fft.next_fast_len(total + 1, real=True)
        shape = (base,) * (k - 1)
        grid_size = base ** (k - 1)
        rgrid = np.zeros(grid_size)
        rgrid[_grid_index(right.counts[r_rows], base)] = right.probs[r_rows]
        rf = sp_fft.rfftn(rgrid.reshape(shape), s=shape)
        del rgrid
        l_index = _grid_index(left.counts[l_rows], base)
        target = _grid_index(compositions(total, k), base)
        lgrid = np.zeros(grid_size)
        for w in range(len(lw)):
            lgrid[:] = 0.0
            lgrid[l_index] = lw[w, l_rows]
            prod = sp_fft.rfftn(lgrid.reshape(shape), s=shape)
            prod *= rf
            out[w] = sp_fft.irfftn(prod, s=shape).ravel()[target]
        return out
    l_counts, r_counts = left.counts[l_rows], right.counts[r_rows]
    r_probs = right.probs[r_rows]
    lw = lw[:, l_rows]
    chunk = max(1, _PAIR_CHUNK // len(r_rows))
    for start in range(0, len(l_rows), chunk):
        sl = slice(start, start + chunk)
        sums = l_counts[sl, None, :] + r_counts[None, :, :]
        rank = composition_ranks(sums, total).ravel()
        for w in range(len(lw)):
            weights = (lw[w, sl, None] * r_probs[None, :]).ravel()
            out[w] += np.bincount(rank, weights=weights, minlength=n_out)
    return out


def convolve_counts(left: CountDistribution, right: CountDistribution) -> CountDistribution:
    """The count distribution of two independent groups of players together, MATH.md (1.8).

    Exact up to rounding: by sparse pair sums or by FFT on the count grid, whichever is cheaper.

    Raises:
        TypeError: an argument not a :class:`CountDistribution`.
        ValueError: different action counts.

    Example:
        >>> one = CountDistribution(1, 2, [0.5, 0.5])
        >>> convolve_counts(one, one).probs.round(4).tolist()
        [0.25, 0.5, 0.25]
    """
    for name, d in (("left", left), ("right", right)):
        if not isinstance(d, CountDistribution):
            raise TypeError(f"{name} must be a CountDistribution, got {type(d).__name__}")
    if left.n_actions != right.n_actions:
        raise ValueError(
            f"count distributions have different action counts ({left.n_actions} vs {right.n_actions})"
        )
    if left.n_members == 0:
        return right
    if right.n_members == 0:
        return left
    probs = convolve_weighted(left, right, left.probs[None])[0]
    return CountDistribution.trusted(left.n_members + right.n_members, left.n_actions, probs)


def convolve_many(dists: Sequence[CountDistribution]) -> CountDistribution:
    """The count distribution of several independent groups together, MATH.md (1.8).

    When the FFT pays off for the whole product, every distinct distribution (by identity: repeated
    parts such as Theorem 2's copies are transformed once) is transformed once on one grid of side
    ``>= N + 1`` (``N`` the total number of members), the spectra are multiplied and one inverse
    transform gives the result; otherwise the groups are convolved pairwise (:func:`convolve_counts`).

    Args:
        dists: count distributions over the same ``k``.

    Returns:
        The distribution over ``compositions(N, k)``, ``N = Σ n_members``.
    """
    dists = [d for d in dists if d.n_members > 0] or list(dists[:1])
    if not dists:
        raise ValueError("convolve_many needs at least one count distribution")
    k = dists[0].n_actions
    if any(d.n_actions != k for d in dists):
        raise ValueError(
            f"count distributions have different action counts ({sorted({d.n_actions for d in dists})})"
        )
    if len(dists) <= 2:
        return dists[0] if len(dists) == 1 else convolve_counts(dists[0], dists[1])
    total = sum(d.n_members for d in dists)
    head_total = total - dists[-1].n_members
    n_head = len(compositions(head_total, k))
    distinct: dict[int, tuple[CountDistribution, int]] = {}
    for d in dists:
        distinct[id(d)] = (d, distinct.get(id(d), (d, 0))[1] + 1)
    n_pairs = n_head * int(np.count_nonzero(dists[-1].probs))
    if k == 1 or not _use_fft(n_pairs, total, k, 1, n_transforms=len(distinct) + 1):
        out = dists[0]
        for d in dists[1:]:
            out = convolve_counts(out, d)
        return out
    from scipy import fft as sp_fft

    base = sp_fft.next_fast_len(total + 1, real=True)
    shape = (base,) * (k - 1)
    # each distinct distribution is transformed once and raised to its multiplicity, so at most two
    # spectra (the running product and the current one) are alive at a time
    product = None
    for d, times in distinct.values():
        rows = np.flatnonzero(d.probs)
        grid = np.zeros(base ** (k - 1))
        grid[_grid_index(d.counts[rows], base)] = d.probs[rows]
        spectrum = sp_fft.rfftn(grid.reshape(shape), s=shape)
        del grid
        if times > 1:
            spectrum **= times
        if product is None:
            product = spectrum
        else:
            product *= spectrum
        del spectrum
    probs = sp_fft.irfftn(product, s=shape).ravel()[_grid_index(compositions(total, k), base)]
    return CountDistribution.trusted(total, k, probs)
