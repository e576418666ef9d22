"""Saving a :class:`~powergames.agents.sb3.multi.MultiAgentSB3` as data, and restoring it into a
fresh build: no pickle anywhere, so loading a saved run never executes code.

A save directory holds:

* ``runner.json`` / ``runner.npz`` — a :func:`powergames.agents.state.snapshot` of the runner (the
  hub's environments and other agents, the generators), of each model's plain attributes (counters
  such as ``num_timesteps`` and ``_n_updates``, the last observations, exploration rate), of its
  action space's generator and of its replay buffer's arrays (off-policy models), of the global
  generators of torch, NumPy and ``random`` (:mod:`powergames.agents.rng`) and of the caller's
  ``extra``;
* ``<model>.pt`` per model — SB3's ``get_parameters()`` (policy weights and optimiser state) through
  ``torch.save``, read back with ``torch.load(weights_only=True)``, which refuses anything but
  tensors and plain containers.

The models themselves are rebuilt from their constructor arguments (the caller builds the runner
exactly as the saved one was built) and then overwritten: SB3's own ``.zip`` (whose ``data`` may
hold cloudpickled ``:serialized:`` entries) is never read.
"""

from __future__ import annotations

import pickle
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from powergames.agents.rng import global_rng_state, set_global_rng_state
from powergames.agents.state import SnapshotError, read_snapshot, restore, write_snapshot

if TYPE_CHECKING:  # annotations only: the runner module imports this one
    from powergames.agents.sb3.multi import MultiAgentSB3

#: The runner's snapshot (``<name>.json`` and ``<name>.npz``).
RUNNER = "runner"

#: Replay-buffer fields saved for off-policy models.
REPLAY_FIELDS = ("observations", "next_observations", "actions", "rewards", "dones", "timeouts")

_PLAIN = (type(None), bool, int, float, str)


def _model_state(model: Any) -> dict[str, Any]:
    """A model's plain attributes, its action-space generator and its replay buffer."""
    attrs = {
        k: v
        for k, v in vars(model).items()
        if isinstance(v, _PLAIN) or (isinstance(v, np.ndarray) and not v.dtype.hasobject)
    }
    state: dict[str, Any] = {"attrs": attrs, "space_rng": model.action_space.np_random}
    buffer = getattr(model, "replay_buffer", None)
    if buffer is not None:
        state["replay"] = {
            "arrays": {f: getattr(buffer, f) for f in REPLAY_FIELDS if hasattr(buffer, f)},
            "pos": int(buffer.pos),
            "full": bool(buffer.full),
        }
    return state


def _model_template(model: Any) -> dict[str, Any]:
    template: dict[str, Any] = {"attrs": {}, "space_rng": model.action_space.np_random}
    if getattr(model, "replay_buffer", None) is not None:
        template["replay"] = {"arrays": {}}
    return template


def save_runner(runner: MultiAgentSB3, directory: Path, extra: Any = None) -> list[Path]:
    """Write ``runner`` (and ``extra``) into ``directory``; see the module docstring."""
    import torch

    directory.mkdir(parents=True, exist_ok=True)
    files = []
    for name, model in runner.models.items():
        path = directory / f"{name}.pt"
        torch.save(model.get_parameters(), path)
        files.append(path)
    root = {
        "runner": runner,
        "models": {name: _model_state(m) for name, m in runner.models.items()},
        "extra": extra,
        "global_rng": global_rng_state(),
    }
    files += write_snapshot(directory, RUNNER, root)
    return files


def load_parameters(path: Path) -> dict[str, Any]:
    """A ``<model>.pt`` file's parameters, read with ``torch.load(weights_only=True)``.

    Raises:
        SnapshotError: missing, damaged, or holding anything but tensors and plain containers
            (a pickle that would run code is refused, never executed).
    """
    import torch

    if not path.is_file():
        raise SnapshotError(f"{path}: missing")
    try:
        params = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SnapshotError(
            f"{path}: refused: it holds more than tensors and plain data ({first})"
        ) from None
    except (RuntimeError, EOFError, OSError, ValueError, zipfile.BadZipFile) as exc:
        raise SnapshotError(f"{path}: not a parameter file ({type(exc).__name__}: {exc})") from None
    if not isinstance(params, dict):
        raise SnapshotError(
            f"{path}: expected a mapping of parameters, got {type(params).__name__}"
        )
    return params


def restore_runner(runner: MultiAgentSB3, directory: Path, extra: Any = None) -> Any:
    """Overwrite a freshly built ``runner`` with the run saved in ``directory``; returns ``extra``.

    Raises:
        SnapshotError: a missing, damaged or non-fitting file, naming it.
    """
    tree, arrays = read_snapshot(directory, RUNNER)
    for name, model in runner.models.items():
        params = load_parameters(directory / f"{name}.pt")
        try:
            model.set_parameters(params, exact_match=True, device="cpu")
        except (ValueError, KeyError, RuntimeError) as exc:
            raise SnapshotError(
                f"{directory / f'{name}.pt'}: does not fit the model {name!r} ({exc})"
            ) from None
    template = {
        "runner": runner,
        "models": {name: _model_template(m) for name, m in runner.models.items()},
        "extra": extra,
        "global_rng": {},
    }
    where = directory / f"{RUNNER}.json"
    try:
        root = restore(template, tree, arrays)
        for name, model in runner.models.items():
            saved = root["models"][name]
            for key, value in saved["attrs"].items():
                setattr(model, key, value)
            if "replay" in saved:
                buffer = model.replay_buffer  # type: ignore[attr-defined]
                for field, value in saved["replay"]["arrays"].items():
                    current = getattr(buffer, field)
                    if value.shape != current.shape:
                        raise SnapshotError(
                            f"replay buffer {field} of {name!r} has shape {value.shape}, the "
                            f"model's is {current.shape}"
                        )
                    setattr(buffer, field, value.astype(current.dtype, copy=False))
                buffer.pos = int(saved["replay"]["pos"])
                buffer.full = bool(saved["replay"]["full"])
        for agent, pol in runner._policies.items():
            pol.model = runner.models[next(n for n, m in runner.groups.items() if agent in m)]
        set_global_rng_state(root["global_rng"])
    except (SnapshotError, ValueError, KeyError, TypeError) as exc:
        raise SnapshotError(f"{where}: {exc}") from None
    return root["extra"]
