"""Values computed from a game, kept exactly as long as the game lives.

Games are frozen: nothing is stored on them. A :class:`GameCache` maps a game *object* (by identity,
never by its possibly large contents) to a small dict of derived values; the entry is dropped by a
weak-reference callback when the game is garbage collected, so a cache never keeps a game alive.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

__all__ = ["GameCache"]

T = TypeVar("T")


class GameCache:
    """``(game, key) -> value`` for games that can be weakly referenced (every game class).

    Example:
        >>> from powergames.games import matching_pennies
        >>> cache = GameCache()
        >>> g = matching_pennies()
        >>> cache.get(g, "n", lambda: g.n_players), len(cache)
        (2, 1)
        >>> del g
        >>> len(cache)
        0
    """

    def __init__(self) -> None:
        self._entries: dict[int, tuple[weakref.ref[Any], dict[Hashable, Any]]] = {}

    def get(self, game: object, key: Hashable, build: Callable[[], T]) -> T:
        """The value stored for ``(game, key)``, built by ``build()`` on first use.

        Objects that cannot be weakly referenced (e.g. a raw array) are not cached: ``build()`` runs.
        """
        ident = id(game)
        entry = self._entries.get(ident)
        if entry is None or entry[0]() is not game:
            try:
                ref = weakref.ref(game, self._forget(ident))
            except TypeError:
                return build()
            entry = (ref, {})
            self._entries[ident] = entry
        values = entry[1]
        if key not in values:
            values[key] = build()
        out: T = values[key]
        return out

    def _forget(self, ident: int) -> Callable[[weakref.ref[Any]], None]:
        entries = self._entries

        def callback(ref: weakref.ref[Any]) -> None:
            entry = entries.get(ident)
            if entry is not None and entry[0] is ref:
                del entries[ident]

        return callback

    def __len__(self) -> int:
        return len(self._entries)
