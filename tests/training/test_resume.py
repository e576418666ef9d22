"""A real process kill mid-run, then --resume: every evaluation step exactly once, same values."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from powergames.cli import main
from powergames.training.logging import read_tensorboard
from powergames.training.rundir import MetricsTable

#: Every test here trains agents or starts a subprocess.
pytestmark = pytest.mark.slow

NATIVE = """
name: native
seed: 7
budget: 16000
eval: {every: 1000, samples: 100}
env:
  id: powergames/game-v0
  kwargs: {game: interpolated, game_kwargs: {lam: 0.5, rng: 3, n_actions: 3}}
agents:
  - {kind: regret_matching, seats: [0], params: {exploration: 0.05}}
  - {kind: hedge, seats: [1], params: {exploration: 0.05}}
"""

SB3 = """
name: sb3
seed: 3
budget: 5120
eval: {every: 512, samples: 100}
env:
  id: powergames/symmetric-unit-sum-v0
  kwargs: {n_players: 4, n_actions: 3, n_states: 2, seed: 1}
agents:
  - {kind: ppo, seats: [0], params: {n_steps: 256, batch_size: 64, learning_rate: 0.003}}
  - {kind: copying, seats: [1, 2, 3], params: {target: 0}}
"""

# three models in lockstep: PPO, DQN (its replay buffer is checkpointed) and a parameter-shared
# A2C pair; every eval.every = 256 steps is a rollout boundary of all three
MULTI = """
name: multi
seed: 5
budget: 2560
eval: {every: 256, samples: 100}
env:
  id: powergames/symmetric-unit-sum-v0
  kwargs: {n_players: 4, n_actions: 3, n_states: 2, seed: 1}
agents:
  - {kind: ppo, seats: [0], params: {n_steps: 128, batch_size: 64, policy_kwargs: {net_arch: [16]}}}
  - {kind: dqn, seats: [1], params: {learning_starts: 64, buffer_size: 2000, train_freq: 4, policy_kwargs: {net_arch: [16]}}}
  - {kind: a2c, seats: [2], shared: pair, params: {n_steps: 16, policy_kwargs: {net_arch: [16]}}}
  - {kind: a2c, seats: [3], shared: pair}
"""
BUDGETS = {"native": (16000, 1000), "sb3": (5120, 512), "multi": (2560, 256)}


def rows_written(path: Path) -> int:
    try:
        return len(MetricsTable.load(path).rows)
    except (OSError, ValueError):
        return 0


def kill_mid_run(
    cfg: Path, runs: Path, name: str, min_rows: int, timeout: float = 90, extra: tuple = ()
) -> int:
    """Start ``powergames train`` in a subprocess and SIGKILL it once ``min_rows`` rows exist."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "powergames.cli", "train", str(cfg), "--runs-dir", str(runs), "--quiet", *extra],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    metrics = runs / name / "metrics.csv"
    deadline = time.monotonic() + timeout
    try:
        while rows_written(metrics) < min_rows:
            if proc.poll() is not None:
                err = proc.stderr.read().decode() if proc.stderr else ""
                pytest.fail(f"the run ended before it could be killed: {err}")
            if time.monotonic() > deadline:
                pytest.fail("the run wrote no metrics in time")
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
        if proc.stderr:
            proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    return rows_written(metrics)


@pytest.mark.parametrize(
    ("text", "name", "min_rows"),
    [(NATIVE, "native", 4), (SB3, "sb3", 3), (MULTI, "multi", 3)],
    ids=["native", "sb3", "multi"],
)
def test_kill_and_resume_matches_uninterrupted(
    tmp_path: Path, text: str, name: str, min_rows: int
) -> None:
    cfg = tmp_path / f"{name}.yaml"
    cfg.write_text(text)
    killed, clean = tmp_path / "killed", tmp_path / "clean"
    rows_at_kill = kill_mid_run(cfg, killed, name, min_rows)
    budget, every = BUDGETS[name]
    budget_rows = budget // every + 1
    assert min_rows <= rows_at_kill < budget_rows

    assert main(["train", str(cfg), "--runs-dir", str(killed), "--resume", "--quiet"]) == 0
    assert main(["train", str(cfg), "--runs-dir", str(clean), "--quiet"]) == 0

    summary = json.loads((killed / name / "summary.json").read_text())
    # continued from the newest checkpoint (the last row's may not have been published yet)
    assert summary["resumed_from_step"] >= max(rows_at_kill - 2, 1) * every
    resumed = MetricsTable.load(killed / name / "metrics.csv")
    reference = MetricsTable.load(clean / name / "metrics.csv")
    assert resumed.steps == list(range(0, budget_rows * every, every))  # each step exactly once
    assert resumed.columns == reference.columns
    if name == "native":  # a normal-form game: POWER and the alignment metrics
        assert {"power/nash_conv", "power_avg/sum", "align/alpha", "align/welfare"} <= set(
            resumed.columns
        )
    assert resumed.rows == reference.rows  # bit-identical values
    raw_resumed = (killed / name / "metrics.csv").read_text()
    assert raw_resumed == (clean / name / "metrics.csv").read_text()

    # TensorBoard tags name the agents by label (an unnamed one: kind[seats])
    tag = "eval/power/nash_conv" if name == "native" else "eval/share/ppo[0]/mean"
    steps = [s for s, _ in read_tensorboard(killed / name / "tb")[tag]]
    assert steps == resumed.steps  # TensorBoard purged the rows written after the checkpoint


