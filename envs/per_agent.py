"""Per-agent dicts of fresh copies, built as fast as Python allows.

Every ``step`` hands each agent its own observation array and its own info dict (strict clients —
TorchRL, SuperSuit — write into them). For the usual 1–5 agents a dict display
``{a: x.copy(), b: y.copy()}`` costs about half of ``dict(zip(names, map(copy, rows)))``, and the
step is only a few of these, so the builders below are written out per agent count; more agents
take the generic comprehension. Anything with a ``copy()`` method works (arrays, dicts).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["copies", "copies_of_one"]


def copies(names: Sequence[str]) -> Callable[[Sequence[Any]], dict[str, Any]]:
    """``f(rows) -> {names[i]: rows[i].copy()}`` (``rows`` of the same length as ``names``)."""
    n = len(names)
    if n == 1:
        (a,) = names
        return lambda rows: {a: rows[0].copy()}
    if n == 2:
        a, b = names

        def two(rows: Sequence[Any]) -> dict[str, Any]:
            r, s = rows
            return {a: r.copy(), b: s.copy()}

        return two
    if n == 3:
        a, b, c = names

        def three(rows: Sequence[Any]) -> dict[str, Any]:
            r, s, t = rows
            return {a: r.copy(), b: s.copy(), c: t.copy()}

        return three
    if n == 4:
        a, b, c, d = names

        def four(rows: Sequence[Any]) -> dict[str, Any]:
            r, s, t, u = rows
            return {a: r.copy(), b: s.copy(), c: t.copy(), d: u.copy()}

        return four
    if n == 5:
        a, b, c, d, e = names

        def five(rows: Sequence[Any]) -> dict[str, Any]:
            r, s, t, u, v = rows
            return {a: r.copy(), b: s.copy(), c: t.copy(), d: u.copy(), e: v.copy()}

        return five
    keys = tuple(names)
    return lambda rows: {k: r.copy() for k, r in zip(keys, rows)}


def copies_of_one(names: Sequence[str]) -> Callable[[Any], dict[str, Any]]:
    """``f(x) -> {name: x-or-a-copy}``: the first agent gets ``x`` itself, every other a copy."""
    n = len(names)
    if n == 1:
        (a,) = names
        return lambda x: {a: x}
    if n == 2:
        a, b = names
        return lambda x: {a: x, b: x.copy()}
    if n == 3:
        a, b, c = names
        return lambda x: {a: x, b: x.copy(), c: x.copy()}
    if n == 4:
        a, b, c, d = names
        return lambda x: {a: x, b: x.copy(), c: x.copy(), d: x.copy()}
    if n == 5:
        a, b, c, d, e = names
        return lambda x: {a: x, b: x.copy(), c: x.copy(), d: x.copy(), e: x.copy()}
    first, rest = names[0], tuple(names[1:])

    def many(x: Any) -> dict[str, Any]:
        out = {first: x}
        for k in rest:
            out[k] = x.copy()
        return out

    return many
