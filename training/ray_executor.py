"""The Ray executor: every run of a sweep or suite as one Ray task (optional extra ``[ray]``).

    powergames sweep configs/alignment_family.yaml --executor ray                 # a local Ray
    powergames sweep configs/alignment_family.yaml --executor ray --address HOST:6379

A run is a pure function of (configuration, seed) that writes only its own run directory, so a
task computes exactly what a local worker process computes: the run directories are byte for byte
those of :class:`~powergames.training.sweep.LocalExecutor` (wall times and TensorBoard event
stamps aside). The run-directory path must be one that every worker of the cluster reads and
writes (a shared filesystem); the driver aggregates from it afterwards.

* **Resources.** Each task declares ``num_cpus`` (Ray schedules at most ``CPUs / num_cpus`` runs
  per node), optionally ``memory``, and runs with ``threads`` BLAS/OpenMP threads (the
  ``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS``, ``MKL_NUM_THREADS`` of its worker process).
* **Failures.** An exception raised by a run is reported for that run (the original exception,
  not Ray's wrapper) and the other runs go on. A run whose worker process or node dies is
  submitted again, up to ``max_retries`` times, as the job that resumes its run directory
  (:func:`resumed`): it continues from its last published checkpoint, the same resume as
  ``--resume``, so every metrics row is written exactly once.
* **One writer per run directory.** Ray retries nothing by itself (``max_retries=0`` on the
  task): a retry starts only once Ray has reported the old worker dead, and the run directory's
  lock (:class:`~powergames.training.rundir.RunLock`) refuses a second live writer in any case.
  Stopping the iteration early (Ctrl-C in the driver) force-cancels the runs still pending.

Ray is imported only when :meth:`RayExecutor.map` runs, so this module imports without it.
"""

from __future__ import annotations

import dataclasses
import math
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import IO, Any

from powergames.training.executors import Executor

#: Environment variables that set a worker's BLAS/OpenMP thread count.
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def import_ray() -> Any:
    """``import ray``, or an ImportError saying which extra installs it."""
    try:
        import ray
    except ImportError as exc:  # pragma: no cover - exercised where ray is absent
        raise ImportError("the Ray executor needs Ray: pip install 'powergames[ray]'") from exc
    return ray


def resumed(job: Any) -> Any:
    """The job that resumes ``job``'s run directory instead of starting it afresh.

    A dataclass or named tuple with a ``resume`` field gets ``resume=True`` (and
    ``overwrite=False`` where it has that field); any other job is returned unchanged.
    """
    changes: dict[str, Any] = {}
    fields: Sequence[str]
    if dataclasses.is_dataclass(job) and not isinstance(job, type):
        fields = [f.name for f in dataclasses.fields(job)]
    else:
        fields = getattr(job, "_fields", ())
    if "resume" in fields:
        changes["resume"] = True
    if "overwrite" in fields:
        changes["overwrite"] = False
    if not changes:
        return job
    if dataclasses.is_dataclass(job) and not isinstance(job, type):
        return dataclasses.replace(job, **changes)
    return job._replace(**changes)


def _run_task(fn: Callable[[Any], Any], job: Any, threads: int) -> Any:
    """The body of every Ray task: the thread limits, then ``fn(job)``."""
    for var in THREAD_VARS:
        os.environ[var] = str(threads)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)
    return fn(job)


