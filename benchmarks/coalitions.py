"""Benchmark: exact coalition values in count form at scale, against one pass over the count vectors.

Run ``python benchmarks/coalitions.py`` (``--quick`` for a smaller ladder; one BLAS/OpenMP thread,
set before NumPy loads); it prints a markdown section for BENCHMARKS.md.

For the majority game and a random symmetric unit-sum game, on the ladder k = 3 at n = 1,000 /
10,000 (and 30,000), k = 4 at n = 300 / 1,000, k = 5 at n = 100 / 200 and k = 8 at n = 40, it times:
  * building the count-form game (tracemalloc peak of the build);
  * exact coalition values of c_1 = the first ceil(2n/3) players against c_2 = the rest (i.i.d. from
    a fixed random mixed strategy), for Theorem 1's policy and Theorem 2's copying policy
    (tracemalloc peak of one call);
  * the baseline of the same run, interleaved with the values calls: one pass over the count
    vectors, a ``sum()`` over ``C(n+k-1, k-1) · k`` float64 (a reused block of 2^24, summed as
    many times as needed, so the pass streams from memory without allocating it).
Exactness: every row computes all coalitions directly too (no unit-sum shortcut) and reports
``max |Σ_j r_j − 1|``; where the convolution path of the previous release runs in seconds it is run
on the same game and the largest difference is reported.
"""

from __future__ import annotations

import one_thread  # noqa: E402, F401  (first: one BLAS/OpenMP thread before NumPy loads)

# isort: split

import argparse  # noqa: E402
import gc  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402

import numpy as np  # noqa: E402

from powergames.games import (  # noqa: E402
    MajorityCountGame,
    majority_game,
    random_symmetric_unit_sum_game,
)
from powergames.games.counts import _compositions_cached  # noqa: E402
from powergames.theory import (  # noqa: E402
    IndependentPolicy,
    coalition_copying_policy,
    contiguous_coalitions,
    theorem1_policy,
)
from powergames.theory.coalition_structure import structured_values  # noqa: E402
from powergames.theory.coalition_values import (  # noqa: E402
    check_policies,
    coalition_values,
    convolved_values,
)
from powergames.theory.partitions import check_coalitions  # noqa: E402

FULL = {3: (1000, 10000, 30000), 4: (300, 1000), 5: (100, 200), 8: (40,)}
QUICK = {3: (300, 1000, 3000), 4: (100, 300), 5: (50, 100), 8: (20,)}
#: rows where the previous release's convolution path also runs (seconds, not minutes)
OLD_PATH = {(1000, 3): ("Theorem 1", "Theorem 2"), (300, 4): ("Theorem 1", "Theorem 2"),
            (100, 3): ("Theorem 1", "Theorem 2"), (100, 4): ("Theorem 1", "Theorem 2"),
            (100, 5): ("Theorem 1",), (50, 5): ("Theorem 1",)}  # fmt: skip
MAJORITY_ONLY = {30000, 3000}  # rungs of the table-free majority game only (and the guard)
FORMULA = {
    (10000, 3),
    (30000, 3),
    (1000, 3),
    (3000, 3),
    (300, 3),
}  # rungs of the table-free majority game
RANDOM_TABLE_2_STATES = 3 * 2**30  # random games get 2 states while their table stays below this
REPEATS = 3
BIG_ROW = (
    100_000_000  # count vectors above which 2 repetitions are run and the direct check skipped
)
GAMES = ["majority", "majority (no table)", "random"]
_BASE = np.ones(2**24)


def one_pass(n_items: int) -> float:
    """Seconds to ``sum()`` ``n_items`` float64 streamed from memory (a 2^24 block, reused)."""
    t = time.perf_counter()
    left = n_items
    while left > 0:
        _BASE[: min(left, len(_BASE))].sum()
        left -= len(_BASE)
    return time.perf_counter() - t


def setup(n: int, k: int):
    size = math.ceil(2 * n / 3)
    opp = IndependentPolicy(n - size, np.random.default_rng(k).dirichlet(np.ones(k)))
    policies = {
        "Theorem 1": [theorem1_policy(size, k), opp],
        "Theorem 2": [coalition_copying_policy(opp, size), opp],
    }
    return contiguous_coalitions([size, n - size]), policies


def n_states_for(name: str, n: int, k: int) -> int:
    if name.startswith("majority"):
        return 1
    return 2 if 2 * k * math.comb(n + k - 2, k - 1) * 8 <= RANDOM_TABLE_2_STATES else 1


def build(name: str, n: int, k: int, states: int):
    if name == "majority":
        return majority_game(n, k)
    if name == "majority (no table)":
        return MajorityCountGame(n, k)
    return random_symmetric_unit_sum_game(n, k, states, np.random.default_rng(n * 10 + k))


def traced(fn):
    tracemalloc.start()
    t = time.perf_counter()
    out = fn()
    secs = time.perf_counter() - t
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return out, secs, peak


