"""Command-line overrides of shared keys reach every experiment of a suite, or fail naming the
experiments they cannot reach."""

from __future__ import annotations

from pathlib import Path

import pytest

from powergames.training.config import ConfigError, load_config

ROOT = Path(__file__).resolve().parents[2]


def test_quickstart_overrides_reach_all_three_experiments() -> None:
    plain = load_config(ROOT / "configs" / "quickstart.yaml")
    assert len({e.budget for e in plain.experiments}) > 1  # one experiment sets its own budget
    suite = load_config(ROOT / "configs" / "quickstart.yaml", ["budget=4096", "eval.every=512"])
    assert [e.name for e in suite.experiments] == ["exploit", "copying", "scarcity"]
    assert [(e.budget, e.eval.every) for e in suite.experiments] == [(4096, 512)] * 3
    # a key no experiment sets itself changes only the shared value; the rest stays as written
    same = load_config(ROOT / "configs" / "quickstart.yaml", ["eval.samples=100"])
    assert [e.eval.samples for e in same.experiments] == [100] * 3
    assert [e.budget for e in same.experiments] == [e.budget for e in plain.experiments]


def test_an_override_that_cannot_be_set_names_the_experiments(tmp_path: Path) -> None:
    cfg = tmp_path / "s.yaml"
    cfg.write_text(
        """
name: s
budget: 100
eval: {every: 50}
env: {id: powergames/game-v0, kwargs: {game: matching_pennies}}
experiments:
  a:
    agents: [{kind: uniform, seats: [0]}, {kind: uniform, seats: [1]}]
  b:
    env: {id: powergames/game-v0, kwargs: [1, 2]}
    agents: [{kind: uniform, seats: [0]}, {kind: uniform, seats: [1]}]
"""
    )
    with pytest.raises(
        ConfigError, match=r"'env.kwargs.game' does not reach experiments\.b \("
    ) as e:
        load_config(cfg, ["env.kwargs.game=prisoners_dilemma"])
    assert "experiments.a" not in str(e.value)


def test_the_readme_override_example_names_a_new_run() -> None:
    text = " ".join((ROOT / "README.md").read_text().split())
    assert "powergames train configs/quickstart.yaml budget=4096 eval.every=512 --name" in text
