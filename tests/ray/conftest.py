"""Real Ray clusters for the Ray tier: one started in this process (``ray.init``) and one started
by ``ray start --head`` on loopback in a subprocess (the ``--address`` path). Ray is imported only
inside the fixtures, so the main suite (without Ray) collects this folder and skips its tests."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

#: ``ray.init`` / ``ray start`` arguments of every test cluster: two CPUs, no dashboard.
NUM_CPUS = 2


def import_ray() -> Any:
    """Ray, or a skip (without Ray this folder would import as a namespace package ``ray``)."""
    try:
        import ray

        assert tuple(map(int, ray.__version__.split(".")[:2])) >= (2, 60)
    except (ImportError, AttributeError):
        pytest.skip("Ray is not installed: pip install 'powergames[ray]'")
    return ray


@pytest.fixture(scope="session")
def ray_local() -> Iterator[Any]:
    """Ray started in this process with 2 CPUs (a short temp dir: Ray's sockets live there)."""
    ray = import_ray()
    tmp = tempfile.mkdtemp(prefix="pgray", dir="/tmp")
    ray.init(
        address="local", num_cpus=NUM_CPUS, include_dashboard=False, log_to_driver=False,
        _temp_dir=tmp, _node_ip_address="127.0.0.1",
    )  # fmt: skip
    try:
        yield ray
    finally:
        ray.shutdown()
        shutil.rmtree(tmp, ignore_errors=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def ray_head() -> Iterator[tuple[str, dict[str, str]]]:
    """``ray start --head --block`` on 127.0.0.1 in a subprocess; yields ``HOST:PORT`` and the
    environment a driver connecting to it needs (the cluster's own token: Ray 2.60 authenticates
    by token, and the shared ``~/.ray/auth_token`` may be rewritten by other Ray users).

    Stopped by signalling that process (its own session) only: ``ray stop`` would end every Ray
    process of the machine.
    """
    import_ray()
    tmp = tempfile.mkdtemp(prefix="pghead", dir="/tmp")
    port = free_port()
    env = {**os.environ, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(32)}
    env.pop("RAY_AUTH_TOKEN_PATH", None)
    ray_cli = Path(sys.executable).with_name("ray")
    proc = subprocess.Popen(
        [
            str(ray_cli), "start", "--head", "--block", "--node-ip-address=127.0.0.1",
            f"--port={port}", f"--num-cpus={NUM_CPUS}", "--include-dashboard=false",
            "--disable-usage-stats", f"--temp-dir={tmp}",
        ],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True, env=env,
    )  # fmt: skip
    address = f"127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:  # the GCS answers on its port once the head is up
            if proc.poll() is not None:
                err = proc.stderr.read().decode() if proc.stderr else ""
                pytest.fail(f"ray start --head exited: {err[-2000:]}")
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if time.monotonic() > deadline:
                pytest.fail("ray start --head did not come up in 120 s")
            time.sleep(0.5)
        yield address, env
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # the session of the process this fixture started
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)
        if proc.stderr:
            proc.stderr.close()
        shutil.rmtree(tmp, ignore_errors=True)
