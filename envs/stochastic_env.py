"""A PettingZoo ``ParallelEnv`` for any stochastic game (MATH.md §5).

At ``reset`` the type profile is drawn from the game's prior (or every player's state-reward
function from its sampler), the hidden ``X`` of a unit-sum game from its prior, and the first
state from ``μ_0``. Each step every agent sends an action, receives ``r_i(t_i, s, a)`` (a unit-sum
game: its share ``s_i(x, s, a)``) and the next state is drawn from ``P(· | s, a)``.

Observations: the state (one-hot, or its index with ``observation="index"``), the agent's own
type (one-hot; for a sampler, its state-reward vector) and, one-hot only, the round about to be
played over the episode length; :meth:`StochasticGameEnv.observation_layout` names the blocks
(``"state"``, ``"type"``, ``"round"``), so a Markov learner reads ``(state, type)`` and ignores
the round. With finite types the one-hot observation also holds a ``"markov"`` block, the
one-hot pair ``(type, state)`` at index ``t · S + s``: the context a tabular Markov learner keys
its strategy by (``σ_i(· | t_i, s)``, MATH.md §5). The hidden ``X`` and the others' types are
never observed; they are in no observation and no info. ``infos[agent]`` holds ``"round"``,
``"state"`` and ``"joint_action"`` of the round just played (at reset: round 0, the initial state
and ``(-1,)*n``), at reset and at every step alike, as in the other environments.

Episodes last the game's horizon ``H``, or ``max_cycles`` steps (truncation) for a discounted game;
the discount is the learner's business (the env returns undiscounted per-step rewards).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import gymnasium
import numpy as np
from pettingzoo import ParallelEnv

from powergames.envs.agent_ids import agent_position
from powergames.envs.rendering import check_render_mode
from powergames.envs.seeding import SeededRandom
from powergames.games.checks import check_positive_int, check_real
from powergames.games.stochastic import (
    StochasticGame,
    StochasticUnitSumGame,
    random_stochastic_game,
    random_symmetric_stochastic_unit_sum_game,
)


class StochasticGameEnv(SeededRandom, ParallelEnv):
    """The environment of a :class:`~powergames.games.StochasticGame` or
    :class:`~powergames.games.StochasticUnitSumGame`.

    Args:
        game: the game.
        max_cycles: episode length for a discounted game (default 100); for a horizon game it
            defaults to (and may not exceed) ``H``.
        observation: ``"onehot"`` (``Box``: one-hot state, then own type) or ``"index"``
            (``MultiDiscrete([S, T_i])``; not for sampled types).
        render_mode: ``None``, ``"ansi"`` (``render()`` returns a string) or ``"human"`` (prints
            it after every step).
    """

    metadata: dict[str, Any] = {
        "name": "stochastic_game_v0",
        "render_modes": ["ansi", "human"],
        "is_parallelizable": True,
    }

    def __init__(
        self,
        game: StochasticGame | StochasticUnitSumGame,
        max_cycles: int | None = None,
        observation: str = "onehot",
        render_mode: str | None = None,
    ) -> None:
        if not isinstance(game, StochasticGame | StochasticUnitSumGame):
            raise TypeError(
                f"game must be a StochasticGame or StochasticUnitSumGame, got {type(game).__name__}"
            )
        self.game = game
        if game.horizon is not None:
            h = game.horizon if max_cycles is None else check_positive_int("max_cycles", max_cycles)
            if h > game.horizon:
                raise ValueError(
                    f"max_cycles must be <= the game's horizon {game.horizon}, got {h}"
                )
            self.max_cycles = h
        else:
            self.max_cycles = (
                100 if max_cycles is None else check_positive_int("max_cycles", max_cycles)
            )
        if not isinstance(observation, str) or observation not in ("onehot", "index"):
            raise ValueError(f"observation must be 'onehot' or 'index', got {observation!r}")
        sampled = isinstance(game, StochasticGame) and game.reward_sampler is not None
        if observation == "index" and sampled:
            raise ValueError("observation='index' needs finite types (this game samples rewards)")
        self.render_mode = check_render_mode(render_mode)
        self.observation = observation
        n, S = game.n_players, game.n_states
        self.possible_agents = [f"player_{i}" for i in range(n)]
        self.agents: list[str] = []
        self._index = {a: i for i, a in enumerate(self.possible_agents)}
        self._sampled = sampled
        if isinstance(game, StochasticUnitSumGame):
            self._n_types = (1,) * n
        elif sampled:
            self._n_types = (S,) * n  # the observed state-reward vector
        else:
            self._n_types = game.n_types
        self.observation_spaces = {}
        self.action_spaces = {}
        for i, a in enumerate(self.possible_agents):
            if observation == "onehot":
                lo = 0.0
                hi = 1.0
                sampler = getattr(game, "reward_sampler", None)
                if sampler is not None:
                    lo = min(0.0, sampler.low)
                    hi = max(1.0, sampler.high)
                space: gymnasium.spaces.Space = gymnasium.spaces.Box(
                    lo, hi, shape=(self._size(i),), dtype=np.float32
                )
            else:
                space = gymnasium.spaces.MultiDiscrete([S, self._n_types[i]])
            self.observation_spaces[a] = space
            self.action_spaces[a] = gymnasium.spaces.Discrete(game.n_actions[i])
        self.state_index = 0
        self.types = np.zeros(n, dtype=np.int64)
        self._sampled_rewards: np.ndarray | None = None
        self._x = 0
        self._round = 0
        self._last: tuple[int, ...] = (-1,) * n

    def observation_space(self, agent: str) -> gymnasium.spaces.Space:
        """The agent's observation space (one object per agent)."""
        agent_position(self._index, agent)
        return self.observation_spaces[agent]

    def action_space(self, agent: str) -> gymnasium.spaces.Discrete:
        """``Discrete(k_i)``."""
        agent_position(self._index, agent)
        return self.action_spaces[agent]

    def observation_layout(self, agent: str) -> dict[str, slice]:
        """Slices of ``agent``'s observation: ``"state"``, ``"type"``, (one-hot, finite types)
        ``"markov"`` and (one-hot) ``"round"``."""
        return self._layout(agent_position(self._index, agent))

    def _layout(self, i: int) -> dict[str, slice]:
        if self.observation == "index":
            return {"state": slice(0, 1), "type": slice(1, 2)}
        S, T = self.game.n_states, self._n_types[i]
        out = {"state": slice(0, S), "type": slice(S, S + T)}
        end = S + T
        if not self._sampled:
            out["markov"] = slice(end, end + T * S)
            end += T * S
        out["round"] = slice(end, end + 1)
        return out

    def _size(self, i: int) -> int:
        return self._layout(i)["round"].stop

    # ------------------------------------------------------------------ episode
    def _observations(self) -> dict[str, np.ndarray]:
        S = self.game.n_states
        out: dict[str, np.ndarray] = {}
        for i, a in enumerate(self.possible_agents):
            if self.observation == "index":
                out[a] = np.array([self.state_index, self.types[i]], dtype=np.int64)
                continue
            T = self._n_types[i]
            layout = self._layout(i)
            obs = np.zeros(layout["round"].stop, dtype=np.float32)
            obs[self.state_index] = 1.0
            if self._sampled:
                assert self._sampled_rewards is not None
                obs[S : S + T] = self._sampled_rewards[i]
            else:
                obs[S + self.types[i]] = 1.0
                obs[layout["markov"].start + self.types[i] * S + self.state_index] = 1.0
            obs[layout["round"].start] = self._round / self.max_cycles
            out[a] = obs
        return out

    def _infos(self, t: int, state: int) -> dict[str, dict]:
        """One dict per agent: the round ``t`` just played (0 at reset), the state it was played
        in and its joint action (``(-1,)*n`` at reset), as :class:`~powergames.envs.GameEnv`."""
        return {a: {"round": t, "state": state, "joint_action": self._last} for a in self.agents}

    def reset(
        self, seed: int | None = None, options: dict | None = None
    ) -> tuple[dict[str, np.ndarray], dict[str, dict]]:
        """Draw the types (or reward functions), the hidden ``X`` and the first state."""
        self._reseed(seed)
        rng = self.np_random
        g = self.game
        n = g.n_players
        if isinstance(g, StochasticUnitSumGame):
            self._x = int(rng.choice(g.n_x, p=g.x_prior))
            self.types = np.zeros(n, dtype=np.int64)
        elif g.reward_sampler is not None:
            sampler = g.reward_sampler
            self._sampled_rewards = np.stack(
                [sampler.sample(rng, 1, g.n_states)[0] for _ in range(n)]
            )
        else:
            flat = int(rng.choice(g.prior.size, p=g.prior.ravel()))
            self.types = np.array(np.unravel_index(flat, g.prior.shape), dtype=np.int64)
        self.state_index = int(rng.choice(g.n_states, p=g.initial))
        self.agents = list(self.possible_agents)
        self._round = 0
        self._last = (-1,) * n
        return self._observations(), self._infos(0, int(self.state_index))

    def _parse(self, actions: Mapping[str, Any]) -> tuple[int, ...]:
        if not isinstance(actions, Mapping):
            raise TypeError(f"actions must be a dict agent -> action, got {type(actions).__name__}")
        extra = set(actions) - set(self.agents)
        if extra:
            raise ValueError(f"actions for unknown or finished agent {sorted(extra)[0]!r}")
        out = []
        for i, a in enumerate(self.agents):
            if a not in actions:
                raise ValueError(f"missing action for agent {a!r}")
            x = actions[a]
            if isinstance(x, np.ndarray) and x.shape == ():
                x = x.item()
            if isinstance(x, bool) or not isinstance(x, int | np.integer):
                raise TypeError(f"action for agent {a!r} must be an integer, got {x!r}")
            k = self.game.n_actions[i]
            if not 0 <= x < k:
                raise ValueError(f"action {x!r} for agent {a!r} is out of range: Discrete({k})")
            out.append(int(x))
        return tuple(out)

    def step(self, actions: Mapping[str, Any]) -> tuple[dict, dict, dict, dict, dict]:
        """One simultaneous step.

        Raises:
            ValueError: an out-of-range, unknown or missing action, or a step after the end.
            TypeError: ``actions`` not a dict or an action not an integer.
        """
        if not self.agents:
            raise ValueError(
                "step() called after the episode ended (or before reset()); call reset()"
            )
        joint = self._parse(actions)
        g = self.game
        s = self.state_index
        if isinstance(g, StochasticUnitSumGame):
            r = g.shares[(self._x, s, slice(None)) + joint]
        elif self._sampled_rewards is not None:
            r = self._sampled_rewards[:, s]
        else:
            r = np.array([g.rewards[i][(self.types[i], s) + joint] for i in range(g.n_players)])
        self.state_index = int(self.np_random.choice(g.n_states, p=g.transitions[(s,) + joint]))
        self._round += 1
        self._last = joint
        agents = list(self.agents)
        done = self._round >= self.max_cycles
        terminal = done and g.horizon is not None and self.max_cycles == g.horizon
        obs = self._observations()
        rewards = {a: float(r[i]) for i, a in enumerate(agents)}
        terms = dict.fromkeys(agents, terminal)
        truncs = dict.fromkeys(agents, done and not terminal)
        infos = self._infos(self._round - 1, s)
        if done:
            self.agents = []
        if self.render_mode == "human":
            self.render()
        return obs, rewards, terms, truncs, infos

    def render(self) -> str | None:
        """The round, the state and the last joint action (``"ansi"``: returned; ``"human"``:
        printed, returns ``None``)."""
        if self.render_mode is None:
            gymnasium.logger.warn(
                "render() called without a render_mode; pass render_mode='ansi' or 'human'"
            )
            return None
        if self._round == 0:
            last = "no actions yet"
        else:
            last = ", ".join(f"{a}: {x}" for a, x in zip(self.possible_agents, self._last))
        text = (
            f"stochastic game: round {self._round}/{self.max_cycles}, state {self.state_index}; "
            f"{last}"
        )
        if self.render_mode == "human":
            print(text)
            return None
        return text

    def close(self) -> None:
        """Nothing to release."""


