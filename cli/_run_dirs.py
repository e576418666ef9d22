"""The RUN_DIR argument shared by ``eval`` and ``plot`` (not a sub-command: the name starts with ``_``)."""

from __future__ import annotations

from pathlib import Path

from powergames.training.rundir import find_runs


def runs_under(run_dir: str) -> tuple[Path, list[Path]]:
    """``run_dir`` as a path and the experiment run directories at or under it.

    Raises:
        FileNotFoundError: ``run_dir`` does not exist or holds no run (no ``metrics.csv``).
    """
    root = Path(run_dir)
    if not root.exists():
        raise FileNotFoundError(f"no run directory {root}")
    runs = find_runs(root)
    if not runs:
        raise FileNotFoundError(f"{root} holds no run (no metrics.csv)")
    return root, runs
