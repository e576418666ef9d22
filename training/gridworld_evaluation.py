"""Evaluators of a minority against a majority in the resource gridworld (MATH.md §5).

Coalitions: ``c0`` is the minority (one learning seat), ``c1`` the majority (every other seat).
A coalition's *share* is its mean per-step share over an episode of ``max_cycles`` rounds (in
``[0, 1]``; the shares of every step sum to one), per hidden kind ``x`` and averaged over ``X``.
Theorem 2 with policies (MATH.md §5, with ``k`` of (1.11)) says a copying majority keeps the
minority at or below ``1/k`` for every ``x``; the metrics report ``c0/one_over_k`` beside.

* :class:`GridSharesEvaluator` (``grid_shares``): Monte Carlo over ``episodes`` episodes; mean and a
  normal confidence interval over episodes, overall and per ``x`` (``grid/c0/x1/lo``), and the
  largest per-``x`` mean (``grid/c0/max_x``).
* :class:`GridExactSharesEvaluator` (``grid_exact``): on grids small enough for the exact
  :func:`~powergames.games.gridworld.resource_gridworld` form (horizon ``max_cycles``, uniform
  ``μ_0``), every player's Markov policy is read at every joint state (each player's egocentric
  observation there) and the exact shares per ``x`` computed by
  :func:`~powergames.theory.stochastic_coalitions.stochastic_coalition_values`
  (``exact/c0/x0``, ``exact/c0/max_x``).
* :class:`GridBestResponseEvaluator` (``grid_best_response``): an *estimate* of the minority's
  best-response value where exact computation is out of reach: a fresh learner trained for a
  stated budget in the minority seat against the majority's frozen rule (a fixed majority as is;
  an oracle copier copying the new learner; a cloning copier with its clones frozen), then played
  for ``episodes`` episodes (``br_estimate/c0/mean`` with its CI and ``br_estimate/budget``). It
  is a lower estimate of the best-response value (a learner with a finite budget).
* :class:`GridCloningCurveEvaluator` (``grid_cloning_curve``): the empirical copier against the
  minority's current policy held fixed, as the clone's data grows (``bc_curve/n<N>/…``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.stats import norm

from powergames.agents.policy_copying import MemberPolicy
from powergames.envs.gridworld_batched import BatchedResourceGrid
from powergames.games.gridworld import resource_gridworld
from powergames.games.stochastic import MAX_ENTRIES
from powergames.theory.stochastic_coalitions import stochastic_coalition_values
from powergames.training.evaluators import EVALUATOR_CLASSES, Evaluator
from powergames.training.gridworld_play import majority_seats, play_episodes, window_view

__all__ = [
    "GRID_EVALUATORS",
    "GridBestResponseEvaluator",
    "GridCloningCurveEvaluator",
    "GridEvalContext",
    "GridExactSharesEvaluator",
    "GridSharesEvaluator",
    "exact_grid_shares",
    "interval_metrics",
]

FloatArray = npt.NDArray[np.float64]


@dataclass
class GridEvalContext:
    """What a gridworld evaluation sees.

    Attributes:
        grid_args: the grid's keyword arguments (``layout``, ``n_agents``, …).
        seat: the minority's seat.
        minority: its current policy.
        majority: the majority (``act(obs, rng=…)``, ``probs(obs)``).
        k: Theorem 2's ``k`` for these sizes (the minority's cap is ``1/k``).
        rng: the evaluation's generator.
        best_response: ``best_response(budget, rng) -> (policy, majority)``: a learner trained for
            ``budget`` steps in the minority seat against the majority's frozen rule, and that
            majority (``None``: not available).
    """

    grid_args: Mapping[str, Any]
    seat: int
    minority: MemberPolicy
    majority: Any
    k: int
    rng: np.random.Generator = field(default_factory=lambda: np.random.default_rng(0))
    best_response: Callable[[int, np.random.Generator], tuple[MemberPolicy, Any]] | None = None


def interval_metrics(prefix: str, values: npt.ArrayLike, confidence: float) -> dict[str, float]:
    """``<prefix>/mean``, ``/lo``, ``/hi`` (normal interval of the mean at ``confidence``) and
    ``/n`` for samples ``(N,)``; a single sample gets a zero-width interval."""
    v = np.asarray(values, dtype=np.float64)
    if v.ndim != 1 or v.size == 0:
        raise ValueError(f"values must be a non-empty 1-d array, got shape {v.shape}")
    mean = float(v.mean())
    half = 0.0
    if v.size > 1:
        half = float(norm.ppf(0.5 + confidence / 2) * v.std(ddof=1) / np.sqrt(v.size))
    return {
        f"{prefix}/mean": mean,
        f"{prefix}/lo": mean - half,
        f"{prefix}/hi": mean + half,
        f"{prefix}/n": float(v.size),
    }


def _check_run_size(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def n_kinds(grid_args: Mapping[str, Any]) -> int:
    """The number of resource kinds (values of ``X``) of a grid."""
    return len(BatchedResourceGrid(**dict(grid_args), n_envs=1).single.kinds)


def _share_metrics(
    head: str, shares: FloatArray, x: npt.NDArray[np.int64], seat: int, n_x: int, conf: float
) -> dict[str, float]:
    """The per-coalition, per-``x`` interval metrics of episode shares ``(E, n)``."""
    others = majority_seats(shares.shape[1], seat)
    out: dict[str, float] = {}
    by_coalition = {"c0": shares[:, seat], "c1": shares[:, others].sum(axis=1)}
    for name, v in by_coalition.items():
        out.update(interval_metrics(f"{head}/{name}", v, conf))
        means = []
        for xi in range(n_x):
            hit = v[x == xi]
            if hit.size:
                out.update(interval_metrics(f"{head}/{name}/x{xi}", hit, conf))
                means.append(float(hit.mean()))
        best = max if name == "c0" else min
        out[f"{head}/{name}/{'max' if name == 'c0' else 'min'}_x"] = best(means)
    return out


class GridSharesEvaluator(Evaluator):
    """Monte Carlo shares with confidence intervals per hidden ``x`` (module docstring)."""

    name = "grid_shares"

    def __init__(self, episodes: int = 256, confidence: float = 0.95) -> None:
        self.episodes = _check_run_size("episodes", episodes)
        if not 0.0 < confidence < 1.0:
            raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
        self.confidence = float(confidence)

    def applies(self, game: Any, coalitions: Sequence[Sequence[int]]) -> str | None:
        return None

    def evaluate(self, ctx: GridEvalContext) -> dict[str, float]:  # type: ignore[override]
        shares, x = play_episodes(
            ctx.grid_args, ctx.seat, ctx.minority, ctx.majority, self.episodes, ctx.rng
        )
        out = _share_metrics("grid", shares, x, ctx.seat, n_kinds(ctx.grid_args), self.confidence)
        out["grid/c0/one_over_k"] = 1.0 / ctx.k
        return out


def exact_form_size(grid_args: Mapping[str, Any]) -> int:
    """Entries of the exact form's transition array ``S · A^n · S`` (``S = C^n``)."""
    layout = tuple(grid_args.get("layout", ("a...", "....", "..b.", "....")))
    n = int(grid_args.get("n_agents", 2))
    cells = sum(ch != "#" for row in layout for ch in row)
    return int(cells ** (2 * n) * 5**n)


