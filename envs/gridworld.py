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

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from typing import Any

import gymnasium
import numpy as np
from pettingzoo import ParallelEnv

from powergames.envs.agent_ids import agent_position
from powergames.envs.gridworld_observer import pair_observer
from powergames.envs.gridworld_tables import DEFAULT_LAYOUT, GridTables
from powergames.envs.per_agent import copies_of_one
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
_PAID_MAX = 4096  # patterns of agents on kind X kept per X


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

    # tables derived from the build (left as built when a snapshot is restored)
    __snapshot_exclude__ = ("_by_x", "_next", "_infos", "_fast")

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
        self._max_cycles = check_positive_int("max_cycles", max_cycles)
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
        self._one = 1.0 / t.norm
        cdf = np.cumsum(self.x_prior)
        self._x_cdf: list[float] = (cdf / cdf[-1]).tolist()
        self._derived()

    def _derived(self) -> None:
        """The step's look-up tables derived from the build (``__snapshot_exclude__``)."""
        t = self.tables
        self._next = t.next_cell
        # per X: whether each cell is of kind X, and the shares and rewards dict of each pattern
        # of agents standing on kind X (filled as met: 2^n patterns at most)
        self._by_x: list[tuple[list[bool], dict[tuple[bool, ...], Any]]] = [
            (on, {}) for on in t.on_kind
        ]
        self._infos = copies_of_one(self.possible_agents)  # info -> {agent: its own copy}
        # grids with a pair table: the observations from one generated function
        # (envs/gridworld_observer.py: cells as bits, each cell's window one int)
        self._fast: tuple[Any, ...] | None = None
        if t.pairs:
            bits = [1 << c for c in range(len(t.rel))]
            spot_of = [{bits[c2]: k for c2, k in enumerate(row) if k > 0} for row in t.rel]
            view = [sum(spots) for spots in spot_of]
            observe = pair_observer(
                self.possible_agents, list(t.base), bits, view, spot_of, self._one
            )
            self._fast = (bits, view, spot_of, observe)

    @property
    def max_cycles(self) -> int:
        """The episode length (truncation); may be set between episodes (PettingZoo's API test
        does)."""
        return self._max_cycles

    @max_cycles.setter
    def max_cycles(self, value: int) -> None:
        self._max_cycles = check_positive_int("max_cycles", value)
        self._derived()

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
        """One fresh ``(D,)`` row per agent."""
        if self._fast is not None:
            return self._pair_rows(self._round, self._cells)
        t = self.tables
        cells = self._cells
        out = t.base.take(cells, axis=0)  # (n, D), a fresh copy
        out[:, -1] = self._round / self._max_cycles
        if t.pairs:
            flat = out.ravel()  # a view
            rel, size, mirror = t.rel, t.size, t.mirror
            centre = t.others.start + t.centre
            hits: list[int] = []  # flat indices of "one other agent here", with repeats
            at = 0
            for i, c in enumerate(cells):  # each pair once: j sees i at the mirrored spot
                row = rel[c]
                at2 = at
                for c2 in cells[i + 1 :]:
                    at2 += size
                    k = row[c2]
                    if k:  # most pairs are out of view: one test for them
                        if k > 0:
                            hits += (at + k, at2 + mirror - k)
                        else:  # the same cell: each sees the other at the centre
                            hits += (at + centre, at2 + centre)
                at += size
            if hits:
                self._others(flat, hits, self._one)
        else:
            arr = np.array(cells)
            win = t.window[arr]  # (n, d²)
            seen = np.bincount(arr, minlength=len(t.kind_of) + 1)[win]
            if t.self_images:
                seen -= win == arr[:, None]
            else:
                seen[:, t.centre] -= 1
            out[:, t.others] = seen / t.norm
        return dict(zip(self.possible_agents, out))

    def _pair_rows(self, now: int, cells: list[int]) -> dict[str, np.ndarray]:
        """The observations at round ``now`` on a grid with a pair table (``_crowded`` writes
        the other-agents channel when two agents share a cell)."""
        obs, distinct = self._fast[3](cells, now / self._max_cycles)  # type: ignore[index]
        return obs if distinct else self._crowded(obs, cells)

    def _crowded(self, obs: dict[str, np.ndarray], cells: list[int]) -> dict[str, np.ndarray]:
        """The other-agents channel written into ``obs`` when some agents share a cell: at each
        spot, how many others stand there over ``n − 1`` (at the centre, those on one's own
        cell)."""
        bits, view, spot_of, _ = self._fast  # type: ignore[misc]
        t = self.tables
        centre, norm = t.others.start + t.centre, t.norm
        count: dict[int, int] = {}
        for c in cells:
            count[c] = count.get(c, 0) + 1
        occupied = sum(map(bits.__getitem__, count))
        for row, c in zip(obs.values(), cells):
            here = count[c] - 1
            if here:
                row[centre] = here / norm
            seen = view[c] & occupied
            if seen:
                spots = spot_of[c]
                while seen:
                    b = seen & -seen
                    row[spots[b]] = count[b.bit_length() - 1] / norm
                    seen ^= b
        return obs

    def _others(self, flat: np.ndarray, hits: list[int], one: float) -> None:
        """Write the other-agents channel: ``flat[k]`` = (how often ``k`` is in ``hits``) / ``(n − 1)``."""
        if len(set(hits)) == len(hits):
            for k in hits:
                flat[k] = one
        else:
            counts: dict[int, int] = {}
            for k in hits:
                counts[k] = counts.get(k, 0) + 1
            norm = self.tables.norm
            for k, m in counts.items():
                flat[k] = m / norm

    # ------------------------------------------------------------------ episode
    def reset(
        self, seed: int | None = None, options: dict | None = None
    ) -> tuple[dict[str, np.ndarray], dict[str, dict]]:
        """Draw the hidden kind ``X`` and uniform, independent starting cells."""
        self._reseed(seed)
        rng = self.np_random
        t = self.tables
        # X as ``rng.choice(K, p=x_prior)`` draws it (one uniform against the normalised CDF:
        # the same stream and the same X), without its per-call checks
        self._x = bisect_right(self._x_cdf, rng.random())
        self._cells = t.open_flat[rng.integers(len(t.open_flat), size=self.n_agents)].tolist()
        self.agents = list(self.possible_agents)
        self._round = 0
        self._last = self._no_action
        return self._observations(), self._infos({"round": 0, "joint_action": self._no_action})

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
        on, paid = self._by_x[self._x]
        hit = tuple([on[c] for c in cells])
        pay, rewards = paid.get(hit) or self._pays(paid, hit)  # the shares (MATH.md §5)
        nxt = self._next
        cells = self._cells = [nxt[c][a] for c, a in zip(cells, acts)]
        joint = tuple(acts)
        played = self._round
        now = self._round = played + 1
        self._last, self._last_rewards = joint, pay
        fast = self._fast
        if fast is None:
            obs = self._observations()
        else:
            obs, distinct = fast[3](cells, now / self._max_cycles)
            if not distinct:
                obs = self._crowded(obs, cells)
        info = {"round": played, "joint_action": joint}
        if now >= self._max_cycles:
            self.agents = []
            truncs = self._all_true.copy()
        else:
            truncs = self._all_false.copy()
        result = obs, rewards.copy(), self._all_false.copy(), truncs, self._infos(info)
        if self.render_mode == "human":
            print(self._text())
        return result

    def _pays(
        self, paid: dict[tuple[bool, ...], Any], hit: tuple[bool, ...]
    ) -> tuple[list[float], dict[str, float]]:
        """The shares when the agents marked in ``hit`` stand on a cell of kind ``X``, as
        :meth:`_pay`, and their rewards dict (kept in ``paid``; every step hands out a copy)."""
        m = hit.count(True)
        if m == 0:
            pay = [1.0 / self.n_agents] * self.n_agents
        else:
            v = 1.0 / m
            pay = [v if h else 0.0 for h in hit]
        if len(paid) >= _PAID_MAX:  # many agents: keep the memory bounded
            paid.clear()
        out = paid[hit] = (pay, dict(zip(self.possible_agents, pay)))
        return out

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

    # ------------------------------------------------------------------ pickling
    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        for derived in self.__snapshot_exclude__:  # rebuilt by __setstate__
            del state[derived]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._derived()
