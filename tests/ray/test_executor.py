"""The Ray executor on real Ray clusters: the same run directories as the local executor, declared
resources, per-run failures, a killed worker resumed from its checkpoint, an interrupted sweep
resumed with ``--resume``, one writer per run directory."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

try:  # without Ray, ``import ray`` would find this folder (tests/ is on sys.path) as a namespace
    import ray  # package with no __version__

    assert tuple(map(int, ray.__version__.split(".")[:2])) >= (2, 60)
except (ImportError, AttributeError):
    pytest.skip("Ray is not installed: pip install 'powergames[ray]'", allow_module_level=True)

from powergames.cli import main  # noqa: E402
from powergames.training.config import parse_yaml  # noqa: E402
from powergames.training.executors import LocalExecutor
from powergames.training.ray_executor import RayExecutor  # noqa: E402
from powergames.training.rundir import MetricsTable, RunLock  # noqa: E402
from powergames.training.sweep import plan_sweep, run_sweep  # noqa: E402

pytestmark = pytest.mark.slow

# the probes below run in Ray workers, which cannot import this test module by name
ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])

SMALL = """
name: fam
budget: 600
eval: {every: 200, samples: 50}
env:
  id: powergames/game-v0
  kwargs: {game: interpolated, game_kwargs: {lam: 0.5, rng: 2, n_actions: 3}}
agents:
  - {kind: regret_matching, seats: [0], params: {exploration: 0.05}}
  - {kind: hedge, seats: [1], params: {exploration: 0.05}}
sweep:
  seeds: 0-1
  set:
    env.kwargs.game_kwargs.lam: [0.0, 1.0]
