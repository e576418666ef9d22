"""Evaluators: pure ``evaluate(...) -> dict[str, float]`` functions and their callback wrappers.

Each evaluator reads the agents' *exact* strategies and the game's arrays (never the training
rewards), so its numbers are the true values at the current profile:

* :func:`evaluate_shares` — each coalition's exact expected share per hidden state
  ``r_j(x, π)`` (MATH.md §1), its prior mean and its minimum over states, the Theorem 1 / Theorem 2
  bounds where they apply, and a Monte Carlo estimate with a confidence interval beside the exact
  value;
* :func:`evaluate_power` — POWER per player and per type, achieved values, ``ΣPOWER``, ``ΣPOWER − c``
  in constant-sum games, and NashConv (MATH.md §2);
* :func:`evaluate_alignment` — welfare, coordination gap, ``α``, utility covariance and surplus
  (MATH.md §3).

Metric names are ``<group>/<name>`` (``share/c0/min_x``, ``power/sum``, ``power_avg/nash_conv``,
``align/alpha``): they are the ``metrics.csv`` columns and, prefixed ``eval/``, the TensorBoard tags.

:class:`EvalCallback` runs a list of evaluators with Stable-Baselines3's callback template
(``on_step() → _on_step() -> bool``, ``logger.record("eval/…")``, ``logger.dump(step)``); the native
training loop fires the same callback.

Stochastic games are evaluated by :mod:`powergames.training.stochastic_evaluation`.

Longer than ~500 lines: one small pure function and one callback wrapper per evaluator kind, plus
their registry and the callback; the evaluators share the game facts at the top, so split each
would import the others' helpers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.stats import norm
from stable_baselines3.common.callbacks import BaseCallback

from powergames.games.base import Game
from powergames.games.checks import SUM_TOL, check_rng
from powergames.games.symmetric import SymmetricUnitSumGame, is_symmetric, majority_game
from powergames.games.unit_sum import UnitSumGame
from powergames.theory.alignment import as_normal_form
from powergames.training.stochastic_evaluation import (
    evaluate_stochastic_power,
    evaluate_stochastic_shares,
    is_stochastic,
    power_case_metrics,
)

FloatArray = npt.NDArray[np.float64]

# ------------------------------------------------------------------------------------ game facts


def is_bayesian(game: Game) -> bool:
    """Whether strategies in ``game`` are per type (a Bayesian game; stochastic games are not
    ``Game`` objects and answer ``False``: their strategies are Markov, see :func:`is_stochastic`)."""
    return bool(getattr(game, "per_type", False))


def is_symmetric_game(game: Game) -> bool:
    """Whether the game is a symmetric unit-sum game (count form, or a checked fact for dense ones)."""
    if game.count_form:
        return True
    if game.is_unit_sum and isinstance(game, UnitSumGame):
        return len(set(game.action_sizes)) == 1 and bool(is_symmetric(game))
    return False


def is_majority_game(game: Game) -> bool:
    """Whether ``game`` equals Theorem 1's majority game of the same size (array comparison)."""
    if not isinstance(game, SymmetricUnitSumGame):  # the comparison reads the count table
        return False
    try:
        ref = majority_game(game.n_players, game.n_actions)
    except ValueError:
        return False
    return bool(
        np.allclose(ref.table, game.table[:1], atol=SUM_TOL)
        and np.allclose(game.table, game.table[:1], atol=SUM_TOL)
    )


def prior_of(game: Game) -> FloatArray:
    """The prior over hidden states (a single state for games without one, and for Bayesian games,
    whose types are the players' own information)."""
    ctx = game.contexts
    if ctx.key != "state":
        return np.ones(1)
    return np.asarray(ctx.prior, dtype=np.float64)


# ------------------------------------------------------------------------------------------ shares


