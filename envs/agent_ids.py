"""Agent names: the one lookup every environment of the package uses to check an ``agent``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["agent_position"]


def agent_position(index: Mapping[str, int], agent: Any) -> int:
    """``index[agent]``: the position (or seat) an environment keeps for the agent name ``agent``.

    Raises:
        ValueError: ``agent`` is not one of ``index``'s names (an unhashable value included); the
            message lists the names.
    """
    try:
        return index[agent]
    except (KeyError, TypeError):
        raise ValueError(f"unknown agent {agent!r}; the agents are {list(index)}") from None
