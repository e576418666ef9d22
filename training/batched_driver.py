"""The batched driver: many runs of classic learners (seeds × games of one shape) as one loop.

:class:`BatchedRuns` plays ``R`` built runs (:class:`~powergames.training.build.Run`, fresh) of the
native driver in lock-step: each agent's learners across runs (and across agents that share a
kind and options) are one :class:`~powergames.agents.batched_learners.BatchedLearners`, and the
``R`` games are one stacked reward table ``(R · C · J, n)`` indexed by
``r C J + x J + Σ_i a_i stride_i``. Every run keeps its own random streams, consumed exactly as its
own loop (:func:`~powergames.training.native.run_native`) consumes them, in bulk per evaluation
period: the agents' generator gives ``rng.random((every, A))`` (round-major, agents in config
order: what ``A`` calls of ``act`` per round draw), the environment's generator the contexts of the
episodes that period starts (``draw_contexts``, as ``reset`` draws them one episode at a time).

At every multiple of ``eval.every`` the batch's state is written into each run's own learners and
the run's evaluators read them (so ``metrics.csv`` is the run's own, value for value); at the last
``keep`` evaluations (the checkpoints the run's directory keeps) each run's environment state is
rebuilt (:class:`~powergames.training.batched_state.EnvTrace`) and the run's checkpoint written by
:func:`~powergames.training.checkpoint.save_native`. ``metrics.csv`` and the TensorBoard events are
written before each of those checkpoints (a resume finds them consistent) instead of after every
evaluation.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from powergames.agents.batched_learners import BatchedLearners, batch_key
from powergames.envs.game_env import _CACHE_MAX, GameEnv
from powergames.envs.seeding import np_random as checked_np_random
from powergames.training.build import Run
from powergames.training.checkpoint import save_native
from powergames.training.evaluators import run_evaluators
from powergames.training.experiment import label_writers
from powergames.training.logging import FORMATS, OutputWriter, TensorBoardWriter
from powergames.training.rundir import MetricsTable, atomic_write_json
from powergames.training.stochastic_evaluation import is_stochastic
from powergames.training.summary import make_summary

IntArray = npt.NDArray[np.int64]

#: Events the TensorBoard writer queues before its thread must write (its rows are written a
#: checkpoint's worth at a time, then flushed once).
_TB_QUEUE = 1 << 16
#: Threads writing the runs' files at a checkpoint.
_WRITERS = 8


def batch_reason(run: Run) -> str | None:
    """Why ``run`` cannot join a batch (``None`` if it can): every agent a classic learner of
    :data:`~powergames.agents.batched_learners.BATCHED_CLASSES` with sampled feedback, one agent
    per seat, a game with a dense reward table."""
    agents = run.agents
    for spec, pol, fb in zip(agents.specs, agents.policies, agents.feedback):
        if pol is None or batch_key(pol) is None:
            return (
                f"agent {spec.label!r} ({run.exp.agents[spec.index].kind}) is not a classic learner"
            )
        if fb != "sampled":
            return f"agent {spec.label!r} learns from full information"
    env = run.env
    if type(env) is not GameEnv or is_stochastic(run.game):
        return "the environment is not a one-agent-per-seat game environment"
    if env._table is None or not env._identity_seats:
        return "the game has no dense reward table"
    if any(p.n_types > 1 for p in agents.policies) and not env.adapter.context_per_round:
        return "learners with several types need per-round types"
    c, length = env.adapter.n_contexts, env.max_cycles
    if length * env.adapter.n_joint * c * c + length * c >= _CACHE_MAX:
        return "too many distinct transitions for the environment's cache"
    return None


def group_key(run: Run) -> tuple[Any, ...]:
    """Runs with equal keys can share one batch (same shapes, learners, budget and period)."""
    env = run.env
    return (
        tuple(batch_key(p) for p in run.agents.policies),
        tuple(tuple(s.seats) for s in run.agents.specs),
        run.exp.budget,
        run.exp.eval.every,
        env.max_cycles,
        env.adapter.n_actions,
        env.adapter.n_contexts,
        env.adapter.context_per_round,
    )


@dataclass
class _Sub:
    """One stacked learner batch and where its rows sit among the runs' agents."""

    learners: BatchedLearners
    run: IntArray  # (M,) run of each row
    agent: IntArray  # (M,) agent index (= seat) of each row
    flat: IntArray  # (M,) run * n + seat
    upos: IntArray  # (M,) run * A + agent: the row's column of the round's uniforms
    whole: bool  # the rows are every (run, agent) in C order