def theorem_bounds(
    game: Game,
    coalitions: Sequence[Sequence[int]],
    policies: Mapping[int, str] | None = None,
) -> dict[str, float]:
    """The guarantees of MATH.md §1 for this partition, keyed like the share metrics.

    * Theorem 2 (symmetric unit-sum game): a coalition ``c_1`` with at least a ``(k−1)/k`` fraction
      of the players (others pooled as ``c_2``) gets ``≥ (k−1)/k`` by coalition copying, where
      ``k = ⌊n / |c_2|⌋ > 1``; then ``c_2`` (if it is one coalition) gets ``≤ 1/k``.
      Keys ``share/c<j>/thm2_bound`` (lower) and ``share/c<j>/thm2_cap`` (upper).
    * Theorem 1 (majority game with ``k`` actions): a coalition with more than half of the players
      gets ``≥ 1 − 1/k`` by "draw one action uniformly, everyone plays it". Key
      ``share/c<j>/thm1_bound``.

    Args:
        game: the game.
        coalitions: the partition.
        policies: which coalitions play a theorem's policy (``{j: "thm1" | "thm2"}``); only their
            guarantees are reported. ``None``: Theorem 2 for the largest coalition, Theorem 1 for
            any strict majority.
    """
    out: dict[str, float] = {}
    if not is_symmetric_game(game) or len(coalitions) < 2:
        return out
    from powergames.theory.theorem_policies import max_guarantee_k

    n = game.n_players
    sizes = [len(c) for c in coalitions]
    if policies is None:
        copiers = [int(np.argmax(sizes))]
    else:
        copiers = [j for j, name in policies.items() if name == "thm2"]
    for big in copiers:
        if sizes[big] >= n:
            continue
        k = max_guarantee_k(sizes[big], n)
        if k > 1:
            out[f"share/c{big}/thm2_bound"] = (k - 1) / k
            if len(coalitions) == 2:
                out[f"share/c{1 - big}/thm2_cap"] = 1.0 / k
    if is_majority_game(game):
        k_actions = game.action_sizes[0]
        for j, size in enumerate(sizes):
            if 2 * size > n and (policies is None or policies.get(j) == "thm1"):
                out[f"share/c{j}/thm1_bound"] = 1.0 - 1.0 / k_actions
    return out


def evaluate_shares(
    game: Game,
    coalitions: Sequence[Sequence[int]],
    policies: Sequence[npt.ArrayLike],
    *,
    rng: np.random.Generator | int | None = None,
    samples: int = 0,
    confidence: float = 0.95,
    theorem_policies: Mapping[int, str] | None = None,
) -> dict[str, float]:
    """Exact (and sampled) coalition shares ``r_j(x, π)`` (MATH.md §1).

    Args:
        game: a unit-sum game (``UnitSumGame`` or ``SymmetricUnitSumGame``; a ``NormalFormGame``
            counts as one state).
        coalitions: a partition of the players, each a list of player indices in increasing order.
        policies: one joint policy per coalition, shape ``(k,)*len(coalition)``, or a structured
            ``CoalitionPolicy`` (exact marginals and sampler) for large coalitions.
        rng: generator for the Monte Carlo estimate (required when ``samples > 0``).
        samples: number of sampled plays (state from the prior, joint actions from the policies) for
            the empirical share; 0 skips it.
        confidence: level of the empirical share's normal-approximation interval.
        theorem_policies: coalitions playing a theorem's policy (see :func:`theorem_bounds`).

    Returns:
        ``share/c<j>/x<x>`` (exact, per state), ``share/c<j>/mean`` (prior mean), ``share/c<j>/min_x``,
        ``share/c<j>/fair`` (``|c_j|/n``), the theorem bounds of :func:`theorem_bounds`, and with
        samples ``share/c<j>/empirical``, ``…/ci_low``, ``…/ci_high``.
    """
    from powergames.theory.coalition_values import coalition_values

    joint = [p if hasattr(p, "sample") else np.asarray(p, dtype=np.float64) for p in policies]
    values = np.asarray(coalition_values(game, [list(c) for c in coalitions], joint))
    values = values.reshape(-1, len(coalitions))
    prior = prior_of(game) if values.shape[0] > 1 else np.ones(1)
    n = game.n_players
    out: dict[str, float] = {}
    for j, members in enumerate(coalitions):
        for x in range(values.shape[0]):
            out[f"share/c{j}/x{x}"] = float(values[x, j])
        out[f"share/c{j}/mean"] = float(prior @ values[:, j])
        out[f"share/c{j}/min_x"] = float(values[:, j].min())
        out[f"share/c{j}/fair"] = len(members) / n
    out.update(theorem_bounds(game, coalitions, theorem_policies))
    if samples > 0:
        out.update(empirical_shares(game, coalitions, joint, check_rng(rng), samples, confidence))
    return out


