"""Equilibrium solvers: exact LPs for constant-sum games, well-kept libraries for the rest.

* :func:`solve_zero_sum` — two-player constant-sum games, normal-form or Bayesian, solved exactly with
  HiGHS (``scipy.optimize.linprog``). For a Bayesian game the LP is over *per-type* (behaviour)
  strategies, polynomial in the input, never over the exponential set of type→action maps:
  with ``Ω`` the prior and ``R(t, a, b)`` the maximiser's rewards,

      max Σ_s v_s  s.t.  z_{t,b} = Σ_a R(t, a, b) x_{t,a},   v_s ≤ Σ_t Ω(t, s) z_{t,b}  ∀ s, b,
                         Σ_a x_{t,a} = 1,  x ≥ 0,

  where ``x_t = σ_0(t)``, ``z`` and ``v`` are free. For fixed ``x``, the opponent's ex-ante best
  reply decomposes over its types ``s``, and ``v_s = min_b Σ_t Ω(t, s) z_{t,b}`` is its type-``s``
  term; because the game is constant-sum on the prior's support, maximising ``Σ_s v_s`` is
  maximising player 0's ex-ante payoff against a best-responding opponent, and the ex-ante saddle
  point is a Bayesian Nash equilibrium (an ex-ante best reply is an interim best reply for every
  type of positive probability). The auxiliary ``z`` keeps the constraint matrix sparse: its
  non-zeros are the reward array plus the prior, never the joint type × action tensor. One LP
  gives both players: the opponent's per-type strategy is the multipliers of the constraints on
  ``v_s``; the result is cleaned (clipped, renormalised). By
  default the LP is split over the connected components of the prior's support, where it reduces
  to one matrix game per component (see :func:`solve_zero_sum`). Types of probability 0 play a best reply under the marginal-belief convention of
  :mod:`powergames.theory.bayesian_power`.
* :func:`solve_nash` — general-sum games. Two players: QuantEcon's ``lemke_howson`` (imported
  lazily: it compiles with numba on first use, then caches). More players: pygambit (``gnm`` or
  ``logit``), an optional extra (``pip install powergames[gambit]``; no wheel for every Python,
  so :func:`gambit_available` says whether it can be used). A Bayesian game is solved through its
  induced normal form (pure strategies = type→action maps of the types of positive probability;
  refused above ``max_entries``) and the mixed equilibrium is mapped back to per-type behaviour
  (Kuhn: ``σ_i(t_i, a) = P(m(t_i) = a)``). Two-player constant-sum games go to the LP.

Longer than ~500 lines: the zero-sum LPs (matrix, Bayesian, one LP with the opponent from the
duals) and the Lemke–Howson path share the scaling, cleaning and certification helpers.
"""

from __future__ import annotations

import importlib.util
import itertools
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from powergames.games.base import Game, check_game
from powergames.games.bayesian import BayesianGame, as_bayesian
from powergames.games.checks import (
    as_float_array,
    check_positive_int,
    from_unit_interval,
    to_unit_interval,
)
from powergames.theory.bayesian_power import best_response
from powergames.theory.game_cache import GameCache
from powergames.theory.interim_contraction import bayesian_view

FloatArray = npt.NDArray[np.float64]

#: Facts about a game (its constant sum) computed once per game object; games are immutable.
_FACTS = GameCache()

#: Largest induced normal form (entries per player) :func:`solve_nash` builds for a Bayesian game.
MAX_INDUCED_ENTRIES = 1_000_000

#: HiGHS tolerances for the exact LPs (the defaults, 1e-7, are too loose for 1e-9 checks).
HIGHS_OPTIONS = {
    "primal_feasibility_tolerance": 1e-10,
    "dual_feasibility_tolerance": 1e-10,
}


def gambit_available() -> bool:
    """Whether the optional ``pygambit`` package can be imported (n-player general-sum solver)."""
    return importlib.util.find_spec("pygambit") is not None


