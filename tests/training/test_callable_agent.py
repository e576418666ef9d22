"""A user's own function as a config agent (``kind: callable``): run directory, exact strategy,
kill and ``--resume`` reproducing the uninterrupted run byte for byte."""

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
from powergames.training.config import ConfigError
from powergames.training.kinds import AGENT_KINDS, import_target
from powergames.training.rundir import MetricsTable

USER_MODULE = """
import numpy as np

STRATEGY = np.array([0.5, 0.3, 0.2])


def act(observation, rng):
    return int(rng.choice(3, p=STRATEGY))


def strategy(observation):
    return STRATEGY
"""

CONFIG = """
name: mine
seed: 11
budget: 16000
eval: {{every: 1000, samples: 100}}
env:
  id: powergames/game-v0
  kwargs: {{game: interpolated, game_kwargs: {{lam: 0.5, rng: 3, n_actions: 3}}}}
agents:
  - {{kind: regret_matching, seats: [0], name: learner}}
  - {{kind: callable, seats: [1], name: mine, params: {{target: "user_agent_mod:act"{extra}}}}}
"""


@pytest.fixture
def user_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "user_agent_mod.py").write_text(USER_MODULE)
    monkeypatch.syspath_prepend(str(pkg))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(pkg), os.environ.get("PYTHONPATH", "")]))
    return pkg


def test_callable_is_a_registered_fixed_kind() -> None:
    kind = AGENT_KINDS["callable"]
    assert kind.family == "fixed"
    assert kind.accepted() == {"target", "strategy"}


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("no_colon", "module:function"),
        (3, "module:function"),
        ("not_a_module_xyz:f", "cannot import module"),
        ("math:sqr", "did you mean 'sqrt'"),
        ("math:pi", "is not callable"),
    ],
)
def test_import_target_names_what_is_wrong(path: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        import_target(path, "params.target")


def test_a_missing_target_is_reported_with_the_agent(
    tmp_path: Path, user_module: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = tmp_path / "c.yaml"
    text = CONFIG.format(extra="").replace(
        'target: "user_agent_mod:act"', 'strategy: "user_agent_mod:strategy"'
    )
    cfg.write_text(text)
    assert main(["train", str(cfg), "--runs-dir", str(tmp_path / "runs"), "--quiet"]) != 0
    assert "agents[1].params.target: required key is missing" in capsys.readouterr().err


def test_without_a_strategy_the_run_is_refused_before_it_starts(
    tmp_path: Path, user_module: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text(CONFIG.format(extra=""))
    assert main(["train", str(cfg), "--runs-dir", str(tmp_path / "runs"), "--quiet"]) != 0
    assert "agents[1].params.strategy: required key is missing" in capsys.readouterr().err
    assert not (tmp_path / "runs" / "mine" / "metrics.csv").exists()


@pytest.mark.slow
def test_kill_and_resume_matches_uninterrupted(tmp_path: Path, user_module: Path) -> None:
    cfg = tmp_path / "mine.yaml"
    cfg.write_text(CONFIG.format(extra=', strategy: "user_agent_mod:strategy"'))
    killed, clean = tmp_path / "killed", tmp_path / "clean"
    proc = subprocess.Popen(
        [sys.executable, "-m", "powergames.cli", "train", str(cfg), "--runs-dir", str(killed), "--quiet"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    metrics = killed / "mine" / "metrics.csv"

    def rows() -> int:
        try:
            return len(MetricsTable.load(metrics).rows)
        except (OSError, ValueError):
            return 0

    deadline = time.monotonic() + 120
    while rows() < 4:
        if proc.poll() is not None:
            pytest.fail(f"the run ended before it could be killed: {proc.stderr.read().decode()}")  # type: ignore[union-attr]
        if time.monotonic() > deadline:
            pytest.fail("the run wrote no metrics in time")
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stderr.close()  # type: ignore[union-attr]
    at_kill = rows()
    assert 4 <= at_kill < 17

    assert main(["train", str(cfg), "--runs-dir", str(killed), "--resume", "--quiet"]) == 0
    assert main(["train", str(cfg), "--runs-dir", str(clean), "--quiet"]) == 0
    run = killed / "mine"
    for name in ("config.yaml", "metrics.csv", "summary.json", "checkpoints/latest.json"):
        assert (run / name).is_file(), name
    assert list((run / "plots").glob("*.png"))
    assert list((run / "tb").iterdir())
    summary = json.loads((run / "summary.json").read_text())
    assert summary["resumed_from_step"] >= 1000
    table = MetricsTable.load(metrics)
    assert table.steps == list(range(0, 17000, 1000))
    # the exact strategy was read: the exact metrics that need every agent's strategy are there
    assert {"power/nash_conv", "align/welfare"} <= set(table.columns)
    assert metrics.read_text() == (clean / "mine" / "metrics.csv").read_text()
