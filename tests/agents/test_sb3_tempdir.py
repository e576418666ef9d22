"""Training through the Python API leaves nothing in the system temp directory (SB3 would make
an empty ``SB3-<date>`` folder per ``learn`` for a model without a logger)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from powergames.agents.sb3 import independent, parameter_shared
from powergames.envs import GameEnv
from powergames.games.library import matching_pennies


def env() -> GameEnv:
    return GameEnv(matching_pennies(), max_cycles=4)


@pytest.mark.parametrize("verbose", [0, 1])
def test_learn_leaves_no_sb3_folder_in_the_temp_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, verbose: int
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.delenv("SB3_LOGDIR", raising=False)
    assert tempfile.gettempdir() == str(tmp_path)
    ppo = dict(
        n_steps=16, batch_size=16, n_epochs=1, verbose=verbose, policy_kwargs=dict(net_arch=[4])
    )
    a2c = dict(n_steps=8, verbose=verbose)
    independent(env, ["player_0", "player_1"], "PPO", seed=0, model_kwargs=ppo).learn(32)
    independent(env, ["player_0"], "A2C", seed=0, model_kwargs=a2c).learn(16)
    parameter_shared(env, algorithm="PPO", seed=0, model_kwargs=ppo).learn(32)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("SB3-")] == []


def test_a_model_logging_to_tensorboard_keeps_its_own_logger(tmp_path: Path) -> None:
    tb = tmp_path / "tb"
    runner = independent(
        env, ["player_0"], "A2C", seed=0, model_kwargs=dict(n_steps=8, tensorboard_log=str(tb))
    ).learn(16)
    assert list(tb.iterdir())  # SB3 wrote its event files there
    assert runner.models["player_0"].logger.dir is not None
