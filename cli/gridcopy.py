"""Run the gridworld copying experiment: an SB3 minority against a majority (MATH.md §5).

``powergames gridcopy configs/copying/gridworld.yaml --out runs/gridworld_copying --jobs 2``
trains and evaluates every (experiment, seed) of the file (see
:mod:`powergames.training.gridworld_runs`), writes one run directory per pair under ``--out`` and
draws ``<out>/copying.png``.
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``powergames gridcopy``."""
    parser.add_argument("config", help="a gridworld copying YAML file")
    parser.add_argument("--out", default=None, help="output directory (default: runs/<name>)")
    parser.add_argument("--jobs", type=int, default=1, help="parallel runs (processes)")


def run(args: argparse.Namespace) -> int:
    """Run the experiment; returns 0 on success."""
    from powergames.training.gridworld_runs import load_grid_config, run_grid_copying

    if args.jobs < 1:
        raise ValueError(f"--jobs must be a positive integer, got {args.jobs}")
    cfg = load_grid_config(args.config)
    out = args.out or f"runs/{cfg.name}"
    summary = run_grid_copying(cfg, out, jobs=args.jobs)
    print(
        f"{cfg.name}: {summary['wall_seconds']:.0f} s with {args.jobs} job(s); figure {out}/copying.png"
    )
    return 0
