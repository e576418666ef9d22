"""A single-agent Gymnasium view of one seat of a powergames environment.

``SingleAgentEnv(env, seat, opponents)`` is a ``gymnasium.Env`` whose observation and action spaces
are the seat's (a ``float32`` ``Box`` and ``Discrete`` — ``MultiDiscrete`` for a coalition seat);
the other seats are played by the given opponents. ``env`` is any registered ``ParallelEnv``
(:class:`~powergames.envs.game_env.GameEnv`, :class:`~powergames.envs.coalition_view.CoalitionEnv`,
:class:`~powergames.envs.population_bargaining.PopulationBargainingEnv`, …): the view uses only the
PettingZoo API plus ``observation_layout(agent)["type"]`` for per-type opponent strategies. An
opponent can be

* ``None``: uniform random over its action space (the default for every seat not given);
* a mixed strategy: an array of shape ``(k,)`` (``Discrete(k)``), the joint ``(k_0, …, k_{m-1})``
  of a coalition seat, or one of those per type, ``(T, …)``, chosen by the seat's observed
  ``"type"`` one-hot (for population bargaining the type is the value class, ``[¬V, V]``, so
  ``[[1 - F_{C|¬V}, F_{C|¬V}], [1 - F_{C|V}, F_{C|V}]]`` plays the cooperative dispositions);
* any object with ``act(observation, rng) -> action`` (the agents' ``Policy`` protocol), or a
  callable ``f(observation, rng) -> action``. If the object has ``update``, it is called after
  every step as ``update(observation, action, reward, next_observation, info)``, so learning
  opponents learn while the seat does.

Opponents draw their randomness from this environment's ``np_random`` (seeded by
``reset(seed=…)``); the wrapped environment gets its own seed drawn from it, so the hidden draws
and the opponents' draws never share a stream. Registered ids work with ``gymnasium.make``
(the ``module:`` prefix imports the package, so no import is needed first)::

    import gymnasium
    env = gymnasium.make("powergames.envs:powergames/matching-pennies-v0", seat="player_0",
                         opponents={"player_1": [0.8, 0.2]})
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import gymnasium
import numpy as np
import numpy.typing as npt
from pettingzoo import ParallelEnv

from powergames.games.checks import check_distribution

__all__ = ["MixedStrategyOpponent", "SingleAgentEnv", "as_opponent"]


class MixedStrategyOpponent:
    """A fixed mixed strategy for one seat, optionally one per observed type.

    Args:
        env: the multi-agent environment (for the seat's spaces and observation layout).
        agent: the seat it plays.
        strategy: ``None`` (uniform), or a distribution over the seat's actions (shape
            ``(k,)``, or ``(k_0, …, k_{m-1})`` jointly for a coalition seat), or a stack of them
            with one per type (leading axis of the size of the seat's ``"type"`` block, or of the
            player's number of types); per-type strategies need a ``"type"`` block in
            ``env.observation_layout(agent)``.
    """

    def __init__(self, env: ParallelEnv, agent: str, strategy: Any = None) -> None:
        space = env.action_space(agent)
        if isinstance(space, gymnasium.spaces.Discrete):
            shape: tuple[int, ...] = (int(space.n),)
            self._multi = False
        else:
            shape = tuple(int(k) for k in space.nvec)
            self._multi = True
        self.agent = agent
        self.shape = shape
        layout = getattr(env, "observation_layout", None)
        self._type_slice: slice | None = layout(agent).get("type") if callable(layout) else None
        name = f"opponent strategy for {agent!r}"
        if strategy is None:
            table = np.full((1, *shape), 1.0 / np.prod(shape))
        else:
            arr = np.asarray(strategy, dtype=np.float64) if not isinstance(strategy, str) else None
            if arr is None:
                raise TypeError(f"{name} must be an array of probabilities, got a string")
            if arr.shape == shape:
                table = check_distribution(name, arr)[None]
            elif arr.ndim == len(shape) + 1 and arr.shape[1:] == shape and arr.shape[0] >= 1:
                flat = check_distribution(name, arr.reshape(arr.shape[0], -1), axis=1)
                table = flat.reshape(arr.shape)
                if self._type_slice is None:
                    raise ValueError(
                        f"{name}: one strategy per type needs a 'type' block in the "
                        "environment's observation_layout; give one strategy of shape "
                        f"{shape}"
                    )
            else:
                raise ValueError(
                    f"{name} must have shape {shape} (or (n_types, *{shape}) for one strategy per "
                    f"type), got {arr.shape}"
                )
        flat = np.asarray(table, dtype=np.float64).reshape(table.shape[0], -1)
        self.table = np.asarray(table)
        cdf = np.cumsum(flat, axis=1)
        cdf /= cdf[:, -1:]
        self._cdf = cdf

    def _row(self, observation: Any) -> int:
        if self._cdf.shape[0] == 1:
            return 0
        assert self._type_slice is not None  # per-type tables are refused without it
        block = np.asarray(observation)[self._type_slice]
        t = int(np.argmax(block))
        if t >= self._cdf.shape[0]:
            raise ValueError(
                f"opponent strategy for {self.agent!r} has {self._cdf.shape[0]} types but the "
                f"observation shows type {t}"
            )
        return t

    def strategy(self, observation: Any) -> npt.NDArray[np.float64]:
        """The distribution played at ``observation`` (shape of the seat's actions)."""
        return self.table[self._row(observation)]

    def act(self, observation: Any, rng: np.random.Generator) -> int | npt.NDArray[np.int64]:
        """Draw an action (an ``int``; an int array ``(m,)`` for a coalition seat)."""
        cdf = self._cdf[self._row(observation)]
        idx = min(int(np.searchsorted(cdf, rng.random(), side="right")), cdf.size - 1)
        if not self._multi:
            return idx
        return np.asarray(np.unravel_index(idx, self.shape), dtype=np.int64)

    def __repr__(self) -> str:
        return f"MixedStrategyOpponent({self.agent!r}, shape={self.table.shape})"


class _CallableOpponent:
    """Adapts ``f(observation, rng) -> action`` to ``act``."""

    def __init__(self, fn: Any) -> None:
        self.fn = fn

    def act(self, observation: Any, rng: np.random.Generator) -> Any:
        return self.fn(observation, rng)


def as_opponent(env: ParallelEnv, agent: str, spec: Any) -> Any:
    """Turn an opponent specification (see the module docstring) into an object with ``act``."""
    if spec is None or isinstance(spec, list | tuple | np.ndarray):
        return MixedStrategyOpponent(env, agent, spec)
    if callable(getattr(spec, "act", None)):
        return spec
    if callable(spec):
        return _CallableOpponent(spec)
    raise TypeError(
        f"opponent for {agent!r} must be None, a mixed strategy array, an object with "
        f"act(observation, rng) or a callable, got {type(spec).__name__}"
    )


class SingleAgentEnv(gymnasium.Env):
    """One seat of a multi-agent environment as a Gymnasium environment.

    Args:
        env: a ``ParallelEnv`` of the registry (:class:`GameEnv`, :class:`CoalitionEnv`,
            :class:`PopulationBargainingEnv`, …) with the same spaces in every episode.
        seat: the agent name (``"player_0"``) or its index in ``possible_agents``.
        opponents: ``{agent: spec}`` for the other seats (see the module docstring); seats not
            given play uniformly at random.

    Raises:
        ValueError: an unknown seat, an opponent for an unknown seat or for the seat itself.
    """

    metadata = {"render_modes": ["ansi", "human"], "render_fps": 1}

    def __init__(
        self, env: ParallelEnv, seat: str | int = 0, opponents: Mapping[str, Any] | None = None
    ) -> None:
        agents = list(env.possible_agents)
        if isinstance(seat, int | np.integer) and not isinstance(seat, bool):
            if not 0 <= seat < len(agents):
                raise ValueError(f"seat index {seat} out of range for agents {agents}")
            seat = agents[int(seat)]
        if seat not in agents:
            raise ValueError(f"unknown seat {seat!r}; the agents are {agents}")
        self.env = env
        self.seat = seat
        self.observation_space = env.observation_space(seat)
        self.action_space = env.action_space(seat)
        self.render_mode = env.render_mode
        self.metadata = {
            **self.metadata,
            "name": env.metadata.get("name"),
            "render_modes": list(env.metadata.get("render_modes", [])),
        }
        opponents = dict(opponents or {})
        for agent in opponents:
            if agent == seat:
                raise ValueError(
                    f"seat {seat!r} is the learner's; it cannot have an opponent policy"
                )
            if agent not in agents:
                raise ValueError(f"opponent given for unknown agent {agent!r}; agents are {agents}")
        self.others = [a for a in agents if a != seat]
        self.opponents = {a: as_opponent(env, a, opponents.get(a)) for a in self.others}
        self._learning = [
            (a, p) for a, p in self.opponents.items() if callable(getattr(p, "update", None))
        ]
        self._obs: dict[str, Any] = {}
        self._seeded = False

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[npt.NDArray[np.float32], dict[str, Any]]:
        """Reset; ``seed`` seeds ``np_random`` (opponents) and, through it, the wrapped env."""
        super().reset(seed=seed)
        if seed is not None or not self._seeded:
            inner_seed = int(self.np_random.integers(2**63 - 1))
            obs, infos = self.env.reset(seed=inner_seed, options=options)
            self._seeded = True
        else:
            obs, infos = self.env.reset(options=options)
        self._obs = obs
        return obs[self.seat].copy(), dict(infos[self.seat])

    def step(
        self, action: Any
    ) -> tuple[npt.NDArray[np.float32], float, bool, bool, dict[str, Any]]:
        """The seat plays ``action``; every opponent acts on its own observation."""
        if not self._obs:
            raise ValueError("step() called before reset(); call reset() first")
        rng = self.np_random
        prev = self._obs
        actions = {self.seat: action}
        for agent, policy in self.opponents.items():
            actions[agent] = policy.act(prev[agent], rng)
        obs, rewards, terms, truncs, infos = self.env.step(actions)
        for agent, policy in self._learning:
            policy.update(prev[agent], actions[agent], rewards[agent], obs[agent], infos[agent])
        self._obs = obs
        seat = self.seat
        return (
            obs[seat].copy(),
            float(rewards[seat]),
            bool(terms[seat]),
            bool(truncs[seat]),
            dict(infos[seat]),
        )

    def render(self) -> str | None:
        """The wrapped environment's rendering of the last round."""
        return self.env.render()

    def close(self) -> None:
        self.env.close()

    def __repr__(self) -> str:
        return f"SingleAgentEnv({self.env!r}, seat={self.seat!r})"
