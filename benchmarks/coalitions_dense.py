"""Benchmark: count-form coalition values against the dense tensor contraction on the same game.

Run ``python benchmarks/coalitions_dense.py``; prints a markdown table for BENCHMARKS.md. The
baseline is ``coalition_values`` on ``game.to_dense()`` (an einsum over all ``k**n`` profiles) at
the largest ``n`` whose share tensor fits 256 MB; the candidate is ``coalition_values`` on the
count-form game itself, same coalitions and policies (Theorem 1's shared action and Theorem 2's
copies against an i.i.d. minority), in the same process. Times: min and median of 5 interleaved
repetitions; ratio = dense / count form.
"""

from __future__ import annotations

import one_thread  # noqa: E402, F401  (first: one BLAS/OpenMP thread before NumPy loads)

# isort: split

import math  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from powergames.games import majority_game, random_symmetric_unit_sum_game  # noqa: E402
from powergames.theory import (  # noqa: E402
    IndependentPolicy,
    coalition_copying_policy,
    coalition_values,
    contiguous_coalitions,
    theorem1_policy,
)

K = 3
DENSE_BUDGET_BYTES = 256 * 2**20  # share tensor n_states * n * k**n float64
REPEATS = 5


def largest_dense_n(k: int, n_states: int) -> int:
    n = 1
    while n_states * (n + 1) * k ** (n + 1) * 8 <= DENSE_BUDGET_BYTES:
        n += 1
    return n


def main() -> None:
    rows = []
    for name, n_states in (("majority", 1), ("random", 2)):
        n = largest_dense_n(K, n_states)
        game = (
            majority_game(n, K)
            if name == "majority"
            else random_symmetric_unit_sum_game(n, K, 2, np.random.default_rng(n * 10 + K))
        )
        dense = game.to_dense()
        size = math.ceil(2 * n / 3)
        opp = IndependentPolicy(n - size, np.random.default_rng(K).dirichlet(np.ones(K)))
        coalitions = contiguous_coalitions([size, n - size])
        for label, pols in (
            ("Theorem 1", [theorem1_policy(size, K), opp]),
            ("Theorem 2", [coalition_copying_policy(opp, size), opp]),
        ):
            t_dense, t_count = [], []
            for _ in range(REPEATS):  # interleaved
                t = time.perf_counter()
                v_dense = coalition_values(dense, coalitions, pols)
                t_dense.append(time.perf_counter() - t)
                t = time.perf_counter()
                v_count = coalition_values(game, coalitions, pols)
                t_count.append(time.perf_counter() - t)
            diff = float(np.max(np.abs(np.asarray(v_dense) - np.asarray(v_count))))
            rows.append(
                f"| {name} | {n} | {K} | {label} | {min(t_dense):.3f} / "
                f"{statistics.median(t_dense):.3f} | {min(t_count):.5f} / "
                f"{statistics.median(t_count):.5f} | {min(t_dense) / min(t_count):,.0f}x "
                f"({statistics.median(t_dense) / statistics.median(t_count):,.0f}x) | {diff:.1e} |"
            )
    print(f"Load average at the start: {os.getloadavg()[0]:.1f}.\n")
    print(
        "| game | n | k | policy | dense (s, min / median) | count form (s, min / median) "
        "| ratio at min (at median) | max abs diff |"
    )
    print("|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
