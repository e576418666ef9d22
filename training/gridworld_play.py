"""Playing the resource gridworld with one learning seat against a majority (MATH.md §5).

* :class:`MinorityVecEnv` is the minority seat of a
  :class:`~powergames.envs.gridworld_batched.BatchedResourceGrid` as a Stable-Baselines3 ``VecEnv``:
  ``B`` games in lock-step, the learner's observations ``(B, D)`` and moves ``(B,)``, the other
  seats played by a *majority* object (``act(observations (B, |c_1|, D)) -> (B, |c_1|)``; it is
  also shown the minority's observations ``(B, 1, D)`` and moves ``(B, 1)`` through
  ``observe``, which the behaviour-cloning copier learns from). Rewards are the seat's per-step
  shares; episodes end by truncation after ``max_cycles`` rounds (``TimeLimit.truncated`` and the
  ``terminal_observation`` for SB3's bootstrapping).
* :func:`play_episodes` plays ``E`` evaluation episodes at once and returns every seat's mean
  per-step share per episode ``(E, n)`` with the episode's hidden ``X`` ``(E,)``.
* :func:`grid_kwargs` splits a config's env kwargs into the grid's.

**The Markov view.** The environment's observation ends with a ``"type"`` and a ``"round"`` entry
(:meth:`~powergames.envs.gridworld.ResourceGridEnv.observation_layout`). The players here see only
the egocentric window blocks (:func:`window_view`: wall, resource and others channels, ``D = (K +
2)·d²``), so every policy is a stationary Markov policy of the joint positions, as MATH.md §5's
exact form (and :func:`~powergames.training.gridworld_evaluation.exact_grid_shares`) needs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import gymnasium
import numpy as np
import numpy.typing as npt
from stable_baselines3.common.vec_env.base_vec_env import VecEnv

from powergames.agents.policy_copying import MemberPolicy, sample_rows
from powergames.envs.gridworld_batched import BatchedResourceGrid

__all__ = [
    "GRID_KEYS",
    "MinorityVecEnv",
    "grid_kwargs",
    "majority_seats",
    "play_episodes",
    "window_view",
]

#: The keyword arguments of the grid (as for ``ResourceGridEnv``) a config may give.
GRID_KEYS = ("layout", "n_agents", "view_radius", "wrap", "x_prior", "max_cycles")


def grid_kwargs(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """The grid's keyword arguments from a config's ``env.kwargs``.

    Raises:
        ValueError: an unknown key (naming it).
    """
    extra = sorted(set(kwargs) - set(GRID_KEYS) - {"render_mode"})
    if extra:
        raise ValueError(
            f"env.kwargs.{extra[0]}: unknown argument of the resource gridworld "
            f"(known: {', '.join(GRID_KEYS)})"
        )
    out = {k: v for k, v in kwargs.items() if k in GRID_KEYS}
    if "layout" in out:
        out["layout"] = tuple(out["layout"])
    return out


def window_view(grid: BatchedResourceGrid, obs: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """The window blocks of observations ``(…, D_env)`` → ``(…, D)`` (module docstring)."""
    blocks = grid.tables.layout_slices()
    return obs[..., : min(blocks["type"].start, blocks["round"].start)]


def majority_seats(n_agents: int, seat: int) -> list[int]:
    """Every seat but the minority's, increasing."""
    if not 0 <= seat < n_agents:
        raise ValueError(f"seat must be in [0, {n_agents}), got {seat!r}")
    return [i for i in range(n_agents) if i != seat]


