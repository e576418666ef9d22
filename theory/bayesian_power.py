"""Interim utilities, best responses, POWER, NashConv and the Bayesian Nash check (MATH.md §2).

For a behaviour profile ``σ`` (``σ_i(t_i) ∈ Δ(A_i)``) the interim expected utility of player ``i`` is

    f_i(t_i, a_i, σ_{-i}) = Σ_{t_{-i}} Ω(t_{-i} | t_i) Σ_{a_{-i}} Π_{j≠i} σ_j(t_j, a_j) r_i(t_i, a),

``POWER(i, σ) = E_{t_i}[max_{a_i} f_i]``, the achieved value is ``E_{t_i}[Σ_{a_i} σ_i(t_i, a_i) f_i]``
(the on-policy expected reward) and ``NashConv = Σ_i (POWER_i − achieved_i)``.

**Order of summation.** Everything is computed from the *unnormalised* interim utility
``Ũ_i(t_i, a_i) = Ω_i(t_i) f_i(t_i, a_i)`` (no division, so types of probability 0 cost nothing):

1. the weights ``W_i(t_i, a_{-i}) = Σ_{t_{-i}} Ω(t) Π_{j≠i} σ_j(t_j, a_j)`` — the prior with every
   other player's type axis replaced by its action axis, one matrix product per axis (laid out
   so that none needs a transposed copy). The ``W_i`` of all players share work through divide
   and conquer (``O(n log n)`` contractions); their size is ``T_i Π_{j≠i} k_j`` (the reward array
   divided by ``k_i``), and the joint type × action tensor is never formed;
2. ``Ũ_i(t_i, ·) = R_i(t_i) · W_i(t_i, ·)`` with ``R_i(t_i)`` the ``(k_i, Π_{j≠i} k_j)`` matrix of
   player ``i``'s rewards — one batched matrix-vector product, i.e. one pass over ``rewards[i]``.
   Player 0 (and the last player when it has many actions) reads ``rewards[i]`` in place; the
   others read a copy with the own-action axis first and the other axes in ``W_i``'s order
   (built once per game, on first use, and cached on it: it costs the memory of those reward
   arrays once more). With one type per player (a normal-form game) ``W_i`` is an outer product
   and is never formed: each ``rewards[i]`` is read in place by one matrix-vector product.

Profiles are validated with one vectorised check over all players; anything it does not pass
goes through ``check_profile``, which rejects it with the usual message.

**Types of probability 0.** Their posterior is undefined (MATH.md §2 only constrains types of
positive probability), they carry weight 0 in POWER, the achieved value and NashConv, and the
Bayesian Nash check ignores them. :func:`interim_utility` reports their rows by default under an
explicit convention — the belief ``Ω_{-i}(t_{-i})`` (the marginal of the others' types, i.e. as if the
type carried no information) — and raises with ``zero_types="raise"``; it never returns NaN.
``BayesianGame.type_support`` says which rows are which.

**Normal-form games.** Every function also accepts a ``NormalFormGame`` (or a ``UnitSumGame``,
whose hidden state nobody observes) with a profile of ``(k_i,)`` arrays; the game is converted to a
Bayesian game with one type per player and per-type outputs come back without the type axis:
``interim_utility`` and ``best_response`` return ``(k_i,)``.
"""

from __future__ import annotations

import itertools
import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from powergames.games.bayesian import BayesianGame, as_bayesian
from powergames.games.checks import (
    SUM_TOL,
    as_float_array,
    check_distribution,
    check_profile,
)

FloatArray = npt.NDArray[np.float64]


# ---------------------------------------------------------------------- inputs
def _fast_profile(profile: Any, shapes: Sequence[tuple[int, ...]]) -> list[FloatArray] | None:
    """The profile as float64 arrays if it is plainly valid, else ``None``.

    One vectorised check over all players at once (finite, non-negative, every row summing to 1
    within ``SUM_TOL``) instead of several reductions per player. ``None`` sends the caller to
    :func:`check_profile`, which accepts or rejects exactly as before and names the first
    offending index.
    """
    if not isinstance(profile, list | tuple) or len(profile) != len(shapes):
        return None
    arrays = []
    for sigma, shape in zip(profile, shapes):
        if isinstance(sigma, np.ndarray) and sigma.dtype == np.float64:
            a = sigma
        elif isinstance(sigma, np.ndarray | list | tuple):
            try:
                a = np.asarray(sigma, dtype=np.float64)
            except (TypeError, ValueError):
                return None
        else:
            return None
        if a.shape != shape:
            return None
        arrays.append(a)
    flat = np.concatenate([a.ravel() for a in arrays]) if len(arrays) > 1 else arrays[0].ravel()
    if not flat.min() >= 0:  # also fails on NaN and -inf (+inf fails the sums below)
        return None
    widths = [s[-1] for s in shapes for _ in range(s[0] if len(s) == 2 else 1)]
    if len(set(widths)) == 1:
        totals = flat.reshape(-1, widths[0]).sum(axis=1)
    else:
        totals = np.add.reduceat(flat, np.cumsum([0, *widths[:-1]]))
    if not np.abs(totals - 1.0).max() <= SUM_TOL:
        return None
    return arrays