def _constant_sum(game: BayesianGame) -> float | None:
    """``game.constant_sum_value()``, computed once per game object."""
    return _FACTS.get(game, "constant_sum", game.constant_sum_value)


def _clean(x: FloatArray) -> FloatArray:
    """Clip LP round-off below 0 and renormalise each row to a distribution."""
    x = np.maximum(x, 0.0)
    return x / x.sum(axis=-1, keepdims=True)


def _finish(game: BayesianGame, profile: list[FloatArray], squeeze: bool) -> list[FloatArray]:
    """Zero-probability types play a best reply (marginal belief); drop the type axis if asked."""
    for i in range(game.n_players):
        zero = ~game.type_support[i]
        if zero.any():
            profile[i][zero] = best_response(game, i, profile)[zero]
    return [p[0].copy() for p in profile] if squeeze else profile


# ---------------------------------------------------------------------- zero-sum LP
def _maxmin_strategy(
    prior: FloatArray, rewards: FloatArray, method: Literal["auto", "simplex", "ipm"] = "auto"
) -> tuple[FloatArray, float, FloatArray]:
    """Both players' optimal per-type strategies in a two-player constant-sum Bayesian game, one LP.

    The LP of the module docstring is solved for "me"; the multipliers ``μ_{s,b} ≥ 0`` of its
    constraints ``v_s ≤ Σ_t Ω(t, s) z_{t,b}`` are the opponent's strategy: stationarity in the free
    ``v_s`` gives ``Σ_b μ_{s,b} = 1``, and the dual ``min Σ_t w_t  s.t.  w_t ≥ Σ_s Ω(t, s)
    Σ_b R(t, a, b) μ_{s,b}`` minimises my ex-ante best-reply payoff over the opponent's per-type
    strategies ``y_s = μ_{s,·}`` — its optimal (minmax) strategy (MATH.md (2.9)). Rows of opponent
    types of probability 0 are some distribution (the caller replaces them).

    Args:
        prior: ``(T, S)`` joint prior over (my type, opponent type).
        rewards: ``(T, k, l)`` my rewards ``R(t, a, b)``.
        method: ``"simplex"`` (HiGHS dual simplex), ``"ipm"`` (interior point with crossover) or
            ``"auto"`` (interior point from :data:`IPM_MIN_ENTRIES` reward entries).

    Returns:
        ``x`` of shape ``(T, k)``, the LP value ``Σ_s v_s`` (my ex-ante guaranteed payoff) and the
        opponent's ``y`` of shape ``(S, l)``.
    """
    from scipy.optimize import linprog  # imported on first use (slow)

    n_t, k, n_l = rewards.shape
    n_s = prior.shape[1]
    # HiGHS' tolerances are absolute: the LP sees the rewards mapped onto [0, 1] (the optimal
    # strategies do not change under a positive affine map, MATH.md (2.10)); the value is mapped back
    rewards, low, span = to_unit_interval(rewards)
    if span == 0.0:  # every strategy guarantees the same: the uniform one
        return np.full((n_t, k), 1.0 / k), low, np.full((n_s, n_l), 1.0 / n_l)
    ipm = method == "ipm" or (method == "auto" and rewards.size >= IPM_MIN_ENTRIES)
    res = linprog(
        **zero_sum_lp(prior, rewards),
        method="highs-ipm" if ipm else "highs-ds",
        options=HIGHS_OPTIONS,
    )
    if res.status != 0:
        raise RuntimeError(highs_failure("the zero-sum LP", res, (n_t, k, n_l)))
    y = _clean(-np.asarray(res.ineqlin.marginals).reshape(n_s, n_l))
    return (
        _clean(res.x[: n_t * k].reshape(n_t, k)),
        from_unit_interval(float(-res.fun), low, span),
        y,
    )


