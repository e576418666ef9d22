"""``powergames guarantee``: the report against the library function, JSON, and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from powergames.cli import main
from powergames.games import majority_game, random_symmetric_unit_sum_game, save_game
from powergames.theory.guarantees import coalition_guarantee


def test_majority_report(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["guarantee", "majority", "--param", "n_players=9", "--param", "n_actions=3"]
    assert main([*args, "--coalition-size", "5", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    rep = coalition_guarantee(majority_game(9, 3), list(range(5)))
    assert data["value"] == pytest.approx(rep.value)
    assert data["value"] >= data["theorem1_bound"] - 1e-12
    assert main([*args, "--coalition-size", "5"]) == 0
    text = capsys.readouterr().out
    assert "optimal guarantee G" in text and "minimax opponent" in text


def test_game_file_and_methods(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    game = random_symmetric_unit_sum_game(6, 3, 2, np.random.default_rng(4))
    path = tmp_path / "g.npz"
    save_game(game, path)
    values = []
    for method in ("lp", "double_oracle"):
        assert (
            main(["guarantee", str(path), "--coalition-size", "4", "--method", method, "--json"])
            == 0
        )
        values.append(json.loads(capsys.readouterr().out)["value"])
    assert values[0] == pytest.approx(values[1], abs=1e-8)


def test_errors_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["guarantee", "majority", "--param", "n_players=4", "--param", "n_actions=2"]
    assert main([*args, "--coalition-size", "4"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--coalition-size" in err
