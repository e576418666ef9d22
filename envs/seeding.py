"""Seeds of ``reset(seed=…)``: one check for every environment of the package."""

from __future__ import annotations

import numbers

import numpy as np
from gymnasium.utils import seeding

__all__ = ["check_seed", "np_random"]


def check_seed(seed: object) -> int | None:
    """``None`` or a non-negative integer (a Python or NumPy integer), as a Python ``int``.

    Raises:
        TypeError: ``seed`` is not an integer (a bool, a float, a string …).
        ValueError: ``seed`` is negative.
    """
    if seed is None:
        return None
    if isinstance(seed, bool | np.bool_) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be None or a non-negative integer, got {type(seed).__name__}")
    if int(seed) < 0:
        raise ValueError(f"seed must be a non-negative integer, got {int(seed)}")
    return int(seed)


def np_random(seed: object = None) -> tuple[np.random.Generator, int]:
    """Gymnasium's ``seeding.np_random`` after :func:`check_seed`."""
    return seeding.np_random(check_seed(seed))
