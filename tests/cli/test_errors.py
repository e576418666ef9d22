"""The command line tells user errors (one line, exit 2) from bugs (re-raised with the traceback)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from powergames.cli import is_user_error, main
from powergames.games.checks import check_positive_int
from powergames.training.config import ConfigError
from powergames.training.kinds import AGENT_KINDS, AgentKind, register_agent_kind
from powergames.training.rundir import RunDirError

CONFIG = """
name: tiny
seed: 0
budget: 8
eval: {every: 4, evaluators: [shares]}
env: {id: powergames/majority-v0, kwargs: {n_players: 3, n_actions: 2}}
agents:
  - {kind: uniform, seats: [0, 1]}
  - {kind: uniform, seats: [2]}
"""


def _raised(fn) -> BaseException:  # type: ignore[no-untyped-def]
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - the exception is the test's subject
        return exc
    raise AssertionError("nothing was raised")


def test_classification_of_real_exceptions() -> None:
    assert is_user_error(_raised(lambda: check_positive_int("n_players", -1)))  # our own check
    assert is_user_error(ConfigError("agents[0].kind: unknown"))
    assert is_user_error(RunDirError("metrics.csv: inconsistent"))
    assert is_user_error(_raised(lambda: open("/no/such/file")))  # noqa: SIM115
    assert not is_user_error(_raised(lambda: int("x")))  # Python's own ValueError
    assert not is_user_error(_raised(lambda: np.zeros(2).reshape(3)))  # NumPy's
    assert not is_user_error(_raised(lambda: np.zeros(2)[5]))  # IndexError
    assert not is_user_error(_raised(lambda: {}["key"]))  # KeyError
    assert not is_user_error(ValueError("never raised: no traceback"))


def test_user_error_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text(CONFIG)
    assert main(["train", str(cfg), "agents[0].kind=nope", "--runs-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("powergames train: error: agents[0].kind:") and "\n" not in err
    assert main(["power", "matching_pennies", "--profile", "1,0"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("powergames power: error:") and "\n" not in err


def test_bug_keeps_its_traceback(tmp_path: Path) -> None:
    def broken(spec, params):  # type: ignore[no-untyped-def]
        return 1 // 0  # a bug in an agent factory, not a user error

    register_agent_kind(AgentKind("broken_test_kind", "fixed", broken, frozenset()))
    try:
        cfg = tmp_path / "c.yaml"
        cfg.write_text(CONFIG)
        with pytest.raises(ZeroDivisionError):
            main(
                ["train", str(cfg), "agents[1].kind=broken_test_kind", "--runs-dir", str(tmp_path)]
            )
    finally:
        del AGENT_KINDS["broken_test_kind"]


def test_register_agent_kind_checks_its_argument() -> None:
    with pytest.raises(TypeError, match="kind must be an AgentKind"):
        register_agent_kind("uniform")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="already registered"):
        register_agent_kind(AGENT_KINDS["uniform"])


def test_a_dense_game_of_40_players_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 15 item 7: ``power coordination --param n_players=40`` raised MemoryError."""
    assert main(["power", "coordination", "--param", "n_players=40"]) == 2
    err = capsys.readouterr().err.strip()
    assert (
        err.startswith("powergames power: error: a dense game with n_players=40") and "GiB" in err
    )
    assert "\n" not in err


def test_read_only_or_full_file_systems_are_user_errors() -> None:
    """Issue 15 item 7: OSError 30 (read-only) and 28 (no space) are the user's to fix."""
    import errno

    for code in (errno.EROFS, errno.ENOSPC, errno.EACCES):
        assert is_user_error(OSError(code, "refused", "/runs/x/metrics.csv"))
    assert not is_user_error(OSError(errno.EIO, "Input/output error"))
