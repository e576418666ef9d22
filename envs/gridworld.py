"""A resource gridworld with egocentric observations, simulated directly (MATH.md §5).

The dynamics are those of :func:`powergames.games.gridworld.resource_gridworld`: ``n`` agents on a
grid (a torus by default) move simultaneously with the moves up, down, left, right and stay; walls
block; agents may share cells. Cells marked ``"a"``, ``"b"``, … hold resources of kinds 0, 1, …; a
hidden ``X``, drawn at reset, says which kind is valuable; every step's unit is split equally among
the agents standing on a cell of kind ``X`` (among all agents when none is), from the positions
before the move. Starts are uniform over the joint positions (exchangeable), so no seat is special.
Small sizes therefore have the exact form ``resource_gridworld(layout, n)`` (tests check rollouts
against its exact values); large sizes are simulation-only — this class never builds the
transition array. Registered as ``"powergames/resource-grid-v0"``.

Observations are egocentric, flat ``float32`` in ``Box(0, 1, (D,))`` with
``D = (K + 2)·d² + 2`` (``d = 2r + 1``, ``K`` kinds); :meth:`ResourceGridEnv.observation_layout`
names the blocks: the ``d × d`` window centred on the acting agent, channel by channel (``"wall"``,
``"resource_<letter>"`` per kind, ``"others"``: the number of *other* agents on each cell,
unlabelled, divided by ``n − 1``), then ``"type"`` (one entry, 1: every agent has the one type) and
``"round"`` (the round about to be played over ``max_cycles``; a Markov learner ignores it). ``X``
is never observed. ``infos[agent]`` holds ``"round"`` (the round just played, 0 at reset) and
``"joint_action"`` (a tuple of ints; ``(-1,)·n`` at reset), at reset and at every step alike.
Rendering: ``"ansi"`` (text), ``"human"`` (that text printed after every step) and
``"rgb_array"`` (an ``(H·c, W·c, 3)`` uint8 image, ``c = 16`` pixels per cell).

A step is a few table look-ups (:mod:`powergames.envs.gridworld_tables`): moves and shares in plain
Python over the agents, the static part of every window in one NumPy ``take`` of precomputed rows,
and the other-agents channel from a pair table (one look-up per pair of agents, grids of up to
``MAX_PAIR_CELLS`` cells) or, on larger grids, one NumPy gather of occupancy counts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import gymnasium
import numpy as np
from pettingzoo import ParallelEnv

from powergames.envs.agent_ids import agent_position
from powergames.envs.gridworld_tables import DEFAULT_LAYOUT, GridTables
from powergames.envs.seeding import SeededRandom
from powergames.games.checks import check_positive_int
from powergames.games.gridworld import MOVES, GridWorld, resource_gridworld
from powergames.games.stochastic import StochasticUnitSumGame

__all__ = ["ResourceGridEnv"]

_COLOURS = np.array(
    [[230, 230, 230], [60, 60, 60], [240, 200, 80], [120, 190, 240], [170, 230, 140]],
    dtype=np.uint8,
)
_MOVE_NAMES = tuple(MOVES)
_N_MOVES = len(MOVES)


class ResourceGridEnv(SeededRandom, ParallelEnv):
    """The resource gridworld (module docstring).

    Args:
        layout: rows of equal length (a list of strings): ``"#"`` wall, ``"."`` empty, letters
            resource kinds.
        n_agents: how many agents.
        view_radius: ``r``: the window is ``(2r + 1)²`` cells.
        wrap: a torus (default) or a walled grid.
        x_prior: distribution of the hidden kind ``X``; uniform when ``None``.
        max_cycles: episode length (truncation).
        render_mode: ``None``, ``"ansi"``, ``"human"`` or ``"rgb_array"``.

    Raises:
        ValueError, TypeError: a bad argument, named in the message.
    """

    metadata: dict[str, Any] = {
        "name": "resource_grid_v0",
        "render_modes": ["ansi", "human", "rgb_array"],
        "is_parallelizable": True,
    }

    def __init__(
        self,
        layout: Sequence[str] = DEFAULT_LAYOUT,
        n_agents: int = 2,
        view_radius: int = 1,
        wrap: bool = True,
        x_prior: Any = None,
        max_cycles: int = 50,
        render_mode: str | None = None,
    ) -> None:
        t = self.tables = GridTables(layout, n_agents, view_radius, wrap, x_prior)
        self.max_cycles = check_positive_int("max_cycles", max_cycles)
        modes = self.metadata["render_modes"]
        if render_mode is not None and (
            not isinstance(render_mode, str) or render_mode not in modes
        ):
            raise ValueError(f"render_mode must be None or one of {modes}, got {render_mode!r}")
        self.render_mode = render_mode
        self.layout, self.n_agents, self.view_radius, self.wrap = (
            t.layout,
            t.n_agents,
            t.view_radius,
            t.wrap,
        )
        self.kinds, self.kind, self.wall, self.x_prior = t.kinds, t.kind, t.wall, t.x_prior
        self.open_cells = t.open_cells
        self._shape = t.shape
        self._n_channels = t.n_channels
        self.possible_agents = [f"player_{i}" for i in range(self.n_agents)]
        self.agents: list[str] = []
        self._index = {a: i for i, a in enumerate(self.possible_agents)}
        self._obs_space = gymnasium.spaces.Box(0.0, 1.0, shape=(t.size,), dtype=np.float32)
        self._act_space = gymnasium.spaces.Discrete(_N_MOVES)
        self.observation_spaces = dict.fromkeys(self.possible_agents, self._obs_space)
        self.action_spaces = dict.fromkeys(self.possible_agents, self._act_space)
        self._layout = t.layout_slices()
        self._cells: list[int] = [int(t.open_flat[0])] * self.n_agents
        self._x = 0
        self._round = 0
        self._no_action = (-1,) * self.n_agents
        self._last: tuple[int, ...] = self._no_action
        self._last_rewards: list[float] = [0.0] * self.n_agents
        self._all_false = dict.fromkeys(self.possible_agents, False)
        self._all_true = dict.fromkeys(self.possible_agents, True)

    # ------------------------------------------------------------------ spaces
    def observation_space(self, agent: str) -> gymnasium.spaces.Box:
        """The same flattened egocentric ``Box`` for every agent."""
        agent_position(self._index, agent)
        return self._obs_space

    def action_space(self, agent: str) -> gymnasium.spaces.Discrete:
        """``Discrete(5)``: up, down, left, right, stay."""
        agent_position(self._index, agent)
        return self._act_space

    def observation_layout(self, agent: str) -> dict[str, slice]:
        """Block name → slice of ``agent``'s observation (module docstring; the same for all)."""
        agent_position(self._index, agent)
        return dict(self._layout)

    # ------------------------------------------------------------------ state
    @property
    def positions(self) -> np.ndarray:
        """``(n, 2)`` ``(row, col)`` of every agent (a copy; assign to move the agents)."""
        return self.tables.positions_of(self._cells)

    @positions.setter
    def positions(self, value: Any) -> None:
        p = np.asarray(value)
        if p.shape != (self.n_agents, 2) or p.dtype.kind not in "iu":
            raise ValueError(
                f"positions must be integers of shape ({self.n_agents}, 2), got {p.shape}"
            )
        h, w = self._shape
        cells = self.tables.cells_of(np.clip(p, 0, (h - 1, w - 1)))
        if np.any((p < 0) | (p >= (h, w))) or self.wall.ravel()[cells].any():
            raise ValueError(f"positions must be open cells of the {h}×{w} grid, got {p.tolist()}")
        self._cells = [int(c) for c in cells]

    def exact_form(
        self, discount: float | None = None, horizon: int | None = None
    ) -> tuple[GridWorld, StochasticUnitSumGame]:
        """The exact ``(grid, game)`` of these dynamics (:func:`resource_gridworld`; small sizes:
        it allocates ``S = C^n`` joint states), over ``max_cycles`` steps unless a ``discount`` or
        another ``horizon`` is given. :meth:`state_index` is the current joint state in it."""
        if discount is None and horizon is None:
            horizon = self.max_cycles
        return resource_gridworld(
            self.layout, self.n_agents, discount=discount, horizon=horizon,
            x_prior=self.x_prior, wrap=self.wrap,
        )  # fmt: skip

    def state_index(self) -> int:
        """The current joint state's index in :meth:`exact_form`'s game (open cells in reading
        order, agents in seat order, C order: ``Σ_i cell_i · C^(n−1−i)``)."""
        rank = {int(c): i for i, c in enumerate(self.tables.open_flat)}
        out = 0
        for c in self._cells:
            out = out * len(rank) + rank[c]
        return out

    def shares(self) -> np.ndarray:
        """This step's shares ``(n,)`` at the current positions and hidden ``X``."""
        return np.array(self._pay(self._cells))

    def _pay(self, cells: list[int]) -> list[float]:
        """The shares (MATH.md §5's ``s_i(x, s)``): ``1/m`` to each of the ``m`` agents on a cell
        of kind ``X``, ``1/n`` to all when ``m = 0``."""
        on = self.tables.on_kind[self._x]
        hit = [on[c] for c in cells]
        m = hit.count(True)
        if m == 0:
            return [1.0 / self.n_agents] * self.n_agents
        v = 1.0 / m
        return [v if h else 0.0 for h in hit]

    def _observations(self) -> dict[str, np.ndarray]:
        """One fresh ``(D,)`` row per agent (rows of one new ``(n, D)`` array)."""
        t = self.tables
        cells = self._cells
        if t.pairs:
            out = t.base.take(cells, axis=0)  # (n, D), a fresh copy
            flat = out.ravel()  # a view
            rel, size, mirror = t.rel, t.size, t.mirror
            centre = t.others.start + t.centre
            hits: list[int] = []  # flat indices of "one other agent here", with repeats
            at, now = size - 1, self._round / self.max_cycles
            for i, c in enumerate(cells):  # each pair once: j sees i at the mirrored spot
                flat[at] = now  # the "round" entry, last of the row
                at -= size - 1
                row = rel[c]
                at2 = at
                for c2 in cells[i + 1 :]:
                    at2 += size
                    k = row[c2]
                    if k > 0:
                        hits += (at + k, at2 + mirror - k)
                    elif k:  # the same cell: each sees the other at the centre
                        hits += (at + centre, at2 + centre)
                at += 2 * size - 1
            if len(set(hits)) == len(hits):
                one = 1.0 / t.norm
                for k in hits:
                    flat[k] = one
            else:
                counts: dict[int, int] = {}
                for k in hits:
                    counts[k] = counts.get(k, 0) + 1
                for k, m in counts.items():
                    flat[k] = m / t.norm
        else:
            arr = np.array(cells)
            out = t.base[arr]
            win = t.window[arr]  # (n, d²)
            seen = np.bincount(arr, minlength=len(t.kind_of) + 1)[win]
            if t.self_images:
                seen -= win == arr[:, None]
            else:
                seen[:, t.centre] -= 1
            out[:, t.others] = seen / t.norm
            out[:, -1] = self._round / self.max_cycles
        return dict(zip(self.possible_agents, out))

    # ------------------------------------------------------------------ episode
    def reset(
        self, seed: int | None = None, options: dict | None = None
    ) -> tuple[dict[str, np.ndarray], dict[str, dict]]:
        """Draw the hidden kind ``X`` and uniform, independent starting cells."""
        self._reseed(seed)
        rng = self.np_random
        t = self.tables
        self._x = int(rng.choice(len(self.kinds), p=self.x_prior))
        self._cells = t.open_flat[rng.integers(len(t.open_flat), size=self.n_agents)].tolist()
        self.agents = list(self.possible_agents)
        self._round = 0
        self._last = self._no_action
        return self._observations(), {
            a: {"round": 0, "joint_action": self._no_action} for a in self.agents
        }

    def _parse(self, actions: Mapping[str, Any]) -> list[int]:
        """The actions in agent order, every one checked (``step``'s fast path takes a dict of
        in-range Python ints without this call)."""
        if not isinstance(actions, Mapping):
            raise TypeError(f"actions must be a dict agent -> action, got {type(actions).__name__}")
        extra = set(actions) - set(self.agents)
        if extra:
            raise ValueError(f"actions for unknown or finished agent {sorted(extra, key=str)[0]!r}")
        out = []
        for a in self.agents:
            if a not in actions:
                raise ValueError(f"missing action for agent {a!r}")
            x = actions[a]
            if isinstance(x, np.ndarray) and x.shape == ():
                x = x.item()
            if isinstance(x, bool) or not isinstance(x, int | np.integer):
                raise TypeError(f"action for agent {a!r} must be an integer, got {x!r}")
            if not 0 <= x < _N_MOVES:
                raise ValueError(
                    f"action {x!r} for agent {a!r} is out of range: Discrete({_N_MOVES}) "
                    f"({', '.join(MOVES)})"
                )
            out.append(int(x))
        return out

    def step(self, actions: Mapping[str, Any]) -> tuple[dict, dict, dict, dict, dict]:
        """Pay this step's shares at the current positions, then move every agent.

        Raises:
            ValueError: an out-of-range, unknown or missing action, or a step after the end.
            TypeError: ``actions`` not a dict or an action not an integer.
        """
        agents = self.agents
        if not agents:
            raise ValueError(
                "step() called after the episode ended (or before reset()); call reset()"
            )
        if type(actions) is dict and len(actions) == len(agents):  # the fast path: Python ints
            try:
                acts = [actions[a] for a in agents]
            except KeyError:
                acts = self._parse(actions)
            else:
                for x in acts:
                    if type(x) is not int or not 0 <= x < _N_MOVES:
                        acts = self._parse(actions)
                        break
        else:
            acts = self._parse(actions)
        cells = self._cells
        on = self.tables.on_kind[self._x]
        hit = [on[c] for c in cells]
        m = hit.count(True)  # the shares, as _pay (MATH.md §5)
        if m:
            v = 1.0 / m
            pay = [v if h else 0.0 for h in hit]
        else:
            pay = [1.0 / self.n_agents] * self.n_agents
        nxt = self.tables.next_cell
        self._cells = [nxt[c][a] for c, a in zip(cells, acts)]
        joint = tuple(acts)
        played = self._round
        self._round = played + 1
        self._last, self._last_rewards = joint, pay
        done = self._round >= self.max_cycles
        obs = self._observations()
        rewards = dict(zip(agents, pay))
        terms = self._all_false.copy()  # every agent is in play until the episode ends
        truncs = self._all_true.copy() if done else self._all_false.copy()
        infos = {a: {"round": played, "joint_action": joint} for a in agents}
        if done:
            self.agents = []
        if self.render_mode == "human":
            print(self._text())
        return obs, rewards, terms, truncs, infos

    # ------------------------------------------------------------------ rendering
    def _text(self) -> str:
        """The round, the hidden ``X``, the grid (agents as digits) and the last round's moves."""
        grid = [list(r) for r in self.layout]
        pos = self.positions
        for i, (y, x) in enumerate(pos):
            grid[y][x] = str(i % 10)
        head = f"resource_grid: round {self._round}/{self.max_cycles}, X = {self.kinds[self._x]}"
        lines = [head, *("".join(r) for r in grid)]
        if self._round == 0:
            lines.append("  no actions yet")
        else:
            for i, a in enumerate(self.possible_agents):
                move, r = _MOVE_NAMES[self._last[i]], self._last_rewards[i]
                lines.append(f"  {a}: {move:<5} → {tuple(int(v) for v in pos[i])}  reward {r:+.4f}")
        return "\n".join(lines)

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
        """``"ansi"``: the grid as text (agents as digits); ``"human"``: that text printed;
        ``"rgb_array"``: an ``(H·16, W·16, 3)`` uint8 image."""
        if self.render_mode is None:
            gymnasium.logger.warn("render() called without a render_mode")
            return None
        if self.render_mode == "rgb_array":
            return self._image()
        if self.render_mode == "human":
            print(self._text())
            return None
        return self._text()

    def close(self) -> None:
        """Nothing to release."""