def empirical_shares(
    game: Game,
    coalitions: Sequence[Sequence[int]],
    policies: Sequence[Any],
    rng: np.random.Generator,
    samples: int,
    confidence: float = 0.95,
) -> dict[str, float]:
    """Monte Carlo coalition shares with a normal-approximation confidence interval.

    Draws ``samples`` plays: ``x ∼ prior`` and each coalition's joint action from its policy, then
    sums the members' ``s_i(x, a)``.
    """
    n = game.n_players
    prior = prior_of(game)
    xs = rng.choice(prior.size, size=samples, p=prior) if prior.size > 1 else np.zeros(samples, int)
    actions = np.zeros((samples, n), dtype=np.int64)
    for members, p in zip(coalitions, policies):
        if hasattr(p, "sample"):  # a structured CoalitionPolicy: exact sampler
            drawn = np.asarray(p.sample(samples, rng), dtype=np.int64).reshape(samples, -1)
            actions[:, list(members)] = drawn
            continue
        p = np.asarray(p, dtype=np.float64)
        flat = p.reshape(-1)
        idx = rng.choice(flat.size, size=samples, p=flat / flat.sum())
        cols = np.unravel_index(idx, p.shape) if p.ndim > 1 else (idx,)
        for m, col in zip(members, cols):
            actions[:, m] = col
    payoffs = np.asarray(game.payoffs_batch(xs.astype(np.int64), actions), dtype=np.float64)
    z = float(norm.ppf(0.5 + confidence / 2))
    out = {}
    for j, members in enumerate(coalitions):
        r = payoffs[:, list(members)].sum(axis=1)
        mean = float(r.mean())
        half = z * float(r.std(ddof=1)) / math.sqrt(samples) if samples > 1 else math.inf
        out[f"share/c{j}/empirical"] = mean
        out[f"share/c{j}/ci_low"] = mean - half
        out[f"share/c{j}/ci_high"] = mean + half
    return out


# ------------------------------------------------------------------------------------------- POWER


def power_game(game: Game) -> Game:
    """The game POWER is computed on: a Bayesian game as it is; any other game with its hidden part
    integrated out under the prior (a unit-sum game becomes a constant-sum-1 normal-form game)."""
    return game if game.per_type else as_normal_form(game)


def constant_sum_value(game: Game) -> float | None:
    """``c`` if the game is constant-sum (``Σ_i r_i(t_i, a) = c`` on the prior's support), else ``None``."""
    fn = getattr(game, "constant_sum_value", None)
    return fn() if fn is not None else None


def _normalise_profile(game: Game, profile: Sequence[npt.ArrayLike]) -> list[FloatArray]:
    arrays = [np.asarray(s, dtype=np.float64) for s in profile]
    if is_bayesian(game):
        return [a.reshape(int(t), -1) for a, t in zip(arrays, game.type_sizes)]
    return [a.reshape(-1) for a in arrays]


def evaluate_power(
    game: Game, profile: Sequence[npt.ArrayLike], prefix: str = "power"
) -> dict[str, float]:
    """POWER, achieved values, ``ΣPOWER − c`` and NashConv at a profile (MATH.md §2).

    Args:
        game: a ``BayesianGame``, ``NormalFormGame`` or unit-sum game (see :func:`power_game`); a
            stochastic game goes to :func:`evaluate_stochastic_power`.
        profile: one strategy per player, ``(T_i, k_i)`` or ``(k_i,)`` (Markov ``(T_i, S, k_i)``
            in a stochastic game).
        prefix: metric group name (``power`` for the current profile, ``power_avg`` for the average).

    Returns:
        ``<prefix>/p<i>`` (POWER), ``<prefix>/p<i>/t<t>`` (``max_a f_i(t, a, σ_{−i})`` per type, when
        ``T_i > 1``), ``<prefix>/achieved/p<i>``, ``<prefix>/sum``, ``<prefix>/nash_conv`` and for a
        constant-sum game ``<prefix>/c`` and ``<prefix>/sum_minus_c``.
    """
    return evaluate_power_profiles(game, [profile], [prefix])


