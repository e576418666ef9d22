"""A resource gridworld with egocentric observations, simulated directly (MATH.md §5).

The dynamics are those of :func:`powergames.games.gridworld.resource_gridworld`: ``n`` agents on a
grid (a torus by default) move simultaneously with the moves up, down, left, right and stay; walls
block; agents may share cells. Cells marked ``"a"``, ``"b"``, … hold resources of kinds 0, 1, …; a
hidden ``X``, drawn at reset, says which kind is valuable; every step's unit is split equally among
the agents standing on a cell of kind ``X`` (among all agents when none is), from the positions
before the move. Starts are uniform over the joint positions (exchangeable), so no seat is special.
Small sizes therefore have the exact form ``resource_gridworld(layout, n)`` (tests check rollouts
against its exact values); large sizes are simulation-only — this class never builds the
transition array.

Observations are egocentric: a ``(2r + 1) × (2r + 1)`` window centred on the acting agent, with
channels wall, one per resource kind, and the number of *other* agents on each cell (unlabelled,
divided by ``n − 1``), flattened to a ``Box`` in ``[0, 1]``. ``X`` is never observed.
``infos[agent]`` holds ``"round"``, at reset and at every step. Rendering: ``"ansi"`` (text) and
``"rgb_array"`` (an ``(H·c, W·c, 3)`` uint8 image, ``c = 16`` pixels per cell).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import gymnasium
import numpy as np
from pettingzoo import ParallelEnv

from powergames.envs.agent_ids import agent_position
from powergames.envs.seeding import SeededRandom
from powergames.games.checks import check_distribution, check_positive_int
from powergames.games.gridworld import MOVES

_COLOURS = np.array(
    [[230, 230, 230], [60, 60, 60], [240, 200, 80], [120, 190, 240], [170, 230, 140]],
    dtype=np.uint8,
)


class ResourceGridEnv(SeededRandom, ParallelEnv):
    """The resource gridworld (module docstring).

    Args:
        layout: rows of equal length: ``"#"`` wall, ``"."`` empty, letters resource kinds.
        n_agents: how many agents.
        view_radius: ``r``: the window is ``(2r + 1)²`` cells.
        wrap: a torus (default) or a walled grid.
        x_prior: distribution of the hidden kind ``X``; uniform when ``None``.
        max_cycles: episode length (truncation).
        render_mode: ``None``, ``"ansi"`` or ``"rgb_array"``.
    """

    metadata: dict[str, Any] = {
        "name": "resource_grid_v0",
        "render_modes": ["ansi", "rgb_array"],
        "is_parallelizable": True,
    }

    def __init__(
        self,
        layout: Sequence[str] = ("a...", "....", "..b.", "...."),
        n_agents: int = 2,
        view_radius: int = 1,
        wrap: bool = True,
        x_prior: Any = None,
        max_cycles: int = 50,
        render_mode: str | None = None,
    ) -> None:
        rows = tuple(layout)
        if (
            not rows
            or any(not isinstance(r, str) for r in rows)
            or len({len(r) for r in rows}) != 1
        ):
            raise ValueError("layout must be a non-empty sequence of equal-length strings")
        self.layout = rows
        self.n_agents = check_positive_int("n_agents", n_agents)
        self.view_radius = check_positive_int("view_radius", view_radius, minimum=0)
        self.max_cycles = check_positive_int("max_cycles", max_cycles)
        self.wrap = bool(wrap)
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(
                f"render_mode must be None or one of {self.metadata['render_modes']}, got "
                f"{render_mode!r}"
            )
        self.render_mode = render_mode
        h, w = len(rows), len(rows[0])
        self.wall = np.array([[ch == "#" for ch in r] for r in rows])
        kinds = sorted({ch for r in rows for ch in r if ch not in "#."})
        if not kinds:
            raise ValueError("layout must mark at least one resource cell with a letter")
        self.kinds = kinds
        self.kind = np.array([[kinds.index(ch) if ch in kinds else -1 for ch in r] for r in rows])
        self.open_cells = np.argwhere(~self.wall)
        nk = len(kinds)
        self.x_prior = (
            np.full(nk, 1.0 / nk)
            if x_prior is None
            else check_distribution("x_prior", x_prior, (nk,))
        )
        self._moves = np.array(list(MOVES.values()), dtype=np.int64)
        d = 2 * self.view_radius + 1
        self._n_channels = 2 + nk
        self.possible_agents = [f"player_{i}" for i in range(self.n_agents)]
        self.agents: list[str] = []
        self._index = {a: i for i, a in enumerate(self.possible_agents)}
        self._obs_space = gymnasium.spaces.Box(
            0.0, 1.0, shape=(self._n_channels * d * d,), dtype=np.float32
        )
        self._act_space = gymnasium.spaces.Discrete(len(MOVES))
        self.observation_spaces = dict.fromkeys(self.possible_agents, self._obs_space)
        self.action_spaces = dict.fromkeys(self.possible_agents, self._act_space)
        self.positions = np.zeros((self.n_agents, 2), dtype=np.int64)
        self._x = 0
        self._round = 0
        self._shape = (h, w)
        self._static = self._static_windows()

    # ------------------------------------------------------------------ spaces
    def observation_space(self, agent: str) -> gymnasium.spaces.Box:
        """The same flattened egocentric window ``Box`` for every agent."""
        agent_position(self._index, agent)
        return self._obs_space

    def action_space(self, agent: str) -> gymnasium.spaces.Discrete:
        """``Discrete(5)``: up, down, left, right, stay."""
        agent_position(self._index, agent)
        return self._act_space

    # ------------------------------------------------------------------ dynamics
    def shares(self) -> np.ndarray:
        """This step's shares ``(n,)`` at the current positions and hidden ``X``."""
        on = self.kind[self.positions[:, 0], self.positions[:, 1]] == self._x
        count = int(on.sum())
        if count == 0:
            return np.full(self.n_agents, 1.0 / self.n_agents)
        return on / count

    def _static_windows(self) -> np.ndarray:
        """``(h, w, C − 1, d, d)``: the wall and resource channels of the window at every cell
        (outside a walled grid reads as wall), built once."""
        h, w = self._shape
        r = self.view_radius
        base = np.zeros((self._n_channels - 1, h, w), dtype=np.float32)
        base[0] = self.wall
        for k in range(len(self.kinds)):
            base[1 + k] = self.kind == k
        if self.wrap:
            padded = np.pad(base, ((0, 0), (r, r), (r, r)), mode="wrap")
        else:
            padded = np.pad(base, ((0, 0), (r, r), (r, r)))
            padded[0, :r], padded[0, -r or None :] = 1.0, 1.0
            padded[0, :, :r], padded[0, :, -r or None :] = 1.0, 1.0
            if r == 0:
                padded[0] = base[0]
        win = np.lib.stride_tricks.sliding_window_view(padded, (2 * r + 1, 2 * r + 1), axis=(1, 2))
        return np.ascontiguousarray(np.moveaxis(win, 0, 2))  # (h, w, C-1, d, d)

    def _observations(self) -> dict[str, np.ndarray]:
        h, w = self._shape
        r = self.view_radius
        d = 2 * r + 1
        n = self.n_agents
        pos = self.positions
        out = np.empty((n, self._n_channels, d, d), dtype=np.float32)
        out[:, :-1] = self._static[pos[:, 0], pos[:, 1]]
        # other agents: the offset of j from i (wrapped on a torus), counted where within the view
        diff = pos[None, :, :] - pos[:, None, :]  # (i, j, 2)
        if self.wrap:
            diff = (diff + (h // 2, w // 2)) % (h, w) - (h // 2, w // 2)
        seen = np.all(np.abs(diff) <= r, axis=2)
        np.fill_diagonal(seen, False)
        others = np.zeros((n, d, d), dtype=np.float32)
        i_idx, j_idx = np.nonzero(seen)
        if i_idx.size:
            np.add.at(others, (i_idx, diff[i_idx, j_idx, 0] + r, diff[i_idx, j_idx, 1] + r), 1.0)
            if self.wrap and (
                h < d or w < d
            ):  # a small torus: an agent can appear in several cells
                others = self._others_slow(pos)
        elif self.wrap and (h < d or w < d):
            others = self._others_slow(pos)
        out[:, -1] = others / max(1, n - 1)
        flat = out.reshape(n, -1)
        return {a: flat[i] for i, a in enumerate(self.possible_agents)}

    def _others_slow(self, pos: np.ndarray) -> np.ndarray:
        """Other agents per window cell by direct lookup (a torus smaller than the window)."""
        h, w = self._shape
        r = self.view_radius
        d = 2 * r + 1
        occ = np.zeros((h, w), dtype=np.float32)
        np.add.at(occ, (pos[:, 0], pos[:, 1]), 1.0)
        offs = np.arange(-r, r + 1)
        out = np.empty((self.n_agents, d, d), dtype=np.float32)
        for i, (y, x) in enumerate(pos):
            out[i] = occ[(y + offs) % h][:, (x + offs) % w]
            out[i, r, r] -= 1.0
        return out

    def reset(
        self, seed: int | None = None, options: dict | None = None
    ) -> tuple[dict[str, np.ndarray], dict[str, dict]]:
        """Draw the hidden kind ``X`` and uniform, independent starting cells."""
        self._reseed(seed)
        rng = self.np_random
        self._x = int(rng.choice(len(self.kinds), p=self.x_prior))
        self.positions = self.open_cells[rng.integers(len(self.open_cells), size=self.n_agents)]
        self.agents = list(self.possible_agents)
        self._round = 0
        return self._observations(), {a: {"round": 0} for a in self.agents}

    def _parse(self, actions: Mapping[str, Any]) -> np.ndarray:
        if not isinstance(actions, Mapping):
            raise TypeError(f"actions must be a dict agent -> action, got {type(actions).__name__}")
        extra = set(actions) - set(self.agents)
        if extra:
            raise ValueError(f"actions for unknown or finished agent {sorted(extra)[0]!r}")
        out = np.empty(len(self.agents), dtype=np.int64)
        for i, a in enumerate(self.agents):
            if a not in actions:
                raise ValueError(f"missing action for agent {a!r}")
            x = actions[a]
            if isinstance(x, np.ndarray) and x.shape == ():
                x = x.item()
            if isinstance(x, bool) or not isinstance(x, int | np.integer):
                raise TypeError(f"action for agent {a!r} must be an integer, got {x!r}")
            if not 0 <= x < len(MOVES):
                raise ValueError(
                    f"action {x!r} for agent {a!r} is out of range: Discrete({len(MOVES)}) "
                    f"({', '.join(MOVES)})"
                )
            out[i] = x
        return out

    def step(self, actions: Mapping[str, Any]) -> tuple[dict, dict, dict, dict, dict]:
        """Pay this step's shares at the current positions, then move every agent.

        Raises:
            ValueError: an out-of-range, unknown or missing action, or a step after the end.
            TypeError: ``actions`` not a dict or an action not an integer.
        """
        if not self.agents:
            raise ValueError(
                "step() called after the episode ended (or before reset()); call reset()"
            )
        acts = self._parse(actions)
        pay = self.shares()
        h, w = self._shape
        target = self.positions + self._moves[acts]
        if self.wrap:
            target %= (h, w)
            inside = np.ones(self.n_agents, dtype=bool)
        else:
            inside = (
                (target[:, 0] >= 0) & (target[:, 0] < h) & (target[:, 1] >= 0) & (target[:, 1] < w)
            )
        clipped = np.where(inside[:, None], target, self.positions)
        blocked = self.wall[clipped[:, 0], clipped[:, 1]]
        self.positions = np.where((inside & ~blocked)[:, None], clipped, self.positions)
        self._round += 1
        agents = list(self.agents)
        done = self._round >= self.max_cycles
        rewards = {a: float(pay[i]) for i, a in enumerate(agents)}
        infos = {a: {"round": self._round} for a in agents}
        obs = self._observations()
        terms = dict.fromkeys(agents, False)
        truncs = dict.fromkeys(agents, done)
        if done:
            self.agents = []
        return obs, rewards, terms, truncs, infos

    # ------------------------------------------------------------------ rendering
    def _text(self) -> str:
        grid = [list(r) for r in self.layout]
        for i, (y, x) in enumerate(self.positions):
            grid[y][x] = str(i % 10)
        return f"round {self._round}/{self.max_cycles}\n" + "\n".join("".join(r) for r in grid)

    def _image(self, cell: int = 16) -> np.ndarray:
        h, w = self._shape
        img = np.empty((h, w, 3), dtype=np.uint8)
        img[:] = _COLOURS[0]
        img[self.wall] = _COLOURS[1]
        for k in range(len(self.kinds)):
            img[self.kind == k] = _COLOURS[2 + k % 3]
        img = np.kron(img, np.ones((cell, cell, 1), dtype=np.uint8))
        q = cell // 4
        for y, x in self.positions:
            img[y * cell + q : (y + 1) * cell - q, x * cell + q : (x + 1) * cell - q] = (
                200,
                40,
                40,
            )
        return img

    def render(self) -> str | np.ndarray | None:
        """``"ansi"``: the grid as text (agents as digits); ``"rgb_array"``: an image."""
        if self.render_mode is None:
            gymnasium.logger.warn("render() called without a render_mode")
            return None
        if self.render_mode == "ansi":
            return self._text()
        return self._image()

    def close(self) -> None:
        """Nothing to release."""


__all__ = ["ResourceGridEnv"]
