"""PettingZoo ``ParallelEnv`` for every game family of :mod:`powergames.games`.

One class, :class:`GameEnv`, plays any game object — a :class:`NormalFormGame`, a
:class:`UnitSumGame`, a :class:`SymmetricUnitSumGame` or a :class:`BayesianGame` — once
(``max_cycles=1``) or repeatedly for ``max_cycles`` rounds. A small internal adapter per family
(:func:`adapt`) says what the environment needs: the number of players, their action and type
counts, how to draw the round's hidden *context* and the rewards of a pure joint action.

Contexts (what nobody observes, MATH.md §1–2):

* unit-sum games (dense or symmetric count form): the hidden state ``X`` is drawn from the prior
  at ``reset`` and kept for the whole episode; rewards are the shares ``s_i(X, a)``;
* Bayesian games: a type profile ``t ~ Ω`` is drawn for every round; agent ``i`` observes only
  its own ``t_i`` and gets ``r_i(t_i, a)``;
* normal-form games: no context; rewards are the payoffs ``u_i(a)``.

Observation of agent ``i`` (a flat ``float32`` ``Box(0, 1)``; :meth:`GameEnv.observation_layout`
gives the slices):

* ``"type"``: one-hot of the agent's own type, padded to ``max_i T_i`` so every agent has the
  same space (a constant ``[1.0]`` in a game without types);
* ``"round"``: the index of the round about to be played divided by ``max_cycles`` (``1.0`` in
  the final observation);
* ``"prev_actions"`` (``history="actions"``): the previous joint action, one one-hot block of
  ``k_j`` entries per player ``j`` (zeros before the first round); or ``"prev_counts"``
  (``history="counts"``, games with equal action counts): the fraction of players on each
  action in the previous round; or nothing (``history="none"``). ``"auto"`` picks counts for a
  symmetric game and actions otherwise.

The hidden state and the other agents' types never enter an observation: observations are
cached by (round, previous joint action, own-type profile) only. ``infos[agent]`` carries what
evaluators need for the round just played: ``"round"``, ``"joint_action"`` (a tuple, one action
per player) and ``"state"`` (``X``) or ``"types"`` (the realised type profile). ``reset`` infos
carry ``"state"`` / ``"types"`` of the first round. Within one call every agent's info is the same
(fresh) dict, and observation arrays are read-only and shared between calls with the same round,
previous action and own type (they are cached): copy an observation before changing it. ``render()`` (``"ansi"``/``"human"``) shows
the last round including ``X`` — it is for people, never an observation.

Episodes end by *termination* after exactly ``max_cycles`` rounds (a finite repeated game whose
observation includes the round index), for every agent at once.

Randomness: ``reset(seed=…)`` seeds ``np_random`` through ``gymnasium.utils.seeding``; each
episode then draws its contexts in one call (one uniform for ``X``, or one per round for types),
so :class:`powergames.envs.batched.BatchedGameEnv` with ``B`` copies reproduces ``B`` consecutive
episodes of this environment on the same seed.
"""

from __future__ import annotations

import bisect
import math
import operator
from collections.abc import Mapping, Sequence
from itertools import product
from typing import Any

import gymnasium
import numpy as np
import numpy.typing as npt
from gymnasium.utils import seeding
from pettingzoo import ParallelEnv

from powergames.games.base import Game, check_game
from powergames.games.checks import check_positive_int

__all__ = ["HISTORY_MODES", "GameAdapter", "GameEnv", "adapt"]

#: Values of the ``history`` argument.
HISTORY_MODES = ("auto", "none", "actions", "counts")

#: Largest dense reward table (``n_contexts · Π k_i · n_players`` floats) built for fast indexing.
DENSE_MAX_ENTRIES = 1 << 22
#: Largest table kept as nested Python lists (the fastest lookup from a Python ``step``).
_LIST_MAX_ENTRIES = 1 << 17
#: Largest joint-action → index dictionary.
_JOINT_INDEX_MAX = 1 << 16
#: Observation cache size; the cache is cleared when it grows past this.
_OBS_CACHE_MAX = 1 << 16

_index = operator.index


# ================================================================================= adapter
def _kind(game: Game) -> str:
    if game.per_type:
        return "bayesian"
    if game.count_form:
        return "symmetric"
    return "unit_sum" if game.is_unit_sum else "normal_form"


