"""POWER, achieved values and NashConv for a stack of profiles of one game (MATH.md (2.2)–(2.4)).

A training history, a population or a sweep evaluates many profiles of the same game. Here the
``B`` profiles come as one array per player, ``(B, T_j, k_j)`` (``(B, k_j)`` for a game without
types), are validated once (vectorised), and each player's unnormalised interim utilities

    Ũ_i[b, t_i, a_i] = Σ_{t_{-i}, a_{-i}} Ω(t) Π_{j≠i} σ_j[b, t_j, a_j] r_i(t_i, a)      MATH.md (2.1)

come from one contraction per player (the reward tensor with the prior first, then each other
player's stacked strategies; NumPy's einsum picks the order and BLAS for the first product). The
results agree with :func:`~powergames.theory.bayesian_power.nash_conv` per profile up to rounding.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from powergames.games.base import Game, check_game
from powergames.games.bayesian import BayesianGame, as_bayesian
from powergames.games.checks import SUM_TOL, as_float_array, first_index

FloatArray = npt.NDArray[np.float64]

__all__ = ["achieved_value_batch", "nash_conv_batch", "power_batch"]


def _check_profiles(game: Game, profiles: Any) -> tuple[BayesianGame, list[FloatArray]]:
    """The Bayesian game and the profiles as ``(B, T_j, k_j)`` float arrays, checked at once."""
    g = check_game("game", game)
    bgame = as_bayesian(g)
    n = bgame.n_players
    if isinstance(profiles, np.ndarray) or not isinstance(profiles, list | tuple):
        raise TypeError(
            f"profiles must be a list with one stacked strategy array per player, got "
            f"{type(profiles).__name__}"
        )
    if len(profiles) != n:
        raise ValueError(f"profiles must have one array per player ({n}), got {len(profiles)}")
    out = []
    batch = None
    for j, p in enumerate(profiles):
        arr = as_float_array(f"profiles[{j}]", p)
        t, k = bgame.n_types[j], bgame.n_actions[j]
        if not g.per_type and arr.ndim == 2:
            arr = arr[:, None, :]
        if arr.ndim != 3 or arr.shape[1:] != (t, k):
            want = f"(B, {t}, {k})" if g.per_type else f"(B, {k})"
            raise ValueError(f"profiles[{j}] must have shape {want}, got {np.shape(p)}")
        if batch is None:
            batch = arr.shape[0]
        elif arr.shape[0] != batch:
            raise ValueError(
                f"profiles[{j}] has {arr.shape[0]} profiles, profiles[0] has {batch}: one batch"
            )
        if np.any(arr < 0):
            idx = first_index(arr < 0)
            raise ValueError(f"profiles[{j}] must be non-negative; found {arr[idx]} at {idx}")
        off = np.abs(arr.sum(axis=2) - 1.0) > SUM_TOL
        if np.any(off):
            idx = first_index(off)
            raise ValueError(
                f"profiles[{j}] must hold distributions; the row at {idx} sums to "
                f"{float(arr.sum(axis=2)[idx])!r}"
            )
        out.append(arr)
    if batch == 0:
        raise ValueError("profiles must hold at least one profile (B >= 1)")
    return bgame, out


def _interim(bgame: BayesianGame, sigmas: list[FloatArray], i: int) -> FloatArray:
    """``Ũ_i``, shape ``(B, T_i, k_i)``: MATH.md (2.1) times the type marginal."""
    n = bgame.n_players
    # labels: 0..n-1 types, n..2n-1 actions, 2n the batch (a ones vector carries it when player i
    # is alone)
    operands: list[Any] = [np.ones(sigmas[0].shape[0]), [2 * n]] if n == 1 else []
    if all(t == 1 for t in bgame.n_types):
        operands += [bgame.rewards[i][0], [n + j for j in range(n)]]
        for j in range(n):
            if j != i:
                operands += [sigmas[j][:, 0, :], [2 * n, n + j]]
        out = np.einsum(*operands, [2 * n, n + i], optimize="greedy")
        return np.asarray(out, dtype=np.float64)[:, None, :]
    operands += [bgame.prior, list(range(n))]
    operands += [bgame.rewards[i], [i] + [n + j for j in range(n)]]
    for j in range(n):
        if j != i:
            operands += [sigmas[j], [2 * n, j, n + j]]
    out = np.einsum(*operands, [2 * n, i, n + i], optimize="greedy")
    return np.asarray(out, dtype=np.float64)


def _power_and_achieved(game: Game, profiles: Any) -> tuple[FloatArray, FloatArray]:
    bgame, sigmas = _check_profiles(game, profiles)
    batch = sigmas[0].shape[0]
    pw = np.empty((batch, bgame.n_players))
    ach = np.empty_like(pw)
    for i in range(bgame.n_players):
        u = _interim(bgame, sigmas, i)
        pw[:, i] = u.max(axis=2).sum(axis=1)
        ach[:, i] = (sigmas[i] * u).sum(axis=(1, 2))
    if not (np.all(np.isfinite(pw)) and np.all(np.isfinite(ach))):
        raise ValueError(
            "POWER of these profiles overflows float64 (rewards near 1.8e308); use nash_conv "
            "per profile, which rescales"
        )
    return pw, ach


def power_batch(game: Game, profiles: Any) -> FloatArray:
    """``POWER(i, σ_b)`` for every profile ``b`` and player ``i``, MATH.md (2.2).

    Args:
        game: any game (one type per player unless it is a Bayesian game).
        profiles: one array per player, shape ``(B, T_j, k_j)`` (``(B, k_j)`` for a game without
            types): ``profiles[j][b]`` is player ``j``'s strategy in profile ``b``.

    Returns:
        Shape ``(B, n)``.

    Raises:
        TypeError: ``game`` not a game, ``profiles`` not a list, or arrays of non-real numbers.
        ValueError: wrong shapes, different batch sizes, rows that are not distributions.

    Example:
        >>> from powergames.games import matching_pennies
        >>> pure, mixed = [1.0, 0.0], [0.5, 0.5]
        >>> power_batch(matching_pennies(), [np.array([pure, mixed]), np.array([pure, mixed])]).tolist()
        [[1.0, 1.0], [0.0, 0.0]]
    """
    return _power_and_achieved(game, profiles)[0]


def achieved_value_batch(game: Game, profiles: Any) -> FloatArray:
    """The on-policy expected reward of every player in every profile, MATH.md (2.3), ``(B, n)``.

    Args:
        game, profiles: as in :func:`power_batch`.
    """
    return _power_and_achieved(game, profiles)[1]


def nash_conv_batch(game: Game, profiles: Any) -> FloatArray:
    """``NashConv(σ_b) = Σ_i (POWER(i, σ_b) − achieved_i(σ_b))`` per profile, MATH.md (2.4), ``(B,)``.

    Args:
        game, profiles: as in :func:`power_batch`.

    Example:
        >>> from powergames.games import matching_pennies
        >>> pure, mixed = [1.0, 0.0], [0.5, 0.5]
        >>> nash_conv_batch(matching_pennies(), [np.array([pure, mixed]), np.array([pure, mixed])]).tolist()
        [2.0, 0.0]
    """
    pw, ach = _power_and_achieved(game, profiles)
    return np.asarray((pw - ach).sum(axis=1), dtype=np.float64)