def zero_sum_lp(prior: FloatArray, rewards: FloatArray) -> dict[str, Any]:
    """The per-type LP of the module docstring as ``scipy.optimize.linprog`` arguments.

    Variables ``[x (T·k), z (T·l), v (S)]``; sparse constraint matrices whose non-zeros are the
    reward array, the prior and the simplex rows.

    Args:
        prior: ``(T, S)`` joint prior over (my type, opponent type).
        rewards: ``(T, k, l)`` my rewards ``R(t, a, b)`` (already on the scale the LP should see).

    Returns:
        ``c``, ``A_ub``, ``b_ub``, ``A_eq``, ``b_eq`` and ``bounds`` (an ``(nvar, 2)`` array).
    """
    from scipy import sparse

    n_t, k, n_l = rewards.shape
    n_s = prior.shape[1]
    nx, nz = n_t * k, n_t * n_l
    nvar = nx + nz + n_s
    # equalities: z_{t,b} - Σ_a R[t,a,b] x_{t,a} = 0  (rows t*l + b)
    t_idx, a_idx, b_idx = np.meshgrid(np.arange(n_t), np.arange(k), np.arange(n_l), indexing="ij")
    rows_r = (t_idx * n_l + b_idx).ravel()
    cols_r = (t_idx * k + a_idx).ravel()
    vals_r = -rewards.ravel()
    rows_z = np.arange(nz)
    cols_z = nx + np.arange(nz)
    # equalities: Σ_a x_{t,a} = 1  (rows nz + t)
    rows_x = nz + np.repeat(np.arange(n_t), k)
    cols_x = np.arange(nx)
    a_eq = sparse.coo_matrix(
        (
            np.concatenate([vals_r, np.ones(nz), np.ones(nx)]),
            (np.concatenate([rows_r, rows_z, rows_x]), np.concatenate([cols_r, cols_z, cols_x])),
        ),
        shape=(nz + n_t, nvar),
    ).tocsr()
    b_eq = np.concatenate([np.zeros(nz), np.ones(n_t)])
    # inequalities: v_s - Σ_t Ω(t,s) z_{t,b} <= 0  (rows s*l + b)
    t_i, s_i = np.nonzero(prior)
    w = prior[t_i, s_i]
    b_all = np.arange(n_l)
    rows_p = (s_i[:, None] * n_l + b_all[None, :]).ravel()
    cols_p = (nx + t_i[:, None] * n_l + b_all[None, :]).ravel()
    vals_p = -np.repeat(w, n_l)
    rows_v = np.arange(n_s * n_l)
    cols_v = nx + nz + np.repeat(np.arange(n_s), n_l)
    a_ub = sparse.coo_matrix(
        (
            np.concatenate([vals_p, np.ones(n_s * n_l)]),
            (np.concatenate([rows_p, rows_v]), np.concatenate([cols_p, cols_v])),
        ),
        shape=(n_s * n_l, nvar),
    ).tocsr()
    c = np.zeros(nvar)
    c[nx + nz :] = -1.0
    bounds = np.full((nvar, 2), [-np.inf, np.inf])
    bounds[:nx, 0] = 0.0
    return {
        "c": c,
        "A_ub": a_ub,
        "b_ub": np.zeros(n_s * n_l),
        "A_eq": a_eq,
        "b_eq": b_eq,
        "bounds": bounds,
    }


def highs_failure(what: str, res: Any, shape: tuple[int, ...]) -> str:
    """A one-line explanation of a HiGHS failure (the LP was bounded and feasible by construction)."""
    return (
        f"HiGHS could not solve {what} (status {res.status}: {res.message}) for rewards of shape "
        f"{shape} mapped onto [0, 1]; this is a solver failure, not a property of the game — "
        "please report it with the game file (powergames.games.save_game)"
    )


