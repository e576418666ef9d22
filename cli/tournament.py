"""Tournament: coalition policies against a population of opponents, from a tournament file.

    powergames tournament configs/tournaments/majority.yaml
    powergames tournament configs/tournaments/majority.yaml samples=50000 --json

Every focal policy plays every opponent; cells are the focal coalition's share, minimised over x —
exact where both sides expose their strategies, Monte Carlo with a confidence interval otherwise —
beside each focal policy's exact worst case over all opponents, the best response knowing each
opponent and the coalition's optimal guarantee (MATH.md §1). The table is printed;
<runs-dir>/<name>/tournament.{json,txt,png} are written.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``powergames tournament``."""
    parser.add_argument("config", help="tournament YAML file")
    parser.add_argument("overrides", nargs="*", help="key.sub=value overrides")
    parser.add_argument("--runs-dir", default="runs", help="parent of the output directory (runs)")
    parser.add_argument("--out", default=None, help="output directory (default <runs-dir>/<name>)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def run(args: argparse.Namespace) -> int:
    """Play the tournament, print its table (or JSON) and write its files."""
    from powergames.training.tournament import load_tournament, run_tournament, write_tournament

    cfg = load_tournament(args.config, args.overrides)
    result = run_tournament(cfg, base=Path.cwd())
    out = Path(args.out) if args.out else Path(args.runs_dir) / cfg.name
    paths = write_tournament(result, out, cfg.description)
    if args.json:
        print(json.dumps(json.loads(paths["json"].read_text()), indent=2))
        return 0
    if cfg.description:
        print(cfg.description)
    print(result.table())
    print(f"\nwritten: {paths['json']}, {paths['table']}, {paths['plot']}")
    return 0
