"""The ``powergames`` command line.

Each sub-command lives in its own module of :mod:`powergames.cli` and provides
``add_arguments(parser)`` and ``run(args) -> int``; the module docstring's first line is its help.
Sub-commands are discovered, so adding one means adding one module.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from importlib.metadata import PackageNotFoundError, version

from powergames.training.rundir import RunDirBusy


def package_version() -> str:
    """The installed distribution's version (``importlib.metadata``)."""
    try:
        return version("powergames")
    except PackageNotFoundError:  # pragma: no cover - running from an uninstalled tree
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with one sub-parser per module in ``powergames.cli``."""
    parser = argparse.ArgumentParser(
        prog="powergames",
        description="Game-theoretic models of power and coalitions as multi-agent environments.",
    )
    parser.add_argument("--version", action="version", version=f"powergames {package_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        doc = (module.__doc__ or "").strip().splitlines()
        p = sub.add_parser(
            info.name,
            help=doc[0] if doc else None,
            description=(module.__doc__ or "").strip() or None,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.add_arguments(p)
        p.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``powergames`` console script; returns the process exit code."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    # ``key=value`` overrides may follow options (``train CONFIG --resume seed=1``).
    if (
        extra
        and hasattr(args, "overrides")
        and all("=" in e and not e.startswith("-") for e in extra)
    ):
        args.overrides = [*(args.overrides or []), *extra]
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if getattr(args, "_run", None) is None:
        parser.print_help()
        return 2
    try:
        return int(args._run(args) or 0)
    except (ValueError, TypeError, FileNotFoundError, RunDirBusy) as exc:
        print(f"powergames {args.command}: error: {exc}", file=sys.stderr)
        return 2
