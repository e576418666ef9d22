"""Tournaments: coalition policies against a population of opponents (MATH.md §1).

A focal coalition ``c_1 = coalitions[0]`` tries each of several policies against each member of a
population of opponents (one policy per other coalition), in the style of focal-vs-background
evaluation: every cell is ``r_1(x)`` for every state, its minimum over ``x`` and its prior mean —
exact (:func:`~powergames.theory.coalition_values.coalition_values`) when every policy exposes its
strategy, a Monte Carlo estimate with a confidence interval otherwise. Beside the cells: each focal
policy's exact worst case over *all* opponents (:func:`coalition_worst_case`), the coalition's
optimal guarantee (:func:`coalition_guarantee`) and, per opponent, the best the coalition could do
knowing it (:func:`coalition_best_response`).

A focal entry may depend on the opponent it faces (Theorem 2's copying policy is built from
``π_2``): pass a callable ``factory(opponent_policies) -> policy``; its worst case is then reported
per cell (``cell_worst_case``) rather than per row.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import numpy.typing as npt

from powergames.games.checks import check_positive_int, check_rng
from powergames.theory.coalition_monte_carlo import monte_carlo_coalition_values
from powergames.theory.coalition_policies import CoalitionPolicy
from powergames.theory.coalition_values import coalition_values
from powergames.theory.guarantees import (
    GuaranteeReport,
    GuaranteeTooLarge,
    coalition_best_response,
    coalition_guarantee,
)
from powergames.theory.partitions import check_coalitions
from powergames.theory.worst_cases import (
    action_sizes_of,
    as_coalition_policy,
    coalition_worst_case,
)


class SampledPolicy(CoalitionPolicy):
    """A coalition policy known only through samples (no exact strategy): evaluated by Monte Carlo.

    Args:
        sampler: ``sampler(n_samples, rng) -> actions`` of shape ``(n_samples, n_members)``, or an
            object with such a ``sample`` method.
        action_sizes: the members' action counts.
        name: shown in errors.
    """

    exact = False

    def __init__(self, sampler: Any, action_sizes: Sequence[int], name: str = "policy") -> None:
        fn = getattr(sampler, "sample", sampler)
        if not callable(fn):
            raise TypeError(f"{name} must be callable as sample(n_samples, rng) or have .sample")
        self._sample = fn
        self._sizes = tuple(int(k) for k in action_sizes)
        self.n_members = len(self._sizes)
        self.n_actions = self._sizes[0] if len(set(self._sizes)) == 1 else -1
        self.name = name

    @property
    def action_sizes(self) -> tuple[int, ...]:
        return self._sizes

    def count_distribution(self) -> Any:
        raise NotImplementedError(f"{self.name} exposes no exact strategy")

    def joint(self) -> npt.NDArray[np.float64]:
        raise NotImplementedError(f"{self.name} exposes no exact strategy")

    def sample(self, n_samples: int, rng: np.random.Generator) -> npt.NDArray[np.int64]:
        out = np.asarray(self._sample(n_samples, rng))
        if out.shape != (n_samples, self.n_members):
            raise ValueError(
                f"{self.name} sampled shape {out.shape}, expected {(n_samples, self.n_members)}"
            )
        bad = (out < 0) | (out >= np.asarray(self._sizes)[None, :])
        if np.any(bad):
            raise ValueError(f"{self.name} sampled an action outside the members' action sets")
        return out.astype(np.int64)

    def __repr__(self) -> str:
        return f"SampledPolicy({self.name!r}, n_members={self.n_members})"


def is_exact(policy: CoalitionPolicy) -> bool:
    """Whether a policy exposes its strategy (anything but a :class:`SampledPolicy`)."""
    return getattr(policy, "exact", True)


@dataclass(frozen=True)
class TournamentResult:
    """The cells of a tournament and what frames them.

    Attributes:
        focal: the focal policies' names (rows).
        opponents: the opponents' names (columns).
        values: ``r_1(x)`` per cell, shape ``(F, O, n_states)``.
        half_width: confidence half-widths, same shape (0 for exact cells).
        exact: whether each cell is exact, shape ``(F, O)``.
        min_over_x: ``min_x r_1(x)``, shape ``(F, O)`` (for Monte Carlo cells, of the means).
        expected: ``Σ_x prior(x) r_1(x)``, shape ``(F, O)``.
        worst_case: each focal policy's exact worst case over every opponent and ``x``, shape
            ``(F, O)`` — constant along a row unless the policy depends on the opponent; ``nan``
            where the policy exposes no strategy.
        best_response: per opponent, ``max_{π_1} min_x r_1`` knowing it, shape ``(O,)`` (``nan``
            where the opponent exposes no strategy).
        guarantee: the coalition's optimal guarantee (``None`` when not computed or too large).
        guarantee_bracket: ``(lower, upper)`` when the guarantee LP was too large.
        coalitions: the partition (``coalitions[0]`` is the focal coalition).
        confidence: the intervals' level; n_samples: Monte Carlo plays per cell.
    """

    focal: list[str]
    opponents: list[str]
    values: npt.NDArray[np.float64]
    half_width: npt.NDArray[np.float64]
    exact: npt.NDArray[np.bool_]
    min_over_x: npt.NDArray[np.float64]
    expected: npt.NDArray[np.float64]
    worst_case: npt.NDArray[np.float64]
    best_response: npt.NDArray[np.float64]
    guarantee: GuaranteeReport | None
    guarantee_bracket: tuple[float, float] | None
    coalitions: list[list[int]]
    confidence: float
    n_samples: int
    notes: list[str] = field(default_factory=list)

    def table(self, digits: int = 4) -> str:
        """Rows = focal policies; cells ``min_x r_1`` (``± half-width`` for Monte Carlo cells),
        then the exact worst case; a last row with the best response knowing each opponent."""

        def cell(f: int, o: int) -> str:
            if math.isnan(self.min_over_x[f, o]):
                return "-"
            v = f"{self.min_over_x[f, o]:.{digits}f}"
            if not self.exact[f, o]:
                v += f" ± {self.half_width[f, o].max():.{digits}f}"
            return v

        def num(v: float) -> str:
            return "-" if math.isnan(v) else f"{v:.{digits}f}"

        header = ["focal \\ opponents", *self.opponents, "worst case"]
        rows = [header]
        for f, name in enumerate(self.focal):
            wc = self.worst_case[f]
            if np.all(np.isnan(wc)):
                w = "-"
            elif np.ptp(wc[~np.isnan(wc)]) <= 1e-12:
                w = num(float(np.nanmin(wc)))
            else:  # the policy depends on the opponent: the range of its worst cases
                w = f"{num(float(np.nanmin(wc)))}..{num(float(np.nanmax(wc)))}"
            rows.append([name, *(cell(f, o) for o in range(len(self.opponents))), w])
        rows.append(["best response (knows opponent)", *(num(v) for v in self.best_response), "-"])
        widths = [max(len(r[j]) for r in rows) for j in range(len(header))]
        lines = []
        for t, r in enumerate(rows):
            lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
            if t == 0:
                lines.append("  ".join("-" * w for w in widths))
        if self.guarantee is not None:
            g = self.guarantee
            lines.append(
                f"optimal guarantee G = {g.value:.{digits}f} (Theorem 1 bound 1-1/k = "
                f"{g.theorem1_bound:.{digits}f}; Theorem 2 bound (k-1)/k = "
                f"{g.theorem2_bound:.{digits}f} knowing the opponent, k = {g.theorem2_k})"
            )
        elif self.guarantee_bracket is not None:
            lo, hi = self.guarantee_bracket
            lines.append(f"optimal guarantee in [{lo:.{digits}f}, {hi:.{digits}f}] (LP too large)")
        lines.append(
            "cells: min over x of the focal coalition's expected share"
            + (f"; ± = {self.confidence:.0%} CI half-width" if not self.exact.all() else "; exact")
        )
        lines += self.notes
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        """Plain data (JSON-ready; ``nan`` becomes ``None``)."""

        def clean(a: Any) -> Any:
            arr = np.asarray(a, dtype=np.float64)
            return np.where(np.isnan(arr), np.array(None), arr).tolist() if arr.ndim else (
                None if math.isnan(float(arr)) else float(arr)
            )  # fmt: skip

        return {
            "focal": self.focal,
            "opponents": self.opponents,
            "coalitions": self.coalitions,
            "values": clean(self.values),
            "half_width": clean(self.half_width),
            "exact": self.exact.tolist(),
            "min_over_x": clean(self.min_over_x),
            "expected": clean(self.expected),
            "worst_case": clean(self.worst_case),
            "best_response": clean(self.best_response),
            "guarantee": None if self.guarantee is None else self.guarantee.as_dict(),
            "guarantee_bracket": None
            if self.guarantee_bracket is None
            else list(self.guarantee_bracket),
            "confidence": self.confidence,
            "n_samples": self.n_samples,
            "notes": self.notes,
        }


Focal = CoalitionPolicy | npt.ArrayLike | Callable[[list[CoalitionPolicy]], Any]


def _as_opponent(
    entry: Any, parts: tuple[tuple[int, ...], ...], sizes: tuple[int, ...], name: str
) -> list[CoalitionPolicy]:
    others = parts[1:]
    if len(others) == 1 and (
        isinstance(entry, CoalitionPolicy | np.ndarray) or not isinstance(entry, Sequence)
    ):
        entry = [entry]
    if isinstance(entry, str | bytes) or not isinstance(entry, Sequence):
        raise TypeError(f"{name} must be a list with one policy per other coalition")
    if len(entry) != len(others):
        raise ValueError(
            f"{name} must have one policy per other coalition ({len(others)}), got {len(entry)}"
        )
    return [
        _as_policy(p, tuple(sizes[i] for i in c), f"{name}[{j}]")
        for j, (p, c) in enumerate(zip(entry, others))
    ]


def _as_policy(value: Any, sizes: tuple[int, ...], name: str) -> CoalitionPolicy:
    if isinstance(value, CoalitionPolicy):
        return as_coalition_policy(value, sizes, name) if is_exact(value) else value
    if isinstance(value, np.ndarray | list | tuple):
        return as_coalition_policy(value, sizes, name)
    if hasattr(value, "sample") or callable(value):
        return SampledPolicy(value, sizes, name)
    raise TypeError(
        f"{name} must be a CoalitionPolicy, a joint array or a sampler, got {type(value).__name__}"
    )


def tournament(
    game: Any,
    coalitions: Any,
    focal: Mapping[str, Focal],
    opponents: Mapping[str, Any],
    *,
    samples: int = 20_000,
    rng: Any = 0,
    confidence: float = 0.95,
    guarantee: bool = True,
    best_responses: bool = True,
) -> TournamentResult:
    """Play every focal policy against every opponent; exact where possible.

    Args:
        game: a :class:`SymmetricUnitSumGame`, ``UnitSumGame`` or ``NormalFormGame``.
        coalitions: a partition of the players; ``coalitions[0]`` is the focal coalition.
        focal: name → ``π_1`` (a :class:`CoalitionPolicy`, a joint array, a
            :class:`SampledPolicy`) or a factory ``f(opponent_policies) -> π_1`` (called per
            opponent, e.g. Theorem 2's copying policy).
        opponents: name → one policy per other coalition (a bare policy when there is one other
            coalition); exact or sampled as for ``focal``.
        samples: Monte Carlo plays per non-exact cell (``>= 2``).
        rng: generator or seed for the Monte Carlo cells.
        confidence: level of their intervals.
        guarantee: compute the optimal guarantee (:func:`coalition_guarantee`).
        best_responses: compute the best response value knowing each exact opponent.

    Returns:
        A :class:`TournamentResult`.
    """
    rng = check_rng(rng)
    samples = check_positive_int("samples", samples, minimum=2)
    sizes = action_sizes_of(game)
    parts = check_coalitions(coalitions, len(sizes))
    if len(parts) < 2:
        raise ValueError("coalitions needs the focal coalition and at least one other")
    if not focal or not opponents:
        raise ValueError("a tournament needs at least one focal policy and one opponent")
    members = parts[0]
    k1 = tuple(sizes[i] for i in members)
    opp = {
        name: _as_opponent(entry, parts, sizes, f"opponents[{name!r}]")
        for name, entry in opponents.items()
    }
    n_f, n_o = len(focal), len(opp)
    prior = np.asarray(game.contexts.prior, dtype=np.float64)
    n_states = len(prior)
    values = np.zeros((n_f, n_o, n_states))
    half = np.zeros_like(values)
    exact = np.ones((n_f, n_o), dtype=bool)
    worst = np.full((n_f, n_o), np.nan)
    fixed_worst: dict[str, float] = {}
    notes: list[str] = []
    part_lists = [list(c) for c in parts]
    for f, (fname, entry) in enumerate(focal.items()):
        is_factory = callable(entry) and not isinstance(entry, CoalitionPolicy | np.ndarray)
        is_factory = is_factory and not hasattr(entry, "sample")
        for o, (oname, opols) in enumerate(opp.items()):
            if is_factory:
                if not all(is_exact(p) for p in opols):
                    exact[f, o] = False
                    values[f, o] = np.nan
                    half[f, o] = np.nan
                    notes.append(f"{fname} vs {oname}: the policy needs the opponent's strategy")
                    continue
                factory = cast(Callable[[Any], Any], entry)
                pol = _as_policy(factory(opols), k1, f"focal[{fname!r}]({oname})")
            else:
                pol = _as_policy(entry, k1, f"focal[{fname!r}]")
            pols = [pol, *opols]
            if all(is_exact(p) for p in pols):
                values[f, o] = coalition_values(game, part_lists, pols)[:, 0]
            else:
                est = monte_carlo_coalition_values(
                    game, part_lists, pols, samples, rng, confidence=confidence
                )
                values[f, o], half[f, o] = est.mean[:, 0], est.half_width[:, 0]
                exact[f, o] = False
            if is_exact(pol):
                if is_factory:
                    worst[f, o] = coalition_worst_case(game, members, pol).value
                else:
                    if fname not in fixed_worst:
                        fixed_worst[fname] = coalition_worst_case(game, members, pol).value
                    worst[f, o] = fixed_worst[fname]
    best = np.full(n_o, np.nan)
    if best_responses:
        for o, opols in enumerate(opp.values()):
            if all(is_exact(p) for p in opols):
                best[o] = coalition_best_response(game, part_lists, opols).value
    report, bracket = None, None
    if guarantee:
        try:
            report = coalition_guarantee(game, members)
        except GuaranteeTooLarge as exc:
            bracket = (exc.lower, exc.upper)
            notes.append(str(exc))
    return TournamentResult(
        focal=list(focal),
        opponents=list(opp),
        values=values,
        half_width=half,
        exact=exact,
        min_over_x=values.min(axis=2),
        expected=values @ prior,
        worst_case=worst,
        best_response=best,
        guarantee=report,
        guarantee_bracket=bracket,
        coalitions=part_lists,
        confidence=float(confidence),
        n_samples=samples,
        notes=notes,
    )


__all__ = [
    "SampledPolicy",
    "TournamentResult",
    "is_exact",
    "tournament",
]
