"""POWER maps of agents on a gridworld and the alignment of two agents' POWER (MATH.md §5).

The study of POWERplay's "alignment plot": how the POWER of two agents on one grid co-varies
across states as the correlation ``ρ`` of their rewards goes from 0 to 1.

**Rewards.** ``M`` pairs of state-reward functions on the joint states are drawn once,
``R_A^m(s) = U^m(s)`` and ``R_B^m(s) = U^m(s)`` if ``V^m(s) < ρ`` else ``W^m(s)``, with ``U, V, W``
i.i.d. uniform on ``[0, 1]`` for every ``m`` and state ``s``. Every ``ρ`` uses the same draws
(common random numbers), each agent's reward is marginally i.i.d. ``U[0, 1]`` over the states, and
``Corr(R_A(s), R_B(s)) = ρ`` at every state (:func:`correlated_state_rewards`).

**The finite prior.** The pairs are the types: ``t_A = t_B = m`` with probability ``1/M`` (the
type prior ``Ω`` of §5 is diagonal), so every POWER below is *exact* for this prior (the §5
definition, solved by :func:`~powergames.theory.stochastic_power.stochastic_power_report`); as an
estimate of POWER under the continuous prior it is a Monte Carlo mean over ``M`` samples, reported
with a normal 95% interval.

**Protocol** (POWERplay's two phases). Agent B's policy ``σ_B`` is either uniform or *optimal for
its own reward* ``R_B^m`` against agent A's seed policy (uniform). Then, at the profile
``(σ_A = uniform, σ_B)``: ``POWER_A(s) = E_m[max_π f_A(m, π, σ_B; s)]`` (A best-responds to B's
actual policy) and ``POWER_B(s) = E_m[max_π f_B(m, π, σ_A; s)]``. Values are normalised as §5's
single-agent ``POWER_D``: ``(1 − γ)/γ · E_m[V^m(s) − R^m(s)]``.

**What the maths says at the ends.** At ``ρ = 1`` the rewards are equal, so A playing the seed
policy against ``σ_B`` earns exactly B's optimal value: ``POWER_A(s) ≥ POWER_B(s)`` at every state
(and ``POWER_A(s) ≤`` the team optimum ``E_m[max_{π_A, π_B} V_{R^m}(s)]``). With B uniform,
``POWER_A`` does not depend on ``ρ`` at all (A's problem involves ``R_A = U`` only). The
correlation ``corr_s(POWER_A(s), POWER_B(s))`` across the joint states is what the figure plots.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from powergames.games.checks import check_positive_int, check_rng
from powergames.games.gridworld import GridWorld
from powergames.games.stochastic import StochasticGame, check_size
from powergames.theory.stochastic_power import stochastic_best_response, stochastic_power_report

FloatArray = npt.NDArray[np.float64]

__all__ = [
    "AlignmentStudy",
    "PowerEstimate",
    "alignment_study",
    "correlated_state_rewards",
    "pearson",
    "single_agent_power",
    "two_agent_power",
]


@dataclass(frozen=True)
class PowerEstimate:
    """A normalised POWER map with its per-sample values.

    Attributes:
        per_type: ``(M, S)``: ``(1 − γ)/γ · (max_π f(m, π, σ_other; s) − R^m(s))`` per sample.
        mean: ``(S,)``: the map, exact for the finite prior of ``M`` samples.
        half_width: ``(S,)``: the 95% normal half-width as an estimate of the continuous prior.
    """

    per_type: FloatArray
    mean: FloatArray
    half_width: FloatArray

    @classmethod
    def of(cls, per_type: FloatArray) -> PowerEstimate:
        """From ``(M, S)`` per-sample values."""
        m = per_type.shape[0]
        sd = per_type.std(axis=0, ddof=1) if m > 1 else np.zeros(per_type.shape[1])
        return cls(per_type, per_type.mean(axis=0), 1.959963984540054 * sd / math.sqrt(m))


def correlated_state_rewards(
    rng: Any, n_samples: int, n_states: int, rhos: Sequence[float]
) -> tuple[FloatArray, FloatArray]:
    """``R_A (M, S)`` and ``R_B (len(rhos), M, S)`` with ``Corr(R_A(s), R_B(s)) = ρ`` (module
    docstring; one set of draws for every ``ρ``).

    Example:
        >>> ra, rb = correlated_state_rewards(0, 4, 3, [0.0, 1.0])
        >>> bool(np.array_equal(rb[1], ra)), ra.shape, rb.shape
        (True, (4, 3), (2, 4, 3))
    """
    rng = check_rng(rng)
    m = check_positive_int("n_samples", n_samples)
    s = check_positive_int("n_states", n_states)
    r = np.asarray(rhos, dtype=np.float64)
    if r.ndim != 1 or r.size == 0 or np.any(~np.isfinite(r)) or np.any((r < 0) | (r > 1)):
        raise ValueError(f"rhos must be a non-empty list of numbers in [0, 1], got {rhos!r}")
    check_size("rewards", (len(r), m, s))
    u, v, w = rng.random((3, m, s))
    return u, np.where(v[None] < r[:, None, None], u[None], w[None])


def _state_game(grid: GridWorld, rewards: Sequence[FloatArray], discount: float) -> StochasticGame:
    """The grid with state rewards ``rewards[i] (M, S)`` as types; prior diagonal (types shared)."""
    n, k = grid.n_agents, len(grid.moves)
    m = rewards[0].shape[0]
    check_size("rewards", (n, m, grid.n_states, *(k,) * n))
    shaped = tuple(
        np.broadcast_to(r.reshape(m, grid.n_states, *(1,) * n), (m, grid.n_states, *(k,) * n))
        for r in rewards
    )
    prior = np.zeros((m,) * n)
    prior[(np.arange(m),) * n] = 1.0 / m
    return StochasticGame(grid.transitions, shaped, None, prior, discount)


def _uniform(m: int, grid: GridWorld) -> FloatArray:
    k = len(grid.moves)
    return np.full((m, grid.n_states, k), 1.0 / k)


def _normalised(values: FloatArray, rewards: FloatArray, discount: float) -> FloatArray:
    """§5's ``POWER_D`` normalisation per sample: ``(1 − γ)/γ · (V − R)``."""
    return (1.0 - discount) / discount * (values - rewards)


