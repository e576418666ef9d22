"""A sweep of classic learners as one batched job: the run directories of the per-run path, file
for file, and the sweep's rules (fallback, resume, refusal) unchanged."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from powergames.training.config import parse_yaml
from powergames.training.executors import SerialExecutor
from powergames.training.logging import read_tensorboard
from powergames.training.rundir import MetricsTable, read_json
from powergames.training.sweep import plan_sweep, run_sweep

pytestmark = pytest.mark.slow

#: Normal-form games swept over λ: regret matching against Hedge (two batches of rows).
INTERPOLATED = """
name: fam
budget: 300
eval: {every: 100, samples: 50}
env:
  id: powergames/game-v0
  kwargs: {game: interpolated, game_kwargs: {lam: 0.5, rng: 2, n_players: 2, n_actions: 3}}
agents:
  - {kind: regret_matching, seats: [0], params: {exploration: 0.05}}
  - {kind: hedge, seats: [1], params: {exploration: 0.05}}
"""

#: A hidden state drawn per episode of 7 rounds (history in the observations; both kept
#: checkpoints fall inside an episode): fictitious play,
#: best-response dynamics and regret matching+ with linear averaging, three players.
UNIT_SUM = """
name: us
budget: 240
eval: {every: 60, samples: 50}
env:
  id: powergames/unit-sum-v0
  kwargs: {n_players: 3, n_actions: 2, n_states: 3, seed: 4, max_cycles: 7}
agents:
  - {kind: fictitious_play, seats: [0], params: {exploration: 0.1}}
  - {kind: best_response, seats: [1], params: {exploration: 0.1, period: 7}}
  - {kind: regret_matching, seats: [2], params: {plus: true, averaging: linear}}
"""

#: Types drawn every round (learners with two types), episodes of 2 rounds; the two regret
#: matchers share one batch of rows.
BAYESIAN = """
name: bay
budget: 200
eval: {every: 50, samples: 50}
env:
  id: powergames/bayesian-v0
  kwargs: {max_cycles: 2}
agents:
  - {kind: regret_matching, seats: [0], params: {exploration: 0.1}}
  - {kind: regret_matching, seats: [1], params: {exploration: 0.1}}