def _components(prior: FloatArray) -> list[tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]]:
    """Connected components of the support graph (types joined when ``Ω(t_0, t_1) > 0``).

    Returns:
        ``(types_0, types_1)`` index arrays per component with at least one support edge.
    """
    from scipy import sparse
    from scipy.sparse.csgraph import connected_components

    n0, n1 = prior.shape
    t0, t1 = np.nonzero(prior)
    graph = sparse.coo_matrix((np.ones(len(t0)), (t0, n0 + t1)), shape=(n0 + n1, n0 + n1))
    _, label = connected_components(graph, directed=False)
    out = []
    for comp in np.unique(label[t0]):
        out.append((np.flatnonzero(label[:n0] == comp), np.flatnonzero(label[n0:] == comp)))
    return out


def solve_zero_sum(game: Game, decompose: bool = True) -> list[FloatArray]:
    """A Bayesian Nash equilibrium of a two-player constant-sum game, by linear programming.

    Implements MATH.md (2.9).

    Args:
        game: a two-player ``BayesianGame`` that is constant-sum on the support of its prior, or a
            two-player constant-sum ``NormalFormGame`` / ``UnitSumGame``.
        decompose: solve one small LP per connected component of the prior's support graph
            (default) instead of the single per-type LP of the module docstring (one LP for both
            players: the opponent's strategy comes from its duals, see :func:`_maxmin_strategy`). Exact: in a
            two-player game that is constant-sum on the support, ``r_0(t_0, ·) = c − r_1(t_1, ·)`` on
            every support edge, so all types of one player in a component share one reward matrix
            and the component's matrix game, played by every type in it, is an equilibrium.

    Returns:
        The profile: ``[σ_0, σ_1]`` with shapes ``(T_i, k_i)`` (``(k_i,)`` for a normal-form game).
        Each player's strategy is a maxmin (optimal) strategy, so the pair is an equilibrium; at it
        ``Σ_i POWER_i = c`` (MATH.md §2).

    Raises:
        ValueError: if the game does not have two players or is not constant-sum.

    Example:
        >>> from powergames.games import matching_pennies
        >>> [s.round(6).tolist() for s in solve_zero_sum(matching_pennies())]
        [[0.5, 0.5], [0.5, 0.5]]
    """
    squeeze = not check_game("game", game).per_type
    bgame = bayesian_view(game)
    if bgame.n_players != 2:
        raise ValueError(f"solve_zero_sum needs a two-player game, got {bgame.n_players} players")
    if _constant_sum(bgame) is None:
        raise ValueError(
            "solve_zero_sum needs a constant-sum game (Σ_i r_i(t_i, a) = c on the prior's "
            "support); use solve_nash for general-sum games"
        )
    r0 = bgame.rewards[0]
    if not decompose:
        x, _, y = _maxmin_strategy(bgame.prior, r0)
        return _finish(bgame, [x, y], squeeze)
    if bgame.n_types == (1, 1):  # one type each: the game is one matrix game
        x, y = matrix_game(r0[0])[:2]
        return _finish(bgame, [x[None], y[None]], squeeze)
    x = np.full((bgame.n_types[0], bgame.n_actions[0]), 1.0 / bgame.n_actions[0])
    y = np.full((bgame.n_types[1], bgame.n_actions[1]), 1.0 / bgame.n_actions[1])
    for types0, types1 in _components(bgame.prior):
        x[types0], y[types1] = matrix_game(r0[types0[0]])[:2]
    return _finish(bgame, [x, y], squeeze)


#: From this many entries ``k · l`` a matrix game is solved by HiGHS' interior point method (with
#: crossover, so the duals are a vertex); below, by its dual simplex (see benchmarks/zero_sum_lp.py).
IPM_MIN_ENTRIES = 250_000


