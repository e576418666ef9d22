"""Agent kinds for seats played from outside: ``remote`` (a client of the server) and ``replay``
(the same choices replayed in-process, to reproduce a match as an ordinary run).

Both keep the seat's *empirical strategy* — per type ``t``, the frequencies of the actions played
so far, ``σ̂_i(a | t) = n_i(t, a) / Σ_b n_i(t, b)`` (uniform for a type not seen yet) — and expose
it as ``current_strategy()`` (shape ``(T_i, k_i)``), so the run's evaluators (empirical shares
with confidence intervals, POWER, NashConv; MATH.md §1–3) are computed at the remote agents'
empirical strategies exactly as at a learner's strategies.

Neither draws from the run's random generator, so a match and its replay consume every random
stream identically: a ``replay`` run of a match's recorded actions reproduces its ``metrics.csv``.

Parameters (``agents[i].params``):

``remote``
    ``deadline`` (seconds per step, default 30), ``on_timeout`` (``default``: play
    ``default_action`` for that step; ``forfeit``: revoke the seat's token and play
    ``default_action`` for the rest of the match), ``default_action`` (default 0).
``replay``
    ``actions``: one action per environment step (a list), or ``journal``: the path of a match's
    ``remote_actions.jsonl`` with ``seat`` (the config index of the remote seat to replay).

Importing this module registers both kinds (:func:`powergames.training.kinds.register_agent_kind`).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from powergames.agents.policy import type_of
from powergames.training.config import ConfigError
from powergames.training.kinds import AGENT_KINDS, AgentKind, AgentSpec, register_agent_kind

__all__ = [
    "REMOTE_KIND",
    "REPLAY_KIND",
    "EmpiricalSeat",
    "RemotePolicy",
    "ReplayPolicy",
    "bind_match",
    "current_match",
    "read_journal",
]

REMOTE_KIND = "remote"
REPLAY_KIND = "replay"
TIMEOUT_POLICIES = ("default", "forfeit")

_local = threading.local()


def bind_match(match: Any) -> None:
    """Make ``match`` the one whose remote seats this thread's :class:`RemotePolicy` objects ask."""
    _local.match = match


def current_match() -> Any:
    """The match bound to this thread by :func:`bind_match`.

    Raises:
        RuntimeError: no match is bound (a ``remote`` seat played outside ``powergames serve``).
    """
    match = getattr(_local, "match", None)
    if match is None:
        raise RuntimeError(
            "a 'remote' seat can only play inside a match hosted by powergames serve"
        )
    return match