__all__ = ["StochasticGameEnv", "stochastic_env"]


def stochastic_env(
    n_states: int = 3,
    n_players: int = 2,
    n_actions: int | list[int] = 2,
    n_types: int | list[int] = 1,
    *,
    kind: str = "constant_sum",
    constant: float | None = 1.0,
    discount: float | None = 0.8,
    horizon: int | None = None,
    seed: int = 0,
    n_x: int = 2,
    max_cycles: int | None = None,
    observation: str = "onehot",
    render_mode: str | None = None,
) -> StochasticGameEnv:
    """The ``"powergames/stochastic-v0"`` environment from plain (JSON-able) keyword arguments.

    A random game :func:`~powergames.games.stochastic.random_stochastic_game` of ``kind`` ``"constant_sum"``
    (``Σ_i r_i = constant``; MATH.md §5's power scarcity) or ``"general"``, with ``n_states``,
    ``n_players``, ``n_actions`` / ``n_types`` (one int for all players or one per player), a
    ``discount`` or a ``horizon`` and ``seed``; or ``kind="symmetric_unit_sum"``:
    :func:`~powergames.games.stochastic.random_symmetric_stochastic_unit_sum_game` with
    ``n_states`` local states per player (``n_states ** n_players`` joint states), one
    ``n_actions`` for all and ``n_x`` hidden values (``n_types`` and ``constant`` unused).

    Raises:
        ValueError: bad sizes, kind, seed or constant (each named).
        TypeError: a non-integer seed or size, a non-real constant.
    """

    n = check_positive_int("n_players", n_players)
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise TypeError(f"seed must be an integer, got {seed!r}")
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    kinds = ("constant_sum", "general", "symmetric_unit_sum")
    if not isinstance(kind, str) or kind not in kinds:
        raise ValueError(f"kind must be one of {list(kinds)}, got {kind!r}")
    if constant is not None:
        constant = check_real("constant", constant)

    def per_player(name: str, value: Any) -> list[int]:
        if isinstance(value, int | np.integer) and not isinstance(value, bool):
            values = [value] * n
        elif isinstance(value, list | tuple):
            values = list(value)
        else:
            raise TypeError(
                f"{name} must be an integer or a list of one integer per player, got {value!r}"
            )
        if len(values) != n:
            raise ValueError(f"{name} needs one entry per player ({n}), got {value!r}")
        return [check_positive_int(f"{name}[{i}]", v) for i, v in enumerate(values)]

    if kind == "symmetric_unit_sum":
        if not isinstance(n_actions, int | np.integer):
            raise ValueError(
                f"n_actions must be one integer for a symmetric game, got {n_actions!r}"
            )
        usg = random_symmetric_stochastic_unit_sum_game(
            n,
            n_states,
            int(n_actions),
            n_x,
            np.random.default_rng(int(seed)),
            discount=discount,
            horizon=horizon,
        )
        return StochasticGameEnv(usg, max_cycles, observation, render_mode)
    game = random_stochastic_game(
        n_states,
        per_player("n_types", n_types),
        per_player("n_actions", n_actions),
        np.random.default_rng(int(seed)),
        kind,
        discount=discount,
        horizon=horizon,
        constant=constant,
    )
    return StochasticGameEnv(game, max_cycles, observation, render_mode)
