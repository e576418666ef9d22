"""Benchmark: a coalition's optimal guarantee in count form, against the dense LP over joint actions.

Run ``python benchmarks/guarantees.py`` (one thread: BLAS/OpenMP limited to 1 before NumPy loads); it
prints a markdown section for BENCHMARKS.md. For the majority game and a random symmetric unit-sum
game (one state, and two states), k = 3, c_1 = the first n//2 + 1 players (a strict majority):

* ``coalition_guarantee`` at n = 100 by both count-form methods: the single HiGHS LP over count
  distributions (G2) and the double oracle (restricted LPs grown by exact best replies);
* the largest n on a ladder whose ``auto`` solve (the double oracle at these sizes) takes at most 60 s
  (the ladder stops at the first n beyond a minute);
* the baseline: ``coalition_guarantee(game.to_dense(), …, method="lp")`` — one HiGHS LP over the
  coalition's full joint actions (G1) — at the largest n whose dense share tensor fits the stated
  budget, against the count form on the same game, interleaved repetitions, min and median; the
  ratio is dense / count-form time in the same run, and both values are printed.
"""

from __future__ import annotations

import os

import one_thread  # noqa: E402, F401  (first: one BLAS/OpenMP thread before NumPy loads)

# isort: split

import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import scipy  # noqa: E402

from powergames.games import majority_game, random_symmetric_unit_sum_game  # noqa: E402
from powergames.theory.guarantees import coalition_guarantee  # noqa: E402

K = 3
LADDER = [100, 150, 200, 300, 400, 600, 800, 1000, 1500, 2000]
MINUTE = 60.0
DENSE_BUDGET_BYTES = 256 * 2**20  # dense share tensor n_states * n * k**n float64
REPEATS = 3
GAMES = [("majority", 1), ("random", 1), ("random", 2)]


def build(name: str, n: int, states: int):
    if name == "majority":
        return majority_game(n, K)
    return random_symmetric_unit_sum_game(n, K, states, np.random.default_rng(1000 * states + n))


def timed(fn, *args, **kwargs) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - t0, out


def label(name: str, states: int) -> str:
    return name if name == "majority" else f"random ({states} state{'s' * (states > 1)})"


def main() -> None:
    only = sys.argv[1:]  # optional: "n100", "ladder", "dense"
    print("## guarantees\n")
    print(
        "The optimal guarantee `coalition_guarantee(game, c_1)` = max over π_1 of min over x and the "
        "others' joint policies of r_1 (issue 22), c_1 = the first n//2 + 1 players, k = 3.\n"
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, one thread used; Python "
        f"{platform.python_version()}, NumPy {np.__version__}, SciPy {scipy.__version__} (HiGHS).\n"
        "Reproduce: `python benchmarks/guarantees.py`.\n"
    )
    if not only or "n100" in only:
        print("### n = 100\n")
        print(
            "| game | count vectors (c_1 × others × states) | method | time (s) | G | certificate gap | iterations |"
        )
        print("|---|---|---|---|---|---|---|")
        for name, states in GAMES:
            game = build(name, 100, states)
            members = list(range(51))
            for method in ("lp", "double_oracle"):
                t, rep = timed(coalition_guarantee, game, members, method=method)
                size = f"{rep.n_variables} × {rep.n_constraints // states} × {states}"
                print(
                    f"| {label(name, states)} | {size} | {method} | {t:.2f} | {rep.value:.6f} | "
                    f"{rep.upper - rep.value:.1e} | {rep.iterations} |",
                    flush=True,
                )
        print()
    if not only or "ladder" in only:
        print("### largest n within a minute (method auto)\n")
        print("| game | n | time (s) | G | certificate gap | iterations |")
        print("|---|---|---|---|---|---|")
        for name, states in GAMES:
            for n in LADDER:
                game = build(name, n, states)
                t, rep = timed(coalition_guarantee, game, list(range(n // 2 + 1)))
                print(
                    f"| {label(name, states)} | {n} | {t:.1f} | {rep.value:.6f} | "
                    f"{rep.upper - rep.value:.1e} | {rep.iterations} |",
                    flush=True,
                )
                if t > MINUTE:
                    break
        print()
    if not only or "dense" in only:
        print("### against the dense LP over joint actions\n")
        print(
            "| game | n | joint actions (c_1 × others) | dense LP (s) min / median | count form (s) "
            "min / median | ratio (min) | ratio (median) | G dense | G count form |"
        )
        print("|---|---|---|---|---|---|---|---|---|")
        for name, states in GAMES:
            n = max(m for m in range(2, 20) if states * m * K**m * 8 <= DENSE_BUDGET_BYTES)
            game = build(name, n, states)
            dense = game.to_dense()
            members = list(range(n // 2 + 1))
            dense_t, count_t = [], []
            for _ in range(REPEATS):  # interleaved
                t, rep_d = timed(coalition_guarantee, dense, members, method="lp")
                dense_t.append(t)
                t, rep_c = timed(coalition_guarantee, game, members)
                count_t.append(t)
            dm, dmed = min(dense_t), statistics.median(dense_t)
            cm, cmed = min(count_t), statistics.median(count_t)
            print(
                f"| {label(name, states)} | {n} | {K ** len(members)} × {K ** (n - len(members))} | "
                f"{dm:.2f} / {dmed:.2f} | {cm:.4f} / {cmed:.4f} | {dm / cm:.0f}x | "
                f"{dmed / cmed:.0f}x | {rep_d.value:.9f} | {rep_c.value:.9f} |",
                flush=True,
            )
        print()


if __name__ == "__main__":
    main()