def exact_grid_shares(
    grid_args: Mapping[str, Any], seat: int, minority: MemberPolicy, majority: Any
) -> FloatArray:
    """The exact mean per-step shares ``(n_x, n)`` of every player (MATH.md §5).

    Each player's Markov policy is its policy at its own egocentric observation in every joint
    state (the minority's from ``minority.probs``, the majority's from ``majority.probs``), the
    players independent; the game is ``resource_gridworld`` with horizon ``max_cycles``.

    Raises:
        ValueError: the exact form is too large to allocate.
    """
    args = dict(grid_args)
    n = int(args.get("n_agents", 2))
    horizon = int(args.get("max_cycles", 50))
    if exact_form_size(args) > MAX_ENTRIES:
        raise ValueError(
            f"the exact form has {exact_form_size(args)} transition entries (limit {MAX_ENTRIES})"
        )
    grid, game = resource_gridworld(
        args.get("layout", ("a...", "....", "..b.", "....")), n, discount=None, horizon=horizon,
        x_prior=args.get("x_prior"), wrap=bool(args.get("wrap", True)),
    )  # fmt: skip
    sim = BatchedResourceGrid(**args, n_envs=grid.n_states, autoreset=False)
    sim._cells = sim.tables.cells_of(grid.cells[grid.states])  # (S, n): every joint state
    obs = window_view(sim, sim._observe())  # (S, n, D): each player's view of each state
    others = majority_seats(n, seat)
    pols: list[FloatArray] = [np.empty(0)] * n
    pols[seat] = np.asarray(minority.probs(obs[:, seat]), dtype=np.float64)
    maj = np.asarray(majority.probs(obs[:, others]), dtype=np.float64)
    for j, i in enumerate(others):
        pols[i] = maj[:, j]
    vals = stochastic_coalition_values(game, [[i] for i in range(n)], pols)
    return np.asarray(vals.normalised)


class GridExactSharesEvaluator(Evaluator):
    """Exact shares per ``x`` on small tabular grids (module docstring)."""

    name = "grid_exact"

    def applies(self, game: Any, coalitions: Sequence[Sequence[int]]) -> str | None:
        size = exact_form_size(game)
        if size > MAX_ENTRIES:
            return f"the exact form has {size} transition entries (limit {MAX_ENTRIES})"
        return None

    def evaluate(self, ctx: GridEvalContext) -> dict[str, float]:  # type: ignore[override]
        per = exact_grid_shares(ctx.grid_args, ctx.seat, ctx.minority, ctx.majority)
        others = majority_seats(per.shape[1], ctx.seat)
        c0, c1 = per[:, ctx.seat], per[:, others].sum(axis=1)
        out = {f"exact/c0/x{x}": float(v) for x, v in enumerate(c0)}
        out.update({f"exact/c1/x{x}": float(v) for x, v in enumerate(c1)})
        out["exact/c0/max_x"] = float(c0.max())
        out["exact/c1/min_x"] = float(c1.min())
        return out


