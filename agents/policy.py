"""The ``Policy`` protocol every agent satisfies, and the adapter for external callables.

A policy acts on an observation with an explicit random generator, exposes its current mixed
strategy where it has one (so evaluators can compute exact metrics instead of sampling), and learns
through ``update``::

    act(observation, rng) -> action
    strategy(observation) -> np.ndarray | None
    update(observation, action, reward, next_observation, info) -> None

Actions are ``int`` for a single player (``Discrete(k)``) and an integer array of shape ``(m,)``
for a coalition agent choosing its ``m`` members' actions (``MultiDiscrete([k]*m)``, members in
increasing player order). ``strategy`` returns, for the type the observation reveals, a
distribution of shape ``(k,)`` for a single player or the *joint* distribution of shape
``(k,)*m`` for a coalition (members may correlate, MATH.md §1). It returns ``None`` for a policy
without an explicit mixed strategy (e.g. an arbitrary external callable).

Two optional hooks let evaluators see more: ``average_strategy_at(observation)`` (the
time-averaged strategy of a learner, read by :func:`powergames.agents.profile.average_profile`)
and ``coalition_policy(observation)`` (a coalition agent's exact structured
:class:`~powergames.theory.coalition_policies.CoalitionPolicy`, for coalitions too large for a dense
joint).

Types: in a Bayesian game a player's observation carries its type as a one-hot block; the
environment's ``observation_layout(agent)`` (a ``dict[str, slice]``) says where. Policies whose
strategy depends on the type are given that layout and read the type with :func:`type_of`.
"""

from __future__ import annotations

import inspect
import math
import numbers
from collections.abc import Callable, Mapping
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from powergames.games.checks import as_float_array, check_rng

#: What ``act`` returns: an ``int`` (one player) or an int array ``(m,)`` (a coalition's members).
Action = Any

#: The observation layout of one agent: block name -> slice of the flat observation vector.
Layout = Mapping[str, slice]


@runtime_checkable
class Policy(Protocol):
    """Anything that can play: ``act``, ``strategy`` and ``update`` (see the module docstring)."""

    def act(self, observation: Any, rng: np.random.Generator) -> Action:
        """Choose an action for ``observation``, drawing any randomness from ``rng`` only."""
        ...

    def strategy(self, observation: Any) -> npt.NDArray[np.float64] | None:
        """The current action distribution at ``observation`` (``(k,)`` or joint ``(k,)*m``), or ``None``."""
        ...

    def update(
        self,
        observation: Any,
        action: Action,
        reward: float,
        next_observation: Any,
        info: Mapping[str, Any] | None,
    ) -> None:
        """Learn from one transition (a no-op for fixed policies)."""
        ...


# ---------------------------------------------------------------------------------------- helpers
def type_of(observation: Any, layout: Layout | None) -> int:
    """The type index an observation reveals: argmax of its one-hot ``"type"`` block.

    Args:
        observation: the flat observation vector (anything ``np.asarray`` accepts).
        layout: the agent's ``observation_layout``; ``None`` or a layout without a ``"type"`` block
            means the agent has a single type, index 0.

    Returns:
        The type index ``t_i``.

    Raises:
        ValueError: if the type block is not one-hot.
    """
    if layout is None or "type" not in layout:
        return 0
    block = np.asarray(observation, dtype=np.float64).reshape(-1)[layout["type"]]
    t = int(np.argmax(block))
    if block.size == 0 or block[t] != 1.0 or np.count_nonzero(block) != 1:
        raise ValueError(
            f"observation's 'type' block {layout['type']} must be one-hot, got {block.tolist()}"
        )
    return t