def matrix_game(
    payoffs: FloatArray, method: Literal["auto", "simplex", "ipm"] = "auto"
) -> tuple[FloatArray, FloatArray, float]:
    """Both optimal strategies and the value of a two-player zero-sum matrix game, one LP, MATH.md (2.9).

    The row player's LP ``max v  s.t.  Σ_a x_a A[a, b] ≥ v  for every b,  x ∈ Δ`` is solved once
    (on ``A`` mapped onto ``[0, 1]``, MATH.md (2.10)); by LP duality the multipliers of its ``l``
    constraints are an optimal strategy of the column player (the minimiser of ``A``), so no second
    LP is needed.

    Args:
        payoffs: ``A``, shape ``(k, l)``: the row player's payoffs (the column player gets ``c − A``).
        method: ``"simplex"`` (HiGHS dual simplex), ``"ipm"`` (interior point with crossover) or
            ``"auto"`` (interior point from :data:`IPM_MIN_ENTRIES` entries).

    Returns:
        ``(x, y, v)``: shapes ``(k,)`` and ``(l,)``, and the value ``x · A · y``.

    Raises:
        RuntimeError: HiGHS failed (the message names the status).

    Example:
        >>> x, y, v = matrix_game(np.array([[1.0, -1.0], [-1.0, 1.0]]))
        >>> x.tolist(), y.tolist(), v
        ([0.5, 0.5], [0.5, 0.5], 0.0)
    """
    from scipy.optimize import linprog

    a = as_float_array("payoffs", payoffs, ndim=2)
    k, n_l = a.shape
    if method not in ("auto", "simplex", "ipm"):
        raise ValueError(f"method must be 'auto', 'simplex' or 'ipm', got {method!r}")
    scaled, low, half_span = to_unit_interval(a)
    if half_span == 0.0:  # every strategy is optimal: the uniform ones
        return np.full(k, 1.0 / k), np.full(n_l, 1.0 / n_l), low
    ipm = method == "ipm" or (method == "auto" and k * n_l >= IPM_MIN_ENTRIES)
    res = linprog(
        c=np.r_[np.zeros(k), -1.0],
        A_ub=np.hstack([-scaled.T, np.ones((n_l, 1))]),
        b_ub=np.zeros(n_l),
        A_eq=np.r_[np.ones(k), 0.0][None],
        b_eq=[1.0],
        bounds=[(0.0, None)] * k + [(None, None)],
        method="highs-ipm" if ipm else "highs-ds",
        options=HIGHS_OPTIONS,
    )
    if res.status != 0:
        raise RuntimeError(highs_failure("the matrix-game LP", res, a.shape))
    x = _clean(res.x[:k])
    y = _clean(-np.asarray(res.ineqlin.marginals))
    return x, y, from_unit_interval(float(-res.fun), low, half_span)


# ---------------------------------------------------------------------- induced normal form
def induced_normal_form(
    game: Game, max_entries: int = MAX_INDUCED_ENTRIES
) -> tuple[FloatArray, list[npt.NDArray[np.intp]]]:
    """The ex-ante normal form of a Bayesian game over type→action maps.

    Only types of positive probability get a coordinate in a map (the others do not change any
    payoff).

    Implements MATH.md (2.9).

    Args:
        game: any game (a game without types has one type per player).
        max_entries: refuse (``ValueError``) if ``Π_i k_i^{|supp T_i|}`` exceeds this.

    Returns:
        ``payoffs`` of shape ``(n, M_0, …, M_{n-1})`` with ``payoffs[i, m] = E_t[r_i(t_i, m(t))]``, and
        per player the maps: ``(M_i, |supp T_i|)`` action indices, one row per map.
    """
    game = as_bayesian(check_game("game", game))
    max_entries = check_positive_int("max_entries", max_entries)
    types = [np.flatnonzero(s) for s in game.type_support]
    sizes = [k ** len(t) for k, t in zip(game.n_actions, types)]
    total = int(np.prod([float(m) for m in sizes]))
    if total > max_entries:
        raise ValueError(
            f"the induced normal form would have {total} entries per player (maps per player: "
            f"{sizes}), above max_entries={max_entries}"
        )
    maps = [
        np.array(list(itertools.product(range(k), repeat=len(t))), dtype=np.intp).reshape(
            -1, len(t)
        )
        for k, t in zip(game.n_actions, types)
    ]
    position = [np.full(game.n_types[i], -1) for i in range(game.n_players)]
    for i, t in enumerate(types):
        position[i][t] = np.arange(len(t))
    payoffs = np.zeros((game.n_players, *sizes))
    for prof in np.argwhere(game.prior > 0):
        w = game.prior[tuple(prof)]
        index = np.ix_(*(maps[j][:, position[j][prof[j]]] for j in range(game.n_players)))
        for i in range(game.n_players):
            payoffs[i] += w * game.rewards[i][prof[i]][index]
    return payoffs, maps


