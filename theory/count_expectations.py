"""Expected shares under "a multinomial plus a few shifted count vectors", in one pass (MATH.md §1).

The kernel of structured coalition values (:mod:`powergames.theory.coalition_structure`): the
others of one player are a large group drawing i.i.d. from ``σ`` (``N`` players, counts
``Multinomial(N, σ)``, MATH.md (1.7)) plus a *small* independent part with a finite support of
count vectors ``s`` with probabilities ``S(s)`` (shared-action coalitions, a few leftovers, one
member's own shift). Then, for every state ``x`` and action ``a``,

    E[table[x, a, c + s]] = Σ_s S(s) Σ_{c} Mult_N(c; σ) table[x, a, index(c + s)].     MATH.md (1.9)

Two exact ways, chosen by cost:

* **weights on the others' simplex** (small ``|s|``, ``σ_a > 0`` where ``s_a > 0``): with
  ``N' = N + |s|``, ``Mult_N(c' - s) = N!/N'! · Mult_{N'}(c') · Π_a (c'_a)_{s_a} σ_a^{-s_a}``
  (falling factorials), so the sum is one dot of ``table[x, a, :]`` with the weights
  ``Mult_{N'}(c') · Σ_s S(s) N!/N'! Π_a (c'_a)_{s_a} σ_a^{-s_a}`` over the count vectors ``c'`` of
  the ``n - 1`` others, in table order: one pass over the table, no gather;
* **gather** (any shift): for each support point, the table's columns at ``index(c + s)`` over the
  ``C(N+k-1, k-1)`` vectors ``c`` (fewer than the table's when ``N < n - 1``).

When the small part is itself i.i.d. (``L`` players on ``u``, e.g. Theorem 2's leftovers) the
weights' polynomial is ``Σ_s Mult_L(s; u) Π_a (c'_a)_{s_a} y_a^{s_a} = L! · e_L``, the ``L``-th
elementary symmetric polynomial of the multiset holding ``y_a = u_a / σ_a`` ``c'_a`` times,
``e_L = Σ_{|s|=L} Π_a C(c'_a, s_a) y_a^{s_a}``, by a recursion over actions with non-negative
terms only (exactly 0 where some ``c'_a < s_a``) — ``k · L²/2`` products per count vector instead
of one per support point.

Both run in blocks of count vectors, so the extra memory is a few blocks, not a table.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import numpy.typing as npt

from powergames.games.counts import (
    composition_blocks,
    multinomial_factors,
    multinomial_weights,
)
from powergames.games.majority_counts import MajorityCountGame
from powergames.games.symmetric import SymmetricUnitSumGame

#: A count-form game whose shares the kernels read: a table, or the majority formula.
CountShares = SymmetricUnitSumGame | MajorityCountGame

#: Count vectors per block.
BLOCK = 2**19

#: Largest ``|s|`` (members of the small part) for the weights path; above it, gather.
MAX_WEIGHT_SHIFT = 4

#: Largest support of the small part for the weights path (one falling-factorial product each).
MAX_WEIGHT_TERMS = 16

#: Largest i.i.d. small part (players) for the weights path by Newton's identities.
MAX_IID_REST = 8

__all__ = [
    "BLOCK",
    "CountShares",
    "Support",
    "expected_iid_rest",
    "expected_table",
    "gather_cost",
    "iid_rest_applies",
    "weights_apply",
]

#: A finite distribution of count vectors: ``(vectors (P, k) int64, probabilities (P,))``.
Support = tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]


def weights_apply(support: Support, sigma: npt.NDArray[np.float64]) -> bool:
    """Whether the weights path is exact and cheap for this small part and ``σ``."""
    vectors, _ = support
    if len(vectors) > MAX_WEIGHT_TERMS or int(vectors[0].sum()) > MAX_WEIGHT_SHIFT:
        return False
    used = np.any(vectors > 0, axis=0)
    return bool(np.all(sigma[used] > 0))


def gather_cost(n_big: int, sigma: npt.NDArray[np.float64], support: Support) -> int:
    """Table columns the gather path reads: ``|support| · C(N+k'-1, k'-1)``, ``k'`` actions with ``σ > 0``."""
    k_live = max(int(np.count_nonzero(sigma)), 1)
    return len(support[0]) * math.comb(n_big + k_live - 1, k_live - 1)


