"""POWER, achieved values and NashConv for a stack of profiles of one game (MATH.md (2.2)–(2.4)).

A training history, a population or a sweep evaluates many profiles of the same game. Here the
``B`` profiles come as one array per player, ``(B, T_j, k_j)`` (``(B, k_j)`` for a game without
types), are validated once (vectorised), and each player's unnormalised interim utilities

    Ũ_i[b, t_i, a_i] = Σ_{t_{-i}, a_{-i}} Ω(t) Π_{j≠i} σ_j[b, t_j, a_j] r_i(t_i, a)      MATH.md (2.1)

come from one contraction per player. A game without types — and a Bayesian game whose joint
tensors ``Ω(t) r_i(t_i, a)`` over (type, action) pairs are small (:func:`_joint_rewards`) — is
contracted by :func:`_interim_one_type`: one BLAS matrix product of the reward tensor with the
stacked outer product of the players on one side of a split, then one broadcast product over the
rest, with the batch as the contiguous axis. Other Bayesian games go through NumPy's einsum (the
prior and the reward tensor, then each other player's stacked strategies). The results agree with
:func:`~powergames.theory.bayesian_power.nash_conv` per profile up to rounding.
"""

from __future__ import annotations

import functools
import itertools
import math
import operator
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from powergames.games.base import Game, check_game
from powergames.games.bayesian import BayesianGame
from powergames.games.checks import SUM_TOL, as_float_array, first_index, frozen
from powergames.theory.game_cache import GameCache
from powergames.theory.interim_contraction import bayesian_view

FloatArray = npt.NDArray[np.float64]

__all__ = ["achieved_value_batch", "nash_conv_batch", "power_achieved_batch", "power_batch"]


def _fast_stack(
    profiles: Sequence[Any], shapes: Sequence[tuple[int, int]], flat_ok: bool
) -> list[FloatArray] | None:
    """The profiles as ``(B, T_j, k_j)`` views if they are plainly valid float64 arrays, else ``None``.

    Per player one minimum and one matrix-vector product for the row sums (a reduction along
    rows of a few entries is several times slower); non-negative and every row summing to 1
    within ``SUM_TOL`` (which also fails on NaN and infinities). ``None`` sends the caller to the
    full check, which names the first offending entry.
    """
    out: list[FloatArray] = []
    for p, (t, k) in zip(profiles, shapes):
        if not isinstance(p, np.ndarray) or p.dtype != np.float64 or p.shape[-1:] != (k,):
            return None
        if p.ndim == 2 and flat_ok:
            p = p[:, None, :]
        if p.ndim != 3 or p.shape[1] != t or not p.size:
            return None
        if out and p.shape[0] != out[0].shape[0]:
            return None
        if not p.min() >= 0:
            return None
        if not np.abs(p.reshape(-1, k) @ np.ones(k) - 1.0).max() <= SUM_TOL:
            return None
        out.append(p)
    return out


def _check_profiles(game: Game, profiles: Any) -> tuple[BayesianGame, list[FloatArray]]:
    """The Bayesian game and the profiles as ``(B, T_j, k_j)`` float arrays, checked at once."""
    g = check_game("game", game)
    bgame = bayesian_view(g)
    n = bgame.n_players
    if isinstance(profiles, np.ndarray) or not isinstance(profiles, list | tuple):
        raise TypeError(
            f"profiles must be a list with one stacked strategy array per player, got "
            f"{type(profiles).__name__}"
        )
    if len(profiles) != n:
        raise ValueError(f"profiles must have one array per player ({n}), got {len(profiles)}")
    shapes = list(zip(bgame.n_types, bgame.n_actions))
    fast = _fast_stack(profiles, shapes, flat_ok=not g.per_type)
    if fast is not None:
        return bgame, fast
    out = []
    batch = None
    for j, p in enumerate(profiles):
        arr = as_float_array(f"profiles[{j}]", p)
        t, k = shapes[j]
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


#: Largest number of float64 entries of one work array of the one-type contraction (512 KB): a
#: larger batch is cut into chunks of profiles. Small work arrays come from the allocator's heap;
#: large ones are mapped afresh by the operating system on every call, and faulting their pages
#: in costs more than the arithmetic on games of a few hundred entries.
_CHUNK_ENTRIES = 1 << 16