def single_agent_power(grid: GridWorld, rewards: FloatArray, discount: float) -> PowerEstimate:
    """``POWER_D`` per cell of a one-agent grid for the ``(M, C)`` sampled state rewards.

    Raises:
        ValueError: the grid has more than one agent, or bad shapes or discount.
    """
    if grid.n_agents != 1:
        raise ValueError(f"single_agent_power needs a one-agent grid, got {grid.n_agents} agents")
    game = _state_game(grid, [rewards], _check_discount(discount))
    rep = stochastic_power_report(game, [_uniform(rewards.shape[0], grid)])
    return PowerEstimate.of(_normalised(rep.type_power[0], rewards, discount))


def _check_discount(discount: Any) -> float:
    if isinstance(discount, bool) or not isinstance(discount, int | float) or not 0 < discount < 1:
        raise ValueError(f"discount must be a number in (0, 1), got {discount!r}")
    return float(discount)


def two_agent_power(
    grid: GridWorld, reward_a: FloatArray, reward_b: FloatArray, discount: float, other: str
) -> tuple[PowerEstimate, PowerEstimate]:
    """``(POWER_A, POWER_B)`` over the joint states at the profile of the module docstring.

    Args:
        grid: a two-agent grid (A is seat 0, B seat 1).
        reward_a, reward_b: ``(M, S)`` state rewards, pair ``m`` being the type ``m`` of both.
        discount: ``γ ∈ (0, 1)``.
        other: B's policy: ``"uniform"`` or ``"optimal"`` (for its own reward, against A uniform).

    Returns:
        Two :class:`PowerEstimate` of shape ``(S,)`` each.
    """
    if grid.n_agents != 2:
        raise ValueError(f"two_agent_power needs a two-agent grid, got {grid.n_agents} agents")
    if other not in ("uniform", "optimal"):
        raise ValueError(f"other must be 'uniform' or 'optimal', got {other!r}")
    g = _check_discount(discount)
    if reward_a.shape != reward_b.shape or reward_a.shape[1:] != (grid.n_states,):
        raise ValueError(
            f"reward_a and reward_b must both have shape (M, {grid.n_states}), got "
            f"{reward_a.shape} and {reward_b.shape}"
        )
    game = _state_game(grid, [reward_a, reward_b], g)
    m = reward_a.shape[0]
    seed = _uniform(m, grid)
    sigma_b = seed
    if other == "optimal":
        br = stochastic_best_response(game, 1, [seed, seed])
        assert br.policy is not None  # an MDP (A's seed policy is the same for every type)
        sigma_b = br.policy
    rep = stochastic_power_report(game, [seed, sigma_b])
    pa = PowerEstimate.of(_normalised(rep.type_power[0], reward_a, g))
    pb = PowerEstimate.of(_normalised(rep.type_power[1], reward_b, g))
    return pa, pb


