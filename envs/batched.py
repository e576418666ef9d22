"""Many independent copies of a game stepped at once in NumPy (fast rollouts and evaluation).

:class:`BatchedGameEnv` has the semantics of :class:`powergames.envs.game_env.GameEnv` — same
contexts, rewards, observation layout (agent ``i``'s observation in copy ``b`` is ``obs[b, i]``) and
episode ends — with arrays in and out:

* ``reset(seed) -> (obs (B, n, D) float32, info)``;
* ``step(actions (B, n) int) -> (obs, rewards (B, n) float64, terminated (B,), truncated (B,), info)``.

``info`` holds ``"round"`` (int), ``"joint_action"`` ``(B, n)`` and ``"state"`` ``(B,)`` or
``"types"`` ``(B, n)`` for the round just played (at ``reset``: round 0, joint actions ``-1`` and
the first round's context — the keys of :class:`GameEnv`'s infos).

Copies run in lock-step (every episode has ``max_cycles`` rounds). With ``autoreset=True`` (the
default) the step that ends the episodes starts new ones: it returns the first observations of
the new episodes and puts the final ones in ``info["final_observation"]``.

Seeding: the contexts of all ``B`` episodes are drawn in one call from one generator, in the order
:class:`GameEnv` draws them episode after episode, so copy ``b`` of a batch reset with seed ``s``
replays episode ``b`` of a single ``GameEnv`` reset with seed ``s`` and then reset without a seed
``b`` times (and after an automatic reset, episode ``B + b``; and so on).
"""

from __future__ import annotations

from typing import Any

import gymnasium
import numpy as np
import numpy.typing as npt

from powergames.envs.adapter import GameAdapter
from powergames.envs.game_env import GameEnv
from powergames.envs.seeding import SeededRandom
from powergames.games.base import Game
from powergames.games.checks import check_positive_int, first_index

__all__ = ["BatchedGameEnv"]


