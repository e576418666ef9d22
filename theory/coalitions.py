"""Coalitions, coalition policies and exact coalition values (MATH.md §1).

Coalitions ``c_1..c_m`` partition the players; coalition ``j`` plays a *joint* policy
``π_j ∈ Δ(𝒜^{c_j})`` (its members may correlate), independently of the other coalitions. The value of
coalition ``j`` in state ``x`` is

    r_j(x, π_1..π_m) = Σ_a (Π_{j'} π_{j'}(a_{c_{j'}})) Σ_{i∈c_j} s_i(x, a).

A policy is either a dense joint array of shape ``(k,)*|c_j|`` (axes = members in increasing player
order) or a structured :class:`CoalitionPolicy` that can give its exact joint (small coalitions), its
exact distribution of action counts (any size) and samples. In a symmetric game only the count
distributions matter: the members of ``c_j`` on action ``a`` each receive
``table[x, a, index(m - e_a)]`` where ``m`` counts everybody's actions, so

    r_j(x) = Σ_a Σ_m Q_{j,a}(m) · table[x, a, index(m - e_a)],
    Q_{j,a}(m) = Σ_{m_j + m_rest = m} P_j(m_j) · m_j[a] · P_rest(m_rest),

where ``P_j`` is coalition ``j``'s count distribution and ``P_rest`` the convolution of the others'.
Convolutions run over sparse supports when they are small and by FFT on the count grid otherwise, so
the cost is polynomial in ``n`` for fixed ``k``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from powergames.games.checks import (
    as_float_array,
    check_distribution,
    check_positive_int,
    check_rng,
)
from powergames.games.normal_form import NormalFormGame
from powergames.games.symmetric import (
    SymmetricUnitSumGame,
    _rank,
    composition_index,
    compositions,
    multinomial_pmf,
)
from powergames.games.unit_sum import UnitSumGame

#: Largest joint array (entries) a structured policy materialises in :meth:`CoalitionPolicy.joint`.
MAX_JOINT_ENTRIES = 2**24

#: Largest count grid ``(n+1)**(k-1)`` the FFT convolution allocates.
MAX_GRID_ENTRIES = 2**25

#: Pairs of support points processed at once by the sparse convolution.
_PAIR_CHUNK = 2**21


# ============================================================================= count distributions
@dataclass(frozen=True, eq=False)
class CountDistribution:
    """A distribution over the action counts of ``n_members`` players with ``n_actions`` actions.

    Args:
        n_members: ``N >= 0``.
        n_actions: ``k >= 1``.
        probs: shape ``(C(N+k-1, k-1),)``; ``probs[r]`` is the probability of the count vector
            ``compositions(N, k)[r]``.
    """

    n_members: int
    n_actions: int
    probs: npt.NDArray[np.float64]

    def __post_init__(self) -> None:
        n = check_positive_int("n_members", self.n_members, minimum=0)
        k = check_positive_int("n_actions", self.n_actions)
        size = len(compositions(n, k))
        probs = check_distribution("probs", self.probs, shape=(size,))
        object.__setattr__(self, "n_members", n)
        object.__setattr__(self, "n_actions", k)
        object.__setattr__(self, "probs", probs)

    @classmethod
    def _trusted(cls, n_members: int, n_actions: int, probs: np.ndarray) -> CountDistribution:
        """Build without validation (internal results, e.g. FFT convolutions with 1e-17 noise)."""
        out = object.__new__(cls)
        probs = np.asarray(probs, dtype=np.float64)
        probs.setflags(write=False)
        object.__setattr__(out, "n_members", int(n_members))
        object.__setattr__(out, "n_actions", int(n_actions))
        object.__setattr__(out, "probs", probs)
        return out

    @property
    def counts(self) -> npt.NDArray[np.int64]:
        """The count vectors, shape ``(len(probs), k)``."""
        return compositions(self.n_members, self.n_actions)

    def mean(self) -> npt.NDArray[np.float64]:
        """Expected counts, shape ``(k,)``."""
        return self.probs @ self.counts

    def __repr__(self) -> str:
        return f"CountDistribution(n_members={self.n_members}, n_actions={self.n_actions})"


def _grid_index(counts: np.ndarray, base: int) -> np.ndarray:
    """Flat C-order index of the first ``k-1`` counts on the grid ``(base,)*(k-1)`` (additive in counts)."""
    k = counts.shape[-1]
    strides = base ** np.arange(k - 2, -1, -1, dtype=np.int64)
    return counts[..., : k - 1] @ strides


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


def _convolve_weighted(
    left: CountDistribution, right: CountDistribution, left_weights: np.ndarray
) -> np.ndarray:
    """``out[w, r] = Σ_{m_l + m_r = full[r]} left_weights[w, m_l] · right.probs[m_r]``.

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
        rank = _rank(sums, total).ravel()
        for w in range(len(lw)):
            weights = (lw[w, sl, None] * r_probs[None, :]).ravel()
            out[w] += np.bincount(rank, weights=weights, minlength=n_out)
    return out