def evaluate_power_profiles(
    game: Game, profiles: Sequence[Sequence[npt.ArrayLike]], prefixes: Sequence[str]
) -> dict[str, float]:
    """:func:`evaluate_power` of several profiles of one game (e.g. the current and the average
    one), POWER and achieved values from one batched contraction (``power_achieved_batch``)."""
    from powergames.theory.bayesian_power import achieved_value, interim_utility, nash_conv, power
    from powergames.theory.power_batch import power_achieved_batch

    out: dict[str, float] = {}
    if is_stochastic(game):
        for profile, prefix in zip(profiles, prefixes):
            out.update(evaluate_stochastic_power(game, profile, prefix))
        return out
    g = power_game(game)
    profs = [_normalise_profile(g, p) for p in profiles]
    try:  # a ValueError (bad profile, or an overflow the per-call functions rescale) goes per call
        pw_all, ach_all = power_achieved_batch(
            g, [np.stack([p[i] for p in profs]) for i in range(g.n_players)]
        )
        nc_all = [float(v) for v in (pw_all - ach_all).sum(axis=1)]
        if not np.all(np.isfinite(nc_all)):
            raise ValueError("NashConv overflows")
    except ValueError:
        pw_all = np.array([power(g, p) for p in profs])
        ach_all = np.array([achieved_value(g, p) for p in profs])
        nc_all = [float(nash_conv(g, p)) for p in profs]
    c = constant_sum_value(g)
    for prof, prefix, pw, ach, nc in zip(profs, prefixes, pw_all, ach_all, nc_all):
        for i in range(g.n_players):
            out[f"{prefix}/p{i}"] = float(pw[i])
            if is_bayesian(g) and int(g.type_sizes[i]) > 1:
                f = np.asarray(interim_utility(g, i, prof), dtype=np.float64)
                for t, v in enumerate(f.max(axis=1)):
                    out[f"{prefix}/p{i}/t{t}"] = float(v)
            out[f"{prefix}/achieved/p{i}"] = float(ach[i])
        out[f"{prefix}/sum"] = float(pw.sum())
        if c is not None:
            out[f"{prefix}/c"] = c
            out[f"{prefix}/sum_minus_c"] = float(pw.sum()) - c
        out[f"{prefix}/nash_conv"] = nc
    return out


# --------------------------------------------------------------------------------------- alignment


def evaluate_alignment(game: Game, profile: Sequence[npt.ArrayLike]) -> dict[str, float]:
    """Welfare, coordination gap, ``α``, utility covariance and surplus at a profile (MATH.md §3).

    Args:
        game: a normal-form or unit-sum game (the state integrated out under the prior).
        profile: one ``(k_i,)`` strategy per player (a leading single-type axis is dropped).

    Returns:
        ``align/welfare``, ``align/coordination_gap``, ``align/alpha``, ``align/cov/p<i>_p<j>``
        (``i ≤ j``) and ``align/surplus/p<i>`` (relative to the maxmin profile's payoffs).
    """
    from powergames.theory.alignment import alpha, coordination_gap, utility_covariance, welfare
    from powergames.theory.bargaining import surplus

    if is_bayesian(game):
        raise TypeError("the alignment metrics are defined for normal-form and unit-sum games")
    g = as_normal_form(game)
    prof = [np.asarray(s, dtype=np.float64).reshape(-1) for s in profile]
    out = {
        "align/welfare": float(welfare(g, prof)),
        "align/coordination_gap": float(coordination_gap(g, prof)),
        "align/alpha": float(alpha(game if is_symmetric_game(game) else g)),
    }
    cov = np.asarray(utility_covariance(g, prof))
    n = g.n_players
    for i in range(n):
        for j in range(i, n):
            out[f"align/cov/p{i}_p{j}"] = float(cov[i, j])
    s = np.asarray(surplus(g, prof))
    for i in range(n):
        out[f"align/surplus/p{i}"] = float(s[i])
    out["align/surplus/sum"] = float(s.sum())
    return out


# --------------------------------------------------------------------------------------- contexts


@dataclass
class EvalContext:
    """What an evaluation sees: the game and the agents' exact strategies at this moment.

    Attributes:
        game: the environment's game.
        coalitions: the partition of the players into agents (one list of seats per agent).
        joint_policies: per agent, the joint distribution ``(k,)*len(seats)``.
        profile: per player, the current strategy ``(T_i, k_i)`` (``None`` if some agent is a
            correlated coalition of several players, where a per-player profile does not exist).
        average_profile: per player, the time-averaged strategy (current where not tracked).
        rng: generator for Monte Carlo estimates.
    """

    game: Game
    coalitions: list[list[int]]
    joint_policies: list[FloatArray] | None
    profile: list[FloatArray] | None
    average_profile: list[FloatArray] | None
    rng: np.random.Generator = field(default_factory=lambda: np.random.default_rng(0))


