"""The ``--executor`` / ``--address`` / ``--cpus-per-run`` options shared by ``sweep`` and ``train``
(not a sub-command: the name starts with ``_``). Ray is imported only for ``--executor ray``."""

from __future__ import annotations

import argparse
import os
from typing import Any

EXECUTORS = ("local", "serial", "ray")


def add_executor_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--executor``, ``--address`` and ``--cpus-per-run``."""
    parser.add_argument(
        "--executor",
        choices=EXECUTORS,
        default=None,
        help="where runs execute: local processes (default), serially in this process, or Ray "
        "tasks (extra [ray]; the runs directory must be shared by every worker)",
    )
    parser.add_argument(
        "--address",
        default=None,
        help="with --executor ray: the cluster to join, HOST:PORT (default: $RAY_ADDRESS, else a "
        "new local Ray instance)",
    )
    parser.add_argument(
        "--cpus-per-run",
        type=float,
        default=1.0,
        metavar="N",
        help="with --executor ray: CPUs (and BLAS threads) each run declares (1)",
    )


def executor_name(args: argparse.Namespace, serial: bool = False) -> str:
    """The chosen executor's name; ``serial`` is the legacy ``--serial`` flag.

    Raises:
        ValueError: ``--address``/``--cpus-per-run`` without ``--executor ray``, or ``--serial``
            with another executor.
    """
    name = args.executor or ("serial" if serial else "local")
    if serial and name != "serial":
        raise ValueError(f"--serial and --executor {name} exclude each other")
    if name != "ray" and (args.address is not None or args.cpus_per_run != 1.0):
        raise ValueError("--address and --cpus-per-run need --executor ray")
    return name


def ray_executor(args: argparse.Namespace, desc: str) -> Any:
    """A :class:`~powergames.training.ray_executor.RayExecutor` from the options."""
    from powergames.training.ray_executor import RayExecutor

    address = args.address or os.environ.get("RAY_ADDRESS") or None
    return RayExecutor(address, num_cpus=args.cpus_per_run, desc=desc)
