"""Run directories hold data, never code: planted pickles and SB3 zips are refused without running,
damaged or inconsistent directories are refused naming the file, nothing is written outside."""

from __future__ import annotations

import base64
import json
import os
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


@pytest.mark.parametrize("config", [NATIVE, SB3], ids=["native", "sb3"])
def test_planted_pickle_is_refused_never_run(tmp_path: Path, capsys, config: str) -> None:  # type: ignore[no-untyped-def]
    """Item 1, with the native and the SB3 driver: a ``state.pkl`` is never unpickled."""
    run = _train(tmp_path, config)
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


# ---------------------------------------------------------------------- issue 15, case by case
def test_garbage_truncated_or_empty_state_pkl_is_a_one_line_refusal(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """Item 7: such a ``state.pkl`` raised UnpicklingError or EOFError."""
    run = _train(tmp_path, NATIVE)
    _unfinish(run)
    whole = pickle.dumps({"version": 2, "step": 16})
    for content in (b"garbage\x00\xff", whole[: len(whole) // 2], b""):
        (_latest(run) / "state.pkl").write_bytes(content)
        assert main(["eval", str(run)]) == 2
        _refused(capsys, "state.pkl", "older format")
        assert _resume(run) == 2
        _refused(capsys, "state.pkl")


def test_truncated_sb3_zip_is_a_one_line_refusal(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """Item 7: a truncated SB3 ``.zip`` raised AssertionError."""
    run = _train(tmp_path, SB3)
    step = _latest(run)
    with zipfile.ZipFile(step / "player_0.zip", "w") as zf:
        zf.writestr("data", json.dumps({"policy_class": "x"}) * 50)
    data = (step / "player_0.zip").read_bytes()
    (step / "player_0.zip").write_bytes(data[: len(data) // 2])
    assert main(["eval", str(run)]) == 2
    _refused(capsys, "player_0.zip")
    _unfinish(run)
    assert _resume(run) == 2
    _refused(capsys, "player_0.zip")


def test_missing_sb3_file_names_the_older_intact_checkpoint(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """Item 7: a missing SB3 file said "start again with --overwrite" although an older checkpoint
    was intact; the message names that checkpoint, and following it resumes the run."""
    run = _train(tmp_path, SB3)
    step = _latest(run)
    older = sorted((run / "checkpoints").glob("step_*"))[0]
    assert older != step
    (step / "player_0.pt").unlink()
    _unfinish(run)
    assert _resume(run) == 2
    _refused(capsys, "player_0.pt", "missing", f"the older checkpoint {older} is intact")
    import shutil

    shutil.rmtree(step)
    meta = json.loads((run / "checkpoints" / "latest.json").read_text())
    rows = len(MetricsTable.load(run / "metrics.csv").rows)
    meta.update(step=16, dir=older.name, rows=rows - 1)
    (run / "checkpoints" / "latest.json").write_text(json.dumps(meta))
    assert _resume(run) == 0
    assert MetricsTable.load(run / "metrics.csv").steps == [0, 16, 32]


def test_resume_refuses_empty_metrics_with_a_mid_run_checkpoint(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """Item 2 as reported: empty ``metrics.csv``, ``latest.json`` pointing at a checkpoint before
    the end (step 896 of 1,024 there, 12 of 16 here): --resume completed with 1 row."""
    run = _train(tmp_path, NATIVE)
    import shutil

    steps = sorted((run / "checkpoints").glob("step_*"))
    shutil.rmtree(steps[-1])
    meta = json.loads((run / "checkpoints" / "latest.json").read_text())
    meta.update(step=12, dir=steps[0].name, rows=4)
    (run / "checkpoints" / "latest.json").write_text(json.dumps(meta))
    _unfinish(run)
    (run / "metrics.csv").write_text("")
    assert _resume(run) == 2
    _refused(capsys, "metrics.csv", "inconsistent")
    assert not (run / "summary.json").exists()


@pytest.mark.parametrize("code", ["ENOSPC", "EROFS"])
def test_full_or_read_only_disk_is_one_line_and_loses_nothing(  # type: ignore[no-untyped-def]
    tmp_path: Path, capsys, monkeypatch, code: str
) -> None:
    """Item 7: a full (28) or read-only (30) file system raised OSError with a traceback; now one
    line naming the file, and once it is writable again --resume ends as an uninterrupted run."""
    import errno

    import powergames.training.rundir as rundir

    (tmp_path / "clean").mkdir()
    clean = _train(tmp_path / "clean", NATIVE)
    real = rundir.atomic_write_bytes
    writes = {"n": 0}

    def failing(path, data):  # type: ignore[no-untyped-def]
        if Path(path).name == "metrics.csv":
            writes["n"] += 1
            if writes["n"] == 4:
                raise OSError(getattr(errno, code), os.strerror(getattr(errno, code)), str(path))
        real(path, data)

    monkeypatch.setattr(rundir, "atomic_write_bytes", failing)
    cfg = tmp_path / "c.yaml"
    cfg.write_text(NATIVE)
    runs = tmp_path / "runs"
    assert main(["train", str(cfg), "--runs-dir", str(runs), "--quiet"]) == 2
    _refused(capsys, "metrics.csv", os.strerror(getattr(errno, code)))
    assert MetricsTable.load(runs / "native" / "metrics.csv").steps == [0, 4, 8]
    monkeypatch.setattr(rundir, "atomic_write_bytes", real)
    assert _resume(runs / "native") == 0
    assert (runs / "native" / "metrics.csv").read_text() == (clean / "metrics.csv").read_text()


def test_overwrite_with_a_traversing_name_clears_nothing_outside(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """Item 12 with --overwrite: ``--name ../../X --overwrite`` would have cleared files there."""
    victim = tmp_path / "X"
    victim.mkdir()
    (victim / "metrics.csv").write_text("precious\n")
    cfg = tmp_path / "a" / "b" / "c.yaml"
    cfg.parent.mkdir(parents=True)
    cfg.write_text(NATIVE)
    runs = tmp_path / "a" / "b" / "runs"
    args = ["train", str(cfg), "--runs-dir", str(runs), "--name", "../../X", "--overwrite"]
    assert main([*args, "--quiet"]) == 2
    _refused(capsys, "--name")
    assert (victim / "metrics.csv").read_text() == "precious\n"


@pytest.mark.parametrize("damage", [b"{not json", b"\xff\xfe\x00bad utf-8"], ids=["json", "utf8"])
def test_damaged_json_and_csv_files_are_named(tmp_path: Path, capsys, damage: bytes) -> None:  # type: ignore[no-untyped-def]
    """Item 13: JSON and UTF-8 errors in latest.json, summary.json and metrics.csv did not name the
    file."""
    run = _train(tmp_path, NATIVE)
    files = {
        "latest.json": run / "checkpoints" / "latest.json",
        "summary.json": run / "summary.json",
        "metrics.csv": run / "metrics.csv",
    }
    originals = {name: path.read_bytes() for name, path in files.items()}
    for name, path in files.items():
        if name == "metrics.csv" and damage.startswith(b"{"):
            path.write_bytes(originals[name][:40] + b'\n1,"x\n')  # a cell that is not a number
        else:
            path.write_bytes(damage)
        if name == "latest.json":  # eval reads the checkpoint (not summary.json, metrics.csv)
            assert main(["eval", str(run)]) == 2
            _refused(capsys, name)
            _unfinish(run)  # a complete run resumes without reading its checkpoint
        assert _resume(run) == 2
        _refused(capsys, name)
        path.write_bytes(originals[name])
        files["summary.json"].write_bytes(originals["summary.json"])