def _behaviour(
    game: BayesianGame, mixed: list[FloatArray], maps: list[npt.NDArray[np.intp]]
) -> list[FloatArray]:
    """Per-type behaviour strategies from mixed strategies over maps (Kuhn)."""
    out = []
    for i, (p, m) in enumerate(zip(mixed, maps)):
        sigma = np.full((game.n_types[i], game.n_actions[i]), 1.0 / game.n_actions[i])
        for col, t in enumerate(np.flatnonzero(game.type_support[i])):
            sigma[t] = np.bincount(m[:, col], weights=p, minlength=game.n_actions[i])
        out.append(_clean(sigma))
    return out


# ---------------------------------------------------------------------- general-sum
def _qe_game(payoffs: Sequence[FloatArray]) -> Any:
    """QuantEcon's bimatrix game of ``payoffs[0]``, ``payoffs[1]`` (each ``(k, l)``), each mapped
    onto ``[0, 1]``: equilibria do not change under a positive affine map of a player's payoffs
    (MATH.md (2.10)), and pivoting tolerances are absolute, so the solver sees that scale."""
    from quantecon.game_theory import NormalFormGame as QeGame
    from quantecon.game_theory import Player

    a, b = (to_unit_interval(payoffs[0])[0], to_unit_interval(payoffs[1])[0])
    return QeGame([Player(a), Player(b.T)])


def _lemke_howson(qe: Any, init_pivot: int) -> list[FloatArray]:
    """Lemke–Howson from ``init_pivot``; if it does not converge, from the other pivots in turn."""
    from quantecon.game_theory import lemke_howson

    n_pivots = sum(qe.nums_actions)
    first = init_pivot % n_pivots
    for pivot in itertools.chain([first], (p for p in range(n_pivots) if p != first)):
        ne, res = lemke_howson(qe, init_pivot=pivot, full_output=True)
        if res.converged:
            return [np.asarray(ne[0], dtype=np.float64), np.asarray(ne[1], dtype=np.float64)]
    raise RuntimeError(  # pragma: no cover - Lemke–Howson terminates on nondegenerate games
        "lemke_howson did not converge from any initial pivot"
    )


def _gambit(payoffs: FloatArray, method: str) -> list[FloatArray]:
    if not gambit_available():
        raise ImportError(
            f"method {method!r} (games with more than two players) needs pygambit, an optional "
            "extra: pip install 'powergames[gambit]'"
        )
    import pygambit as gbt

    make = getattr(gbt, "StrategicGame", gbt.Game).from_arrays
    g = make(*[to_unit_interval(np.asarray(p, dtype=np.float64))[0] for p in payoffs])
    order = ["logit"] if method == "logit" else ["gnm", "logit"]  # gnm can fail on degenerate games
    eq = None
    for name in order:
        if name == "gnm":
            result = gbt.nash.gnm_solve(g)
        else:
            result = gbt.nash.logit_solve(g, maxregret=1e-12)
        found = getattr(result, "equilibria", None)  # logit: one .equilibrium in pygambit 17
        found = found if found is not None else [getattr(result, "equilibrium", None)]
        found = [e for e in found if e is not None]
        if found:
            eq = found[0]
            break
    if eq is None:
        raise RuntimeError(f"pygambit ({' then '.join(order)}) found no equilibrium")
    out = []
    for player in g.players:  # Player objects (pygambit 16) or labels (17)
        # iterating a player's mixed strategy yields probabilities (pygambit 16) or
        # (label, probability) pairs (pygambit 17)
        values = [v[-1] if isinstance(v, tuple) else v for v in eq[player]]
        out.append(_clean(np.array([float(v) for v in values])))
    return out


