"""A coalition's optimal guarantee and its best response to known opponents (MATH.md §1).

The optimal guarantee of ``c_1`` is the value of the zero-sum game between ``c_1`` and everyone else
(who also choose ``x``):

    G = max_{π_1} min_x min_{π_{-1}} r_1(x, π_1, π_{-1}).                           (G1)

By :mod:`~powergames.theory.worst_cases` the inner minimum is over pure joint actions of
the others, so (G1) is the linear program

    max t   s.t.   Σ_{a_1} π_1(a_1) R_x(a_1, a_{-1}) ≥ t  for every (x, a_{-1}),   π_1 ∈ Δ(𝒜^{c_1}),

with ``R_x(a_1, a_{-1}) = Σ_{i∈c_1} s_i(x, a)`` — ``Π_{i∈c_1} k_i`` variables (full joint policies of
``c_1``) and ``|𝒳| · Π_{i∉c_1} k_i`` constraints. Its dual is a distribution over ``(x, a_{-1})``: a
minimax opponent that holds every ``π_1`` to at most ``G``.

**Symmetric games.** ``r_1`` depends on ``π_1`` only through its count distribution ``P_1`` and on
the others only through their counts, so exchangeable policies suffice on both sides (symmetrising
``π_1`` within ``c_1`` leaves every ``r_1`` unchanged) and (G1) becomes the LP over count
distributions

    G = max_{P_1} min_{x, m_o} Σ_{m_1} P_1(m_1) W_x(m_1, m_o),                        (G2)

with ``C(n_1 + k − 1, k − 1)`` variables and ``|𝒳| · C(n_o + k − 1, k − 1)`` constraints; its
dual is the others' minimax count distribution (jointly with ``x``).

**Against Theorems 1 and 2.** Theorem 1's policy is one feasible ``π_1``, so ``G ≥ 1 − 1/k`` in the
majority game. Theorem 2 promises ``(k−1)/k`` (``k`` from the coalition's size) *knowing* ``π_2``.
With one state, (G2) is a finite two-player zero-sum game, so by the minimax theorem
``G = min_{P_o} max_{P_1} Σ P_1 W P_o ≥ (k−1)/k``: in a one-state symmetric game knowing the others'
policy does not raise the level the coalition can guarantee. With several states the others may
correlate their play with ``x``, and ``G`` can fall below ``(k−1)/k``. Against one *given* opponent
the coalition can do better than ``G``: :func:`coalition_best_response` computes
``max_{π_1} min_x r_1(x, π_1, π_{-1})`` for known ``π_{-1}`` (at least ``(k−1)/k`` by Theorem 2).

Every LP is solved by HiGHS (``scipy.optimize.linprog(method="highs")``) on shares mapped affinely
onto ``[0, 1]`` and mapped back (the program is affine-invariant).

Longer than ~500 lines: the count-form LP, its double-oracle variant for large n and the dense LP share the certification code and the report; split apart, each would re-import the other's internals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from powergames.games.counts import CountDistribution, compositions, convolve_counts, n_compositions
from powergames.games.symmetric import SymmetricUnitSumGame
from powergames.theory.coalition_policies import (
    CoalitionPolicy,
    ExchangeablePolicy,
    IndependentPolicy,
    JointPolicy,
    SharedActionPolicy,
)
from powergames.theory.coalition_values import coalition_values
from powergames.theory.partitions import check_coalitions
from powergames.theory.theorem_policies import max_guarantee_k
from powergames.theory.worst_cases import (
    action_sizes_of,
    as_coalition_policy,
    coalition_worst_case,
    count_share_matrix,
    dense_shares,
    split_players,
)

#: Largest constraint matrix (variables × constraints) :func:`coalition_guarantee` builds.
MAX_LP_ENTRIES = 2**26


class GuaranteeTooLarge(ValueError):
    """The LP of (G1)/(G2) is too large; ``lower`` and ``upper`` bracket the guarantee.

    Attributes:
        n_variables, n_constraints: the LP's size.
        lower: the best worst case among cheap candidate policies (a lower bound on ``G``).
        upper: the coalition's best value against uniform opponents (an upper bound on ``G``).
    """

    def __init__(
        self, message: str, n_variables: int, n_constraints: int, lower: float, upper: float
    ) -> None:
        super().__init__(message)
        self.n_variables = n_variables
        self.n_constraints = n_constraints
        self.lower = lower
        self.upper = upper


# ============================================================================= the LP
@dataclass(frozen=True)
class _LPResult:
    value: float
    weights: np.ndarray  # primal: the coalition's distribution over its variables
    dual: np.ndarray  # the minimiser's distribution over constraint rows


def _maximin(matrix: np.ndarray) -> _LPResult:
    """``max_p min_j (p @ matrix)[j]`` over distributions ``p`` (rows), with the minimiser's mixture.

    Args:
        matrix: shape ``(n_rows, n_cols)``; rows are the maximiser's pure choices.

    Returns:
        The value, the optimal ``p`` (shape ``(n_rows,)``) and the dual mixture over columns.
    """
    from scipy.optimize import linprog  # imported on first use: scipy.optimize is slow to import

    lo, hi = float(matrix.min()), float(matrix.max())
    scale = hi - lo
    if scale <= 0.0:  # every entry equal: any p is optimal
        n_rows, n_cols = matrix.shape
        return _LPResult(lo, np.full(n_rows, 1.0 / n_rows), np.full(n_cols, 1.0 / n_cols))
    norm = (matrix - lo) / scale  # entries in [0, 1]
    n_rows, n_cols = norm.shape
    # variables (p_0..p_{R-1}, t); maximise t <=> minimise -t; t - p @ norm[:, j] <= 0
    c = np.zeros(n_rows + 1)
    c[-1] = -1.0
    a_ub = np.hstack([-norm.T, np.ones((n_cols, 1))])
    a_eq = np.zeros((1, n_rows + 1))
    a_eq[0, :n_rows] = 1.0
    res = linprog(
        c,
        A_ub=a_ub,
        b_ub=np.zeros(n_cols),
        A_eq=a_eq,
        b_eq=[1.0],
        bounds=[(0.0, None)] * n_rows + [(0.0, 1.0)],
        method="highs",
    )
    if res.status != 0:  # pragma: no cover - a bounded feasible LP; HiGHS failing is a bug
        raise RuntimeError(f"HiGHS failed on the guarantee LP: {res.message}")
    p = np.clip(res.x[:n_rows], 0.0, None)
    p /= p.sum()
    dual = np.clip(-np.asarray(res.ineqlin.marginals), 0.0, None)
    dual = dual / dual.sum() if dual.sum() > 0 else np.full(n_cols, 1.0 / n_cols)
    return _LPResult(lo + scale * float(res.x[-1]), p, dual)


def _check_lp_size(n_var: int, n_con: int, bracket: Any) -> None:
    if n_var * n_con > MAX_LP_ENTRIES:
        lower, upper = bracket()
        raise GuaranteeTooLarge(
            f"the guarantee LP has {n_var} variables and {n_con} constraints ({n_var * n_con} "
            f"matrix entries, about {8 * n_var * n_con / 2**30:.1f} GiB; the limit is "
            f"{MAX_LP_ENTRIES}); estimate: the guarantee lies in [{lower:.6g}, {upper:.6g}] "
            "(best worst case of the uniform and shared-action policies; best value against "
            "uniform opponents)",
            n_var,
            n_con,
            lower,
            upper,
        )


# ============================================================================= the report
@dataclass(frozen=True)
class GuaranteeReport:
    """The optimal guarantee (G1)/(G2) of a coalition and what it is compared with.

    Attributes:
        value: ``G`` — the exact worst case of :attr:`policy` (:func:`coalition_worst_case`).
        upper: the best any ``π_1`` gets against the minimax opponent: ``value <= G <= upper``, a
            certificate (the gap is the solver's tolerance).
        per_state: the optimal policy's worst case in each state, shape ``(n_states,)``.
        policy: an optimal ``π_1`` — an :class:`ExchangeablePolicy` (symmetric games) or a
            :class:`JointPolicy` over ``c_1``'s joint actions (dense games).
        members, others: ``c_1`` and everyone else.
        adversary_states: states of the minimax opponent's support, shape ``(s,)``.
        adversary_actions: the others' pure actions there, shape ``(s, n_o)`` (symmetric games: the
            canonical profile of each count vector).
        adversary_counts: symmetric games: the count vectors there, shape ``(s, k)``; else ``None``.
        adversary_probs: the minimax opponent's probabilities, shape ``(s,)``; against it every
            ``π_1`` gets at most ``value`` in expectation.
        method: ``"counts"`` (G2) or ``"joint"`` (G1), suffixed ``_double_oracle`` when solved so.
        iterations: restricted LPs solved (1 for one LP).
        n_variables, n_constraints: the LP's size.
        theorem1_bound: ``1 − 1/k`` (Theorem 1's promise; it applies to a strict majority in the
            majority game).
        theorem1_worst_case: the exact worst case of Theorem 1's policy in this game (symmetric
            games with one action set; ``nan`` otherwise).
        theorem2_k: the largest ``k`` of Theorem 2 for this coalition size (``1``: none applies).
        theorem2_bound: ``(k−1)/k`` — what Theorem 2 guarantees knowing ``π_2`` (symmetric games).
    """

    value: float
    upper: float
    per_state: npt.NDArray[np.float64]
    policy: CoalitionPolicy
    members: tuple[int, ...]
    others: tuple[int, ...]
    adversary_states: npt.NDArray[np.int64]
    adversary_actions: npt.NDArray[np.int64]
    adversary_counts: npt.NDArray[np.int64] | None
    adversary_probs: npt.NDArray[np.float64]
    method: str
    iterations: int
    n_variables: int
    n_constraints: int
    theorem1_bound: float
    theorem1_worst_case: float
    theorem2_k: int
    theorem2_bound: float

    @property
    def knowledge_premium(self) -> float:
        """``theorem2_bound − value``: how far Theorem 2's known-opponent promise exceeds ``G``
        (``<= 0`` means knowing ``π_2`` is not needed to reach ``(k−1)/k``)."""
        return self.theorem2_bound - self.value

    def as_dict(self) -> dict[str, Any]:
        """Plain data (JSON-ready)."""
        return {
            "value": self.value,
            "upper": self.upper,
            "per_state": self.per_state.tolist(),
            "members": list(self.members),
            "method": self.method,
            "iterations": self.iterations,
            "n_variables": self.n_variables,
            "n_constraints": self.n_constraints,
            "theorem1_bound": self.theorem1_bound,
            "theorem1_worst_case": self.theorem1_worst_case,
            "theorem2_k": self.theorem2_k,
            "theorem2_bound": self.theorem2_bound,
            "knowledge_premium": self.knowledge_premium,
            "adversary": [
                {"state": int(x), "actions": a.tolist(), "prob": float(p)}
                for x, a, p in zip(
                    self.adversary_states, self.adversary_actions, self.adversary_probs
                )
            ],
        }


def _theorem_fields(game: Any, members: tuple[int, ...], others: tuple[int, ...]) -> dict:
    sizes = action_sizes_of(game)
    k_act = sizes[members[0]]
    out = {
        "theorem1_bound": 1.0 - 1.0 / k_act,
        "theorem1_worst_case": float("nan"),
        "theorem2_k": 1,
        "theorem2_bound": 0.0,
    }
    if len(set(sizes)) == 1:
        out["theorem1_worst_case"] = coalition_worst_case(
            game, members, SharedActionPolicy(len(members), k_act)
        ).value
    if isinstance(game, SymmetricUnitSumGame):
        k = max_guarantee_k(len(members), len(members) + len(others))
        out["theorem2_k"] = k
        out["theorem2_bound"] = (k - 1) / k
    return out


def _bracket(game: Any, members: tuple[int, ...], others: tuple[int, ...]) -> tuple[float, float]:
    """``(lower, upper)`` bounds on ``G`` from cheap candidates (see :class:`GuaranteeTooLarge`)."""
    sizes = action_sizes_of(game)
    k1 = tuple(sizes[i] for i in members)
    lower = -np.inf
    if len(set(k1)) == 1:
        for pol in (
            SharedActionPolicy(len(members), k1[0]),
            IndependentPolicy(len(members), np.full(k1[0], 1.0 / k1[0])),
        ):
            lower = max(lower, coalition_worst_case(game, members, pol).value)
    if isinstance(game, SymmetricUnitSumGame):
        k = game.n_actions
        opp = IndependentPolicy(len(others), np.full(k, 1.0 / k)).count_distribution()
        per_m1 = _count_values_against(game, len(members), opp)  # (S, |M1|)
        upper = float(per_m1.max(axis=1).min())
    else:
        shares, _ = dense_shares(game)
        summed = shares[:, list(members)].sum(axis=1)
        axes = tuple(1 + i for i in others)
        upper = float(summed.mean(axis=axes).reshape(len(summed), -1).max(axis=1).min())
    return float(lower), upper


#: Gap ``upper − lower`` at which :func:`_double_oracle` stops (shares lie in ``[0, 1]``).
ORACLE_TOL = 1e-9


@dataclass(frozen=True)
class _Solution:
    value: float  # the exact worst case of the returned maximiser mixture (a lower bound on G)
    upper: float  # the best reply to the returned minimiser mixture (an upper bound on G)
    rows: np.ndarray  # the maximiser's support (indices of its pure choices)
    row_weights: np.ndarray
    cols: np.ndarray  # the minimiser's support
    col_weights: np.ndarray
    iterations: int


def _solve_full(matrix: np.ndarray) -> _Solution:
    """(G1)/(G2) as one LP on the whole matrix, with both bounds read off the matrix."""
    lp = _maximin(matrix)
    lower = float((lp.weights @ matrix).min())
    upper = float((matrix @ lp.dual).max())
    rows, cols = np.flatnonzero(lp.weights > 0), np.flatnonzero(lp.dual > 1e-12)
    return _Solution(lower, upper, rows, lp.weights[rows], cols, lp.dual[cols], 1)


def _double_oracle(
    row_block: Any, col_block: Any, n_rows: int, n_cols: int, start_rows: np.ndarray
) -> _Solution:
    """The value of the matrix game ``max_p min_j (p @ M)[j]`` by the double oracle.

    Both players' strategy sets start small; each round solves the restricted LP (HiGHS), then adds
    each side's exact best reply (over *all* rows / columns) to the other's restricted optimum. The
    reply values bracket the value: ``min_j (p @ M)[j] <= G <= max_i (M @ q)[i]``; the loop stops when
    the bracket is below :data:`ORACLE_TOL` (or no reply is new, which only happens within HiGHS's
    tolerance). Only the rows and columns in play are ever computed.

    Args:
        row_block: ``row_block(rows) -> M[rows, :]``, shape ``(len(rows), n_cols)``.
        col_block: ``col_block(cols) -> M[:, cols]``, shape ``(n_rows, len(cols))``.
        n_rows, n_cols: the full matrix's shape.
        start_rows: the maximiser's initial pure choices.
    """
    rows = [int(r) for r in dict.fromkeys(start_rows.tolist())]
    r_block = row_block(np.asarray(rows))  # (|R|, n_cols)
    p = np.full(len(rows), 1.0 / len(rows))
    cols = [int((p @ r_block).argmin())]
    c_block = col_block(np.asarray(cols))  # (n_rows, |C|)
    iterations = 0
    while True:
        iterations += 1
        lp = _maximin(r_block[:, cols])
        values_c = lp.weights @ r_block  # the restricted optimum's payoff against every column
        values_r = c_block @ lp.dual  # every row's payoff against the minimiser's mixture
        lower, upper = float(values_c.min()), float(values_r.max())
        if upper - lower <= ORACLE_TOL:
            break
        # each side's best replies, the best first: up to `batch` new ones that beat the
        # restricted value (the single best reply alone is the classic double oracle)
        batch = max(1, len(rows) // 4)
        new_r = _new_best(-values_r, rows, batch, -lp.value)
        new_c = _new_best(values_c, cols, batch, lp.value)
        if not (new_r or new_c):
            break
        if new_r:
            rows += new_r
            r_block = np.vstack([r_block, row_block(np.array(new_r))])
        if new_c:
            cols += new_c
            c_block = np.hstack([c_block, col_block(np.array(new_c))])
    r_idx, c_idx = np.asarray(rows[: len(lp.weights)]), np.asarray(cols[: len(lp.dual)])
    keep_r, keep_c = lp.weights > 0, lp.dual > 1e-12
    return _Solution(
        lower, upper, r_idx[keep_r], lp.weights[keep_r], c_idx[keep_c], lp.dual[keep_c], iterations
    )


def _new_best(scores: np.ndarray, have: list[int], batch: int, threshold: float) -> list[int]:
    """Up to ``batch`` indices of the lowest ``scores`` below ``threshold`` not in ``have``; the
    lowest one whatever ``threshold`` when it is new (the exact best reply)."""
    order = np.argsort(scores, kind="stable")[: batch + len(have)]
    taken = set(have)
    out = [int(i) for i in order if int(i) not in taken]
    best = int(order[0])
    keep = [i for i in out if scores[i] < threshold - ORACLE_TOL / 2][:batch]
    if best not in taken and best not in keep:
        keep = [best, *keep[: batch - 1]]
    return keep


#: Methods of :func:`coalition_guarantee`.
METHODS = ("auto", "lp", "double_oracle")

#: ``auto`` solves one LP up to this many matrix entries, the double oracle beyond.
AUTO_LP_ENTRIES = 2**16


def coalition_guarantee(game: Any, coalition: Any, method: str = "auto") -> GuaranteeReport:
    """The optimal guarantee ``G`` of ``c_1`` ((G1), or (G2) in a symmetric game).

    Args:
        game: a :class:`SymmetricUnitSumGame` (over count distributions, (G2)), a
            :class:`UnitSumGame` or a :class:`NormalFormGame` (over ``c_1``'s joint actions, (G1);
            payoffs summed over the coalition).
        coalition: ``c_1``'s members (increasing); everyone else is the opposition.
        method: ``"lp"`` — one HiGHS LP on the whole matrix (refused beyond
            :data:`MAX_LP_ENTRIES`); ``"double_oracle"`` — restricted LPs grown by exact best replies
            (:func:`_double_oracle`; it never builds the whole matrix of a symmetric game);
            ``"auto"`` — the LP up to :data:`AUTO_LP_ENTRIES` entries, else the double oracle in a
            symmetric game and the LP in a dense one.

    Returns:
        A :class:`GuaranteeReport` with the optimal policy, the minimax opponent and the certificate
        ``value <= G <= upper`` (``upper − value`` within solver tolerance).

    Raises:
        GuaranteeTooLarge: (a ``ValueError``) the LP would exceed :data:`MAX_LP_ENTRIES` entries; it
            carries a bracket ``[lower, upper]`` of ``G``.
        ValueError: an unknown ``method``.

    Examples:
        >>> from powergames.games import majority_game
        >>> rep = coalition_guarantee(majority_game(5, 4), [0, 1, 2])
        >>> rep.value >= rep.theorem1_bound
        True
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    members, others = split_players(game, coalition)
    sizes = action_sizes_of(game)
    if isinstance(game, SymmetricUnitSumGame):
        k = game.n_actions
        n1 = len(members)
        n_var = n_compositions(n1, k)
        n_mo = n_compositions(len(others), k)
        n_con = game.n_states * n_mo
        if method == "auto":
            small = n_var * n_con <= min(AUTO_LP_ENTRIES, MAX_LP_ENTRIES)
            method = "lp" if small else "double_oracle"
        if method == "lp":
            _check_lp_size(n_var, n_con, lambda: _bracket(game, members, others))
            w = count_share_matrix(game, n1)  # (S, |M1|, |Mo|)
            sol = _solve_full(np.moveaxis(w, 0, 1).reshape(n_var, n_con))
        else:

            def row_block(rows: np.ndarray) -> np.ndarray:  # columns: (x, m_o) flattened
                w = count_share_matrix(game, n1, rows=rows)
                return np.moveaxis(w, 0, 1).reshape(len(rows), n_con)

            def col_block(cols: np.ndarray) -> np.ndarray:
                xs, os_ = np.divmod(cols, n_mo)
                w = count_share_matrix(game, n1, columns=os_)  # (S, |M1|, |cols|)
                return w[xs, :, np.arange(len(cols))].T

            m1 = compositions(n1, k)
            start = np.flatnonzero(m1.max(axis=1) == n1)  # everyone on one action
            sol = _double_oracle(row_block, col_block, n_var, n_con, start)
        weights = np.zeros(n_var)
        weights[sol.rows] = sol.row_weights
        policy: CoalitionPolicy = ExchangeablePolicy(
            CountDistribution(n1, k, weights / weights.sum())
        )
        states, cols = np.divmod(sol.cols, n_mo)
        opp_counts = compositions(len(others), k)[cols]
        actions = np.stack([np.repeat(np.arange(k), c) for c in opp_counts]).astype(np.int64)
        counts: np.ndarray | None = opp_counts
        label = "counts" if method == "lp" else "counts_double_oracle"
    else:
        shares, _ = dense_shares(game)
        k1 = tuple(sizes[i] for i in members)
        ko = tuple(sizes[i] for i in others)
        n_var, n_states = int(np.prod(k1)), shares.shape[0]
        n_con = n_states * int(np.prod(ko))
        if method == "auto":
            method = "lp"
        if method == "lp":
            _check_lp_size(n_var, n_con, lambda: _bracket(game, members, others))
        summed = shares[:, list(members)].sum(axis=1)  # (S, k_0, ..., k_{n-1})
        order = [0, *(1 + i for i in members), *(1 + i for i in others)]
        r = np.transpose(summed, order).reshape(n_states, n_var, -1)  # (S, K1, Ko)
        matrix = np.moveaxis(r, 0, 1).reshape(n_var, n_con)
        if method == "lp":
            sol = _solve_full(matrix)
        else:
            start = np.arange(min(n_var, 1))
            sol = _double_oracle(
                lambda rows: matrix[rows], lambda cols: matrix[:, cols], n_var, n_con, start
            )
        weights = np.zeros(n_var)
        weights[sol.rows] = sol.row_weights
        policy = JointPolicy((weights / weights.sum()).reshape(k1), name="policy")
        states, cols = np.divmod(sol.cols, int(np.prod(ko)))
        actions = np.stack(np.unravel_index(cols, ko), axis=1).astype(np.int64)
        counts = None
        label = "joint" if method == "lp" else "joint_double_oracle"
    wc = coalition_worst_case(game, members, policy)
    return GuaranteeReport(
        value=wc.value,
        upper=sol.upper,
        per_state=wc.per_state,
        policy=policy,
        members=members,
        others=others,
        adversary_states=states.astype(np.int64),
        adversary_actions=actions,
        adversary_counts=counts,
        adversary_probs=sol.col_weights / sol.col_weights.sum(),
        method=label,
        iterations=sol.iterations,
        n_variables=n_var,
        n_constraints=n_con,
        **_theorem_fields(game, members, others),
    )