def run_row(name: str, n: int, k: int, lines: list[str], growth: dict) -> None:
    states = n_states_for(name, n, k)
    n_full = math.comb(n + k - 1, k - 1)
    try:
        game, t_build, build_peak = traced(lambda: build(name, n, k, states))
    except ValueError as exc:
        lines.append(
            f"| {name} | {n:,} | {k} | {n_full:,} | {states} | refused: {exc} |" + " |" * 9
        )
        return
    table_mb = states * k * math.comb(n + k - 2, k - 1) * 8 / 2**20  # (would-be) table bytes
    coalitions, policies = setup(n, k)
    members = check_coalitions(coalitions, n)
    times: dict[str, list[float]] = {label: [] for label in policies}
    base: list[float] = []
    values = {}
    big = n_full > BIG_ROW
    for _ in range(2 if big else REPEATS):  # interleaved: baseline, Theorem 1, Theorem 2
        base.append(one_pass(n_full * k))
        for label, pols in policies.items():
            t = time.perf_counter()
            values[label] = coalition_values(game, coalitions, pols)
            times[label].append(time.perf_counter() - t)
    for label, pols in policies.items():
        _, _, peak = traced(lambda p=pols, g=game: coalition_values(g, coalitions, p))
        checked = check_policies(pols, members, game.action_sizes)
        direct = None if big else structured_values(game, members, checked, use_unit_sum=False)
        unit = float(np.abs(direct.sum(axis=1) - 1.0).max()) if direct is not None else math.nan
        diff = float(np.abs(direct - values[label]).max()) if direct is not None else math.nan
        old = ""
        if label in OLD_PATH.get((n, k), ()) and name != "majority (no table)":
            t = time.perf_counter()
            v_old = convolved_values(game, members, checked)
            t_old = time.perf_counter() - t
            old = f"{np.abs(v_old - values[label]).max():.1e} ({t_old:.2f} s, {t_old / min(times[label]):.0f}x)"
        t_min, t_med = min(times[label]), statistics.median(times[label])
        b_min = min(base)
        growth.setdefault((name, k, label), []).append((n, t_min, n_full))
        lines.append(
            f"| {name} | {n:,} | {k} | {n_full:,} | {states} | {t_build:.2f} | "
            f"{build_peak / 2**20 / table_mb:.2f} | {label} | {t_min:.3f} / {t_med:.3f} | "
            f"{b_min:.3f} | {t_min / b_min:.1f} | {peak / 2**20 / table_mb:.2f} | "
            f"{unit:.1e} / {diff:.1e} | {old or '–'} | {values[label][:, 0].min():.6f} |"
        )
    print("\n".join(lines[-len(policies) :]), file=sys.stderr, flush=True)  # progress
    del game
    _compositions_cached.cache_clear()
    gc.collect()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the smaller ladder")
    parser.add_argument("--n", type=int, nargs="*", help="only the rungs with these n")
    parser.add_argument("--k", type=int, nargs="*", help="only the rungs with these k")
    parser.add_argument("--games", nargs="*", default=GAMES, choices=GAMES, help="games to run")
    args = parser.parse_args()
    ladder = QUICK if args.quick else FULL
    if args.n:
        ladder = {k: tuple(n for n in ns if n in args.n) for k, ns in ladder.items()}
    if args.k:
        ladder = {k: ns for k, ns in ladder.items() if k in args.k}
    lines = [
        "## coalitions",
        "",
        "Exact coalition values `coalition_values(game, coalitions, policies)` on a count-form "
        "`SymmetricUnitSumGame`, by policy structure (`theory/coalition_structure.py`).",
        f"Machine: {platform.machine()}, 2 cores shared, one thread used (BLAS/OpenMP = 1); "
        f"Python {platform.python_version()}, NumPy {np.__version__}; load average at the start "
        f"{os.getloadavg()[0]:.1f}.",
        f"Reproduce: `python benchmarks/coalitions.py{' --quick' if args.quick else ''}`.",
        "",
        "Setup: c_1 = the first ceil(2n/3) players (Theorem 2 with k_T = 3), c_2 = the others "
        "drawing i.i.d. from one fixed random mixed strategy. Times: min / median of "
        f"{REPEATS} interleaved repetitions (2 above {BIG_ROW:,} count vectors, where the direct "
        "check is skipped too) (baseline, Theorem 1, Theorem 2). Baseline = one pass: "
        "`sum()` over C(n+k-1, k-1)·k float64 streamed from memory, same run. Peaks are "
        "tracemalloc peaks over the count table's bytes (states · k · C(n+k-2, k-1) · 8; for "
        "the table-free majority game, the table it does not build). Exactness: "
        "max |Σ_j r_j − 1| with every coalition computed directly / max difference from the "
        "unit-sum shortcut; and the previous release's convolution path where it runs.",
        "",
        "| game | n | k | count vectors | states | build (s) | build peak / table | policy | "
        "values min / median (s) | one pass (s) | values / one pass | values peak / table | "
        "exact: unit sum / shortcut | previous path: diff (time, ratio) | r_1 min over x |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    growth: dict = {}
    for name in args.games:
        for k, ns in ladder.items():
            for n in ns:
                if name == "majority (no table)" and (n, k) not in FORMULA:
                    continue
                if name == "majority" and n in MAJORITY_ONLY:
                    continue
                if name == "random" and n in MAJORITY_ONLY:
                    states = 2
                    try:
                        random_symmetric_unit_sum_game(n, k, states, np.random.default_rng(0))
                    except ValueError as exc:
                        lines.append(f"| random | {n:,} | {k} | {math.comb(n + k - 1, k - 1):,} | "
                                     f"{states} | refused: {exc} |" + " |" * 9)  # fmt: skip
                    continue
                run_row(name, n, k, lines, growth)
    lines += [
        "",
        "Growth exponent in n (log time ratio / log n ratio between the rungs of one k) against "
        "that of C(n+k-1, k-1):",
        "",
        "| game | k | policy | n from → to | exponent of values time | exponent of C(n+k-1, k-1) |",
        "|---|---|---|---|---|---|",
    ]
    for (name, k, label), rows in growth.items():
        for (n0, t0, c0), (n1, t1, c1) in zip(rows, rows[1:]):
            e_t = math.log(t1 / t0) / math.log(n1 / n0)
            e_c = math.log(c1 / c0) / math.log(n1 / n0)
            lines.append(f"| {name} | {k} | {label} | {n0:,} → {n1:,} | {e_t:.2f} | {e_c:.2f} |")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
