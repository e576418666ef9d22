"""Executors: how independent jobs (the experiments of a suite, the runs of a sweep) are run.

:class:`Executor` is the small interface a distributed engine implements (``map(fn, jobs)``
yielding ``(job, result or exception)`` as jobs finish); :class:`LocalExecutor` uses local
processes (``concurrent.futures.ProcessPoolExecutor``, ``spawn``), :class:`SerialExecutor` runs
in this process. A job's function and arguments must be picklable (top-level functions, plain data).
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol

from powergames.training.rundir import exit_with_parent


class Executor(Protocol):
    """Runs independent jobs; results arrive in completion order as ``(job, result or exception)``."""

    def map(self, fn: Callable[[Any], Any], jobs: Sequence[Any]) -> Iterator[tuple[Any, Any]]:
        """Apply ``fn`` to every job; yield ``(job, result)`` — ``result`` is the exception if it raised."""
        ...


class SerialExecutor:
    """Run jobs one after another in this process (debugging, tests)."""

    def map(self, fn: Callable[[Any], Any], jobs: Sequence[Any]) -> Iterator[tuple[Any, Any]]:
        for job in jobs:
            try:
                yield job, fn(job)
            except Exception as exc:  # noqa: BLE001 - reported per job
                yield job, exc


class LocalExecutor:
    """Run jobs in local worker processes (``spawn``: each worker starts clean).

    Args:
        max_workers: number of processes (default: the CPU count).
    """

    def __init__(self, max_workers: int | None = None) -> None:
        self.max_workers = max_workers

    def map(self, fn: Callable[[Any], Any], jobs: Sequence[Any]) -> Iterator[tuple[Any, Any]]:
        ctx = multiprocessing.get_context("spawn")
        with cf.ProcessPoolExecutor(
            max_workers=self.max_workers,
            mp_context=ctx,
            initializer=exit_with_parent,
            initargs=(os.getpid(),),
        ) as pool:
            futures = {pool.submit(fn, job): job for job in jobs}
            try:
                for fut in cf.as_completed(futures):
                    exc = fut.exception()
                    yield futures[fut], exc if exc is not None else fut.result()
            except (
                BaseException
            ):  # interrupted (SIGTERM, Ctrl-C) or abandoned: stop the workers now
                for proc in list((getattr(pool, "_processes", None) or {}).values()):
                    proc.terminate()
                pool.shutdown(wait=True, cancel_futures=True)
                raise
