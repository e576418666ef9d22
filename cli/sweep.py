"""Sweep: run a config over seeds and a grid of overrides (local processes or Ray), then aggregate.

    powergames sweep configs/alignment_family.yaml --seeds 0-9 --set env.kwargs.game_kwargs.lam=0,0.5,1

Each (grid point, seed) is one run directory under ``runs/<name>_sweep/<point>/seed_<s>/``; the
metrics are aggregated across seeds (mean and 95% confidence band per step) into
``<point>/aggregate/``, and with one numeric swept key the final values are drawn against it
(``final_vs_<key>.png``). Defaults for ``--seeds`` / ``--set`` come from the file's ``sweep`` section.
Runs whose agents are all classic learners (regret matching, Hedge, fictitious play, best-response
dynamics; sampled feedback) run first as one batched job in this process, with the run directories
the per-run path writes (the output says how many; ``--per-run`` turns it off). With
``--executor ray`` every run goes to the cluster, as asked.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from powergames.cli._executors import add_executor_arguments, executor_name, ray_executor
from powergames.training.config import (
    apply_overrides,
    parse_seeds,
    parse_yaml,
    read_text,
)
from powergames.training.summary import format_table


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``powergames sweep``."""
    parser.add_argument("config", help="experiment YAML file")
    parser.add_argument("overrides", nargs="*", help="key.sub=value overrides applied to every run")
    parser.add_argument(
        "--seeds", help="seeds, e.g. 0-9 or 0,3,5 (default: the file's sweep.seeds)"
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=V1,V2",
        help="grid over a key (repeatable)",
    )
    parser.add_argument("--runs-dir", default="runs", help="parent directory (runs)")
    parser.add_argument(
        "--jobs",
        "--workers",
        dest="jobs",
        type=int,
        default=None,
        help="parallel runs, as in train (default: #cpus; --workers is the same option)",
    )
    parser.add_argument(
        "--name", help="sweep directory name <name>_sweep (default: the config's name)"
    )
    parser.add_argument("--json", action="store_true", help="print the final table as JSON")
    parser.add_argument("--serial", action="store_true", help="run in this process, one by one")
    parser.add_argument("--resume", action="store_true", help="resume the sweep's runs")
    parser.add_argument(
        "--overwrite", action="store_true", help="delete an existing sweep directory first"
    )
    parser.add_argument("--quiet", action="store_true", help="print only the final table")
    parser.add_argument(
        "--per-run",
        action="store_true",
        help="send every run to the executor (by default, runs whose agents are all classic "
        "learners run first as one batched job in this process, with the same results; "
        "--executor ray always sends every run to the cluster)",
    )
    add_executor_arguments(parser)


def run(args: argparse.Namespace) -> int:
    """Plan, run and aggregate the sweep."""
    from powergames.training.build import load_suite
    from powergames.training.executors import LocalExecutor, SerialExecutor
    from powergames.training.sweep import (
        HEADLINE_METRICS,
        parse_set,
        plan_sweep,
        run_sweep,
        summary_rows,
    )

    suite = load_suite(args.config, args.overrides)
    data = apply_overrides(parse_yaml(read_text(args.config), args.config), args.overrides)
    seeds = parse_seeds(args.seeds if args.seeds is not None else suite.sweep.seeds)
    grid = parse_set(args.set) if args.set else {k: list(v) for k, v in suite.sweep.set.items()}
    root = Path(args.runs_dir) / f"{args.name or suite.name}_sweep"
    plan = plan_sweep(data, seeds, grid, root, resume=args.resume, overwrite=args.overwrite)
    workers = args.jobs if args.jobs is not None else (os.cpu_count() or 1)
    if workers < 1:
        raise ValueError(f"--jobs must be >= 1, got {workers}")
    kind = executor_name(args, serial=args.serial)
    if kind == "ray":
        executor = ray_executor(args, desc=f"{suite.name} sweep")
    else:
        executor = SerialExecutor() if kind == "serial" else LocalExecutor(workers)
    echo = (lambda s: None) if args.quiet or args.json else print
    echo(
        f"sweep {suite.name}: {len(plan.combos)} grid point(s) x {len(seeds)} seed(s) = {len(plan.jobs)} runs"
    )
    info = run_sweep(plan, executor, echo=echo, batched=not args.per_run and kind != "ray")
    rows = summary_rows(info, HEADLINE_METRICS + ("share/c0/mean", "share/c1/mean"))
    failed = [k for k, v in info["jobs"].items() if v != "complete"]
    if args.json:
        keys = ("grid_point", "experiment", "metric", "mean", "low", "high")
        table = [dict(zip(keys, row)) for row in rows]
        print(json.dumps({"directory": str(root), "rows": table, "failed": failed}, indent=2))
        return 1 if failed else 0
    if rows:
        print(
            format_table(
                rows, ["grid point", "experiment", "final metric", "mean", "95% low", "95% high"]
            )
        )
    print(f"sweep directory: {root}")
    return 1 if failed else 0