class BatchedGameEnv(SeededRandom):
    """``n_envs`` copies of a game, stepped together.

    Args:
        game: any game accepted by :class:`GameEnv`.
        n_envs: the number of copies ``B``.
        max_cycles: rounds per episode.
        history: as for :class:`GameEnv`.
        autoreset: start new episodes automatically when the current ones end.
        use_table: index a dense reward table when the game has one (``False`` always calls the
            game's vectorised rewards, e.g. ``SymmetricUnitSumGame.pure_shares_batch``).
        agent_indicator: as for :class:`GameEnv` (then ``obs[b, i]`` ends with player ``i``'s
            one-hot).
    """

    def __init__(
        self,
        game: Game | GameAdapter,
        n_envs: int,
        max_cycles: int = 1,
        history: str = "auto",
        autoreset: bool = True,
        use_table: bool = True,
        agent_indicator: bool | None = None,
    ) -> None:
        single = GameEnv(
            game, max_cycles=max_cycles, history=history, agent_indicator=agent_indicator
        )
        adapter = single.adapter
        self.adapter = adapter
        self.game = adapter.game
        self.n_envs = check_positive_int("n_envs", n_envs)
        self.max_cycles = single.max_cycles
        self.history = single.history
        self.autoreset = bool(autoreset)
        self.possible_agents = list(single.possible_agents)
        self.agent_indicator = single.agent_indicator
        self.n_players = n = adapter.n_players
        self._layout = single.observation_layout(self.possible_agents[0])
        self.single_observation_space = single.observation_space(self.possible_agents[0])
        self.single_action_spaces = [single.action_space(a) for a in self.possible_agents]
        self.obs_dim = int(self.single_observation_space.shape[0])
        self.n_actions = np.asarray(adapter.n_actions, dtype=np.int64)
        self._t_size = self._layout["type"].stop
        self._hist_size = single.encoder.hist_size
        self._hist_offsets = single.encoder.hist_offsets
        # rewards
        table = single._table if use_table else None
        self._table2d = None if table is None else np.ascontiguousarray(table.reshape(-1, n))
        self._n_joint = adapter.n_joint
        strides = np.ones(n, dtype=np.int64)
        for i in range(n - 2, -1, -1):
            strides[i] = strides[i + 1] * adapter.n_actions[i + 1]
        self._strides = strides
        # type one-hots: (n_contexts, n, T)
        t_max = self._t_size
        onehot = np.zeros((adapter.n_contexts, n, t_max), dtype=np.float32)
        ctx_idx, player = np.indices(adapter.context_types.shape)
        onehot[ctx_idx, player, adapter.context_types] = 1.0
        self._type_onehot = onehot
        self._arange = np.arange(self.n_envs, dtype=np.int64)
        self._eye = np.eye(n, dtype=np.float32)
        self._ctx: npt.NDArray[np.int64] | None = None
        self._round = 0
        self._done = True

    def observation_layout(self, agent: str | None = None) -> dict[str, slice]:
        """Block name → slice of the last axis of the observations (the same for every agent)."""
        return dict(self._layout)

    @property
    def observation_shape(self) -> tuple[int, int, int]:
        """``(B, n, D)``."""
        return (self.n_envs, self.n_players, self.obs_dim)

    # ------------------------------------------------------------------------ internals
    def _draw(self) -> None:
        self._ctx = np.ascontiguousarray(
            self.adapter.draw_contexts(self.np_random, self.n_envs, self.max_cycles)
        )
        self._round = 0
        self._done = False

    def _context_info(self, ctx: npt.NDArray[np.int64]) -> dict[str, Any]:
        key = self.adapter.context_key
        if key == "state":
            return {"state": ctx.copy()}
        if key == "types":
            return {"types": self.adapter.context_types[ctx]}
        return {}

    def _observe(
        self, t: int, actions: npt.NDArray[np.int64] | None, ctx: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.float32]:
        b, n, ts = self.n_envs, self.n_players, self._t_size
        obs = np.empty((b, n, self.obs_dim), dtype=np.float32)
        if self.adapter.context_per_round:
            obs[:, :, :ts] = self._type_onehot[ctx]
        else:
            obs[:, :, :ts] = self._type_onehot[0]
        obs[:, :, ts] = t / self.max_cycles
        h = self._hist_size
        if self.agent_indicator:
            obs[:, :, ts + 1 + h :] = self._eye
        if h:
            if actions is None:
                obs[:, :, ts + 1 : ts + 1 + h] = 0.0
            elif self.history == "actions":
                hist = np.zeros((b, h), dtype=np.float32)
                hist[self._arange[:, None], self._hist_offsets + actions] = 1.0
                obs[:, :, ts + 1 : ts + 1 + h] = hist[:, None, :]
            else:
                flat = (self._arange[:, None] * h + actions).ravel()
                counts = np.bincount(flat, minlength=b * h).reshape(b, h) / n
                obs[:, :, ts + 1 : ts + 1 + h] = counts[:, None, :]
        return obs

    def _check_actions(self, actions: Any) -> npt.NDArray[np.int64]:
        arr = np.asarray(actions)
        shape = (self.n_envs, self.n_players)
        if arr.dtype.kind not in "iu":
            if arr.dtype.kind == "f" and np.isnan(arr).any():
                idx = first_index(np.isnan(arr))
                raise ValueError(
                    f"actions contain NaN at {idx}"
                    + (f" (agent {self.possible_agents[idx[-1]]!r})" if arr.ndim == 2 else "")
                )
            raise TypeError(
                f"actions must be an integer array of shape {shape}, got dtype {arr.dtype}"
            )
        if arr.shape != shape:
            raise ValueError(f"actions must have shape {shape} (copies, players), got {arr.shape}")
        bad = (arr < 0) | (arr >= self.n_actions)
        if bad.any():
            b, i = first_index(bad)
            raise ValueError(
                f"action {int(arr[b, i])} of agent {self.possible_agents[i]!r} in copy {b} is out "
                f"of range: Discrete({int(self.n_actions[i])}) takes integers in "
                f"[0, {int(self.n_actions[i])})"
            )
        return arr.astype(np.int64, copy=False)

    # ------------------------------------------------------------------------ the API
    def reset(
        self, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[npt.NDArray[np.float32], dict[str, Any]]:
        """Start ``B`` episodes; ``seed`` reseeds the generator (``None`` continues it)."""
        self._reseed(seed)
        self._draw()
        assert self._ctx is not None
        ctx = self._ctx[:, 0]
        info: dict[str, Any] = {
            "round": 0,
            "joint_action": np.full((self.n_envs, self.n_players), -1, dtype=np.int64),
        }
        info.update(self._context_info(ctx))
        return self._observe(0, None, ctx), info

    def step(
        self, actions: Any
    ) -> tuple[
        npt.NDArray[np.float32],
        npt.NDArray[np.float64],
        npt.NDArray[np.bool_],
        npt.NDArray[np.bool_],
        dict[str, Any],
    ]:
        """Play one round in every copy.

        Args:
            actions: integer array ``(B, n)``: ``actions[b, i]`` is player ``i``'s action in copy ``b``.

        Raises:
            TypeError: a non-integer array.
            ValueError: wrong shape, an action out of range (the message names the copy and the
                agent), NaN, or a step after the episodes ended without ``autoreset``.
        """
        if self._done or self._ctx is None:
            raise ValueError(
                "step() called after the episodes ended (or before reset()); call reset() first"
            )
        a = self._check_actions(actions)
        t = self._round
        ctx = self._ctx[:, t]
        if self._table2d is not None:
            flat = ctx * self._n_joint + a @ self._strides
            rewards = self._table2d[flat]
        else:
            rewards = np.asarray(self.adapter.rewards_batch(ctx, a), dtype=np.float64)
        info: dict[str, Any] = {"round": t, "joint_action": a.copy()}
        info.update(self._context_info(ctx))
        t1 = t + 1
        self._round = t1
        b = self.n_envs
        truncated = np.zeros(b, dtype=bool)
        if t1 < self.max_cycles:
            obs = self._observe(t1, a, self._ctx[:, t1])
            return obs, rewards, np.zeros(b, dtype=bool), truncated, info
        final = self._observe(t1, a, ctx)
        if self.autoreset:
            info["final_observation"] = final
            self._draw()
            obs = self._observe(0, None, self._ctx[:, 0])
        else:
            self._done = True
            obs = final
        return obs, rewards, np.ones(b, dtype=bool), truncated, info

    def __repr__(self) -> str:
        return (
            f"BatchedGameEnv({self.adapter.kind}, n_envs={self.n_envs}, n_players={self.n_players}, "
            f"max_cycles={self.max_cycles}, history={self.history!r})"
        )

    @property
    def single_action_space(self) -> gymnasium.spaces.Space:
        """Player 0's action space (see ``single_action_spaces`` for each player)."""
        return self.single_action_spaces[0]