def expected_table(
    game: CountShares,
    n_big: int,
    sigma: npt.NDArray[np.float64],
    support: Support,
    actions: npt.NDArray[np.bool_] | None = None,
) -> npt.NDArray[np.float64]:
    """``E[table[x, a, index(c + s)]]`` with ``c ~ Multinomial(n_big, σ)``, ``s ~ support``, MATH.md (1.9).

    Args:
        game: the count-form game.
        n_big: ``N >= 0``; ``N + |s| = n - 1`` for every support point (unchecked).
        sigma: shape ``(k,)``, the large group's strategy.
        support: the small part's count vectors and probabilities.
        actions: shape ``(k,)``, the actions needed (all when ``None``; the gather path skips the
            others, whose entries are then 0).

    Returns:
        Shape ``(n_states, k)``.
    """
    k = game.n_actions
    need = np.ones(k, dtype=bool) if actions is None else actions
    if weights_apply(support, sigma):
        return _by_weights(game, n_big, sigma, support)
    return _by_gather(game, n_big, sigma, support, need)


def _by_weights(
    game: CountShares, n_big: int, sigma: npt.NDArray[np.float64], support: Support
) -> npt.NDArray[np.float64]:
    vectors, probs = support
    total = game.n_players - 1
    k = game.n_actions
    factors, scale = multinomial_factors(total, sigma)
    shift = total - n_big
    # N!/N'! · S(s) · Π_a σ_a^{-s_a}, one coefficient per support point
    ratio = math.exp(math.lgamma(n_big + 1) - math.lgamma(total + 1))
    coef = [
        float(p) * ratio * math.prod(float(sigma[a]) ** -int(v[a]) for a in range(k) if v[a])
        for v, p in zip(vectors, probs)
    ]
    out = np.zeros((game.n_states, k))
    if k == 3 and not shift and isinstance(game, SymmetricUnitSumGame):
        for lo, w in _weights_by_slices(total, factors, scale, np.zeros(k), 0):
            out += game.table[:, :, lo : lo + len(w)] @ w
        return out
    for lo, c in composition_blocks(total, k, BLOCK):
        w = multinomial_weights(c, factors, scale)
        if shift:
            w *= _falling_poly(c, vectors, coef)
        out += game.shares_block(lo, c) @ w
    return out


def _falling_poly(
    c: npt.NDArray[np.int64], vectors: npt.NDArray[np.int64], coef: list[float]
) -> npt.NDArray[np.float64]:
    """``Σ_s coef_s Π_a (c_a)_{s_a}`` (falling factorials) over the rows of ``c``, shape ``(L,)``."""
    out = np.zeros(len(c))
    for v, cf in zip(vectors, coef):
        term = np.full(len(c), cf)
        for a in np.flatnonzero(v):
            col = c[:, a].astype(np.float64)
            for j in range(int(v[a])):
                term *= col - j
        out += term
    return out


def _by_gather(
    game: CountShares,
    n_big: int,
    sigma: npt.NDArray[np.float64],
    support: Support,
    need: npt.NDArray[np.bool_],
) -> npt.NDArray[np.float64]:
    vectors, probs = support
    k = game.n_actions
    actions = np.flatnonzero(need)
    # the large group's counts live on the actions it plays: enumerate those, embed in k columns
    live = np.flatnonzero(sigma)
    factors, scale = multinomial_factors(n_big, sigma[live])
    out = np.zeros((game.n_states, k))
    for _, block in composition_blocks(n_big, len(live), BLOCK):
        w = multinomial_weights(block, factors, scale)
        c = np.zeros((len(block), k), dtype=np.int64)
        c[:, live] = block
        for v, p in zip(vectors, probs):
            out[:, actions] += p * (game.shares_gather(c + v, actions) @ w)
    return out


