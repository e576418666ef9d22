"""Sweeps: grid x seeds through an executor, aggregation across seeds (mean and CI)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from powergames.training.config import parse_yaml
from powergames.training.executors import LocalExecutor, SerialExecutor
from powergames.training.rundir import MetricsTable
from powergames.training.sweep import (
    confidence_band,
    parse_set,
    plan_sweep,
    run_sweep,
)

CFG = """
name: fam
budget: 400
eval: {every: 200, samples: 50}
env:
  id: powergames/game-v0
  kwargs: {game: interpolated, game_kwargs: {lam: 0.5}}
agents:
  - {kind: regret_matching, seats: [0], params: {feedback: full}}
  - {kind: regret_matching, seats: [1], params: {feedback: full}}
"""


def test_parse_set_and_band() -> None:
    assert parse_set(["a.b=0,0.5,1", "c=[1,2],[3,4]"]) == {
        "a.b": [0, 0.5, 1],
        "c": [[1, 2], [3, 4]],
    }
    mean, lo, hi = confidence_band(np.array([[1.0, 2.0], [3.0, 2.0]]))
    assert mean.tolist() == [2.0, 2.0] and hi[1] == lo[1] == 2.0 and lo[0] < 2.0 < hi[0]


@pytest.mark.slow
def test_sweep_runs_grid_and_aggregates(tmp_path: Path) -> None:
    grid = parse_set(["env.kwargs.game_kwargs.lam=0,1"])
    plan = plan_sweep(parse_yaml(CFG), [0, 1], grid, tmp_path / "fam_sweep")
    assert len(plan.jobs) == 4
    info = run_sweep(plan, SerialExecutor(), echo=lambda s: None)
    assert set(info["jobs"].values()) == {"complete"}
    for label in ("lam=0", "lam=1"):
        runs = [
            MetricsTable.load(tmp_path / "fam_sweep" / label / f"seed_{s}" / "metrics.csv")
            for s in (0, 1)
        ]
        agg = (
            (tmp_path / "fam_sweep" / label / "aggregate" / "aggregate.csv")
            .read_text()
            .splitlines()
        )
        header = agg[0].split(",")
        row = dict(zip(header, agg[-1].split(",")))
        want = np.mean([r.rows[-1]["power/sum"] for r in runs])
        assert float(row["power/sum"]) == pytest.approx(want)
        assert float(row["power/sum:ci_low"]) <= want <= float(row["power/sum:ci_high"])
        assert row["n_seeds"] == "2"
        assert list((tmp_path / "fam_sweep" / label / "aggregate" / "plots").glob("*.png"))
    assert (tmp_path / "fam_sweep" / "final_vs_lam.png").is_file()
    stored = json.loads((tmp_path / "fam_sweep" / "sweep.json").read_text())
    assert stored["final"]["lam=1"]["fam"]["align/alpha"]["mean"] == pytest.approx(
        -2.0
    )  # = matching pennies


@pytest.mark.slow
def test_local_processes_give_the_serial_results(tmp_path: Path) -> None:
    """The process-pool executor (two workers) writes the same metrics as the in-process one."""
    grid = parse_set(["env.kwargs.game_kwargs.lam=0,1"])
    out = {}
    for name, executor in (("serial", SerialExecutor()), ("local", LocalExecutor(max_workers=2))):
        plan = plan_sweep(parse_yaml(CFG), [3], grid, tmp_path / name)
        info = run_sweep(plan, executor, echo=lambda s: None)
        assert set(info["jobs"].values()) == {"complete"}
        out[name] = {
            label: (tmp_path / name / label / "seed_3" / "metrics.csv").read_text()
            for label in ("lam=0", "lam=1")
        }
    assert out["local"] == out["serial"]


def test_planning_into_an_existing_sweep_needs_resume_or_overwrite(tmp_path: Path) -> None:
    """The refusal lives in ``plan_sweep``, so the Python API cannot overwrite silently either."""
    grid = parse_set(["env.kwargs.game_kwargs.lam=0,1"])
    root = tmp_path / "fam_sweep"
    root.mkdir()
    assert plan_sweep(parse_yaml(CFG), [0], grid, root).jobs  # an empty directory is fine
    (root / "sweep.json").write_text("{}")
    with pytest.raises(ValueError, match="already holds a sweep"):
        plan_sweep(parse_yaml(CFG), [0], grid, root)
    with pytest.raises(ValueError, match="exclude each other"):
        plan_sweep(parse_yaml(CFG), [0], grid, root, resume=True, overwrite=True)
    assert plan_sweep(parse_yaml(CFG), [0], grid, root, resume=True).jobs
    assert plan_sweep(parse_yaml(CFG), [0], grid, root, overwrite=True).overwrite
    assert (root / "sweep.json").exists()  # planning deletes nothing; run_sweep does
