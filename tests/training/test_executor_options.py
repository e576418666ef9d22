"""Choosing an executor (``--executor``, ``--address``, ``--cpus-per-run``) and the Ray executor's
argument checks: all without Ray installed (Ray is imported only when a Ray executor runs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from powergames.cli import main
from powergames.training.ray_executor import RayExecutor, resumed
from powergames.training.suite import SuiteJob
from powergames.training.sweep import Job

CFG = """
name: fam
budget: 200
eval: {every: 100, samples: 20}
env:
  id: powergames/game-v0
  kwargs: {game: interpolated, game_kwargs: {lam: 0.5}}
agents:
  - {kind: regret_matching, seats: [0]}
  - {kind: regret_matching, seats: [1]}
"""


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"num_cpus": 0}, "num_cpus must be a finite number > 0, got 0"),
        ({"num_cpus": float("nan")}, "num_cpus must be a finite number > 0"),
        ({"threads": 0}, "threads must be an integer >= 1, got 0"),
        ({"threads": 1.5}, "threads must be an integer >= 1, got 1.5"),
        ({"memory": -1}, "memory must be a positive number of bytes or None, got -1"),
        ({"max_retries": -1}, "max_retries must be an integer >= 0, got -1"),
    ],
)
def test_ray_executor_checks_its_arguments(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        RayExecutor(**kwargs)
    with pytest.raises(TypeError, match="num_cpus must be a number, got str"):
        RayExecutor(num_cpus="2")  # type: ignore[arg-type]


def test_threads_default_to_the_declared_cpus() -> None:
    assert RayExecutor(num_cpus=2).threads == 2
    assert RayExecutor(num_cpus=0.5).threads == 1
    assert RayExecutor(num_cpus=1, threads=3).threads == 3


def test_a_retried_job_resumes_its_run_directory() -> None:
    job = Job({"name": "x"}, "runs/x", "base", 0)
    assert (job.resume, resumed(job).resume) == (False, True)
    assert resumed(job).run_dir == job.run_dir and resumed(job).seed == 0
    suite_job = SuiteJob({"name": "s"}, "a", "runs/s/a", resume=False, overwrite=True)
    again = resumed(suite_job)
    assert (again.resume, again.overwrite, again.name) == (True, False, "a")
    assert resumed(7) == 7  # a job that has no resume field is retried as it is


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--address", "127.0.0.1:1"], "--address and --cpus-per-run need --executor ray"),
        (["--cpus-per-run", "2"], "--address and --cpus-per-run need --executor ray"),
        (["--serial", "--executor", "ray"], "--serial and --executor ray exclude each other"),
    ],
)
def test_sweep_executor_options_are_checked(
    tmp_path: Path, capsys, extra: list[str], message: str
) -> None:
    cfg = tmp_path / "fam.yaml"
    cfg.write_text(CFG)
    assert main(["sweep", str(cfg), "--seeds", "0", "--runs-dir", str(tmp_path), *extra]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "fam_sweep").exists()


def test_train_on_ray_wants_a_multi_experiment_file(tmp_path: Path, capsys) -> None:
    cfg = tmp_path / "fam.yaml"
    cfg.write_text(CFG)
    assert main(["train", str(cfg), "--runs-dir", str(tmp_path), "--executor", "ray"]) == 2
    assert "powergames sweep CONFIG --executor ray" in capsys.readouterr().err


def test_serial_executor_option_runs_the_sweep(tmp_path: Path) -> None:
    cfg = tmp_path / "fam.yaml"
    cfg.write_text(CFG)
    args = ["sweep", str(cfg), "--seeds", "0-1", "--quiet", "--executor", "serial"]
    assert main([*args, "--runs-dir", str(tmp_path / "a")]) == 0
    assert main([*args[:-2], "--serial", "--runs-dir", str(tmp_path / "b")]) == 0
    for seed in (0, 1):
        rel = Path("fam_sweep") / "base" / f"seed_{seed}" / "metrics.csv"
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes()