def sample_action(
    distribution: npt.NDArray[np.float64], rng: np.random.Generator
) -> int | npt.NDArray[np.int64]:
    """Draw one action from a distribution over actions.

    Args:
        distribution: shape ``(k,)`` (returns an ``int``) or a joint ``(k_0, …, k_{m-1})`` (returns
            an int array of shape ``(m,)``, one action per coalition member).
        rng: the generator to draw from.

    Returns:
        The sampled action.
    """
    p = np.asarray(distribution, dtype=np.float64)
    cdf = np.cumsum(p.reshape(-1))
    idx = min(int(np.searchsorted(cdf, rng.random() * cdf[-1], side="right")), cdf.size - 1)
    if p.ndim == 1:
        return idx
    return np.asarray(np.unravel_index(idx, p.shape), dtype=np.int64)


def flat_action(action: Action, action_shape: tuple[int, ...]) -> int:
    """The index of ``action`` in the flattened action set of shape ``action_shape``.

    Args:
        action: an ``int`` (when ``action_shape == (k,)``) or a sequence of ``m`` member actions.
        action_shape: ``(k,)`` or ``(k_0, …, k_{m-1})``.

    Raises:
        ValueError: if the action is out of range or has the wrong length.
    """
    if (
        len(action_shape) == 1
        and isinstance(action, int | np.integer)
        and not isinstance(action, bool)
    ):
        if not 0 <= action < action_shape[0]:
            raise ValueError(f"action must be an integer in [0, {action_shape[0]}), got {action!r}")
        return int(action)
    a = np.asarray(action).reshape(-1)
    if a.size != len(action_shape):
        raise ValueError(
            f"action must have {len(action_shape)} entr{'y' if len(action_shape) == 1 else 'ies'} "
            f"for action shape {action_shape}, got {action!r}"
        )
    if a.dtype.kind not in "iu" or np.any(a < 0) or np.any(a >= action_shape):
        raise ValueError(f"action must be integers in [0, {action_shape}), got {action!r}")
    return int(np.ravel_multi_index(tuple(int(x) for x in a), action_shape))


#: The most numbers a policy's table (per type) may hold: 10**8 float64, 800 MB.
MAX_TABLE_ENTRIES = 10**8


def check_table_size(name: str, entries: int) -> None:
    """Refuse a table of ``entries`` numbers above :data:`MAX_TABLE_ENTRIES` before allocating it.

    Raises:
        ValueError: naming ``name``, with the size it would take.
    """
    if entries > MAX_TABLE_ENTRIES:
        raise ValueError(
            f"{name}: a table of {entries:,} numbers ({entries * 8 / 1e9:.3g} GB of float64) is "
            f"more than the {MAX_TABLE_ENTRIES:,} a policy may hold"
        )


def real_number(name: str, value: Any) -> float:
    """``value`` as a float: a real number (NumPy scalars too), not a bool, a string or complex.

    Raises:
        TypeError: naming ``name``.
    """
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    return float(value)


def real_array(name: str, value: Any) -> npt.NDArray[np.float64]:
    """``value`` as a read-only float64 array of finite real numbers.

    Raises:
        TypeError: not numbers (strings, booleans, complex, dates, ragged nesting), naming ``name``.
        ValueError: non-finite entries.
    """
    if isinstance(value, str | bytes):
        raise TypeError(f"{name} must be an array of real numbers, got {type(value).__name__}")
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be an array of real numbers ({exc})") from None
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    return as_float_array(name, arr)


def as_action_shape(name: str, n_actions: int | tuple[int, ...]) -> tuple[int, ...]:
    """Normalise ``n_actions`` (an int ``k`` or a shape ``(k,)*m``) to a tuple of positive ints.

    Raises:
        ValueError: not positive integers, or a joint table larger than
            :data:`MAX_TABLE_ENTRIES` (the message gives its size).
    """
    if isinstance(n_actions, int | np.integer):
        shape: tuple[Any, ...] = (n_actions,)
    elif isinstance(n_actions, tuple | list):
        shape = tuple(n_actions)
    else:
        raise TypeError(
            f"{name} must be a positive int or a tuple of positive ints, got "
            f"{type(n_actions).__name__} {n_actions!r}"
        )
    if not shape or any(
        isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1 for k in shape
    ):
        raise ValueError(
            f"{name} must be a positive int or a tuple of positive ints, got {n_actions!r}"
        )
    check_table_size(name, math.prod(int(k) for k in shape))
    return tuple(int(k) for k in shape)