class BatchedRuns:
    """``R`` fresh runs (equal :func:`group_key`) played as one batch.

    Args:
        runs: the built runs, each with its logger-free state (``build_run``'s result) and its
            ``table``/``run_dir`` set.
        writers: per run, its output writers besides ``metrics.csv`` (TensorBoard).
        keep: how many of the last evaluations get a checkpoint (the run directories keep that
            many).
        on_error: called as ``on_error(r, exc)`` when run ``r``'s evaluation or writing raised;
            that run then stops being evaluated and written.
    """

    def __init__(
        self,
        runs: Sequence[Run],
        writers: Sequence[Sequence[OutputWriter]],
        keep: int,
        on_error: Callable[[int, BaseException], None],
    ) -> None:
        self.runs = list(runs)
        self.writers = [list(w) for w in writers]
        self.keep = int(keep)
        self.on_error = on_error
        first = self.runs[0]
        env0 = first.env
        self.R = len(self.runs)
        self.n = int(env0.adapter.n_players)
        self.A = len(first.agents.policies)
        self.L = int(env0.max_cycles)
        self.C = int(env0.adapter.n_contexts)
        self.J = int(env0.adapter.n_joint)
        self.budget = int(first.exp.budget)
        self.every = int(first.exp.eval.every)
        self.per_round = bool(env0.adapter.context_per_round)
        self.context_types = np.asarray(env0.adapter.context_types, dtype=np.int64)
        ks = env0.adapter.n_actions
        strides = np.ones(self.n, dtype=np.int64)
        for i in range(self.n - 2, -1, -1):
            strides[i] = strides[i + 1] * ks[i + 1]
        self.strides = strides
        self.table = np.ascontiguousarray(
            np.stack([np.asarray(r.env._table).reshape(-1, self.n) for r in self.runs]).reshape(
                -1, self.n
            )
        )
        self.base = np.arange(self.R, dtype=np.int64) * (self.C * self.J)
        self.subs = self._stack()
        self.dead: set[int] = set()
        # the runs' streams
        self.env_rngs: list[np.random.Generator] = []
        self.env_seeds: list[int] = []
        for run in self.runs:
            g, s = checked_np_random(run.streams.env_seed)
            self.env_rngs.append(g)
            self.env_seeds.append(int(s))
        self.agent_rngs = [run.streams.agent_rng for run in self.runs]
        self.n_episodes = self.budget // self.L + 1
        self.ctx = np.zeros((self.R, self.n_episodes, self.L), dtype=np.int64)
        self.drawn = 0
        self.traces = [_trace(run.env, self.C) for run in self.runs]
        self.last_joint = np.full(self.R, -1, dtype=np.int64)
        self.pending: list[list[tuple[int, dict[str, float]]]] = [[] for _ in self.runs]
        self.wall = 0.0
        #: Seconds spent stepping (``train``), in the evaluators (``evaluate``) and writing
        #: ``metrics.csv``, TensorBoard events and checkpoints (``write``).
        self.times = {"train": 0.0, "evaluate": 0.0, "write": 0.0}

    def _stack(self) -> list[_Sub]:
        by_key: dict[Any, list[tuple[int, int]]] = {}
        for j in range(self.A):
            by_key.setdefault(batch_key(self.runs[0].agents.policies[j]), []).append((0, j))
        subs = []
        for rows0 in by_key.values():
            agents = [j for _, j in rows0]
            rows = [(r, j) for r in range(self.R) for j in agents]
            run = np.array([r for r, _ in rows], dtype=np.int64)
            agent = np.array([j for _, j in rows], dtype=np.int64)
            seats = np.array([self.runs[0].agents.specs[j].seats[0] for j in agent], dtype=np.int64)
            flat = run * self.n + seats
            learners = BatchedLearners([self.runs[r].agents.policies[j] for r, j in rows])
            whole = len(rows) == self.R * self.A and bool(
                np.array_equal(flat, np.arange(flat.size))
            )
            upos = run * self.A + agent
            subs.append(_Sub(learners, run, agent, flat, upos, whole and self.A == self.n))
        return subs

    # ------------------------------------------------------------------ streams
    def _draw_episodes(self, upto: int) -> None:
        """Draw every run's contexts of episodes ``[drawn, upto)``."""
        if upto <= self.drawn:
            return
        lo = self.drawn
        for r, run in enumerate(self.runs):
            self.ctx[r, lo:upto] = run.env.adapter.draw_contexts(
                self.env_rngs[r], upto - lo, self.L
            )
            self.traces[r].add_resets(np.arange(lo, upto), self.ctx[r, lo:upto, 0])
        self.drawn = upto

    # ------------------------------------------------------------------ the loop
    def run(self) -> None:
        """Play every run to its budget, evaluating and checkpointing as its own loop would."""
        t0 = time.perf_counter()
        self._draw_episodes(1)
        self._evaluate(0)
        for s0 in range(0, self.budget, self.every):
            t1 = time.perf_counter()
            self._chunk(s0, s0 + self.every)
            self.times["train"] += time.perf_counter() - t1
            self._evaluate(s0 + self.every)
        self.wall = time.perf_counter() - t0

    def _chunk(self, s0: int, s1: int) -> None:
        steps = np.arange(s0, s1)
        self._draw_episodes(s1 // self.L + 1)
        ep, rd = steps // self.L, steps % self.L
        ctx = self.ctx[:, ep, rd]  # (R, every)
        nxt = np.where(rd + 1 < self.L, rd + 1, rd)
        nctx = self.ctx[:, ep, nxt]
        uniforms = np.stack([g.random((s1 - s0, self.A)) for g in self.agent_rngs], axis=1)
        uniforms = uniforms.reshape(s1 - s0, self.R * self.A)  # (every, R*A): run-major rows
        types = None
        if self.per_round:
            types = self.context_types[ctx.T]  # (every, R, n)
        joints = np.empty((s1 - s0, self.R), dtype=np.int64)
        subs = self.subs
        cjx = ctx.T * self.J + self.base  # (every, R)
        with np.errstate(divide="ignore", invalid="ignore"):  # reported by check_finite
            self._steps(s1 - s0, subs, uniforms, types, joints, cjx)
        for sub in subs:
            sub.learners.check_finite()
        for r in range(self.R):
            self.traces[r].add_steps(steps, joints[:, r], ctx[r], nctx[r])
        self.last_joint = joints[-1].copy()

    def _steps(
        self,
        count: int,
        subs: list[_Sub],
        uniforms: npt.NDArray[np.float64],
        types: IntArray | None,
        joints: IntArray,
        cjx: IntArray,
    ) -> None:
        """``count`` rounds of every run: draw, look the rewards up, update."""
        strides, table, n_flat = self.strides, self.table, self.R * self.n
        one = len(subs) == 1 and subs[0].whole
        acts = np.empty(n_flat, dtype=np.int64)
        for k in range(count):
            drawn = []
            for sub in subs:
                lr = sub.learners
                t = None if types is None or lr.n_types == 1 else types[k].reshape(-1)[sub.flat]
                b = lr.behaviour(t)
                u = uniforms[k] if sub.whole else uniforms[k, sub.upos]
                a = lr.sample(b, u)
                if one:
                    acts = a
                else:
                    acts[sub.flat] = a
                drawn.append((t, a, b))
            joint = acts.reshape(self.R, self.n) @ strides
            joints[k] = joint
            rewards = table[cjx[k] + joint].reshape(-1)
            for sub, (t, a, b) in zip(subs, drawn):
                r = rewards if sub.whole else rewards[sub.flat]
                sub.learners.update(t, a, r, b)

    # ------------------------------------------------------------------ evaluations and writes
    def _evaluate(self, step: int) -> None:
        for sub in self.subs:
            sub.learners.write_back()
        checkpoint_from = self.budget - (self.keep - 1) * self.every
        t0 = time.perf_counter()
        for r, run in enumerate(self.runs):
            if r in self.dead:
                continue
            try:
                metrics = run_evaluators(run.evaluators, run.context(step))
                self.pending[r].append((step, metrics))
            except Exception as exc:  # noqa: BLE001 - reported per run, the others go on
                self.dead.add(r)
                self.on_error(r, exc)
        t1 = time.perf_counter()
        self.times["evaluate"] += t1 - t0
        if step < checkpoint_from:
            return
        live = [r for r in range(self.R) if r not in self.dead]
        # the writes wait on fsync (which releases the GIL): the runs' writes overlap in threads
        with ThreadPoolExecutor(max_workers=_WRITERS) as pool:
            outcomes = list(pool.map(lambda r: self._write(r, step), live))
        for r, error in zip(live, outcomes):
            if error is not None:
                self.dead.add(r)
                self.on_error(r, error)
        self.times["write"] += time.perf_counter() - t1

    def _write(self, r: int, step: int) -> BaseException | None:
        """Run ``r``'s rows so far, then its checkpoint at ``step`` (the error, if one was raised)."""
        try:
            self._flush(r)
            self._checkpoint(r, step)
        except Exception as exc:  # noqa: BLE001 - reported per run
            return exc
        return None

    def _flush(self, r: int) -> None:
        """Append run ``r``'s pending rows to ``metrics.csv`` (one write) and its writers."""
        table, rows = self.runs[r].table, self.pending[r]
        for step, metrics in rows:
            append_row(table, step, metrics)
        table.write()
        for w in self.writers[r]:
            if isinstance(w, TensorBoardWriter):
                w.write_rows(rows)
            else:
                for step, metrics in rows:
                    w.write(step, metrics)
        self.pending[r] = []

    def _checkpoint(self, r: int, step: int) -> None:
        run = self.runs[r]
        episode = step // self.L
        round_ = step % self.L
        env_ctx = self.ctx[r, episode].tolist()
        last = int(self.last_joint[r]) if round_ else None
        obs = self.traces[r].restore(self.env_rngs[r], self.env_seeds[r], env_ctx, round_, last)
        checkpoints = run.run_dir.checkpoints
        stage = checkpoints.staging(step)
        save_native(stage, step, run.env, run.agents, obs, run.streams.agent_rng)
        checkpoints.publish(step, stage, {"rows": len(run.table.rows)})

    def finish(self, r: int) -> dict[str, Any]:
        """Close run ``r``'s writers and write its ``summary.json``; returns the summary."""
        run = self.runs[r]
        for w in self.writers[r]:
            w.close()
        table = MetricsTable.load(run.run_dir.metrics)
        summary = make_summary(
            run.exp, table, run.agents.specs, run.coalitions, run.notes, self.wall / self.R, -1
        )
        atomic_write_json(run.run_dir.summary, summary)
        return summary


def _trace(env: Any, n_contexts: int) -> Any:
    from powergames.training.batched_state import EnvTrace

    return EnvTrace(env, n_contexts)


def append_row(table: MetricsTable, step: int, metrics: dict[str, float]) -> None:
    """:meth:`MetricsTable.append` without rewriting the file (the caller writes it once)."""
    if table.rows and step <= table.rows[-1]["step"]:
        raise ValueError(f"metrics row for step {step} after step {table.rows[-1]['step']}")
    row: dict[str, float] = {"step": int(step)}
    for key, value in metrics.items():
        if key == "step":
            continue
        if key not in table.columns:
            table.columns.append(key)
        row[key] = float(value)
    table.rows.append(row)


def run_writers(run: Run, formats: Sequence[str]) -> list[OutputWriter]:
    """The output writers the run's own driver would open (TensorBoard labelled like
    :func:`~powergames.training.experiment.run_experiment` labels it)."""
    writers = [
        TensorBoardWriter(run.run_dir.tb, None, max_queue=_TB_QUEUE)
        if name == "tensorboard"
        else FORMATS[name](run.run_dir, None)
        for name in formats
    ]
    label_writers(run, writers)
    return writers