"""

# runs of a few seconds with an evaluation (a checkpoint) every 1000 steps: long enough to kill
LONG = SMALL.replace("budget: 600", "budget: 8000").replace("every: 200", "every: 1000")

#: Files whose bytes legitimately differ between any two processes: the lock holds the writer's
#: pid and TensorBoard event files are named and stamped with wall times.
VOLATILE = (".lock",)


def global_rng_arrays(node) -> set[str]:
    """The array names a snapshot tree stores under ``global_rng``: the process-global
    torch/NumPy/Python generator states, seeded by the OS per process (the run draws only from its
    own seeded streams, so they are not results)."""
    found: set[str] = set()

    def arrays(n) -> None:
        if isinstance(n, dict):
            if "__array__" in n:
                found.add(n["__array__"])
            for v in n.values():
                arrays(v)
        elif isinstance(n, list):
            for v in n:
                arrays(v)

    def walk(n) -> None:
        if isinstance(n, list) and len(n) == 2 and n[0] == "global_rng":
            arrays(n[1])
        elif isinstance(n, dict):
            for v in n.values():
                walk(v)
        elif isinstance(n, list):
            for v in n:
                walk(v)

    walk(node)
    return found


def snapshot_arrays(path: Path) -> bytes:
    """A checkpoint's ``state.npz`` as comparable bytes: every array (name, dtype, shape, data) but
    the process-global generator states named in the ``state.json`` beside it."""
    import numpy as np

    skip = global_rng_arrays(json.loads(path.with_suffix(".json").read_text()))
    assert skip, "the snapshot should hold the global generator states"
    out = []
    with np.load(path, allow_pickle=False) as z:
        for name in sorted(z.files):
            if name not in skip:
                a = z[name]
                out.append(f"{name}:{a.dtype.str}:{a.shape}:".encode() + a.tobytes())
    return b"|".join(out)


def tree(root: Path) -> dict[str, bytes]:
    """Relative path -> bytes of every file under ``root`` but the volatile ones."""
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_dir() or p.name in VOLATILE or "tfevents" in p.name:
            continue
        if p.name.startswith(".") and p.name.endswith(".tmp"):
            # an atomic write's temporary file, left behind when a killed driver died mid-write
            # (the file it was replacing is intact: the old or the new version)
            continue
        data = p.read_bytes()
        if p.name == "summary.json":  # wall time and where a resume started are not results
            data = json.dumps(without_timing(json.loads(data)), sort_keys=True).encode()
        if p.name == "sweep.json":  # job statuses are listed in completion order
            data = json.dumps(json.loads(data), sort_keys=True).encode()
        if p.name == "state.npz" and p.parent.parent.name == "checkpoints":
            data = snapshot_arrays(p)
        if p.name == "manifest.json" and p.parent.parent.name == "checkpoints":
            # the manifest's hash of state.npz covers the global generator states too
            doc = json.loads(data)
            doc["files"]["state.npz"].pop("sha256")
            data = json.dumps(doc, sort_keys=True).encode()
        out[str(p.relative_to(root))] = data
    return out


def without_timing(doc):
    """A summary (or a suite's summaries) without ``wall_time_s`` and ``resumed_from_step``."""
    if isinstance(doc, dict):
        if "wall_time_s" in doc:
            assert isinstance(doc["wall_time_s"], float)
        return {
            k: without_timing(v)
            for k, v in doc.items()
            if k not in ("wall_time_s", "resumed_from_step")
        }
    return doc


def sweep(tmp: Path, text: str, executor, name: str, resume: bool = False, lams=(0.0, 1.0)) -> dict:
    data = parse_yaml(text)
    plan = plan_sweep(data, [0, 1], {"env.kwargs.game_kwargs.lam": list(lams)}, tmp / name, resume)
    return run_sweep(plan, executor, echo=lambda s: None, batched=False)  # the executors


def test_ray_sweep_is_byte_identical_to_the_local_executor(ray_local, tmp_path: Path) -> None:
    bar = io.StringIO()
    local = sweep(tmp_path, SMALL, LocalExecutor(max_workers=2), "local")
    on_ray = sweep(tmp_path, SMALL, RayExecutor(progress=bar), "ray")
    assert set(on_ray["jobs"].values()) == {"complete"} and len(on_ray["jobs"]) == 4
    a, b = tree(tmp_path / "local"), tree(tmp_path / "ray")
    assert sorted(a) == sorted(b)
    differing = [k for k in a if a[k] != b[k]]
    assert differing == []
    # what was compared: every run's metrics and config, and every aggregate
    assert sum(k.endswith("metrics.csv") for k in a) == 4
    assert sum(k.endswith("aggregate.csv") for k in a) == 2
    assert local["final"] == on_ray["final"]
    assert "4/4" in bar.getvalue()  # the progress bar went over all runs


def probe(job: int) -> dict:
    """Runs in a Ray worker: what it was granted."""
    ctx = ray.get_runtime_context()
    return {
        "resources": ctx.get_assigned_resources(),
        "threads": {v: os.environ.get(v) for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")},
        "pid": os.getpid(),
    }


@pytest.mark.parametrize(("cpus", "threads"), [(1, 1), (2, 2), (0.5, 1)])
def test_each_run_declares_its_cpus_and_threads(ray_local, cpus: float, threads: int) -> None:
    ex = RayExecutor(num_cpus=cpus, progress=False)
    results = dict(ex.map(probe, [0, 1, 2]))
    assert sorted(results) == [0, 1, 2]
    for r in results.values():
        assert r["resources"] == {"CPU": pytest.approx(cpus)}
        assert r["threads"] == {
            "OMP_NUM_THREADS": str(threads),
            "OPENBLAS_NUM_THREADS": str(threads),
        }
        assert r["pid"] != os.getpid()


def test_a_request_no_node_can_grant_is_refused(ray_local) -> None:
    with pytest.raises(ValueError, match=r"num_cpus=3 per run, but the largest node .* has 2 CPUs"):
        list(RayExecutor(num_cpus=3, progress=False).map(probe, [0]))


def fails_on_two(job: int) -> int:
    if job == 2:
        raise ValueError(f"job {job} is bad")
    return job * 10


def test_failures_are_reported_per_run(ray_local) -> None:
    results = dict(RayExecutor(progress=False).map(fails_on_two, [1, 2, 3]))
    assert results[1] == 10 and results[3] == 30
    err = results[2]
    assert type(err) is ValueError and str(err) == "job 2 is bad"  # the run's own exception


def test_a_failing_run_of_a_sweep_is_reported_and_the_others_complete(
    ray_local, tmp_path: Path
) -> None:
    """One run directory holds another configuration: with --resume that run (only) fails."""
    bad = tmp_path / "s" / "lam=1.0" / "seed_1"
    bad.mkdir(parents=True)
    (bad / "config.yaml").write_text("name: something else\n")
    info = sweep(tmp_path, SMALL, RayExecutor(progress=False), "s", resume=True)
    status = info["jobs"]
    assert status.pop("lam=1.0/seed_1").startswith(
        "failed: ConfigError: " + str(bad / "config.yaml") + ": the stored configuration differs"
    )
    assert set(status.values()) == {"complete"} and len(status) == 3
    assert (bad / "config.yaml").read_text() == "name: something else\n"  # left as it was
    for label, n in (("lam=0.0", "2"), ("lam=1.0", "1")):  # aggregated over the complete runs
        agg = (tmp_path / "s" / label / "aggregate" / "aggregate.csv").read_text().splitlines()
        assert {line.split(",")[1] for line in agg[1:]} == {n}


def test_a_run_directory_another_process_writes_is_refused(ray_local, tmp_path: Path) -> None:
    busy = tmp_path / "s" / "lam=0.0" / "seed_0"
    # a live writer in this process: the Ray task waits LOCK_WAIT seconds for it, then gives up
    with RunLock(busy):
        info = sweep(tmp_path, SMALL, RayExecutor(progress=False), "s")
    status = info["jobs"]
    assert status.pop("lam=0.0/seed_0").startswith("failed: RunDirBusy: ")
    assert set(status.values()) == {"complete"}
    assert sorted(p.name for p in busy.iterdir()) == [".lock"]  # nothing written beside the lock


def rows(path: Path) -> int:
    try:
        return len(MetricsTable.load(path).rows)
    except (OSError, ValueError):
        return 0


def test_a_killed_worker_is_retried_and_resumes_from_its_checkpoint(
    ray_local, tmp_path: Path
) -> None:
    reference = sweep(tmp_path, LONG, LocalExecutor(max_workers=2), "reference", lams=[0.0])
    assert set(reference["jobs"].values()) == {"complete"}
    target = tmp_path / "killed" / "lam=0.0" / "seed_0"
    total = rows(tmp_path / "reference" / "lam=0.0" / "seed_0" / "metrics.csv")
    killed: dict = {}

    def killer() -> None:  # SIGKILL the worker process that writes the run, mid-run
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            n = rows(target / "metrics.csv")
            if 3 <= n <= total - 3:
                pid = int((target / ".lock").read_text())
                assert pid != os.getpid()
                os.kill(pid, signal.SIGKILL)
                killed.update(pid=pid, rows=n)
                return
            time.sleep(0.02)

    thread = threading.Thread(target=killer)
    thread.start()
    ex = RayExecutor(progress=False)
    try:
        info = sweep(tmp_path, LONG, ex, "killed", lams=[0.0])
    finally:
        thread.join()
    assert killed, "the run finished before its worker could be killed"
    assert len(ex.retries) == 1 and type(ex.retries[0][2]).__name__ == "WorkerCrashedError"
    assert set(info["jobs"].values()) == {"complete"}
    summary = json.loads((target / "summary.json").read_text())
    every = 1000
    # resumed from a checkpoint at most two evaluations before the kill (not from scratch)
    assert summary["resumed_from_step"] >= (killed["rows"] - 2) * every > 0
    steps = MetricsTable.load(target / "metrics.csv").steps
    want = MetricsTable.load(tmp_path / "reference" / "lam=0.0" / "seed_0" / "metrics.csv").steps
    assert steps == want and len(set(steps)) == len(steps) == total  # every row exactly once
    assert tree(tmp_path / "killed") == tree(tmp_path / "reference")


def test_train_suite_on_ray_matches_local_processes(ray_local, tmp_path: Path) -> None:
    text = SMALL.split("sweep:")[0] + (
        "experiments:\n  a: {seed: 1}\n  b: {seed: 2, env: {kwargs: {game_kwargs: {lam: 1.0}}}}\n"
    )
    cfg = tmp_path / "suite.yaml"
    cfg.write_text(text)
    base = ["train", str(cfg), "--quiet"]
    assert main([*base, "--runs-dir", str(tmp_path / "local"), "--jobs", "2"]) == 0
    assert main([*base, "--runs-dir", str(tmp_path / "ray"), "--executor", "ray"]) == 0
    a, b = tree(tmp_path / "local"), tree(tmp_path / "ray")
    assert sum(k.endswith("metrics.csv") for k in a) == 2
    assert a == b


def powergames(*args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "powergames.cli", *args],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kw,
    )  # fmt: skip


def test_interrupted_sweep_on_a_cluster_resumes_and_skips_finished_runs(
    ray_head: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    """``sweep --executor ray --address`` against ``ray start --head``: the driver is killed
    mid-sweep (SIGKILL), then ``--resume`` finishes the sweep without touching finished runs."""
    cfg = tmp_path / "fam.yaml"
    cfg.write_text(LONG)
    address, env = ray_head
    args = ["sweep", str(cfg), "--quiet", "--executor", "ray", "--address", address]
    ref = tmp_path / "ref" / "fam_sweep"
    assert main(["sweep", str(cfg), "--quiet", "--runs-dir", str(tmp_path / "ref")]) == 0
    root = tmp_path / "runs" / "fam_sweep"
    proc = powergames(*args, "--runs-dir", str(tmp_path / "runs"), env=env)
    runs = [root / f"lam={lam}" / f"seed_{s}" for lam in ("0.0", "1.0") for s in range(2)]
    deadline = time.monotonic() + 240
    try:
        while True:  # wait for one finished run and one half-way through
            done = [r for r in runs if (r / "summary.json").exists()]
            partial = [r for r in runs if r not in done and rows(r / "metrics.csv") >= 3]
            if done and partial:
                break
            if proc.poll() is not None:
                pytest.fail(f"the sweep ended before it was interrupted: {proc.stderr.read()!r}")
            if time.monotonic() > deadline:
                pytest.fail("no run finished in time")
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
        proc.stderr.close()
    finished = {
        r: (r / "metrics.csv").stat().st_mtime_ns for r in runs if (r / "summary.json").exists()
    }
    assert 1 <= len(finished) < len(runs)
    again = powergames(*args, "--runs-dir", str(tmp_path / "runs"), "--resume", env=env)
    _, err = again.communicate(timeout=400)
    assert again.returncode == 0, err.decode()[-3000:]
    for r, mtime in finished.items():  # skipped: not rewritten
        assert (r / "metrics.csv").stat().st_mtime_ns == mtime
    resumed = [r for r in runs if json.loads((r / "summary.json").read_text())["resumed_from_step"]]
    assert resumed, "no run continued from a checkpoint"
    info = json.loads((root / "sweep.json").read_text())
    assert set(info["jobs"].values()) == {"complete"} and len(info["jobs"]) == 4
    assert tree(root) == tree(ref)


def test_the_cli_imports_ray_only_for_the_ray_executor(tmp_path: Path) -> None:
    cfg = tmp_path / "fam.yaml"
    cfg.write_text(SMALL)
    code = (
        "import sys; from powergames.cli import main; "
        f"rc = main(['sweep', {str(cfg)!r}, '--serial', '--quiet', '--runs-dir', {str(tmp_path)!r}]); "
        "assert rc == 0, rc; assert 'ray' not in sys.modules, 'ray was imported'"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