def convolve_counts(left: CountDistribution, right: CountDistribution) -> CountDistribution:
    """The count distribution of two independent groups of players together (exact up to rounding)."""
    if left.n_actions != right.n_actions:
        raise ValueError(
            f"count distributions have different action counts ({left.n_actions} vs {right.n_actions})"
        )
    if left.n_members == 0:
        return right
    if right.n_members == 0:
        return left
    probs = _convolve_weighted(left, right, left.probs[None])[0]
    return CountDistribution._trusted(left.n_members + right.n_members, left.n_actions, probs)


def _point_mass(n_actions: int) -> CountDistribution:
    return CountDistribution._trusted(0, n_actions, np.ones(1))


def _convolve_many(dists: Sequence[CountDistribution]) -> CountDistribution:
    """The count distribution of several independent groups together (exact up to rounding).

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
        raise ValueError("_convolve_many needs at least one count distribution")
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
    return CountDistribution._trusted(total, k, probs)


# ============================================================================= policies
class CoalitionPolicy:
    """A joint policy of one coalition: members play ``sample``'s actions, in member order.

    Subclasses provide ``n_members``, ``n_actions`` and the three views below; all are exact.
    """

    n_members: int
    n_actions: int

    def count_distribution(self) -> CountDistribution:
        """The exact distribution of the members' action counts."""
        raise NotImplementedError

    def joint(self) -> npt.NDArray[np.float64]:
        """The exact joint distribution, shape ``(k,)*n_members`` (members in order)."""
        raise NotImplementedError

    def sample(self, n_samples: int, rng: np.random.Generator) -> npt.NDArray[np.int64]:
        """``n_samples`` independent draws of the members' actions, shape ``(n_samples, n_members)``."""
        raise NotImplementedError

    @property
    def action_sizes(self) -> tuple[int, ...]:
        """The members' action counts (all ``n_actions``)."""
        return (self.n_actions,) * self.n_members

    def _check_joint_size(self) -> None:
        size = self.n_actions**self.n_members
        if size > MAX_JOINT_ENTRIES:
            raise ValueError(
                f"{type(self).__name__}: the joint over {self.n_members} members with "
                f"{self.n_actions} actions has {size} entries, more than {MAX_JOINT_ENTRIES}"
            )


def _joint_count_distribution(probs: np.ndarray, k: int) -> CountDistribution:
    m = probs.ndim
    profiles = np.indices(probs.shape).reshape(m, -1).T
    counts = np.stack([(profiles == a).sum(axis=1) for a in range(k)], axis=1)
    rank = composition_index(counts, total=m) if m else np.zeros(1, dtype=np.int64)
    dist = np.bincount(rank, weights=probs.ravel(), minlength=len(compositions(m, k)))
    return CountDistribution._trusted(m, k, dist)


class JointPolicy(CoalitionPolicy):
    """An arbitrary joint distribution given as a dense array (members may correlate).

    Args:
        probs: shape ``(k_0, …, k_{m-1})`` — one axis per member in increasing player order — non-negative
            and summing to one.
        name: the argument name used in error messages.
    """

    def __init__(self, probs: Any, name: str = "probs") -> None:
        arr = check_distribution(name, probs)
        if arr.ndim == 0:
            raise ValueError(f"{name} must have one axis per coalition member, got a scalar")
        self.probs = arr
        self.n_members = arr.ndim
        self._sizes = tuple(arr.shape)
        self.n_actions = arr.shape[0] if len(set(arr.shape)) == 1 else -1

    @property
    def action_sizes(self) -> tuple[int, ...]:
        return self._sizes

    def count_distribution(self) -> CountDistribution:
        if self.n_actions < 0:
            raise ValueError(f"counts need equal action sets; this joint has shape {self._sizes}")
        return _joint_count_distribution(self.probs, self.n_actions)

    def joint(self) -> npt.NDArray[np.float64]:
        return self.probs

    def sample(self, n_samples: int, rng: np.random.Generator) -> npt.NDArray[np.int64]:
        rng = check_rng(rng)
        flat = rng.choice(self.probs.size, size=n_samples, p=self.probs.ravel())
        return np.stack(np.unravel_index(flat, self._sizes), axis=1).astype(np.int64)

    def __repr__(self) -> str:
        return f"JointPolicy(shape={self._sizes})"


