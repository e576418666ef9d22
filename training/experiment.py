"""One experiment = a pure function of (configuration, seed) → its run directory.

:func:`run_experiment` claims the directory (one writer), builds the run
(:func:`~powergames.training.build.build_run`), attaches the logger and the checkpoint to resume
from, hands it to its driver (:func:`~powergames.training.native.run_native` for fixed policies and
classic learners, :func:`~powergames.training.sb3_driver.run_sb3` when an SB3 learner plays) and
writes ``summary.json``. :func:`evaluate_run` re-evaluates a run directory's newest checkpoint.

Determinism and resume: every random stream (environment, agents' draws, torch, NumPy's global
generator used by SB3's minibatches, evaluation samples) derives from the config's seed; the state
at every evaluation is checkpointed, so a run killed at any instant and resumed with ``--resume``
produces the same ``metrics.csv`` as an uninterrupted run, every evaluation step exactly once.
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from powergames.agents.sb3 import MultiAgentSB3
from powergames.training.build import Run, build_run
from powergames.training.checkpoint import load_native, load_sb3
from powergames.training.config import (
    ConfigError,
    ExperimentConfig,
    dump_yaml,
    parse_yaml,
    read_text,
    validate_model,
)
from powergames.training.evaluators import run_evaluators
from powergames.training.logging import (
    FORMATS,
    CSVWriter,
    OutputWriter,
    Progress,
    ProgressWriter,
    RunLogger,
    TensorBoardWriter,
    read_tensorboard,
)
from powergames.training.native import run_native
from powergames.training.plots import plot_run
from powergames.training.rundir import (
    Checkpoint,
    MetricsTable,
    RunDir,
    RunDirError,
    RunLock,
    atomic_write_json,
    atomic_write_text,
    read_json,
)
from powergames.training.sb3_driver import build_sb3, run_sb3
from powergames.training.summary import final_table, make_summary

#: Output formats written by default besides ``metrics.csv``.
DEFAULT_FORMATS = ("tensorboard",)


@dataclass
class RunResult:
    """What :func:`run_experiment` returns."""

    summary: dict[str, Any]
    table: str
    run_dir: Path
    resumed_from: int | None = None
    notes: list[str] = field(default_factory=list)


def resolved_config_text(exp: ExperimentConfig) -> str:
    """The YAML stored as ``config.yaml``: every field, defaults filled in."""
    return dump_yaml(exp.model_dump(mode="json"))


def prepare_run_dir(rd: RunDir, text: str, resume: bool, overwrite: bool) -> bool:
    """Check/claim a run directory. Returns whether a previous run's state may be resumed.

    Raises:
        ConfigError: the directory holds a run and neither ``resume`` nor ``overwrite`` is set, or
            its stored configuration differs from ``text``.
    """
    if rd.exists():
        if resume:
            stored = read_text(rd.config) if rd.config.exists() else None
            if stored is not None and parse_yaml(stored, str(rd.config)) != parse_yaml(text):
                raise ConfigError(
                    f"{rd.config}: the stored configuration differs from this one; resume with the "
                    "same config and overrides, or pass --overwrite to start again"
                )
            return True
        if not overwrite:
            raise ConfigError(
                f"{rd.path} already holds a run; pass --resume to continue it or --overwrite to "
                "start again"
            )
        rd.clear()
    rd.path.mkdir(parents=True, exist_ok=True)
    atomic_write_text(rd.config, text)
    return False


def run_experiment(
    exp: ExperimentConfig,
    run_dir: str | Path,
    *,
    resume: bool = False,
    overwrite: bool = False,
    progress: bool = True,
    quiet: bool = False,
    prefix: str = "",
    echo: Callable[[str], None] | None = None,
    plots: bool = True,
    formats: Sequence[str] = DEFAULT_FORMATS,
) -> RunResult:
    """Run (or resume) one experiment into ``run_dir``.

    Args:
        exp: the validated experiment.
        run_dir: its directory (created).
        resume: continue from the newest checkpoint if the directory holds a run.
        overwrite: delete a previous run in the directory first.
        progress: show a progress bar (only on a terminal).
        quiet: print nothing.
        prefix: config path prefix for error messages (``experiments.<name>.``).
        echo: where to print (default ``print``).
        plots: draw ``plots/*.png`` at the end (``powergames plot`` draws them later).
        formats: output formats besides ``metrics.csv`` (keys of
            :data:`powergames.training.logging.FORMATS`: ``tensorboard``, ``jsonl``).

    Returns:
        The summary (also in ``summary.json``) and the final table text.

    Raises:
        ValueError: an unknown format.
    """
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ValueError(
            f"formats: unknown output format {unknown[0]!r} (known: {', '.join(FORMATS)})"
        )
    with RunLock(run_dir):  # one writer per run directory (a killed run's workers exit first)
        return _run_locked(
            exp, RunDir(run_dir), resume, overwrite, progress, quiet, prefix, echo or print, plots,
            formats,
        )  # fmt: skip


def _run_locked(
    exp: ExperimentConfig,
    rd: RunDir,
    resume: bool,
    overwrite: bool,
    progress: bool,
    quiet: bool,
    prefix: str,
    echo: Callable[[str], None],
    plots: bool,
    formats: Sequence[str],
) -> RunResult:
    text = resolved_config_text(exp)
    may_resume = prepare_run_dir(rd, text, resume, overwrite)
    if may_resume and rd.summary.exists():
        summary = read_json(rd.summary)
        if summary.get("status") == "complete":
            check_complete(rd, summary)
            return RunResult(
                summary, final_table(summary), rd.path, resumed_from=summary.get("steps")
            )
    if not rd.config.exists():
        atomic_write_text(rd.config, text)

    _limit_threads()
    run = build_run(exp, rd.path, prefix)
    run.resume_from = rd.checkpoints.latest() if may_resume else None
    start_step = -1 if run.resume_from is None else run.resume_from.step
    if run.resume_from is not None:
        run.table = resume_table(rd, run.resume_from, "tensorboard" in formats)
    else:
        run.table = fresh_table(rd, may_resume)
    resume_step = None if run.resume_from is None else start_step
    run.progress = Progress(
        exp.budget, max(start_step, 0), exp.name,
        enabled=progress and not quiet and sys.stderr.isatty(),
    )  # fmt: skip
    writers: list[OutputWriter] = [CSVWriter(run.table)]
    writers += [FORMATS[name](rd, resume_step) for name in formats]
    label_writers(run, writers)
    writers.append(ProgressWriter(run.progress))
    run.logger = RunLogger(writers)
    t0 = time.perf_counter()
    try:
        if run.agents.sb3:
            run_sb3(run)
        else:
            run_native(run)
    finally:
        run.progress.close()
        run.logger.close()

    elapsed = time.perf_counter() - t0
    table = MetricsTable.load(rd.metrics)
    summary = make_summary(
        exp, table, run.agents.specs, run.coalitions, run.notes, elapsed, start_step
    )
    atomic_write_json(rd.summary, summary)
    if plots:
        plot_run(rd.path)
    text_table = final_table(summary)
    if not quiet:
        echo(text_table)
    return RunResult(
        summary, text_table, rd.path, start_step if start_step >= 0 else None, run.notes
    )


def label_writers(run: Run, writers: Sequence[OutputWriter]) -> None:
    """Give the TensorBoard writers the agents' labels and one label per player (its agent's,
    with the seat for a coalition)."""
    labels = [spec.label for spec in run.agents.specs]
    players: dict[int, str] = {}
    for spec in run.agents.specs:
        for seat in spec.seats:
            players[seat] = spec.label if len(spec.seats) == 1 else f"{spec.label} seat {seat}"
    for writer in writers:
        if isinstance(writer, TensorBoardWriter):
            writer.set_labels(labels, [players.get(i, f"p{i}") for i in range(max(players) + 1)])


def fresh_table(rd: RunDir, may_resume: bool) -> MetricsTable:
    """An empty metrics table for a run that starts from step 0 (old metrics and events removed).

    Raises:
        RunDirError: resuming was allowed but ``metrics.csv`` holds evaluations without a published
            checkpoint to resume them from (an inconsistent run directory).
    """
    if may_resume and len(MetricsTable.load(rd.metrics).rows) > 1:
        raise RunDirError(
            f"{rd.metrics} holds evaluations but {rd.path / 'checkpoints'} has no published "
            "checkpoint to resume from; the run directory is inconsistent (pass --overwrite "
            "to start again)"
        )
    table = MetricsTable(rd.metrics)
    if rd.metrics.exists():
        rd.metrics.unlink()
    shutil.rmtree(rd.tb, ignore_errors=True)
    return table


def resume_table(rd: RunDir, latest: Checkpoint, tensorboard: bool) -> MetricsTable:
    """The metrics table to continue from ``latest``, after checking that the directory agrees
    with it: ``metrics.csv`` holds exactly the rows ``latest.json`` counts up to its step (the last
    at that step), and the TensorBoard events reach that step.

    Raises:
        RunDirError: the directory is inconsistent, naming the file.
    """
    table = MetricsTable.load(rd.metrics)
    rows = latest.meta.get("rows")
    kept = [r for r in table.rows if r["step"] <= latest.step]
    if not isinstance(rows, int) or isinstance(rows, bool):
        raise RunDirError(f"{rd.checkpoints.root / 'latest.json'}: no row count; inconsistent")
    if len(kept) != rows or (kept and kept[-1]["step"] != latest.step):
        last = kept[-1]["step"] if kept else None
        raise RunDirError(
            f"{rd.metrics}: {len(kept)} row(s) up to step {latest.step} (the last at step {last}), "
            f"but the checkpoint at step {latest.step} counts {rows}; the run directory is "
            "inconsistent (pass --overwrite to start again)"
        )
    if tensorboard and rows:
        scalars = read_tensorboard(rd.tb) if rd.tb.is_dir() else {}
        steps = {s for values in scalars.values() for s, _ in values}
        if latest.step not in steps:
            raise RunDirError(
                f"{rd.tb}: no TensorBoard events at step {latest.step}, where the checkpoint is; "
                "the run directory is inconsistent (pass --overwrite to start again)"
            )
    table.truncate(latest.step)
    return table


def check_complete(rd: RunDir, summary: dict[str, Any]) -> None:
    """Check that a run whose ``summary.json`` says complete has every row in ``metrics.csv``.

    Raises:
        RunDirError: naming the file that disagrees.
    """
    table = MetricsTable.load(rd.metrics)
    if len(table.rows) != summary.get("evaluations") or (
        not table.rows or table.steps[-1] != summary.get("budget")
    ):
        raise RunDirError(
            f"{rd.summary} says the run is complete with {summary.get('evaluations')} "
            f"evaluation(s) up to step {summary.get('budget')}, but {rd.metrics} has "
            f"{len(table.rows)} row(s); the run directory is inconsistent"
        )


def _limit_threads() -> None:
    import torch

    torch.set_num_threads(1)


def load_experiment(run_dir: str | Path) -> ExperimentConfig:
    """The experiment stored in a run directory's ``config.yaml``.

    Raises:
        FileNotFoundError: the directory has no ``config.yaml``.
        ConfigError: the stored configuration is not valid, naming the file.
    """
    rd = RunDir(run_dir)
    if not rd.config.exists():
        raise FileNotFoundError(f"{rd.path} has no {rd.config.name}")
    return validate_model(ExperimentConfig, parse_yaml(read_text(rd.config), str(rd.config)))


def load_run(
    run_dir: str | Path, exp: ExperimentConfig | None = None
) -> tuple[Run, MultiAgentSB3 | None, int]:
    """A run rebuilt from its directory's ``config.yaml`` with its newest checkpoint restored.

    Nothing in the directory is executed: the objects are built from the configuration and the
    checkpoint's data written into them (:mod:`powergames.training.checkpoint`). ``run.env`` and
    ``run.agents`` are the restored environment and agents.

    Args:
        run_dir: an experiment's run directory.
        exp: the experiment to build (default: the stored one).

    Returns:
        ``(run, multi, step)``: the run, its SB3 runner (``None`` without SB3 learners) and the
        checkpoint's step.

    Raises:
        FileNotFoundError: no configuration or no checkpoint.
        RunDirError: the checkpoint is refused (damaged, inconsistent, of an older format).
    """
    rd = RunDir(run_dir)
    exp = load_experiment(rd.path) if exp is None else exp
    latest = rd.checkpoints.latest()
    if latest is None:
        raise FileNotFoundError(f"{rd.path} has no checkpoint")
    run = build_run(exp, rd.path)
    run.resume_from = latest
    multi = None
    if run.agents.sb3:
        multi = build_sb3(exp, run.agents, run.env, run.game, run.streams.torch_seed)
        load_sb3(latest.path, multi, run.agents)
        run.env = multi.hub.envs[0]
    else:
        load_native(latest.path, run.env, run.agents, run.streams.agent_rng, run.streams.env_seed)
    return run, multi, latest.step


def evaluate_run(run_dir: str | Path, samples: int | None = None) -> dict[str, Any]:
    """Re-evaluate the agents of a run at its newest checkpoint (nothing is written).

    Args:
        run_dir: an experiment's run directory.
        samples: Monte Carlo plays for the empirical shares (default: the config's).

    Returns:
        A summary dictionary (as in ``summary.json``) whose ``final`` holds the fresh metrics.
    """
    exp = load_experiment(run_dir)
    if samples is not None:
        exp = exp.model_copy(update={"eval": exp.eval.model_copy(update={"samples": samples})})
    run, _, step = load_run(run_dir, exp)
    metrics = {"step": step, **run_evaluators(run.evaluators, run.context(step))}
    table = MetricsTable(run.run_dir.metrics)
    table.rows = [metrics]
    summary = make_summary(exp, table, run.agents.specs, run.coalitions, run.notes, 0.0, -1)
    assert run.resume_from is not None
    summary["evaluated_checkpoint"] = str(run.resume_from.path)
    return summary
