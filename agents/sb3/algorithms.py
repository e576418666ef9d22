"""SB3 algorithm classes from names (``"ppo"``, ``"A2C"``, ``"sb3_contrib:QRDQN"``)."""

from __future__ import annotations

import importlib

from stable_baselines3.common.base_class import BaseAlgorithm


# ============================================================================ algorithms
def resolve_algorithm(algorithm: str | type[BaseAlgorithm]) -> type[BaseAlgorithm]:
    """An SB3 algorithm class from a name.

    Args:
        algorithm: a class, a name exported by ``stable_baselines3`` in any case (``"ppo"``,
            ``"A2C"``, ``"DQN"``), or an import path ``"package.module:Class"`` /
            ``"package.module.Class"`` (e.g. ``"sb3_contrib:QRDQN"``).

    Raises:
        ValueError: an unknown name (the message lists SB3's algorithms).
    """
    if isinstance(algorithm, type):
        if not issubclass(algorithm, BaseAlgorithm):
            raise TypeError(f"algorithm must be an SB3 BaseAlgorithm subclass, got {algorithm!r}")
        return algorithm
    if not isinstance(algorithm, str):
        raise TypeError(f"algorithm must be a name or an SB3 class, got {type(algorithm).__name__}")
    import stable_baselines3 as sb3

    builtin = {
        name.lower(): getattr(sb3, name)
        for name in dir(sb3)
        if isinstance(getattr(sb3, name), type) and issubclass(getattr(sb3, name), BaseAlgorithm)
    }
    if algorithm.lower() in builtin:
        return builtin[algorithm.lower()]
    if ":" in algorithm or "." in algorithm:
        module, _, name = algorithm.replace(":", ".").rpartition(".")
        try:
            cls = getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError) as exc:
            raise ValueError(f"cannot import the algorithm {algorithm!r}: {exc}") from None
        return resolve_algorithm(cls)
    raise ValueError(
        f"unknown SB3 algorithm {algorithm!r}; built in: {sorted(builtin)} (or give 'module:Class')"
    )
