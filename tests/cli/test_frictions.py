"""The command line a new user meets: one option name per concept, ``--json`` wherever a table is
printed, "did you mean" for misspelt names, a useful message for ``--key=value``, the resume step
printed, a clean exit on SIGTERM and a progress bar that ignores an overwritten run's table."""

from __future__ import annotations

import argparse
import inspect
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from powergames.cli import build_parser, main
from powergames.training.rundir import MetricsTable
from powergames.training.suite import steps_done

TINY = """
name: tiny
seed: 0
budget: 200
eval: {every: 100, samples: 20}
env: {id: powergames/game-v0, kwargs: {game: matching_pennies}}
agents:
  - {kind: regret_matching, seats: [0]}
  - {kind: uniform, seats: [1]}
"""


def subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_parallelism_is_jobs_in_every_command() -> None:
    found = []
    for name, sub in subparsers().items():
        for action in sub._actions:
            if {"--jobs", "--workers"} & set(action.option_strings):
                assert action.option_strings[0] == "--jobs", name
                assert action.dest == "jobs", name
                found.append(name)
    assert {"train", "sweep"} <= set(found)
    args = build_parser().parse_args(["sweep", "c.yaml", "--workers", "3"])  # the old spelling
    assert args.jobs == 3


def test_every_command_that_prints_a_table_has_json() -> None:
    import powergames.cli as cli

    checked = []
    for name, sub in subparsers().items():
        module = sys.modules[f"{cli.__name__}.{name}"]
        source = inspect.getsource(module)
        if "format_table" in source or "print_table" in source or "_table import" in source:
            options = {s for a in sub._actions for s in a.option_strings}
            assert "--json" in options, name
            checked.append(name)
    assert {"sweep", "power", "coalitions"} <= set(checked)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("env.id=powergames/gmae-v0", "did you mean 'powergames/game-v0'?"),
        ("agents[0].kind=regret_matchng", "did you mean 'regret_matching'?"),
        ("agents[0].params.explration=0.1", "did you mean 'exploration'?"),
        ("env.kwargs.game=matchng_pennies", "did you mean 'matching_pennies'?"),
        ("bugdet=5", "bugdet: unknown key (did you mean 'budget'?)"),
    ],
)
def test_misspelt_names_get_a_suggestion(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], override: str, message: str
) -> None:
    cfg = tmp_path / "tiny.yaml"
    cfg.write_text(TINY)
    assert main(["train", str(cfg), "--runs-dir", str(tmp_path), "--quiet", override]) == 2
    assert message in capsys.readouterr().err


def test_a_misspelt_required_key_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = tmp_path / "tiny.yaml"
    cfg.write_text(TINY.replace("agents:", "agnets:"))
    assert main(["train", str(cfg), "--runs-dir", str(tmp_path), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "agents: required key is missing (is 'agnets' a misspelling of 'agents'?)" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--budget=4096"], "config keys are set without dashes: budget=4096"),
        (["--jbos", "2"], "--jbos: did you mean --jobs?"),
    ],
)
def test_unknown_options_are_explained_by_the_subcommand(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    cfg = tmp_path / "tiny.yaml"
    cfg.write_text(TINY)
    with pytest.raises(SystemExit) as exit_:
        main(["train", str(cfg), *argv])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert message in err
    assert "usage: powergames train" in err  # the sub-command's usage, not the top-level one


def test_resume_prints_where_it_continued(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = tmp_path / "tiny.yaml"
    cfg.write_text(TINY)
    runs = tmp_path / "runs"
    assert main(["train", str(cfg), "--runs-dir", str(runs), "--resume"]) == 0
    assert "tiny: no checkpoint to resume from; ran from step 0" in capsys.readouterr().out
    assert main(["train", str(cfg), "--runs-dir", str(runs), "--resume"]) == 0
    assert "tiny: already complete at step 200; nothing to resume" in capsys.readouterr().out


def test_the_suite_progress_ignores_a_table_about_to_be_overwritten(tmp_path: Path) -> None:
    old = tmp_path / "a"
    old.mkdir()
    table = MetricsTable(old / "metrics.csv")
    for step in (0, 500, 1000):
        table.append(step, {"x": 1.0})
    assert steps_done([old]) == 1000  # --resume: the old run's steps are done
    later = time.time_ns() + 1
    assert steps_done([old], since_ns=later) == 0  # --overwrite: they are not


SUITE = """
name: suite
seed: 2
budget: 50000000
eval: {every: 1000, samples: 20}
experiments:
  a:
    env: {id: powergames/game-v0, kwargs: {game: matching_pennies}}
    agents: [{kind: regret_matching, seats: [0]}, {kind: hedge, seats: [1]}]
  b:
    env: {id: powergames/game-v0, kwargs: {game: prisoners_dilemma}}
    agents: [{kind: regret_matching, seats: [0]}, {kind: uniform, seats: [1]}]
"""


@pytest.mark.slow
def test_sigterm_stops_a_parallel_suite_cleanly(tmp_path: Path) -> None:
    cfg = tmp_path / "suite.yaml"
    cfg.write_text(SUITE)
    runs = tmp_path / "runs"
    proc = subprocess.Popen(
        [sys.executable, "-m", "powergames.cli", "train", str(cfg), "--runs-dir", str(runs),
         "--quiet", "--jobs", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while not all((runs / "suite" / e / "metrics.csv").exists() for e in "ab"):
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert time.monotonic() < deadline, "the workers wrote nothing in time"
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM
    assert "leaked" not in err and "Traceback" not in err, err
    rows = {e: MetricsTable.load(runs / "suite" / e / "metrics.csv").steps[-1] for e in "ab"}
    time.sleep(1.0)  # the workers were stopped: nothing writes the tables any more
    assert rows == {
        e: MetricsTable.load(runs / "suite" / e / "metrics.csv").steps[-1] for e in "ab"
    }


def test_a_sweep_never_overwrites_silently(tmp_path: Path, capsys) -> None:
    """As ``train``: an existing sweep directory is refused without ``--resume``/``--overwrite``;
    ``--overwrite`` starts again (a stale file is gone), ``--resume`` keeps the finished runs."""
    cfg = tmp_path / "tiny.yaml"
    cfg.write_text(TINY)
    args = ["sweep", str(cfg), "--seeds", "0", "--quiet", "--serial", "--runs-dir", str(tmp_path)]
    assert main(args) == 0
    root = tmp_path / "tiny_sweep"
    metrics = root / "base" / "seed_0" / "metrics.csv"
    first = metrics.read_bytes()
    capsys.readouterr()
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "already holds a sweep" in err and "--overwrite" in err
    assert metrics.read_bytes() == first  # nothing was touched
    (root / "stale.txt").write_text("left by an older sweep")
    assert main([*args, "--overwrite"]) == 0
    assert not (root / "stale.txt").exists() and metrics.read_bytes() == first  # same seed
    assert main([*args, "--resume"]) == 0
    assert metrics.read_bytes() == first
    assert main([*args, "--resume", "--overwrite"]) == 2


def test_coalitions_help_explains_every_opponent_policy(capsys) -> None:
    from powergames.cli.coalitions import OPPONENTS

    with pytest.raises(SystemExit):
        main(["coalitions", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for name, what in OPPONENTS.items():
        assert f"{name} = {' '.join(what.split())}" in text
