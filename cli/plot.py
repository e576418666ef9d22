"""Plot: draw every metric of a run directory against training steps (PNG files).

    powergames plot runs/quickstart

Writes ``plots/*.png`` in each experiment's directory and, for a file with several experiments
and an ``overview`` section, ``overview.png`` at the top.
"""

from __future__ import annotations

import argparse

from powergames.cli._run_dirs import runs_under
from powergames.training.rundir import CONFIG


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``powergames plot``."""
    parser.add_argument("run_dir", help="a run directory (runs/<name>)")


def run(args: argparse.Namespace) -> int:
    """Draw the plots; prints the files written."""
    from powergames.training.config import build_suite, parse_yaml, read_text
    from powergames.training.plots import plot_run
    from powergames.training.suite import write_overview

    root, runs = runs_under(args.run_dir)
    for rd in runs:
        for path in plot_run(rd):
            print(path)
    cfg = root / CONFIG
    if cfg.exists():
        data = parse_yaml(read_text(cfg), str(cfg))
        if isinstance(data, dict) and "experiments" in data:
            out = write_overview(build_suite(data), root)
            if out is not None:
                print(out)
    return 0
