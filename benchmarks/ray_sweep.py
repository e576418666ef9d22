"""The alignment_family sweep on the local executor and on Ray (one node), with 1 and 2 workers.

Run ``python benchmarks/ray_sweep.py`` in a venv with the ``[ray]`` extra (``--quick``: 2 seeds x
2 grid points, a tenth of the budget); prints the ``## ray`` markdown section of BENCHMARKS.md.

The baseline is the local executor (``LocalExecutor``, spawned processes) with the same number of
workers, measured in the same run; the four set-ups run interleaved, ``--reps`` times each, and
each figure is the minimum (and median) wall time. Ray's node is started once per worker count
(``ray.init(num_cpus=w)``, not timed: a cluster is started once for many sweeps) and every sweep
on it is timed from submission to the last aggregate. "Overhead per run" is
``(wall_ray - wall_local) / runs``.

For the 1,000-run estimate it also measures one run in a fresh process: its peak resident memory
(``ru_maxrss`` of the child), its CPU time (user + system) and the bytes of its run directory.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from powergames.training.config import parse_yaml
from powergames.training.executors import LocalExecutor
from powergames.training.sweep import plan_sweep, run_sweep

CONFIG = Path(__file__).resolve().parent.parent / "configs" / "alignment_family.yaml"


def plan(root: Path, quick: bool) -> Any:
    data = parse_yaml(CONFIG.read_text())
    seeds = list(range(10))
    grid = {"env.kwargs.game_kwargs.lam": [0.0, 0.25, 0.5, 0.75, 1.0]}
    if quick:
        data["budget"] = data["budget"] // 10
        data["eval"]["every"] = data["eval"]["every"] // 10
        seeds, grid = [0, 1], {"env.kwargs.game_kwargs.lam": [0.0, 1.0]}
    return plan_sweep(data, seeds, grid, root)


def timed_sweep(executor: Any, quick: bool) -> tuple[float, int]:
    root = Path(tempfile.mkdtemp(prefix="bench_sweep_"))
    try:
        p = plan(root / "alignment_family_sweep", quick)
        t0 = time.perf_counter()
        info = run_sweep(p, executor, echo=lambda s: None, batched=False)
        wall = time.perf_counter() - t0
        assert set(info["jobs"].values()) == {"complete"}, info["jobs"]
        return wall, len(p.jobs)
    finally:
        shutil.rmtree(root, ignore_errors=True)


ONE_RUN = """
import sys
from pathlib import Path
from powergames.training.sweep import run_job
from powergames.training.config import parse_yaml
sys.path.insert(0, {bench!r})
from ray_sweep import plan
p = plan(Path({root!r}), {quick!r})
run_job(p.jobs[len(p.jobs) // 2])
"""


def one_run_costs(quick: bool) -> dict[str, float]:
    """Peak RSS (MiB), CPU seconds and run-directory bytes of one run in a fresh process."""
    root = Path(tempfile.mkdtemp(prefix="bench_one_"))
    try:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        code = ONE_RUN.format(bench=str(Path(__file__).parent), root=str(root), quick=quick)
        subprocess.run([sys.executable, "-c", code], check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        size = sum(f.stat().st_size for f in root.rglob("*") if f.is_file())
        runs = [d for d in root.rglob("metrics.csv")]
        assert len(runs) == 1
        return {
            "rss_mib": after.ru_maxrss / 1024,
            "cpu_s": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
            "bytes": float(size),
        }
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--reps", type=int, default=2)
    args = parser.parse_args()
    import ray

    from powergames.training.ray_executor import RayExecutor

    # first, while this process has no other children (ru_maxrss is the largest child's)
    costs = one_run_costs(args.quick)
    walls: dict[tuple[str, int], list[float]] = {}
    runs = 0
    for workers in (1, 2):
        ray.init(
            address="local", num_cpus=workers, include_dashboard=False, log_to_driver=False,
            _node_ip_address="127.0.0.1",
        )  # fmt: skip
        try:
            for _ in range(args.reps):  # interleaved: local, ray, local, ray
                for name, ex in (
                    ("local", LocalExecutor(max_workers=workers)),
                    ("ray", RayExecutor(progress=False)),
                ):
                    wall, runs = timed_sweep(ex, args.quick)
                    walls.setdefault((name, workers), []).append(wall)
                    print(f"  {name} x{workers}: {wall:.1f} s", file=sys.stderr)
        finally:
            ray.shutdown()

    load = os.getloadavg()[0]
    print("## ray\n")
    print(
        f"`python benchmarks/ray_sweep.py{' --quick' if args.quick else ''} --reps {args.reps}`: "
        f"the alignment_family sweep ({runs} runs), Python {platform.python_version()}, ray "
        f"{ray.__version__}, {os.cpu_count()} cores (load average {load:.1f} at the end; the "
        "machine is shared). Wall time from submission to the last aggregate, min (median) of "
        "the repetitions; baseline: the local executor with as many workers, same run.\n"
    )
    print(
        "| workers | local executor (s) | Ray, one node (s) | Ray / local | overhead per run (s) |"
    )
    print("|---:|---:|---:|---:|---:|")
    for w in (1, 2):
        lo, ra = walls[("local", w)], walls[("ray", w)]
        print(
            f"| {w} | {min(lo):.1f} ({statistics.median(lo):.1f}) | {min(ra):.1f} "
            f"({statistics.median(ra):.1f}) | {min(ra) / min(lo):.2f} | "
            f"{(min(ra) - min(lo)) / runs:+.2f} |"
        )
    n = 1000
    print(
        f"\nOne run in a fresh process: peak memory {costs['rss_mib']:.0f} MiB, CPU "
        f"{costs['cpu_s']:.1f} s (with the interpreter start-up and imports), run directory {costs['bytes'] / 1024:.0f} KiB. A {n:,}-run "
        f"sweep of such runs needs about {n * costs['cpu_s'] / 3600:.1f} CPU-hours, "
        f"{costs['rss_mib']:.0f} MiB per concurrent run (one per declared CPU), and "
        f"{n * costs['bytes'] / 2**30:.2f} GiB of shared storage."
    )


if __name__ == "__main__":
    main()