class SharedActionPolicy(CoalitionPolicy):
    """Everyone in the coalition plays one action ``a``, drawn from ``p`` (Theorem 1 with ``p`` uniform).

    Args:
        n_members: coalition size.
        n_actions: ``k``.
        p: shape ``(k,)``; uniform when ``None``.
    """

    def __init__(self, n_members: int, n_actions: int, p: Any = None) -> None:
        self.n_members = check_positive_int("n_members", n_members)
        self.n_actions = check_positive_int("n_actions", n_actions)
        k = self.n_actions
        self.p = np.full(k, 1.0 / k) if p is None else check_distribution("p", p, shape=(k,))

    def count_distribution(self) -> CountDistribution:
        k, m = self.n_actions, self.n_members
        probs = np.zeros(len(compositions(m, k)))
        probs[composition_index(m * np.eye(k, dtype=np.int64), total=m)] = self.p
        return CountDistribution._trusted(m, k, probs)

    def joint(self) -> npt.NDArray[np.float64]:
        self._check_joint_size()
        out = np.zeros((self.n_actions,) * self.n_members)
        for a in range(self.n_actions):
            out[(a,) * self.n_members] = self.p[a]
        return out

    def sample(self, n_samples: int, rng: np.random.Generator) -> npt.NDArray[np.int64]:
        rng = check_rng(rng)
        a = rng.choice(self.n_actions, size=n_samples, p=self.p)
        return np.repeat(a[:, None], self.n_members, axis=1).astype(np.int64)

    def __repr__(self) -> str:
        return f"SharedActionPolicy(n_members={self.n_members}, p={np.round(self.p, 4).tolist()})"


class IndependentPolicy(CoalitionPolicy):
    """Members draw i.i.d. from one mixed strategy (no correlation); counts are multinomial.

    Args:
        n_members: coalition size.
        strategy: shape ``(k,)``.
    """

    def __init__(self, n_members: int, strategy: Any) -> None:
        self.n_members = check_positive_int("n_members", n_members)
        self.strategy = check_distribution("strategy", strategy)
        if self.strategy.ndim != 1:
            raise ValueError(f"strategy must have shape (k,), got {self.strategy.shape}")
        self.n_actions = len(self.strategy)

    def count_distribution(self) -> CountDistribution:
        return CountDistribution._trusted(
            self.n_members, self.n_actions, multinomial_pmf(self.n_members, self.strategy)
        )

    def joint(self) -> npt.NDArray[np.float64]:
        self._check_joint_size()
        out = np.ones(())
        for _ in range(self.n_members):
            out = np.multiply.outer(out, self.strategy)
        return out

    def sample(self, n_samples: int, rng: np.random.Generator) -> npt.NDArray[np.int64]:
        rng = check_rng(rng)
        return rng.choice(self.n_actions, size=(n_samples, self.n_members), p=self.strategy)

    def __repr__(self) -> str:
        return f"IndependentPolicy(n_members={self.n_members}, strategy={np.round(self.strategy, 4).tolist()})"