def _power_achieved(
    sigmas: Sequence[FloatArray], u: dict[int, FloatArray]
) -> tuple[FloatArray, FloatArray]:
    """``(POWER_i, achieved_i)`` for every player from the unnormalised interim utilities ``u``.

    ``POWER_i = Σ_{t_i} max_a Ũ_i(t_i, a)`` and ``achieved_i = Σ_{t_i, a} σ_i(t_i, a) Ũ_i(t_i, a)``;
    one stacked reduction when every player has the same ``(T_i, k_i)``.
    """
    n = len(sigmas)
    if all(s.shape == sigmas[0].shape for s in sigmas):
        us = np.stack([u[i] for i in range(n)])
        return us.max(axis=2).sum(axis=1), (np.stack(sigmas) * us).sum(axis=(1, 2))
    pw = np.array([u[i].max(axis=1).sum() for i in range(n)])
    return pw, np.array([np.vdot(sigmas[i], u[i]) for i in range(n)])


def _prepare(game: Any, profile: Any) -> tuple[BayesianGame, list[FloatArray], bool]:
    """The Bayesian game, the validated ``(T_i, k_i)`` profile and whether to drop the type axis."""
    if isinstance(game, BayesianGame):
        shapes = list(zip(game.n_types, game.n_actions))
        sigmas = _fast_profile(profile, shapes)
        return game, sigmas if sigmas is not None else game.validate_profile(profile), False
    bgame = as_bayesian(game)
    flat = _fast_profile(profile, [(k,) for k in bgame.n_actions])
    if flat is None:
        flat = check_profile("profile", profile, bgame.n_actions)  # (k_i,) arrays, checked as such
    return bgame, [p.reshape(1, -1) for p in flat], True


# ---------------------------------------------------------------------- the contraction
def _weights(
    game: BayesianGame,
    sigmas: Sequence[FloatArray],
    players: Sequence[int],
    consume: Callable[[int, FloatArray, tuple[int, ...]], Any],
) -> dict[int, Any]:
    """``consume(i, W_i, order_i)`` for every ``i`` in ``players``, where ``W_i`` has shape
    ``(T_i, Π_{j≠i} k_j)`` and ``order_i`` lists the players of its action axes.

    Divide and conquer over contiguous groups of players. The tensor of a group ``[g0, g1)`` is
    laid out with the group's type axes first (in player order), then the action axes of the
    players already replaced, so that replacing a type axis is always one matrix product without
    transposed copies: the group's leading type ``t_j`` becomes ``X.reshape(T_j, -1).T @ σ_j``
    (its action axis is appended), a trailing one ``σ_j.T @ X.reshape(T_pre, T_j, A)`` (its action
    axis goes in front of the others). The action axes of ``W_i`` therefore come in the returned
    order, not in player order; :func:`_rewards_layout` matches the rewards to it. Each ``W_i`` is
    handed to ``consume`` as soon as it exists, so at most one is alive at a time (less memory,
    and its buffer is reused for the next instead of being faulted in afresh).
    """
    types = game.n_types
    out: dict[int, Any] = {}
    wanted = set(players)

    def rec(x: FloatArray, g0: int, g1: int, acts: tuple[int, ...]) -> None:
        if not wanted.intersection(range(g0, g1)):
            return
        if g1 - g0 == 1:
            out[g0] = consume(g0, x.reshape(types[g0], -1), acts)
            return
        h = (g0 + g1) // 2
        y = x
        for j in range(g1 - 1, h - 1, -1):  # trailing types of the group, last first
            t_pre = math.prod(types[g0:j])
            s = sigmas[j]
            if t_pre == 1:
                y = s.T @ y.reshape(types[j], -1)
            elif y.size == t_pre * types[j]:
                y = y.reshape(t_pre, types[j]) @ s
            else:
                y = np.matmul(s.T, y.reshape(t_pre, types[j], -1))
        rec(y, g0, h, (*range(h, g1), *acts))
        y = x
        for j in range(g0, h):  # leading types of the group, first first
            y = y.reshape(types[j], -1).T @ sigmas[j]
        rec(y, h, g1, (*acts, *range(g0, h)))

    rec(game.prior, 0, game.n_players, ())
    return out


