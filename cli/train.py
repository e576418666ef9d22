"""Train: run an experiment file (or resume a killed run) into runs/<name>/.

    powergames train configs/quickstart.yaml
    powergames train configs/quickstart.yaml budget=2000 eval.every=500
    powergames train configs/quickstart.yaml --resume        # continue a killed run

Overrides are ``key.sub=value`` (value parsed as YAML): ``seed=3``,
``agents[0].params.learning_rate=0.001``, ``experiments.exploit.budget=4096``. A file with several
``experiments`` writes one sub-directory per experiment and runs them in parallel (``--jobs``),
or as Ray tasks (``--executor ray [--address HOST:PORT]``).
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from powergames.cli._executors import add_executor_arguments, executor_name, ray_executor
from powergames.training.rundir import CONFIG


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``powergames train``."""
    parser.add_argument("config", help="experiment YAML file, or a run directory with --resume")
    parser.add_argument("overrides", nargs="*", help="key.sub=value overrides")
    parser.add_argument("--runs-dir", default="runs", help="parent of the run directory (runs)")
    parser.add_argument("--name", help="run directory name (default: the config's name)")
    parser.add_argument("--resume", action="store_true", help="continue from the last checkpoint")
    parser.add_argument("--overwrite", action="store_true", help="delete an existing run first")
    parser.add_argument(
        "--jobs",
        type=int,
        default=None,
        help="parallel experiments (default: min(#experiments, #cpus))",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar, no table")
    parser.add_argument("--json", action="store_true", help="print the summaries as JSON")
    add_executor_arguments(parser)


def resolve_config_path(path: str | Path) -> Path:
    """A config file, or the ``config.yaml`` of a run directory."""
    p = Path(path)
    if p.is_dir():
        if not (p / CONFIG).exists():
            raise FileNotFoundError(f"{p} is a directory without a {CONFIG}")
        return p / CONFIG
    return p


def _is_complete(run_dir: Path) -> bool:
    try:
        return bool(json.loads((run_dir / "summary.json").read_text()).get("status") == "complete")
    except (OSError, ValueError):
        return False


def run(args: argparse.Namespace) -> int:
    """Run the experiment(s); returns 0 on success."""
    from powergames.training.build import load_suite
    from powergames.training.suite import experiment_dir, run_suite

    if args.resume and args.overwrite:
        raise ValueError("--resume and --overwrite exclude each other")
    cfg_path = resolve_config_path(args.config)
    suite = load_suite(cfg_path, args.overrides)
    if args.name is not None and (
        not args.name or args.name in (".", "..") or any(c in args.name for c in "/\\\0")
    ):
        raise ValueError(f"--name must be a plain directory name (no path), got {args.name!r}")
    if Path(args.config).is_dir():
        root = Path(args.config)
    else:
        root = Path(args.runs_dir) / (args.name or suite.name)
    jobs = args.jobs or max(1, min(len(suite.experiments), os.cpu_count() or 1))
    if jobs < 1:
        raise ValueError(f"--jobs must be >= 1, got {jobs}")
    quiet = args.quiet or args.json
    kind, executor = executor_name(args), None
    if kind == "serial":
        jobs = 1
    elif kind == "ray":
        if suite.single:
            raise ValueError(
                "--executor ray runs the experiments of a multi-experiment file; for one "
                "experiment (or many seeds of it) use: powergames sweep CONFIG --executor ray"
            )
        executor = ray_executor(args, desc=suite.name)
        executor.progress = False  # the suite's own bar (over all steps) is drawn
    complete_before = {
        e.name for e in suite.experiments if _is_complete(experiment_dir(suite, root, e.name))
    }
    summaries = run_suite(
        suite, root, resume=args.resume, overwrite=args.overwrite, progress=not quiet,
        quiet=quiet, jobs=jobs, executor=executor,
    )  # fmt: skip
    if args.json:
        print(json.dumps(summaries, indent=2, default=str))
        return 0
    if args.resume and not args.quiet:  # where each experiment continued from
        for name, summary in summaries.items():
            step = summary.get("resumed_from_step")
            if name in complete_before:
                print(f"{name}: already complete at step {summary.get('steps')}; nothing to resume")
            elif step is not None:
                print(f"{name}: resumed from step {step}")
            else:
                print(f"{name}: no checkpoint to resume from; ran from step 0")
    if not quiet:
        print(f"\nrun directory: {root}")
        if (root / "overview.png").exists():
            print(f"overview plot: {root / 'overview.png'}")
    return 0
