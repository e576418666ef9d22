"""Sweep: run a config over seeds and a grid of overrides in local processes, then aggregate.

    powergames sweep configs/alignment_family.yaml --seeds 0-9 --set env.kwargs.game_kwargs.lam=0,0.5,1

Each (grid point, seed) is one run directory under ``runs/<name>_sweep/<point>/seed_<s>/``; the
metrics are aggregated across seeds (mean and 95% confidence band per step) into
``<point>/aggregate/``, and with one numeric swept key the final values are drawn against it
(``final_vs_<key>.png``). Defaults for ``--seeds`` / ``--set`` come from the file's ``sweep`` section.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from powergames.training.config import apply_overrides, parse_seeds, parse_yaml, read_text
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
    parser.add_argument("--workers", type=int, default=None, help="processes (default: #cpus)")
    parser.add_argument("--serial", action="store_true", help="run in this process, one by one")
    parser.add_argument("--resume", action="store_true", help="resume the sweep's runs")
    parser.add_argument("--quiet", action="store_true", help="print only the final table")


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
    root = Path(args.runs_dir) / f"{suite.name}_sweep"
    plan = plan_sweep(data, seeds, grid, root, resume=args.resume)
    workers = args.workers or os.cpu_count() or 1
    if workers < 1:
        raise ValueError(f"--workers must be >= 1, got {workers}")
    executor = SerialExecutor() if args.serial else LocalExecutor(workers)
    echo = (lambda s: None) if args.quiet else print
    echo(
        f"sweep {suite.name}: {len(plan.combos)} grid point(s) x {len(seeds)} seed(s) = {len(plan.jobs)} runs"
    )
    info = run_sweep(plan, executor, echo=echo)
    rows = summary_rows(info, HEADLINE_METRICS + ("share/c0/mean", "share/c1/mean"))
    if rows:
        print(
            format_table(
                rows, ["grid point", "experiment", "final metric", "mean", "95% low", "95% high"]
            )
        )
    failed = [k for k, v in info["jobs"].items() if v != "complete"]
    print(f"sweep directory: {root}")
    return 1 if failed else 0