#: Below this many actions the last player's rewards are also given the own-action-first copy
#: (a matrix-vector product over rows of ``k_i`` entries is several times slower than one over
#: long rows).
_OWN_LAST_MIN_ACTIONS = 32


def _rewards_layout(game: BayesianGame, i: int, acts: tuple[int, ...]) -> tuple[FloatArray, bool]:
    """``rewards[i]`` with its action axes ordered as ``W_i``'s, as ``(T_i, k_i, M)`` (own action
    first) or ``(T_i, M, k_i)`` (own action last; the flag says which).

    A view when the order is the natural one and the own action is first (player 0), or last with
    many actions (the last player); otherwise a transposed copy cached on the game, built once.
    """
    r = game.rewards[i]
    t, k = game.n_types[i], game.n_actions[i]
    natural = acts == tuple(j for j in range(game.n_players) if j != i)
    if natural and (i == 0 or game.n_players == 1):
        return r.reshape(t, k, -1), True
    if natural and i == game.n_players - 1 and k >= _OWN_LAST_MIN_ACTIONS:
        return r.reshape(t, -1, k), False
    cache = game.__dict__.get("_rewards_layout_cache")
    if cache is None:
        cache = {}
        object.__setattr__(game, "_rewards_layout_cache", cache)
    key = (i, acts)
    if key not in cache:
        arr = np.ascontiguousarray(np.transpose(r, (0, i + 1, *(j + 1 for j in acts))))
        arr = arr.reshape(t, k, -1)
        arr.setflags(write=False)
        cache[key] = arr
    return cache[key], True


def _contract(
    game: BayesianGame, i: int, weights: FloatArray, acts: tuple[int, ...], rows: Any = None
) -> FloatArray:
    """``Σ_{a_{-i}} r_i(t_i, a) W(t_i, a_{-i})`` for the type rows ``rows`` (all when ``None``)."""
    r, own_first = _rewards_layout(game, i, acts)
    r = r if rows is None else r[rows]
    if own_first:
        return np.matmul(r, weights[:, :, None])[:, :, 0]
    return np.matmul(weights[:, None, :], r)[:, 0, :]


#: In the one-type contraction, a reward array of at least ``_SPLIT_SIZE`` entries whose
#: remaining rows would be shorter than ``_MIN_ROW`` entries is contracted in two steps (a
#: matrix-vector product over rows of a few entries is several times slower than a pass over
#: memory); smaller arrays are contracted in one step, where the call overhead dominates.
_SPLIT_SIZE = 8192
_MIN_ROW = 256