class MinorityVecEnv(VecEnv):
    """One seat of ``B`` lock-stepped gridworlds as an SB3 ``VecEnv`` (module docstring).

    Args:
        grid: the batched gridworld (``B = grid.n_envs`` games, autoreset on).
        seat: the learner's seat.
        majority: plays the other seats (``act``; ``observe`` is called if it has one).
        seed: seeds the first reset.
    """

    def __init__(self, grid: BatchedResourceGrid, seat: int, majority: Any, seed: int) -> None:
        if not grid.autoreset:
            raise ValueError("grid must reset automatically (autoreset=True)")
        self.grid = grid
        self.seat = int(seat)
        self.others = majority_seats(grid.n_agents, self.seat)
        self.majority = majority
        self.seed_value = int(seed)
        self.render_mode = None
        single = grid.single
        dim = window_view(grid, np.zeros(grid.observation_shape[2], dtype=np.float32)).shape[0]
        space = gymnasium.spaces.Box(0.0, 1.0, shape=(dim,), dtype=np.float32)
        super().__init__(grid.n_envs, space, single.action_space("player_0"))
        self._obs = np.zeros((grid.n_envs, grid.n_agents, dim), dtype=np.float32)
        self._actions = np.zeros(grid.n_envs, dtype=np.int64)
        self._ep_reward = np.zeros(grid.n_envs)
        self._started = False

    def reset(self) -> npt.NDArray[np.float32]:
        seed = self.seed_value if not self._started else None
        self._started = True
        obs, _ = self.grid.reset(seed=seed)
        self._obs = window_view(self.grid, obs)
        self._ep_reward[:] = 0.0
        return self._obs[:, self.seat].copy()

    def step_async(self, actions: npt.ArrayLike) -> None:
        self._actions = np.asarray(actions, dtype=np.int64).reshape(self.num_envs)

    def step_wait(self) -> Any:
        B, n = self.num_envs, self.grid.n_agents
        joint = np.empty((B, n), dtype=np.int64)
        joint[:, self.seat] = self._actions
        joint[:, self.others] = self.majority.act(self._obs[:, self.others])
        observe = getattr(self.majority, "observe", None)
        if observe is not None:
            observe(self._obs[:, [self.seat]], self._actions[:, None])
        obs, pay, _, truncated, info = self.grid.step(joint)
        rewards = pay[:, self.seat].astype(np.float32)
        self._ep_reward += rewards
        infos: list[dict[str, Any]] = [{} for _ in range(B)]
        if truncated.any():
            final = window_view(self.grid, info["final_observation"])
            for b in range(B):
                infos[b] = {
                    "terminal_observation": final[b, self.seat].copy(),
                    "TimeLimit.truncated": True,
                    "episode": {"r": float(self._ep_reward[b]), "l": self.grid.max_cycles},
                }
            self._ep_reward[:] = 0.0
        self._obs = window_view(self.grid, obs)
        return self._obs[:, self.seat].copy(), rewards, truncated.copy(), infos

    def close(self) -> None:
        """Nothing to release."""

    def get_attr(self, attr_name: str, indices: Any = None) -> list[Any]:
        if attr_name == "render_mode":
            return [None] * self.num_envs
        raise AttributeError(f"MinorityVecEnv has no per-env attribute {attr_name!r}")

    def set_attr(self, attr_name: str, value: Any, indices: Any = None) -> None:
        raise AttributeError(f"MinorityVecEnv cannot set {attr_name!r}")

    def env_method(self, method_name: str, *args: Any, indices: Any = None, **kw: Any) -> list[Any]:
        raise AttributeError(f"MinorityVecEnv has no per-env method {method_name!r}")

    def env_is_wrapped(self, wrapper_class: Any, indices: Any = None) -> list[bool]:
        return [False] * self.num_envs


def play_episodes(
    grid_args: Mapping[str, Any],
    seat: int,
    minority: MemberPolicy,
    majority: Any,
    episodes: int,
    rng: np.random.Generator,
    record: list[tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]] | None = None,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """Play ``episodes`` whole episodes at once (nobody learns: ``observe`` is not called).

    Args:
        grid_args: the grid's keyword arguments (:func:`grid_kwargs`).
        seat: the minority's seat, played by ``minority`` (sampled with ``rng``).
        minority: its policy.
        majority: plays the other seats (``act(obs, rng=...)`` draws from ``rng`` when it accepts
            one, so evaluations never move the majority's training streams).
        episodes: ``E``.
        rng: the evaluation's generator.
        record: if given, the minority's observations ``(E, D)`` and moves ``(E,)`` of every
            round are appended to it.

    Returns:
        ``(shares, x)``: mean per-step share of every seat per episode ``(E, n)`` and each
        episode's hidden kind ``(E,)``.
    """
    grid = BatchedResourceGrid(**dict(grid_args), n_envs=int(episodes), autoreset=False)
    raw, _ = grid.reset(seed=int(rng.integers(2**63 - 1)))
    obs = window_view(grid, raw)
    x = grid._x.copy()  # the hidden kinds drawn at reset (never shown to the players)
    others = majority_seats(grid.n_agents, seat)
    total = np.zeros((grid.n_envs, grid.n_agents))
    for _ in range(grid.max_cycles):
        joint = np.empty((grid.n_envs, grid.n_agents), dtype=np.int64)
        joint[:, seat] = sample_rows(minority.probs(obs[:, seat]), rng)
        if record is not None:
            record.append((obs[:, seat].copy(), joint[:, seat].copy()))
        joint[:, others] = majority.act(obs[:, others], rng=rng)
        raw, pay, _, _, _ = grid.step(joint)
        obs = window_view(grid, raw)
        total += pay
    return total / grid.max_cycles, x.astype(np.int64)