"""

GRIDS = {
    "fam": {"env.kwargs.game_kwargs.lam": [0.0, 1.0]},
    "us": {"env.kwargs.seed": [4, 5]},
    "bay": {"env.kwargs.game_kwargs.rho": [0.6, 0.9]},
}


def sweep(
    root: Path, text: str, batched: bool, resume: bool = False, **kw: Any
) -> tuple[dict, list]:
    data = parse_yaml(text)
    lines: list[str] = []
    plan = plan_sweep(data, [0, 1], GRIDS[data["name"]], root, resume=resume, **kw)
    info = run_sweep(plan, SerialExecutor(), echo=lines.append, batched=batched)
    return info, lines


def snapshot_without_global_rng(state_json: Path) -> tuple[Any, dict[str, bytes]]:
    """A checkpoint's snapshot minus the process-global generators (``global_rng``: taken from the
    process, not the run, so they differ between any two processes)."""
    tree = json.loads(state_json.read_text())
    items = [kv for kv in tree["__dict__"] if kv[0] != "global_rng"]
    names: set[str] = set()

    def arrays(n: Any) -> None:
        if isinstance(n, dict):
            if "__array__" in n:
                names.add(n["__array__"])
            for v in n.values():
                arrays(v)
        elif isinstance(n, list):
            for v in n:
                arrays(v)

    arrays(items)
    with np.load(state_json.with_suffix(".npz"), allow_pickle=False) as z:
        data = {k: f"{z[k].dtype.str}{z[k].shape}".encode() + z[k].tobytes() for k in names}
    return items, data


def files(root: Path) -> dict[str, Any]:
    """Every file of a sweep directory as comparable data."""
    out: dict[str, Any] = {}
    for p in sorted(root.rglob("*")):
        if p.is_dir() or p.name == ".lock":
            continue
        rel = str(p.relative_to(root))
        if "tfevents" in p.name:  # named and stamped with wall times: compare the scalars
            out[str(p.parent.relative_to(root))] = read_tensorboard(p.parent)
        elif p.name == "summary.json":
            doc = read_json(p)
            assert isinstance(doc.pop("wall_time_s"), float)
            out[rel] = doc
        elif p.name == "state.json":
            out[rel] = snapshot_without_global_rng(p)
        elif p.name == "state.npz":
            continue  # compared with state.json
        elif p.name == "manifest.json":
            out[rel] = sorted(read_json(p)["files"])
        elif p.name == "sweep.json":
            out[rel] = json.dumps(read_json(p), sort_keys=True)
        else:
            out[rel] = p.read_bytes()
    return out


@pytest.mark.parametrize(
    "text", [INTERPOLATED, UNIT_SUM, BAYESIAN], ids=["nf", "unit_sum", "bayes"]
)
def test_batched_sweep_writes_the_per_run_directories(tmp_path: Path, text: str) -> None:
    per_run, lines_a = sweep(tmp_path / "a", text, batched=False)
    batched, lines_b = sweep(tmp_path / "b", text, batched=True)
    assert not any(line.startswith("batched") for line in lines_a)
    assert lines_b[0] == "batched: 4 of 4 runs in 1 batched job(s) (every agent a classic learner)"
    assert set(batched["jobs"].values()) == {"complete"}
    a, b = files(tmp_path / "a"), files(tmp_path / "b")
    assert sorted(a) == sorted(b)
    assert [k for k in a if a[k] != b[k]] == []
    # the checkpoints the directories keep: the last two evaluations'
    run = tmp_path / "b" / next(iter(batched["combos"])) / "seed_0" / "checkpoints"
    assert len(list(run.glob("step_*"))) == 2


def test_runs_that_are_not_all_classic_learners_run_per_run(tmp_path: Path) -> None:
    text = INTERPOLATED.replace(
        "kind: hedge, seats: [1], params: {exploration: 0.05}", "kind: uniform, seats: [1]"
    )
    info, lines = sweep(tmp_path / "s", text, batched=True)
    assert set(info["jobs"].values()) == {"complete"}
    assert lines[0] == "per-run: 4 run(s): agent 'uniform[1]' (uniform) is not a classic learner"
    full = INTERPOLATED.replace("exploration: 0.05}", "exploration: 0.05, feedback: full}")
    info, lines = sweep(tmp_path / "f", full, batched=True)
    assert lines[0].startswith("per-run: 4 run(s):") and "full information" in lines[0]


def test_resume_keeps_complete_runs_and_finishes_the_others(tmp_path: Path) -> None:
    reference, _ = sweep(tmp_path / "ref", INTERPOLATED, batched=False)
    root = tmp_path / "s"
    sweep(root, INTERPOLATED, batched=True)
    with pytest.raises(ValueError, match="already holds a sweep"):
        sweep(root, INTERPOLATED, batched=True)
    # lam=0.0/seed_0 killed before its first checkpoint: only its configuration is left
    killed = root / "lam=0.0" / "seed_0"
    for p in killed.iterdir():
        if p.name not in ("config.yaml", ".lock"):
            shutil.rmtree(p) if p.is_dir() else p.unlink()
    # lam=1.0/seed_1 killed after its checkpoint at step 200: resumed per run from it
    cut = root / "lam=1.0" / "seed_1"
    (cut / "summary.json").unlink()
    shutil.rmtree(cut / "checkpoints" / f"step_{300:012d}")
    (cut / "checkpoints" / "latest.json").write_text(
        json.dumps({"step": 200, "dir": f"step_{200:012d}", "rows": 3})
    )
    table = MetricsTable.load(cut / "metrics.csv")
    table.truncate(200)
    done = root / "lam=1.0" / "seed_0" / "metrics.csv"
    stamp = done.stat().st_mtime_ns
    info, lines = sweep(root, INTERPOLATED, batched=True, resume=True)
    assert set(info["jobs"].values()) == {"complete"}
    assert "per-run: 1 run(s): resume from their checkpoints" in lines
    assert done.stat().st_mtime_ns == stamp  # a complete run is kept as it is
    for run in ("lam=0.0/seed_0", "lam=1.0/seed_1"):
        ref = (tmp_path / "ref" / run / "metrics.csv").read_bytes()
        assert (root / run / "metrics.csv").read_bytes() == ref
    assert json.dumps(info["final"], sort_keys=True) == json.dumps(
        reference["final"], sort_keys=True
    )


def test_the_cli_says_which_runs_go_batched(tmp_path: Path, capsys) -> None:
    from powergames.cli import main

    cfg = tmp_path / "fam.yaml"
    cfg.write_text(INTERPOLATED + "sweep: {seeds: 0-1}\n")
    args = ["sweep", str(cfg), "--serial"]
    assert main([*args, "--runs-dir", str(tmp_path / "a")]) == 0
    out = capsys.readouterr().out
    assert "batched: 2 of 2 runs in 1 batched job(s) (every agent a classic learner)" in out
    assert main([*args, "--per-run", "--runs-dir", str(tmp_path / "b")]) == 0
    assert "batched:" not in capsys.readouterr().out
    for seed in (0, 1):
        rel = Path("fam_sweep") / "base" / f"seed_{seed}" / "metrics.csv"
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes()
