"""SB3 learners in the training runner: several independent learners, parameter sharing, DQN.

Tiny budgets; the checks are structural (every evaluation row, the models the run built), exact
theorem bounds where a fixed theorem policy plays, and determinism (same seed, same metrics file).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from powergames.agents.sb3 import MultiAgentSB3
from powergames.cli import main
from powergames.training.build import load_suite
from powergames.training.config import ConfigError
from powergames.training.experiment import load_run
from powergames.training.rundir import MetricsTable

#: Every test here trains agents or starts a subprocess.
pytestmark = pytest.mark.slow

TWO_LEARNERS = """
name: two
seed: 2
budget: 768
eval: {every: 256, samples: 100, evaluators: [power]}
env: {id: powergames/matching-pennies-v0}
agents:
  - {kind: ppo, seats: [0], params: {n_steps: 64, batch_size: 64, n_epochs: 2, policy_kwargs: {net_arch: [8]}}}
  - {kind: a2c, seats: [1], params: {n_steps: 8, policy_kwargs: {net_arch: [8]}}}
"""

SHARED = """
name: shared
seed: 1
budget: 512
eval: {every: 128, samples: 100}
env: {id: powergames/majority-v0, kwargs: {n_players: 3, n_actions: 2}}
agents:
  - {kind: ppo, seats: [0], shared: crowd, params: {n_steps: 64, batch_size: 96, n_epochs: 2, policy_kwargs: {net_arch: [8]}}}
  - {kind: ppo, seats: [1], shared: crowd}
  - {kind: ppo, seats: [2], shared: crowd}
"""

DQN = """
name: dqn
seed: 0
budget: 512
eval: {every: 128, samples: 100}
env: {id: powergames/symmetric-unit-sum-v0, kwargs: {n_players: 5, n_actions: 3, n_states: 2, seed: 0}}
agents:
  - {kind: dqn, seats: [0, 1], params: {learning_starts: 64, buffer_size: 1000, train_freq: [4, step], policy_kwargs: {net_arch: [16]}}}
  - {kind: copying, seats: [2, 3, 4], params: {target: 0}}
"""


def run(tmp_path: Path, text: str, name: str, runs: str = "runs") -> Path:
    cfg = tmp_path / f"{name}.yaml"
    cfg.write_text(text)
    assert main(["train", str(cfg), "--runs-dir", str(tmp_path / runs), "--quiet"]) == 0
    return tmp_path / runs / name


def latest_runner(run_dir: Path) -> MultiAgentSB3:
    _, multi, _ = load_run(run_dir)
    assert multi is not None
    return multi


def test_two_independent_learners_in_one_run(tmp_path: Path) -> None:
    a = run(tmp_path, TWO_LEARNERS, "two")
    table = MetricsTable.load(a / "metrics.csv")
    assert table.steps == [0, 256, 512, 768]
    assert {"power/nash_conv", "power/p0", "power/p1"} <= set(table.columns)
    multi = latest_runner(a)
    assert sorted(multi.models) == ["player_0", "player_1"]
    assert [type(m).__name__ for m in multi.models.values()] == ["PPO", "A2C"]
    assert multi.rounds("player_0") == multi.rounds("player_1") == 768  # lockstep
    b = run(tmp_path, TWO_LEARNERS, "two", runs="again")
    assert (a / "metrics.csv").read_text() == (b / "metrics.csv").read_text()  # deterministic


def test_parameter_shared_run(tmp_path: Path) -> None:
    d = run(tmp_path, SHARED, "shared")
    table = MetricsTable.load(d / "metrics.csv")
    assert table.steps == [0, 128, 256, 384, 512]
    multi = latest_runner(d)
    assert list(multi.models) == ["shared_crowd"]  # one network for the three players
    assert multi.vec_envs["shared_crowd"].num_envs == 3
    assert multi.models["shared_crowd"].num_timesteps == 3 * 512  # every seat's experience
    # the same observation gives every player the same strategy, so equal exact shares
    for row in table.rows:
        assert row["share/c0/mean"] == pytest.approx(row["share/c1/mean"], abs=1e-12)
        assert row["share/c1/mean"] == pytest.approx(row["share/c2/mean"], abs=1e-12)


def test_dqn_run_against_the_copying_majority(tmp_path: Path) -> None:
    d = run(tmp_path, DQN, "dqn")
    table = MetricsTable.load(d / "metrics.csv")
    assert table.steps == [0, 128, 256, 384, 512]
    # Theorem 2 (k = 2): whatever the DQN coalition's (greedy) policy, the copiers keep >= 1/2
    assert all(v >= 0.5 - 1e-9 for v in table.column("share/c1/min_x"))
    assert table.column("share/c1/thm2_bound") == [0.5] * 5
    multi = latest_runner(d)
    assert type(multi.models["coalition_0"]).__name__ == "DQN"
    obs = np.zeros(multi.hub.envs[0].observation_space("coalition_0").shape, np.float32)
    strategy = multi.policy("coalition_0").strategy(obs)
    assert strategy.shape == (3, 3) and sorted(strategy.ravel())[-1] == 1.0  # greedy joint


@pytest.mark.parametrize(
    ("text", "override", "key", "words"),
    [
        (SHARED, "agents[1].kind=a2c", "agents[1].kind", "need one kind"),
        (SHARED, "agents[2].params.n_steps=32", "agents[2].params", "take their params"),
        (DQN, "agents[1].shared=x", "agents[1].shared", "SB3 learners only"),
        (DQN, "agents[0].params.train_freq=[1, episode]", "agents[0].params.train_freq", "steps"),
        (DQN, "agents[0].params.train_freq=3", "eval.every", "train_freq"),
    ],
)
def test_sb3_config_errors_name_the_key(
    tmp_path: Path, text: str, override: str, key: str, words: str
) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_suite(cfg, [override])
    msg = str(info.value)
    assert msg.startswith(f"{key}:") and words in msg and "\n" not in msg


def test_values_sb3_rejects_name_the_agent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text(TWO_LEARNERS)
    args = ["train", str(cfg), "agents[0].params.batch_size=1", "--runs-dir", str(tmp_path / "r")]
    assert main([*args, "--quiet"]) == 2  # PPO asserts batch_size > 1 when the model is built
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "agents[0].params:" in err and "batch_size" in err