class GridBestResponseEvaluator(Evaluator):
    """An estimate of the minority's best-response value (module docstring)."""

    name = "grid_best_response"

    def __init__(self, budget: int, episodes: int = 256, confidence: float = 0.95) -> None:
        self.budget = _check_run_size("budget", budget)
        self.episodes = _check_run_size("episodes", episodes)
        self.confidence = float(confidence)

    def evaluate(self, ctx: GridEvalContext) -> dict[str, float]:  # type: ignore[override]
        if ctx.best_response is None:
            raise ValueError("the best-response estimate needs ctx.best_response (a trainer)")
        policy, majority = ctx.best_response(self.budget, ctx.rng)
        shares, x = play_episodes(ctx.grid_args, ctx.seat, policy, majority, self.episodes, ctx.rng)
        out = _share_metrics(
            "br_estimate", shares, x, ctx.seat, n_kinds(ctx.grid_args), self.confidence
        )
        out["br_estimate/budget"] = float(self.budget)
        return out


class GridCloningCurveEvaluator(Evaluator):
    """The empirical copier as its data grows, against the minority's current policy held fixed.

    For each data size ``N``: ``N`` (observation, move) pairs of the minority, drawn at random
    from episodes of the oracle-copying profile (everyone running the minority's policy), train a
    fresh :class:`~powergames.agents.behaviour_cloning.CloningCopyingMajority`; the minority then
    plays ``episodes`` episodes against copies of that clone. Metrics ``bc_curve/n<N>/c0/mean``
    (``lo``, ``hi``: the interval over episodes) and ``bc_curve/n<N>/tv``: the mean total variation
    between the clone and the policy at held-out observations of the same profile — the quantity
    whose ``(k − 1)``-fold bounds the one-step loss in (1.13).

    Args:
        sizes: the data sizes ``N`` (increasing).
        episodes, confidence: the evaluation episodes and interval level.
        clone: keyword arguments of the clones (``hidden``, ``epochs``, ``lr``).
    """

    name = "grid_cloning_curve"

    def __init__(
        self,
        sizes: Sequence[int],
        episodes: int = 256,
        confidence: float = 0.95,
        clone: Mapping[str, Any] | None = None,
    ) -> None:
        self.sizes = [_check_run_size("sizes[]", n) for n in sizes]
        if not self.sizes or self.sizes != sorted(set(self.sizes)):
            raise ValueError(f"sizes must be increasing positive integers, got {list(sizes)}")
        self.episodes = _check_run_size("episodes", episodes)
        self.confidence = float(confidence)
        self.clone = dict(clone or {})

    def evaluate(self, ctx: GridEvalContext) -> dict[str, float]:  # type: ignore[override]
        from powergames.agents.behaviour_cloning import CloningCopyingMajority
        from powergames.agents.policy_copying import PolicyCopyingMajority

        size = int(ctx.grid_args.get("n_agents", 2)) - 1
        horizon = int(ctx.grid_args.get("max_cycles", 50))
        oracle = PolicyCopyingMajority([ctx.minority], size, k=ctx.k)

        def pairs(n: int) -> tuple[FloatArray, npt.NDArray[np.int64]]:
            rec: list[Any] = []
            episodes = -(-n // horizon)
            play_episodes(ctx.grid_args, ctx.seat, ctx.minority, oracle, episodes, ctx.rng, rec)
            obs = np.concatenate([o for o, _ in rec])
            act = np.concatenate([a for _, a in rec])
            pick = ctx.rng.permutation(obs.shape[0])[:n]
            return obs[pick], act[pick]

        held_out, _ = pairs(4096)
        truth = ctx.minority.probs(held_out)
        data_obs, data_act = pairs(self.sizes[-1])
        out: dict[str, float] = {}
        for n in self.sizes:
            bc = CloningCopyingMajority(
                size, 1, held_out.shape[1], window=n, k=ctx.k, min_samples=1,
                refit_every=n + 1, seed=int(ctx.rng.integers(2**31)), **self.clone,
            )  # fmt: skip
            bc.observe(data_obs[:n, None], data_act[:n, None])
            tv = 0.5 * np.abs(bc.clones[0].probs(held_out) - truth).sum(axis=1)
            shares, _ = play_episodes(
                ctx.grid_args, ctx.seat, ctx.minority, bc, self.episodes, ctx.rng
            )
            out.update(interval_metrics(f"bc_curve/n{n}/c0", shares[:, ctx.seat], self.confidence))
            out[f"bc_curve/n{n}/tv"] = float(tv.mean())
        return out


#: Names (as in gridworld configs) → classes; registered with the run evaluators.
GRID_EVALUATORS: dict[str, type[Evaluator]] = {
    "grid_shares": GridSharesEvaluator,
    "grid_exact": GridExactSharesEvaluator,
    "grid_best_response": GridBestResponseEvaluator,
    "grid_cloning_curve": GridCloningCurveEvaluator,
}
EVALUATOR_CLASSES.update(GRID_EVALUATORS)
