"""Interim utilities, best responses, POWER, NashConv and the Bayesian Nash check (MATH.md §2).

For a behaviour profile ``σ`` (``σ_i(t_i) ∈ Δ(A_i)``) the interim expected utility of player ``i`` is

    f_i(t_i, a_i, σ_{-i}) = Σ_{t_{-i}} Ω(t_{-i} | t_i) Σ_{a_{-i}} Π_{j≠i} σ_j(t_j, a_j) r_i(t_i, a),

``POWER(i, σ) = E_{t_i}[max_{a_i} f_i]``, the achieved value is ``E_{t_i}[Σ_{a_i} σ_i(t_i, a_i) f_i]``
(the on-policy expected reward) and ``NashConv = Σ_i (POWER_i − achieved_i)``.

**Order of summation.** Everything is computed from the *unnormalised* interim utility
``Ũ_i(t_i, a_i) = Ω_i(t_i) f_i(t_i, a_i)`` (no division, so types of probability 0 cost nothing):

1. the weights ``W_i(t_i, a_{-i}) = Σ_{t_{-i}} Ω(t) Π_{j≠i} σ_j(t_j, a_j)`` — the prior with every
   other player's type axis replaced by its action axis, one matrix product per axis. The
   ``W_i`` of all players share work through divide and conquer (``O(n log n)`` contractions);
   their size is ``T_i Π_{j≠i} k_j`` (the reward array divided by ``k_i``), and the joint
   type × action tensor is never formed;
2. ``Ũ_i(t_i, ·) = W_i(t_i, ·) · R_i(t_i)`` with ``R_i(t_i)`` the ``(Π_{j≠i} k_j, k_i)`` matrix of
   player ``i``'s rewards — one batched matrix-vector product, i.e. one pass over ``rewards[i]``.
   For the first and last player this reads ``rewards[i]`` in place; for a middle player it reads
   a cached copy with the own-action axis last (built once per game, on first use). With one
   type per player (a normal-form game) ``W_i`` is an outer product and is never formed: each
   ``rewards[i]`` is read in place by one matrix-vector product.

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

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from powergames.envs.games._validation import as_float_array, check_distribution, check_profile
from powergames.envs.games.bayesian import BayesianGame, as_bayesian

FloatArray = npt.NDArray[np.float64]


# ---------------------------------------------------------------------- inputs
def _prepare(game: Any, profile: Any) -> tuple[BayesianGame, list[FloatArray], bool]:
    """The Bayesian game, the validated ``(T_i, k_i)`` profile and whether to drop the type axis."""
    if isinstance(game, BayesianGame):
        return game, game.validate_profile(profile), False
    bgame = as_bayesian(game)
    flat = check_profile("profile", profile, bgame.n_actions)  # (k_i,) arrays, checked as such
    return bgame, [p.reshape(1, -1) for p in flat], True


# ---------------------------------------------------------------------- the contraction
def _apply(tensor: FloatArray, sigmas: Sequence[FloatArray], players: Sequence[int]) -> FloatArray:
    """Replace the type axis of each player in ``players`` by its action axis (``Σ_t · σ_j(t, a)``)."""
    for j in players:
        tensor = np.moveaxis(np.tensordot(tensor, sigmas[j], axes=([j], [0])), -1, j)
    return tensor


def _weights(
    game: BayesianGame, sigmas: Sequence[FloatArray], players: Sequence[int]
) -> dict[int, FloatArray]:
    """``W_i`` of shape ``(T_i, Π_{j≠i} k_j)`` for every ``i`` in ``players`` (divide and conquer)."""
    out: dict[int, FloatArray] = {}
    wanted = set(players)

    def rec(tensor: FloatArray, group: list[int]) -> None:
        if not wanted.intersection(group):
            return
        if len(group) == 1:
            i = group[0]
            out[i] = np.moveaxis(tensor, i, 0).reshape(game.n_types[i], -1)
            return
        half = len(group) // 2
        left, right = group[:half], group[half:]
        rec(_apply(tensor, sigmas, right), left)
        rec(_apply(tensor, sigmas, left), right)

    rec(np.asarray(game.prior), list(range(game.n_players)))
    return out


def _own_action_last(game: BayesianGame, i: int) -> FloatArray:
    """``rewards[i]`` as ``(T_i, Π_{j≠i} k_j, k_i)``: a view for the last player, else a cached copy."""
    r = game.rewards[i]
    t, k = game.n_types[i], game.n_actions[i]
    if i == game.n_players - 1:
        return r.reshape(t, -1, k)
    cache = game.__dict__.get("_own_action_last_cache")
    if cache is None:
        cache = {}
        object.__setattr__(game, "_own_action_last_cache", cache)
    if i not in cache:
        arr = np.ascontiguousarray(np.moveaxis(r, i + 1, -1)).reshape(t, -1, k)
        arr.setflags(write=False)
        cache[i] = arr
    return cache[i]


def _contract(game: BayesianGame, i: int, weights: FloatArray, rows: Any = None) -> FloatArray:
    """``Σ_{a_{-i}} r_i(t_i, a) W(t_i, a_{-i})`` for the type rows ``rows`` (all when ``None``)."""
    k = game.n_actions[i]
    if i == 0 and game.n_players > 1:
        r = game.rewards[0].reshape(game.n_types[0], k, -1)
        r = r if rows is None else r[rows]
        return np.matmul(r, weights[:, :, None])[:, :, 0]
    r = _own_action_last(game, i)
    r = r if rows is None else r[rows]
    return np.matmul(weights[:, None, :], r)[:, 0, :]


def _unnormalised_one_type(
    game: BayesianGame, sigmas: Sequence[FloatArray], players: Sequence[int]
) -> dict[int, FloatArray]:
    """The one-type (normal-form) case: ``W_i`` is an outer product, never formed.

    ``rewards[i]`` is read as a ``(B k_i, C)`` matrix (``B = Π_{j<i} k_j``, ``C = Π_{j>i} k_j``) and
    multiplied by the outer product of the later players' strategies (one matrix-vector product,
    one pass), then the ``(B, k_i)`` result by the earlier players' outer product.
    """
    n = game.n_players
    flat = [s[0] for s in sigmas]
    prefix = [np.ones(1)]
    for j in range(n - 1):
        prefix.append(np.multiply.outer(prefix[-1], flat[j]).ravel())
    suffix = [np.ones(1)] * n
    for j in range(n - 2, -1, -1):
        suffix[j] = np.multiply.outer(flat[j + 1], suffix[j + 1]).ravel()
    out = {}
    for i in players:
        k = game.n_actions[i]
        b, c = prefix[i].size, suffix[i].size
        r = game.rewards[i].reshape(b * k, c)
        x = r @ suffix[i] if c > 1 else r[:, 0]
        out[i] = (prefix[i] @ x.reshape(b, k) if b > 1 else x)[None, :]
    return out


def _unnormalised(
    game: BayesianGame, sigmas: Sequence[FloatArray], players: Sequence[int]
) -> dict[int, FloatArray]:
    """``Ũ_i(t_i, a_i) = Ω_i(t_i) f_i(t_i, a_i, σ_{-i})`` of shape ``(T_i, k_i)`` (0 rows for 0 types)."""
    if all(t == 1 for t in game.n_types):
        return _unnormalised_one_type(game, sigmas, players)
    weights = _weights(game, sigmas, players)
    return {i: _contract(game, i, weights[i]) for i in players}


def _marginal_rows(
    game: BayesianGame, sigmas: Sequence[FloatArray], i: int, rows: npt.NDArray[np.intp]
) -> FloatArray:
    """Interim rows for zero-probability types under the marginal-belief convention."""
    w = _weights(game, sigmas, [i])[i].sum(axis=0)
    return _contract(game, i, np.broadcast_to(w, (len(rows), w.size)).copy(), rows=rows)


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

    Returns:
        Shape ``(n_players,)``. Types of probability 0 do not enter.
    """
    bgame, sigmas, _ = _prepare(game, profile)
    players = range(bgame.n_players)
    u = _unnormalised(bgame, sigmas, players)
    return np.array([u[i].max(axis=1).sum() for i in players])