@functools.lru_cache(maxsize=256)
def _plan(ks: tuple[int, ...]) -> tuple[tuple[tuple[bool, int], ...], int]:
    """Per player, which side of its reward tensor one matrix product contracts, and where.

    Player ``i``'s rewards ``(k_0, …, k_{n-1})`` are read as a matrix split at axis ``m``: with
    ``m > i`` (``right``) the trailing players ``m, …, n-1`` go by one matrix product with their
    stacked outer product, with ``m <= i`` the leading players ``0, …, m-1``. The remaining other
    players are contracted by one broadcast product summed over their axes. ``m`` is chosen to make
    the largest work array (outer products and the product's result) smallest.

    Returns:
        ``[(right, m)]`` per player and the largest work array per profile (entries).
    """
    n = len(ks)
    cum = [1, *itertools.accumulate(ks, operator.mul)]
    total = cum[-1]
    plan: list[tuple[bool, int]] = []
    worst = 1
    for i in range(n):
        best: tuple[int, bool, int] | None = None
        for m in range(i + 1, n + 1):  # right: [m, n) by the product, [0, i) and [i+1, m) after
            if m == n and n > 1:
                continue
            size = max(total // cum[m], cum[m], cum[i], cum[m] // cum[i + 1])
            if best is None or size < best[0]:
                best = (size, True, m)
        for m in range(1, i + 1):  # left: [0, m) by the product, [m, i) and [i+1, n) after
            size = max(cum[m], total // cum[m], cum[i] // cum[m], total // cum[i + 1])
            if best is None or size < best[0]:
                best = (size, False, m)
        assert best is not None
        plan.append((best[1], best[2]))
        worst = max(worst, best[0])
    return tuple(plan), worst


def _interim_one_type(
    rewards: Sequence[FloatArray], flat: Sequence[FloatArray], plan: Sequence[tuple[bool, int]]
) -> list[FloatArray]:
    """``Ũ_i[a_i, b]`` of a game without types for every player, shapes ``(k_i, B)``.

    ``flat[j]`` is player ``j``'s stacked strategies laid out as ``(k_j, B)`` (C order: the batch
    is the contiguous axis, so every elementwise step and every reduction over actions runs along
    it). Player ``i``'s rewards, read as a matrix split at the axis ``m`` of :func:`_plan`, are
    multiplied by the stacked outer product ``σ_m ⊗ … ⊗ σ_{n-1}`` (or ``σ_0 ⊗ … ⊗ σ_{m-1}``) of
    shape ``(Π k_j, B)`` — one BLAS matrix product — and the result, one axis per remaining
    player, is contracted with those players' stacked outer products by one broadcast product
    (``einsum``) summed over their axes. Outer products ``(Π_{lo ≤ j < hi} k_j, B)`` are shared
    between players.
    """
    n = len(flat)
    batch = flat[0].shape[1]
    ks = [f.shape[0] for f in flat]
    cum = [1, *itertools.accumulate(ks, operator.mul)]
    total = cum[-1]
    outers: dict[tuple[int, int], FloatArray] = {}

    def outer(lo: int, hi: int) -> FloatArray:
        if hi - lo == 1:
            return flat[lo]
        v = outers.get((lo, hi))
        if v is None:
            v = (flat[lo][:, None, :] * outer(lo + 1, hi)[None, :, :]).reshape(-1, batch)
            outers[(lo, hi)] = v
        return v

    out = []
    for i, (right, m) in enumerate(plan):
        k, r = ks[i], rewards[i]
        if n == 1:
            out.append(np.repeat(r.reshape(k, 1), batch, axis=1))
            continue
        if right:  # y: (pre, k, mid, B) with [0, i) and [i+1, m) left
            y = r.reshape(cum[m], total // cum[m]) @ outer(m, n)
            groups = [(0, i), (i + 1, m)]
        else:  # y: (mid, k, post, B) with [m, i) and [i+1, n) left
            y = r.reshape(cum[m], total // cum[m]).T @ outer(0, m)
            groups = [(m, i), (i + 1, n)]
        before = cum[groups[0][1]] // cum[groups[0][0]]
        after = cum[groups[1][1]] // cum[groups[1][0]]
        y = y.reshape(before, k, after, batch)
        if before > 1 and after > 1:
            u = np.einsum("pkqb,pb,qb->kb", y, outer(*groups[0]), outer(*groups[1]))
        elif before > 1:
            u = np.einsum("pkb,pb->kb", y[:, :, 0], outer(*groups[0]))
        elif after > 1:
            u = np.einsum("kqb,qb->kb", y[0], outer(*groups[1]))
        else:
            u = y[0, :, 0]
        out.append(u)
    return out


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


#: Largest joint reward tensor ``Ω(t) r_i(t_i, a)`` (entries per player) built for a Bayesian game;
#: above, the einsum contraction of the prior and the rewards is used.
_JOINT_MAX_ENTRIES = 1 << 20

#: For two players, the joint tensor is used up to this many times the entries of ``rewards[i]``.
_JOINT_MAX_RATIO = 16

#: Joint reward tensors per Bayesian game (dropped when the game is collected).
_JOINT_CACHE = GameCache()


def _joint_rewards(game: BayesianGame) -> list[FloatArray] | None:
    """Per player ``J_i[(t_0, a_0), …, (t_{n-1}, a_{n-1})] = Ω(t) r_i(t_i, a)``, one axis of size
    ``T_j k_j`` per player (type major), built once per game; ``None`` above
    :data:`_JOINT_MAX_ENTRIES`, or for two players above :data:`_JOINT_MAX_RATIO` times the reward
    array (there the einsum over the prior and the rewards does less arithmetic; with more players
    its intermediate tensors cost far more than the joint tensor, measured in benchmarks/batched.py).

    With it a Bayesian game is a game without types whose player ``j`` plays the pair
    ``(t_j, a_j)`` with weight ``σ_j(t_j, a_j)``: the multilinear contraction of
    :func:`_interim_one_type` gives ``Ũ_i(t_i, a_i)`` of MATH.md (2.1) (times ``Ω_i(t_i)``) at once.
    """
    n = game.n_players
    sizes = [t * k for t, k in zip(game.n_types, game.n_actions)]
    joint = math.prod(sizes)
    if joint > _JOINT_MAX_ENTRIES or (n == 2 and joint > _JOINT_MAX_RATIO * game.rewards[0].size):
        return None

    def build() -> list[FloatArray]:
        order = [label for j in range(n) for label in (j, n + j)]  # t_0, a_0, t_1, a_1, ...
        out = []
        for i in range(n):
            operands: list[Any] = [game.prior, list(range(n))]
            operands += [game.rewards[i], [i, *range(n, 2 * n)], order]
            j = np.einsum(*operands)
            out.append(frozen(np.ascontiguousarray(j).reshape(sizes)))
        return out

    return _JOINT_CACHE.get(game, "joint_rewards", build)


def _power_and_achieved(game: Game, profiles: Any) -> tuple[FloatArray, FloatArray]:
    """POWER and achieved values, both ``(n, B)`` (the batch contiguous)."""
    bgame, sigmas = _check_profiles(game, profiles)
    batch = sigmas[0].shape[0]
    n = bgame.n_players
    pw = np.empty((n, batch))
    ach = np.empty_like(pw)
    types = bgame.n_types
    if all(t == 1 for t in types):
        rewards: list[FloatArray] | None = [r[0] for r in bgame.rewards]
    else:
        rewards = _joint_rewards(bgame)
    if rewards is not None:
        sizes = tuple(t * k for t, k in zip(types, bgame.n_actions))
        plan, worst = _plan(sizes)
        step = max(1, _CHUNK_ENTRIES // worst)
        with np.errstate(over="ignore", invalid="ignore"):
            for lo in range(0, batch, step):
                flat = [
                    np.ascontiguousarray(s[lo : lo + step].reshape(-1, size).T)
                    for s, size in zip(sigmas, sizes)
                ]
                for i, u in enumerate(_interim_one_type(rewards, flat, plan)):
                    if types[i] == 1:
                        pw[i, lo : lo + step] = u.max(axis=0)
                    else:
                        pw[i, lo : lo + step] = u.reshape(types[i], -1, u.shape[1]).max(1).sum(0)
                    ach[i, lo : lo + step] = (flat[i] * u).sum(axis=0)
    else:
        for i in range(n):
            u = _interim(bgame, sigmas, i)
            pw[i] = u.max(axis=2).sum(axis=1)
            ach[i] = (sigmas[i] * u).sum(axis=(1, 2))
    if not (np.isfinite(pw).all() and np.isfinite(ach).all()):
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
    return np.ascontiguousarray(_power_and_achieved(game, profiles)[0].T)


def power_achieved_batch(game: Game, profiles: Any) -> tuple[FloatArray, FloatArray]:
    """POWER and the achieved values of every profile at once (one contraction), each ``(B, n)``.

    Args:
        game, profiles: as in :func:`power_batch`.
    """
    pw, ach = _power_and_achieved(game, profiles)
    return np.ascontiguousarray(pw.T), np.ascontiguousarray(ach.T)


def achieved_value_batch(game: Game, profiles: Any) -> FloatArray:
    """The on-policy expected reward of every player in every profile, MATH.md (2.3), ``(B, n)``.

    Args:
        game, profiles: as in :func:`power_batch`.
    """
    return np.ascontiguousarray(_power_and_achieved(game, profiles)[1].T)


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
    return np.asarray((pw - ach).sum(axis=0), dtype=np.float64)