class Evaluator:
    """Base class: an evaluator has a ``name`` and ``evaluate(context) -> dict``."""

    name = "evaluator"

    def applies(self, game: Game, coalitions: Sequence[Sequence[int]]) -> str | None:
        """``None`` if the evaluator applies, else the reason it does not."""
        return None

    def evaluate(self, ctx: EvalContext) -> dict[str, float]:  # pragma: no cover - abstract
        raise NotImplementedError


class SharesEvaluator(Evaluator):
    """Coalition shares (exact per state, min over states, bounds, empirical with a CI)."""

    name = "shares"

    def __init__(
        self,
        samples: int = 2000,
        confidence: float = 0.95,
        theorem_policies: Mapping[int, str] | None = None,
    ) -> None:
        self.samples = samples
        self.confidence = confidence
        self.theorem_policies = theorem_policies

    def applies(self, game: Game, coalitions: Sequence[Sequence[int]]) -> str | None:
        if is_stochastic(game):
            from powergames.games.stochastic import StochasticUnitSumGame

            if not isinstance(game, StochasticUnitSumGame):
                return "shares need a stochastic unit-sum game"
            if any(len(c) > 1 for c in coalitions):
                return "stochastic shares need one agent per seat (Markov coalition learners do not exist)"
            return None
        if is_bayesian(game):
            return "shares are defined for unit-sum games"
        if not game.is_unit_sum:  # a normal-form game whose payoffs happen to be shares
            c = game.as_normal_form().constant_sum_value()
            payoffs = game.as_normal_form().payoffs
            if c is None or abs(c - 1.0) > SUM_TOL or bool((payoffs < 0).any()):
                return "shares need a unit-sum game (non-negative payoffs summing to 1)"
        return None

    def evaluate(self, ctx: EvalContext) -> dict[str, float]:
        if is_stochastic(ctx.game):
            if ctx.profile is None:
                raise ValueError("the shares evaluator needs every agent's Markov strategy")
            return evaluate_stochastic_shares(ctx.game, ctx.coalitions, ctx.profile)
        if ctx.joint_policies is None:
            raise ValueError("the shares evaluator needs every agent's exact joint strategy")
        return evaluate_shares(
            ctx.game,
            ctx.coalitions,
            ctx.joint_policies,
            rng=ctx.rng,
            samples=self.samples,
            confidence=self.confidence,
            theorem_policies=self.theorem_policies,
        )


class PowerEvaluator(Evaluator):
    """POWER, achieved values, ΣPOWER − c and NashConv for the current and average profiles, and
    the game's best- and worst-case POWER per player (:func:`power_case_metrics`)."""

    name = "power"

    def applies(self, game: Game, coalitions: Sequence[Sequence[int]]) -> str | None:
        if any(len(c) > 1 for c in coalitions):
            return "POWER is per player: it needs one agent per seat"
        return None

    def evaluate(self, ctx: EvalContext) -> dict[str, float]:
        if ctx.profile is None:
            raise ValueError("the power evaluator needs a per-player profile")
        avg = ctx.average_profile if ctx.average_profile is not None else ctx.profile
        out = evaluate_power_profiles(ctx.game, [ctx.profile, avg], ["power", "power_avg"])
        out.update(power_case_metrics(ctx.game))
        return out


class AlignmentEvaluator(Evaluator):
    """Welfare, coordination gap, α, covariance and surplus at the current profile."""

    name = "alignment"

    def applies(self, game: Game, coalitions: Sequence[Sequence[int]]) -> str | None:
        if is_bayesian(game) or is_stochastic(game):
            return "the alignment metrics are defined for normal-form and unit-sum games"
        if any(len(c) > 1 for c in coalitions):
            return "the alignment metrics need one agent per seat"
        return None

    def evaluate(self, ctx: EvalContext) -> dict[str, float]:
        if ctx.profile is None:
            raise ValueError("the alignment evaluator needs a per-player profile")
        return evaluate_alignment(ctx.game, ctx.profile)


