"""Benchmark: exact coalition values in count form, against a dense tensor contraction.

Run ``python benchmarks/coalitions.py`` (one thread: BLAS/OpenMP limited to 1 before NumPy loads); it
prints a markdown section for BENCHMARKS.md. For the majority game and a random symmetric unit-sum
game (2 states) it times, for n = 10, 100, 1000 with k = 3 and n = 50 with k = 5:
  * building the count-form game (validation included),
  * exact coalition values of c_1 = the first ceil(2n/3) players against c_2 = the rest, who draw
    i.i.d. from a fixed random mixed strategy, for Theorem 1's policy and Theorem 2's copying policy,
and the peak memory (tracemalloc) of each values call. The baseline is the dense contraction over all
k**n profiles of the same game (``coalition_values`` on ``to_dense()``), run at the largest n whose
share tensor fits the stated budget; the ratio is dense time / count-form time in the same run.
"""

from __future__ import annotations

import one_thread  # noqa: E402, F401  (first: one BLAS/OpenMP thread before NumPy loads)

# isort: split

import functools  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402

import numpy as np  # noqa: E402

from powergames.games import majority_game, random_symmetric_unit_sum_game
from powergames.theory import (
    IndependentPolicy,
    coalition_copying_policy,
    coalition_values,
    contiguous_coalitions,
    theorem1_policy,
)

SIZES = [(10, 3), (100, 3), (1000, 3), (50, 5)]
DENSE_BUDGET_BYTES = 256 * 2**20  # share tensor n_states * n * k**n float64
REPEATS = 3


def build(name: str, n: int, k: int):
    if name == "majority":
        return majority_game(n, k)
    return random_symmetric_unit_sum_game(n, k, 2, np.random.default_rng(n * 10 + k))


def setup(n: int, k: int):
    size = math.ceil(2 * n / 3)
    opp = IndependentPolicy(n - size, np.random.default_rng(k).dirichlet(np.ones(k)))
    policies = {
        "Theorem 1": [theorem1_policy(size, k), opp],
        "Theorem 2": [coalition_copying_policy(opp, size), opp],
    }
    return contiguous_coalitions([size, n - size]), policies


def timed(fn, repeats: int = REPEATS) -> tuple[float, object]:
    best, out = math.inf, None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def peak_mb(fn) -> float:
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def largest_dense_n(k: int, n_states: int) -> int:
    n = 1
    while n_states * (n + 1) * k ** (n + 1) * 8 <= DENSE_BUDGET_BYTES:
        n += 1
    return n


def main() -> None:
    lines = [
        "## coalitions",
        "",
        "Exact coalition values `coalition_values(game, coalitions, policies)` on a count-form "
        "`SymmetricUnitSumGame`.",
        f"Machine: {platform.machine()}, 2 cores, one thread used (BLAS/OpenMP = 1, scipy.fft "
        f"workers = 1); Python {platform.python_version()}, NumPy {np.__version__}.",
        "Reproduce: `python benchmarks/coalitions.py`.",
        "",
        "Setup: c_1 = the first ceil(2n/3) players (so Theorem 2 applies with k_T = 3), c_2 = the "
        "others drawing i.i.d. from one fixed random mixed strategy. Random game: 2 states. "
        f"Times are the best of {REPEATS}; peak = tracemalloc peak of one values call.",
        "",
        "| game | n | k | count vectors | build (s) | policy | values (s) | peak (MB) | r_1 min over x |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name in ("majority", "random"):
        for n, k in SIZES:
            t_build = time.perf_counter()
            game = build(name, n, k)
            t_build = time.perf_counter() - t_build
            coalitions, policies = setup(n, k)
            for label, pols in policies.items():
                call = functools.partial(coalition_values, game, coalitions, pols)
                secs, values = timed(call)
                mem = peak_mb(call)
                lines.append(
                    f"| {name} | {n} | {k} | {len(game.full_counts):,} | {t_build:.3f} | {label} | "
                    f"{secs:.4f} | {mem:.1f} | {values[:, 0].min():.6f} |"
                )
    lines += [
        "",
        "Baseline: dense contraction (`coalition_values` on `game.to_dense()`, an einsum over all "
        f"k**n profiles) at the largest n whose share tensor fits {DENSE_BUDGET_BYTES // 2**20} MB, "
        "same game, coalitions and policies, same run. Ratio = dense time / count-form time; "
        "the two answers agree to the stated max difference.",
        "",
        "| game | n | k | policy | dense (s) | dense peak (MB) | count form (s) | ratio | max abs diff |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name in ("majority", "random"):
        k = 3
        n_states = 1 if name == "majority" else 2
        n = largest_dense_n(k, n_states)
        game = build(name, n, k)
        dense = game.to_dense()
        coalitions, policies = setup(n, k)
        for label, pols in policies.items():
            t_sym, v_sym = timed(functools.partial(coalition_values, game, coalitions, pols))
            dense_call = functools.partial(coalition_values, dense, coalitions, pols)
            t_den, v_den = timed(dense_call, repeats=2)
            mem = peak_mb(dense_call)
            lines.append(
                f"| {name} | {n} | {k} | {label} | {t_den:.3f} | {mem:.1f} | {t_sym:.5f} | "
                f"{t_den / t_sym:,.0f}x | {np.abs(v_sym - v_den).max():.1e} |"
            )
        del dense
    print("\n".join(lines))


if __name__ == "__main__":
    main()
