"""Checking the actions handed to ``step``: one clear ValueError/TypeError naming the agent and the space.

:class:`ActionChecker` validates a dict of actions for seats that are single players
(``Discrete(k_i)``, an integer) or coalitions (``MultiDiscrete([k_i for i in c])``, an integer array
of one action per member, members in increasing order) and assembles the joint action of the
players. :func:`check_discrete` checks one scalar action and is shared by every environment.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping, Sequence
from typing import Any, NoReturn

import numpy as np

__all__ = ["ActionChecker", "check_discrete", "describe", "integer_actions"]

_index = operator.index


def describe(value: Any) -> str:
    """A short description of a value for error messages (type, and shape and dtype of an array)."""
    if isinstance(value, np.ndarray):
        return f"array(shape={value.shape}, dtype={value.dtype}) {value.tolist()!r}"
    return f"{type(value).__name__} {value!r}"


def check_discrete(agent: str, value: Any, k: int, space: str, what: str = "action") -> int:
    """Check one ``Discrete(k)`` action: an integer (NumPy integers and 0-d arrays accepted) in ``[0, k)``.

    Args:
        agent: the agent's name (for the message).
        value: the action.
        k: the number of actions.
        space: how the space is named in the message, e.g. ``"Discrete(3)"``.
        what: what the value is called in the message.

    Raises:
        TypeError: a boolean, or not an integer.
        ValueError: NaN, an array that is not 0-d, or out of range.
    """
    if isinstance(value, bool | np.bool_):
        raise TypeError(
            f"{what} for agent {agent!r} must be an integer in [0, {k}) for {space}, got "
            f"the boolean {value!r}"
        )
    if isinstance(value, float | np.floating) and np.isnan(value):
        raise ValueError(f"{what} for agent {agent!r} is NaN; {space} takes integers in [0, {k})")
    if isinstance(value, np.ndarray):
        if value.shape != ():
            raise ValueError(
                f"{what} for agent {agent!r} must be a scalar integer for {space}, got "
                f"{describe(value)}"
            )
        if value.dtype.kind == "f" and np.isnan(value):
            raise ValueError(
                f"{what} for agent {agent!r} is NaN; {space} takes integers in [0, {k})"
            )
    try:
        a = _index(value)
    except TypeError:
        raise TypeError(
            f"{what} for agent {agent!r} must be an integer in [0, {k}) for {space}, got "
            f"{describe(value)}"
        ) from None
    if not 0 <= a < k:
        raise ValueError(
            f"{what} {value!r} for agent {agent!r} is out of range: {space} takes integers "
            f"in [0, {k})"
        )
    return a


def integer_actions(values: Sequence[Any], n: int) -> tuple[int, ...] | None:
    """``values`` as a tuple of ``n`` Python ints if they are integers (NumPy's too), else ``None``.

    One NumPy conversion instead of a check per agent. Booleans, floats, strings and arrays give
    ``None``: the caller then checks agent by agent (:meth:`ActionChecker.joint`, which accepts
    0-d integer arrays and names any problem). The range is not checked.
    """
    types = set(map(type, values))
    if bool in types or np.bool_ in types or np.ndarray in types:  # NumPy would read
        return None  # booleans as 0 and 1, and 0-d arrays need their own checks
    try:
        arr = np.asarray(values)
    except (TypeError, ValueError):
        return None
    if arr.dtype.kind not in "iu" or arr.shape != (n,):
        return None
    return tuple(arr.tolist())


def check_multi_discrete(
    agent: str, value: Any, seat: tuple[int, ...], ks: Sequence[int]
) -> list[int]:
    """Check one coalition action: an integer array of shape ``(len(seat),)``, entry ``m`` in ``[0, ks[m])``.

    Raises:
        TypeError: not an array of integers.
        ValueError: NaN, the wrong shape, or an entry out of range.
    """
    space = f"MultiDiscrete({list(ks)})"
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError):
        raise TypeError(
            f"action for agent {agent!r} must be an integer array of shape ({len(seat)},) "
            f"for {space}, got {describe(value)}"
        ) from None
    if arr.dtype.kind == "f" and np.isnan(arr).any():
        raise ValueError(
            f"action for agent {agent!r} contains NaN: {describe(value)}; {space} takes integers"
        )
    if arr.shape != (len(seat),):
        raise ValueError(
            f"action for agent {agent!r} must have shape ({len(seat)},) (one action per "
            f"member {list(seat)}) for {space}, got {describe(value)}"
        )
    if arr.dtype.kind not in "iu":
        raise TypeError(
            f"action for agent {agent!r} must hold integers for {space}, got {describe(value)}"
        )
    out = arr.tolist()
    for m, (player, a, k) in enumerate(zip(seat, out, ks)):
        if not 0 <= a < k:
            raise ValueError(
                f"action {value!r} for agent {agent!r} is out of range: entry {m} (player "
                f"{player}) is {a}, {space} takes integers in [0, {k})"
            )
    return out


class ActionChecker:
    """Validates the action dicts of an environment whose agents are player or coalition seats.

    Args:
        agents: the agents' names (``possible_agents``).
        seats: the players each agent controls, members in increasing order.
        n_actions: ``(k_0, …, k_{n-1})``.
        multi: whether actions are ``MultiDiscrete`` (coalition seats) rather than ``Discrete``.
    """

    def __init__(
        self,
        agents: Sequence[str],
        seats: Sequence[tuple[int, ...]],
        n_actions: Sequence[int],
        multi: bool,
    ) -> None:
        self.agents = list(agents)
        self.seats = tuple(seats)
        self.n_actions = tuple(n_actions)
        self.n_players = len(self.n_actions)
        self.multi = multi
        self._seat_of = {a: j for j, a in enumerate(self.agents)}

    def joint(self, actions: Any, live: Sequence[str]) -> tuple[int, ...]:
        """The players' joint action from ``{agent: action}`` for the ``live`` agents.

        Raises:
            TypeError, ValueError: as :meth:`raise_invalid`.
        """
        if not isinstance(actions, Mapping) or len(actions) != len(live):
            self.raise_invalid(actions, live)
        joint = [0] * self.n_players
        for agent in live:
            if agent not in actions:
                self.raise_invalid(actions, live)
            seat = self.seats[self._seat_of[agent]]
            for i, a in zip(seat, self.check(agent, actions[agent])):
                joint[i] = a
        return tuple(joint)

    def check(self, agent: str, value: Any) -> list[int]:
        """Check one agent's action; return its members' actions (one entry for a player seat)."""
        seat = self.seats[self._seat_of[agent]]
        ks = [self.n_actions[i] for i in seat]
        if self.multi:
            return check_multi_discrete(agent, value, seat, ks)
        return [check_discrete(agent, value, ks[0], f"Discrete({ks[0]})")]

    def raise_invalid(self, actions: Any, live: Sequence[str]) -> NoReturn:
        """Find the first problem in ``actions`` and raise a ValueError/TypeError naming it."""
        if not isinstance(actions, Mapping):
            raise TypeError(
                "actions must be a dict mapping each live agent to its action, got "
                f"{type(actions).__name__}"
            )
        for key in actions:
            if key not in self._seat_of:
                raise ValueError(f"unknown agent {key!r} in actions; the live agents are {live}")
        for agent in live:
            if agent not in actions:
                raise ValueError(
                    f"missing action for agent {agent!r}; step() needs one action for every live "
                    f"agent {list(live)}"
                )
            self.check(agent, actions[agent])
        raise AssertionError("actions were rejected but no problem was found")  # pragma: no cover
