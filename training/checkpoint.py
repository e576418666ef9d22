"""Checkpoints of a run: data only (JSON, ``.npz`` without pickles, ``torch.load(weights_only=True)``
weights), checked against a manifest before anything is read back.

A checkpoint directory ``checkpoints/step_<N>/`` holds

* ``checkpoint.json`` — ``{"version", "driver", "step"}``;
* the native driver: ``state.json`` / ``state.npz`` — a
  :func:`powergames.agents.state.snapshot` of the environment, the agents, the last observations,
  the agents' generator and the global generators;
* the SB3 driver: what :meth:`powergames.agents.sb3.MultiAgentSB3.save` writes (``runner.json`` /
  ``runner.npz``, one ``<model>.pt`` per model), the agents included;
* ``manifest.json``, written last: every other file with its size and SHA-256.

Loading never executes anything from the directory: the objects are rebuilt from the run's
``config.yaml`` and their saved state is written into them. A checkpoint whose files do not match
its manifest, that holds a file the manifest does not list, or that was written in an older format
(a pickled ``state.pkl``, an SB3 ``.zip``) is refused with a one-line message naming the file (and
the intact older checkpoint, if there is one); it is never unpickled.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from powergames.agents.rng import global_rng_state, set_global_rng_state
from powergames.agents.state import SnapshotError, read_snapshot, restore, write_snapshot
from powergames.training.rundir import RunDir, RunDirError, atomic_write_json

#: Format version of checkpoints (bumped when their content changes).
#: 4: data only (no pickle), a manifest with hashes.
CHECKPOINT_VERSION = 4

MANIFEST = "manifest.json"
META = "checkpoint.json"
#: The native driver's snapshot (``state.json`` and ``state.npz``).
NATIVE = "state"
#: Files of older formats: refused, never read.
OLD_FORMAT = ("state.pkl", "*.zip", "*.replay.pkl")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_manifest(directory: Path) -> None:
    """List every file of ``directory`` with its size and hash in ``manifest.json`` (written last)."""
    files = {
        p.name: {"bytes": p.stat().st_size, "sha256": _sha256(p)}
        for p in sorted(directory.iterdir())
        if p.is_file() and p.name != MANIFEST
    }
    atomic_write_json(directory / MANIFEST, {"version": CHECKPOINT_VERSION, "files": files})


def _older_intact(directory: Path) -> str:
    """A hint naming an intact older checkpoint beside ``directory``, or ``""``."""
    for other in sorted(directory.parent.glob("step_*"), reverse=True):
        if other.name < directory.name and other.is_dir():
            try:
                check_manifest(other)
            except RunDirError:
                continue
            return (
                f"; the older checkpoint {other} is intact: delete {directory} and point "
                f"{directory.parent / 'latest.json'} at it to resume from there"
            )
    return ""


def check_manifest(directory: Path) -> dict[str, Any]:
    """Check a checkpoint directory against its manifest; returns ``checkpoint.json``'s content.

    Raises:
        RunDirError: an older format, a missing manifest, a file missing, changed or not listed,
            or another version — naming the file.
    """
    for pattern in OLD_FORMAT:
        for old in directory.glob(pattern):
            raise RunDirError(
                f"{old}: a checkpoint of an older format (pickled state, which is never loaded); "
                "start the run again with --overwrite"
            )
    path = directory / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        files = manifest["files"]
        listed = {str(name): (int(f["bytes"]), str(f["sha256"])) for name, f in files.items()}
    except FileNotFoundError:
        raise RunDirError(f"{path}: missing (the checkpoint is incomplete or damaged)") from None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise RunDirError(f"{path}: not a checkpoint manifest ({exc})") from None
    if manifest.get("version") != CHECKPOINT_VERSION:
        raise RunDirError(
            f"{path}: checkpoint format {manifest.get('version')} is not {CHECKPOINT_VERSION}; "
            "start the run again with --overwrite"
        )
    for p in sorted(directory.iterdir()):
        if p.name != MANIFEST and p.name not in listed:
            raise RunDirError(f"{p}: not part of the checkpoint (its manifest does not list it)")
    for name, (size, digest) in listed.items():
        f = directory / name
        if "/" in name or name.startswith(".") or not f.is_file():
            raise RunDirError(f"{f}: missing from the checkpoint")
        if f.stat().st_size != size or _sha256(f) != digest:
            raise RunDirError(f"{f}: changed or damaged since the checkpoint was written")
    try:
        meta = json.loads((directory / META).read_text(encoding="utf-8"))
        int(meta["step"])
    except (ValueError, KeyError, TypeError, FileNotFoundError) as exc:
        raise RunDirError(f"{directory / META}: not a checkpoint description ({exc})") from None
    return dict(meta)


def verify(directory: Path, driver: str) -> dict[str, Any]:
    """:func:`check_manifest`, and the checkpoint must be the ``driver``'s.

    Raises:
        RunDirError: as :func:`check_manifest` (with a hint at an intact older checkpoint).
    """
    try:
        meta = check_manifest(directory)
    except RunDirError as exc:
        raise RunDirError(f"{exc}{_older_intact(directory)}") from None
    if meta.get("driver") != driver:
        raise RunDirError(
            f"{directory / META}: a checkpoint of the {meta.get('driver')!r} driver, this run "
            f"uses {driver!r}"
        )
    return meta


def _write_meta(directory: Path, driver: str, step: int) -> None:
    atomic_write_json(
        directory / META, {"version": CHECKPOINT_VERSION, "driver": driver, "step": int(step)}
    )


def save_native(directory: Path, step: int, env: Any, agents: Any, obs: Any, rng: Any) -> None:
    """Write the native driver's state at ``step`` into ``directory`` (then its manifest)."""
    root = {"env": env, "agents": agents, "obs": obs, "rng": rng, "global_rng": global_rng_state()}
    write_snapshot(directory, NATIVE, root)
    _write_meta(directory, "native", step)
    write_manifest(directory)


