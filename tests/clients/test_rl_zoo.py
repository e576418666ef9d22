"""RL Baselines3 Zoo: ``python -m rl_zoo3.train --gym-packages powergames.envs`` on a registered id."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytest.importorskip("rl_zoo3")

pytestmark = pytest.mark.slow

CONF = """\
powergames/matching-pennies-v0:
  policy: MlpPolicy
  n_timesteps: 64
  n_steps: 16
  batch_size: 16
  n_epochs: 1
  env_kwargs:
    seat: player_0
    opponents: {player_1: [0.8, 0.2]}
    max_cycles: 2
"""


def test_train_from_the_command_line(tmp_path) -> None:
    conf = tmp_path / "ppo.yml"
    conf.write_text(CONF)
    cmd = [
        sys.executable, "-m", "rl_zoo3.train", "--algo", "ppo",
        "--env", "powergames/matching-pennies-v0", "--gym-packages", "powergames.envs",
        "--conf-file", str(conf), "-f", str(tmp_path / "logs"), "--seed", "0",
        "--eval-freq", "-1", "--n-eval-envs", "1", "--device", "cpu",
    ]  # fmt: skip
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]
    saved = list((tmp_path / "logs").rglob("*.zip"))
    assert saved, out.stdout[-2000:]
