"""Many copies of the resource gridworld stepped at once in NumPy (rollouts; MATH.md §5).

:class:`BatchedResourceGrid` has the semantics of :class:`powergames.envs.gridworld.ResourceGridEnv`
(same shares, moves and egocentric windows; agent ``i``'s observation in copy ``b`` is
``obs[b, i]``) with arrays in and out, like :class:`powergames.envs.batched.BatchedGameEnv`:

* ``reset(seed) -> (obs (B, n, D) float32, info)``;
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
        layout: Sequence[str] = ("a...", "....", "..b.", "...."),
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
        self.autoreset = bool(autoreset)
        s = self.single
        h, w = s._shape
        r = s.view_radius
        self._offs = np.arange(-r, r + 1)
        self.positions = np.zeros((self.n_envs, self.n_agents, 2), dtype=np.int64)
        self._x = np.zeros(self.n_envs, dtype=np.int64)
        self._round = 0
        self._h, self._w, self._r = h, w, r

    @property
    def observation_shape(self) -> tuple[int, int, int]:
        """``(B, n, D)``."""
        return (self.n_envs, self.n_agents, int(self.single._obs_space.shape[0]))

    def _draw(self) -> None:
        s = self.single
        rng = self.np_random
        self._x = rng.choice(len(s.kinds), size=self.n_envs, p=s.x_prior)
        cells = rng.integers(len(s.open_cells), size=(self.n_envs, self.n_agents))
        self.positions = s.open_cells[cells]
        self._round = 0

    def _observe(self) -> np.ndarray:
        s = self.single
        B, n = self.n_envs, self.n_agents
        h, w, r = self._h, self._w, self._r
        d = 2 * r + 1
        y, x = self.positions[..., 0], self.positions[..., 1]
        out = np.empty((B, n, s._n_channels, d, d), dtype=np.float32)
        out[:, :, :-1] = s._static[y, x]
        occ = np.zeros((B, h + 2 * r, w + 2 * r), dtype=np.float32)
        b_idx = np.repeat(np.arange(B), n)
        np.add.at(occ, (b_idx, y.ravel() + r, x.ravel() + r), 1.0)
        if s.wrap and r:
            # fold the padded border onto the torus: cell (y, x) is seen at every (y ± k h, x ± k w)
            core = occ[:, r : r + h, r : r + w]
            occ = core[:, (np.arange(-r, h + r) % h)][:, :, (np.arange(-r, w + r) % w)]
        ys = (y[..., None] + self._offs + r)[..., :, None]  # (B, n, d, 1)
        xs = (x[..., None] + self._offs + r)[..., None, :]  # (B, n, 1, d)
        others = occ[np.arange(B)[:, None, None, None], ys, xs]
        others[:, :, r, r] -= 1.0
        out[:, :, -1] = others / max(1, n - 1)
        return out.reshape(B, n, -1)

    def _shares(self) -> np.ndarray:
        s = self.single
        on = s.kind[self.positions[..., 0], self.positions[..., 1]] == self._x[:, None]
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
        if a.min() < 0 or a.max() >= len(self.single._moves):
            raise ValueError(f"actions must be in [0, {len(self.single._moves)})")
        s = self.single
        pay = self._shares()
        h, w = self._h, self._w
        target = self.positions + s._moves[a]
        if s.wrap:
            target %= (h, w)
            inside = np.ones(target.shape[:2], dtype=bool)
        else:
            inside = (
                (target[..., 0] >= 0)
                & (target[..., 0] < h)
                & (target[..., 1] >= 0)
                & (target[..., 1] < w)
            )
        clipped = np.where(inside[..., None], target, self.positions)
        blocked = s.wall[clipped[..., 0], clipped[..., 1]]
        self.positions = np.where((inside & ~blocked)[..., None], clipped, self.positions)
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