class GameAdapter:
    """What an environment needs of a game, read once from its :class:`~powergames.games.base.Game` protocol.

    It adds to the game what playing it needs: drawing contexts from one generator in a fixed order,
    and (for small games) one dense reward table for fast lookups.

    Attributes:
        game: the wrapped game object.
        kind: ``"normal_form"``, ``"unit_sum"``, ``"symmetric"`` or ``"bayesian"`` (from the game's
            ``per_type``, ``count_form`` and ``is_unit_sum``).
        n_players: ``n``.
        n_actions: ``(k_0, …, k_{n-1})``.
        n_types: ``(T_0, …, T_{n-1})`` (all 1 without types).
        context_prior: shape ``(n_contexts,)``: the prior over hidden states ``X`` or over flat
            type profiles (C order of ``BayesianGame.prior``); ``[1.0]`` for a normal-form game.
        context_per_round: whether a new context is drawn every round (types) or once per episode.
        context_types: shape ``(n_contexts, n)``: each player's type in each context.
        context_key: the ``infos`` key of the context (``"state"``, ``"types"`` or ``None``).
        symmetric: whether the game is given in symmetric count form.
    """

    def __init__(self, game: Game) -> None:
        contexts = game.contexts
        self.game = game
        self.kind = _kind(game)
        self.n_actions = tuple(int(k) for k in game.action_sizes)
        self.n_players = len(self.n_actions)
        self.n_types = tuple(int(t) for t in game.type_sizes)
        self.contexts = contexts
        self.context_key = contexts.key
        self.context_per_round = contexts.per_round
        self.symmetric = bool(game.count_form)
        prior = np.asarray(contexts.prior, dtype=np.float64)
        self.context_prior = prior
        self.n_contexts = prior.size
        self.context_types = np.ascontiguousarray(contexts.types)
        self._values = [contexts.value(c) for c in range(self.n_contexts)]
        cdf = np.cumsum(prior)
        cdf /= cdf[-1]
        cdf[int(np.flatnonzero(prior > 0)[-1]) :] = 1.0  # u < 1 never lands on trailing zeros
        self._cdf = cdf
        self._cdf_list = cdf.tolist()
        self.n_joint = math.prod(self.n_actions)
        self.rewards = game.payoffs_at
        self.rewards_batch = game.payoffs_batch

    # -------------------------------------------------------------------- randomness
    def draw_contexts(
        self, rng: np.random.Generator, n_episodes: int, max_cycles: int
    ) -> npt.NDArray[np.int64]:
        """The contexts of ``n_episodes`` consecutive episodes, shape ``(n_episodes, max_cycles)``.

        One uniform per episode (a hidden state) or per round (a type profile), drawn in a single
        ``rng.random`` call in C order, so episode ``b`` of a batch equals the ``b``-th of
        ``n_episodes`` single draws. Nothing is drawn when there is a single context.
        """
        if self.n_contexts == 1:
            return np.zeros((n_episodes, max_cycles), dtype=np.int64)
        if self.context_per_round:
            u = rng.random((n_episodes, max_cycles))
            return np.searchsorted(self._cdf, u, side="right").astype(np.int64)
        u = rng.random((n_episodes, 1))
        ctx = np.searchsorted(self._cdf, u, side="right").astype(np.int64)
        return np.broadcast_to(ctx, (n_episodes, max_cycles))

    def draw_episode(self, rng: np.random.Generator, max_cycles: int) -> list[int]:
        """The contexts of one episode as a list: ``draw_contexts(rng, 1, max_cycles)[0]``, faster.

        Consumes the generator exactly as :meth:`draw_contexts` does for one episode.
        """
        if self.n_contexts == 1:
            return [0] * max_cycles
        if self.context_per_round:
            return self.draw_contexts(rng, 1, max_cycles)[0].tolist()
        return [bisect.bisect_right(self._cdf_list, rng.random())] * max_cycles

    def context_value(self, ctx: int) -> int | tuple[int, ...] | None:
        """The ``infos`` value of context ``ctx`` (an ``int`` state, a tuple of types or ``None``)."""
        return self._values[int(ctx)]

    # -------------------------------------------------------------------- rewards
    def dense_table(self, max_entries: int = DENSE_MAX_ENTRIES) -> npt.NDArray[np.float64] | None:
        """All rewards as one array ``(n_contexts, Π k_i, n)`` (joint actions in C order), or ``None`` if too big."""
        if self.n_contexts * self.n_joint * self.n_players > max_entries:
            return None
        profiles = np.indices(self.n_actions).reshape(self.n_players, -1).T.astype(np.int64)
        out = np.empty((self.n_contexts, self.n_joint, self.n_players))
        for c in range(self.n_contexts):
            out[c] = self.rewards_batch(np.full(self.n_joint, c, dtype=np.int64), profiles)
        return out

    def __repr__(self) -> str:
        return f"GameAdapter({self.game!r})"