def solve_nash(
    game: Game,
    method: Literal["auto", "lemke_howson", "gnm", "logit", "lp"] = "auto",
    *,
    init_pivot: int = 0,
    max_entries: int = MAX_INDUCED_ENTRIES,
) -> list[FloatArray]:
    """A (Bayesian) Nash equilibrium of a game, converted back to a profile.

    Implements MATH.md (2.5).

    Args:
        game: a ``BayesianGame``, ``NormalFormGame`` or ``UnitSumGame``.
        method: ``"auto"`` — the LP for two-player constant-sum games, ``lemke_howson`` for other
            two-player games, ``gnm`` (pygambit) for more players, the exact best reply per type for
            one player. Or force one of ``"lp"``, ``"lemke_howson"``, ``"gnm"``, ``"logit"``.
        init_pivot: Lemke–Howson's first pivot (different pivots may reach different equilibria);
            if it does not converge the other pivots are tried in turn.
        max_entries: the largest induced normal form built for a Bayesian game.

    Returns:
        The profile (shapes ``(T_i, k_i)``, or ``(k_i,)`` for a normal-form game). Lemke–Howson is
        exact up to floating-point pivoting; ``gnm`` stops at pygambit's own tolerance and ``logit``
        is asked for a regret below ``1e-12``; check with
        :func:`powergames.theory.bayesian_power.nash_conv`.

    Raises:
        ImportError: an n-player game (n ≥ 3) without pygambit installed.
        RuntimeError: pygambit found no equilibrium (``gnm`` falls back to ``logit`` first).
        ValueError: an unknown method, a method that does not fit the game, or an induced normal
            form above ``max_entries``.

    Example:
        >>> from powergames.games import coordination
        >>> len(solve_nash(coordination()))
        2
    """
    squeeze = not check_game("game", game).per_type
    bgame = bayesian_view(game)
    n = bgame.n_players
    methods = ("auto", "lemke_howson", "gnm", "logit", "lp")
    if method not in methods:
        raise ValueError(f"method must be one of {methods}, got {method!r}")
    init_pivot = check_positive_int("init_pivot", init_pivot, minimum=0)
    max_entries = check_positive_int("max_entries", max_entries)
    if n == 1:
        profile = [best_response(bgame, 0, [bgame.uniform_profile()[0]])]
        return _finish(bgame, profile, squeeze)
    if method == "lp" or (method == "auto" and n == 2 and _constant_sum(bgame) is not None):
        return solve_zero_sum(game)
    if method == "lemke_howson" and n != 2:
        raise ValueError(f"lemke_howson solves two-player games, got {n} players")
    if n == 2 and method in ("auto", "lemke_howson") and bgame.n_types == (1, 1):
        # one type each: the induced normal form is the game itself
        rewards = bgame.rewards
        qe = _FACTS.get(bgame, "qe_game", lambda: _qe_game((rewards[0][0], rewards[1][0])))
        mixed = [_clean(m) for m in _lemke_howson(qe, init_pivot)]
        return mixed if squeeze else [m[None] for m in mixed]  # one type of probability 1 each
    payoffs, maps = induced_normal_form(bgame, max_entries)
    if n == 2 and method in ("auto", "lemke_howson"):
        mixed = _lemke_howson(_qe_game((payoffs[0], payoffs[1])), init_pivot)
    else:
        mixed = _gambit(payoffs, "logit" if method == "logit" else "gnm")
    return _finish(bgame, _behaviour(bgame, mixed, maps), squeeze)


__all__ = [
    "IPM_MIN_ENTRIES",
    "MAX_INDUCED_ENTRIES",
    "matrix_game",
    "gambit_available",
    "induced_normal_form",
    "solve_nash",
    "solve_zero_sum",
]
