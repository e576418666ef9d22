"""What an agent of a game environment observes: the layout of its flat vector and how it is built.

An observation is a flat ``float32`` vector in ``Box(0, 1)`` made of named blocks
(:attr:`ObservationEncoder.layouts` gives the slices):

* ``"type"``: one-hot of the agent's own type. For a player seat it is padded to ``max_i T_i`` so
  every agent has the same space; for a coalition seat it is the one-hot of the members' joint type
  (C order over members, ``Π_{i∈c} T_i`` entries). A constant ``[1.0]`` in a game without types.
* ``"round"``: the index of the round about to be played divided by the episode length (``1.0``
  in the final observation).
* ``"prev_actions"`` (``history="actions"``): the previous joint action, one one-hot block of
  ``k_j`` entries per player ``j`` (zeros before the first round); or ``"prev_counts"``
  (``history="counts"``, equal action counts): the fraction of players on each action in the
  previous round; or nothing (``history="none"``). ``"auto"`` picks counts for a game in count form
  and actions otherwise.
* ``"agent"`` (``agent_indicator=True``): the one-hot of the agent's index in ``possible_agents``,
  so one network shared by all agents (parameter sharing) can still play a different strategy in
  each role.

Hidden states and the other agents' types never enter an observation (MATH.md §1–2).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import Any

import gymnasium
import numpy as np
import numpy.typing as npt

from powergames.envs.adapter import GameAdapter

__all__ = ["HISTORY_MODES", "ObservationEncoder", "resolve_history"]

#: Values of the ``history`` argument.
HISTORY_MODES = ("auto", "none", "actions", "counts")


def resolve_history(history: Any, adapter: GameAdapter) -> str:
    """Check ``history`` and resolve ``"auto"`` (counts for a game in count form, else actions).

    Raises:
        ValueError: not one of :data:`HISTORY_MODES`, or ``"counts"`` with unequal action counts.
    """
    if not isinstance(history, str) or history not in HISTORY_MODES:
        raise ValueError(f"history must be one of {HISTORY_MODES}, got {history!r}")
    if history == "auto":
        history = "counts" if adapter.symmetric else "actions"
    if history == "counts" and len(set(adapter.n_actions)) != 1:
        raise ValueError(
            "history='counts' needs the same number of actions for every player, got "
            f"{adapter.n_actions}"
        )
    return history


#: Largest total observation size (agents × entries per agent) an environment is built with.
MAX_OBSERVATION_ENTRIES = 1 << 26


class ObservationEncoder:
    """Builds the observations of every seat of a game environment (see the module docstring).

    Args:
        adapter: the game's adapter.
        seats: the players each agent controls (``(i,)`` for a player, several for a coalition).
        history: a resolved history mode (``"none"``, ``"actions"`` or ``"counts"``).
        joint_types: ``True`` for the coalition type block (joint type of the members), ``False``
            for the padded one-hot of a single player's type.
        agent_indicator: append the ``"agent"`` one-hot block.

    Attributes:
        layouts: one ``{block: slice}`` per seat.
        spaces: one ``Box(0, 1, (D_j,), float32)`` per seat.
        hist_size: entries of the history block (0 without one).
        hist_offsets: shape ``(n,)``: where player ``j``'s one-hot starts in ``"prev_actions"``.
    """

    def __init__(
        self,
        adapter: GameAdapter,
        seats: Sequence[tuple[int, ...]],
        history: str,
        joint_types: bool,
        agent_indicator: bool,
    ) -> None:
        self.adapter = adapter
        self.seats = tuple(seats)
        self.history = history
        self.joint_types = joint_types
        self.agent_indicator = agent_indicator
        ks = adapter.n_actions
        self.hist_size = {"none": 0, "actions": sum(ks), "counts": ks[0]}[history]
        self.hist_offsets = np.concatenate([[0], np.cumsum(ks)[:-1]]).astype(np.int64)
        n_seats = len(self.seats)
        # every agent's observation is a float32 vector and the environment keeps a seat-by-player
        # membership table: refuse, before building anything, an environment whose per-agent
        # state alone would not fit (history, identity and membership all grow with n)
        per_agent = 1 + self.hist_size + (n_seats if agent_indicator else 0) + adapter.n_players
        if n_seats * per_agent > MAX_OBSERVATION_ENTRIES:
            raise ValueError(
                f"{n_seats:,} agents with observations of about {per_agent:,} entries each need "
                f"{n_seats * per_agent:,} floats (> {MAX_OBSERVATION_ENTRIES:,}); use fewer "
                "players, history='none', or the count-form batched environment"
            )
        self.layouts: list[dict[str, slice]] = []
        for seat in self.seats:
            t_size = self.type_block_size(seat)
            layout = {"type": slice(0, t_size), "round": slice(t_size, t_size + 1)}
            end = t_size + 1
            if history != "none":
                layout[f"prev_{history}"] = slice(end, end + self.hist_size)
                end += self.hist_size
            if agent_indicator:
                layout["agent"] = slice(end, end + n_seats)
            self.layouts.append(layout)
        self.spaces = [
            gymnasium.spaces.Box(0.0, 1.0, (self.dim(j),), np.float32) for j in range(n_seats)
        ]

    def dim(self, j: int) -> int:
        """The length of seat ``j``'s observation."""
        return max(s.stop for s in self.layouts[j].values())

    def type_block_size(self, seat: tuple[int, ...]) -> int:
        """Entries of the ``"type"`` block of ``seat``."""
        if self.joint_types:
            return math.prod(self.adapter.n_types[i] for i in seat)
        return self._max_types

    @functools.cached_property
    def _max_types(self) -> int:
        return max(self.adapter.n_types)

    def type_position(self, seat: tuple[int, ...], types: Sequence[int]) -> int:
        """The hot entry of ``seat``'s type block for the type profile ``types``."""
        if not self.joint_types:
            return int(types[seat[0]])
        pos = 0
        for i in seat:
            pos = pos * self.adapter.n_types[i] + int(types[i])
        return pos

    def history_vector(self, joint: tuple[int, ...] | None) -> npt.NDArray[np.float32]:
        """The history block after the joint action ``joint`` (zeros for ``None``: no round yet)."""
        h = np.zeros(self.hist_size, dtype=np.float32)
        if joint is None or self.history == "none":
            return h
        a = np.asarray(joint, dtype=np.int64)
        if self.history == "actions":
            h[self.hist_offsets + a] = 1.0
        else:
            h[:] = np.bincount(a, minlength=self.hist_size) / self.adapter.n_players
        return h

    def history_key(self, idx: int | None, joint: tuple[int, ...]) -> Any:
        """A hashable key that determines the history block (``idx``: the joint action's index)."""
        if self.history == "none":
            return None
        if self.history == "counts":
            counts = [0] * self.hist_size
            for a in joint:
                counts[a] += 1
            return tuple(counts)
        return idx if idx is not None else joint

    def build(
        self, t: int, episode_len: int, joint: tuple[int, ...] | None, types: Sequence[int] | None
    ) -> tuple[npt.NDArray[np.float32], ...]:
        """Every seat's observation before round ``t`` (read-only arrays, one per seat).

        Args:
            t: the round about to be played.
            episode_len: rounds in the episode.
            joint: the previous joint action (``None`` before the first round).
            types: the type profile of round ``t`` (``None`` in a game without per-round types).
        """
        hist = self.history_vector(joint)
        out = []
        for j, (seat, layout) in enumerate(zip(self.seats, self.layouts)):
            v = np.zeros(self.dim(j), dtype=np.float32)
            v[self.type_position(seat, types) if types is not None else 0] = 1.0
            v[layout["round"].start] = t / episode_len
            if self.hist_size:
                v[layout[f"prev_{self.history}"]] = hist
            if self.agent_indicator:
                v[layout["agent"].start + j] = 1.0
            v.setflags(write=False)
            out.append(v)
        return tuple(out)
