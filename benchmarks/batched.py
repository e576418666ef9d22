"""Benchmark: batched NashConv, the one-LP zero-sum solvers and Lemke–Howson (issue 16).

Prints a markdown section for BENCHMARKS.md. Reproduce with ``pip install open_spiel quantecon``
and ``python benchmarks/batched.py`` (``--quick`` for fewer repetitions and no 1,000×1,000 game).

1. ``nash_conv_batch`` on B = 1,000 random profiles of one game against a Python loop over the
   per-call ``nash_conv`` (the library's own API) and against a loop over OpenSpiel's C++
   ``pyspiel.nash_conv`` (one C++ policy per profile, built before the timing), on a 2-player 10×10
   game, 3 players × 4 actions and 4 players × 4 actions; the answers are compared. Then
   Bayesian games against the per-call loop and against the einsum path.
2. ``solve_zero_sum`` against one HiGHS LP on the same game, solved by dual simplex and by interior
   point (``scipy.optimize.linprog``, ``highs-ds`` / ``highs-ipm``, the library's tolerances):
   random 100×100 and 1,000×1,000 matrix games (the textbook LP ``max v s.t. Aᵀx ≥ v, x ∈ Δ``,
   built in this script), and random constant-sum Bayesian games with 10 types × 10 and × 100
   actions per player (100 and 1,000 per-type strategy coordinates; the per-type LP
   ``zero_sum_lp``, with ``decompose=False``). The baselines solve for one player only; the library
   returns both strategies from the same LP. Twice the repetitions for the two games with 100
   strategy coordinates per player, 4 for the 1,000×1,000 matrix game.
3. ``solve_nash`` on a 20×20 bimatrix game against QuantEcon's ``lemke_howson`` called directly on a
   QuantEcon game built before the timing, and with the QuantEcon game built from the arrays in
   each call.

Repetitions of a candidate and its baselines are interleaved; the tables give the minimum and the
median over repetitions. The machine is shared (2 cores, several people): the spread between min
and median shows the noise; the load average is printed before and after.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from unittest import mock

import one_thread  # noqa: E402, F401  (first: one BLAS/OpenMP thread before NumPy loads)

# isort: split

import numpy as np  # noqa: E402

from powergames.games import NormalFormGame, random_bayesian_game  # noqa: E402
from powergames.games.checks import from_unit_interval, to_unit_interval  # noqa: E402
from powergames.theory import nash_conv, nash_conv_batch, solve_nash, solve_zero_sum  # noqa: E402
from powergames.theory.equilibria import HIGHS_OPTIONS, zero_sum_lp  # noqa: E402


def timed(fn: Callable[[], object], inner: int = 1) -> float:
    t = time.perf_counter()
    for _ in range(inner):
        fn()
    return (time.perf_counter() - t) / inner


def interleaved(
    fns: list[Callable[[], object]], reps: int, inner: int | list[int] = 1
) -> list[list[float]]:
    """Per-call times of every function, one sample of each per round, the order rotated from
    round to round (so that no function always follows the same one); a sample is the mean over
    ``inner`` consecutive calls (per function when a list)."""
    counts = inner if isinstance(inner, list) else [inner] * len(fns)
    out: list[list[float]] = [[] for _ in fns]
    for r in range(reps):
        for step in range(len(fns)):
            j = (r + step) % len(fns)
            out[j].append(timed(fns[j], counts[j]))
    return out


def fmt(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} µs"


def ratios(base: list[float], cand: list[float]) -> str:
    """``min ratio / median ratio`` of baseline time over candidate time."""
    lo, mid = min(base) / min(cand), statistics.median(base) / statistics.median(cand)
    return " / ".join(f"{r:,.0f}×" if r >= 10 else f"{r:.1f}×" for r in (lo, mid))


def openspiel_loop(payoffs: np.ndarray, profiles: list[np.ndarray]):
    """A loop over OpenSpiel's C++ NashConv, one pre-built C++ policy per profile, or ``None``."""
    try:
        import pyspiel  # noqa: F401
    except ImportError:
        return None
    from power import openspiel_game, openspiel_nash_conv_cpp, openspiel_policies

    turn_based = openspiel_game(payoffs)
    policies = [
        openspiel_policies(turn_based, [p[b] for p in profiles])[1]
        for b in range(profiles[0].shape[0])
    ]
    return lambda: [openspiel_nash_conv_cpp(turn_based, pol) for pol in policies]


