"""Run directories hold data, never code: planted pickles and SB3 zips are refused without running,
damaged or inconsistent directories are refused naming the file, nothing is written outside."""

from __future__ import annotations

import base64
import json
import pickle
import zipfile
from pathlib import Path

import pytest

from powergames.cli import main
from powergames.training.checkpoint import write_manifest
from powergames.training.rundir import MetricsTable

pytestmark = pytest.mark.slow  # every test trains a tiny run first

NATIVE = """
name: native
seed: 0
budget: 16
eval: {every: 4, evaluators: [shares, power]}
env: {id: powergames/unit-sum-v0, kwargs: {n_players: 2, n_actions: 2, n_states: 2, seed: 1}}
agents:
  - {kind: regret_matching, seats: [0]}
  - {kind: hedge, seats: [1]}
"""

SB3 = """
name: sb3
seed: 0
budget: 32
eval: {every: 16, evaluators: [shares]}
env: {id: powergames/unit-sum-v0, kwargs: {n_players: 2, n_actions: 2, n_states: 2, seed: 1}}
agents:
  - {kind: ppo, seats: [0], params: {n_steps: 16, batch_size: 16, n_epochs: 1, policy_kwargs: {net_arch: [4]}}}
  - {kind: uniform, seats: [1]}
"""


class _Planted:
    """Unpickling this would create ``path`` (as an ``os.system`` payload would run a command)."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (open, (self.path, "w"))


def _train(tmp_path: Path, text: str, *extra: str) -> Path:
    cfg = tmp_path / "c.yaml"
    cfg.write_text(text)
    runs = tmp_path / "runs"
    assert main(["train", str(cfg), "--runs-dir", str(runs), "--quiet", *extra]) == 0
    return runs / text.split("name: ")[1].split()[0]


def _latest(run: Path) -> Path:
    meta = json.loads((run / "checkpoints" / "latest.json").read_text())
    return run / "checkpoints" / meta["dir"]


def _resume(run: Path) -> int:
    return main(["train", str(run), "--resume", "--quiet"])


def _refused(capsys: pytest.CaptureFixture[str], *words: str) -> None:
    err = capsys.readouterr().err.strip()
    assert err.startswith("powergames ") and "error:" in err and "\n" not in err, err
    for w in words:
        assert w in err, err


def _unfinish(run: Path) -> None:
    """Make the run look killed before its end (so --resume reads the checkpoint)."""
    (run / "summary.json").unlink()


def test_planted_pickle_is_refused_never_run(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    run = _train(tmp_path, NATIVE)
    marker = tmp_path / "ran"
    (_latest(run) / "state.pkl").write_bytes(pickle.dumps(_Planted(marker)))
    assert main(["eval", str(run)]) == 2
    _refused(capsys, "state.pkl", "older format")
    _unfinish(run)
    assert _resume(run) == 2
    _refused(capsys, "state.pkl")
    assert not marker.exists()


def test_old_format_directory_is_refused(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    run = _train(tmp_path, NATIVE)
    step = _latest(run)
    for f in step.iterdir():
        f.unlink()
    marker = tmp_path / "ran"
    (step / "state.pkl").write_bytes(pickle.dumps({"version": 2, "evil": _Planted(marker)}))
    _unfinish(run)
    assert _resume(run) == 2
    _refused(capsys, "older format", "--overwrite")
    assert not marker.exists()


def test_planted_sb3_zip_and_weights_are_refused_never_run(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    run = _train(tmp_path, SB3)
    step = _latest(run)
    marker = tmp_path / "ran"
    payload = base64.b64encode(pickle.dumps(_Planted(marker))).decode()
    with zipfile.ZipFile(step / "player_0.zip", "w") as zf:
        zf.writestr("data", json.dumps({"policy_class": {":type:": "x", ":serialized:": payload}}))
    assert main(["eval", str(run)]) == 2
    _refused(capsys, "player_0.zip")
    _unfinish(run)
    assert _resume(run) == 2
    _refused(capsys, "player_0.zip")
    (step / "player_0.zip").unlink()
    # weights replaced by a pickle, with a manifest made to match: torch.load(weights_only=True)
    # refuses it
    (step / "player_0.pt").write_bytes(pickle.dumps({"policy": _Planted(marker)}))
    write_manifest(step)
    assert main(["eval", str(run)]) == 2
    _refused(capsys, "player_0.pt", "refused")
    assert _resume(run) == 2
    _refused(capsys, "player_0.pt")
    assert not marker.exists()


def test_damaged_checkpoint_names_the_file_and_the_intact_one(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    run = _train(tmp_path, NATIVE)
    step = _latest(run)
    data = (step / "state.npz").read_bytes()
    (step / "state.npz").write_bytes(data[: len(data) // 2])
    _unfinish(run)
    assert _resume(run) == 2
    _refused(capsys, "state.npz", "damaged", "intact")
    (step / "state.npz").write_bytes(data)
    (step / "latest.json").write_text("{}")  # a file the manifest does not list
    assert _resume(run) == 2
    _refused(capsys, "latest.json", "not part of the checkpoint")
    (step / "latest.json").unlink()
    (run / "checkpoints" / "latest.json").write_text("{not json")
    assert _resume(run) == 2
    _refused(capsys, "latest.json", "JSON")


def test_resume_refuses_inconsistent_directories(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    run = _train(tmp_path, NATIVE)
    metrics = run / "metrics.csv"
    full = metrics.read_text()
    # summary says complete, metrics lost rows
    metrics.write_text("\n".join(full.splitlines()[:3]) + "\n")
    assert _resume(run) == 2
    _refused(capsys, "summary.json", "inconsistent")
    # a killed run whose metrics.csv is empty but whose checkpoint is at the last evaluation
    _unfinish(run)
    metrics.write_text("")
    assert _resume(run) == 2
    _refused(capsys, "metrics.csv", "inconsistent")
    assert metrics.read_text() == ""
    # one row missing before the checkpoint
    lines = full.splitlines()
    metrics.write_text("\n".join(lines[:2] + lines[3:]) + "\n")
    assert _resume(run) == 2
    _refused(capsys, "metrics.csv", "counts")
    # restored, it resumes (nothing to redo) and completes with every row once
    metrics.write_text(full)
    assert _resume(run) == 0
    assert MetricsTable.load(metrics).steps == [0, 4, 8, 12, 16]
    assert metrics.read_text() == full


def test_name_cannot_leave_the_runs_directory(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    cfg = tmp_path / "a" / "b" / "c.yaml"
    cfg.parent.mkdir(parents=True)
    cfg.write_text(NATIVE)
    runs = tmp_path / "a" / "b" / "runs"
    for name in ("../../X", "..", "x/y", ""):
        code = main(["train", str(cfg), "--runs-dir", str(runs), "--name", name, "--quiet"])
        assert code == 2
        _refused(capsys, "--name")
    assert not (tmp_path / "X").exists() and not runs.exists()