class StrategyPolicy:
    """Base class for policies defined by an explicit strategy: ``act`` samples ``strategy``.

    Subclasses implement ``strategy(observation)``; ``update`` is a no-op unless overridden.
    """

    def strategy(self, observation: Any) -> npt.NDArray[np.float64] | None:  # pragma: no cover
        raise NotImplementedError

    def act(self, observation: Any, rng: np.random.Generator) -> Action:
        """Sample an action from ``strategy(observation)`` with ``rng``."""
        strategy = self.strategy(observation)
        if strategy is None:
            raise ValueError(f"{type(self).__name__} has no strategy at this observation to sample")
        return sample_action(strategy, check_rng(rng))

    def update(
        self,
        observation: Any,
        action: Action,
        reward: float,
        next_observation: Any,
        info: Mapping[str, Any] | None,
    ) -> None:
        """Fixed policies do not learn."""


# ---------------------------------------------------------------------------------------- adapter
class CallablePolicy:
    """Adapter: any callable ``observation -> action`` (or ``(observation, rng) -> action``) as a Policy.

    Args:
        fn: the external agent. It is called with ``(observation, rng)`` when it accepts two
            positional arguments, else with ``(observation,)``.
        strategy_fn: optional callable ``observation -> distribution`` exposing the agent's mixed
            strategy to evaluators; without it ``strategy`` returns ``None`` and evaluators must
            fall back to sampling.
        update_fn: optional callable with ``update``'s signature, for external learners.

    Raises:
        TypeError: if ``fn`` (or a given hook) is not callable.
    """

    def __init__(
        self,
        fn: Callable[..., Action],
        strategy_fn: Callable[[Any], npt.ArrayLike] | None = None,
        update_fn: Callable[..., None] | None = None,
    ) -> None:
        for name, f in (("fn", fn), ("strategy_fn", strategy_fn), ("update_fn", update_fn)):
            if f is not None and not callable(f):
                raise TypeError(f"{name} must be callable, got {type(f).__name__}")
        self.fn = fn
        self.strategy_fn = strategy_fn
        self.update_fn = update_fn
        self._takes_rng = _accepts_two_positional(fn)

    def act(self, observation: Any, rng: np.random.Generator) -> Action:
        """Call the wrapped agent."""
        if self._takes_rng:
            return self.fn(observation, check_rng(rng))
        return self.fn(observation)

    def strategy(self, observation: Any) -> npt.NDArray[np.float64] | None:
        """The wrapped agent's distribution if a ``strategy_fn`` was given, else ``None``."""
        if self.strategy_fn is None:
            return None
        return np.asarray(self.strategy_fn(observation), dtype=np.float64)

    def update(
        self,
        observation: Any,
        action: Action,
        reward: float,
        next_observation: Any,
        info: Mapping[str, Any] | None,
    ) -> None:
        """Forward to ``update_fn`` if one was given."""
        if self.update_fn is not None:
            self.update_fn(observation, action, reward, next_observation, info)

    def __repr__(self) -> str:
        return f"CallablePolicy({getattr(self.fn, '__name__', type(self.fn).__name__)})"


def _accepts_two_positional(fn: Callable[..., Any]) -> bool:
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):  # builtins without a signature: call with the observation only
        return False
    positional = [
        p for p in sig.parameters.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    if any(p.kind == p.VAR_POSITIONAL for p in sig.parameters.values()):
        return True
    return len(positional) >= 2


def as_policy(agent: Any) -> Policy:
    """Return ``agent`` if it already is a :class:`Policy`, else wrap a callable in :class:`CallablePolicy`.

    Raises:
        TypeError: if ``agent`` is neither a Policy nor callable.
    """
    if isinstance(agent, Policy):
        return agent
    if callable(agent):
        return CallablePolicy(agent)
    raise TypeError(
        "agent must implement the Policy protocol (act, strategy, update) or be a callable "
        f"observation -> action, got {type(agent).__name__}"
    )