class RayExecutor:
    """Run jobs as Ray tasks; results arrive in completion order (the
    :class:`~powergames.training.sweep.Executor` interface).

    Args:
        address: the cluster to join (``"HOST:PORT"``, ``"auto"``); ``None`` starts a new local
            Ray instance on this machine. Ignored when Ray is already initialised in this process.
        num_cpus: CPUs each run declares (> 0).
        threads: BLAS/OpenMP threads of each run's worker (default: ``ceil(num_cpus)``).
        memory: bytes of memory each run declares (``None``: none declared).
        max_retries: how many times a run whose worker died is resumed (>= 0).
        progress: a progress bar over all runs: ``True``, ``False``, a text stream to draw it
            on, or ``None`` (on standard error when it is a terminal).
        desc: the bar's label.
        init_kwargs: further keyword arguments of ``ray.init`` when this executor starts Ray.

    Raises:
        ValueError: a resource or retry count out of range.
    """

    def __init__(
        self,
        address: str | None = None,
        *,
        num_cpus: float = 1.0,
        threads: int | None = None,
        memory: int | None = None,
        max_retries: int = 3,
        progress: bool | IO[str] | None = None,
        desc: str = "runs",
        init_kwargs: Mapping[str, Any] | None = None,
    ) -> None:
        if isinstance(num_cpus, bool) or not isinstance(num_cpus, int | float):
            raise TypeError(f"num_cpus must be a number, got {type(num_cpus).__name__}")
        if not (math.isfinite(num_cpus) and num_cpus > 0):
            raise ValueError(f"num_cpus must be a finite number > 0, got {num_cpus}")
        if threads is None:
            threads = max(1, math.ceil(num_cpus))
        if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
            raise ValueError(f"threads must be an integer >= 1, got {threads!r}")
        if memory is not None and (
            isinstance(memory, bool) or not isinstance(memory, int) or memory < 1
        ):
            raise ValueError(f"memory must be a positive number of bytes or None, got {memory!r}")
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise ValueError(f"max_retries must be an integer >= 0, got {max_retries!r}")
        self.address = address
        self.num_cpus = float(num_cpus)
        self.threads = threads
        self.memory = memory
        self.max_retries = max_retries
        self.progress = progress
        self.desc = desc
        self.init_kwargs = dict(init_kwargs or {})
        #: ``(job, attempt, error)`` for every run resubmitted after its worker died.
        self.retries: list[tuple[Any, int, BaseException]] = []

    # ------------------------------------------------------------------------------ Ray set-up
    def connect(self) -> Any:
        """Initialise Ray (unless it already is) and return the module."""
        ray = import_ray()
        if not ray.is_initialized():
            kwargs: dict[str, Any] = {"log_to_driver": False, **self.init_kwargs}
            if self.address is None:
                kwargs.setdefault("include_dashboard", False)
                ray.init(address="local", **kwargs)
            else:
                ray.init(address=self.address, **kwargs)
        return ray

    def _check_feasible(self, ray: Any) -> None:
        """Refuse a per-run request that no node could ever grant (Ray would wait forever)."""
        nodes = [n for n in ray.nodes() if n.get("Alive")]
        cpus = max((n.get("Resources", {}).get("CPU", 0.0) for n in nodes), default=0.0)
        if self.num_cpus > cpus:
            raise ValueError(
                f"num_cpus={self.num_cpus:g} per run, but the largest node of the Ray cluster "
                f"has {cpus:g} CPUs"
            )
        if self.memory is not None:
            mem = max((n.get("Resources", {}).get("memory", 0.0) for n in nodes), default=0.0)
            if self.memory > mem:
                raise ValueError(
                    f"memory={self.memory} bytes per run, but the largest node of the Ray "
                    f"cluster offers {mem:.0f}"
                )

    def _task(self, ray: Any) -> Any:
        options: dict[str, Any] = {
            "num_cpus": self.num_cpus,
            "max_retries": 0,  # retried here, as the job that resumes (see the module docstring)
            "runtime_env": {"env_vars": {v: str(self.threads) for v in THREAD_VARS}},
        }
        if self.memory is not None:
            options["memory"] = self.memory
        return ray.remote(_run_task).options(**options)

    def _bar(self, total: int) -> Any:
        from tqdm.auto import tqdm

        stream = None if isinstance(self.progress, bool | None) else self.progress
        if self.progress is None:
            enabled = sys.stderr.isatty()
        else:
            enabled = self.progress is not False
        return tqdm(
            total=total, desc=self.desc, unit="run", disable=not enabled, file=stream,
            dynamic_ncols=True, leave=True,
        )  # fmt: skip

    # ------------------------------------------------------------------------------ the map
    def map(self, fn: Callable[[Any], Any], jobs: Sequence[Any]) -> Iterator[tuple[Any, Any]]:
        """Apply ``fn`` to every job in a Ray task; yield ``(job, result or exception)`` as runs
        finish. A run whose worker died is resumed (up to ``max_retries`` times) before its
        outcome is yielded; it is yielded with the job as given."""
        jobs = list(jobs)
        if not jobs:
            return
        ray = self.connect()
        self._check_feasible(ray)
        from ray import exceptions as rex

        system = tuple(
            getattr(rex, name)
            for name in (
                "WorkerCrashedError", "NodeDiedError", "LocalRayletDiedError",
                "OutOfMemoryError", "ObjectLostError", "ActorDiedError",
            )
            if hasattr(rex, name)
        )  # fmt: skip
        task = self._task(ray)
        pending: dict[Any, tuple[int, int]] = {}  # ObjectRef -> (job index, attempt)
        for i, job in enumerate(jobs):
            pending[task.remote(fn, job, self.threads)] = (i, 0)
        bar = self._bar(len(jobs))
        failed = 0
        try:
            while pending:
                ready, _ = ray.wait(list(pending), num_returns=1)
                ref = ready[0]
                i, attempt = pending.pop(ref)
                try:
                    result = ray.get(ref)
                except rex.RayTaskError as exc:  # the run raised: report its own exception
                    cause = getattr(exc, "cause", None)
                    result = cause if isinstance(cause, BaseException) else exc
                except system as exc:  # the worker (or node) died: resume the run elsewhere
                    if attempt < self.max_retries:
                        self.retries.append((jobs[i], attempt + 1, exc))
                        pending[task.remote(fn, resumed(jobs[i]), self.threads)] = (i, attempt + 1)
                        bar.set_postfix(failed=failed, retried=len(self.retries), refresh=False)
                        continue
                    result = exc
                except rex.RayError as exc:  # anything else Ray reports about this run
                    result = exc
                if isinstance(result, BaseException):
                    failed += 1
                bar.update(1)
                bar.set_postfix(failed=failed, retried=len(self.retries))
                yield jobs[i], result
        finally:
            bar.close()
            for ref in pending:  # interrupted: no run goes on writing behind the driver's back
                try:
                    ray.cancel(ref, force=True)
                except Exception:  # noqa: BLE001 - best effort while unwinding
                    pass


def _check_protocol(executor: RayExecutor) -> Executor:
    """(For the type checker: a :class:`RayExecutor` is an ``Executor``.)"""
    return executor


__all__ = ["RayExecutor", "THREAD_VARS", "import_ray", "resumed"]
