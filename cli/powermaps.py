"""POWER maps of one and two agents on a gridworld and the alignment of their POWER (MATH.md §5).

    powergames powermaps configs/power_maps/alignment.yaml
    powergames powermaps configs/power_maps/alignment.yaml samples=100 --figure docs/x.png

Exact POWER (for the finite prior of the file's reward samples) of one agent alone and of agent A
beside agent B — B uniform, or optimal for its own reward — and the correlation across the joint
states of the two agents' POWER as their rewards' correlation goes from 0 to 1, with bootstrap
intervals. Prints the correlations; writes <runs-dir>/<name>/power_maps.{json,png} (and the
figure at --figure).
"""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``powergames powermaps``."""
    parser.add_argument("config", help="POWER-map YAML file (configs/power_maps/*.yaml)")
    parser.add_argument("overrides", nargs="*", help="key=value overrides (e.g. samples=100)")
    parser.add_argument("--runs-dir", default="runs", help="parent of the output directory (runs)")
    parser.add_argument("--out", default=None, help="output directory (default <runs-dir>/<name>)")
    parser.add_argument("--figure", default=None, help="also write the figure here (a .png path)")


def run(args: argparse.Namespace) -> int:
    """Compute the maps and correlations, print them and write the files."""
    from powergames.training.power_maps import (
        load_power_maps,
        run_power_maps,
        summary,
        write_power_maps,
    )

    cfg = load_power_maps(args.config, args.overrides)
    study = run_power_maps(cfg)
    out = Path(args.out) if args.out else Path(args.runs_dir) / cfg.name
    paths = write_power_maps(cfg, study, out, args.figure)
    if cfg.description:
        print(cfg.description)
    print(summary(cfg, study))
    print("\nwritten: " + ", ".join(str(p) for p in paths.values()))
    return 0
