"""Config loading: schema errors name the offending key in one line; overrides; name checks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from powergames.cli import main
from powergames.training.build import load_suite
from powergames.training.config import (
    ConfigError,
    apply_overrides,
    build_suite,
    parse_path,
    parse_seeds,
    parse_yaml,
)

ROOT = Path(__file__).resolve().parents[2]
QUICKSTART = ROOT / "configs" / "quickstart.yaml"

BASE = """
name: t
seed: 0
budget: 512
eval: {every: 256}
env: {id: powergames/majority-v0, kwargs: {n_players: 3, n_actions: 2}}
agents:
  - {kind: uniform, seats: [0]}
  - {kind: hedge, seats: [1], params: {learning_rate: 0.1}}
  - {kind: regret_matching, seats: [2]}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cfg.yaml"
    path.write_text(text)
    return path


def error_of(tmp_path: Path, overrides: list[str], text: str = BASE) -> str:
    with pytest.raises(ConfigError) as info:
        load_suite(write(tmp_path, text), overrides)
    msg = str(info.value)
    assert "\n" not in msg
    return msg


def test_base_config_loads(tmp_path: Path) -> None:
    suite = load_suite(write(tmp_path, BASE))
    assert suite.single and suite.experiments[0].budget == 512
    assert suite.experiments[0].agents[1].params == {"learning_rate": 0.1}


@pytest.mark.parametrize(
    ("override", "key", "words"),
    [
        ("eval.colour=1", "eval.colour", "unknown key"),
        ("agents[1].params.lr=0.1", "agents[1].params.lr", "unknown parameter"),
        ("agents[0].bogus=1", "agents[0].bogus", "unknown key"),
        ("budget=ten", "budget", "expected an integer"),
        ("budget=1.5", "budget", "expected an integer"),
        ("eval.every=[1]", "eval.every", "expected an integer"),
        ("agents[0].seats=0", "agents[0].seats", "expected a list"),
        ("agents[2].kind=sarsa", "agents[2].kind", "unknown agent kind"),
        ("env.id=powergames/nope-v0", "env.id", "unknown environment"),
        ("budget=0", "budget", "must be > 0"),
        ("budget=-5", "budget", "must be > 0"),
        ("eval.every=0", "eval.every", "must be > 0"),
        ("budget=500", "budget", "multiple of eval.every"),
        ("agents[2].params.feedback=oracle", "agents[2].params.feedback", "sampled"),
        # checked by building the env and the agents at load time, before anything is written
        ("env.kwargs.bogus=1", "env.kwargs.bogus", "unknown argument"),
        ("env.kwargs.n_actions=0", "env.kwargs.n_actions", ">= "),
        ("agents[2].seats=[7]", "agents[2].seats", "seats [7] do not exist"),
        ("agents[2].seats=[1]", "agents", "seat 1 is controlled by two agents"),
        ("agents[1].params.learning_rate=-1", "agents[1].params", "learning_rate"),
    ],
)
def test_errors_name_the_key(tmp_path: Path, override: str, key: str, words: str) -> None:
    msg = error_of(tmp_path, [override])
    assert msg.startswith(f"{key}:"), msg
    assert words in msg


def test_suite_errors_name_experiment_or_default(tmp_path: Path) -> None:
    text = """
name: s
budget: 512
eval: {every: 256}
experiments:
  a:
    env: {id: powergames/majority-v0}
    agents: [{kind: uniform, seats: [0, 1, 2, 3, 4]}]
"""
    assert error_of(tmp_path, ["experiments.a.budget=0"], text).startswith("experiments.a.budget:")
    assert error_of(tmp_path, ["budget=0"], text).startswith("budget:")
    msg = error_of(tmp_path, ["experiments.a.agents[0].kind=nope"], text)
    assert msg.startswith("experiments.a.agents[0].kind:")
    assert error_of(tmp_path, ["colour=red"], text).startswith("colour: unknown key")


