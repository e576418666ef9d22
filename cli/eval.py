"""Eval: re-evaluate a run's agents at its last checkpoint and print the key metrics.

    powergames eval runs/quickstart
    powergames eval runs/quickstart --samples 20000 --json

The exact metrics are recomputed from the checkpointed strategies and the game's arrays; the
empirical shares are re-sampled (``--samples``) with their confidence interval.
"""

from __future__ import annotations

import argparse
import json

from powergames.cli._run_dirs import runs_under


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``powergames eval``."""
    parser.add_argument("run_dir", help="a run directory (runs/<name>)")
    parser.add_argument(
        "--samples", type=int, default=None, help="Monte Carlo plays for the empirical shares"
    )
    parser.add_argument("--json", action="store_true", help="print the metrics as JSON")


def run(args: argparse.Namespace) -> int:
    """Evaluate every experiment found under ``run_dir``."""
    from powergames.training.experiment import evaluate_run
    from powergames.training.summary import final_table

    _, runs = runs_under(args.run_dir)
    if args.samples is not None and args.samples < 1:
        raise ValueError(f"--samples must be >= 1, got {args.samples}")
    results = {}
    for rd in runs:
        summary = evaluate_run(rd, samples=args.samples)
        results[str(rd)] = summary
        if not args.json:
            print(final_table(summary))
            print()
    if args.json:
        print(json.dumps(results, indent=2, default=str))
    return 0