def _unnormalised_one_type(
    game: BayesianGame, sigmas: Sequence[FloatArray], players: Sequence[int]
) -> dict[int, FloatArray]:
    """The one-type (normal-form) case: ``W_i`` is an outer product, never formed.

    ``rewards[i]`` is read once, in place, as a ``(Π_{j<i} k_j · k_i, Π_{j>i} k_j)`` matrix times
    the outer product of the later players' strategies when the later players' side is the larger,
    else as a ``(Π_{j<i} k_j, k_i Π_{j>i} k_j)`` matrix from the left by the earlier players' outer
    product; the small result is then contracted from the other side. When the rows of the second
    form would be very short (the last players of a large game), the earlier players are split so
    that the pass over the rewards keeps rows of at least ``_MIN_ROW`` entries. Outer products
    are shared between players.
    """
    n = game.n_players
    cum = [1, *itertools.accumulate(game.n_actions, operator.mul)]
    flat = [s[0] for s in sigmas]
    outers: dict[tuple[int, int], FloatArray] = {}

    def outer(lo: int, hi: int) -> FloatArray:
        """``σ_lo ⊗ … ⊗ σ_{hi-1}``, flattened (C order)."""
        if hi - lo == 1:
            return flat[lo]
        v = outers.get((lo, hi))
        if v is None:  # the long factor last: an outer product with a short inner loop is slow
            v = np.multiply.outer(flat[lo], outer(lo + 1, hi)).ravel()
            outers[(lo, hi)] = v
        return v

    out = {}
    for i in players:
        x = game.rewards[i].reshape(-1)
        lo, hi = 0, n
        while lo < i or hi > i + 1:
            before = cum[i] // cum[lo]
            after = cum[hi] // cum[i + 1]
            if hi > i + 1 and (after >= before or lo == i):  # the trailing axes [i+1, hi)
                x = x.reshape(-1, after) @ outer(i + 1, hi)
                hi = i + 1
            else:  # the leading axes [lo, s)
                s = i
                if x.size >= _SPLIT_SIZE:
                    while s > lo + 1 and x.size // (cum[s] // cum[lo]) < _MIN_ROW:
                        s -= 1
                x = outer(lo, s) @ x.reshape(cum[s] // cum[lo], -1)
                lo = s
        out[i] = x[None, :]
    return out


def _unnormalised(
    game: BayesianGame, sigmas: Sequence[FloatArray], players: Sequence[int]
) -> dict[int, FloatArray]:
    """``Ũ_i(t_i, a_i) = Ω_i(t_i) f_i(t_i, a_i, σ_{-i})`` of shape ``(T_i, k_i)`` (0 rows for 0 types)."""
    if all(t == 1 for t in game.n_types):
        return _unnormalised_one_type(game, sigmas, players)
    return _weights(game, sigmas, players, lambda i, w, acts: _contract(game, i, w, acts))


def _marginal_rows(
    game: BayesianGame, sigmas: Sequence[FloatArray], i: int, rows: npt.NDArray[np.intp]
) -> FloatArray:
    """Interim rows for zero-probability types under the marginal-belief convention."""
    w, acts = _weights(game, sigmas, [i], lambda _, w, acts: (w.sum(axis=0), acts))[i]
    return _contract(game, i, np.broadcast_to(w, (len(rows), w.size)).copy(), acts, rows=rows)


# ---------------------------------------------------------------------- public API
def interim_utility(
    game: Any,
    player: int,
    profile: Any,
    zero_types: Literal["marginal", "raise"] = "marginal",
) -> FloatArray:
    """The interim expected utility ``f_i(t_i, a_i, σ_{-i})`` (MATH.md §2).

    Args:
        game: a ``BayesianGame`` (or a ``NormalFormGame`` / ``UnitSumGame``, see module docstring).
        player: ``i``.
        profile: a list of ``(T_j, k_j)`` arrays (``(k_j,)`` for a normal-form game).
        zero_types: what to do with types of prior probability 0, whose posterior is undefined:
            ``"marginal"`` reports their row under the belief ``Ω_{-i}`` (the others' type marginal);
            ``"raise"`` raises ``ValueError`` if the player has such a type.

    Returns:
        Shape ``(T_i, k_i)`` (``(k_i,)`` for a normal-form game).
    """
    bgame, sigmas, squeeze = _prepare(game, profile)
    i = bgame._check_player(player)
    if zero_types not in ("marginal", "raise"):
        raise ValueError(f"zero_types must be 'marginal' or 'raise', got {zero_types!r}")
    support = bgame.type_support[i]
    zero = np.flatnonzero(~support)
    if zero.size and zero_types == "raise":
        raise ValueError(
            f"player {i}'s type {int(zero[0])} has prior probability 0, so its posterior (and "
            "interim utility) is undefined"
        )
    u = _unnormalised(bgame, sigmas, [i])[i]
    f = np.empty_like(u)
    f[support] = u[support] / bgame.type_marginals[i][support, None]
    if zero.size:
        f[zero] = _marginal_rows(bgame, sigmas, i, zero)
    return f[0] if squeeze else f


def best_response(game: Any, player: int, profile: Any) -> FloatArray:
    """A pure best response of every type of ``player`` to the others' strategies in ``profile``.

    Each type plays the first maximiser of ``f_i(t_i, ·, σ_{-i})`` (types of probability 0: of the
    marginal-belief row, see :func:`interim_utility`).

    Returns:
        A one-hot array of shape ``(T_i, k_i)`` (``(k_i,)`` for a normal-form game).
    """
    squeeze = not isinstance(game, BayesianGame)
    f = np.atleast_2d(interim_utility(game, player, profile))
    out = np.zeros_like(f)
    out[np.arange(f.shape[0]), np.argmax(f, axis=1)] = 1.0
    return out[0] if squeeze else out


def power(game: Any, profile: Any) -> FloatArray:
    """``POWER(i, σ) = E_{t_i}[max_{a_i} f_i(t_i, a_i, σ_{-i})]`` for every player (MATH.md §2).

    Args:
        game: a :class:`BayesianGame` or a normal-form / unit-sum game (one type per player).
        profile: one array per player, shape ``(T_i, k_i)`` (a mixed action per type) or ``(k_i,)``
            for a one-type player; each row a distribution.

    Returns:
        Shape ``(n_players,)``. Types of probability 0 do not enter.
    """
    bgame, sigmas, _ = _prepare(game, profile)
    players = range(bgame.n_players)
    return _power_achieved(sigmas, _unnormalised(bgame, sigmas, players))[0]


def achieved_value(game: Any, profile: Any) -> FloatArray:
    """The on-policy expected reward ``E_t E_{a∼σ(t)}[r_i(t_i, a)]`` of every player.

    Args:
        game: a :class:`BayesianGame` or a normal-form / unit-sum game (one type per player).
        profile: one array per player, shape ``(T_i, k_i)`` (a mixed action per type) or ``(k_i,)``
            for a one-type player; each row a distribution.

    Returns:
        Shape ``(n_players,)``.
    """
    bgame, sigmas, _ = _prepare(game, profile)
    players = range(bgame.n_players)
    return _power_achieved(sigmas, _unnormalised(bgame, sigmas, players))[1]


def nash_conv(game: Any, profile: Any) -> float:
    """``NashConv(σ) = Σ_i (POWER(i, σ) − achieved_i(σ)) ≥ 0``; 0 exactly at a Bayesian Nash
    equilibrium. In a constant-sum game with constant ``c`` it equals ``Σ_i POWER(i, σ) − c``.

    Args:
        game: a :class:`BayesianGame` or a normal-form / unit-sum game (one type per player).
        profile: one array per player, shape ``(T_i, k_i)`` (a mixed action per type) or ``(k_i,)``
            for a one-type player; each row a distribution.

    Returns:
        A float ``≥ 0`` (up to rounding).
    """
    bgame, sigmas, _ = _prepare(game, profile)
    players = range(bgame.n_players)
    pw, ach = _power_achieved(sigmas, _unnormalised(bgame, sigmas, players))
    return float((pw - ach).sum())


def is_bayes_nash(game: Any, profile: Any, tol: float = 1e-9) -> bool:
    """Whether every type of positive probability plays within ``tol`` of its best interim payoff.

    The test is ``max_a f_i(t_i, a) − Σ_a σ_i(t_i, a) f_i(t_i, a) ≤ tol`` for every player ``i`` and
    every type with ``Ω_i(t_i) > 0`` (the conditional, per-type regret).

    Args:
        game: a :class:`BayesianGame` or a normal-form / unit-sum game (one type per player).
        profile: one array per player, shape ``(T_i, k_i)`` (a mixed action per type) or ``(k_i,)``
            for a one-type player; each row a distribution.
        tol: the allowed regret, ``>= 0``.
    """
    tol = float(tol)
    if not tol >= 0:
        raise ValueError(f"tol must be >= 0, got {tol!r}")
    return bool(np.all(_type_regrets_max(game, profile) <= tol))


def _type_regrets_max(game: Any, profile: Any) -> FloatArray:
    bgame, sigmas, _ = _prepare(game, profile)
    players = range(bgame.n_players)
    u = _unnormalised(bgame, sigmas, players)
    worst = np.zeros(bgame.n_players)
    for i in players:
        s = bgame.type_support[i]
        gap = (u[i].max(axis=1) - (sigmas[i] * u[i]).sum(axis=1))[s] / bgame.type_marginals[i][s]
        worst[i] = gap.max() if gap.size else 0.0
    return worst


def power_of_distribution(rewards: Any, weights: Any = None) -> float:
    """Single-agent POWER ``E_{r∼D}[max_a r(a)]`` (MATH.md §2).

    Args:
        rewards: shape ``(m, k)``: ``m`` reward functions over ``k`` actions (further axes are
            flattened into actions).
        weights: shape ``(m,)``, the distribution ``D``; uniform when ``None``.

    Returns:
        The POWER of the distribution.
    """
    r = as_float_array("rewards", rewards)
    if r.ndim < 2 or r.shape[0] < 1 or r.size == 0:
        raise ValueError(f"rewards must have shape (m, k) with m, k >= 1, got {r.shape}")
    if weights is None:
        w = np.full(r.shape[0], 1.0 / r.shape[0])
    else:
        w = check_distribution("weights", weights, shape=(r.shape[0],))
    return float(w @ r.reshape(r.shape[0], -1).max(axis=1))


@dataclass(frozen=True)
class PowerReport:
    """Everything :func:`power_report` computes for one profile.

    Attributes:
        type_prob: per player, ``(T_i,)`` prior marginals ``Ω_i(t_i)``.
        interim: per player, ``(T_i, k_i)`` interim utilities (zero-probability types: marginal
            belief convention, see :func:`interim_utility`).
        type_power: per player, ``(T_i,)`` ``max_a f_i(t_i, a)``.
        type_achieved: per player, ``(T_i,)`` ``Σ_a σ_i(t_i, a) f_i(t_i, a)``.
        best_action: per player, ``(T_i,)`` the first maximiser of ``f_i(t_i, ·)``.
        power: ``(n,)`` POWER per player; achieved: ``(n,)`` on-policy expected reward.
        best_case: ``(n,)`` ``E_{t_i}[max_a r_i(t_i, a)]`` (POWER if the others served ``i``).
        nash_conv: ``Σ_i (power_i − achieved_i)``.
        max_regret: the largest per-type conditional regret over types of positive probability.
        is_bayes_nash: ``max_regret <= tol``.
        constant_sum: the constant ``c`` if the game is constant-sum on the prior's support.
    """

    type_prob: list[FloatArray]
    interim: list[FloatArray]
    type_power: list[FloatArray]
    type_achieved: list[FloatArray]
    best_action: list[npt.NDArray[np.intp]]
    power: FloatArray
    achieved: FloatArray
    best_case: FloatArray
    nash_conv: float
    max_regret: float
    is_bayes_nash: bool
    constant_sum: float | None


def power_report(game: Any, profile: Any, tol: float = 1e-9) -> PowerReport:
    """POWER per player and type, achieved values, NashConv and the Bayesian Nash check at once.

    Args:
        game: a :class:`BayesianGame` or a normal-form / unit-sum game (one type per player).
        profile: one array per player, shape ``(T_i, k_i)`` (a mixed action per type) or ``(k_i,)``
            for a one-type player; each row a distribution.
        tol: the regret allowed by the Bayesian Nash check.

    Returns:
        A :class:`PowerReport` (per-type arrays of shape ``(T_i,)`` / ``(T_i, k_i)``, per-player
        arrays of shape ``(n_players,)``).
    """
    bgame, sigmas, _ = _prepare(game, profile)
    players = range(bgame.n_players)
    u = _unnormalised(bgame, sigmas, players)
    interim, tpow, tach, best = [], [], [], []
    worst = 0.0
    for i in players:
        s = bgame.type_support[i]
        f = np.empty_like(u[i])
        f[s] = u[i][s] / bgame.type_marginals[i][s, None]
        zero = np.flatnonzero(~s)
        if zero.size:
            f[zero] = _marginal_rows(bgame, sigmas, i, zero)
        interim.append(f)
        tpow.append(f.max(axis=1))
        tach.append((sigmas[i] * f).sum(axis=1))
        best.append(np.argmax(f, axis=1))
        if s.any():
            worst = max(worst, float((tpow[-1] - tach[-1])[s].max()))
    pw, ach = _power_achieved(sigmas, u)
    return PowerReport(
        type_prob=[m.copy() for m in bgame.type_marginals],
        interim=interim,
        type_power=tpow,
        type_achieved=tach,
        best_action=best,
        power=pw,
        achieved=ach,
        best_case=bgame.best_case_power(),
        nash_conv=float((pw - ach).sum()),
        max_regret=worst,
        is_bayes_nash=worst <= tol,
        constant_sum=bgame.constant_sum_value(),
    )


__all__ = [
    "PowerReport",
    "achieved_value",
    "best_response",
    "interim_utility",
    "is_bayes_nash",
    "nash_conv",
    "power",
    "power_of_distribution",
    "power_report",
]
