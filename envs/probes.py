"""What callers read off any powergames environment: its game, an agent's types, probe observations.

Evaluators and agents read exact strategies by showing a policy a *probe observation*: an agent's
observation with its ``"type"`` block set to one type (everything else as in a base observation,
by default the first round's: round 0, no previous actions). These helpers work on every
environment of the package (:class:`~powergames.envs.game_env.GameEnv`,
:class:`~powergames.envs.coalition_view.CoalitionEnv`,
:class:`~powergames.envs.population_bargaining.PopulationBargainingEnv`) and on Gymnasium /
PettingZoo wrappers around them (``.unwrapped`` or ``.env`` is followed).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from powergames.games.base import Game
from powergames.games.stochastic import StochasticGame, StochasticUnitSumGame

__all__ = ["game_of", "members_of", "n_types_of", "type_observation", "unwrapped"]


def unwrapped(env: Any) -> Any:
    """The powergames environment inside ``env`` (the first of ``env``, ``env.unwrapped``,
    ``env.env`` that has an ``observation_layout``), or ``env`` itself."""
    for obj in (env, getattr(env, "unwrapped", None), getattr(env, "env", None)):
        if obj is not None and callable(getattr(obj, "observation_layout", None)):
            return obj
    return env


def game_of(env: Any) -> Game:
    """The game an environment plays (a ``Game``, or a stochastic game of MATH.md §5).

    Raises:
        TypeError: the environment has no game (e.g. population bargaining).
    """
    for obj in (env, getattr(env, "unwrapped", None), getattr(env, "env", None)):
        game = getattr(obj, "game", None) if obj is not None else None
        if isinstance(game, Game | StochasticGame | StochasticUnitSumGame):
            return game  # type: ignore[return-value]
    raise TypeError(f"{type(env).__name__} does not play a game object (it has no .game)")


def members_of(env: Any, agent: str) -> tuple[int, ...]:
    """The players ``agent`` controls: ``env.members(agent)``, or its own index without one."""
    env = unwrapped(env)
    fn = getattr(env, "members", None)
    if callable(fn):
        return tuple(fn(agent))
    return (list(env.possible_agents).index(agent),)


def n_types_of(env: Any, agent: str) -> int:
    """``T`` of an agent: its player's number of types, or the product over a coalition's members
    (C order, as the ``"type"`` block); 1 for an environment without a game."""
    env = unwrapped(env)
    game = getattr(env, "game", None)
    if not isinstance(game, Game):
        return 1
    sizes = game.type_sizes
    return math.prod(int(sizes[i]) for i in members_of(env, agent))


def type_observation(
    env: Any, agent: str, t: int, base: npt.ArrayLike | None = None
) -> npt.NDArray[np.float32]:
    """The probe observation of ``agent`` at type ``t`` (a fresh, writable array).

    Args:
        env: a powergames environment (``observation_layout``, ``observation_space``).
        agent: the agent name.
        t: the type index (position in the ``"type"`` block).
        base: the observation to start from; zeros (round 0, no previous actions) by default. An
            ``"agent"`` indicator block is set to ``agent``'s index either way.

    Returns:
        A float32 array of the observation space's shape.

    Raises:
        ValueError: ``t`` outside the ``"type"`` block.
    """
    env = unwrapped(env)
    space = env.observation_space(agent)
    obs = (
        np.zeros(space.shape, dtype=np.float32)
        if base is None
        else np.array(base, dtype=np.float32)
    )
    layout = (
        env.observation_layout(agent) if callable(getattr(env, "observation_layout", None)) else {}
    )
    if "type" in layout:
        block = layout["type"]
        if not 0 <= t < block.stop - block.start:
            raise ValueError(
                f"type {t} of agent {agent!r} is outside its type block of "
                f"{block.stop - block.start} entries"
            )
        obs[block] = 0.0
        obs[block.start + t] = 1.0
    if "agent" in layout:
        block = layout["agent"]
        obs[block] = 0.0
        obs[block.start + list(env.possible_agents).index(agent)] = 1.0
    return obs
