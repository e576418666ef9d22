"""The step of :class:`~powergames.envs.game_env.GameEnv` for games in count form at any ``n``.

A game in count form (MATH.md (1.2)) pays each player by its own action, the hidden state and the
action counts, and (with ``history="counts"`` or ``"none"``) observations depend on the counts
only. So with many players, where no joint-action index fits, :class:`CountPath` validates the
actions in a few C-level passes (their types, then the counts, whose sum is ``n`` only when every
action is in ``[0, k)``) and caches observations and the share of each action by the count vector:
``C(n+k-1, k-1)`` keys per round (231 at ``n = 20, k = 3``) instead of ``k^n`` joint actions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from powergames.envs.actions import ActionChecker, integer_actions

__all__ = ["CountPath"]

#: The action type that needs no conversion (``type(a) is int``; ``bool`` is a subclass, not this).
_ONLY_INT = frozenset({int})
#: Entries of the count cache before it is cleared.
_COUNT_CACHE_MAX = 1 << 16


class CountPath:
    """Mixin of :class:`~powergames.envs.game_env.GameEnv`: ``step`` cached by action counts.

    Uses the environment's round bookkeeping, observation cache and result builders; enabled
    by ``GameEnv`` when ``_count_k`` (the number of actions) is non-zero.
    """

    # set by GameEnv._init_env
    agents: list[str]
    possible_agents: list[str]
    render_mode: str | None
    _checker: ActionChecker
    _getter: Callable[[Any], Any]
    _n_seats: int
    _action_range: range
    _round: int
    _ctxs: list[int]
    _episode_len: int
    _false: dict[str, bool]
    _true: dict[str, bool]
    _count_cache: dict[tuple[Any, ...], tuple[Any, list[float]]]
    _last_joint: tuple[int, ...] | None
    _ctx_key: str | None
    _ctx_value: list[Any] | None
    _spread: Callable[[Any], dict[str, Any]]
    _copies: Callable[[Any], dict[str, Any]]
    encoder: Any

    def render(self) -> Any:  # provided by TextRender
        raise NotImplementedError

    def _observe(self, t: int, hist_key: Any, joint: tuple[int, ...] | None, ctx: int) -> Any:
        raise NotImplementedError  # provided by GameEnv

    def _round_rewards(
        self, ctx: int, joint: tuple[int, ...], idx: int | None = None
    ) -> list[float]:
        raise NotImplementedError  # provided by GameEnv

    def _step_counts(
        self, actions: Mapping[str, Any], agents: list[str]
    ) -> tuple[dict, dict, dict, dict, dict]:
        """:meth:`step` for a game in count form: everything cached by the count vector."""
        try:
            values = self._getter(actions)
        except (KeyError, TypeError):
            self._checker.raise_invalid(actions, agents)
        if len(actions) != self._n_seats:
            self._checker.raise_invalid(actions, agents)
        if not _ONLY_INT.issuperset(map(type, values)):
            values = integer_actions(values, self._n_seats) or self._checker.joint(actions, agents)
        counts = tuple(map(values.count, self._action_range))
        if sum(counts) != self._n_seats:  # some action outside [0, k)
            self._checker.raise_invalid(actions, agents)
        # the round's bookkeeping as GameEnv.step writes it out (a shared helper would put one
        # more call into every small game's step)
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
        key = (t1, counts, ctx, nctx)
        tr = self._count_cache.get(key)
        if tr is None:
            tr = self._count_transition(key, values)
        packed, per_action = tr
        self._last_joint = values
        ctx_key = self._ctx_key
        if ctx_key is None:
            infos = self._spread({"round": t, "joint_action": values})
        else:
            value = self._ctx_value[ctx]  # type: ignore[index]
            infos = self._spread({"round": t, "joint_action": values, ctx_key: value})
        if self.render_mode == "human":
            self.render()
        rewards = dict(zip(self.possible_agents, map(per_action.__getitem__, values)))
        return self._copies(packed), rewards, terminations, self._false.copy(), infos

    def _count_transition(
        self, key: tuple[Any, ...], joint: tuple[int, ...]
    ) -> tuple[Any, list[float]]:
        """Build (and cache) the observations and the share of each action for one count key."""
        t1, counts, ctx, nctx = key
        # the shares of a game in count form depend on (x, own action, counts) only (MATH.md
        # (1.2)): read them at the sorted joint action with these counts
        order = tuple(a for a, m in enumerate(counts) for _ in range(m))
        shares = self._round_rewards(ctx, order)
        per_action, first = [], 0
        for m in counts:
            per_action.append(shares[first] if m else 0.0)
            first += m
        obs = self._observe(t1, counts if self.encoder.hist_size else None, joint, nctx)
        tr = (obs, per_action)
        cache = self._count_cache
        if len(cache) >= _COUNT_CACHE_MAX:
            cache.clear()
        cache[key] = tr
        return tr
