"""Suites: every experiment of a configuration file, one after another or as parallel jobs.

A file with several ``experiments`` writes ``root/<experiment>/`` per experiment, ``root/config.yaml``
(the suite as given), ``root/summary.json`` (every experiment's summary) and, when the file
describes one, the overview figure ``root/overview.png``.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from powergames.training.config import (
    ConfigError,
    Suite,
    build_suite,
    dump_yaml,
    parse_yaml,
    read_text,
)
from powergames.training.executors import Executor, LocalExecutor
from powergames.training.experiment import run_experiment
from powergames.training.logging import Progress
from powergames.training.plots import plot_overview
from powergames.training.rundir import (
    MetricsTable,
    RunLock,
    atomic_write_json,
    atomic_write_text,
    read_metrics,
)
from powergames.training.summary import final_table


def experiment_dir(suite: Suite, root: Path, name: str) -> Path:
    """Where an experiment of the suite writes."""
    return root if suite.single else root / name


def run_suite(
    suite: Suite,
    root: str | Path,
    *,
    resume: bool = False,
    overwrite: bool = False,
    progress: bool = True,
    quiet: bool = False,
    jobs: int = 1,
    echo: Callable[[str], None] | None = None,
    plots: bool = True,
    executor: Executor | None = None,
) -> dict[str, Any]:
    """Run every experiment of a suite into ``root`` (``root/<experiment>`` for several).

    With ``jobs > 1`` (or an ``executor``) the experiments run as parallel jobs — local processes
    by default (:class:`~powergames.training.executors.LocalExecutor`); the parent shows one
    progress bar over all of them (read from their ``metrics.csv``).

    Returns:
        ``{experiment: summary}``; also written to ``root/summary.json`` for a suite, with the
        overview figure ``root/overview.png`` when the suite describes one.
    """
    echo = echo or print
    root = Path(root)
    if suite.single:
        exp = suite.experiments[0]
        res = run_experiment(
            exp, root, resume=resume, overwrite=overwrite, progress=progress, quiet=quiet,
            echo=echo, plots=plots,
        )  # fmt: skip
        return {exp.name: res.summary}
    with RunLock(root):  # the suite's own files (config, summary, overview) have one writer too
        if executor is None and jobs > 1:
            executor = LocalExecutor(jobs)
        return _run_suite_locked(
            suite, root, resume, overwrite, progress, quiet, executor, echo, plots
        )


def _run_suite_locked(
    suite: Suite,
    root: Path,
    resume: bool,
    overwrite: bool,
    progress: bool,
    quiet: bool,
    executor: Executor | None,
    echo: Callable[[str], None],
    plots: bool,
) -> dict[str, Any]:
    root.mkdir(parents=True, exist_ok=True)
    suite_text = dump_yaml(suite.raw)
    suite_cfg = root / "config.yaml"
    if suite_cfg.exists() and not overwrite:
        if not resume:
            raise ConfigError(
                f"{root} already holds a run; pass --resume to continue it or --overwrite to start again"
            )
        if parse_yaml(read_text(suite_cfg), str(suite_cfg)) != parse_yaml(suite_text):
            raise ConfigError(
                f"{suite_cfg}: the stored configuration differs from this one; resume with the same "
                "config and overrides, or pass --overwrite to start again"
            )
    atomic_write_text(suite_cfg, suite_text)
    summaries: dict[str, Any] = {}
    if executor is not None and len(suite.experiments) > 1:
        summaries = _run_parallel(suite, root, resume, overwrite, progress, quiet, executor, echo)
    else:
        for exp in suite.experiments:
            res = run_experiment(
                exp, experiment_dir(suite, root, exp.name), resume=resume, overwrite=overwrite,
                progress=progress, quiet=quiet, prefix=f"experiments.{exp.name}.", echo=echo,
                plots=plots,
            )  # fmt: skip
            summaries[exp.name] = res.summary
    atomic_write_json(root / "summary.json", {"name": suite.name, "experiments": summaries})
    if suite.overview is not None and plots:
        write_overview(suite, root)
    return summaries


def write_overview(suite: Suite, root: Path) -> Path | None:
    """Draw the suite's overview figure from its experiments' metrics."""
    if suite.overview is None:
        return None
    runs = {}
    for exp in suite.experiments:
        path = experiment_dir(suite, root, exp.name) / "metrics.csv"
        if path.exists():
            _, data = read_metrics(path)
            runs[exp.name] = (data["step"], data)
    if not runs:
        return None
    return plot_overview(suite.overview, runs, root / "overview.png")


class SuiteJob(NamedTuple):
    """One experiment of a suite for an executor (``resume``/``overwrite`` as in :func:`run_suite`).

    A named tuple with a ``resume`` field, so an executor that retries a dead worker can resubmit
    it as the job that resumes its run directory (:func:`powergames.training.ray_executor.resumed`).
    """

    data: dict[str, Any]
    name: str
    run_dir: str
    resume: bool
    overwrite: bool


def _suite_job(args: SuiteJob) -> dict[str, Any]:
    """Executor job: run one experiment of a suite (top-level for pickling)."""
    data, name, run_dir, resume, overwrite = args
    suite = build_suite(data)
    exp = suite.experiment(name)
    res = run_experiment(
        exp, run_dir, resume=resume, overwrite=overwrite, progress=False, quiet=True,
        prefix=f"experiments.{name}.",
    )  # fmt: skip
    return res.summary


def steps_done(dirs: Sequence[Path], since_ns: int | None = None) -> int:
    """The steps the runs in ``dirs`` have evaluated (each ``metrics.csv``'s last step), for the
    suite's progress bar; with ``since_ns`` a table last written before that instant (a previous
    run's, which ``--overwrite`` is about to remove) counts as 0."""
    done = 0
    for d in dirs:
        path = Path(d) / "metrics.csv"
        try:
            if since_ns is not None and path.stat().st_mtime_ns < since_ns:
                continue
            steps = MetricsTable.load(path).steps
        except (OSError, ValueError):
            continue
        done += steps[-1] if steps else 0
    return done


def _run_parallel(
    suite: Suite,
    root: Path,
    resume: bool,
    overwrite: bool,
    progress: bool,
    quiet: bool,
    executor: Executor,
    echo: Callable[[str], None],
) -> dict[str, Any]:
    dirs = {e.name: experiment_dir(suite, root, e.name) for e in suite.experiments}
    total = sum(e.budget for e in suite.experiments)
    bar = Progress(total, 0, suite.name, enabled=progress and not quiet and sys.stderr.isatty())
    stop = threading.Event()
    started = time.time_ns()

    def poll() -> None:
        done_before = 0
        while not stop.wait(0.5):
            done = steps_done(list(dirs.values()), started if overwrite else None)
            if done > done_before:
                bar.advance(done - done_before)
                done_before = done

    watcher = threading.Thread(target=poll, daemon=True)
    watcher.start()
    summaries: dict[str, Any] = {}
    jobs = [
        SuiteJob(suite.raw, e.name, str(dirs[e.name]), resume, overwrite) for e in suite.experiments
    ]
    failures: list[BaseException] = []
    try:
        for job, result in executor.map(_suite_job, jobs):
            if isinstance(result, BaseException):  # reported per run; the others still finish
                echo(f"  {job.name}: FAILED ({type(result).__name__}: {result})")
                failures.append(result)
            else:
                summaries[job.name] = result
        if failures:
            raise failures[0]
    finally:
        stop.set()
        watcher.join()
        bar.close()
    ordered = {e.name: summaries[e.name] for e in suite.experiments}
    if not quiet:
        for summary in ordered.values():
            echo(final_table(summary))
            echo("")
    return ordered