# ============================================================================= best response
def _count_values_against(
    game: SymmetricUnitSumGame, n1: int, opponents: CountDistribution
) -> np.ndarray:
    """``U[x, m_1] = Σ_{m_o} P_o(m_o) W_x(m_1, m_o)``, shape ``(S, |M1|)``."""
    support = np.flatnonzero(opponents.probs)
    n_m1 = n_compositions(n1, game.n_actions)
    out = np.zeros((game.n_states, n_m1))
    # W restricted to the opponents' support, in blocks of c_1's count vectors
    block = max(1, 2**22 // max(1, game.n_states * len(support)))
    for start in range(0, n_m1, block):
        rows = np.arange(start, min(n_m1, start + block))
        w = count_share_matrix(game, n1, rows=rows, columns=support)
        out[:, rows] = w @ opponents.probs[support]
    return out


@dataclass(frozen=True)
class BestResponse:
    """``c_1``'s best policy knowing the others' policies (robust to ``x``).

    Attributes:
        value: ``max_{π_1} min_x r_1(x, π_1, π_{-1})``.
        per_state: the best policy's ``r_1(x)``, shape ``(n_states,)``.
        policy: an optimal ``π_1`` (exchangeable in a symmetric game, a joint array policy otherwise).
    """

    value: float
    per_state: npt.NDArray[np.float64]
    policy: CoalitionPolicy


def coalition_best_response(game: Any, coalitions: Any, policies: Sequence[Any]) -> BestResponse:
    """The most ``c_1 = coalitions[0]`` can guarantee over ``x`` knowing the others' policies.

    ``max_{π_1} min_x r_1(x, π_1, π_2..π_m)`` — an LP over ``c_1``'s count distributions (symmetric
    games) or joint actions (dense games) with one constraint per state. By Theorem 2 it is at least
    ``(k−1)/k`` in a symmetric game; its gap to :func:`coalition_guarantee`'s ``G`` is what knowing
    ``π_{-1}`` buys against this opponent.

    Args:
        game: as in :func:`coalition_guarantee`.
        coalitions: a partition of the players; ``coalitions[0]`` is ``c_1``.
        policies: the other coalitions' policies, one per ``coalitions[1:]`` (joint arrays or
            :class:`CoalitionPolicy` objects).

    Returns:
        A :class:`BestResponse`.
    """
    sizes = action_sizes_of(game)
    n = len(sizes)
    parts = check_coalitions(coalitions, n)
    if isinstance(policies, np.ndarray) or not isinstance(policies, Sequence):
        raise TypeError("policies must be a list with one policy per other coalition")
    if len(policies) != len(parts) - 1:
        raise ValueError(
            f"policies must have one entry per other coalition ({len(parts) - 1}), got {len(policies)}"
        )
    members = parts[0]
    pols = [
        as_coalition_policy(p, tuple(sizes[i] for i in c), f"policies[{j}]")
        for j, (p, c) in enumerate(zip(policies, parts[1:]))
    ]
    if isinstance(game, SymmetricUnitSumGame):
        k = game.n_actions
        opp = pols[0].count_distribution()
        for p in pols[1:]:
            opp = convolve_counts(opp, p.count_distribution())
        u = _count_values_against(game, len(members), opp)  # (S, |M1|)
        lp = _maximin(u.T)
        policy: CoalitionPolicy = ExchangeablePolicy(CountDistribution(len(members), k, lp.weights))
    else:
        shares, _ = dense_shares(game)
        summed = shares[:, list(members)].sum(axis=1)
        operands: list[Any] = [summed, [0, *range(1, n + 1)]]
        for c, p in zip(parts[1:], pols):
            operands += [p.joint(), [1 + i for i in c]]
        u = np.einsum(*operands, [0, *(1 + i for i in members)])  # (S, k_{c_1}...)
        k1 = tuple(sizes[i] for i in members)
        lp = _maximin(u.reshape(len(u), -1).T)
        policy = JointPolicy(lp.weights.reshape(k1), name="policy")
    values = coalition_values(game, [list(c) for c in parts], [policy, *pols])[:, 0]
    return BestResponse(float(values.min()), values, policy)


__all__ = [
    "MAX_LP_ENTRIES",
    "BestResponse",
    "GuaranteeReport",
    "GuaranteeTooLarge",
    "coalition_best_response",
    "coalition_guarantee",
    "METHODS",
]