# two experiments in two worker processes: killing the parent must stop the workers too, or they
# would go on writing the run directories that --resume continues
SUITE = """
name: suite
seed: 2
budget: 40000
eval: {every: 1000, samples: 50}
experiments:
  a:
    env:
      id: powergames/game-v0
      kwargs: {game: interpolated, game_kwargs: {lam: 0.5, rng: 3, n_actions: 3}}
    agents:
      - {kind: regret_matching, seats: [0]}
      - {kind: hedge, seats: [1]}
  b:
    env: {id: powergames/majority-v0, kwargs: {n_players: 3, n_actions: 2}}
    agents:
      - {kind: regret_matching, seats: [0]}
      - {kind: uniform, seats: [1, 2]}
"""


def test_killing_a_parallel_suite_stops_its_workers_and_resumes(tmp_path: Path) -> None:
    cfg = tmp_path / "suite.yaml"
    cfg.write_text(SUITE)
    killed, clean = tmp_path / "killed", tmp_path / "clean"
    kill_mid_run(cfg, killed, "suite/a", 3, extra=("--jobs", "2"))

    # the workers notice within a fraction of a second; afterwards nothing grows any more
    def sizes() -> dict[str, int]:
        files = {e: killed / "suite" / e / "metrics.csv" for e in "ab"}
        return {e: f.stat().st_size if f.exists() else 0 for e, f in files.items()}

    time.sleep(2.0)
    before = sizes()
    time.sleep(2.0)
    assert sizes() == before

    args = ["train", str(cfg), "--quiet", "--jobs", "2"]
    assert main([*args, "--runs-dir", str(killed), "--resume"]) == 0
    assert main([*args, "--runs-dir", str(clean)]) == 0
    for e in "ab":
        resumed = (killed / "suite" / e / "metrics.csv").read_text()
        assert resumed == (clean / "suite" / e / "metrics.csv").read_text()
        assert MetricsTable.load(killed / "suite" / e / "metrics.csv").steps == list(
            range(0, 41000, 1000)
        )


def test_a_run_directory_has_one_writer(tmp_path: Path) -> None:
    from powergames.training.rundir import RunDirBusy, RunLock

    with RunLock(tmp_path / "run"):
        with pytest.raises(RunDirBusy, match=r"being written by another process \(pid \d+\)"):
            with RunLock(tmp_path / "run", wait=0.3):
                pass
    with RunLock(tmp_path / "run", wait=0.3):  # released on exit
        pass


def test_a_filesystem_without_locks_warns_and_runs(tmp_path: Path, monkeypatch) -> None:
    import errno
    import fcntl

    from powergames.training.rundir import RunLock

    def no_locks(fd: int, op: int) -> None:
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", no_locks)
    with pytest.warns(RuntimeWarning, match="cannot lock the run directory"):
        with RunLock(tmp_path / "run", wait=5.0):
            pass


def test_a_suite_directory_has_one_writer(tmp_path: Path, monkeypatch) -> None:
    """Another process's run of the same suite is refused before it touches the suite's files."""
    import powergames.training.rundir as rundir
    from powergames.training.rundir import RunDirBusy, RunLock

    monkeypatch.setattr(rundir, "LOCK_WAIT", 0.3)

    cfg = tmp_path / "suite.yaml"
    cfg.write_text(SUITE.replace("budget: 40000", "budget: 2000"))
    root = tmp_path / "runs" / "suite"
    assert main(["train", str(cfg), "--runs-dir", str(tmp_path / "runs"), "--quiet"]) == 0
    before = (root / "config.yaml").read_text()
    with RunLock(root):  # as if another process were running the suite
        with pytest.raises(RunDirBusy):
            from powergames.training.build import load_suite
            from powergames.training.suite import run_suite

            suite = load_suite(cfg, ["seed=1"])
            run_suite(suite, root, overwrite=True, quiet=True, progress=False)
    assert (root / "config.yaml").read_text() == before
