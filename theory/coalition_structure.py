"""Coalition values of a symmetric game by the structure of the policies (MATH.md (1.9)).

Every coalition policy is read as a product of *parts* (:class:`ProductPolicy` blocks, recursively):
i.i.d. members (:class:`IndependentPolicy`, one-member joints), shared-action members
(:class:`SharedActionPolicy`) and truly correlated parts (any other joint, by its count
distribution). I.i.d. parts with the same strategy — e.g. Theorem 2's copies of an i.i.d. opponent
and the opponent itself — are one *pool* whose counts are multinomial (MATH.md (1.7)). A member's
share depends on the others' counts only, so

* a pool's members each get ``Σ_a σ(a) E[table[x, a, c]]``, ``c`` the others' counts (the pool
  minus that member, everybody else);
* a shared-action part of ``g`` members on ``a`` (probability ``p(a)``) gets
  ``g Σ_a p(a) E[table[x, a, (g - 1) e_a + c]]``, ``c`` the counts of everybody else;
* a correlated part with count distribution ``D`` gets ``Σ_m D(m) Σ_a m_a E[table[x, a, m - e_a + c]]``.

Each expectation is over "the largest pool plus a small independent rest", computed by
:func:`~powergames.theory.count_expectations.expected_table`: one pass over the table, or a gather
over the largest pool's count vectors. The coalition whose parts cost most is not computed: values
sum to one in a unit-sum game (MATH.md (1.3)). :func:`structured_values` returns ``None`` when the
rest is not small (two large pools with different strategies, a correlated part with a large
support); the caller then convolves (MATH.md (1.8)).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from powergames.games.counts import compositions, multinomial_pmf
from powergames.theory.coalition_policies import (
    CoalitionPolicy,
    IndependentPolicy,
    ProductPolicy,
    SharedActionPolicy,
)
from powergames.theory.count_expectations import (
    CountShares,
    Support,
    expected_iid_rest,
    expected_table,
    gather_cost,
    iid_rest_applies,
    weights_apply,
)

#: Largest support of the small rest (count vectors) a structured value enumerates.
MAX_SUPPORT = 4096

#: A structured computation may read at most this many times the table's columns; above it the
#: caller's convolution is used.
MAX_PASSES = 16

__all__ = ["structured_values"]


@dataclass(frozen=True)
class _Part:
    """One block of a coalition's policy: ``kind`` is ``"iid"``, ``"shared"`` or ``"corr"``."""

    kind: str
    coalition: int
    n_members: int
    probs: npt.NDArray[np.float64]  # iid: strategy; shared: p; corr: count probabilities
    key: bytes = b""  # iid: the pool (strategy bytes)


def _parts(policy: CoalitionPolicy, j: int, k: int) -> list[_Part]:
    if isinstance(policy, ProductPolicy):
        return [q for p in policy.parts for q in _parts(p, j, k)]
    if isinstance(policy, IndependentPolicy):
        return [_Part("iid", j, policy.n_members, policy.strategy, policy.strategy.tobytes())]
    if isinstance(policy, SharedActionPolicy):
        if policy.n_members == 1:
            return [_Part("iid", j, 1, policy.p, policy.p.tobytes())]
        return [_Part("shared", j, policy.n_members, policy.p)]
    if policy.n_members == 1 and tuple(policy.action_sizes) == (k,):
        sigma = np.ascontiguousarray(policy.joint().reshape(k))
        return [_Part("iid", j, 1, sigma, sigma.tobytes())]
    dist = policy.count_distribution()
    return [_Part("corr", j, dist.n_members, dist.probs)]


def _support_of(part: _Part, k: int, n_members: int | None = None) -> Support:
    """The count vectors (and probabilities) of a part, ``n_members`` of it for a pool."""
    if part.kind == "iid":
        n = part.n_members if n_members is None else n_members
        counts, probs = compositions(n, k), multinomial_pmf(n, part.probs)
    elif part.kind == "shared":
        counts, probs = part.n_members * np.eye(k, dtype=np.int64), part.probs
    else:
        counts, probs = compositions(part.n_members, k), part.probs
    keep = np.flatnonzero(probs)
    return counts[keep], probs[keep]


def _combine(left: Support, right: Support) -> Support | None:
    """The support of the sum of two independent count vectors (``None`` when too large)."""
    if len(left[0]) * len(right[0]) > 16 * MAX_SUPPORT:
        return None
    sums = (left[0][:, None, :] + right[0][None, :, :]).reshape(-1, left[0].shape[1])
    probs = (left[1][:, None] * right[1][None, :]).ravel()
    uniq, inverse = np.unique(sums, axis=0, return_inverse=True)
    merged = np.bincount(inverse.ravel(), weights=probs, minlength=len(uniq))
    if len(uniq) > MAX_SUPPORT:
        return None
    return uniq.astype(np.int64), np.asarray(merged, dtype=np.float64)


@dataclass
class _Plan:
    """One expectation: the largest pool ``(n_big, σ)`` plus the small rest ``support``."""

    n_big: int
    sigma: npt.NDArray[np.float64]
    support: Support
    cost: float
    iid_rest: tuple[int, npt.NDArray[np.float64]] | None = None  # the rest is one i.i.d. group

    def expect(
        self, game: CountShares, only: npt.NDArray[np.bool_] | None = None
    ) -> npt.NDArray[np.float64]:
        """``E[table[x, a, c]]`` over this plan's counts, shape ``(n_states, k)``."""
        if self.iid_rest is not None:
            return expected_iid_rest(game, self.n_big, self.sigma, *self.iid_rest)
        return expected_table(game, self.n_big, self.sigma, self.support, only)


