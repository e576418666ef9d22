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

__all__ = ["copies", "copies_of_one", "reset_result", "stacks", "step_result"]


#: From this many agents on, observations of equal length are kept as one ``(n, D)`` array.
STACK_FROM = 6


def stacks(spaces: Sequence[Any]) -> bool:
    """Whether observations in these spaces are kept stacked: ``STACK_FROM`` or more, one shape.

    Copying one ``(n, D)`` array and handing out its rows (each a writable view of the fresh copy,
    owned by one agent) costs about half of ``n`` separate copies from about five agents on.
    """
    return len(spaces) >= STACK_FROM and len({s.shape for s in spaces}) == 1


def copies(names: Sequence[str], stacked: bool = False) -> Callable[[Any], dict[str, Any]]:
    """``f(rows) -> {names[i]: rows[i].copy()}`` (``rows`` of the same length as ``names``).

    With ``stacked``, ``rows`` is one ``(n, D)`` array: it is copied once and each agent gets a
    row of the copy.
    """
    n = len(names)
    if stacked:
        keys = tuple(names)
        return lambda rows: dict(zip(keys, rows.copy()))
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


StepResult = Callable[[Any, dict[str, float], dict[str, Any], dict[str, bool]], tuple]


def step_result(names: Sequence[str], stacked: bool = False) -> StepResult:
    """``f(rows, rewards, info, terminations)`` → ``step``'s five dicts, fresh for every agent.

    Returns ``({a: copy of its row}, rewards.copy(), terminations, {a: False}, {a: a copy of
    info})`` (``rows``, ``rewards`` and ``info`` are cached and never handed out themselves): one
    call per step instead of one per dict, written out for 2–5 agents.
    """
    n = len(names)
    false = dict.fromkeys(names, False)
    if stacked or not 2 <= n <= 5:
        obs_of, keys = copies(names, stacked), tuple(names)

        def general(rows: Any, rewards: dict, info: dict, terminations: dict) -> tuple:
            infos = {k: info.copy() for k in keys}
            return obs_of(rows), rewards.copy(), terminations, false.copy(), infos

        return general
    if n == 2:
        a, b = names

        def two(rows: Any, rewards: dict, info: dict, terminations: dict) -> tuple:
            r, s = rows
            obs = {a: r.copy(), b: s.copy()}
            return obs, rewards.copy(), terminations, false.copy(), {a: info.copy(), b: info.copy()}

        return two
    if n == 3:
        a, b, c = names

        def three(rows: Any, rewards: dict, info: dict, terminations: dict) -> tuple:
            r, s, t = rows
            obs = {a: r.copy(), b: s.copy(), c: t.copy()}
            infos = {a: info.copy(), b: info.copy(), c: info.copy()}
            return obs, rewards.copy(), terminations, false.copy(), infos

        return three
    if n == 4:
        a, b, c, d = names

        def four(rows: Any, rewards: dict, info: dict, terminations: dict) -> tuple:
            r, s, t, u = rows
            obs = {a: r.copy(), b: s.copy(), c: t.copy(), d: u.copy()}
            infos = {a: info.copy(), b: info.copy(), c: info.copy(), d: info.copy()}
            return obs, rewards.copy(), terminations, false.copy(), infos

        return four
    a, b, c, d, e = names

    def five(rows: Any, rewards: dict, info: dict, terminations: dict) -> tuple:
        r, s, t, u, v = rows
        obs = {a: r.copy(), b: s.copy(), c: t.copy(), d: u.copy(), e: v.copy()}
        infos = {a: info.copy(), b: info.copy(), c: info.copy(), d: info.copy(), e: info.copy()}
        return obs, rewards.copy(), terminations, false.copy(), infos

    return five


def reset_result(names: Sequence[str], stacked: bool = False) -> Callable[[Any, dict], tuple]:
    """``f(rows, info)`` → ``reset``'s ``({a: copy of its row}, {a: a copy of info})``.

    Written out for two agents (the common case of a one-shot game, reset every step).
    """
    if len(names) == 2 and not stacked:
        a, b = names

        def two(rows: Any, info: dict) -> tuple:
            r, s = rows
            return {a: r.copy(), b: s.copy()}, {a: info.copy(), b: info.copy()}

        return two
    obs_of, keys = copies(names, stacked), tuple(names)

    def general(rows: Any, info: dict) -> tuple:
        return obs_of(rows), {k: info.copy() for k in keys}

    return general