def load_native(directory: Path, env: Any, agents: Any, rng: Any, env_seed: int) -> tuple[Any, int]:
    """Restore the native driver's state into a fresh build (``env``, ``agents``, the agents'
    generator ``rng``; all overwritten in place) and the global generators.

    Returns:
        ``(obs, step)``: the observations to act on and the checkpoint's step.

    Raises:
        RunDirError: the checkpoint is refused (see :func:`check_manifest`) or does not fit.
    """
    meta = verify(directory, "native")
    try:
        tree, arrays = read_snapshot(directory, NATIVE)
        env.reset(seed=env_seed)  # the fresh build's state, overwritten below
        template = {"env": env, "agents": agents, "obs": {}, "rng": rng, "global_rng": {}}
        root = restore(template, tree, arrays)
        set_global_rng_state(root["global_rng"])
    except (SnapshotError, ValueError) as exc:
        raise RunDirError(f"{directory / (NATIVE + '.json')}: {exc}") from None
    return root["obs"], int(meta["step"])


def save_sb3(directory: Path, step: int, multi: Any, agents: Any) -> None:
    """Write the SB3 driver's state at ``step`` (the runner with the agents, then the manifest)."""
    multi.save(directory, extra={"agents": agents})
    _write_meta(directory, "sb3", step)
    write_manifest(directory)


def load_sb3(directory: Path, multi: Any, agents: Any) -> int:
    """Restore the SB3 driver's state into a fresh :class:`MultiAgentSB3` and agents.

    Returns:
        The checkpoint's step.

    Raises:
        RunDirError: the checkpoint is refused (see :func:`check_manifest`) or does not fit.
    """
    meta = verify(directory, "sb3")
    try:
        multi.restore(directory, extra={"agents": agents})
    except (SnapshotError, ValueError) as exc:
        raise RunDirError(str(exc)) from None
    return int(meta["step"])


def check_resumable(rd: RunDir) -> None:
    """Raise unless ``rd``'s checkpoints can be read (used by ``eval``)."""
    latest = rd.checkpoints.latest()
    if latest is not None:
        check_manifest(latest.path)
