"""Alignment metrics of MATH.md §3: welfare, utility covariance, the coordination–alignment chain, ``α``.

Every function takes a game without types — a :class:`NormalFormGame`, or a unit-sum game
(``UnitSumGame`` or ``SymmetricUnitSumGame``) whose hidden state ``X`` is integrated out under its
prior (``u_i(a) = E_x[s_i(x, a)]``: no player observes ``X``) — or a raw payoff array of shape
``(n_players, k_0, …, k_{n-1})``. :func:`alpha` also works in count form for symmetric unit-sum
games, and :func:`alpha_per_state` gives ``α`` for each value of ``X``. The maxmin threat point,
surplus and Nash bargaining are in :mod:`powergames.theory.bargaining`; the full report in
:mod:`powergames.theory.alignment_report`.

A profile is either an independent mixed profile (a list of ``(k_i,)`` arrays) or a joint
(correlated) distribution (one array of shape ``(k_0, …, k_{n-1})``).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt

from powergames.games.base import Game, context_payoffs
from powergames.games.checks import as_float_array
from powergames.games.normal_form import NormalFormGame
from powergames.games.symmetric import SymmetricUnitSumGame

FloatArray = npt.NDArray[np.float64]

#: What the metrics accept: a game without types or a payoff array ``(n, k_0, …, k_{n-1})``.
GameLike: TypeAlias = "Game | npt.ArrayLike"

#: Largest number of pure profiles ``Π_i k_i`` a symmetric game may have to be expanded densely.
MAX_DENSE_PROFILES = 2_000_000

__all__ = [
    "MAX_DENSE_PROFILES",
    "CAReport",
    "GameLike",
    "alpha",
    "alpha_per_state",
    "as_normal_form",
    "ca_report",
    "coordination_gap",
    "max_welfare",
    "max_welfare_profile",
    "pareto_efficient_payoffs",
    "pareto_mask",
    "player_maxima",
    "pure_profile",
    "utility_covariance",
    "welfare",
]


# ---------------------------------------------------------------------------- game coercion


def as_normal_form(game: GameLike) -> NormalFormGame:
    """The normal-form game the metrics are computed on.

    Args:
        game: a game without types (:meth:`~powergames.games.base.Game.as_normal_form`: a
            ``NormalFormGame`` as is, a unit-sum game prior-averaged,
            ``u_i(a) = Σ_x prior(x) s_i(x, a)``); or a payoff array of shape
            ``(n_players, k_0, …, k_{n-1})``.

    Raises:
        TypeError: anything else, or a game whose players have types (a Bayesian game's utilities
            depend on private types).
        ValueError: a payoff array of the wrong shape or with non-finite entries; a count-form game
            too large to expand (more than :data:`MAX_DENSE_PROFILES` pure profiles).
    """
    if isinstance(game, NormalFormGame):
        return game
    if isinstance(game, np.ndarray | list | tuple):
        try:
            return NormalFormGame(as_float_array("game", game))
        except ValueError as exc:
            raise ValueError(f"game (a payoff array): {exc}") from None
    if not isinstance(game, Game):
        raise TypeError(
            "game must be a game (NormalFormGame, UnitSumGame, SymmetricUnitSumGame) or a payoff "
            f"array (n_players, k_0, ..., k_{{n-1}}); got {type(game).__name__}"
        )
    if any(t > 1 for t in game.type_sizes):
        raise TypeError(
            f"alignment metrics are defined for normal-form games (MATH.md §3); a "
            f"{type(game).__name__} whose players have types (type sizes {game.type_sizes}) has "
            "utilities that depend on private types — pass a NormalFormGame or a unit-sum game"
        )
    if game.count_form:
        size = math.prod(game.action_sizes)
        if size > MAX_DENSE_PROFILES:
            raise ValueError(
                f"this count-form game has {size} pure profiles (action sizes "
                f"{game.action_sizes[0]}**{game.n_players}), more than {MAX_DENSE_PROFILES}; only "
                "alpha/alpha_per_state work in count form"
            )
    return game.as_normal_form()


#: Payoffs at least this large are rescaled by a power of two before sums and products.
_LARGE = 2.0**500


def _small(g: NormalFormGame) -> tuple[NormalFormGame, int]:
    """``(g', e)`` with ``g = 2**e · g'`` exactly and ``|g'| < 2**500`` (``e = 0``, ``g' = g`` usually)."""
    largest = float(np.abs(g.payoffs).max())
    if largest < _LARGE:
        return g, 0
    e = math.frexp(largest)[1]
    return NormalFormGame(np.ldexp(g.payoffs, -e)), e


def _back(value: Any, e: int, what: str) -> Any:
    """``value · 2**e``, a ``ValueError`` naming ``what`` if it exceeds float64."""
    if e == 0:
        return value
    with np.errstate(over="ignore"):
        out = np.ldexp(value, e)
    if not np.all(np.isfinite(out)):
        raise ValueError(
            f"{what} exceeds the float64 range (payoffs near 1.8e308); rescale the game"
        )
    return out


def _joint_weights(g: NormalFormGame, profile: Any) -> FloatArray:
    """The distribution over pure profiles, shape ``(k_0, …, k_{n-1})``, of a validated profile."""
    if isinstance(profile, np.ndarray):
        return g.validate_joint(profile, "profile")
    sigmas = g.validate_profile(profile)
    w = sigmas[0]
    for s in sigmas[1:]:
        w = np.multiply.outer(w, s)
    return np.asarray(w, dtype=np.float64)


def pure_profile(n_actions: tuple[int, ...], actions: tuple[int, ...]) -> list[FloatArray]:
    """The mixed profile that plays ``actions`` with certainty (one-hot rows)."""
    out = []
    for k, a in zip(n_actions, actions):
        e = np.zeros(k)
        e[a] = 1.0
        out.append(e)
    return out


# ---------------------------------------------------------------------------- welfare, covariance


def welfare(game: GameLike, profile: Any) -> float:
    """Expected welfare ``E_σ[Σ_i u_i(a)]`` (MATH.md §3, the local "sum of utility" metric ``M``).

    Implements MATH.md (3.1).

    Args:
        game: see :func:`as_normal_form`.
        profile: an independent profile (list of ``(k_i,)`` arrays) or a joint distribution.

    Example:
        >>> from powergames.games import prisoners_dilemma
        >>> welfare(prisoners_dilemma(), [[1.0, 0.0], [1.0, 0.0]])
        -2.0
    """
    g, e = _small(as_normal_form(game))
    return float(_back(g.expected_payoffs(profile).sum(), e, "the welfare"))


def max_welfare(game: GameLike) -> float:
    """``max_a Σ_i u_i(a)`` over pure profiles (also the maximum over mixed/correlated ones).

    Implements MATH.md (3.3).
    """
    g, e = _small(as_normal_form(game))
    return float(_back(g.welfare.max(), e, "the maximum welfare"))


def max_welfare_profile(game: GameLike) -> list[FloatArray]:
    """A pure profile attaining ``max_a Σ_i u_i(a)`` (the first in C order), as one-hot arrays.

    Implements MATH.md (3.3).

    Args:
        game: see :func:`as_normal_form`.

    Returns:
        One one-hot array of shape ``(k_i,)`` per player.
    """
    g, _ = _small(as_normal_form(game))
    a = np.unravel_index(int(np.argmax(g.welfare)), g.n_actions)
    return pure_profile(g.n_actions, tuple(int(x) for x in a))


def coordination_gap(game: GameLike, profile: Any) -> float:
    """``max_a Σ_i u_i(a) − E_σ[Σ_i u_i]`` ≥ 0: the slack in the coordination inequality.

    Implements MATH.md (3.4).

    Args:
        game: see :func:`as_normal_form`.
        profile: an independent profile (list of ``(k_i,)`` arrays) or a joint distribution of
            shape ``(k_0, …, k_{n-1})``.

    Example:
        >>> from powergames.games import prisoners_dilemma
        >>> coordination_gap(prisoners_dilemma(), [[0.0, 1.0], [0.0, 1.0]])
        2.0
    """
    g, e = _small(as_normal_form(game))
    gap = float(g.welfare.max()) - float(g.expected_payoffs(profile).sum())
    return float(_back(gap, e, "the coordination gap"))


def utility_covariance(game: GameLike, profile: Any) -> FloatArray:
    """The ``(n, n)`` matrix ``Cov(u_i, u_j)`` with ``a ∼ profile`` (MATH.md §3).

    ``Cov(u_i, u_j) = Σ_a P(a) (u_i(a) − E u_i)(u_j(a) − E u_j)``, computed as one matrix product of
    the centred payoffs (memory ``n × Π_i k_i``, the size of the payoff tensor). For a deterministic
    profile every centred payoff at the played profile is exactly 0, so the matrix is exactly 0.

    Implements MATH.md (3.2).

    Args:
        game: see :func:`as_normal_form`.
        profile: an independent profile (list of ``(k_i,)`` arrays) or a joint distribution.

    Returns:
        A symmetric positive semi-definite ``(n, n)`` array.

    Example:
        >>> from powergames.games import prisoners_dilemma
        >>> utility_covariance(prisoners_dilemma(), [[0.5, 0.5], [0.5, 0.5]]).tolist()
        [[1.25, -1.0], [-1.0, 1.25]]
    """
    g, e = _small(as_normal_form(game))
    w = _joint_weights(g, profile).reshape(-1)
    u = g.payoffs.reshape(g.n_players, -1)
    support = w > 0
    u, w = u[:, support], w[support]
    mean = u @ w
    centred = u - mean[:, None]
    cov = (centred * w) @ centred.T
    return np.asarray(_back((cov + cov.T) / 2, 2 * e, "the covariance"), dtype=np.float64)


# ---------------------------------------------------------------------------- C–A inequalities, α


def player_maxima(game: GameLike) -> FloatArray:
    """``max_a u_i(a)`` for each player, shape ``(n,)``.

    Implements MATH.md (3.3).
    """
    g = as_normal_form(game)
    return g.payoffs.reshape(g.n_players, -1).max(axis=1)


def alpha(game: GameLike) -> float:
    """The C–A alignment metric ``α = max_a Σ_i u_i(a) − Σ_i max_a u_i(a) ≤ 0`` (MATH.md §3).

    For a symmetric unit-sum game in count form (any number of players) this is computed without
    expanding the game: welfare is 1 at every profile, and by symmetry every player's best share is
    the largest entry of the prior-averaged count table, so ``α = 1 − n · max_{a, c} Σ_x prior(x)
    table[x, a, c]``. Unit-sum games are averaged over ``X`` first (the players do not observe it);
    see :func:`alpha_per_state` for the values at each ``x``.

    Implements MATH.md (3.4).

    Args:
        game: a game accepted by :func:`as_normal_form`.

    Example:
        >>> from powergames.games import matching_pennies
        >>> alpha(matching_pennies())
        -2.0
    """
    if isinstance(game, SymmetricUnitSumGame):
        averaged = np.tensordot(game.contexts.prior, game.table, axes=1)
        return float(1.0 - game.n_players * averaged.max())
    g, e = _small(as_normal_form(game))
    value = float(g.welfare.max() - g.payoffs.reshape(g.n_players, -1).max(axis=1).sum())
    return float(_back(value, e, "alpha"))


def alpha_per_state(game: GameLike) -> FloatArray:
    """``α`` of the game played at each hidden state ``x``, shape ``(n_states,)``.

    ``α_x = 1 − Σ_i max_a s_i(x, a)`` for a unit-sum game (``1 − n · max_{a, c} table[x, a, c]`` in
    count form). Since a maximum of an average is at most the average of the maxima,
    ``alpha(game) ≥ Σ_x prior(x) α_x``. A normal-form game has one state.

    Implements MATH.md (3.4).
    """
    if isinstance(game, SymmetricUnitSumGame):
        table = game.table
        return np.asarray(1.0 - game.n_players * table.reshape(table.shape[0], -1).max(axis=1))
    if isinstance(game, Game) and game.contexts.n_contexts > 1:
        as_normal_form(game)  # the checks: no types, not too large
        per_context = context_payoffs(game)
        return np.array([alpha(NormalFormGame(u)) for u in per_context])
    return np.array([alpha(game)])


def pareto_efficient_payoffs(game: GameLike) -> FloatArray:
    """The Pareto-efficient payoff vectors among pure profiles, shape ``(m, n)`` (distinct rows).

    A payoff vector is Pareto-efficient when no pure profile gives every player at least as much
    and someone strictly more (exact comparison of the stored payoffs).

    Implements MATH.md (3.3).
    """
    g = as_normal_form(game)
    pts = np.unique(g.payoffs.reshape(g.n_players, -1).T, axis=0)
    return pts[pareto_mask(pts)]


def pareto_mask(pts: FloatArray) -> npt.NDArray[np.bool_]:
    """Which rows of ``pts`` (distinct payoff vectors, shape ``(m, n)``) no other row dominates.

    Block-nested-loop skyline: a dominating vector has a strictly larger sum, so rows are visited
    in decreasing order of their sum and each is compared with the efficient rows found so far
    (by transitivity those suffice). Cost ``O(m · #efficient · n)``.

    Implements MATH.md (3.3).
    """
    order = np.argsort(-pts.sum(axis=1), kind="stable")
    sky = np.empty_like(pts)
    n_sky = 0
    keep = np.zeros(len(pts), dtype=bool)
    for idx in order:
        p = pts[idx]
        if n_sky and np.any(np.all(sky[:n_sky] >= p, axis=1)):
            continue  # dominated (rows are distinct, so >= everywhere means dominated)
        sky[n_sky] = p
        n_sky += 1
        keep[idx] = True
    return keep


@dataclass(frozen=True)
class CAReport:
    """The coordination–alignment inequalities ``Σ_i u_i(σ) ≤ max_a Σ_i u_i(a) ≤ Σ_i max_a u_i(a)``.

    Attributes:
        welfare: ``E_σ[Σ_i u_i]`` at the profile (``nan`` when no profile was given).
        max_welfare: ``max_a Σ_i u_i(a)``.
        sum_of_maxima: ``Σ_i max_a u_i(a)``.
        coordination_gap: ``max_welfare − welfare`` (``nan`` without a profile).
        alpha: ``max_welfare − sum_of_maxima`` (≤ 0).
        chain_holds: both inequalities hold (within the tolerance).
        coordination_tight: the profile attains the maximum welfare.
        constant_welfare: ``Σ_i u_i(a)`` is the same for every ``a`` — the equality case of the
            coordination inequality for every profile.
        alignment_tight: a pure profile attains every player's maximum at once. This is equivalent
            to ``Σ_i max_a u_i(a) = max_a Σ_i u_i(a)`` and to "there is a unique Pareto-efficient
            payoff profile and it is optimal for every player" (MATH.md §3); both are computed.
        unique_pareto_optimal_for_all: every Pareto-efficient pure payoff vector equals the vector
            of maxima up to ``tol`` — there is one, up to rounding (computed from the Pareto set).
        n_pareto_payoffs: that number of distinct Pareto-efficient payoff vectors.
        common_payoff: every player has the same utility (a special case of alignment_tight).
        tol: the absolute tolerance of the flags (``1e-9 · max(1, max |u|)``).
    """

    welfare: float
    max_welfare: float
    sum_of_maxima: float
    coordination_gap: float
    alpha: float
    chain_holds: bool
    coordination_tight: bool
    constant_welfare: bool
    alignment_tight: bool
    unique_pareto_optimal_for_all: bool
    n_pareto_payoffs: int
    common_payoff: bool
    tol: float

    def as_dict(self) -> dict[str, Any]:
        """Plain Python values (for JSON)."""
        return asdict(self)


def ca_report(game: GameLike, profile: Any = None) -> CAReport:
    """The coordination–alignment inequalities, the coordination gap, ``α`` and the equality flags.

    Implements MATH.md (3.3) and (3.4).

    Args:
        game: see :func:`as_normal_form`.
        profile: an independent profile (list of ``(k_i,)`` arrays) or a joint distribution of
            shape ``(k_0, …, k_{n-1})`` for the first term; ``None`` reports only the global terms
            (``welfare`` and ``coordination_gap`` are then ``nan``).

    Returns:
        A :class:`CAReport` of floats and flags.

    Example:
        >>> from powergames.games import coordination
        >>> r = ca_report(coordination())
        >>> r.alpha, r.alignment_tight
        (0.0, True)
    """
    g = as_normal_form(game)
    tol = g.scale_tol
    maxima = player_maxima(g)
    w_max = float(g.welfare.max())
    s_max = float(maxima.sum())
    w = welfare(g, profile) if profile is not None else math.nan
    flat = g.payoffs.reshape(g.n_players, -1)
    alignment_tight = bool(np.any(np.all(flat >= maxima[:, None] - tol, axis=0)))
    pareto = pareto_efficient_payoffs(g)
    # every Pareto-efficient payoff vector is the vector of maxima (equal up to ``tol``)
    unique = bool(np.all(np.abs(pareto - maxima[None, :]) <= tol))
    chain = (profile is None or w <= w_max + tol) and w_max <= s_max + tol
    return CAReport(
        welfare=w,
        max_welfare=w_max,
        sum_of_maxima=s_max,
        coordination_gap=w_max - w,
        alpha=w_max - s_max,
        chain_holds=bool(chain),
        coordination_tight=bool(profile is not None and abs(w_max - w) <= tol),
        constant_welfare=bool(g.constant_sum_value(tol=tol) is not None),
        alignment_tight=alignment_tight,
        unique_pareto_optimal_for_all=unique,
        n_pareto_payoffs=len(pareto),
        common_payoff=bool(np.all(np.abs(g.payoffs - g.payoffs[0]) <= tol)),
        tol=tol,
    )
