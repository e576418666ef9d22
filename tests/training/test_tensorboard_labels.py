"""TensorBoard holds each SB3 learner's own diagnostics and tags the agents by label."""

from __future__ import annotations

from pathlib import Path

import pytest

from powergames.cli import main
from powergames.training.logging import read_tensorboard
from powergames.training.rundir import MetricsTable

pytestmark = pytest.mark.slow  # trains PPO

CONFIG = """
name: tb
seed: 3
budget: 512
eval: {every: 256, samples: 50}
env:
  id: powergames/symmetric-unit-sum-v0
  kwargs: {n_players: 4, n_actions: 3, n_states: 2, seed: 1}
agents:
  - {name: PPO learner, kind: ppo, seats: [0], params: {n_steps: 128, batch_size: 64}}
  - {name: a/b copiers, kind: copying, seats: [1, 2, 3], params: {target: 0}}
"""


def test_sb3_diagnostics_and_agent_labels_in_tensorboard(tmp_path: Path) -> None:
    cfg = tmp_path / "tb.yaml"
    cfg.write_text(CONFIG)
    assert main(["train", str(cfg), "--runs-dir", str(tmp_path), "--quiet"]) == 0
    scalars = read_tensorboard(tmp_path / "tb" / "tb")
    tags = set(scalars)
    for key in ("rollout/ep_rew_mean", "train/loss", "train/entropy_loss", "train/value_loss"):
        assert f"sb3/PPO learner/{key}" in tags, key
    assert "sb3/PPO learner/time/fps" not in tags  # wall-clock, not reproducible
    # SB3's steps are environment rounds, within the budget
    steps = [s for s, _ in scalars["sb3/PPO learner/train/loss"]]
    assert steps == sorted(steps) and 0 < steps[0] and steps[-1] <= 512
    # evaluation tags use the labels ('/' cannot be in one segment); metrics.csv keeps the keys
    assert "eval/share/PPO learner/mean" in tags and "eval/share/a-b copiers/mean" in tags
    assert not any("/c0/" in t or "/c1/" in t for t in tags)
    table = MetricsTable.load(tmp_path / "tb" / "metrics.csv")
    assert [v for _, v in scalars["eval/share/PPO learner/mean"]] == pytest.approx(
        table.column("share/c0/mean")
    )
