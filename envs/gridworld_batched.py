"""Many copies of the resource gridworld stepped at once in NumPy (rollouts; MATH.md §5).

:class:`BatchedResourceGrid` has the semantics of :class:`powergames.envs.gridworld.ResourceGridEnv`
(same shares, moves and egocentric windows; agent ``i``'s observation in copy ``b`` is
``obs[b, i]``) with arrays in and out, like :class:`powergames.envs.batched.BatchedGameEnv`:

* ``reset(seed) -> (obs (B, n, D) float32, info)`` (``D`` and the blocks as the single env's);
* ``step(actions (B, n) int) -> (obs, rewards (B, n), terminated (B,), truncated (B,), info)``.

``info`` holds ``"round"``. Copies run in lock-step (``max_cycles`` steps per episode); with
``autoreset`` (the default) the step that ends the episodes starts new ones and puts the final
observations in ``info["final_observation"]``. The hidden ``X`` of each copy is never returned.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from powergames.envs.gridworld import ResourceGridEnv
from powergames.envs.gridworld_tables import DEFAULT_LAYOUT, N_MOVES
from powergames.envs.seeding import SeededRandom
from powergames.games.checks import check_positive_int

__all__ = ["BatchedResourceGrid"]


class BatchedResourceGrid(SeededRandom):
    """``n_envs`` copies of :class:`~powergames.envs.gridworld.ResourceGridEnv`, stepped together.

    Args:
        layout, n_agents, view_radius, wrap, x_prior, max_cycles: as for ``ResourceGridEnv``.
        n_envs: the number of copies ``B``.
        autoreset: start new episodes automatically when the current ones end.
    """

    def __init__(
        self,
        layout: Sequence[str] = DEFAULT_LAYOUT,
        n_agents: int = 2,
        n_envs: int = 64,
        view_radius: int = 1,
        wrap: bool = True,
        x_prior: Any = None,
        max_cycles: int = 50,
        autoreset: bool = True,
    ) -> None:
        self.single = ResourceGridEnv(layout, n_agents, view_radius, wrap, x_prior, max_cycles)
        self.n_envs = check_positive_int("n_envs", n_envs)
        self.n_agents = self.single.n_agents
        self.max_cycles = self.single.max_cycles
        if not isinstance(autoreset, bool):
            raise TypeError(f"autoreset must be True or False, got {autoreset!r}")
        self.autoreset = autoreset
        self.tables = self.single.tables
        self._cells = np.zeros((self.n_envs, self.n_agents), dtype=np.int64)  # flat cells
        self._x = np.zeros(self.n_envs, dtype=np.int64)
        self._round = 0
        # copy b's cells are counted in bins [b·(H·W + 1), (b + 1)·(H·W + 1)): one bincount
        self._bins = len(self.tables.kind_of) + 1
        self._offset = (np.arange(self.n_envs) * self._bins)[:, None, None]

    @property
    def observation_shape(self) -> tuple[int, int, int]:
        """``(B, n, D)``."""
        return (self.n_envs, self.n_agents, self.tables.size)

    @property
    def positions(self) -> np.ndarray:
        """``(B, n, 2)`` ``(row, col)`` of every agent of every copy (a copy)."""
        return self.tables.positions_of(self._cells)

    def _draw(self) -> None:
        t = self.tables
        rng = self.np_random
        self._x = rng.choice(len(t.kinds), size=self.n_envs, p=t.x_prior)
        self._cells = t.open_flat[rng.integers(len(t.open_flat), size=(self.n_envs, self.n_agents))]
        self._round = 0

    def _observe(self) -> np.ndarray:
        """``(B, n, D)``: every agent's egocentric observation (as the single env's)."""
        t = self.tables
        cells = self._cells
        out = t.base[cells]  # (B, n, D)
        win = t.window[cells]  # (B, n, d²)
        counts = np.bincount(
            cells.ravel() + np.repeat(self._offset.ravel(), self.n_agents),
            minlength=self.n_envs * self._bins,
        )
        seen = counts[win + self._offset]
        if t.self_images:
            seen -= win == cells[..., None]
        else:
            seen[..., t.centre] -= 1
        out[..., t.others] = seen / t.norm
        out[..., -1] = self._round / self.max_cycles
        return out

    def _shares(self) -> np.ndarray:
        """``(B, n)``: this step's shares in every copy (MATH.md §5)."""
        on = self.tables.kind_flat[self._cells] == self._x[:, None]
        count = on.sum(axis=1, keepdims=True)
        return np.where(count > 0, on / np.maximum(count, 1), 1.0 / self.n_agents)

    def reset(self, seed: int | None = None) -> tuple[np.ndarray, dict[str, Any]]:
        """Start ``B`` new episodes."""
        self._reseed(seed)
        self._draw()
        return self._observe(), {"round": 0}

    def step(
        self, actions: Any
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Pay the shares at the current positions, then move every agent of every copy.

        Raises:
            ValueError: ``actions`` not of shape ``(B, n)`` or out of range.
        """
        a = np.asarray(actions)
        if a.shape != (self.n_envs, self.n_agents) or a.dtype.kind not in "iu":
            raise ValueError(
                f"actions must be an integer array of shape {(self.n_envs, self.n_agents)}, got "
                f"{a.shape} of {a.dtype}"
            )
        if a.min() < 0 or a.max() >= N_MOVES:
            raise ValueError(f"actions must be in [0, {N_MOVES})")
        pay = self._shares()
        self._cells = self.tables.next_array[self._cells, a]
        self._round += 1
        done = self._round >= self.max_cycles
        obs = self._observe()
        info: dict[str, Any] = {"round": self._round}
        terminated = np.zeros(self.n_envs, dtype=bool)
        truncated = np.full(self.n_envs, done)
        if done and self.autoreset:
            info["final_observation"] = obs
            self._draw()
            obs = self._observe()
        return obs, pay, terminated, truncated, info