def _elementary(
    c: npt.NDArray[np.int64], y: npt.NDArray[np.float64], order: int
) -> npt.NDArray[np.float64]:
    """``e_order = Σ_{|s|=order} Π_a C(c_a, s_a) y_a^{s_a}`` over the rows of ``c``, shape ``(L,)``."""
    if order == 1:  # e_1 = Σ_a c_a y_a
        return np.asarray(c @ y, dtype=np.float64)
    if order == 2:  # e_2 = (e_1² − Σ_a c_a y_a²) / 2 (two products; rounding relative to e_1²)
        e1 = np.asarray(c @ y, dtype=np.float64)
        e1 *= e1
        e1 -= c @ (y * y)
        e1 *= 0.5
        return e1
    e = [np.ones(len(c))] + [np.zeros(len(c)) for _ in range(order)]
    for a in np.flatnonzero(y):
        col = c[:, a].astype(np.float64)
        terms = [np.ones(len(c))]  # C(c_a, i) y_a^i, i = 0..order
        for i in range(1, order + 1):
            terms.append(terms[-1] * (col - (i - 1)) * (float(y[a]) / i))
        for j in range(order, 0, -1):  # in place, high orders first: e_j += Σ_{i>=1} e_{j-i} t_i
            for i in range(1, j + 1):
                e[j] += e[j - i] * terms[i]
    return e[order]


def _weights_by_slices(
    total: int,
    factors: npt.NDArray[np.float64],
    scale: float,
    y: npt.NDArray[np.float64],
    order: int,
) -> Iterator[tuple[int, npt.NDArray[np.float64]]]:
    """k = 3: the weights of :func:`expected_iid_rest` block by block, without count vectors.

    Rows with first count ``v`` are ``(v, j, T - j)``, ``j = 0..T``, ``T = total - v``: their
    multinomial factors are ``F_0[v] · F_1[0..T] · F_2[T..0]`` (a slice and a reversed slice) and
    ``e_1 = y_0 v + y_2 T + (y_1 - y_2) j``, ``e_2 = (e_1² − (y_0² v + y_2² T + (y_1² − y_2²) j)) / 2``.
    """
    start, v = 0, 0
    while v <= total:
        parts: list[npt.NDArray[np.float64]] = []
        size = 0
        while v <= total and (not parts or size + total - v + 1 <= BLOCK):
            t = total - v
            w = factors[1, : t + 1] * factors[2, t::-1]
            w *= scale * factors[0, v]
            if order:
                j = np.arange(t + 1, dtype=np.float64)
                e1 = (y[0] * v + y[2] * t) + (y[1] - y[2]) * j
                if order == 2:
                    sq = (y[0] ** 2 * v + y[2] ** 2 * t) + (y[1] ** 2 - y[2] ** 2) * j
                    e1 = 0.5 * (e1 * e1 - sq)
                w *= e1
            parts.append(w)
            size += t + 1
            v += 1
        yield start, np.concatenate(parts)
        start += size


def iid_rest_applies(
    n_rest: int, rest: npt.NDArray[np.float64], sigma: npt.NDArray[np.float64]
) -> bool:
    """Whether :func:`expected_iid_rest` applies: ``L <= MAX_IID_REST``, ``σ_a > 0`` where ``u_a > 0``."""
    return n_rest <= MAX_IID_REST and bool(np.all(sigma[rest > 0] > 0))


def expected_iid_rest(
    game: CountShares,
    n_big: int,
    sigma: npt.NDArray[np.float64],
    n_rest: int,
    rest: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """``E[table[x, a, c + s]]``, ``c ~ Mult(N, σ)``, ``s ~ Mult(L, u)``, in one pass (module docstring).

    Args:
        n_big: ``N``; n_rest: ``L`` with ``N + L = n - 1``; sigma, rest: ``σ``, ``u`` of shape ``(k,)``.

    Returns:
        Shape ``(n_states, k)``.
    """
    total = game.n_players - 1
    k = game.n_actions
    factors, scale = multinomial_factors(total, sigma)
    y = np.divide(rest, sigma, out=np.zeros(k), where=rest > 0)
    # N!/N'! · L!
    scale *= math.exp(math.lgamma(n_big + 1) - math.lgamma(total + 1) + math.lgamma(n_rest + 1))
    out = np.zeros((game.n_states, k))
    if k == 3 and n_rest <= 2 and isinstance(game, SymmetricUnitSumGame):
        for lo, w in _weights_by_slices(total, factors, scale, y, n_rest):
            out += game.table[:, :, lo : lo + len(w)] @ w
        return out
    for lo, c in composition_blocks(total, k, BLOCK):
        w = multinomial_weights(c, factors, scale)
        if n_rest:
            w *= _elementary(c, y, n_rest)
        out += game.shares_block(lo, c) @ w
    return out