class EmpiricalSeat:
    """A single seat whose strategy is the empirical frequency of its own past actions.

    Args:
        n_actions: ``k_i``.
        n_types: ``T_i``.
        layout: the seat's observation layout (for its type block).
    """

    def __init__(self, n_actions: int, n_types: int, layout: Mapping[str, slice] | None) -> None:
        self.n_actions = int(n_actions)
        self.n_types = int(n_types)
        self.layout = dict(layout) if layout is not None else None
        self.counts = np.zeros((self.n_types, self.n_actions), dtype=np.int64)

    def record(self, observation: Any, action: int) -> None:
        """Count ``action`` under the type ``observation`` reveals."""
        self.counts[type_of(observation, self.layout), int(action)] += 1

    def current_strategy(self) -> npt.NDArray[np.float64]:
        """The empirical strategy per type, shape ``(T_i, k_i)`` (rows sum to 1)."""
        totals = self.counts.sum(axis=1, keepdims=True)
        uniform = np.full_like(self.counts, 1.0 / self.n_actions, dtype=np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            freq = self.counts / np.where(totals == 0, 1, totals)
        return np.where(totals == 0, uniform, freq)

    def strategy(self, observation: Any) -> npt.NDArray[np.float64]:
        """The empirical strategy at the type ``observation`` reveals, shape ``(k_i,)``."""
        return self.current_strategy()[type_of(observation, self.layout)]

    def update(self, observation, action, reward, next_observation, info) -> None:  # noqa: ANN001
        """Nothing to learn (the client does its own learning)."""


class RemotePolicy(EmpiricalSeat):
    """A seat played by a client of the server; ``act`` asks the match bound to this thread.

    Args:
        index: the seat's index in the config's ``agents`` list.
        deadline: seconds the client has per step.
        on_timeout: ``"default"`` or ``"forfeit"``.
        default_action: the action played on a timeout.
    """

    def __init__(
        self,
        index: int,
        n_actions: int,
        n_types: int,
        layout: Mapping[str, slice] | None,
        deadline: float = 30.0,
        on_timeout: str = "default",
        default_action: int = 0,
    ) -> None:
        super().__init__(n_actions, n_types, layout)
        if isinstance(deadline, bool) or not isinstance(deadline, int | float) or deadline <= 0:
            raise ValueError(f"deadline must be a positive number of seconds, got {deadline!r}")
        if on_timeout not in TIMEOUT_POLICIES:
            raise ValueError(f"on_timeout must be one of {TIMEOUT_POLICIES}, got {on_timeout!r}")
        if (
            isinstance(default_action, bool)
            or not isinstance(default_action, int)
            or not 0 <= default_action < self.n_actions
        ):
            raise ValueError(
                f"default_action must be an integer in [0, {self.n_actions}), got {default_action!r}"
            )
        self.index = int(index)
        self.deadline = float(deadline)
        self.on_timeout = on_timeout
        self.default_action = int(default_action)

    def act(self, observation: Any, rng: np.random.Generator) -> int:
        """Ask the client for its action (blocks up to ``deadline``; never draws from ``rng``)."""
        action = int(current_match().remote_act(self.index, observation))
        self.record(observation, action)
        return action

    def update(self, observation, action, reward, next_observation, info) -> None:  # noqa: ANN001
        """Tell the match the seat's reward (and the public part of the step) for the watch page."""
        match = getattr(_local, "match", None)
        if match is not None:
            match.remote_feedback(self.index, float(reward), info)


class ReplayPolicy(EmpiricalSeat):
    """Plays a recorded action sequence, one action per environment step.

    Raises:
        ValueError: an action out of range; ``RuntimeError`` in ``act`` when the sequence runs out.
    """

    def __init__(
        self, actions: Sequence[int], n_actions: int, n_types: int, layout: Any = None
    ) -> None:
        super().__init__(n_actions, n_types, layout)
        acts = [int(a) for a in actions]
        bad = [a for a in acts if not 0 <= a < self.n_actions]
        if bad:
            raise ValueError(f"actions must be integers in [0, {self.n_actions}), got {bad[0]}")
        self.actions = acts
        self.position = 0

    def act(self, observation: Any, rng: np.random.Generator) -> int:
        if self.position >= len(self.actions):
            raise RuntimeError(
                f"the replay has {len(self.actions)} actions; step {self.position} asked for one more"
            )
        action = self.actions[self.position]
        self.position += 1
        self.record(observation, action)
        return action


def read_journal(path: str | Path, seat: int) -> list[int]:
    """The actions of config seat ``seat`` from a match's ``remote_actions.jsonl``, in step order.

    Raises:
        ValueError: the journal misses a step or repeats one.
    """
    rows = []
    for line in Path(path).read_text().splitlines():
        if line.strip():
            entry = json.loads(line)
            if entry["seat"] == seat:
                rows.append((int(entry["step"]), int(entry["action"])))
    rows.sort()
    steps = [s for s, _ in rows]
    if steps != list(range(len(steps))):
        raise ValueError(f"{path}: seat {seat}'s steps are not 0..{len(steps) - 1} exactly once")
    return [a for _, a in rows]


def _single_seat(spec: AgentSpec, kind: str) -> int:
    if len(spec.seats) != 1 or not isinstance(spec.n_actions, int | np.integer):
        raise ConfigError(f"seats: a {kind!r} agent plays one seat, got seats {spec.seats}")
    return int(spec.n_actions)


def _remote_factory(spec: AgentSpec, params: dict[str, Any]) -> RemotePolicy:
    k = _single_seat(spec, REMOTE_KIND)
    return RemotePolicy(spec.index, k, spec.n_types, spec.layout, **params)


def _replay_factory(spec: AgentSpec, params: dict[str, Any]) -> ReplayPolicy:
    k = _single_seat(spec, REPLAY_KIND)
    if ("actions" in params) == ("journal" in params):
        raise ConfigError("params: give exactly one of 'actions' and 'journal'")
    if "journal" in params:
        actions = read_journal(params["journal"], int(params.get("seat", spec.index)))
    else:
        actions = params["actions"]
    return ReplayPolicy(actions, k, spec.n_types, spec.layout)


def register_kinds() -> None:
    """Add ``remote`` and ``replay`` to the agent-kind registry (idempotent)."""
    if REMOTE_KIND not in AGENT_KINDS:
        register_agent_kind(
            AgentKind(
                REMOTE_KIND,
                "fixed",
                _remote_factory,
                params=frozenset({"deadline", "on_timeout", "default_action"}),
                coalition=False,
                doc="a seat played by a client of powergames serve (empirical strategy)",
            )
        )
    if REPLAY_KIND not in AGENT_KINDS:
        register_agent_kind(
            AgentKind(
                REPLAY_KIND,
                "fixed",
                _replay_factory,
                params=frozenset({"actions", "journal", "seat"}),
                coalition=False,
                doc="replays recorded actions (a match's remote seat, in-process)",
            )
        )


register_kinds()
