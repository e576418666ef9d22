"""Checkpoints of a run: what each driver saves at an evaluation step and reads back on resume.

A checkpoint is written into a staging directory and published by
:meth:`powergames.training.rundir.Checkpoints.publish` (renamed into place, then ``latest.json``
rewritten with the number of ``metrics.csv`` rows it covers).
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from powergames.agents.rng import global_rng_state, set_global_rng_state
from powergames.training.rundir import RunDir, RunDirError

#: Format version of checkpoints (bumped when their content changes).
#: 3: one generator-state scheme (:mod:`powergames.agents.rng`) for both drivers.
CHECKPOINT_VERSION = 3

#: The native driver's checkpoint file.
NATIVE_STATE = "state.pkl"


def save_native(directory: Path, step: int, env: Any, agents: Any, obs: Any, rng: Any) -> None:
    """Write the native driver's state at ``step`` into ``directory``."""
    snap = {
        "version": CHECKPOINT_VERSION,
        "driver": "native",
        "step": step,
        "env": env,
        "agents": agents,
        "obs": obs,
        "rng": rng,
        "rng_state": global_rng_state(),
    }
    with open(directory / NATIVE_STATE, "wb") as fh:
        pickle.dump(snap, fh, protocol=pickle.HIGHEST_PROTOCOL)
        fh.flush()
        os.fsync(fh.fileno())


def load_native(directory: Path, rd: RunDir) -> dict[str, Any]:
    """The native driver's state saved by :func:`save_native` (generators restored).

    Raises:
        ValueError: a checkpoint of another format version.
    """
    with open(directory / NATIVE_STATE, "rb") as fh:
        try:
            snap = pickle.load(fh)  # noqa: S301 - our own checkpoint file
        except (ModuleNotFoundError, AttributeError):  # written by an older format's classes
            snap = {"version": None}
    check_version(snap, rd)
    set_global_rng_state(snap["rng_state"])
    return snap


def check_version(snap: Mapping[str, Any], rd: RunDir) -> None:
    """Refuse a checkpoint of another format version.

    Raises:
        ValueError: naming the run directory.
    """
    if snap.get("version") != CHECKPOINT_VERSION:
        raise RunDirError(
            f"{rd.path}: checkpoint format {snap.get('version')} is not {CHECKPOINT_VERSION}; "
            "start the run again with --overwrite"
        )


def save_sb3(directory: Path, step: int, multi: Any, agents: Any) -> None:
    """Write the SB3 driver's state at ``step`` (:meth:`MultiAgentSB3.save` with the agents)."""
    extra = {"version": CHECKPOINT_VERSION, "driver": "sb3", "step": step, "agents": agents}
    multi.save(directory, extra=extra)


def load_sb3(directory: Path, rd: RunDir) -> tuple[Any, dict[str, Any]]:
    """The SB3 driver's state: the :class:`MultiAgentSB3` (models loaded) and the saved extras.

    Raises:
        ValueError: a checkpoint of another format version.
    """
    from powergames.agents.sb3 import MultiAgentSB3

    try:
        multi = MultiAgentSB3.load(directory, device="cpu")
    except (KeyError, ModuleNotFoundError, AttributeError, FileNotFoundError):
        multi = None
    extra = getattr(multi, "extra", None)
    check_version(extra if isinstance(extra, dict) else {}, rd)
    assert multi is not None and isinstance(extra, dict)
    return multi, extra
