"""PettingZoo ``ParallelEnv`` for every game of :mod:`powergames.games`.

One class, :class:`GameEnv`, plays any game (anything offering the
:class:`~powergames.games.base.Game` protocol) once (``max_cycles=1``) or repeatedly for
``max_cycles`` rounds. What it needs of the game is read by :class:`~powergames.envs.adapter.GameAdapter`;
observations are built by :class:`~powergames.envs.observations.ObservationEncoder` (whose module
docstring describes the blocks); actions are checked by
:class:`~powergames.envs.actions.ActionChecker`.

Contexts (what nobody observes, MATH.md §1–2):

* unit-sum games (dense or symmetric count form): the hidden state ``X`` is drawn from the prior
  at ``reset`` and kept for the whole episode; rewards are the shares ``s_i(X, a)``;
* Bayesian games: a type profile ``t ~ Ω`` is drawn for every round; agent ``i`` observes only
  its own ``t_i`` and gets ``r_i(t_i, a)``;
* normal-form games: no context; rewards are the payoffs ``u_i(a)``.

Observations are built from (round, previous joint action, own-type profile) only, so the hidden
state never leaks into them; every call returns fresh, writable ``float32`` arrays (safe to hand to
``torch.as_tensor`` or to change in place). With ``agent_indicator`` (on by default unless the
players are interchangeable, :meth:`~powergames.envs.adapter.GameAdapter.players_interchangeable`)
each observation ends with the one-hot of the agent's index, so one network shared by all agents
(parameter sharing: SuperSuit, AgileRL's grouping by name prefix, RLlib's shared policies) can
play role-dependent strategies; pass ``agent_indicator=False`` for identical observations.

``infos[agent]`` has the same keys, with values of the same types, at ``reset`` and at every
``step`` (strict clients such as TorchRL build their specs from the reset infos):

* ``"round"`` (``int``): the round the info describes (the round just played; ``0`` at reset);
* ``"joint_action"`` (a tuple of ``int``, one action per player): the round's joint action
  (``-1`` for every player at reset, before anything is played);
* ``"state"`` (``int``, the hidden state ``X``) in a unit-sum game, or ``"types"`` (a tuple of
  ``int``, the realised type profile) in a Bayesian game: the context of that round.

Every agent gets its own info dict. ``render()`` (``"ansi"``/``"human"``; ``"human"`` prints after
every step) shows the last round including ``X`` — it is for people, never an observation.

Episodes end by *termination* after exactly ``max_cycles`` rounds (a finite repeated game whose
observation includes the round index), for every agent at once.

Randomness: ``reset(seed=…)`` seeds ``np_random`` through ``gymnasium.utils.seeding``; each
episode then draws its contexts in one call (one uniform for ``X``, or one per round for types),
so :class:`powergames.envs.batched.BatchedGameEnv` with ``B`` copies reproduces ``B`` consecutive
episodes of this environment on the same seed.

Longer than ~500 lines: construction, the hot ``reset``/``step`` and the caches they read inline
are one class (the count path for large ``n`` is :mod:`powergames.envs.count_path`); splitting
the rest would put an attribute hop into every step.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping, Sequence
from itertools import product
from typing import Any

import gymnasium
import numpy as np
import numpy.typing as npt
from gymnasium.utils import seeding
from pettingzoo import ParallelEnv

from powergames.envs.actions import ActionChecker
from powergames.envs.adapter import GameAdapter, adapt
from powergames.envs.agent_ids import agent_position
from powergames.envs.count_path import CountPath
from powergames.envs.observations import ObservationEncoder, resolve_history
from powergames.envs.per_agent import (
    copies,
    copies_of_one,
    reset_result,
    stacks,
    step_result,
)
from powergames.envs.rendering import TextRender, check_render_mode, round_text
from powergames.envs.seeding import np_random as checked_np_random
from powergames.games.base import Game
from powergames.games.checks import check_positive_int

__all__ = ["GameEnv"]

#: Largest table kept as nested Python lists (the fastest lookup from a Python ``step``).
_LIST_MAX_ENTRIES = 1 << 17
#: Largest joint-action → index dictionary.
_JOINT_INDEX_MAX = 1 << 16
#: Cache size (observations, transitions); a cache is cleared when it grows past this.
_CACHE_MAX = 1 << 16

_index = operator.index
#: The action type that needs no conversion (``type(a) is int``; ``bool`` is a subclass, not this).
_ONLY_INT = frozenset({int})


class GameEnv(TextRender, CountPath, ParallelEnv):
    """A PettingZoo ``ParallelEnv`` playing a game of :mod:`powergames.games`.

    Agents ``"player_0"``, …, ``"player_{n-1}"`` act simultaneously with ``Discrete(k_i)`` actions;
    see the module docstring for contexts, observations, infos and episode ends.

    Args:
        game: a game (:class:`~powergames.games.base.Game`) or its adapter.
        max_cycles: rounds per episode (``1`` = one-shot).
        history: ``"auto"``, ``"none"``, ``"actions"`` or ``"counts"`` — what the observation
            says about the previous round.
        render_mode: ``None``, ``"ansi"`` (``render()`` returns a string) or ``"human"`` (prints
            it after every step).
        name: ``metadata["name"]`` (the registry passes the env id).
        agent_indicator: append the one-hot ``"agent"`` block to every observation; ``None``
            (default) does so unless the players are interchangeable (a symmetric game).

    Raises:
        TypeError, ValueError: an unsupported game or bad arguments (named in the message).
    """

    #: Derived, not saved in checkpoints: rebuilt on first use.
    __snapshot_exclude__ = ("_reset_infos", "_one_context")

    metadata = {
        "name": "powergames_game_v0",
        "render_modes": ["ansi", "human"],
        "is_parallelizable": True,
        "render_fps": 1,
    }

    def __init__(
        self,
        game: Game | GameAdapter,
        max_cycles: int = 1,
        history: str = "auto",
        render_mode: str | None = None,
        name: str | None = None,
        agent_indicator: bool | None = None,
    ) -> None:
        adapter = adapt(game)
        players = tuple((i,) for i in range(adapter.n_players))
        names = [f"player_{i}" for i in range(adapter.n_players)]
        self._init_env(
            adapter, players, names, max_cycles, history, render_mode, name, agent_indicator
        )

    # ------------------------------------------------------------------------ construction
    def _init_env(
        self,
        adapter: GameAdapter,
        seats: Sequence[tuple[int, ...]],
        names: list[str],
        max_cycles: int,
        history: str,
        render_mode: str | None,
        name: str | None,
        agent_indicator: bool | None,
        coalition: bool = False,
    ) -> None:
        self.adapter = adapter
        self.game = adapter.game
        self.render_mode = check_render_mode(render_mode)
        self.history = resolve_history(history, adapter)
        self.metadata = {**type(self).metadata, "name": name or type(self).metadata["name"]}
        self._max_cycles = check_positive_int("max_cycles", max_cycles)
        self._episode_len = self._max_cycles  # the length of the current episode

        n = adapter.n_players
        self.seats = tuple(tuple(s) for s in seats)
        self.possible_agents = list(names)
        self.agents: list[str] = []
        self._seat_of = {a: j for j, a in enumerate(names)}
        self._false = dict.fromkeys(names, False)
        self._true = dict.fromkeys(names, True)
        self._n_seats = len(self.seats)

        if agent_indicator is None:
            agent_indicator = not adapter.players_interchangeable()
        elif not isinstance(agent_indicator, bool):
            raise TypeError(
                f"agent_indicator must be True, False or None (automatic), got {agent_indicator!r}"
            )
        self.agent_indicator = agent_indicator
        self.encoder = ObservationEncoder(
            adapter,
            self.seats,
            self.history,
            joint_types=coalition,
            agent_indicator=agent_indicator,
        )
        # fresh per-agent observation copies and info dicts (envs/per_agent.py)
        self._stacked = stacks(self.encoder.spaces)
        self._copies = copies(names, self._stacked)
        self._spread = copies_of_one(names)
        self._result = step_result(names, self._stacked)
        self._reset_result = reset_result(names, self._stacked)
        self._reset_infos: dict[int, dict[str, Any]] = {}  # the reset info of each context
        self._obs_spaces = dict(zip(names, self.encoder.spaces))
        self._act_spaces = {a: self._make_action_space(s) for a, s in zip(names, self.seats)}
        self._checker = ActionChecker(names, self.seats, adapter.n_actions, multi=coalition)

        # rewards per seat: dense table → nested lists (fast path), else the adapter
        membership = np.zeros((n, self._n_seats))
        for j, seat in enumerate(self.seats):
            membership[list(seat), j] = 1.0
        self._membership = membership
        self._identity_seats = self.seats == tuple((i,) for i in range(n))
        table = adapter.dense_table()
        self._table: npt.NDArray[np.float64] | None = None
        self._reward_rows: list[list[list[float]]] | None = None
        if table is not None:
            if not self._identity_seats:
                table = table @ membership
            self._table = table
            if table.size <= _LIST_MAX_ENTRIES:
                self._reward_rows = table.tolist()
        self._joint_index: dict[tuple[int, ...], int] | None = None
        if self._table is not None and adapter.n_joint <= _JOINT_INDEX_MAX:
            ks = adapter.n_actions
            self._joint_index = {a: j for j, a in enumerate(product(*map(range, ks)))}
        self._ctx_key = adapter.context_key
        self._ctx_value = (
            [adapter.context_value(c) for c in range(adapter.n_contexts)]
            if adapter.context_key
            else None
        )
        self._type_key = (
            list(range(adapter.n_contexts))
            if adapter.context_per_round
            else [0] * adapter.n_contexts
        )
        self._obs_cache: dict[tuple[Any, ...], Any] = {}
        self._reward_dicts: dict[tuple[int, int], dict[str, float]] = {}
        self._count_cache: dict[tuple[Any, ...], tuple[Any, list[float]]] = {}
        self._info_dicts: dict[tuple[Any, ...], dict[str, Any]] = {}
        self._cache: dict[tuple[Any, ...], tuple[Any, dict[str, float], dict[str, Any]]] = {}
        self._no_action = (-1,) * n
        # fast path: one Discrete action per player and a joint-action index (needs n >= 2, so
        # that itemgetter returns a tuple)
        self._getter = operator.itemgetter(*names)
        self._fast_index = self._joint_index if self._identity_seats and n >= 2 else None
        # count path (a game in count form too large for the joint-action index): shares and
        # observations depend on the action counts only, so they are cached by the count vector
        self._count_k = (
            adapter.n_actions[0]
            if self._fast_index is None
            and adapter.symmetric
            and self._identity_seats
            and n >= 2
            and self.history in ("none", "counts")
            else 0
        )
        self._action_range = range(self._count_k)
        self._np_random: np.random.Generator | None = None
        self._np_random_seed: int | None = None
        self._round = 0
        self._ctxs: list[int] = []
        # every episode's contexts when the game has one context (None: drawn at reset)
        self._one_context: list[int] | None = (
            [0] * self._episode_len if adapter.n_contexts == 1 else None
        )
        self._last_joint: tuple[int, ...] | None = None  # the last round's joint action

    def _make_action_space(self, seat: tuple[int, ...]) -> gymnasium.spaces.Space:
        return gymnasium.spaces.Discrete(self.adapter.n_actions[seat[0]])

    # ------------------------------------------------------------------------ public accessors
    @property
    def max_cycles(self) -> int:
        """Rounds per episode (settable; takes effect at the next ``reset``)."""
        return self._max_cycles

    @max_cycles.setter
    def max_cycles(self, value: int) -> None:
        self._max_cycles = check_positive_int("max_cycles", value)

    @property
    def np_random(self) -> np.random.Generator:
        """The generator behind the hidden draws (seeded by ``reset(seed=…)``)."""
        if self._np_random is None:
            self._np_random, self._np_random_seed = seeding.np_random()
        return self._np_random

    @property
    def n_players(self) -> int:
        """``n``, the number of players (not agents: a coalition agent has several)."""
        return self.adapter.n_players

    def _seat(self, agent: Any) -> int:
        return agent_position(self._seat_of, agent)

    def observation_space(self, agent: str) -> gymnasium.spaces.Box:
        """The (cached) observation space of ``agent``."""
        return self._obs_spaces[self.possible_agents[self._seat(agent)]]

    def action_space(self, agent: str) -> gymnasium.spaces.Space:
        """The (cached) action space of ``agent``."""
        return self._act_spaces[self.possible_agents[self._seat(agent)]]

    def observation_layout(self, agent: str) -> dict[str, slice]:
        """Block name → slice of ``agent``'s flat observation (``"type"``, ``"round"``, ``"prev_…"``)."""
        return dict(self.encoder.layouts[self._seat(agent)])

    def members(self, agent: str) -> tuple[int, ...]:
        """The players ``agent`` controls (one player here; several in a coalition view)."""
        return self.seats[self._seat(agent)]

    # ------------------------------------------------------------------------ observations
    def _observe(self, t: int, hist_key: Any, joint: tuple[int, ...] | None, ctx: int) -> Any:
        key = (t, hist_key, self._type_key[ctx])
        cache = self._obs_cache
        obs = cache.get(key)
        if obs is None:
            if len(cache) >= _CACHE_MAX:
                cache.clear()
            adapter = self.adapter
            types = adapter.context_types[ctx] if adapter.context_per_round else None
            built = self.encoder.build(t, self._episode_len, joint, types)
            if self._stacked:  # one (n_agents, D) array: copied once, handed out by rows
                obs = np.stack(built)
                obs.setflags(write=False)
            else:  # the cached rows are never handed out: steps return copies
                for o in built:
                    o.setflags(write=False)
                obs = tuple(built)
            cache[key] = obs
        return obs

    # ------------------------------------------------------------------------ the API
    def reset(
        self, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, npt.NDArray[np.float32]], dict[str, dict[str, Any]]]:
        """Start an episode: draw the hidden state (or the types of every round) and observe.

        Args:
            seed: reseeds ``np_random`` (Gymnasium semantics; ``None`` continues the stream).
            options: ``{"state": x}`` fixes the hidden state ``X`` of this episode (unit-sum games;
                the usual draw is still made, so the stream stays aligned). Other keys are ignored.
        """
        if seed is not None or self._np_random is None:
            self._np_random, self._np_random_seed = checked_np_random(seed)
        length = self._max_cycles
        if length != self._episode_len:  # max_cycles changed: cached observations are stale
            self._episode_len = length
            self._obs_cache.clear()
            self._cache.clear()
            self._count_cache.clear()
            if self._one_context is not None:
                self._one_context = [0] * length
        # a single context: nothing to draw (read-only, so one list serves every episode)
        ctxs = self._one_context or self.adapter.draw_episode(self._np_random, length)
        if options and "state" in options:
            ctxs = [self._check_state_option(options["state"])] * length
        self._ctxs = ctxs
        self._round = 0
        self._last_joint = None
        self.agents = self.possible_agents[:]
        ctx = ctxs[0]
        packed = self._obs_cache.get((0, None, self._type_key[ctx]))
        if packed is None:
            packed = self._observe(0, None, None, ctx)
        info = self._reset_infos.get(ctx)
        if info is None:
            info = self._reset_infos[ctx] = self._info(0, self._no_action, ctx)
        return self._reset_result(packed, info)

    def _check_state_option(self, x: Any) -> int:
        if self.adapter.context_key != "state":
            raise ValueError(
                f"options['state'] is only for games with a hidden state; this is a {self.adapter.kind} game"
            )
        n_states = self.adapter.n_contexts
        if isinstance(x, bool) or not isinstance(x, int | np.integer) or not 0 <= x < n_states:
            raise ValueError(f"options['state'] must be an integer in [0, {n_states}), got {x!r}")
        return int(x)

    def step(self, actions: Mapping[str, Any]) -> tuple[dict, dict, dict, dict, dict]:
        """Play one round.

        Args:
            actions: one action per live agent (``int`` in ``[0, k_i)``, NumPy integers accepted).

        Returns:
            ``(observations, rewards, terminations, truncations, infos)``, each a dict over the
            agents that acted; observation arrays are fresh and writable; every agent has its own
            info dict (module docstring).

        Raises:
            ValueError: an action out of range, NaN or of the wrong shape, an unknown or missing
                agent, or a step after the episode ended (or before ``reset``).
            TypeError: ``actions`` not a dict, or an action that is not an integer.
        """
        agents = self.agents
        if not agents:
            raise ValueError(
                "step() called after the episode ended (or before reset()); call reset() first"
            )
        fast = self._fast_index
        if fast is not None:
            try:
                values = self._getter(actions)
                if _ONLY_INT.issuperset(map(type, values)):  # plain ints: the key as it is
                    joint = values
                else:  # NumPy integers and other integer types; booleans refused below
                    joint = tuple(map(_index, values))
                    if bool in map(type, values):
                        raise TypeError
                idx: int | None = fast[joint]
            except (KeyError, TypeError, IndexError):
                self._checker.raise_invalid(actions, agents)
            if len(actions) != self._n_seats:
                self._checker.raise_invalid(actions, agents)
        elif self._count_k:
            return self._step_counts(actions, agents)
        else:
            joint = self._checker.joint(actions, agents)
            idx = self._flat_index(joint)
        t = self._round
        ctxs = self._ctxs
        ctx = ctxs[t]
        t1 = t + 1
        self._round = t1
        if t1 < self._episode_len:
            nctx = ctxs[t1]
            terminations = self._false.copy()
        else:
            nctx = ctx
            terminations = self._true.copy()
            self.agents = []
        key = (t1, joint if idx is None else idx, ctx, nctx)
        tr = self._cache.get(key)
        if tr is None:
            tr = self._transition(key, joint, idx)
        self._last_joint = joint
        if self.render_mode == "human":
            self.render()
        packed, rewards, info = tr
        return self._result(packed, rewards, info, terminations)

    def _flat_index(self, joint: tuple[int, ...]) -> int | None:
        """The index of a joint action in the dense table (``None`` without one)."""
        if self._joint_index is not None:
            return self._joint_index[joint]
        if self._table is not None:
            return int(np.ravel_multi_index(joint, self.adapter.n_actions))
        return None

    def _info(self, t: int, joint: tuple[int, ...], ctx: int) -> dict[str, Any]:
        """The info of round ``t`` (module docstring); every agent gets its own copy."""
        if self._ctx_key is None:
            return {"round": t, "joint_action": joint}
        return {"round": t, "joint_action": joint, self._ctx_key: self._ctx_value[ctx]}  # type: ignore[index]

    def _round_rewards(
        self, ctx: int, joint: tuple[int, ...], idx: int | None = None
    ) -> list[float]:
        """Every seat's reward for the joint action ``joint`` in context ``ctx`` (a list, seat order)."""
        rows = self._reward_rows
        if rows is not None and idx is not None:
            return rows[ctx][idx]
        if self._table is not None:
            if idx is None:
                idx = int(np.ravel_multi_index(joint, self.adapter.n_actions))
            return self._table[ctx, idx].tolist()
        r = np.asarray(self.adapter.rewards(ctx, joint), dtype=np.float64)
        if not self._identity_seats:
            r = r @ self._membership
        return r.tolist()

    def _transition(
        self, key: tuple[Any, ...], joint: tuple[int, ...], idx: int | None
    ) -> tuple[Any, dict[str, float], dict[str, Any]]:
        """Build (and cache) the observations, rewards and info of one (round, action, context) key."""
        t1, _, ctx, nctx = key
        rewards = self._round_rewards(ctx, joint, idx)
        hist_key = self.encoder.history_key(idx, joint) if self.encoder.hist_size else None
        obs = self._observe(t1, hist_key, joint, nctx)
        shared = self._reward_dicts  # one rewards dict per (context, joint action), shared
        rew = shared.get((ctx, idx)) if idx is not None else None
        if rew is None:
            rew = dict(zip(self.possible_agents, rewards))
            if idx is not None:
                if len(shared) >= _CACHE_MAX:
                    shared.clear()
                shared[(ctx, idx)] = rew
        # one info dict per (round, joint action, context), shared by the next contexts' keys
        info_key = (t1 - 1, joint, ctx)
        info = self._info_dicts.get(info_key)
        if info is None:
            if len(self._info_dicts) >= _CACHE_MAX:
                self._info_dicts.clear()
            info = self._info_dicts[info_key] = self._info(t1 - 1, joint, ctx)
        tr = (obs, rew, info)
        cache = self._cache
        if len(cache) >= _CACHE_MAX:
            cache.clear()
        cache[key] = tr
        return tr

    # ------------------------------------------------------------------------ rendering
    def _render_text(self) -> str:
        """The last round; shows the hidden state / types, which are never part of an observation."""
        name = str(self.metadata["name"])
        joint = self._last_joint
        if joint is None:
            return f"{name}: round 0/{self._episode_len}, no actions yet"
        t = self._round - 1
        ctx = self._ctxs[t]
        rewards = self._round_rewards(ctx, joint)
        context = ""
        if self.adapter.context_key == "state":
            context = f"hidden state X = {ctx}"
        elif self.adapter.context_key == "types":
            context = f"types {self._ctx_value[ctx]}"  # type: ignore[index]
        return round_text(
            name, t, self._episode_len, context, self.possible_agents, self.seats, joint, rewards
        )

    def close(self) -> None:
        """Nothing to release."""

    # ------------------------------------------------------------------------ pickling
    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_obs_cache"] = {}
        state["_cache"] = {}
        state["_reward_dicts"] = {}
        state["_count_cache"] = {}
        state["_info_dicts"] = {}
        for closure in ("_copies", "_spread", "_result", "_reset_result"):  # see __setstate__
            del state[closure]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._copies = copies(self.possible_agents, self._stacked)
        self._spread = copies_of_one(self.possible_agents)
        self._result = step_result(self.possible_agents, self._stacked)
        self._reset_result = reset_result(self.possible_agents, self._stacked)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.adapter.kind}, agents={self.possible_agents}, "
            f"max_cycles={self._max_cycles}, history={self.history!r})"
        )
