"""Sweeps: many runs (seeds × override grid) through an executor, and their aggregation.

A run is a pure function of (configuration, seed) that writes only its own directory, so runs can
be fanned out freely. The jobs go through an
:class:`~powergames.training.executors.Executor` (local processes, or in-process).

Layout of ``runs/<name>_sweep/``::

    sweep.json                      the grid, the seeds and every job's status
    <combo>/seed_<s>/[<experiment>/]  one run directory per job (plots: ``powergames plot`` on it)
    <combo>/aggregate/[<experiment>/] aggregate.csv (mean, CI per step) and plots with bands
    final_vs_<key>.png              with exactly one swept numeric key: final values against it
"""

from __future__ import annotations

import itertools
import json
import math
import re
import shutil
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import t as student_t

from powergames.training.build import check_names
from powergames.training.config import (
    ConfigError,
    apply_overrides,
    build_suite,
    dump_yaml,
    parse_override,
)
from powergames.training.executors import Executor
from powergames.training.rundir import MetricsTable, atomic_write_json, atomic_write_text
from powergames.training.suite import run_suite

# ------------------------------------------------------------------------------------------- jobs


@dataclass(frozen=True)
class Job:
    """One run of a sweep: resolved YAML data (overrides and seed applied) and its directory."""

    data: dict[str, Any]
    run_dir: str
    combo: str
    seed: int
    quiet: bool = True
    resume: bool = False


def run_job(job: Job) -> dict[str, Any]:
    """Worker entry point: run every experiment of the job's configuration (a top-level function,
    picklable for process pools). Returns the suite summary."""
    suite = build_suite(job.data)
    return run_suite(
        suite, Path(job.run_dir), resume=job.resume, overwrite=not job.resume,
        progress=False, quiet=job.quiet, plots=False,
    )  # fmt: skip


def parse_set(items: Iterable[str]) -> dict[str, list[Any]]:
    """``["a.b=1,2", "c=x"]`` → ``{"a.b": [1, 2], "c": ["x"]}`` (values parsed as YAML)."""
    grid: dict[str, list[Any]] = {}
    for item in items:
        if "=" not in item:
            raise ConfigError(f"--set {item!r} must look like key=v1,v2")
        key, _, raw = item.partition("=")
        key = key.strip()
        values = []
        for part in _split_values(raw):
            values.append(parse_override(f"{key}={part}")[1])
        if not values:
            raise ConfigError(f"--set {key}: no values")
        grid[key] = values
    return grid


def _split_values(raw: str) -> list[str]:
    """Split on commas outside brackets/braces, so ``[1,2],[3,4]`` gives two values."""
    parts, depth, cur = [], 0, ""
    for ch in raw:
        if ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur)
    return [p.strip() for p in parts if p.strip()]


def combo_label(assignment: Mapping[str, Any]) -> str:
    """A directory name for one grid point: ``lam=0.5,seed_offset=1`` (``base`` for none)."""
    if not assignment:
        return "base"
    parts = []
    for key, value in assignment.items():
        text = json.dumps(value) if not isinstance(value, str) else value
        parts.append(f"{key.split('.')[-1]}={text}")
    label = ",".join(parts)
    return re.sub(r"[^A-Za-z0-9_.,=+-]", "_", label)


@dataclass
class SweepPlan:
    """The jobs of a sweep and how they group."""

    name: str
    root: Path
    seeds: list[int]
    grid: dict[str, list[Any]]
    combos: list[tuple[str, dict[str, Any]]]
    jobs: list[Job] = field(default_factory=list)
    overwrite: bool = False  # run_sweep deletes an existing sweep directory first


def plan_sweep(
    data: Mapping[str, Any],
    seeds: Sequence[int],
    grid: Mapping[str, Sequence[Any]],
    root: str | Path,
    resume: bool = False,
    overwrite: bool = False,
) -> SweepPlan:
    """Expand seeds × grid into jobs, validating every resulting configuration up front.

    As for a run, a directory a sweep has already started in is refused unless ``resume`` (finished
    runs are kept) or ``overwrite`` (:func:`run_sweep` deletes it first, once everything has
    validated) is given.

    Raises:
        ValueError: an existing sweep directory without either, or both at once.
    """
    root = Path(root)
    if resume and overwrite:
        raise ValueError("--resume and --overwrite exclude each other")
    started = any((root / f).exists() for f in ("base_config.yaml", "sweep.json"))
    if started and not (resume or overwrite):  # run_sweep writes base_config.yaml first
        raise ValueError(
            f"{root} already holds a sweep; pass --resume to continue it or --overwrite to start "
            "again (or --name for a new one)"
        )
    keys = list(grid)
    combos = []
    for values in itertools.product(*(grid[k] for k in keys)) if keys else [()]:
        assignment = dict(zip(keys, values))
        combos.append((combo_label(assignment), assignment))
    if len({c for c, _ in combos}) != len(combos):
        raise ConfigError("--set produces two grid points with the same label; use distinct values")
    plan = SweepPlan(
        str(data.get("name", "run")),
        root,
        list(seeds),
        {k: list(v) for k, v in grid.items()},
        combos,
        overwrite=overwrite,
    )
    for label, assignment in combos:
        for seed in seeds:
            overrides = [f"{k}={json.dumps(v)}" for k, v in assignment.items()]
            overrides.append(f"seed={seed}")
            resolved = apply_overrides(dict(data), overrides)
            suite = build_suite(resolved)
            check_names(suite)
            run_dir = root / label / f"seed_{seed}"
            plan.jobs.append(Job(resolved, str(run_dir), label, seed, resume=resume))
    return plan