#: Evaluator names (as in configs) → classes.
EVALUATOR_CLASSES: dict[str, type[Evaluator]] = {
    "shares": SharesEvaluator,
    "power": PowerEvaluator,
    "alignment": AlignmentEvaluator,
}


def run_evaluators(evaluators: Sequence[Evaluator], ctx: EvalContext) -> dict[str, float]:
    """Merge the dictionaries of several evaluators (keys must not collide)."""
    out: dict[str, float] = {}
    for ev in evaluators:
        res = ev.evaluate(ctx)
        clash = set(res) & set(out)
        assert not clash, f"evaluator {ev.name} repeats keys {sorted(clash)}"
        out.update(res)
    return out


# ---------------------------------------------------------------------------------------- callback


class EvalCallback(BaseCallback):
    """Run evaluators every ``eval_every`` steps, with SB3's callback template.

    ``on_step()`` (SB3's template) calls :meth:`_on_step`, which evaluates when the step counter
    reaches the next multiple of ``eval_every``; the results are recorded as ``eval/<metric>`` on
    ``logger`` and dumped at that step. In ``"rollout"`` mode (SB3 on-policy learners) evaluation
    happens at rollout starts and at the end of training instead — i.e. after the policy update —
    so that evaluations (and the checkpoints taken with them) sit at rollout boundaries.

    Args:
        evaluators: the evaluators to run.
        context: returns the :class:`EvalContext` at a given step (strategies read at call time).
        eval_every: the evaluation period in environment steps.
        logger: the run's logger (``record``/``dump``), e.g. :class:`powergames.training.logging.RunLogger`.
        mode: ``"step"`` or ``"rollout"``.
        after_eval: called as ``after_eval(step, metrics)`` after each evaluation (checkpointing).
        first_step: evaluations at or before this step are skipped (they exist already: resume).
    """

    def __init__(
        self,
        evaluators: Sequence[Evaluator],
        context: Callable[[int], EvalContext],
        eval_every: int,
        logger: Any,
        *,
        mode: str = "step",
        after_eval: Callable[[int, Mapping[str, float]], None] | None = None,
        first_step: int = -1,
        verbose: int = 0,
    ) -> None:
        super().__init__(verbose)
        if mode not in ("step", "rollout"):
            raise ValueError(f"mode must be 'step' or 'rollout', got {mode!r}")
        self.evaluators = list(evaluators)
        self.context = context
        self.eval_every = int(eval_every)
        self.run_logger = logger
        self.mode = mode
        self.after_eval = after_eval
        self.last_eval_step = int(first_step)
        self.history: list[tuple[int, dict[str, float]]] = []

    @property
    def logger(self) -> Any:  # SB3 reads ``model.logger``; evaluations go to the run's logger
        """The run's logger (``record`` / ``dump``), not the model's."""
        return self.run_logger

    def evaluate(self, step: int) -> dict[str, float]:
        """Evaluate now, record ``eval/<metric>`` and dump at ``step``."""
        metrics = run_evaluators(self.evaluators, self.context(step))
        for key, value in metrics.items():
            self.run_logger.record(f"eval/{key}", value)
        self.run_logger.dump(step)
        self.last_eval_step = step
        self.history.append((step, metrics))
        if self.after_eval is not None:
            self.after_eval(step, metrics)
        return metrics

    def _due(self) -> bool:
        step = self.num_timesteps
        return step > self.last_eval_step and step % self.eval_every == 0

    def _on_training_start(self) -> None:
        self.num_timesteps = self.model.num_timesteps
        if self.mode == "step" and self._due():
            self.evaluate(self.num_timesteps)

    def _on_step(self) -> bool:
        if self.mode == "step" and self._due():
            self.evaluate(self.num_timesteps)
        return True

    def _on_rollout_start(self) -> None:
        self.num_timesteps = self.model.num_timesteps
        if self.mode == "rollout" and self._due():
            self.evaluate(self.num_timesteps)

    def _on_training_end(self) -> None:
        self.num_timesteps = self.model.num_timesteps
        if self.mode == "rollout" and self._due():
            self.evaluate(self.num_timesteps)


# registers the gridworld evaluators (that module imports this one: kept last)
import powergames.training.gridworld_evaluation  # noqa: E402, F401