def achieved_value(game: Any, profile: Any) -> FloatArray:
    """The on-policy expected reward ``E_t E_{a∼σ(t)}[r_i(t_i, a)]`` of every player.

    Returns:
        Shape ``(n_players,)``.
    """
    bgame, sigmas, _ = _prepare(game, profile)
    players = range(bgame.n_players)
    u = _unnormalised(bgame, sigmas, players)
    return np.array([np.vdot(sigmas[i], u[i]) for i in players])


def nash_conv(game: Any, profile: Any) -> float:
    """``NashConv(σ) = Σ_i (POWER(i, σ) − achieved_i(σ)) ≥ 0``; 0 exactly at a Bayesian Nash
    equilibrium. In a constant-sum game with constant ``c`` it equals ``Σ_i POWER(i, σ) − c``.
    """
    bgame, sigmas, _ = _prepare(game, profile)
    players = range(bgame.n_players)
    u = _unnormalised(bgame, sigmas, players)
    return float(sum(u[i].max(axis=1).sum() - np.vdot(sigmas[i], u[i]) for i in players))


def is_bayes_nash(game: Any, profile: Any, tol: float = 1e-9) -> bool:
    """Whether every type of positive probability plays within ``tol`` of its best interim payoff.

    The test is ``max_a f_i(t_i, a) − Σ_a σ_i(t_i, a) f_i(t_i, a) ≤ tol`` for every player ``i`` and
    every type with ``Ω_i(t_i) > 0`` (the conditional, per-type regret).
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
    """POWER per player and type, achieved values, NashConv and the Bayesian Nash check at once."""
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
    pw = np.array([u[i].max(axis=1).sum() for i in players])
    ach = np.array([np.vdot(sigmas[i], u[i]) for i in players])
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