def _plan(
    game: CountShares,
    pools: dict[bytes, tuple[npt.NDArray[np.float64], int]],
    others: Sequence[_Part],
    shift: npt.NDArray[np.int64],
    n_needed: int,
) -> _Plan | None:
    """The others' counts = pools (members as given) + ``others`` parts + ``shift``."""
    k = game.n_actions
    live = {key: v for key, v in pools.items() if v[1] > 0}
    if live:
        big_key = max(live, key=lambda key: live[key][1])
        sigma, n_big = live[big_key]
    else:
        big_key, sigma, n_big = b"", np.full(k, 1.0 / k), 0
    small = [(s, n) for key, (s, n) in live.items() if key != big_key]
    if (
        not others
        and not shift.any()
        and len(small) == 1
        and iid_rest_applies(small[0][1], small[0][0], sigma)
    ):
        one_pass = float(game.n_counts * (k + game.n_states * k + small[0][1] * (k + 2)))
        return _Plan(n_big, sigma, _support_of(_Part("iid", -1, 0, sigma), k), one_pass,
                     (small[0][1], small[0][0]))  # fmt: skip
    support: Support | None = (shift[None, :].astype(np.int64), np.ones(1))
    for key, (s, n) in live.items():
        if key != big_key and support is not None:
            support = _combine(support, _support_of(_Part("iid", -1, n, s), k))
    for part in others:
        if support is not None:
            support = _combine(support, _support_of(part, k))
    if support is None:
        return None
    # cost in table columns read (times the work per column): one pass for the weights path,
    # ranks plus one gather per needed action and state for each support point otherwise
    if weights_apply(support, sigma):
        cost = float(game.n_counts * (k + game.n_states * k + len(support[0])))
    else:
        cost = float(gather_cost(n_big, sigma, support) * (k + game.n_states * n_needed))
    return _Plan(n_big, sigma, support, cost)


def structured_values(
    game: CountShares,
    coalitions: tuple[tuple[int, ...], ...],
    policies: Sequence[CoalitionPolicy],
    use_unit_sum: bool = True,
) -> npt.NDArray[np.float64] | None:
    """``r_j(x)`` by policy structure (module docstring), shape ``(n_states, n_coalitions)``.

    With ``use_unit_sum`` the costliest coalition is ``1 −`` the others (MATH.md (1.3)); without,
    every coalition is computed (the sum over coalitions is then a check of the others).

    Returns ``None`` when a rest is not small or the plan would read the table more than
    :data:`MAX_PASSES` times; then the convolution path (MATH.md (1.8)) is the cheaper exact one.
    """
    k = game.n_actions
    parts = [q for j, p in enumerate(policies) for q in _parts(p, j, k)]
    pools: dict[bytes, tuple[npt.NDArray[np.float64], int]] = {}
    for q in parts:
        if q.kind == "iid":
            pools[q.key] = (q.probs, pools.get(q.key, (q.probs, 0))[1] + q.n_members)
    non_pool = [q for q in parts if q.kind != "iid"]
    zero = np.zeros(k, dtype=np.int64)
    # one job per pool (its members' common expectation) and per other part
    jobs: list[tuple[str, object, list[tuple[_Plan, npt.NDArray[np.bool_], float, int]]]] = []
    for key, (sigma, n) in pools.items():
        plan = _plan(game, {**pools, key: (sigma, n - 1)}, non_pool, zero, k)
        if plan is None:
            return None
        jobs.append(("pool", key, [(plan, np.ones(k, dtype=bool), 1.0, -1)]))
    for q in non_pool:
        rest = [p for p in non_pool if p is not q]
        items = []
        vectors, probs = _support_of(q, k)
        for v, pv in zip(vectors, probs):
            for a in np.flatnonzero(v):
                shift = v.copy()
                shift[a] -= 1
                plan = _plan(game, pools, rest, shift, 1)
                if plan is None:
                    return None
                only = np.zeros(k, dtype=bool)
                only[a] = True
                items.append((plan, only, float(pv) * float(v[a]), int(a)))
        jobs.append(("part", q, items))
    # a coalition's cost: the jobs it needs; the costliest coalition follows from unit sum
    n_coal = len(coalitions)
    need: list[set[int]] = [set() for _ in range(n_coal)]
    for t, (kind, ref, _) in enumerate(jobs):
        for q in parts:
            if (kind == "pool" and q.kind == "iid" and q.key == ref) or (
                kind == "part" and q is ref
            ):
                need[q.coalition].add(t)
    job_cost = [sum(item[0].cost for item in items) for _, _, items in jobs]
    cost = [sum(job_cost[t] for t in need[j]) for j in range(n_coal)]
    skip = int(np.argmax(cost)) if n_coal > 1 and use_unit_sum else -1
    wanted = set().union(*(need[j] for j in range(n_coal) if j != skip))
    if sum(job_cost[t] for t in wanted) > MAX_PASSES * game.n_counts * (k + game.n_states * k):
        return None
    results: dict[int, npt.NDArray[np.float64]] = {}
    for t in sorted(wanted):
        kind, ref, items = jobs[t]
        acc = np.zeros(game.n_states)
        if kind == "pool":
            results[t] = items[0][0].expect(game)  # (S, k): weighted by each part's strategy below
            continue
        for plan, only, weight, act in items:
            acc += weight * plan.expect(game, only)[:, act]
        results[t] = acc
    out = np.zeros((game.n_states, n_coal))
    for q in parts:
        if q.coalition == skip:
            continue
        for t in need[q.coalition]:
            kind, ref, _ = jobs[t]
            if kind == "pool" and q.kind == "iid" and q.key == ref:
                out[:, q.coalition] += q.n_members * (results[t] @ q.probs)
            elif kind == "part" and q is ref:
                out[:, q.coalition] += results[t]
    if skip >= 0:
        out[:, skip] = 1.0 - out.sum(axis=1)
    return out