def test_ppo_hyperparameters_are_checked(tmp_path: Path) -> None:
    text = BASE.replace(
        "{kind: uniform, seats: [0]}", "{kind: ppo, seats: [0], params: {n_steps: 256}}"
    )
    load_suite(write(tmp_path, text))
    msg = error_of(tmp_path, ["agents[0].params.learning_rat=0.1"], text)
    assert msg.startswith("agents[0].params.learning_rat: unknown parameter")
    msg = error_of(tmp_path, ["agents[0].params.n_steps=200"], text)
    assert msg.startswith("eval.every:") and "n_steps" in msg
    msg = error_of(tmp_path, ["agents[0].params.learning_rate=abc"], text)
    assert msg.startswith("agents[0].params.learning_rate: expected a number")
    msg = error_of(tmp_path, ["agents[0].params.normalize_advantage=3"], text)
    assert msg.startswith("agents[0].params.normalize_advantage: expected true or false")


EXPERIMENT_FILES = sorted(
    p for p in (ROOT / "configs").glob("*.yaml") if not p.name.startswith("tournament_")
)


@pytest.mark.parametrize("path", EXPERIMENT_FILES, ids=lambda p: p.name)
def test_shipped_configs_validate(path: Path) -> None:
    """Every shipped experiment file loads, and its envs and agents build (tournament files are
    checked by tests/training/test_tournament.py)."""
    suite = load_suite(path)
    assert suite.experiments


def test_overrides_paths_and_yaml_values() -> None:
    assert parse_path("a.b[2].c") == ["a", "b", 2, "c"]
    data = apply_overrides({"a": {"b": [1, {"c": 0}]}}, ["a.b[1].c=1e-3", "a.d=[1, 2]", "x=true"])
    assert data == {"a": {"b": [1, {"c": 0.001}], "d": [1, 2]}, "x": True}
    assert parse_yaml("lr: 3e-4")["lr"] == pytest.approx(3e-4)
    with pytest.raises(ConfigError, match="index out of range"):
        apply_overrides({"a": [1]}, ["a[3]=0"])
    with pytest.raises(ConfigError, match="key.sub=value"):
        apply_overrides({}, ["novalue"])


def test_seeds_ranges() -> None:
    assert parse_seeds("0-3,7") == [0, 1, 2, 3, 7]
    assert parse_seeds([1, 2]) == [1, 2]
    with pytest.raises(ConfigError, match="seeds"):
        parse_seeds("3-1")


def test_missing_required_key() -> None:
    with pytest.raises(ConfigError, match=r"^budget: required key is missing"):
        build_suite(
            {
                "name": "x",
                "env": {"id": "e"},
                "agents": [{"kind": "k", "seats": [0]}],
                "eval": {"every": 1},
            }
        )


def test_nested_game_kwargs_are_named(tmp_path: Path) -> None:
    text = BASE.replace(
        "env: {id: powergames/majority-v0, kwargs: {n_players: 3, n_actions: 2}}",
        "env: {id: powergames/game-v0, kwargs: {game: majority, game_kwargs: {n_players: 3, n_actions: 2}}}",
    )
    load_suite(write(tmp_path, text))
    msg = error_of(tmp_path, ["env.kwargs.game_kwargs.foo=1"], text)
    assert msg.startswith("env.kwargs.game_kwargs.foo: unknown argument"), msg


def test_quickstart_validates() -> None:
    suite = load_suite(QUICKSTART)
    assert [e.name for e in suite.experiments] == ["exploit", "copying", "scarcity"]


def test_cli_prints_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = write(tmp_path, BASE)
    code = main(["train", str(cfg), "budget=0", "--runs-dir", str(tmp_path / "runs"), "--quiet"])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.count("\n") == 0 and "budget: must be > 0" in err
    assert not (tmp_path / "runs").exists()
    # an env argument error is found before the run directory is created, too
    code = main(["train", str(cfg), "env.kwargs.bogus=1", "--runs-dir", str(tmp_path / "runs")])
    assert code == 2 and "env.kwargs.bogus" in capsys.readouterr().err
    assert not (tmp_path / "runs").exists()


@pytest.mark.slow
def test_console_script_error_is_one_line(tmp_path: Path) -> None:
    cfg = write(tmp_path, BASE)
    proc = subprocess.run(
        [sys.executable, "-m", "powergames.cli", "train", str(cfg), "agents[0].kind=nope"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "agents[0].kind: unknown agent kind 'nope'" in lines[0]
