"""Localizing functions and the full alignment report of one game (MATH.md §3).

A localizer picks a "natural" profile of a game (maximum welfare, maxmin, a Nash equilibrium) at
which global metrics are evaluated; :func:`alignment_report` gathers every metric of §3 as plain
Python values (what the CLI prints).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from powergames.games.normal_form import NormalFormGame
from powergames.games.symmetric import SymmetricUnitSumGame
from powergames.theory import equilibria
from powergames.theory.alignment import (
    FloatArray,
    GameLike,
    alpha,
    alpha_per_state,
    as_normal_form,
    ca_report,
    max_welfare_profile,
    utility_covariance,
    welfare,
)
from powergames.theory.bargaining import (
    maxmin_is_unique,
    maxmin_profile,
    nash_bargaining,
    security_levels,
    surplus_bound,
    threat_point,
)

__all__ = ["LOCALIZERS", "alignment_report", "localize", "localized_welfare"]


def _nash_profile(g: NormalFormGame) -> list[FloatArray]:
    if g.n_players == 2 and g.is_constant_sum:
        prof = equilibria.solve_zero_sum(g)
    else:
        prof = equilibria.solve_nash(g)
    return [np.asarray(p, dtype=np.float64).reshape(-1) for p in prof]


#: Localizing functions (MATH.md §3): game -> a "natural" profile for localized global metrics.
LOCALIZERS: dict[str, Callable[[NormalFormGame], Any]] = {
    "max_welfare": max_welfare_profile,
    "maxmin": maxmin_profile,
    "nash": _nash_profile,
}


def localize(game: GameLike, localizer: str) -> list[FloatArray]:
    """The profile a localizing function picks: ``"max_welfare"``, ``"maxmin"`` or ``"nash"``.

    ``"nash"`` uses :func:`powergames.theory.equilibria.solve_zero_sum` for two-player
    constant-sum games and ``solve_nash`` otherwise.

    Implements MATH.md (3.1).

    Args:
        game: see :func:`as_normal_form`.
        localizer: a key of ``LOCALIZERS``.

    Returns:
        The profile, one array of shape ``(k_i,)`` per player.
    """
    if localizer not in LOCALIZERS:
        raise ValueError(f"unknown localizer {localizer!r}; choose one of {', '.join(LOCALIZERS)}")
    return LOCALIZERS[localizer](as_normal_form(game))


def localized_welfare(game: GameLike, localizer: str = "max_welfare") -> float:
    """A localized global metric: the welfare ``Σ_i u_i`` at the profile ``localizer`` picks.

    Implements MATH.md (3.1).
    """
    g = as_normal_form(game)
    return welfare(g, localize(g, localizer))


def alignment_report(
    game: GameLike, profile: Any = None, localizers: tuple[str, ...] | None = None
) -> dict[str, Any]:
    """Every metric of MATH.md §3 for one game, as plain Python values (what the CLI prints).

    Implements MATH.md (3.1)–(3.8).

    Args:
        game: see :func:`as_normal_form` (a symmetric unit-sum game is expanded densely; its
            count-form ``α`` is reported too).
        profile: an optional profile to evaluate beside the localized ones.
        localizers: which localizers to evaluate (default: all; ``"nash"`` is skipped with a note
            when the equilibrium solver is unavailable or fails).

    Returns:
        A dict with keys ``game``, ``inequalities`` (:class:`CAReport` without a profile),
        ``alpha_per_state``, ``profiles`` (per evaluated profile: welfare, coordination gap,
        expected payoffs, surplus, Σ surplus, covariance), ``threat`` (maxmin strategies, security
        levels, ``u(a⁰)``, the surplus bound) and ``bargaining``.
    """
    g = as_normal_form(game)
    if localizers is not None:
        if isinstance(localizers, str | bytes) or not isinstance(localizers, Sequence):
            raise TypeError(
                f"localizers must be a sequence of names such as ('maxmin', 'nash'), got "
                f"{type(localizers).__name__} {localizers!r}"
            )
        for name in localizers:
            if name not in LOCALIZERS:
                raise ValueError(
                    f"localizers: unknown localizer {name!r}; choose from {', '.join(LOCALIZERS)}"
                )
    report: dict[str, Any] = {
        "game": {
            "n_players": g.n_players,
            "n_actions": list(g.n_actions),
            "constant_sum": g.is_constant_sum,
            "common_payoff": g.is_common_payoff,
        },
        "inequalities": ca_report(g).as_dict(),
    }
    report["inequalities"].pop("welfare")
    report["inequalities"].pop("coordination_gap")
    report["inequalities"].pop("coordination_tight")
    report["alpha_per_state"] = alpha_per_state(game).tolist()
    if isinstance(game, SymmetricUnitSumGame):
        report["alpha_count_form"] = alpha(game)
    named: dict[str, Any] = {}
    notes: list[str] = []
    uniform = [np.full(k, 1.0 / k) for k in g.n_actions]
    named["uniform"] = uniform
    for name in localizers if localizers is not None else tuple(LOCALIZERS):
        try:
            named[name] = localize(g, name)
        except (ValueError, ImportError, RuntimeError, NotImplementedError) as exc:
            notes.append(f"{name}: {exc}")
    if profile is not None:
        # a joint (correlated) array as given; independent strategies in their (k_i,) form
        named["given"] = profile if isinstance(profile, np.ndarray) else g.validate_profile(profile)
    d = threat_point(g)
    profiles = {}
    for name, prof in named.items():
        payoffs = g.expected_payoffs(prof)
        cov = utility_covariance(g, prof)
        profiles[name] = {
            "welfare": float(payoffs.sum()),
            "coordination_gap": float(g.welfare.max() - payoffs.sum()),
            "payoffs": payoffs.tolist(),
            "surplus": (payoffs - d).tolist(),
            "surplus_sum": float((payoffs - d).sum()),
            "covariance": cov.tolist(),
            "strategies": (
                [np.asarray(p).tolist() for p in prof] if not isinstance(prof, np.ndarray) else None
            ),
        }
    report["profiles"] = profiles
    report["threat"] = {
        "maxmin_strategies": [s.tolist() for s in maxmin_profile(g)],
        "maxmin_unique": maxmin_is_unique(g).tolist(),
        "security_levels": security_levels(g).tolist(),
        "threat_point": d.tolist(),
        "surplus_bound": surplus_bound(g),
    }
    report["bargaining"] = nash_bargaining(g).as_dict()
    report["notes"] = notes
    return report
