"""A sweep's runs of classic learners as batched jobs (:mod:`powergames.training.batched_driver`).

:class:`BatchedSweep` sorts the jobs of a sweep: a job whose one experiment has only classic
learners with sampled feedback on a game with a dense reward table
(:func:`~powergames.training.batched_driver.batch_reason`) joins the batch of its shape
(:func:`~powergames.training.batched_driver.group_key`); every other job — and one whose
directory holds a checkpoint to resume from — is left to the sweep's executor, as before. Each
batched run claims its directory exactly as :func:`~powergames.training.experiment.run_experiment`
does (the lock, the stored configuration, ``--resume``'s and ``--overwrite``'s rules, a complete
run kept as it is) and ends with the files its own run would write: ``config.yaml``,
``metrics.csv``, the TensorBoard events, the last two checkpoints and ``summary.json``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

from powergames.training.batched_driver import BatchedRuns, batch_reason, group_key, run_writers
from powergames.training.build import Run, build_run
from powergames.training.config import ExperimentConfig, build_suite
from powergames.training.experiment import (
    DEFAULT_FORMATS,
    check_complete,
    fresh_table,
    prepare_run_dir,
    resolved_config_text,
)
from powergames.training.rundir import (
    RunDir,
    RunLock,
    atomic_write_text,
    read_json,
)

__all__ = ["BatchedSweep"]


class BatchedSweep:
    """The jobs of a sweep split into batches and the rest.

    Args:
        jobs: the sweep's jobs (:class:`~powergames.training.sweep.Job`).

    Attributes:
        groups: the batchable jobs, grouped by shape: ``[(job, experiment, built run), …]``.
        batches: the :class:`~powergames.training.batched_driver.BatchedRuns` run so far.
        rest: the jobs for the executor, and why (``[(job, reason)]``); runs that turn out to hold
            a checkpoint to resume from are added while :meth:`results` runs.
    """

    def __init__(self, jobs: Sequence[Any]) -> None:
        self.groups: list[list[tuple[Any, ExperimentConfig, Run]]] = []
        self.rest: list[tuple[Any, str]] = []
        self.batches: list[BatchedRuns] = []  # the batches run so far (their ``times``)
        by_key: dict[Any, list[tuple[Any, ExperimentConfig, Run]]] = {}
        for job in jobs:
            suite = build_suite(job.data)
            if not suite.single:
                self.rest.append((job, "a suite of several experiments"))
                continue
            exp = suite.experiments[0]
            run = build_run(exp, job.run_dir)  # builds only; nothing is written
            reason = batch_reason(run)
            if reason is not None:
                self.rest.append((job, reason))
                continue
            by_key.setdefault(group_key(run), []).append((job, exp, run))
        self.groups = list(by_key.values())

    @property
    def n_batched(self) -> int:
        """How many jobs are in batches."""
        return sum(len(g) for g in self.groups)

    def describe(self, total: int) -> list[str]:
        """Lines for the sweep's output: what runs batched, what per run and why."""
        lines = []
        if self.groups:
            lines.append(
                f"batched: {self.n_batched} of {total} runs in {len(self.groups)} batched "
                f"job(s) (every agent a classic learner)"
            )
        reasons: dict[str, int] = {}
        for _, why in self.rest:
            reasons[why] = reasons.get(why, 0) + 1
        for why, count in reasons.items():
            lines.append(f"per-run: {count} run(s): {why}")
        return lines

    def results(self) -> Iterator[tuple[Any, Any]]:
        """Run every batch; yield ``(job, suite summary or exception)`` per batched job."""
        for group in self.groups:
            yield from self._run_group(group)

    def _run_group(
        self, group: list[tuple[Any, ExperimentConfig, Run]]
    ) -> Iterator[tuple[Any, Any]]:
        with contextlib.ExitStack() as stack:
            members: list[tuple[Any, ExperimentConfig, Run]] = []
            for job, exp, run in group:
                lock = RunLock(job.run_dir)
                lock.__enter__()
                try:
                    state = _claim(job, exp, run)
                except Exception as exc:  # noqa: BLE001 - reported per job, as the executor does
                    lock.__exit__(None, None, None)
                    yield job, exc
                    continue
                if isinstance(state, dict):  # complete already
                    lock.__exit__(None, None, None)
                    yield job, {exp.name: state}
                elif state == "resume":
                    lock.__exit__(None, None, None)
                    self.rest.append((job, "resumes from its checkpoint"))
                else:
                    stack.callback(lock.__exit__, None, None, None)
                    members.append((job, exp, run))
            if not members:
                return
            failed: dict[int, BaseException] = {}
            runs = [run for _, _, run in members]
            writers = [run_writers(run, DEFAULT_FORMATS) for run in runs]
            batch = BatchedRuns(runs, writers, runs[0].run_dir.checkpoints.keep, failed.__setitem__)
            self.batches.append(batch)
            try:
                batch.run()
            except Exception as exc:  # noqa: BLE001 - the whole batch fails with it
                for r, (job, _, _) in enumerate(members):
                    for w in writers[r]:
                        w.close()
                    yield job, exc
                return
            for r, (job, exp, _) in enumerate(members):
                if r in failed:
                    for w in writers[r]:
                        w.close()
                    yield job, failed[r]
                    continue
                try:
                    yield job, {exp.name: batch.finish(r)}
                except Exception as exc:  # noqa: BLE001
                    yield job, exc


def _claim(job: Any, exp: ExperimentConfig, run: Run) -> dict[str, Any] | str:
    """Claim the run directory as ``run_experiment`` does (under its lock).

    Returns:
        The summary of a run that is complete already, ``"resume"`` for one with a checkpoint
        (left to the executor), or ``"fresh"`` (the directory is ready for a new run).

    Raises:
        ConfigError, RunDirError: as ``run_experiment`` raises them.
    """
    rd = RunDir(job.run_dir)
    text = resolved_config_text(exp)
    may_resume = prepare_run_dir(rd, text, job.resume, not job.resume)
    if may_resume and rd.summary.exists():
        summary = read_json(rd.summary)
        if summary.get("status") == "complete":
            check_complete(rd, summary)
            return summary
    if not rd.config.exists():
        atomic_write_text(rd.config, text)
    if may_resume and rd.checkpoints.latest() is not None:
        return "resume"
    run.table = fresh_table(rd, may_resume)
    return "fresh"
