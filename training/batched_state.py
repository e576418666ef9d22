"""A batched run's environment as its own run would hold it: the state a checkpoint saves.

The batched driver (:mod:`powergames.training.batched_driver`) never steps a
:class:`~powergames.envs.game_env.GameEnv`; it steps reward tables. A checkpoint, though, holds a
:func:`~powergames.agents.state.snapshot` of the run's environment — its generator, the current
episode, and its two caches (observations, transitions), whose order is the order in which the run
first met each key. :class:`EnvTrace` records, per run, the first round at which each cache key
occurred (from the batch's arrays, a chunk at a time), and :meth:`EnvTrace.restore` rebuilds a
fresh environment's state by calling the environment's own methods on exactly those first
occurrences, in order — so its snapshot is the one the run itself would save.

Event order of a run (``L`` rounds per episode, round ``s`` of the run in episode ``e = s // L``):
the reset of episode ``e`` (at ``s = e L``) looks up the observation key ``(0, None, τ(x_{e,0}))``;
the step at ``s`` looks up the transition key ``(t + 1, a_s, x_{e,t}, x')`` (``t = s mod L``,
``x'`` the next round's context, or ``x_{e,t}`` at the last round), building its observation on a
miss. Reset events sort at ``2 s``, step events at ``2 s + 1``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from powergames.envs.game_env import GameEnv

IntArray = npt.NDArray[np.int64]


class EnvTrace:
    """First occurrences of one run's environment cache keys.

    Args:
        env: the run's (fresh, never reset) environment.
        n_contexts: ``C``.
    """

    def __init__(self, env: GameEnv, n_contexts: int) -> None:
        self.env = env
        self.n_contexts = int(n_contexts)
        self.n_joint = int(env.adapter.n_joint)
        self.length = int(env.max_cycles)
        self.type_key = list(env._type_key)
        self.first_reset: dict[int, int] = {}  # type key -> first episode
        self.first_step: dict[int, int] = {}  # transition code -> first step

    def add_resets(self, episodes: IntArray, first_contexts: IntArray) -> None:
        """Episodes ``episodes`` started with contexts ``first_contexts`` (both ``(E,)``)."""
        keys = np.asarray(self.type_key)[first_contexts]
        uniq, first = np.unique(keys, return_index=True)
        for key, i in zip(uniq.tolist(), first.tolist()):
            self.first_reset.setdefault(key, int(episodes[i]))

    def add_steps(self, steps: IntArray, joint: IntArray, ctx: IntArray, nctx: IntArray) -> None:
        """Steps ``steps`` played joint actions ``joint`` in contexts ``ctx`` (next ``nctx``)."""
        t1 = steps % self.length + 1
        c = self.n_contexts
        codes = ((t1 * self.n_joint + joint) * c + ctx) * c + nctx
        uniq, first = np.unique(codes, return_index=True)
        seen = self.first_step
        for code, i in zip(uniq.tolist(), first.tolist()):
            if code not in seen:
                seen[code] = int(steps[i])

    def _decode(self, code: int) -> tuple[int, int, int, int]:
        c = self.n_contexts
        code, nctx = divmod(code, c)
        code, ctx = divmod(code, c)
        t1, idx = divmod(code, self.n_joint)
        return t1, idx, ctx, nctx

    def restore(
        self,
        rng: np.random.Generator,
        seed: int,
        episode: list[int],
        round_: int,
        last_joint: int | None,
    ) -> dict[str, Any]:
        """Fill the environment's caches in first-occurrence order and set its episode state.

        Args:
            rng: the environment's generator, in the state after the episodes drawn so far.
            seed: the seed its generator was made from (``reset(seed=…)``'s).
            episode: the current episode's contexts (``L`` ints).
            round_: the rounds of it played so far.
            last_joint: the joint action of the last round played (when ``round_ > 0``).

        Returns:
            The observations the run acts on next (fresh copies, as the environment hands out).
        """
        env = self.env
        events: list[tuple[int, str, int]] = [
            (2 * self.length * e, "reset", key) for key, e in self.first_reset.items()
        ]
        events += [(2 * s + 1, "step", code) for code, s in self.first_step.items()]
        events.sort()
        shape = env.adapter.n_actions
        for _, kind, value in events:
            if kind == "reset":
                ctx0 = self.type_key.index(value)
                env._observe(0, None, None, ctx0)
            else:
                t1, idx, ctx, nctx = self._decode(value)
                if (t1, idx, ctx, nctx) in env._cache:  # restored at an earlier checkpoint
                    continue
                joint = tuple(int(a) for a in np.unravel_index(idx, shape))
                env._transition((t1, idx, ctx, nctx), joint, idx)
        env._np_random = rng
        env._np_random_seed = int(seed)
        env._ctxs = list(episode)
        env._round = int(round_)
        env.agents = env.possible_agents[:]
        if round_ == 0:
            env._last_joint = None
            return env._copies(env._observe(0, None, None, episode[0]))
        assert last_joint is not None
        t = round_ - 1
        nctx = episode[round_] if round_ < self.length else episode[t]
        packed = env._cache[(round_, last_joint, episode[t], nctx)][0]
        env._last_joint = tuple(int(a) for a in np.unravel_index(last_joint, shape))
        return env._copies(packed)
