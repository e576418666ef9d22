"""The interim-utility contraction behind POWER and NashConv (MATH.md (2.1)–(2.4)).

Profiles in, *unnormalised* interim utilities ``Ũ_i(t_i, a_i) = Ω_i(t_i) f_i(t_i, a_i, σ_{-i})``
out, MATH.md (2.1) times the type marginal; :mod:`powergames.theory.bayesian_power` turns them into
POWER, achieved values and NashConv.

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
   (built once per game, on first use, and kept in a :class:`~powergames.theory.game_cache.GameCache`
   that dies with the game: it costs the memory of those reward arrays once more). With one type per player (a normal-form game) ``W_i`` is an outer product
   and is never formed: each ``rewards[i]`` is read in place by one matrix-vector product.

Profiles are validated with one vectorised check over all players; anything it does not pass
goes through ``check_profile``, which rejects it with the usual message.

"""

from __future__ import annotations

import itertools
import math
import operator
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from powergames.games.base import Game, check_game
from powergames.games.bayesian import BayesianGame, as_bayesian
from powergames.games.checks import SUM_TOL, check_profile, frozen
from powergames.theory.game_cache import GameCache

FloatArray = npt.NDArray[np.float64]

__all__ = [
    "bayesian_view",
    "fast_profile",
    "marginal_rows",
    "power_achieved",
    "prepare",
    "unnormalised",
]

#: Reward arrays laid out for the contraction, per game (dropped when the game is collected).
_LAYOUT_CACHE = GameCache()


# ---------------------------------------------------------------------- inputs
def fast_profile(profile: Any, shapes: Sequence[tuple[int, ...]]) -> list[FloatArray] | None:
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
                raw = np.asarray(sigma)
            except (TypeError, ValueError):
                return None
            if raw.dtype.kind not in "fiu":  # bools, strings, complex, objects: the full check
                return None
            a = raw.astype(np.float64)
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


def power_achieved(
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


def bayesian_view(game: Game) -> BayesianGame:
    """The game as a :class:`BayesianGame`; for a game without types, built once per game object."""
    if check_game("game", game).per_type:
        return as_bayesian(game)
    return _LAYOUT_CACHE.get(game, "as_bayesian", lambda: as_bayesian(game))


def prepare(game: Game, profile: Any) -> tuple[BayesianGame, list[FloatArray], bool]:
    """The Bayesian game, the validated ``(T_i, k_i)`` profile and whether to drop the type axis."""
    if check_game("game", game).per_type:
        game = as_bayesian(game)
        shapes = list(zip(game.n_types, game.n_actions))
        sigmas = fast_profile(profile, shapes)
        return game, sigmas if sigmas is not None else game.validate_profile(profile), False
    # the one-type Bayesian view of a game, built once per game object
    bgame = _LAYOUT_CACHE.get(game, "as_bayesian", lambda: as_bayesian(game))
    flat = fast_profile(profile, [(k,) for k in bgame.n_actions])
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

    def build() -> FloatArray:
        arr = np.ascontiguousarray(np.transpose(r, (0, i + 1, *(j + 1 for j in acts))))
        arr = arr.reshape(t, k, -1)
        arr = frozen(arr)
        return arr

    return _LAYOUT_CACHE.get(game, ("rewards_layout", i, acts), build), True


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


def unnormalised(
    game: BayesianGame, sigmas: Sequence[FloatArray], players: Sequence[int]
) -> dict[int, FloatArray]:
    """``Ũ_i(t_i, a_i) = Ω_i(t_i) f_i(t_i, a_i, σ_{-i})`` of shape ``(T_i, k_i)`` (0 rows for 0 types)."""
    if all(t == 1 for t in game.n_types):
        return _unnormalised_one_type(game, sigmas, players)
    return _weights(game, sigmas, players, lambda i, w, acts: _contract(game, i, w, acts))


def marginal_rows(
    game: BayesianGame, sigmas: Sequence[FloatArray], i: int, rows: npt.NDArray[np.intp]
) -> FloatArray:
    """Interim rows for zero-probability types under the marginal-belief convention."""
    w, acts = _weights(game, sigmas, [i], lambda _, w, acts: (w.sum(axis=0), acts))[i]
    return _contract(game, i, np.broadcast_to(w, (len(rows), w.size)).copy(), acts, rows=rows)
