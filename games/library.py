"""Named games: the usual 2×2 games, a few classics, and a common-payoff → constant-sum family.

Every function returns a fresh validated game. Action 0 is always the first-named action (``C`` in
the prisoner's dilemma, ``H`` in matching pennies, …). ``GAMES`` maps a name to its constructor and
:func:`get_game` builds a game by name (including the majority game and the named Bayesian games
of :mod:`powergames.games.symmetric` and :mod:`powergames.games.bayesian`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, MutableMapping
from typing import Any

import numpy as np
import numpy.typing as npt

from powergames.games.base import Game
from powergames.games.bayesian import bayesian_coordination, bayesian_matching_pennies
from powergames.games.checks import (
    SUM_TOL,
    as_float_array,
    check_positive_int,
    check_rng,
    did_you_mean,
)
from powergames.games.normal_form import NormalFormGame
from powergames.games.symmetric import majority_game

#: Largest dense payoff tensor (``n · k**n`` entries) a named game with ``n_players`` builds.
MAX_NAMED_ENTRIES = 2**26


def _check_dense(n: int, k: int) -> None:
    """Refuse, before allocating, a dense ``n``-player game of ``n · k**n`` payoffs over the budget."""
    entries = n * k**n
    if entries > MAX_NAMED_ENTRIES:
        raise ValueError(
            f"a dense game with n_players={n} and n_actions={k} has n * k**n = {entries:,} payoffs "
            f"({entries * 8 / 2**30:,.1f} GiB), more than {MAX_NAMED_ENTRIES:,}; use fewer players "
            "or a count-form game (majority, symmetric unit-sum)"
        )


def _bimatrix(u1: Any, u2: Any) -> NormalFormGame:
    return NormalFormGame(np.stack([np.asarray(u1, dtype=float), np.asarray(u2, dtype=float)]))


def matching_pennies() -> NormalFormGame:
    """Matching pennies (MATH.md §3): actions ``(H, T)``; ``u_1 = +1`` on a match, ``−1`` otherwise; ``u_2 = −u_1``."""
    u1 = np.array([[1.0, -1.0], [-1.0, 1.0]])
    return _bimatrix(u1, -u1)


def prisoners_dilemma(shift: float = 0.0) -> NormalFormGame:
    """The prisoner's dilemma exactly as MATH.md §3 reconstructs it; actions ``(C, D)``.

    ``(C,C) = (−1,−1)``, ``(C,D) = (−3,0)``, ``(D,C) = (0,−3)``, ``(D,D) = (−2,−2)``, so the welfare is
    ``−4 + #cooperators`` and a defection changes the rewards by ``+1`` (defector) and ``−2`` (other).

    Args:
        shift: a constant added to both players' payoffs (the seed's ``(4) − (6)`` is ``shift=3``).
    """
    shift = float(as_float_array("shift", shift, ndim=0))
    u1 = np.array([[-1.0, -3.0], [0.0, -2.0]]) + shift
    return _bimatrix(u1, u1.T)


def stag_hunt() -> NormalFormGame:
    """Stag hunt, actions ``(Stag, Hare)``: ``(S,S) = (4,4)``, ``(S,H) = (1,3)``, ``(H,S) = (3,1)``, ``(H,H) = (3,3)``.

    Two pure equilibria: the payoff-dominant ``(S,S)`` and the risk-dominant ``(H,H)``.
    """
    u1 = np.array([[4.0, 1.0], [3.0, 3.0]])
    return _bimatrix(u1, u1.T)


def chicken() -> NormalFormGame:
    """Chicken (hawk–dove), actions ``(Swerve, Straight)``: ``(Sw,Sw) = (0,0)``, ``(Sw,St) = (−1,1)``,
    ``(St,Sw) = (1,−1)``, ``(St,St) = (−10,−10)``."""
    u1 = np.array([[0.0, -1.0], [1.0, -10.0]])
    return _bimatrix(u1, u1.T)


def battle_of_the_sexes() -> NormalFormGame:
    """Battle of the sexes, actions ``(Opera, Football)``: ``(O,O) = (3,2)``, ``(F,F) = (2,3)``, else ``(0,0)``."""
    return _bimatrix([[3.0, 0.0], [0.0, 2.0]], [[2.0, 0.0], [0.0, 3.0]])


def coordination(n_players: int = 2, n_actions: int = 2) -> NormalFormGame:
    """Pure coordination (common payoff): every player gets 1 if all choose the same action, else 0.

    Args:
        n_players: number of players ``n >= 1``.
        n_actions: number of actions ``k >= 1`` (the same for everyone).
    """
    n = check_positive_int("n_players", n_players)
    k = check_positive_int("n_actions", n_actions)
    _check_dense(n, k)
    u = np.zeros((k,) * n)
    for a in range(k):
        u[(a,) * n] = 1.0
    return NormalFormGame(np.broadcast_to(u, (n, *u.shape)))


def rock_paper_scissors() -> NormalFormGame:
    """Rock–paper–scissors, actions ``(R, P, S)``: zero-sum, ``+1`` win, ``−1`` loss, ``0`` tie."""
    u1 = np.array([[0.0, -1.0, 1.0], [1.0, 0.0, -1.0], [-1.0, 1.0, 0.0]])
    return _bimatrix(u1, -u1)


def shapley_game() -> NormalFormGame:
    """Shapley's (1964) 3×3 game in which fictitious play cycles forever.

    ``u_1(a, b) = 1`` iff ``b = a``; ``u_2(a, b) = 1`` iff ``b = a + 1 (mod 3)``; else 0. Its unique
    Nash equilibrium is uniform play by both players.
    """
    u1 = np.eye(3)
    u2 = np.roll(np.eye(3), 1, axis=1)
    return _bimatrix(u1, u2)


def _check_zero_sum_part(z: npt.NDArray[np.float64]) -> None:
    total = z.sum(axis=0)
    bad = np.abs(total) > SUM_TOL * max(1.0, float(np.abs(z).max(initial=0.0)))
    if np.any(bad):
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"base[1] (the zero-sum part Z) must sum to 0 over players; at a={idx} it sums to "
            f"{float(total[idx])!r}"
        )


def interpolation_base(
    rng: Any, n_players: int = 2, n_actions: int = 2
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """A random base ``(C, Z)`` for :func:`interpolated_game`.

    ``C`` has i.i.d. standard normal entries; ``Z_i = R_i − mean_j R_j`` for i.i.d. normal ``R`` (for
    two players ``Z_2 = −Z_1`` exactly).

    Args:
        rng: a ``np.random.Generator`` (or an int seed).
        n_players: ``n >= 1``.
        n_actions: ``k >= 1`` actions per player.

    Returns:
        ``C`` of shape ``(k,)*n`` and ``Z`` of shape ``(n, *(k,)*n)``.
    """
    rng = check_rng(rng)
    n = check_positive_int("n_players", n_players)
    k = check_positive_int("n_actions", n_actions)
    _check_dense(n, k)
    shape = (k,) * n
    c = rng.normal(size=shape)
    if n == 2:
        z1 = rng.normal(size=shape)
        z = np.stack([z1, -z1])
    else:
        r = rng.normal(size=(n, *shape))
        z = r - r.mean(axis=0)
    return c, z


def interpolated_game(
    lam: float = 0.5,
    base: tuple[Any, Any] | None = None,
    *,
    rng: Any = None,
    n_players: int = 2,
    n_actions: int = 2,
) -> NormalFormGame:
    """A one-parameter family from common payoff (``λ = 0``) to constant sum (``λ = 1``).

    ``u_i(a) = (1 − λ) C(a) + λ Z_i(a)`` with a common part ``C`` and a zero-sum part ``Z``
    (``Σ_i Z_i ≡ 0``). At ``λ = 0`` every player has payoff ``C`` (exactly common payoff); at ``λ = 1``
    the payoffs are ``Z`` (zero-sum: exactly for two players, within rounding for more); the welfare
    is ``n (1 − λ) C(a)``.

    **α is non-increasing in λ** (MATH.md §3: ``α = max_a Σ_i u_i(a) − Σ_i max_a u_i(a)``): its first
    term ``n (1 − λ) max_a C(a)`` is affine in ``λ`` and each ``max_a u_i(a)`` is a maximum of affine
    functions of ``λ``, hence convex; so ``α(λ)`` is concave on ``[0, 1]`` with ``α(0) = 0 ≥ α(λ)``.
    For ``0 ≤ λ_1 < λ_2``, concavity with ``λ_1 = t λ_2 + (1 − t)·0`` gives
    ``α(λ_1) ≥ t α(λ_2) + (1 − t) α(0) ≥ α(λ_2)``.

    Args:
        lam: ``λ ∈ [0, 1]`` (default ``0.5``).
        base: ``(C, Z)`` with ``C`` of shape ``(k_0, …, k_{n-1})`` and ``Z`` of shape
            ``(n, k_0, …, k_{n-1})`` summing to 0 over players. ``None``: drawn from ``rng`` by
            :func:`interpolation_base` when ``rng`` is given, else the fixed 2×2 base
            ``C = coordination`` (1 on the diagonal), ``Z = matching pennies`` — so ``λ = 1`` is
            exactly :func:`matching_pennies` and ``α(λ) = min(0, 1 − 3λ)``.
        rng: a ``np.random.Generator`` or int seed, used only when ``base`` is ``None``.
        n_players, n_actions: the size of a random base.

    Raises:
        ValueError: ``λ`` outside ``[0, 1]``, shapes that do not match, or ``Z`` not summing to 0.
    """
    lam_f = float(as_float_array("lam", lam, ndim=0))
    if not 0.0 <= lam_f <= 1.0:
        raise ValueError(f"lam must be in [0, 1], got {lam_f!r}")
    if base is None:
        if rng is None:
            c = np.eye(2)
            z1 = np.array([[1.0, -1.0], [-1.0, 1.0]])
            z = np.stack([z1, -z1])
        else:
            c, z = interpolation_base(rng, n_players, n_actions)
    else:
        if not isinstance(base, tuple | list) or len(base) != 2:
            raise TypeError("base must be a pair (C, Z) of arrays")
        c = as_float_array("base[0]", base[0])
        z = as_float_array("base[1]", base[1])
        if z.ndim != c.ndim + 1 or z.shape[0] != c.ndim or z.shape[1:] != c.shape:
            raise ValueError(
                "base must be (C, Z) with C of shape (k_0, ..., k_{n-1}) and Z of shape "
                f"(n, k_0, ..., k_{{n-1}}); got C {c.shape} and Z {z.shape}"
            )
        _check_zero_sum_part(z)
    payoffs = (1.0 - lam_f) * np.asarray(c)[None] + lam_f * np.asarray(z)
    return NormalFormGame(payoffs)


# ---------------------------------------------------------------------------- registry

_BUILTIN: dict[str, Callable[..., Game]] = {
    "matching_pennies": matching_pennies,
    "prisoners_dilemma": prisoners_dilemma,
    "stag_hunt": stag_hunt,
    "chicken": chicken,
    "battle_of_the_sexes": battle_of_the_sexes,
    "coordination": coordination,
    "rock_paper_scissors": rock_paper_scissors,
    "shapley_game": shapley_game,
    "interpolated": interpolated_game,
    "majority": majority_game,
    "bayesian_matching_pennies": bayesian_matching_pennies,
    "bayesian_coordination": bayesian_coordination,
}


class GameRegistry(MutableMapping[str, Callable[..., Game]]):
    """``name -> constructor``, a ``dict`` with checked insertion and sorted iteration.

    ``registry[name] = constructor`` registers a new game.
    """

    def __init__(self, builtin: dict[str, Callable[..., Game]]) -> None:
        self._games: dict[str, Callable[..., Game]] = dict(builtin)

    def __getitem__(self, name: str) -> Callable[..., Game]:
        return self._games[name]

    def __setitem__(self, name: str, constructor: Callable[..., Game]) -> None:
        if not isinstance(name, str) or not name:
            raise TypeError("a game name must be a non-empty string")
        if not callable(constructor):
            raise TypeError(f"the constructor for {name!r} must be callable")
        self._games[name] = constructor

    def __delitem__(self, name: str) -> None:
        del self._games[name]

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._games))

    def __len__(self) -> int:
        return len(self._games)

    def __contains__(self, name: object) -> bool:
        return name in self._games

    def __repr__(self) -> str:
        return f"GameRegistry({sorted(self)})"


#: Every named game: ``name -> constructor`` (a ``dict``-like :class:`GameRegistry`).
GAMES: GameRegistry = GameRegistry(_BUILTIN)


def game_names() -> list[str]:
    """The sorted names of every game that can be built right now."""
    return sorted(GAMES)


def get_game(name: str, **kwargs: Any) -> Game:
    """Build a named game.

    Args:
        name: a key of :data:`GAMES` (``-`` and ``_`` are interchangeable, case is ignored).
        **kwargs: passed to the constructor (e.g. ``lam=0.5`` for ``interpolated``, ``n_players=5``
            for ``majority``).

    Raises:
        ValueError: an unknown name (the message lists the known ones), or arguments the
            constructor rejects.
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a string, got {type(name).__name__}")
    key = name.strip().lower().replace("-", "_")
    if key not in GAMES:
        raise ValueError(
            f"unknown game {name!r}{did_you_mean(key, GAMES)}; known games: {', '.join(game_names())}"
        )
    try:
        return GAMES[key](**kwargs)
    except TypeError as exc:
        if "argument" in str(exc):
            raise ValueError(f"bad arguments for game {key!r}: {exc}") from None
        raise
