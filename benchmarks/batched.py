"""Benchmark: batched NashConv and the one-LP zero-sum solver against the per-call paths (issue 16).

Prints a markdown section for BENCHMARKS.md. Reproduce with ``python benchmarks/batched.py``
(``--quick`` for fewer repetitions).

1. ``nash_conv_batch`` on B = 1,000 random profiles of one game against a Python loop over the
   per-call ``nash_conv`` (the library's own API), on a 2-player 10×10 game, 3 players × 4 actions
   and 4 players × 4 actions; the two answers are compared.
2. ``matrix_game`` (one HiGHS LP, the opponent's strategy from its duals; dual simplex or
   interior point) against the previous zero-sum path (one sparse LP per player,
   ``_maxmin_strategy``), on random 100×100 and 400×400 zero-sum games.

Repetitions of a candidate and its baseline are interleaved; the table gives the ratio
(baseline / candidate) at the minimum and the median over repetitions. The machine is shared
(2 cores, several people): the spread between min and median shows the noise.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections.abc import Callable

import one_thread  # noqa: E402, F401  (first: one BLAS/OpenMP thread before NumPy loads)

# isort: split

import numpy as np  # noqa: E402

from powergames.games import NormalFormGame  # noqa: E402
from powergames.theory import nash_conv, nash_conv_batch  # noqa: E402
from powergames.theory.equilibria import _maxmin_strategy, matrix_game  # noqa: E402


def timed(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def interleaved(base: Callable[[], object], cand: Callable[[], object], reps: int):
    tb, tc = [], []
    for _ in range(reps):
        tb.append(timed(base))
        tc.append(timed(cand))
    return tb, tc


def ratio_row(tb: list[float], tc: list[float]) -> tuple[float, float, float, float]:
    return min(tb), min(tc), min(tb) / min(tc), statistics.median(tb) / statistics.median(tc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    reps = 3 if args.quick else 7
    rng = np.random.default_rng(0)
    print("## batched NashConv and the one-LP zero-sum solver\n")
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores (shared), one BLAS thread; "
        f"Python {platform.python_version()}, NumPy {np.__version__}. "
        "Reproduce: `python benchmarks/batched.py`.\n"
    )
    print(f"{reps} interleaved repetitions; ratio = baseline time / candidate time.\n")
    print(
        "| game | B | per-call loop (s, min) | batched (s, min) | ratio at min | ratio at median | max abs diff |"
    )
    print("|---|---|---|---|---|---|---|")
    batch = 1000
    for n, k in [(2, 10), (3, 4), (4, 4)]:
        g = NormalFormGame(rng.normal(size=(n, *(k,) * n)))
        profiles = [rng.dirichlet(np.ones(k), size=batch) for _ in range(n)]
        rows = [[p[b] for p in profiles] for b in range(batch)]
        loop = lambda g=g, rows=rows: [nash_conv(g, r) for r in rows]  # noqa: E731
        batched = lambda g=g, profiles=profiles: nash_conv_batch(g, profiles)  # noqa: E731
        diff = float(np.abs(np.array(loop()) - batched()).max())
        tb, tc = interleaved(loop, batched, reps)
        b_min, c_min, r_min, r_med = ratio_row(tb, tc)
        name = f"{n} players × {k}" if n > 2 else f"{k}×{k}"
        print(
            f"| {name} | {batch} | {b_min:.4f} | {c_min:.5f} | {r_min:.0f}× | {r_med:.0f}× | {diff:.1e} |"
        )
    print()
    print(
        "| zero-sum game | previous (two sparse LPs, s, min) | candidate | candidate (s, min) | ratio at min | ratio at median | value diff |"
    )
    print("|---|---|---|---|---|---|---|")
    one = np.ones((1, 1))
    for size in [100, 400]:
        a = rng.normal(size=(size, size))
        old = lambda a=a: (_maxmin_strategy(one, a[None]), _maxmin_strategy(one, (-a.T)[None]))  # noqa: E731
        v_old = _maxmin_strategy(one, a[None])[1]
        for method in ["simplex", "ipm"]:
            new = lambda a=a, method=method: matrix_game(a, method)  # noqa: E731
            v_new = matrix_game(a, method)[2]
            tb, tc = interleaved(old, new, max(2, reps // 2) if size > 100 else reps)
            b_min, c_min, r_min, r_med = ratio_row(tb, tc)
            print(
                f"| {size}×{size} | {b_min:.3f} | {method} | {c_min:.3f} | {r_min:.2f}× | "
                f"{r_med:.2f}× | {abs(v_new - v_old):.1e} |"
            )


if __name__ == "__main__":
    main()