class ExchangeablePolicy(CoalitionPolicy):
    """Draw a count vector from a distribution, then hand the actions to the members in random order.

    Any correlation that treats members alike is of this form; e.g. "all on one action" or "split as
    evenly as possible".

    Args:
        counts: a :class:`CountDistribution` (or its ``probs`` with ``n_members``/``n_actions`` given).
    """

    def __init__(
        self,
        counts: CountDistribution | Any,
        n_members: int | None = None,
        n_actions: int | None = None,
    ) -> None:
        if not isinstance(counts, CountDistribution):
            if n_members is None or n_actions is None:
                raise TypeError(
                    "give a CountDistribution, or probs together with n_members and n_actions"
                )
            counts = CountDistribution(n_members, n_actions, counts)
        if counts.n_members < 1:
            raise ValueError("an exchangeable policy needs at least one member")
        self.counts = counts
        self.n_members = counts.n_members
        self.n_actions = counts.n_actions

    def count_distribution(self) -> CountDistribution:
        return self.counts

    def joint(self) -> npt.NDArray[np.float64]:
        self._check_joint_size()
        m, k = self.n_members, self.n_actions
        profiles = np.indices((k,) * m).reshape(m, -1).T
        counts = np.stack([(profiles == a).sum(axis=1) for a in range(k)], axis=1)
        ways = np.array(
            [math.factorial(m) // math.prod(math.factorial(int(c)) for c in row) for row in counts]
        )
        probs = self.counts.probs[composition_index(counts, total=m)] / ways
        return probs.reshape((k,) * m)

    def sample(self, n_samples: int, rng: np.random.Generator) -> npt.NDArray[np.int64]:
        rng = check_rng(rng)
        rows = rng.choice(len(self.counts.probs), size=n_samples, p=self.counts.probs)
        bounds = np.cumsum(self.counts.counts[rows], axis=1)
        positions = np.arange(self.n_members)
        ordered = (positions[None, :, None] >= bounds[:, None, :]).sum(axis=2)
        return rng.permuted(ordered, axis=1).astype(np.int64)

    def __repr__(self) -> str:
        return f"ExchangeablePolicy(n_members={self.n_members}, n_actions={self.n_actions})"


class ProductPolicy(CoalitionPolicy):
    """Independent blocks: members are split into consecutive blocks, each playing its own policy.

    Args:
        parts: the blocks' policies (or dense joint arrays), in member order: the first
            ``parts[0].n_members`` members play ``parts[0]``, and so on.
    """

    def __init__(self, parts: Sequence[CoalitionPolicy]) -> None:
        if isinstance(parts, np.ndarray) or not isinstance(parts, Sequence) or not parts:
            raise TypeError("parts must be a non-empty sequence of policies or joint arrays")
        parts = [
            p if isinstance(p, CoalitionPolicy) else JointPolicy(p, name=f"parts[{t}]")
            for t, p in enumerate(parts)
        ]
        ks = {p.n_actions for p in parts}
        if len(ks) != 1 or -1 in ks:
            raise ValueError(f"all parts need the same number of actions, got {sorted(ks)}")
        self.parts = parts
        self.n_members = sum(p.n_members for p in parts)
        self.n_actions = ks.pop()

    def count_distribution(self) -> CountDistribution:
        # one count distribution per distinct part (Theorem 2's copies share one), multiplied as
        # spectra by _convolve_many when the FFT pays off
        seen: dict[int, CountDistribution] = {}
        for p in self.parts:
            if id(p) not in seen:
                seen[id(p)] = p.count_distribution()
        return _convolve_many([seen[id(p)] for p in self.parts])

    def joint(self) -> npt.NDArray[np.float64]:
        self._check_joint_size()
        out = np.ones(())
        for p in self.parts:
            out = np.multiply.outer(out, p.joint())
        return out

    def sample(self, n_samples: int, rng: np.random.Generator) -> npt.NDArray[np.int64]:
        rng = check_rng(rng)
        return np.concatenate([p.sample(n_samples, rng) for p in self.parts], axis=1)

    def __repr__(self) -> str:
        return f"ProductPolicy({', '.join(repr(p) for p in self.parts)})"


# ============================================================================= theorem policies
def theorem1_policy(n_members: int, n_actions: int) -> SharedActionPolicy:
    """Theorem 1's policy: draw one action uniformly at random and have every member play it."""
    return SharedActionPolicy(n_members, n_actions)


def max_guarantee_k(coalition_size: int, n_players: int) -> int:
    """The largest integer ``k`` for which Theorem 2 applies: ``|c_1| >= (k-1)/k · n``.

    Equivalently ``(k-1)·|c_2| <= |c_1|`` with ``|c_2| = n - |c_1|``, so
    ``k = ⌊|c_1| / (n - |c_1|)⌋ + 1``; the guarantee is then ``(k-1)/k``. ``k = 1`` (a coalition of at
    most half the players) is the trivial guarantee 0.

    Raises:
        ValueError: if ``coalition_size`` is not in ``[1, n_players - 1]`` (a coalition of everyone
            holds every share; there is no finite ``k``).
    """
    n = check_positive_int("n_players", n_players, minimum=2)
    size = check_positive_int("coalition_size", coalition_size)
    if size >= n:
        raise ValueError(
            f"coalition_size must be below n_players={n} (a coalition of everyone holds every share; "
            f"no finite k), got {size}"
        )
    return size // (n - size) + 1


def pooled_policy(policies: Sequence[CoalitionPolicy | Any]) -> CoalitionPolicy:
    """Several independent coalitions' policies seen as one joint policy (members in block order)."""
    parts = [p if isinstance(p, CoalitionPolicy) else JointPolicy(p) for p in policies]
    return parts[0] if len(parts) == 1 else ProductPolicy(parts)


def coalition_copying_policy(
    opponents: CoalitionPolicy | Any | Sequence[CoalitionPolicy | Any],
    coalition_size: int,
    k: int | None = None,
    leftover: Any = None,
) -> ProductPolicy:
    """Theorem 2's coalition-copying policy for a coalition ``c_1`` facing ``c_2``.

    ``c_1``'s members (in increasing player order) are split into ``k-1`` consecutive sub-coalitions of
    ``|c_2|`` players plus ``|c_1| - (k-1)|c_2|`` leftovers. Each sub-coalition independently draws its
    members' actions from ``π_2``, the ``t``-th member of a sub-coalition playing what ``c_2``'s
    ``t``-th member would. **Leftover rule:** leftover players draw i.i.d. from ``leftover``
    (uniform by default), independently of everything else — which keeps ``c_2`` and the copies
    exchangeable, so in a symmetric game ``r_1(x) >= (k-1)/k`` for every ``x``.

    Args:
        opponents: ``π_2`` — a policy or dense joint array; or a sequence of them, the other
            coalitions pooled into one ``c_2`` (members in block order).
        coalition_size: ``|c_1|``.
        k: the guarantee parameter (integer ``>= 2``); :func:`max_guarantee_k` when ``None``.
        leftover: shape ``(n_actions,)``, the leftovers' mixed strategy.

    Raises:
        TypeError: if ``k`` is not an integer.
        ValueError: if ``k < 2``, or ``(k-1)·|c_2| > |c_1|`` (the coalition is too small for ``k``;
            with ``k=None``, too small even for ``k = 2``).
    """
    if isinstance(opponents, CoalitionPolicy) or isinstance(opponents, np.ndarray):
        opponent = pooled_policy([opponents])
    else:
        opponent = pooled_policy(list(opponents))
    size = check_positive_int("coalition_size", coalition_size)
    n_opp = opponent.n_members
    if k is None:
        k = max_guarantee_k(size, size + n_opp)
        if k < 2:
            raise ValueError(
                f"a coalition of {size} facing {n_opp} players is too small for Theorem 2: even "
                f"k = 2 needs (k-1)·|c_2| = {n_opp} members"
            )
    if isinstance(k, bool) or not isinstance(k, int | np.integer):
        raise TypeError(f"k must be an integer (Theorem 2's k), got {type(k).__name__}")
    if k < 2:
        raise ValueError(f"k must be >= 2 (Theorem 2's k), got {k}")
    k = int(k)
    if (k - 1) * n_opp > size:
        raise ValueError(
            f"a coalition of {size} players is too small for k={k} against {n_opp} opponents: the "
            f"copying policy needs (k-1)·|c_2| = {(k - 1) * n_opp} members (largest k: "
            f"{max_guarantee_k(size, size + n_opp)})"
        )
    if opponent.n_actions < 1:
        raise ValueError("the opponents' policy needs the same action set for every member")
    parts: list[CoalitionPolicy] = [opponent] * (k - 1)
    n_left = size - (k - 1) * n_opp
    if n_left:
        na = opponent.n_actions
        strategy = np.full(na, 1.0 / na) if leftover is None else leftover
        parts.append(
            IndependentPolicy(n_left, check_distribution("leftover", strategy, shape=(na,)))
        )
    return ProductPolicy(parts)


# ============================================================================= values
def check_coalitions(coalitions: Any, n_players: int) -> tuple[tuple[int, ...], ...]:
    """Validate a partition of ``range(n_players)`` into coalitions.

    Each coalition is a non-empty sequence of player indices in increasing order (the order of a
    joint policy's axes); every player must appear exactly once.

    Raises:
        TypeError: not a sequence of sequences of integers.
        ValueError: an empty coalition, an out-of-range or repeated player (overlap), members not in
            increasing order, or a player in no coalition.
    """
    if isinstance(coalitions, str | bytes | np.ndarray) or not isinstance(coalitions, Sequence):
        raise TypeError(
            f"coalitions must be a list of lists of player indices, got {type(coalitions).__name__}"
        )
    seen: dict[int, int] = {}
    out = []
    for j, members in enumerate(coalitions):
        if isinstance(members, str | bytes) or not isinstance(members, Sequence | np.ndarray):
            raise TypeError(f"coalitions[{j}] must be a sequence of player indices")
        members = list(members)
        if not members:
            raise ValueError(f"coalitions[{j}] is empty")
        for t, i in enumerate(members):
            if isinstance(i, bool) or not isinstance(i, int | np.integer):
                raise TypeError(f"coalitions[{j}][{t}] must be an integer player index, got {i!r}")
            if not 0 <= i < n_players:
                raise ValueError(f"coalitions[{j}][{t}] = {i} is not a player in [0, {n_players})")
            if int(i) in seen:
                raise ValueError(
                    f"player {i} is in coalitions[{seen[int(i)]}] and coalitions[{j}]: coalitions "
                    "must not overlap"
                )
            seen[int(i)] = j
        if any(b <= a for a, b in zip(members, members[1:])):
            raise ValueError(
                f"coalitions[{j}] must list its members in increasing order, got {members}"
            )
        out.append(tuple(int(i) for i in members))
    missing = [i for i in range(n_players) if i not in seen]
    if missing:
        raise ValueError(f"every player must be in a coalition; player {missing[0]} is in none")
    return tuple(out)


def contiguous_coalitions(sizes: Sequence[int]) -> list[list[int]]:
    """Coalitions of consecutive players with the given sizes, e.g. ``[2, 1] -> [[0, 1], [2]]``."""
    out, start = [], 0
    for j, s in enumerate(sizes):
        s = check_positive_int(f"sizes[{j}]", s)
        out.append(list(range(start, start + s)))
        start += s
    return out


def _as_policy(value: Any, sizes: tuple[int, ...], name: str) -> CoalitionPolicy:
    if isinstance(value, CoalitionPolicy):
        if value.n_members != len(sizes) or tuple(value.action_sizes) != sizes:
            raise ValueError(
                f"{name} is a policy for {value.n_members} members with action sizes "
                f"{tuple(value.action_sizes)}; the coalition needs {len(sizes)} members with {sizes}"
            )
        return value
    if isinstance(value, str | bytes):
        raise TypeError(f"{name} must be a joint array or a CoalitionPolicy, got a string")
    arr = as_float_array(name, value)
    if arr.shape != sizes:
        raise ValueError(f"{name} must have shape {sizes} (one axis per member), got {arr.shape}")
    return JointPolicy(arr, name=name)


def _check_policies(
    policies: Any, members: tuple[tuple[int, ...], ...], n_actions: tuple[int, ...]
):
    if isinstance(policies, np.ndarray) or not isinstance(policies, Sequence):
        raise TypeError(
            f"policies must be a list with one policy per coalition, got {type(policies).__name__}"
        )
    if len(policies) != len(members):
        raise ValueError(
            f"policies must have one entry per coalition ({len(members)}), got {len(policies)}"
        )
    return [
        _as_policy(p, tuple(n_actions[i] for i in c), f"policies[{j}]")
        for j, (p, c) in enumerate(zip(policies, members))
    ]


def _dense_values(shares: np.ndarray, coalitions, policies) -> np.ndarray:
    """``Σ_a Π_j π_j(a_{c_j}) Σ_{i∈c_j} s_i(x, a)`` by one einsum over the coalition-summed tensor.

    Shares are first summed within coalitions (a tensor ``n_coalitions / n`` the size of ``shares``);
    the joint policies are then contracted in a greedy order, so no intermediate is larger than that.
    """
    n = shares.shape[1]
    if n > 50:
        raise ValueError(f"the dense contraction supports at most 50 players, got {n}")
    membership = np.zeros((len(coalitions), n))
    for j, c in enumerate(coalitions):
        membership[j, list(c)] = 1.0
    summed = np.tensordot(membership, shares, axes=([1], [1]))  # (n_coal, n_states, k_0, ...)
    # integer einsum labels: 0 = coalition, 1 = state, 2 + i = player i's action
    operands: list[Any] = [summed, [0, 1, *range(2, n + 2)]]
    for c, p in zip(coalitions, policies):
        operands += [p.joint(), [2 + i for i in c]]
    return np.einsum(*operands, [1, 0], optimize="greedy")


def _symmetric_values(game: SymmetricUnitSumGame, coalitions, policies) -> np.ndarray:
    k = game.n_actions
    dists = [p.count_distribution() for p in policies]
    m = len(dists)
    # prefix[j] = dists[0] * … * dists[j-1], suffix[j] = dists[j+1] * … * dists[m-1]
    prefix = [_point_mass(k)]
    for d in dists[:-1]:
        prefix.append(convolve_counts(prefix[-1], d))
    suffix = [_point_mass(k)] * m
    for j in range(m - 2, -1, -1):
        suffix[j] = convolve_counts(dists[j + 1], suffix[j + 1])
    full = game.full_table  # (n_states, k, n_full)
    m_full = game.full_counts.T.astype(np.float64)  # (k, n_full)
    out = np.empty((game.n_states, m))
    q_sum = np.zeros((k, full.shape[2]))
    for j, d in enumerate(dists[:-1]):
        rest = convolve_counts(prefix[j], suffix[j])
        weights = d.probs[None, :] * d.counts.T  # (k, |P_j|): P_j(m_j) · m_j[a]
        if j == m - 2:  # one more row gives P_full = P_j * rest for the last coalition
            weights = np.vstack([weights, d.probs[None, :]])
        q = _convolve_weighted(d, rest, weights)  # (k [+1], n_full)
        out[:, j] = np.einsum("xar,ar->x", full, q[:k])
        q_sum += q[:k]
    # the last coalition: Σ_j Q_{j,a}(m) = m_a · P_full(m), since the members' counts add up to m
    if m == 1:
        p_full = dists[0].probs
    else:
        p_full = q[k]
    out[:, m - 1] = np.einsum("xar,ar->x", full, m_full * p_full[None, :] - q_sum)
    return out


def coalition_values(game: Any, coalitions: Any, policies: Any) -> npt.NDArray[np.float64]:
    """Exact coalition values ``r_j(x, π_1..π_m)`` (MATH.md §1).

    Args:
        game: a :class:`SymmetricUnitSumGame` (count-form algorithm, polynomial in ``n`` for fixed
            ``k``), a :class:`UnitSumGame` (dense contraction) or a :class:`NormalFormGame` (one state,
            payoffs in place of shares).
        coalitions: a partition of the players, e.g. ``[[0, 1, 2], [3, 4]]`` (members increasing).
        policies: one per coalition — a joint array of shape ``(k_i for i in c_j)`` or a
            :class:`CoalitionPolicy`.

    Returns:
        Shape ``(n_states, n_coalitions)``; rows sum to one in a unit-sum game.
    """
    if isinstance(game, SymmetricUnitSumGame):
        members = check_coalitions(coalitions, game.n_players)
        pols = _check_policies(policies, members, (game.n_actions,) * game.n_players)
        return _symmetric_values(game, members, pols)
    if isinstance(game, UnitSumGame):
        shares = game.shares
    elif isinstance(game, NormalFormGame):
        shares = game.payoffs[None]
    else:
        raise TypeError(
            "game must be a SymmetricUnitSumGame, UnitSumGame or NormalFormGame, got "
            f"{type(game).__name__}"
        )
    n_actions = tuple(shares.shape[2:])
    members = check_coalitions(coalitions, shares.shape[1])
    pols = _check_policies(policies, members, n_actions)
    return _dense_values(shares, members, pols)


@dataclass(frozen=True)
class CoalitionReport:
    """Coalition values with the summaries the seed cares about.

    Attributes:
        values: ``r_j(x)``, shape ``(n_states, n_coalitions)``.
        min_over_x: ``min_x r_j(x)``, shape ``(n_coalitions,)`` — the guarantee "regardless of x".
        expected: ``E_x[r_j(x)]`` under the game's prior, shape ``(n_coalitions,)``.
    """

    values: npt.NDArray[np.float64]
    min_over_x: npt.NDArray[np.float64]
    expected: npt.NDArray[np.float64]


def coalition_report(game: Any, coalitions: Any, policies: Any) -> CoalitionReport:
    """:func:`coalition_values` plus ``min_x r_j(x)`` and the prior-weighted mean."""
    values = coalition_values(game, coalitions, policies)
    prior = getattr(game, "prior", None)
    if prior is None:
        prior = np.ones(1)
    return CoalitionReport(values, values.min(axis=0), prior @ values)


# ============================================================================= Monte Carlo
@dataclass(frozen=True)
class MonteCarloEstimate:
    """A Monte Carlo estimate of coalition values with a normal-approximation confidence interval.

    Attributes:
        mean: sample means, shape ``(n_states, n_coalitions)``.
        half_width: ``z · sd / sqrt(n_samples)`` for the two-sided ``confidence`` level, same shape.
        n_samples: number of sampled profiles (shared by all states: common random numbers).
        confidence: the interval's nominal coverage.
    """

    mean: npt.NDArray[np.float64]
    half_width: npt.NDArray[np.float64]
    n_samples: int
    confidence: float

    @property
    def lower(self) -> npt.NDArray[np.float64]:
        return self.mean - self.half_width

    @property
    def upper(self) -> npt.NDArray[np.float64]:
        return self.mean + self.half_width

    def covers(self, values: Any) -> npt.NDArray[np.bool_]:
        """Where the interval contains ``values`` (shape ``(n_states, n_coalitions)``)."""
        v = np.asarray(values)
        return (self.lower <= v) & (v <= self.upper)


def monte_carlo_coalition_values(
    game: Any,
    coalitions: Any,
    policies: Any,
    n_samples: int,
    rng: np.random.Generator,
    confidence: float = 0.95,
    batch_size: int = 4096,
) -> MonteCarloEstimate:
    """Estimate ``r_j(x)`` by sampling profiles from the coalitions' policies (any game, any policy).

    Args:
        game, coalitions, policies: as in :func:`coalition_values`.
        n_samples: number of sampled pure profiles (``>= 2``).
        rng: the generator.
        confidence: two-sided level of the interval, a real number in ``(0, 1)``.
        batch_size: profiles evaluated at once (memory bound), an integer ``>= 1``.

    Returns:
        A :class:`MonteCarloEstimate` (mean and CI half-width per state and coalition).

    Raises:
        TypeError: ``n_samples`` or ``batch_size`` not an integer, ``confidence`` not a real number.
        ValueError: ``n_samples < 2``, ``batch_size < 1`` or ``confidence`` outside ``(0, 1)``.
    """
    rng = check_rng(rng)
    n_samples = check_positive_int("n_samples", n_samples, minimum=2)
    batch_size = check_positive_int("batch_size", batch_size)
    if isinstance(confidence, bool) or not isinstance(confidence, numbers.Real):
        raise TypeError(
            f"confidence must be a real number in (0, 1), got {type(confidence).__name__} "
            f"{confidence!r}"
        )
    if not 0.0 < float(confidence) < 1.0:  # also rejects NaN
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    if isinstance(game, SymmetricUnitSumGame):
        n, n_states = game.n_players, game.n_states
        n_actions = (game.n_actions,) * n

        def shares_of(actions: np.ndarray) -> np.ndarray:  # (n_states, B, n)
            return np.stack(
                [game.pure_shares_batch(np.full(len(actions), x), actions) for x in range(n_states)]
            )
    elif isinstance(game, UnitSumGame | NormalFormGame):
        dense = game.shares if isinstance(game, UnitSumGame) else game.payoffs[None]
        n, n_states = dense.shape[1], dense.shape[0]
        n_actions = tuple(dense.shape[2:])

        def shares_of(actions: np.ndarray) -> np.ndarray:
            return np.moveaxis(dense[(slice(None), slice(None), *actions.T)], 1, 2)
    else:
        raise TypeError(
            "game must be a SymmetricUnitSumGame, UnitSumGame or NormalFormGame, got "
            f"{type(game).__name__}"
        )
    members = check_coalitions(coalitions, n)
    pols = _check_policies(policies, members, n_actions)
    membership = np.zeros((n, len(members)))
    for j, c in enumerate(members):
        membership[list(c), j] = 1.0
    total = np.zeros((n_states, len(members)))
    total_sq = np.zeros_like(total)
    done = 0
    while done < n_samples:
        b = min(batch_size, n_samples - done)
        actions = np.empty((b, n), dtype=np.int64)
        for c, p in zip(members, pols):
            actions[:, list(c)] = p.sample(b, rng)
        values = shares_of(actions) @ membership  # (n_states, b, n_coal)
        total += values.sum(axis=1)
        total_sq += (values**2).sum(axis=1)
        done += b
    mean = total / n_samples
    var = np.maximum(total_sq / n_samples - mean**2, 0.0) * n_samples / (n_samples - 1)
    from scipy import stats  # imported on first use: scipy.stats is slow to import

    z = float(stats.norm.ppf(0.5 + float(confidence) / 2))
    return MonteCarloEstimate(mean, z * np.sqrt(var / n_samples), n_samples, float(confidence))


__all__ = [
    "CoalitionPolicy",
    "CoalitionReport",
    "CountDistribution",
    "ExchangeablePolicy",
    "IndependentPolicy",
    "JointPolicy",
    "MonteCarloEstimate",
    "ProductPolicy",
    "SharedActionPolicy",
    "check_coalitions",
    "coalition_copying_policy",
    "coalition_report",
    "coalition_values",
    "contiguous_coalitions",
    "convolve_counts",
    "max_guarantee_k",
    "monte_carlo_coalition_values",
    "pooled_policy",
    "theorem1_policy",
]