def adapt(game: object) -> GameAdapter:
    """The adapter for ``game`` (any object offering the :class:`~powergames.games.base.Game` protocol).

    Raises:
        TypeError: ``game`` is not a game.
    """
    if isinstance(game, GameAdapter):
        return game
    return GameAdapter(check_game("game", game))


# ================================================================================= environment
def _describe(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"array(shape={value.shape}, dtype={value.dtype}) {value.tolist()!r}"
    return f"{type(value).__name__} {value!r}"


class _TextRender:
    """``render()`` for an env whose ``_render_text()`` describes the last round (a mixin)."""

    render_mode: str | None

    def render(self) -> str | None:
        """The last round as text (``"ansi"``: returned; ``"human"``: printed, returns ``None``)."""
        if self.render_mode is None:
            gymnasium.logger.warn("render() called without a render_mode; pass render_mode='ansi'")
            return None
        text = self._render_text()
        if self.render_mode == "human":
            print(text)
            return None
        return text

    def _render_text(self) -> str:
        raise NotImplementedError


class GameEnv(_TextRender, ParallelEnv):
    """A PettingZoo ``ParallelEnv`` playing a game of :mod:`powergames.games`.

    Agents ``"player_0"``, …, ``"player_{n-1}"`` act simultaneously with ``Discrete(k_i)`` actions;
    see the module docstring for contexts, observations, infos and episode ends.

    Args:
        game: a ``NormalFormGame``, ``UnitSumGame``, ``SymmetricUnitSumGame`` or ``BayesianGame``.
        max_cycles: rounds per episode (``1`` = one-shot).
        history: ``"auto"``, ``"none"``, ``"actions"`` or ``"counts"`` — what the observation
            says about the previous round.
        render_mode: ``None``, ``"ansi"`` (``render()`` returns a string) or ``"human"`` (prints it).
        name: ``metadata["name"]`` (the registry passes the env id).

    Raises:
        TypeError, ValueError: an unsupported game or bad arguments (named in the message).
    """

    metadata = {
        "name": "powergames_game_v0",
        "render_modes": ["ansi", "human"],
        "is_parallelizable": True,
        "render_fps": 1,
    }

    def __init__(
        self,
        game: Any,
        max_cycles: int = 1,
        history: str = "auto",
        render_mode: str | None = None,
        name: str | None = None,
    ) -> None:
        adapter = adapt(game)
        players = tuple((i,) for i in range(adapter.n_players))
        names = [f"player_{i}" for i in range(adapter.n_players)]
        self._init_env(adapter, players, names, max_cycles, history, render_mode, name)

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
    ) -> None:
        self.adapter = adapter
        self.game = adapter.game
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(
                f"render_mode must be None or one of {self.metadata['render_modes']}, got {render_mode!r}"
            )
        self.render_mode = render_mode
        if not isinstance(history, str) or history not in HISTORY_MODES:
            raise ValueError(f"history must be one of {HISTORY_MODES}, got {history!r}")
        if history == "auto":
            history = "counts" if adapter.symmetric else "actions"
        if history == "counts" and len(set(adapter.n_actions)) != 1:
            raise ValueError(
                "history='counts' needs the same number of actions for every player, got "
                f"{adapter.n_actions}"
            )
        self.history = history
        self.metadata = {**type(self).metadata, "name": name or type(self).metadata["name"]}
        self._max_cycles = check_positive_int("max_cycles", max_cycles)
        self._episode_len = self._max_cycles  # the length of the current episode

        n = adapter.n_players
        self.seats = tuple(tuple(s) for s in seats)
        self.possible_agents = list(names)
        self.agents: list[str] = []
        self._seat_of = {a: s for a, s in zip(names, range(len(names)))}
        self._false = dict.fromkeys(names, False)
        self._true = dict.fromkeys(names, True)

        # observation layout: [type block | round | history]
        ks = adapter.n_actions
        self._hist_size = {"none": 0, "actions": sum(ks), "counts": ks[0]}[history]
        self._hist_offsets = np.concatenate([[0], np.cumsum(ks)[:-1]]).astype(np.int64)
        self._layouts: list[dict[str, slice]] = []
        self._obs_spaces: dict[str, gymnasium.spaces.Box] = {}
        for agent, seat in zip(names, self.seats):
            t_size = self._type_block_size(seat)
            layout = {"type": slice(0, t_size), "round": slice(t_size, t_size + 1)}
            if history == "actions":
                layout["prev_actions"] = slice(t_size + 1, t_size + 1 + self._hist_size)
            elif history == "counts":
                layout["prev_counts"] = slice(t_size + 1, t_size + 1 + self._hist_size)
            self._layouts.append(layout)
            dim = t_size + 1 + self._hist_size
            self._obs_spaces[agent] = gymnasium.spaces.Box(0.0, 1.0, (dim,), np.float32)
        self._act_spaces = {a: self._make_action_space(s) for a, s in zip(names, self.seats)}

        # rewards per seat: dense table → nested lists (fast path), else the adapter
        membership = np.zeros((n, len(self.seats)))
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
            self._joint_index = {a: j for j, a in enumerate(product(*map(range, ks)))}
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
        self._obs_cache: dict[tuple[Any, ...], tuple[npt.NDArray[np.float32], ...]] = {}
        self._reset_cache: dict[tuple[Any, ...], dict[str, Any]] = {}
        self._cache: dict[
            tuple[Any, ...], tuple[dict[str, Any], dict[str, float], list[float]]
        ] = {}
        self._ctx_key = adapter.context_key
        self._n_seats = len(self.seats)
        # fast path: one Discrete action per player and a joint-action index (needs n >= 2, so
        # that itemgetter returns a tuple)
        self._getter = operator.itemgetter(*names)
        self._fast_index = self._joint_index if self._identity_seats and n >= 2 else None
        self._np_random: np.random.Generator | None = None
        self._np_random_seed: int | None = None
        self._round = 0
        self._ctxs: list[int] = []
        self._last: tuple[int, tuple[int, ...], list[float], int] | None = None

    def _type_block_size(self, seat: tuple[int, ...]) -> int:
        return max(self.adapter.n_types)

    def _type_position(self, seat: tuple[int, ...], types: Sequence[int]) -> int:
        return int(types[seat[0]])

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
        return self.adapter.n_players

    def _seat(self, agent: Any) -> int:
        try:
            return self._seat_of[agent]
        except (KeyError, TypeError):
            raise ValueError(
                f"unknown agent {agent!r}; the agents are {self.possible_agents}"
            ) from None

    def observation_space(self, agent: str) -> gymnasium.spaces.Box:
        """The (cached) observation space of ``agent``."""
        return self._obs_spaces[self.possible_agents[self._seat(agent)]]

    def action_space(self, agent: str) -> gymnasium.spaces.Space:
        """The (cached) action space of ``agent``."""
        return self._act_spaces[self.possible_agents[self._seat(agent)]]

    def observation_layout(self, agent: str) -> dict[str, slice]:
        """Block name → slice of ``agent``'s flat observation (``"type"``, ``"round"``, ``"prev_…"``)."""
        return dict(self._layouts[self._seat(agent)])

    def members(self, agent: str) -> tuple[int, ...]:
        """The players ``agent`` controls (one player here; several in a coalition view)."""
        return self.seats[self._seat(agent)]

    # ------------------------------------------------------------------------ observations
    def _history_vector(self, joint: tuple[int, ...] | None) -> npt.NDArray[np.float32]:
        h = np.zeros(self._hist_size, dtype=np.float32)
        if joint is None or self.history == "none":
            return h
        a = np.asarray(joint, dtype=np.int64)
        if self.history == "actions":
            h[self._hist_offsets + a] = 1.0
        else:
            h[:] = np.bincount(a, minlength=self._hist_size) / self.adapter.n_players
        return h

    def _build_obs(
        self, t: int, joint: tuple[int, ...] | None, ctx: int
    ) -> tuple[npt.NDArray[np.float32], ...]:
        hist = self._history_vector(joint)
        types = self.adapter.context_types[ctx] if self.adapter.context_per_round else None
        out = []
        for seat, layout in zip(self.seats, self._layouts):
            v = np.zeros(layout["round"].stop + self._hist_size, dtype=np.float32)
            v[self._type_position(seat, types) if types is not None else 0] = 1.0
            v[layout["round"].start] = t / self._episode_len
            v[layout["round"].stop :] = hist
            v.setflags(write=False)
            out.append(v)
        return tuple(out)

    def _observe(
        self, t: int, hist_key: Any, joint: tuple[int, ...] | None, ctx: int
    ) -> list[npt.NDArray[np.float32]]:
        key = (t, hist_key, self._type_key[ctx])
        cache = self._obs_cache
        obs = cache.get(key)
        if obs is None:
            if len(cache) >= _OBS_CACHE_MAX:
                cache.clear()
            obs = cache[key] = self._build_obs(t, joint, ctx)
        return obs

    def _hist_key(self, idx: int | None, joint: tuple[int, ...]) -> Any:
        if self.history == "none":
            return None
        if self.history == "counts":
            counts = [0] * self._hist_size
            for a in joint:
                counts[a] += 1
            return tuple(counts)
        return idx if idx is not None else joint

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
            self._np_random, self._np_random_seed = seeding.np_random(seed)
        length = self._max_cycles
        if length != self._episode_len:  # max_cycles changed: cached observations are stale
            self._episode_len = length
            self._obs_cache.clear()
            self._cache.clear()
            self._reset_cache.clear()
        ctxs = self.adapter.draw_episode(self._np_random, length)
        if options and "state" in options:
            ctxs = [self._check_state_option(options["state"])] * length
        self._ctxs = ctxs
        self._round = 0
        self._last = None
        agents = self.agents = self.possible_agents[:]
        ctx = ctxs[0]
        key = (0, None, self._type_key[ctx])
        obs = self._reset_cache.get(key)
        if obs is None:
            obs = self._reset_cache[key] = dict(zip(agents, self._observe(0, None, None, ctx)))
        info: dict[str, Any] = {}
        if self._ctx_key is not None:
            info[self._ctx_key] = self._ctx_value[ctx]  # type: ignore[index]
        return obs.copy(), dict.fromkeys(agents, info)

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
            agents that acted. Observation arrays are read-only (they are shared between steps
            with the same round, previous action and own type); copy one before changing it.

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
                joint = tuple(map(_index, values))
                idx = fast[joint]
            except (KeyError, TypeError, IndexError):
                self._raise_invalid(actions)
            if len(actions) != self._n_seats or bool in map(type, values):
                self._raise_invalid(actions)
        else:
            joint, idx = self._parse_actions(actions)
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
        obs, rewards, rew_list = tr
        self._last = (t, joint, rew_list, ctx)
        info = {"round": t, "joint_action": joint}
        ctx_key = self._ctx_key
        if ctx_key is not None:
            info[ctx_key] = self._ctx_value[ctx]
        if self.render_mode == "human":
            self.render()
        return (
            obs.copy(),
            rewards.copy(),
            terminations,
            self._false.copy(),
            dict.fromkeys(agents, info),
        )

    def _transition(
        self, key: tuple[Any, ...], joint: tuple[int, ...], idx: int | None
    ) -> tuple[dict[str, Any], dict[str, float], list[float]]:
        """Build (and cache) the observations and rewards of one (round, action, context) key."""
        t1, _, ctx, nctx = key
        rows = self._reward_rows
        if rows is not None:
            rewards = rows[ctx][idx]
        elif self._table is not None:
            if idx is None:
                idx = int(np.ravel_multi_index(joint, self.adapter.n_actions))
            rewards = self._table[ctx, idx].tolist()
        else:
            r = np.asarray(self.adapter.rewards(ctx, joint), dtype=np.float64)
            if not self._identity_seats:
                r = r @ self._membership
            rewards = r.tolist()
        hist_key = self._hist_key(idx, joint) if self._hist_size else None
        obs = self._observe(t1, hist_key, joint, nctx)
        names = self.possible_agents
        tr = (dict(zip(names, obs)), dict(zip(names, rewards)), rewards)
        cache = self._cache
        if len(cache) >= _OBS_CACHE_MAX:
            cache.clear()
        cache[key] = tr
        return tr

    # ------------------------------------------------------------------------ action checks
    def _parse_actions(self, actions: Any) -> tuple[tuple[int, ...], int | None]:
        """Validate a dict of actions (the general path); return the joint action and its flat index.

        The joint action has one entry per *player* (coalition members' actions placed at their
        players); the index is ``None`` when the game has no dense reward table.
        """
        if not isinstance(actions, Mapping) or len(actions) != len(self.agents):
            self._raise_invalid(actions)
        joint = [0] * self.adapter.n_players
        for agent, seat in zip(self.agents, self.seats):
            if agent not in actions:
                self._raise_invalid(actions)
            for i, a in zip(seat, self._check_action(agent, actions[agent])):
                joint[i] = a
        out = tuple(joint)
        if self._joint_index is not None:
            return out, self._joint_index[out]
        if self._table is not None:
            return out, int(np.ravel_multi_index(out, self.adapter.n_actions))
        return out, None

    def _raise_invalid(self, actions: Any) -> None:
        """Find the first problem in ``actions`` and raise a ValueError/TypeError naming it."""
        if not isinstance(actions, Mapping):
            raise TypeError(
                "actions must be a dict mapping each live agent to its action, got "
                f"{type(actions).__name__}"
            )
        for key in actions:
            if key not in self._seat_of:
                raise ValueError(
                    f"unknown agent {key!r} in actions; the live agents are {self.agents}"
                )
        for agent in self.agents:
            if agent not in actions:
                raise ValueError(
                    f"missing action for agent {agent!r}; step() needs one action for every live "
                    f"agent {self.agents}"
                )
            self._check_action(agent, actions[agent])
        raise AssertionError("actions were rejected but no problem was found")  # pragma: no cover

    def _check_action(self, agent: str, value: Any) -> list[int]:
        """Check one agent's action; return its members' actions."""
        k = self.adapter.n_actions[self.seats[self._seat(agent)][0]]
        return [self._check_scalar(agent, value, k, f"Discrete({k})")]

    @staticmethod
    def _check_scalar(agent: str, value: Any, k: int, space: str, what: str = "action") -> int:
        if isinstance(value, bool | np.bool_):
            raise TypeError(
                f"{what} for agent {agent!r} must be an integer in [0, {k}) for {space}, got "
                f"the boolean {value!r}"
            )
        if isinstance(value, float | np.floating) and np.isnan(value):
            raise ValueError(
                f"{what} for agent {agent!r} is NaN; {space} takes integers in [0, {k})"
            )
        if isinstance(value, np.ndarray):
            if value.shape != ():
                raise ValueError(
                    f"{what} for agent {agent!r} must be a scalar integer for {space}, got "
                    f"{_describe(value)}"
                )
            if value.dtype.kind == "f" and np.isnan(value):
                raise ValueError(
                    f"{what} for agent {agent!r} is NaN; {space} takes integers in [0, {k})"
                )
        try:
            a = _index(value)
        except TypeError:
            raise TypeError(
                f"{what} for agent {agent!r} must be an integer in [0, {k}) for {space}, got "
                f"{_describe(value)}"
            ) from None
        if not 0 <= a < k:
            raise ValueError(
                f"{what} {value!r} for agent {agent!r} is out of range: {space} takes integers "
                f"in [0, {k})"
            )
        return a

    # ------------------------------------------------------------------------ rendering
    def _render_text(self) -> str:
        """The last round; shows the hidden state / types, which are never part of an observation."""
        name = self.metadata["name"]
        if self._last is None:
            return f"{name}: round 0/{self._episode_len}, no actions yet"
        t, joint, rewards, ctx = self._last
        head = f"{name}: round {t + 1}/{self._episode_len}"
        if self.adapter.context_key == "state":
            head += f"  (hidden state X = {ctx})"
        elif self.adapter.context_key == "types":
            head += f"  (types {self._ctx_value[ctx]})"  # type: ignore[index]
        lines = [head]
        width = max(len(a) for a in self.possible_agents)
        for agent, seat, r in zip(self.possible_agents, self.seats, rewards):
            acts = ", ".join(str(joint[i]) for i in seat)
            lines.append(f"  {agent:<{width}}  action {acts:<5}  reward {r:+.4f}")
        return "\n".join(lines)

    def close(self) -> None:
        """Nothing to release."""

    # ------------------------------------------------------------------------ pickling
    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_obs_cache"] = {}
        state["_cache"] = {}
        state["_reset_cache"] = {}
        return state

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.adapter.kind}, agents={self.possible_agents}, "
            f"max_cycles={self._max_cycles}, history={self.history!r})"
        )