def batched_nash_conv(rng: np.random.Generator, reps: int) -> list[str]:
    lines = [
        "### NashConv of 1,000 profiles of one game",
        "",
        "Times for all 1,000 profiles (`nash_conv_batch`: the mean of 100 consecutive calls per "
        "repetition); speed-up = baseline time / `nash_conv_batch` time, at the "
        "minimum / at the median over the repetitions (targets: ≥ 100× the per-call loop, ≥ 1,000× "
        "OpenSpiel's C++ loop).",
        "",
        "| game | `nash_conv_batch` (min / median) | per-call loop (min) | speed-up | OpenSpiel C++ loop "
        "(min) | speed-up | max abs diff (loop, OpenSpiel) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    batch = 1000
    for n, k in [(2, 10), (3, 4), (4, 4)]:
        payoffs = rng.normal(size=(n, *(k,) * n))
        g = NormalFormGame(payoffs)
        profiles = [rng.dirichlet(np.ones(k), size=batch) for _ in range(n)]
        rows = [[p[b] for p in profiles] for b in range(batch)]
        fns: list[Callable[[], object]] = [
            lambda g=g, profiles=profiles: nash_conv_batch(g, profiles),
            lambda g=g, rows=rows: [nash_conv(g, r) for r in rows],
        ]
        ospiel = openspiel_loop(payoffs, profiles)
        values = nash_conv_batch(g, profiles)
        diff = f"{float(np.abs(np.array(fns[1]()) - values).max()):.1e}"
        if ospiel is not None:
            fns.append(ospiel)
            diff += f", {float(np.abs(np.array(ospiel()) - values).max()):.1e}"
        times = interleaved(fns, reps, inner=[100] + [1] * (len(fns) - 1))
        cand, loop = times[0], times[1]
        cells = [
            f"{fmt(min(cand))} / {fmt(statistics.median(cand))}",
            fmt(min(loop)),
            ratios(loop, cand),
        ]
        if ospiel is not None:
            cells += [fmt(min(times[2])), ratios(times[2], cand)]
        else:
            cells += ["not installed", "—"]
        name = f"{k}×{k}" if n == 2 else f"{n} players × {k}"
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {diff} |")
    lines += [
        "",
        "Bayesian games (random prior with zeros, `random_bayesian_game`): `nash_conv_batch` "
        "against the per-call loop, and the einsum over the prior and the rewards that the joint "
        "(type, action) tensor replaced where it is small (`_JOINT_MAX_ENTRIES`, "
        "`_JOINT_MAX_RATIO`).",
        "",
        "| game | path taken | `nash_conv_batch` (min / median) | per-call loop (min) | speed-up | "
        "einsum path (min) | speed-up | max abs diff |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    module = sys.modules["powergames.theory.power_batch"]
    for n, t, k in [(2, 10, 10), (2, 30, 30), (3, 3, 3), (4, 2, 4)]:
        g = random_bayesian_game((t,) * n, (k,) * n, rng)
        profiles = [rng.dirichlet(np.ones(k), size=(batch, t)) for _ in range(n)]
        rows = [[p[b] for p in profiles] for b in range(batch)]

        def einsum(g=g, profiles=profiles):
            with mock.patch.object(module, "_JOINT_MAX_ENTRIES", 0):
                return nash_conv_batch(g, profiles)

        fns = [
            lambda g=g, profiles=profiles: nash_conv_batch(g, profiles),
            lambda g=g, rows=rows: [nash_conv(g, r) for r in rows],
            einsum,
        ]
        values = nash_conv_batch(g, profiles)
        diff = float(np.abs(np.array(fns[1]()) - values).max())
        path = "joint" if module._joint_rewards(g) is not None else "einsum"
        times = interleaved(fns, reps, inner=[10, 1, 1])
        lines.append(
            f"| {n} players, {t} types × {k} actions | {path} | {fmt(min(times[0]))} / "
            f"{fmt(statistics.median(times[0]))} | {fmt(min(times[1]))} | "
            f"{ratios(times[1], times[0])} | {fmt(min(times[2]))} | {ratios(times[2], times[0])} | "
            f"{diff:.1e} |"
        )
    lines.append("")
    return lines


def matrix_lp(a: np.ndarray, method: str) -> float:
    """The textbook LP of a matrix game, one player, straight to HiGHS; its value (on [0, 1])."""
    from scipy.optimize import linprog

    scaled = (a - a.min()) / (a.max() - a.min())
    k, n_l = a.shape
    res = linprog(
        c=np.r_[np.zeros(k), -1.0],
        A_ub=np.hstack([-scaled.T, np.ones((n_l, 1))]),
        b_ub=np.zeros(n_l),
        A_eq=np.r_[np.ones(k), 0.0][None],
        b_eq=[1.0],
        bounds=[(0.0, None)] * k + [(None, None)],
        method=method,
        options=HIGHS_OPTIONS,
    )
    assert res.status == 0, res.message
    return float(-res.fun) * (a.max() - a.min()) + a.min()


def bayesian_lp(prior: np.ndarray, rewards: np.ndarray, method: str) -> float:
    """The per-type LP of a Bayesian zero-sum game, one player, straight to HiGHS; its value."""
    from scipy.optimize import linprog

    scaled, low, half_span = to_unit_interval(rewards)
    res = linprog(**zero_sum_lp(prior, scaled), method=method, options=HIGHS_OPTIONS)
    assert res.status == 0, res.message
    return from_unit_interval(float(-res.fun), low, half_span)


def zero_sum(rng: np.random.Generator, reps: int, quick: bool) -> list[str]:
    lines = [
        "### Zero-sum games: `solve_zero_sum` against one HiGHS LP",
        "",
        "Ratio = `solve_zero_sum` time / the better HiGHS LP's time, at the minimum and at the "
        "median (target ≤ 1.2×). The library's method is dual simplex below `IPM_MIN_ENTRIES` "
        "reward entries and interior point (with crossover) from there. |Δ value| is the library's "
        "guaranteed value (its achieved value for player 0) against the LP's.",
        "",
        "| game | `solve_zero_sum` (min / median) | HiGHS simplex (min / median) | HiGHS IPM (min / "
        "median) | ratio at min | ratio at median | \\|Δ value\\| |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    from powergames.theory import achieved_value

    cases = []
    for size in [100, 1000]:
        if quick and size > 100:
            continue
        a = rng.normal(size=(size, size))
        game = NormalFormGame(np.stack([a, -a]))
        cases.append(
            (
                f"matrix {size}×{size}",
                game,
                lambda game=game: solve_zero_sum(game),
                lambda a=a: matrix_lp(a, "highs-ds"),
                lambda a=a: matrix_lp(a, "highs-ipm"),
                4 if size > 100 else 2 * reps,
            )
        )
    for k in [10, 100]:
        game = random_bayesian_game((10, 10), (k, k), rng, "constant_sum", n_states=5)
        prior, r0 = game.prior, game.rewards[0]
        cases.append(
            (
                f"Bayesian, 10 types × {k} actions each (decompose=False)",
                game,
                lambda game=game: solve_zero_sum(game, decompose=False),
                lambda p=prior, r=r0: bayesian_lp(p, r, "highs-ds"),
                lambda p=prior, r=r0: bayesian_lp(p, r, "highs-ipm"),
                2 * reps if k < 100 else reps,
            )
        )
    for name, game, cand, ds, ipm, n_reps in cases:
        values = [float(achieved_value(game, cand())[0]), ds(), ipm()]
        times = interleaved([cand, ds, ipm], n_reps)
        best_min = min(min(times[1]), min(times[2]))
        best_med = min(statistics.median(times[1]), statistics.median(times[2]))
        cells = [f"{fmt(min(t))} / {fmt(statistics.median(t))}" for t in times]
        lines.append(
            f"| {name} | "
            + " | ".join(cells)
            + f" | {min(times[0]) / best_min:.2f}× | {statistics.median(times[0]) / best_med:.2f}× | "
            f"{max(abs(values[0] - values[1]), abs(values[0] - values[2])):.1e} |"
        )
    lines.append("")
    return lines


def lemke_howson(rng: np.random.Generator, reps: int) -> list[str]:
    from quantecon.game_theory import NormalFormGame as QeGame
    from quantecon.game_theory import Player
    from quantecon.game_theory import lemke_howson as qe_lemke_howson

    p = rng.normal(size=(2, 20, 20))
    game = NormalFormGame(p)
    qe = QeGame([Player(p[0]), Player(p[1].T)])
    fresh = [NormalFormGame(p.copy()) for _ in range(reps)]
    fns: list[Callable[[], object]] = [
        lambda: solve_nash(game),
        lambda: qe_lemke_howson(qe, full_output=True),
        lambda: qe_lemke_howson(QeGame([Player(p[0]), Player(p[1].T)]), full_output=True),
    ]
    ours = solve_nash(game)
    theirs = qe_lemke_howson(qe)
    diff = max(float(np.abs(a - b).max()) for a, b in zip(ours, theirs))
    times = interleaved(fns, reps, inner=200)
    first = [timed(lambda g=g: solve_nash(g)) for g in fresh]
    cells = [f"{fmt(min(t))} / {fmt(statistics.median(t))}" for t in times]
    return [
        "### Lemke–Howson on a 20×20 bimatrix game",
        "",
        "Per call, 200 calls per repetition. Ratio = `solve_nash` time / QuantEcon's. *First call* "
        "is `solve_nash` on a fresh game object (it builds and keeps the QuantEcon game).",
        "",
        "| `solve_nash` (min / median) | QuantEcon, game pre-built | ratio (min / median) | "
        "QuantEcon, game built per call | ratio (min / median) | first call (min / median) | max "
        "abs diff |",
        "|---:|---:|---:|---:|---:|---:|---:|",
        f"| {cells[0]} | {cells[1]} | {min(times[0]) / min(times[1]):.1f}× / "
        f"{statistics.median(times[0]) / statistics.median(times[1]):.1f}× | {cells[2]} | "
        f"{min(times[0]) / min(times[2]):.1f}× / "
        f"{statistics.median(times[0]) / statistics.median(times[2]):.1f}× | "
        f"{fmt(min(first))} / {fmt(statistics.median(first))} | {diff:.1e} |",
        "",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--part", choices=["all", "nash_conv", "zero_sum", "lemke_howson"])
    args = parser.parse_args()
    reps = 3 if args.quick else 7
    rng = np.random.default_rng(0)
    part = args.part or "all"
    lines = [
        "## batched NashConv and the one-LP zero-sum solver (benchmarks/batched.py)",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores (shared), one BLAS thread; "
        f"Python {platform.python_version()}, NumPy {np.__version__}. Reproduce: "
        "`pip install open_spiel quantecon && python benchmarks/batched.py`. "
        f"{reps} interleaved repetitions. Load average at the start: "
        + ", ".join(f"{x:.2f}" for x in os.getloadavg())
        + ".",
        "",
    ]
    if part in ("all", "nash_conv"):
        lines += batched_nash_conv(rng, reps)
    if part in ("all", "zero_sum"):
        lines += zero_sum(rng, reps, args.quick)
    if part in ("all", "lemke_howson"):
        lines += lemke_howson(rng, reps)
    lines.append("Load average at the end: " + ", ".join(f"{x:.2f}" for x in os.getloadavg()) + ".")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
