"""Memory estimates and the size guard of count-form arrays.

A count-form game or computation allocates arrays whose sizes are known before they are built; the
guard compares the estimate with the machine's physical memory (``os.sysconf``) and refuses with the
estimate in the message instead of letting the allocation fail (or swap) half-way.
"""

from __future__ import annotations

import os

#: Fraction of physical memory one count-form allocation plan may use.
MEMORY_FRACTION = 0.9

#: Used when the physical memory cannot be read (not a POSIX system).
_FALLBACK_BYTES = 8 * 2**30

__all__ = ["MEMORY_FRACTION", "check_memory", "memory_budget", "physical_memory"]


def physical_memory() -> int:
    """The machine's physical memory in bytes (8 GiB when it cannot be read)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, OSError, ValueError):
        return _FALLBACK_BYTES


def memory_budget() -> int:
    """Bytes one allocation plan may use: :data:`MEMORY_FRACTION` of :func:`physical_memory`."""
    return int(MEMORY_FRACTION * physical_memory())


def check_memory(what: str, parts: dict[str, int]) -> int:
    """Refuse an allocation plan whose arrays do not fit in memory.

    Args:
        what: what is being built, for the message (e.g. ``"a 3-action game of 30000 players"``).
        parts: bytes of each array alive at the peak, by name.

    Returns:
        The estimate (sum of ``parts``) in bytes.

    Raises:
        ValueError: the estimate exceeds :func:`memory_budget`; the message gives the estimate,
            its parts and the budget.
    """
    total = sum(parts.values())
    budget = memory_budget()
    if total > budget:
        detail = " + ".join(f"{name} {size / 2**30:.1f} GiB" for name, size in parts.items())
        raise ValueError(
            f"{what} needs about {total / 2**30:.1f} GiB ({detail}), more than the "
            f"{budget / 2**30:.1f} GiB ({MEMORY_FRACTION:.0%} of {physical_memory() / 2**30:.1f} GiB "
            "physical memory) this machine allows"
        )
    return total