def pearson(x: FloatArray, y: FloatArray) -> FloatArray:
    """Pearson correlation along the last axis (``NaN`` where either side is constant)."""
    xc = x - x.mean(axis=-1, keepdims=True)
    yc = y - y.mean(axis=-1, keepdims=True)
    den = np.sqrt((xc * xc).sum(axis=-1) * (yc * yc).sum(axis=-1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, (xc * yc).sum(axis=-1) / np.where(den > 0, den, 1.0), np.nan)


def _bootstrap_corr(
    a: FloatArray, b: FloatArray, rng: np.random.Generator, n_boot: int
) -> tuple[float, float]:
    """A 95% interval for ``corr_s`` of the maps ``a.mean(0)``, ``b.mean(0)`` (``(M, S)`` inputs):
    the basic bootstrap over resampled reward samples on Fisher's ``z = atanh(r)`` scale
    (``tanh(2 ẑ − q_{97.5}), tanh(2 ẑ − q_{2.5})``), which undoes to first order the pull towards
    0 that resampling noise gives a correlation of means, and stays inside ``(−1, 1)``."""
    m = a.shape[0]
    counts = rng.multinomial(m, np.full(m, 1.0 / m), size=n_boot).astype(np.float64) / m
    z = np.arctanh(np.clip(pearson(counts @ a, counts @ b), -1 + 1e-15, 1 - 1e-15))
    z_hat = np.arctanh(np.clip(pearson(a.mean(axis=0), b.mean(axis=0)), -1 + 1e-15, 1 - 1e-15))
    if not np.isfinite(z_hat) or np.isnan(z).any():
        return float("nan"), float("nan")
    q_lo, q_hi = np.quantile(z, [0.025, 0.975])
    return float(np.tanh(2 * z_hat - q_hi)), float(np.tanh(2 * z_hat - q_lo))


@dataclass(frozen=True)
class AlignmentStudy:
    """Everything the figure shows (per ``ρ`` entries in the order of ``rhos``).

    Attributes:
        rhos: ``(R,)`` reward correlations.
        single: the one-agent ``POWER_D`` map ``(C,)``.
        a_uniform: ``POWER_A`` with B uniform (the same for every ``ρ``), ``(S,)``.
        a_optimal, b_power: per ``ρ``, ``POWER_A`` with B optimal and ``POWER_B``.
            ``POWER_B`` is B's best response to A's seed policy, so it is the same whether B
            itself then plays uniform or optimal.
        corr_optimal, corr_uniform: ``(R,)`` correlations across the joint states of ``POWER_A``
            and ``POWER_B`` with B optimal / uniform.
        corr_optimal_ci, corr_uniform_ci: ``(R, 2)`` bootstrap 95% intervals over the samples.
        reward_corr: ``(R,)`` the sampled rewards' correlation (pooled over samples and states).
    """

    rhos: FloatArray
    single: PowerEstimate
    a_uniform: PowerEstimate
    a_optimal: list[PowerEstimate]
    b_power: list[PowerEstimate]
    corr_optimal: FloatArray
    corr_uniform: FloatArray
    corr_optimal_ci: FloatArray
    corr_uniform_ci: FloatArray
    reward_corr: FloatArray


def alignment_study(
    layout: Sequence[str],
    *,
    discount: float,
    n_samples: int,
    rhos: Sequence[float],
    seed: int = 0,
    n_boot: int = 1000,
    wrap: bool = False,
) -> AlignmentStudy:
    """The one-agent map and the two-agent maps and correlations of the module docstring.

    Args:
        layout: the grid's rows (``"#"`` walls; other characters open).
        discount: ``γ ∈ (0, 1)``.
        n_samples: ``M`` reward samples (pairs) per study.
        rhos: reward correlations in ``[0, 1]``.
        seed: the generator's seed (one stream: single-agent rewards, pairs, bootstrap).
        n_boot: bootstrap resamples for the correlations' intervals.
        wrap: a torus instead of walls.
    """
    rng = check_rng(seed)
    g = _check_discount(discount)
    n_boot = check_positive_int("n_boot", n_boot)
    one = GridWorld.build(layout, 1, wrap=wrap)
    two = GridWorld.build(layout, 2, wrap=wrap)
    single = single_agent_power(one, rng.random((check_positive_int("n_samples", n_samples), one.n_states)), g)  # fmt: skip
    ra, rb = correlated_state_rewards(rng, n_samples, two.n_states, rhos)
    a_uni, _ = two_agent_power(two, ra, rb[0], g, "uniform")
    a_opt, b_pow, c_opt, c_uni, ci_opt, ci_uni, rcorr = [], [], [], [], [], [], []
    for j in range(len(rhos)):
        pa, pb = two_agent_power(two, ra, rb[j], g, "optimal")
        a_opt.append(pa)
        b_pow.append(pb)
        c_opt.append(float(pearson(pa.mean, pb.mean)))
        c_uni.append(float(pearson(a_uni.mean, pb.mean)))
        ci_opt.append(_bootstrap_corr(pa.per_type, pb.per_type, rng, n_boot))
        ci_uni.append(_bootstrap_corr(a_uni.per_type, pb.per_type, rng, n_boot))
        rcorr.append(float(pearson(ra.ravel(), rb[j].ravel())))
    return AlignmentStudy(
        np.asarray(rhos, dtype=np.float64),
        single,
        a_uni,
        a_opt,
        b_pow,
        np.array(c_opt),
        np.array(c_uni),
        np.array(ci_opt),
        np.array(ci_uni),
        np.array(rcorr),
    )