# ------------------------------------------------------------------------------------ aggregation


def confidence_band(
    values: np.ndarray, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean and Student-t confidence interval over axis 0 (NaNs ignored per column).

    Args:
        values: shape ``(n_seeds, n_steps)``.

    Returns:
        ``(mean, low, high)`` each of shape ``(n_steps,)``; with one seed the band is the mean.
    """
    values = np.asarray(values, dtype=np.float64)
    n = np.sum(np.isfinite(values), axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (
            np.nanmean(np.where(np.isfinite(values), values, np.nan), axis=0)
            if values.size
            else values
        )
        sd = np.nanstd(values, axis=0, ddof=1) if values.shape[0] > 1 else np.zeros_like(mean)
        q = student_t.ppf(0.5 + level / 2, np.maximum(n - 1, 1))
        half = np.where(n > 1, q * sd / np.sqrt(np.maximum(n, 1)), 0.0)
    return mean, mean - half, mean + half


def aggregate_runs(run_dirs: Sequence[Path], level: float = 0.95) -> dict[str, Any]:
    """Aggregate ``metrics.csv`` of runs that share their steps (seeds of one configuration).

    Returns:
        ``{"steps": [...], "mean": {col: [...]}, "low": {...}, "high": {...}, "n": n_runs}``.

    Raises:
        ValueError: if the runs do not have the same evaluation steps.
    """
    tables = [MetricsTable.load(Path(d) / "metrics.csv") for d in run_dirs]
    tables = [t for t in tables if t.rows]
    if not tables:
        raise ValueError("no metrics to aggregate")
    steps = tables[0].steps
    for t, d in zip(tables, run_dirs):
        if t.steps != steps:
            raise ValueError(f"{d}: evaluation steps differ from {run_dirs[0]}; cannot aggregate")
    columns = [c for c in tables[0].columns if c != "step"]
    mean, low, high = {}, {}, {}
    for c in columns:
        stack = np.array([t.column(c) for t in tables])
        m, lo, hi = confidence_band(stack, level)
        mean[c], low[c], high[c] = m.tolist(), lo.tolist(), hi.tolist()
    return {"steps": steps, "mean": mean, "low": low, "high": high, "n": len(tables)}


def write_aggregate(agg: Mapping[str, Any], out_dir: Path) -> Path:
    """``aggregate.csv``: ``step``, then per metric its mean, ``:ci_low`` and ``:ci_high``; plus plots."""
    from powergames.training.plots import plot_aggregate

    out_dir.mkdir(parents=True, exist_ok=True)
    cols = list(agg["mean"])
    header = ["step", "n_seeds"] + [x for c in cols for x in (c, f"{c}:ci_low", f"{c}:ci_high")]
    lines = [",".join(header)]
    for r, step in enumerate(agg["steps"]):
        cells = [str(step), str(agg["n"])]
        for c in cols:
            for part in ("mean", "low", "high"):
                v = agg[part][c][r]
                cells.append("" if not math.isfinite(v) else repr(float(v)))
        lines.append(",".join(cells))
    atomic_write_text(out_dir / "aggregate.csv", "\n".join(lines) + "\n")
    steps = agg["steps"]
    plot_aggregate(steps, agg["mean"], agg["low"], agg["high"], out_dir / "plots", agg["n"])
    return out_dir / "aggregate.csv"


def experiment_dirs(run_dir: Path, data: Mapping[str, Any]) -> dict[str, Path]:
    """Experiment name → run directory for one job (the job's directory itself for a single run)."""
    suite = build_suite(data)
    if suite.single:
        return {suite.experiments[0].name: run_dir}
    return {e.name: run_dir / e.name for e in suite.experiments}


def run_sweep(
    plan: SweepPlan,
    executor: Executor,
    *,
    echo: Callable[[str], None] = print,
    batched: bool = True,
) -> dict[str, Any]:
    """Run every job of ``plan`` through ``executor``, then aggregate per grid point and experiment.

    With ``batched`` (the default), the jobs whose agents are all classic learners run first, in
    this process, as batched jobs (:class:`~powergames.training.batched_sweep.BatchedSweep`: the
    same run directories, value for value); the sweep says so through ``echo``, and the other jobs
    go through ``executor``.

    Returns:
        The content of ``sweep.json``: grid, seeds, job statuses, aggregate paths and, per grid
        point and experiment, the final mean of every metric.
    """
    if plan.overwrite and plan.root.exists():
        shutil.rmtree(plan.root)
    plan.root.mkdir(parents=True, exist_ok=True)
    status: dict[str, str] = {}
    info = {
        "name": plan.name,
        "seeds": plan.seeds,
        "grid": plan.grid,
        "combos": {label: assignment for label, assignment in plan.combos},
        "jobs": status,
    }
    atomic_write_text(
        plan.root / "base_config.yaml", dump_yaml(plan.jobs[0].data) if plan.jobs else ""
    )
    for job, result in _results(plan, executor, batched, echo):
        key = f"{job.combo}/seed_{job.seed}"
        if isinstance(result, BaseException):
            status[key] = f"failed: {type(result).__name__}: {result}"
            echo(f"  {key}: FAILED ({type(result).__name__}: {result})")
        else:
            status[key] = "complete"
            echo(f"  {key}: done")
        atomic_write_json(plan.root / "sweep.json", info)
    finals: dict[str, dict[str, dict[str, dict[str, float]]]] = {}
    for label, _ in plan.combos:
        jobs = [
            j
            for j in plan.jobs
            if j.combo == label and status.get(f"{label}/seed_{j.seed}") == "complete"
        ]
        if not jobs:
            continue
        exp_dirs = [experiment_dirs(Path(j.run_dir), j.data) for j in jobs]
        finals[label] = {}
        for exp in exp_dirs[0]:
            agg = aggregate_runs([d[exp] for d in exp_dirs])
            single = len(exp_dirs[0]) == 1
            out = plan.root / label / "aggregate" / ("" if single else exp)
            write_aggregate(agg, out)
            finals[label][exp] = {
                c: {
                    "mean": agg["mean"][c][-1],
                    "low": agg["low"][c][-1],
                    "high": agg["high"][c][-1],
                }
                for c in agg["mean"]
            }
    info["final"] = finals
    atomic_write_json(plan.root / "sweep.json", info)
    _plot_vs_parameter(plan, finals)
    return info


def _results(
    plan: SweepPlan, executor: Executor, batched: bool, echo: Callable[[str], None]
) -> Iterable[tuple[Job, Any]]:
    """Every job's ``(job, result or exception)``: the batched ones first, then the executor's."""
    if not batched:
        yield from executor.map(run_job, plan.jobs)
        return
    from powergames.training.batched_sweep import BatchedSweep

    split = BatchedSweep(plan.jobs)
    for line in split.describe(len(plan.jobs)):
        echo(line)
    planned = len(split.rest)
    yield from split.results()
    if len(split.rest) > planned:
        echo(f"per-run: {len(split.rest) - planned} run(s): resume from their checkpoints")
    rest = [job for job, _ in split.rest]
    if rest:
        yield from executor.map(run_job, rest)


#: Metrics drawn against a single swept numeric parameter, when present.
HEADLINE_METRICS = (
    "align/alpha",
    "power/sum",
    "power_avg/sum",
    "power/nash_conv",
    "power_avg/nash_conv",
    "align/welfare",
)


def _plot_vs_parameter(plan: SweepPlan, finals: Mapping[str, Any]) -> None:
    from powergames.training.plots import parameter_symbol, plot_final_vs_parameter

    if len(plan.grid) != 1:
        return
    key, values = next(iter(plan.grid.items()))
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return
    labels = [label for label, _ in plan.combos if label in finals]
    if not labels:
        return
    exps = list(finals[labels[0]])
    for exp in exps:
        series: dict[str, tuple[list[float], list[float], list[float]]] = {}
        for metric in HEADLINE_METRICS:
            if all(metric in finals[lb].get(exp, {}) for lb in labels):
                mean, low, high = (
                    [finals[lb][exp][metric][part] for lb in labels]
                    for part in ("mean", "low", "high")
                )
                series[f"final {metric}"] = (mean, low, high)
        if not series:
            continue
        xs = [a[key] for lb, a in plan.combos if lb in finals]
        order = np.argsort(xs)
        xs_sorted = [xs[i] for i in order]
        series = {
            k: ([m[i] for i in order], [lo[i] for i in order], [hi[i] for i in order])
            for k, (m, lo, hi) in series.items()
        }
        name = f"final_vs_{key.split('.')[-1]}" + ("" if len(exps) == 1 else f"_{exp}") + ".png"
        plot_final_vs_parameter(
            key,
            xs_sorted,
            series,
            plan.root / name,
            title=f"{plan.name}: final values vs {parameter_symbol(key)}",
        )


def summary_rows(info: Mapping[str, Any], metrics: Sequence[str]) -> list[list[Any]]:
    """Rows ``[combo, experiment, metric, mean, low, high]`` for the console table."""
    rows = []
    for label, exps in info.get("final", {}).items():
        for exp, cols in exps.items():
            for m in metrics:
                if m in cols:
                    v = cols[m]
                    rows.append([label, exp, m, v["mean"], v["low"], v["high"]])
    return rows


__all__ = [
    "Job",
    "SweepPlan",
    "aggregate_runs",
    "confidence_band",
    "parse_set",
    "plan_sweep",
    "run_job",
    "run_sweep",
]
