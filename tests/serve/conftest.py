"""Fixtures of the serve tests: a real server on a loopback port (uvicorn in a thread)."""

from __future__ import annotations

import copy
import os
from typing import Any

import pytest


def missing(what: str) -> None:
    """Skip for a missing tool, or fail in the CI tier (``POWERGAMES_SERVE_CI=1``)."""
    if os.environ.get("POWERGAMES_SERVE_CI"):
        pytest.fail(f"{what} is not installed (the CI tier needs it)")
    pytest.skip(f"{what} is not installed")


EXTRA = ("fastapi", "uvicorn", "httpx", "websockets")


def need_extra() -> None:
    """Skip unless the ``[serve]`` extra is installed."""
    for name in EXTRA:
        pytest.importorskip(name)


def match_config(name: str = "m", budget: int = 20, every: int = 10, **over: Any) -> dict[str, Any]:
    """Three seats of the 3-player majority game: remote, remote, hedge."""
    cfg: dict[str, Any] = {
        "name": name,
        "seed": 5,
        "budget": budget,
        "eval": {"every": every, "samples": 200},
        "env": {"id": "powergames/majority-v0", "kwargs": {"n_players": 3, "n_actions": 2}},
        "agents": [
            {"kind": "remote", "seats": [0], "params": {"deadline": 20}},
            {"kind": "remote", "seats": [1], "params": {"deadline": 20}},
            {"kind": "hedge", "seats": [2]},
        ],
    }
    cfg.update(copy.deepcopy(over))
    return cfg


@pytest.fixture
def require():
    """:func:`missing`, for tests that need an external tool."""
    return missing


@pytest.fixture
def make_config():
    """:func:`match_config` (a fixture, as tests/ is the import root of test helpers)."""
    return match_config


@pytest.fixture
def server(tmp_path):
    need_extra()
    from powergames.serve.server import ServerThread

    with ServerThread(tmp_path / "runs") as srv:
        yield srv


@pytest.fixture
def client(server):
    from powergames.serve.client import ServeClient

    with ServeClient(server.url) as c:
        yield c
