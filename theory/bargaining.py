"""Bargaining (MATH.md §3): maxmin strategies and security levels, the threat point, surplus and the
Nash bargaining solution.

Games and profiles are as in :mod:`powergames.theory.alignment`. Every LP here sees the payoffs
mapped affinely onto ``[0, 1]`` (HiGHS' tolerances are absolute), so the results do not change when
payoffs are rescaled; values are mapped back.

This module holds both the maxmin machinery and the bargaining solvers (about 500 lines) because
the bargaining solution is defined from the threat point and falls back to the maxmin profile.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from powergames.games.checks import SUM_TOL, from_unit_interval, frozen, to_unit_interval
from powergames.games.normal_form import NormalFormGame
from powergames.theory.alignment import GameLike, as_normal_form, pareto_mask
from powergames.theory.equilibria import HIGHS_OPTIONS, highs_failure
from powergames.theory.game_cache import GameCache

FloatArray = npt.NDArray[np.float64]

#: Target suboptimality of the n-player Nash bargaining solver, in ``Σ_i log s_i`` (certified by the
#: duality gap, see :func:`nash_bargaining`).
BARGAINING_TOL = 1e-9

__all__ = [
    "BARGAINING_TOL",
    "BargainingSolution",
    "maxmin_is_unique",
    "maxmin_profile",
    "nash_bargaining",
    "security_levels",
    "surplus",
    "surplus_bound",
    "threat_point",
]

#: Maxmin strategies, values and uniqueness per game, kept while the game lives.
_MAXMIN_CACHE = GameCache()


def _maxmin_lp(u_i: FloatArray, player: int) -> tuple[FloatArray, float, bool]:
    """Player ``player``'s canonical maxmin mixed strategy and value for payoff tensor ``u_i``.

    The value is the LP (HiGHS) ``max_{σ, v} v`` s.t. ``v ≤ Σ_{a_i} σ(a_i) u_i(a_i, a_{−i})`` for every
    pure ``a_{−i}`` (against independent mixed opponents the minimum of this multilinear function is
    attained at a pure ``a_{−i}``, so this is also the value against mixed or correlated opponents).

    The maxmin strategies form a polytope (the optimal face), often more than a point (e.g. when a
    player is indifferent). The strategy returned is its **leximin** point — the smallest
    probability as large as possible, then the next smallest, and so on — which is unique and
    unchanged when actions are renamed or the player's payoffs are changed by a positive affine
    map, unlike the vertex an LP solver happens to return. It is found with at most ``k_i`` more
    LPs: each maximises the smallest free probability ``t`` and fixes at ``t`` the actions whose
    constraint ``σ(a) ≥ t`` has a positive dual value (by complementary slackness they equal ``t``
    at every optimum).

    Returns:
        ``(σ, v, unique)``: the strategy, shape ``(k_i,)``; the maxmin value; whether the optimal
        face is a single point (then ``σ`` is the only maxmin strategy).
    """
    from scipy.optimize import linprog  # imported on first use: scipy.optimize is slow to import

    m = np.moveaxis(u_i, player, 0).reshape(u_i.shape[player], -1)  # (k_i, Π_{j≠i} k_j)
    k = m.shape[0]
    # the LP sees payoffs mapped affinely onto [0, 1] (its tolerances are absolute), the maxmin
    # strategies do not change under that map, and the value is mapped back
    m, low, span = to_unit_interval(m)
    if span == 0.0:  # every strategy guarantees the same payoff: the leximin one is uniform
        return np.full(k, 1.0 / k), low, k == 1
    res = linprog(
        c=np.r_[np.zeros(k), -1.0],
        A_ub=np.hstack([-m.T, np.ones((m.shape[1], 1))]),
        b_ub=np.zeros(m.shape[1]),
        A_eq=np.r_[np.ones(k), 0.0][None],
        b_eq=[1.0],
        bounds=[(0.0, None)] * k + [(None, None)],
        method="highs",
        options=HIGHS_OPTIONS,
    )
    if res.status != 0:
        raise RuntimeError(highs_failure(f"player {player}'s maxmin LP", res, u_i.shape))
    value = float(-res.fun)
    vertex = np.clip(res.x[:k], 0.0, None)
    vertex /= vertex.sum()
    # the optimal face {σ ∈ Δ : σ · m[:, b] ≥ value for every b}, as rows of A_ub @ (σ, t)
    n_b = m.shape[1]
    face_ub = np.hstack([-m.T, np.zeros((n_b, 1))])
    face_b = np.full(n_b, -value)

    def solve(c: FloatArray, a_ub: FloatArray, b_ub: FloatArray, bounds: list) -> Any:
        return linprog(
            c=c,
            A_ub=a_ub,
            b_ub=b_ub,
            A_eq=np.r_[np.ones(k), 0.0][None],
            b_eq=[1.0],
            bounds=bounds,
            method="highs",
            options=HIGHS_OPTIONS,
        )

    # the face is a point iff a generic linear function has the same min and max on it
    direction = np.r_[np.random.default_rng(0).normal(size=k), 0.0]
    box = [(0.0, 1.0)] * k + [(0.0, 0.0)]
    lo, hi = solve(direction, face_ub, face_b, box), solve(-direction, face_ub, face_b, box)
    if lo.status != 0 or hi.status != 0:  # pragma: no cover - the face holds the LP optimum
        return vertex, from_unit_interval(value, low, span), False
    if -hi.fun - lo.fun <= 1e-9:
        return vertex, from_unit_interval(value, low, span), True
    sigma = np.zeros(k)
    free = np.ones(k, dtype=bool)
    while free.any():  # leximin: each round fixes at least one action
        f = np.flatnonzero(free)
        lex = solve(
            np.r_[np.zeros(k), -1.0],
            np.vstack([face_ub, np.hstack([-np.eye(k)[f], np.ones((len(f), 1))])]),
            np.r_[face_b, np.zeros(len(f))],
            [(0.0, 1.0) if free[a] else (sigma[a], sigma[a]) for a in range(k)] + [(0.0, 1.0)],
        )
        if lex.status != 0:  # pragma: no cover - the face is non-empty; rounding only
            return vertex, from_unit_interval(value, low, span), False
        duals = -lex.ineqlin.marginals[n_b:]  # ≥ 0, summing to one (the t column)
        tight = f[duals >= duals.max() * 1e-6]  # at least the largest, which is positive
        sigma[tight] = lex.x[k]
        free[tight] = False
    sigma = np.clip(sigma, 0.0, None)
    return sigma / sigma.sum(), from_unit_interval(value, low, span), False


MaxminResult = tuple[tuple[FloatArray, ...], FloatArray, tuple[bool, ...]]


def _maxmin(game: GameLike) -> MaxminResult:
    """Maxmin strategies, values and uniqueness of every player, cached per game object."""
    return _MAXMIN_CACHE.get(game, "maxmin", lambda: _compute_maxmin(as_normal_form(game)))


def _compute_maxmin(g: NormalFormGame) -> MaxminResult:
    sigmas, values, unique = [], [], []
    for i in range(g.n_players):
        s, v, u = _maxmin_lp(g.payoffs[i], i)
        s = frozen(s)
        sigmas.append(s)
        values.append(v)
        unique.append(u)
    vals = np.array(values)
    vals = frozen(vals)
    return tuple(sigmas), vals, tuple(unique)


def maxmin_profile(game: GameLike) -> list[FloatArray]:
    """The maxmin profile ``a⁰``: each player's maxmin mixed strategy (MATH.md §3), by HiGHS LP.

    Player ``i``'s strategy maximises ``min_{a_{−i}} E[u_i]``. When a player has several maxmin
    strategies (:func:`maxmin_is_unique` says so), ``a⁰`` uses the leximin one — the most even
    spread of probability over the optimal set — which is unique and does not depend on how the
    actions are numbered (for example, a player indifferent between all its actions mixes
    uniformly). :func:`security_levels` does not depend on the choice; ``u(a⁰)`` does.

    Implements MATH.md (3.5).

    Returns:
        A profile: one ``(k_i,)`` array per player.

    Example:
        >>> from powergames.games import matching_pennies
        >>> [s.tolist() for s in maxmin_profile(matching_pennies())]
        [[0.5, 0.5], [0.5, 0.5]]
    """
    sigmas, _, _ = _maxmin(game)
    return [s.copy() for s in sigmas]


def maxmin_is_unique(game: GameLike) -> npt.NDArray[np.bool_]:
    """Whether each player has exactly one maxmin strategy, shape ``(n,)``.

    Implements MATH.md (3.5).
    """
    return np.array(_maxmin(game)[2])


def security_levels(game: GameLike) -> FloatArray:
    """Each player's maxmin value ``v_i = max_{σ_i} min_{a_{−i}} u_i(σ_i, a_{−i})``, shape ``(n,)``.

    Implements MATH.md (3.5).

    Example:
        >>> from powergames.games import matching_pennies
        >>> security_levels(matching_pennies()).round(9).tolist()
        [0.0, 0.0]
    """
    _, values, _ = _maxmin(game)
    return values.copy()


def threat_point(game: GameLike) -> FloatArray:
    """``u(a⁰)``: the expected payoffs when every player plays its maxmin strategy, shape ``(n,)``.

    ``u_i(a⁰) ≥ v_i`` (player ``i``'s maxmin strategy guarantees ``v_i`` against anything), with
    equality in two-player zero-sum games.

    Implements MATH.md (3.6).
    """
    g = as_normal_form(game)
    return g.expected_payoffs(maxmin_profile(g))


def _disagreement(g: NormalFormGame, threat: str) -> FloatArray:
    if threat == "profile":
        return threat_point(g)
    if threat == "value":
        return security_levels(g)
    raise ValueError(f"threat must be 'profile' (u(a0)) or 'value' (maxmin values), got {threat!r}")


def surplus(game: GameLike, profile: Any, threat: str = "profile") -> FloatArray:
    """Surplus ``s_i(σ) = E_σ[u_i] − u_i(a⁰)`` (MATH.md §3), shape ``(n,)``.

    Implements MATH.md (3.6).

    Args:
        game: see :func:`as_normal_form`.
        profile: an independent or joint profile.
        threat: ``"profile"`` (MATH.md: relative to ``u_i(a⁰)``, the payoff at the maxmin profile) or
            ``"value"`` (relative to the security level ``v_i``). A player best-responding to
            ``a⁰_{−i}`` has ``s_i ≥ 0``; a player best-responding to *any* opponents has a
            non-negative surplus relative to ``v_i`` (its maxmin strategy guarantees ``v_i``).
    """
    g = as_normal_form(game)
    return g.expected_payoffs(profile) - _disagreement(g, threat)


def surplus_bound(game: GameLike, threat: str = "profile") -> float:
    """``max_a Σ_i u_i(a) − Σ_i d_i`` with ``d = u(a⁰)`` (or ``v``): an upper bound on ``Σ_i s_i``.

    It follows from the coordination inequality and is at most ``Σ_i max_a u_i(a) − Σ_i d_i``.

    Implements MATH.md (3.7).
    """
    g = as_normal_form(game)
    return float(g.welfare.max() - _disagreement(g, threat).sum())


# ---------------------------------------------------------------------------- Nash bargaining


@dataclass(frozen=True)
class BargainingSolution:
    """The Nash bargaining solution over the feasible set ``conv{u(a)}`` with threat point ``d``.

    Attributes:
        payoffs: the solution's payoff vector ``x``, shape ``(n,)``.
        surplus: ``x − d``, shape ``(n,)``.
        product: ``Π_i (x_i − d_i)``.
        threat_point: ``d``.
        distribution: a correlated profile achieving ``x``: a joint distribution of shape
            ``(k_0, …, k_{n-1})``.
        positive_surplus_possible: whether some feasible payoff gives every player a positive
            surplus. When not, the bargaining problem is degenerate: ``payoffs`` is then the threat
            point itself and ``product`` is 0.
        exact: the two-player closed form was used.
        gap: a certified bound on the suboptimality in ``Σ_i log s_i`` (the duality gap
            ``max_a Σ_i (u_i(a) − d_i)/s_i − n``); 0 up to rounding for the exact solver.
        message: a one-line explanation.
    """

    payoffs: FloatArray
    surplus: FloatArray
    product: float
    threat_point: FloatArray
    distribution: FloatArray = field(repr=False)
    positive_surplus_possible: bool
    exact: bool
    gap: float
    message: str

    def as_dict(self) -> dict[str, Any]:
        """Plain Python values (for JSON); the distribution is left out."""
        return {
            "payoffs": self.payoffs.tolist(),
            "surplus": self.surplus.tolist(),
            "product": self.product,
            "threat_point": self.threat_point.tolist(),
            "positive_surplus_possible": self.positive_surplus_possible,
            "exact": self.exact,
            "gap": self.gap,
            "message": self.message,
        }


def _segment_best(p: FloatArray, q: FloatArray) -> tuple[float, float]:
    """Maximise ``(p_1 + t δ_1)(p_2 + t δ_2)`` over ``t ∈ [0, 1]`` with both factors ``≥ 0``.

    Returns ``(t, value)``, value ``-inf`` if no such ``t``.
    """
    d = q - p
    lo, hi = 0.0, 1.0
    for j in range(2):
        if d[j] > 0:
            lo = max(lo, -p[j] / d[j])
        elif d[j] < 0:
            hi = min(hi, -p[j] / d[j])
        elif p[j] < 0:
            return 0.0, -math.inf
    if lo > hi:
        return 0.0, -math.inf
    a2 = d[0] * d[1]
    a1 = p[0] * d[1] + p[1] * d[0]
    candidates = [lo, hi]
    if a2 < 0:
        candidates.append(min(hi, max(lo, -a1 / (2 * a2))))
    best_t, best = lo, -math.inf
    for t in candidates:
        val = (p[0] + t * d[0]) * (p[1] + t * d[1])
        if val > best:
            best_t, best = t, val
    return best_t, best


def _bargain_two(pts: FloatArray) -> tuple[FloatArray, float]:
    """Exact two-player solution over ``conv(pts)`` (surplus coordinates). Returns weights and value."""
    # Pareto-efficient points, sorted by s_1 ascending (s_2 descending)
    order = np.lexsort((-pts[:, 1], -pts[:, 0]))  # s_1 desc, then s_2 desc
    chain: list[int] = []
    best2 = -math.inf
    for idx in order:
        if pts[idx, 1] > best2:
            chain.append(int(idx))
            best2 = pts[idx, 1]
    chain.reverse()
    # upper concave hull of the Pareto points: the Pareto frontier of the convex hull
    hull: list[int] = []
    for idx in chain:
        while len(hull) >= 2:
            o, a, b = pts[hull[-2]], pts[hull[-1]], pts[idx]
            cross = (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])
            if cross >= 0:
                hull.pop()
            else:
                break
        hull.append(idx)
    weights = np.zeros(len(pts))
    best_val, best_w = -math.inf, None
    for idx in hull:
        p = pts[idx]
        if p[0] >= 0 and p[1] >= 0 and p[0] * p[1] > best_val:
            best_val = p[0] * p[1]
            best_w = {idx: 1.0}
    for a, b in itertools.pairwise(hull):
        t, val = _segment_best(pts[a], pts[b])
        if val > best_val:
            best_val, best_w = val, {a: 1.0 - t, b: t}
    assert best_w is not None  # the threat point is feasible, so some s >= 0 exists
    for idx, w in best_w.items():
        weights[idx] = w
    return weights, best_val


def _bargain_n(pts: FloatArray) -> FloatArray:
    """Maximise ``Σ_i log (pts.T q)_i`` over the simplex by a barrier method on the dual.

    The dual of the problem is ``max Σ_i log λ_i`` s.t. ``pts λ ≤ n``, ``λ ≥ 0`` (``n`` variables, one
    constraint per point; at the optimum ``s_i = 1 / λ_i``). It is solved by Newton's method on
    ``Σ_i log λ_i + μ Σ_j log(n − (pts λ)_j)`` for ``μ`` decreasing to ``1e-14``; the KKT conditions of
    each barrier problem give a primal point ``q_j ∝ μ / (n − (pts λ)_j)`` with ``s = pts.T q > 0``.
    Requires that some ``q`` gives every coordinate a positive value.
    """
    m, n = pts.shape
    row = pts.sum(axis=1)
    lam = np.full(n, n / (2.0 * row.max()) if row.max() > 0 else 1.0)

    def phi(x: FloatArray, mu: float) -> float:
        slack = n - pts @ x
        if np.any(x <= 0) or np.any(slack <= 0):
            return -math.inf
        return float(np.log(x).sum() + mu * np.log(slack).sum())

    def gap_of(q: FloatArray) -> float:
        s = pts.T @ q
        return math.inf if np.any(s <= 0) else float((pts @ (1.0 / s)).max()) - n

    best_q, best_gap = None, math.inf
    mu = 1.0
    while mu >= 1e-14:
        for _ in range(100):
            slack = n - pts @ lam
            grad = 1.0 / lam - mu * (pts.T @ (1.0 / slack))
            weighted = pts * (1.0 / slack)[:, None]
            hess = -np.diag(1.0 / lam**2) - mu * (weighted.T @ weighted)
            try:
                step = np.linalg.solve(hess, -grad)
            except np.linalg.LinAlgError:
                break
            if not np.all(np.isfinite(step)):
                break
            decrement = float(grad @ step)
            if decrement < 1e-14:
                break
            t, f0 = 1.0, phi(lam, mu)
            while t > 1e-12 and phi(lam + t * step, mu) < f0 + 0.25 * t * decrement:
                t *= 0.5
            if t <= 1e-12:
                break
            lam = lam + t * step
        # primal point from the barrier's KKT conditions (loses digits as mu -> 0)
        w = mu / (n - pts @ lam)
        candidates = [w / w.sum()]
        # polish: at the optimum s = 1/lam, carried by the points whose dual constraint is active
        slack = n - pts @ lam
        active = np.flatnonzero(slack <= max(1e3 * mu, 1e-9) * n)
        if 0 < len(active):
            from scipy.optimize import nnls

            rho = 10.0 * float(np.abs(pts).max() + 1.0 / lam.min())
            a = np.vstack([pts[active].T, np.full((1, len(active)), rho)])
            b = np.r_[1.0 / lam, rho]
            qa, _ = nnls(a, b)
            if qa.sum() > 0:
                q = np.zeros(m)
                q[active] = qa / qa.sum()
                candidates.append(q)
        for q in candidates:
            gq = gap_of(q)
            if gq < best_gap:
                best_q, best_gap = q, gq
        if best_gap <= BARGAINING_TOL / 10:
            break
        mu *= 0.1
    assert best_q is not None
    return best_q


def nash_bargaining(
    game: GameLike, threat: str = "profile", method: str = "auto"
) -> BargainingSolution:
    """The Nash bargaining solution: maximise ``Π_i s_i`` over correlated payoffs with ``s ≥ 0``.

    The feasible set is the convex hull of the pure payoff vectors ``u(a)`` (mixed and correlated
    outcomes); the threat point ``d`` is ``u(a⁰)`` (``threat="profile"``, MATH.md §3) or the
    security levels (``threat="value"``). Maximising ``Σ_i log s_i`` is a concave program in the
    distribution ``q`` over pure profiles. Dominated payoff vectors are dropped first and each
    player's surplus is divided by its largest feasible value, so the solution is invariant under
    positive affine changes of any ``u_i`` (the threat point moves with them).

    - Two players: exact. The optimum lies on the Pareto frontier of the hull, a concave chain of
      segments; on each segment the product is a quadratic in the mixing weight, maximised in
      closed form.
    - ``n`` players: a barrier (interior-point) method on the ``n``-variable dual problem (see
      ``_bargain_n``), with the result certified by the duality gap ``g = max_a Σ_i (u_i(a) − d_i)/s_i − n`` (concavity
      of ``Σ log`` gives ``max Σ log s − Σ log s(q) ≤ g``); the target is
      ``g ≤`` :data:`BARGAINING_TOL`, and ``gap`` reports the value reached.

    When no feasible payoff gives every player a positive surplus (decided by an LP: maximise the
    smallest scaled surplus), ``positive_surplus_possible`` is false and the payoffs of the maxmin
    profile are returned (``product = 0`` with ``threat="profile"``).

    Implements MATH.md (3.8) and (3.9).

    Args:
        game: see :func:`as_normal_form`.
        threat: ``"profile"`` or ``"value"``, as in :func:`surplus`.
        method: ``"auto"`` (exact for two players, interior-point otherwise), ``"exact"`` (two
            players only) or ``"interior"`` (any number of players).

    Example:
        >>> from powergames.games import battle_of_the_sexes
        >>> nash_bargaining(battle_of_the_sexes()).payoffs.round(9).tolist()
        [2.5, 2.5]
    """
    if method not in ("auto", "exact", "interior"):
        raise ValueError(f"method must be 'auto', 'exact' or 'interior', got {method!r}")
    g = as_normal_form(game)
    n = g.n_players
    if method == "exact" and n != 2:
        raise ValueError(f"method='exact' needs two players, this game has {n}")
    if threat not in ("profile", "value"):
        _disagreement(g, threat)  # raises with the message
    # the solution is invariant under a positive affine map of each player's payoffs (MATH.md
    # (3.9)): solve with every player's payoffs mapped onto [0, 1], then map back
    maps = [to_unit_interval(g.payoffs[i]) for i in range(n)]
    unit = NormalFormGame(np.stack([m[0] for m in maps]))
    half_span = np.array([m[2] for m in maps])
    sol = _nash_bargaining_unit(unit, threat, method)

    # back in the game's units: the threat point and the payoffs of the (invariant) maxmin profile
    # and distribution, computed on the original payoffs
    d = _disagreement(g, threat)
    payoffs = g.expected_payoffs(sol.distribution)
    with np.errstate(over="ignore", invalid="ignore"):
        surplus_vec = payoffs - d
    if not np.all(np.isfinite(surplus_vec)):  # beyond float64 as a difference: from the unit scale
        surplus_vec = sol.surplus * half_span * 2
    with np.errstate(over="ignore"):
        product = float(np.prod(surplus_vec))
    return BargainingSolution(
        payoffs=payoffs,
        surplus=surplus_vec,
        product=max(0.0, product) if not sol.positive_surplus_possible else product,
        threat_point=d,
        distribution=sol.distribution,
        positive_surplus_possible=sol.positive_surplus_possible,
        exact=sol.exact,
        gap=sol.gap,
        message=sol.message,
    )


def _nash_bargaining_unit(g: NormalFormGame, threat: str, method: str) -> BargainingSolution:
    """:func:`nash_bargaining` on a game whose players' payoffs span ``[0, 1]`` (or are constant)."""
    n = g.n_players
    d = _disagreement(g, threat)
    flat = g.payoffs.reshape(n, -1).T  # (K, n)
    tol = g.scale_tol
    # one representative pure profile per distinct payoff vector, dominated vectors removed
    pts, rep = np.unique(flat, axis=0, return_index=True)
    efficient = pareto_mask(pts)
    pts, rep = pts[efficient], rep[efficient]
    s_pts = pts - d
    span = s_pts.max(axis=0)
    positive = bool(np.all(span > tol))
    if positive:
        # LP: maximise t with (s_pts.T q)_i / span_i >= t, q in the simplex
        from scipy.optimize import linprog

        scaled = s_pts / span
        m = len(pts)
        res = linprog(
            c=np.r_[np.zeros(m), -1.0],
            A_ub=np.hstack([-scaled.T, np.ones((n, 1))]),
            b_ub=np.zeros(n),
            A_eq=np.r_[np.ones(m), 0.0][None],
            b_eq=[1.0],
            bounds=[(0.0, None)] * m + [(None, None)],
            method="highs",
        )
        if res.status != 0:
            raise RuntimeError(highs_failure("the positive-surplus LP", res, g.payoffs.shape))
        positive = float(-res.fun) > SUM_TOL
    joint = np.zeros(g.n_actions)
    if not positive:
        at_threat = g.expected_payoffs(maxmin_profile(g))
        return BargainingSolution(
            payoffs=at_threat,
            surplus=at_threat - d,
            product=max(0.0, float(np.prod(at_threat - d))),
            threat_point=d,
            distribution=_product(maxmin_profile(g)),
            positive_surplus_possible=False,
            exact=n <= 2 and method != "interior",
            gap=0.0,
            message="no feasible payoff gives every player a positive surplus over the threat "
            "point; the maxmin profile is returned",
        )
    scaled = s_pts / span
    if n == 1:
        q = np.zeros(len(pts))
        q[int(np.argmax(scaled[:, 0]))] = 1.0
        exact = True
    elif n == 2 and method != "interior":
        q, _ = _bargain_two(scaled)
        exact = True
    else:
        q = _bargain_n(scaled)
        exact = False
    s_scaled = scaled.T @ q
    gap = float((scaled @ (1.0 / s_scaled)).max()) - n
    payoffs = pts.T @ q
    surplus_vec = payoffs - d
    np.put(joint, rep, q)
    return BargainingSolution(
        payoffs=payoffs,
        surplus=surplus_vec,
        product=float(np.prod(surplus_vec)),
        threat_point=d,
        distribution=joint,
        positive_surplus_possible=True,
        exact=exact,
        gap=max(gap, 0.0),
        message=(
            "exact (two-player Pareto frontier, closed form per segment)"
            if exact
            else f"interior-point on the dual; certified suboptimality in sum(log s) <= {max(gap, 0.0):.2e}"
        ),
    )


def _product(profile: list[FloatArray]) -> FloatArray:
    w = profile[0]
    for s in profile[1:]:
        w = np.multiply.outer(w, s)
    return np.asarray(w, dtype=np.float64)
