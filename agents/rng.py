"""The process-wide random generators (torch's, NumPy's global one, Python's ``random``), saved as
plain data and restored.

SB3 draws minibatch orders and ε-exploration from NumPy's global generator and initialises and
samples through torch's; a checkpoint holds their states so that a resumed run draws exactly what
the uninterrupted run would. The state is data only: arrays and numbers (no pickle needed).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["global_rng_state", "set_global_rng_state"]


def global_rng_state() -> dict[str, Any]:
    """The states of torch's, NumPy's global and Python's generators.

    Returns:
        ``{"torch": uint8 array, "numpy": {"keys": uint32 (624,), "pos", "has_gauss",
        "cached_gaussian"}, "python": {"version", "state": int64 (625,), "gauss_next"}}``.
    """
    import torch

    name, keys, pos, has_gauss, cached = np.random.get_state()  # noqa: NPY002 - SB3 draws from it
    assert name == "MT19937"
    version, internal, gauss_next = random.getstate()
    return {
        "torch": torch.get_rng_state().numpy().copy(),
        "numpy": {
            "keys": np.asarray(keys, dtype=np.uint32),
            "pos": int(pos),
            "has_gauss": int(has_gauss),
            "cached_gaussian": float(cached),
        },
        "python": {
            "version": int(version),
            "state": np.asarray(internal, dtype=np.int64),
            "gauss_next": gauss_next,
        },
    }


def set_global_rng_state(state: Mapping[str, Any]) -> None:
    """Restore the generators from :func:`global_rng_state`'s result.

    Raises:
        ValueError: a state of the wrong shape (a damaged checkpoint).
    """
    import torch

    try:
        torch_state = torch.from_numpy(np.asarray(state["torch"], dtype=np.uint8).copy())
        npy = state["numpy"]
        keys = np.asarray(npy["keys"], dtype=np.uint32)
        py = state["python"]
        internal = tuple(int(v) for v in np.asarray(py["state"]).reshape(-1))
        gauss = py["gauss_next"]
        if keys.shape != (624,) or len(internal) != 625:
            raise ValueError("generator state of the wrong size")
        torch.set_rng_state(torch_state)
        np.random.set_state(  # noqa: NPY002 - SB3 draws from it
            ("MT19937", keys, int(npy["pos"]), int(npy["has_gauss"]), float(npy["cached_gaussian"]))
        )
        random.setstate((int(py["version"]), internal, None if gauss is None else float(gauss)))
    except (KeyError, TypeError, RuntimeError) as exc:
        raise ValueError(f"not a generator state saved by global_rng_state: {exc}") from None
