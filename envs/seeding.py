"""Seeds of ``reset(seed=…)``: one check for every environment of the package."""

from __future__ import annotations

import numbers

import numpy as np
from gymnasium.utils import seeding

__all__ = ["SeededRandom", "check_seed", "np_random"]


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


class SeededRandom:
    """The environments' generator: ``np_random`` made on first use, reseeded by :meth:`_reseed`.

    ``reset(seed=…)`` calls ``self._reseed(seed)``: a seed starts a new stream (checked by
    :func:`check_seed`); ``None`` continues the current one (Gymnasium semantics).
    """

    _np_random: np.random.Generator | None = None

    @property
    def np_random(self) -> np.random.Generator:
        """The environment's generator (seeded by ``reset(seed=…)``)."""
        if self._np_random is None:
            self._np_random, _ = seeding.np_random()
        return self._np_random

    def _reseed(self, seed: object) -> None:
        if seed is not None or self._np_random is None:
            self._np_random, _ = np_random(seed)
