"""Interim utilities, best responses, POWER, NashConv and the Bayesian Nash check (MATH.md §2).

For a behaviour profile ``σ`` (``σ_i(t_i) ∈ Δ(A_i)``) the interim expected utility of player ``i`` is

    f_i(t_i, a_i, σ_{-i}) = Σ_{t_{-i}} Ω(t_{-i} | t_i) Σ_{a_{-i}} Π_{j≠i} σ_j(t_j, a_j) r_i(t_i, a),

``POWER(i, σ) = E_{t_i}[max_{a_i} f_i]``, the achieved value is ``E_{t_i}[Σ_{a_i} σ_i(t_i, a_i) f_i]``
(the on-policy expected reward) and ``NashConv = Σ_i (POWER_i − achieved_i)``.

The contraction that computes the interim utilities is in
:mod:`powergames.theory.interim_contraction`.

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

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from powergames.games.base import Game, check_game
from powergames.games.bayesian import BayesianGame
from powergames.games.checks import as_float_array, check_distribution, check_real
from powergames.theory.interim_contraction import (
    marginal_rows,
    power_achieved,
    prepare,
    unnormalised,
)

FloatArray = npt.NDArray[np.float64]


# ---------------------------------------------------------------------- overflow
def _power_and_achieved(game: Game, profile: Any, scaled: bool = False) -> Any:
    """``(POWER, achieved)`` of every player, MATH.md (2.2)–(2.3); with ``scaled``, also a scale
    exponent ``e`` such that the true values are the returned ones times ``2**e``.

    Rewards near the float64 limit can overflow in the contraction although every result is at
    most ``max |r|``: then the contraction is redone on the rewards divided by a power of two (an
    exact division) and the results multiplied back — a ``ValueError`` if they do not fit.
    """
    bgame, sigmas, _ = prepare(game, profile)
    players = range(bgame.n_players)
    with np.errstate(over="ignore", invalid="ignore"):
        pw, ach = power_achieved(sigmas, unnormalised(bgame, sigmas, players))
    exponent = 0
    if not (np.all(np.isfinite(pw)) and np.all(np.isfinite(ach))):
        largest = max(float(np.abs(r).max()) for r in bgame.rewards)
        exponent = math.frexp(largest)[1]  # largest < 2**exponent
        small = BayesianGame(bgame.prior, tuple(np.ldexp(r, -exponent) for r in bgame.rewards))
        pw, ach = power_achieved(sigmas, unnormalised(small, sigmas, players))
        if not scaled:
            with np.errstate(over="ignore"):
                pw, ach = np.ldexp(pw, exponent), np.ldexp(ach, exponent)
            if not (np.all(np.isfinite(pw)) and np.all(np.isfinite(ach))):
                raise ValueError("POWER of this profile exceeds the float64 range")
            exponent = 0
    return (pw, ach, exponent) if scaled else (pw, ach)


# ---------------------------------------------------------------------- public API
def interim_utility(
    game: Game,
    player: int,
    profile: Any,
    zero_types: Literal["marginal", "raise"] = "marginal",
) -> FloatArray:
    """The interim expected utility ``f_i(t_i, a_i, σ_{-i})`` (MATH.md §2).

    Implements MATH.md (2.1).

    Args:
        game: a ``BayesianGame`` (or a ``NormalFormGame`` / ``UnitSumGame``, see module docstring).
        player: ``i``.
        profile: a list of ``(T_j, k_j)`` arrays (``(k_j,)`` for a normal-form game).
        zero_types: what to do with types of prior probability 0, whose posterior is undefined:
            ``"marginal"`` reports their row under the belief ``Ω_{-i}`` (the others' type marginal);
            ``"raise"`` raises ``ValueError`` if the player has such a type.

    Returns:
        Shape ``(T_i, k_i)`` (``(k_i,)`` for a normal-form game).

    Example:
        >>> from powergames.games import matching_pennies
        >>> interim_utility(matching_pennies(), 0, [[1.0, 0.0], [0.5, 0.5]]).tolist()
        [0.0, 0.0]
    """
    bgame, sigmas, squeeze = prepare(game, profile)
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
    u = unnormalised(bgame, sigmas, [i])[i]
    f = np.empty_like(u)
    f[support] = u[support] / bgame.type_marginals[i][support, None]
    if zero.size:
        f[zero] = marginal_rows(bgame, sigmas, i, zero)
    return f[0] if squeeze else f


def best_response(game: Game, player: int, profile: Any) -> FloatArray:
    """A pure best response of every type of ``player`` to the others' strategies in ``profile``.

    Each type plays the first maximiser of ``f_i(t_i, ·, σ_{-i})`` (types of probability 0: of the
    marginal-belief row, see :func:`interim_utility`).

    Implements MATH.md (2.1).

    Returns:
        A one-hot array of shape ``(T_i, k_i)`` (``(k_i,)`` for a normal-form game).

    Example:
        >>> from powergames.games import matching_pennies
        >>> best_response(matching_pennies(), 1, [[1.0, 0.0], [0.5, 0.5]]).tolist()
        [0.0, 1.0]
    """
    squeeze = not check_game("game", game).per_type
    f = np.atleast_2d(interim_utility(game, player, profile))
    out = np.zeros_like(f)
    out[np.arange(f.shape[0]), np.argmax(f, axis=1)] = 1.0
    return out[0] if squeeze else out


def power(game: Game, profile: Any) -> FloatArray:
    """``POWER(i, σ) = E_{t_i}[max_{a_i} f_i(t_i, a_i, σ_{-i})]`` for every player (MATH.md §2).

    Implements MATH.md (2.2).

    Args:
        game: a :class:`BayesianGame` or a normal-form / unit-sum game (one type per player).
        profile: one array per player, shape ``(T_i, k_i)`` (a mixed action per type) or ``(k_i,)``
            for a one-type player; each row a distribution.

    Returns:
        Shape ``(n_players,)``. Types of probability 0 do not enter.

    Example:
        >>> from powergames.games import matching_pennies
        >>> power(matching_pennies(), [[1.0, 0.0], [1.0, 0.0]]).tolist()
        [1.0, 1.0]
    """
    pw, _ = _power_and_achieved(game, profile)
    return pw


def achieved_value(game: Game, profile: Any) -> FloatArray:
    """The on-policy expected reward ``E_t E_{a∼σ(t)}[r_i(t_i, a)]`` of every player.

    Implements MATH.md (2.3).

    Args:
        game: a :class:`BayesianGame` or a normal-form / unit-sum game (one type per player).
        profile: one array per player, shape ``(T_i, k_i)`` (a mixed action per type) or ``(k_i,)``
            for a one-type player; each row a distribution.

    Returns:
        Shape ``(n_players,)``.

    Example:
        >>> from powergames.games import matching_pennies
        >>> achieved_value(matching_pennies(), [[1.0, 0.0], [1.0, 0.0]]).tolist()
        [1.0, -1.0]
    """
    _, ach = _power_and_achieved(game, profile)
    return ach


def nash_conv(game: Game, profile: Any) -> float:
    """``NashConv(σ) = Σ_i (POWER(i, σ) − achieved_i(σ)) ≥ 0``; 0 exactly at a Bayesian Nash
    equilibrium. In a constant-sum game with constant ``c`` it equals ``Σ_i POWER(i, σ) − c``.

    Implements MATH.md (2.4) and (2.6).

    Args:
        game: a :class:`BayesianGame` or a normal-form / unit-sum game (one type per player).
        profile: one array per player, shape ``(T_i, k_i)`` (a mixed action per type) or ``(k_i,)``
            for a one-type player; each row a distribution.

    Returns:
        A float ``≥ 0`` (up to rounding).

    Example:
        >>> from powergames.games import matching_pennies
        >>> nash_conv(matching_pennies(), [[1.0, 0.0], [1.0, 0.0]]), nash_conv(matching_pennies(), [[0.5, 0.5], [0.5, 0.5]])
        (2.0, 0.0)
    """
    pw, ach, exponent = _power_and_achieved(game, profile, scaled=True)
    with np.errstate(over="ignore"):
        out = float(np.ldexp((pw - ach).sum(), exponent))
    if not np.isfinite(out):
        raise ValueError(
            "NashConv of this profile exceeds the float64 range (rewards near 1.8e308); rescale "
            "the game's rewards"
        )
    return out


def is_bayes_nash(game: Game, profile: Any, tol: float | None = None) -> bool:
    """Whether every type of positive probability plays within ``tol`` of its best interim payoff.

    The test is ``max_a f_i(t_i, a) − Σ_a σ_i(t_i, a) f_i(t_i, a) ≤ tol`` for every player ``i`` and
    every type with ``Ω_i(t_i) > 0`` (the conditional, per-type regret).

    Implements MATH.md (2.5).

    Args:
        game: a :class:`BayesianGame` or a normal-form / unit-sum game (one type per player).
        profile: one array per player, shape ``(T_i, k_i)`` (a mixed action per type) or ``(k_i,)``
            for a one-type player; each row a distribution.
        tol: the allowed regret, a finite real ``>= 0``; ``None`` (default) for ``SUM_TOL`` relative
            to the rewards' scale (``BayesianGame.scale_tol``, MATH.md (2.10)), so a game and its
            rescaling get the same answer.

    Example:
        >>> from powergames.games import matching_pennies
        >>> is_bayes_nash(matching_pennies(), [[0.5, 0.5], [0.5, 0.5]])
        True
    """
    regrets, bgame = _type_regrets_max(game, profile)
    tol = bgame.scale_tol if tol is None else check_real("tol", tol, low=0.0)
    return bool(np.all(regrets <= tol))


def _type_regrets_max(game: Game, profile: Any) -> tuple[FloatArray, BayesianGame]:
    bgame, sigmas, _ = prepare(game, profile)
    players = range(bgame.n_players)
    u = unnormalised(bgame, sigmas, players)
    worst = np.zeros(bgame.n_players)
    for i in players:
        s = bgame.type_support[i]
        gap = (u[i].max(axis=1) - (sigmas[i] * u[i]).sum(axis=1))[s] / bgame.type_marginals[i][s]
        worst[i] = gap.max() if gap.size else 0.0
    return worst, bgame


def power_of_distribution(rewards: Any, weights: Any = None) -> float:
    """Single-agent POWER ``E_{r∼D}[max_a r(a)]`` (MATH.md §2).

    Implements MATH.md (2.7).

    Args:
        rewards: shape ``(m, k)``: ``m`` reward functions over ``k`` actions (further axes are
            flattened into actions).
        weights: shape ``(m,)``, the distribution ``D``; uniform when ``None``.

    Returns:
        The POWER of the distribution.

    Example:
        >>> power_of_distribution([[1.0, 0.0], [0.0, 3.0]])
        2.0
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


def power_report(game: Game, profile: Any, tol: float | None = None) -> PowerReport:
    """POWER per player and type, achieved values, NashConv and the Bayesian Nash check at once.

    Implements MATH.md (2.2)–(2.5) and (2.8).

    Args:
        game: a :class:`BayesianGame` or a normal-form / unit-sum game (one type per player).
        profile: one array per player, shape ``(T_i, k_i)`` (a mixed action per type) or ``(k_i,)``
            for a one-type player; each row a distribution.
        tol: the regret allowed by the Bayesian Nash check (as in :func:`is_bayes_nash`).

    Returns:
        A :class:`PowerReport` (per-type arrays of shape ``(T_i,)`` / ``(T_i, k_i)``, per-player
        arrays of shape ``(n_players,)``).

    Example:
        >>> from powergames.games import matching_pennies
        >>> report = power_report(matching_pennies(), [[0.5, 0.5], [0.5, 0.5]])
        >>> report.power.tolist(), report.is_bayes_nash
        ([0.0, 0.0], True)
    """
    bgame, sigmas, _ = prepare(game, profile)
    tol = bgame.scale_tol if tol is None else check_real("tol", tol, low=0.0)
    players = range(bgame.n_players)
    u = unnormalised(bgame, sigmas, players)
    interim, tpow, tach, best = [], [], [], []
    worst = 0.0
    for i in players:
        s = bgame.type_support[i]
        f = np.empty_like(u[i])
        f[s] = u[i][s] / bgame.type_marginals[i][s, None]
        zero = np.flatnonzero(~s)
        if zero.size:
            f[zero] = marginal_rows(bgame, sigmas, i, zero)
        interim.append(f)
        tpow.append(f.max(axis=1))
        tach.append((sigmas[i] * f).sum(axis=1))
        best.append(np.argmax(f, axis=1))
        if s.any():
            worst = max(worst, float((tpow[-1] - tach[-1])[s].max()))
    pw, ach = power_achieved(sigmas, u)
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
