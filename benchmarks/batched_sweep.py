"""Benchmark: the alignment_family sweep as one batched job against the local executor (issue 16).

Prints the ``## batched sweep`` section of BENCHMARKS.md. Reproduce with
``python benchmarks/batched_sweep.py`` (``--reps N``; ``--quick``: 2 seeds x 2 grid points, a tenth
of the budget).

The full sweep (50 runs: λ ∈ {0, 0.25, 0.5, 0.75, 1} × 10 seeds, budget 40,000, an evaluation every
2,000 steps) runs through :func:`~powergames.training.sweep.run_sweep` twice per repetition,
interleaved: per run on the local executor with one worker (``batched=False``, the baseline) and
batched (the default). Each is timed from submission to the last aggregate, and split where the
first aggregate starts (the executor's pool shut down): the *runs* (what the batched path changes) and the
*aggregation* (each grid point's ``aggregate.csv`` and plots and ``final_vs_lam.png``: the same
code on the same metrics in both). The first repetition's two sweep directories are compared:
every run's ``metrics.csv``, each grid point's ``aggregate.csv`` and the final means of
``sweep.json`` must be byte-identical, and every checkpoint's snapshot equal but for the
process-global generators (the per-run workers are other processes). One more batched job, alone,
gives its own split: stepping, evaluators, writing (``metrics.csv``, TensorBoard, checkpoints).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import one_thread  # noqa: E402, F401  (first: one BLAS/OpenMP thread before NumPy loads)

# isort: split

import numpy as np
from ray_sweep import plan  # noqa: E402  (the same 50-run plan as the Ray benchmark)

from powergames.training import sweep as sweep_module
from powergames.training.batched_sweep import BatchedSweep
from powergames.training.executors import LocalExecutor, SerialExecutor
from powergames.training.sweep import run_sweep


def timed_sweep(root: Path, batched: bool, quick: bool) -> tuple[float, float, list[str]]:
    """``(wall, runs, lines)``: submission to the last aggregate, to the last run done; the output."""
    p = plan(root, quick)
    lines: list[str] = []
    started: list[float] = []
    write_aggregate = sweep_module.write_aggregate

    def first_aggregate(*args: Any, **kwargs: Any) -> Any:  # the runs are over (pool shut down)
        started.append(time.perf_counter())
        return write_aggregate(*args, **kwargs)

    executor = SerialExecutor() if batched else LocalExecutor(max_workers=1)
    sweep_module.write_aggregate = first_aggregate  # type: ignore[assignment]
    try:
        t0 = time.perf_counter()
        info = run_sweep(p, executor, echo=lines.append, batched=batched)
        wall = time.perf_counter() - t0
    finally:
        sweep_module.write_aggregate = write_aggregate  # type: ignore[assignment]
    assert set(info["jobs"].values()) == {"complete"}, info["jobs"]
    return wall, started[0] - t0, lines


def _snapshot(state_json: Path) -> tuple[str, list[bytes]]:
    tree = json.loads(state_json.read_text())
    items = [kv for kv in tree["__dict__"] if kv[0] != "global_rng"]
    text = json.dumps(items, sort_keys=True)
    names = sorted(set(_arrays(items)))
    with np.load(state_json.with_suffix(".npz"), allow_pickle=False) as z:
        return text, [z[k].dtype.str.encode() + z[k].tobytes() for k in names]


def _arrays(node: Any) -> list[str]:
    if isinstance(node, dict):
        return ([node["__array__"]] if "__array__" in node else []) + [
            a for v in node.values() for a in _arrays(v)
        ]
    if isinstance(node, list):
        return [a for v in node for a in _arrays(v)]
    return []


def same_results(a: Path, b: Path) -> tuple[int, int]:
    """Compare two sweep directories; returns (files compared, runs). Raises on a difference."""
    compared = 0
    runs = sorted(p.parent.relative_to(a) for p in a.rglob("metrics.csv"))
    for pattern in ("*/seed_*/metrics.csv", "*/seed_*/config.yaml", "*/aggregate/aggregate.csv"):
        for f in sorted(a.glob(pattern)):
            g = b / f.relative_to(a)
            if f.read_bytes() != g.read_bytes():
                raise AssertionError(f"{f.relative_to(a)} differs")
            compared += 1
    for f in sorted(a.glob("*/seed_*/checkpoints/step_*/state.json")):
        if _snapshot(f) != _snapshot(b / f.relative_to(a)):
            raise AssertionError(f"{f.relative_to(a)} differs")
        compared += 1
    fa, fb = (json.loads((d / "sweep.json").read_text())["final"] for d in (a, b))
    if json.dumps(fa, sort_keys=True) != json.dumps(fb, sort_keys=True):
        raise AssertionError("sweep.json final means differ")
    return compared + 1, len(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--reps", type=int, default=2)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench_batched_sweep_"))
    walls: dict[str, list[float]] = {"per-run": [], "batched": []}
    runs_t: dict[str, list[float]] = {"per-run": [], "batched": []}
    loads: list[float] = []
    checked = (0, 0)
    batched_line = ""
    try:
        for rep in range(args.reps):  # interleaved: per-run, batched, per-run, batched
            for name in ("per-run", "batched"):
                root = tmp / f"{name}_{rep}" / "alignment_family_sweep"
                wall, runs, lines = timed_sweep(root, name == "batched", args.quick)
                walls[name].append(wall)
                runs_t[name].append(runs)
                loads.append(os.getloadavg()[0])
                if name == "batched":
                    batched_line = lines[0]
                print(f"  {name}: {wall:.1f} s (runs {runs:.1f} s)", file=sys.stderr)
            if rep == 0:
                checked = same_results(tmp / "per-run_0" / "alignment_family_sweep",
                                       tmp / "batched_0" / "alignment_family_sweep")  # fmt: skip
            for name in ("per-run", "batched"):
                shutil.rmtree(tmp / f"{name}_{rep}", ignore_errors=True)
        split = BatchedSweep(plan(tmp / "alone" / "alignment_family_sweep", args.quick).jobs)
        t0 = time.perf_counter()
        list(split.results())
        alone = time.perf_counter() - t0
        times = split.batches[0].times
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    def cell(xs: list[float]) -> str:
        return f"{min(xs):.1f} ({statistics.median(xs):.1f})"

    agg = {k: [w - r for w, r in zip(walls[k], runs_t[k])] for k in walls}
    print("## batched sweep\n")
    print(
        f"`python benchmarks/batched_sweep.py{' --quick' if args.quick else ''} --reps "
        f"{args.reps}`: the alignment_family sweep ({checked[1]} runs), per run on the local "
        "executor with one worker (the baseline) and as one batched job, interleaved; Python "
        f"{platform.python_version()}, {os.cpu_count()} cores, load average "
        f"{min(loads):.1f}–{max(loads):.1f} during the rounds (the machine is shared). Seconds, "
        "min (median) of the repetitions. The batched sweep printed: "
        f"`{batched_line}`. Same results: {checked[0]} files compared between the two sweep "
        "directories (every metrics.csv, config.yaml and aggregate.csv byte for byte, every "
        "checkpoint's snapshot but the process-global generators, sweep.json's final means): "
        "all identical.\n"
    )
    print("| phase | per run, local executor (s) | batched (s) | per run / batched |")
    print("|---|---:|---:|---:|")
    for label, d in (("whole sweep", walls), ("runs", runs_t), ("aggregation", agg)):
        lo, hi = d["per-run"], d["batched"]
        print(
            f"| {label} | {cell(lo)} | {cell(hi)} | {min(lo) / min(hi):.1f} "
            f"({statistics.median(lo) / statistics.median(hi):.1f}) |"
        )
    print(
        f"\nThe batched job alone (its runs, no aggregation): {alone:.1f} s, of which stepping "
        f"{times['train']:.1f} s, the runs' evaluators {times['evaluate']:.1f} s and writing "
        f"(metrics.csv, TensorBoard, checkpoints) {times['write']:.1f} s."
    )


if __name__ == "__main__":
    main()
