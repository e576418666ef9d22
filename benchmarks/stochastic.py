"""Benchmark: exact POWER maps and POWER_D against a plain value-iteration loop (MATH.md §5).

Prints a markdown section for BENCHMARKS.md. Reproduce with::

    OMP_NUM_THREADS=1 python benchmarks/stochastic.py      # add --quick for a smaller run

Two parts, each against a baseline written here: plain value iteration, one reward function at a
time, vectorised over states and actions with NumPy (``Q = R + γ P V``; stop when
``‖ΔV‖_∞ ≤ tol (1 − γ)/γ``, the same certified tolerance as the library's value iteration).

1. The exact POWER map of a two-agent tabular gridworld (5×5 with four walls, agents may not share
   a cell: 420 joint states, 25 joint actions). Player 0's type is its goal cell (21 types, uniform),
   its reward 1 on the goal; player 1 moves uniformly at random. The library computes player 0's
   best-response values for all types at once (:func:`stochastic_best_response`: one batched
   policy iteration, exact) and, for the same tolerance as the baseline, one batched value
   iteration (:func:`solve_mdp` on the induced MDP).
2. POWERplay's ``POWER_D`` on its 3×3 gridworld (γ = 0.6, uniform [0, 1] state rewards): the
   library's :func:`power_d` (one batched value iteration over all samples) against the plain loop
   over samples, per sample (the loop runs on a tenth of the samples, the library on all of them
   and on the same tenth).

Times are minima (and medians) over interleaved repetitions: the machine is shared. BLAS threads
are best pinned to 1 (``OMP_NUM_THREADS=1``) on a loaded machine: skinny matrix products spin
otherwise.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable

import numpy as np

from powergames.games.gridworld import GridWorld
from powergames.theory.stochastic_power import power_d, stochastic_best_response
from powergames.theory.stochastic_values import induced_mdp, solve_mdp

LAYOUT = [".....", ".#.#.", ".....", ".#.#.", "....."]


def plain_value_iteration(p: np.ndarray, r: np.ndarray, gamma: float, tol: float) -> np.ndarray:
    """One reward function: ``p`` ``(S, A, S)``, ``r`` ``(S, A)``; returns ``V*`` to ``tol``."""
    v = r.max(axis=1)
    threshold = tol * (1 - gamma) / gamma
    while True:
        new = (r + gamma * (p @ v)).max(axis=1)
        if np.abs(new - v).max() <= threshold:
            return new
        v = new


def timed(fns: list[Callable[[], object]], rounds: int) -> list[tuple[float, float]]:
    """``(min, median)`` wall time of each function over interleaved rounds."""
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(rounds):
        for j, fn in enumerate(fns):
            t0 = time.perf_counter()
            fn()
            times[j].append(time.perf_counter() - t0)
    return [(min(t), float(np.median(t))) for t in times]


def grid_power_map(rounds: int, tol: float) -> list[str]:
    grid = GridWorld.build(LAYOUT, n_agents=2, share_cells=False)
    S, C = grid.n_states, grid.n_cells
    gamma = 0.9
    goals = grid.goal_rewards(0)
    game = grid.game(
        [goals, np.zeros((1, S, 5, 5))], prior=np.full((C, 1), 1.0 / C), discount=gamma
    )
    uniform = np.full((S, 5), 0.2)
    profile = [np.full((C, S, 5), 0.2), uniform]
    p0, r0 = induced_mdp(game, 0, [None, uniform], np.ascontiguousarray(goals))

    def library_exact():
        return stochastic_best_response(game, 0, profile).values

    def library_vi():
        return solve_mdp(p0, r0, discount=gamma, method="value_iteration", tol=tol).values

    def baseline():
        return np.stack([plain_value_iteration(p0, r0[t], gamma, tol) for t in range(C)])

    exact, vi, base = library_exact(), library_vi(), baseline()
    err_vi = float(np.abs(vi - exact).max())
    err_base = float(np.abs(base - exact).max())
    (t_ex, m_ex), (t_vi, m_vi), (t_b, m_b) = timed([library_exact, library_vi, baseline], rounds)
    power = exact.mean(axis=0)  # POWER(0, σ; s) with the uniform goal prior
    return [
        "### Exact POWER map of a two-agent 5×5 gridworld",
        "",
        f"{S} joint states, 25 joint actions, {C} goal types, γ = {gamma}; baseline = plain value "
        f"iteration per type at tol = {tol:g}. POWER map range "
        f"[{power.min():.4f}, {power.max():.4f}].",
        "",
        "| method | min (ms) | median (ms) | baseline / method (min) | max error vs exact |",
        "|---|---|---|---|---|",
        f"| plain value iteration, loop over types (baseline) | {1e3 * t_b:.1f} | {1e3 * m_b:.1f} "
        f"| 1.0 | {err_base:.1e} |",
        f"| `stochastic_best_response` (batched policy iteration, exact) | {1e3 * t_ex:.1f} | "
        f"{1e3 * m_ex:.1f} | {t_b / t_ex:.2f} | 0 |",
        f"| `solve_mdp` batched value iteration, same tol | {1e3 * t_vi:.1f} | {1e3 * m_vi:.1f} | "
        f"{t_b / t_vi:.2f} | {err_vi:.1e} |",
        "",
    ]


def powerplay_grid(rounds: int, n_samples: int, tol: float) -> list[str]:
    grid = GridWorld.build(["...", "...", "..."])
    p = grid.transitions
    gamma = 0.6
    n_base = max(n_samples // 10, 2)

    def library_full():
        return power_d(p, gamma, np.random.default_rng(0), n_samples, tol=tol)

    def library_part():
        return power_d(p, gamma, np.random.default_rng(1), n_base, tol=tol)

    def baseline():
        rewards = np.random.default_rng(1).uniform(0, 1, size=(n_base, grid.n_states))
        out = np.empty_like(rewards)
        for m in range(n_base):
            r = np.broadcast_to(rewards[m][:, None], (grid.n_states, 5))
            out[m] = (1 - gamma) / gamma * (plain_value_iteration(p, r, gamma, tol) - rewards[m])
        return out.mean(axis=0)

    est_part = library_part()
    base = baseline()
    err = float(np.abs(est_part.mean - base).max())
    (t_f, m_f), (t_p, m_p), (t_b, m_b) = timed([library_full, library_part, baseline], rounds)
    per_lib = t_f / n_samples
    per_base = t_b / n_base
    est = library_full()
    return [
        "### POWER_D on POWERplay's 3×3 gridworld",
        "",
        f"γ = {gamma}, uniform [0, 1] state rewards, tol = {tol:g}. Same samples (seed 1, "
        f"{n_base:,}) for the library and the loop: max difference {err:.1e}. Centre POWER_D "
        f"{est.mean[4]:.4f} ± {est.half_width[4]:.4f} (95%, {n_samples:,} samples).",
        "",
        "| method | samples | min (ms) | median (ms) | µs / sample | baseline / method (per sample) |",
        "|---|---|---|---|---|---|",
        f"| plain value iteration, loop over samples (baseline) | {n_base:,} | {1e3 * t_b:.0f} | "
        f"{1e3 * m_b:.0f} | {1e6 * per_base:.1f} | 1.0 |",
        f"| `power_d` (batched value iteration) | {n_base:,} | {1e3 * t_p:.0f} | {1e3 * m_p:.0f} | "
        f"{1e6 * t_p / n_base:.1f} | {per_base / (t_p / n_base):.0f} |",
        f"| `power_d` (batched value iteration) | {n_samples:,} | {1e3 * t_f:.0f} | "
        f"{1e3 * m_f:.0f} | {1e6 * per_lib:.1f} | {per_base / per_lib:.0f} |",
        "",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and samples")
    args = parser.parse_args()
    rounds = 3 if args.quick else 5
    n_samples = 10_000 if args.quick else 50_000
    lines = [
        "## stochastic",
        "",
        f"`python benchmarks/stochastic.py` on {platform.processor() or platform.machine()}, "
        f"numpy {np.__version__}, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}; "
        f"min and median of {rounds} interleaved rounds.",
        "",
    ]
    lines += grid_power_map(rounds, tol=1e-8)
    lines += powerplay_grid(rounds, n_samples, tol=1e-6)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
