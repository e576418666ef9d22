"""configs/stochastic_scarcity.yaml end to end (reduced budget): the run directory, and power
scarcity (MATH.md §5) at every evaluation row: ΣPOWER − c/(1 − γ) == NashConv."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from powergames.cli import main
from powergames.games.gridworld import GridWorld
from powergames.training.build import load_suite
from powergames.training.grid_plots import player_cells, plot_power_map
from powergames.training.rundir import MetricsTable

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "configs" / "stochastic_scarcity.yaml"


def _is_png(path: Path) -> bool:
    return path.is_file() and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_config_validates() -> None:
    suite = load_suite(CONFIG)
    (exp,) = suite.experiments
    assert exp.env.id == "powergames/stochastic-v0"
    assert [a.params["feedback"] for a in exp.agents] == ["full", "full"]


@pytest.mark.slow
def test_reduced_run_keeps_the_scarcity_identity(tmp_path: Path) -> None:
    code = main(
        ["train", str(CONFIG), "budget=384", "eval.every=64", "--runs-dir", str(tmp_path),
         "--jobs", "1", "--quiet"]
    )  # fmt: skip
    assert code == 0
    root = tmp_path / "stochastic_scarcity"
    d = root / "scarcity"
    for name in ("config.yaml", "metrics.csv", "summary.json", "checkpoints/latest.json"):
        assert (d / name).is_file(), name
    assert (root / "summary.json").is_file()
    assert list((d / "tb").glob("events.out.tfevents.*"))
    assert _is_png(d / "plots" / "power.png")
    assert not list(d.rglob("*.pkl"))
    table = MetricsTable.load(d / "metrics.csv")
    assert table.column("step") == [float(s) for s in range(0, 385, 64)]
    for pref in ("power", "power_avg"):
        gap = np.array(table.column(f"{pref}/sum_minus_c"))
        conv = np.array(table.column(f"{pref}/nash_conv"))
        total = np.array(table.column(f"{pref}/sum")) - np.array(table.column(f"{pref}/c_total"))
        np.testing.assert_allclose(gap, conv, rtol=0, atol=1e-9)
        np.testing.assert_allclose(total, conv, rtol=0, atol=1e-9)
        assert np.all(np.array(table.column(f"{pref}/c_total")) == pytest.approx(2.0))
        assert np.all(conv >= -1e-9)
    avg = np.array(table.column("power_avg/nash_conv"))
    assert avg[-1] < 0.2 * avg[0]  # the learners approach equilibrium
    summary = json.loads((d / "summary.json").read_text())
    assert summary["status"] == "complete" and summary["steps"] == 384
    assert summary["final"]["power_avg/nash_conv"] == pytest.approx(avg[-1], abs=1e-12)


def test_power_map_plot_and_player_slice(tmp_path: Path) -> None:
    grid = GridWorld.build(["..#", "..."])
    values = np.arange(grid.n_cells, dtype=float) / 10
    out = plot_power_map(grid, values, tmp_path / "map.png", half_width=values / 100, note="n")
    assert _is_png(out)
    two = GridWorld.build(["...", "..."], n_agents=2, share_cells=False)
    state_values = np.arange(two.n_states, dtype=float)
    cells = player_cells(two, state_values, 1, others=[0])
    assert np.isnan(cells[0])  # player 1 cannot stand on player 0's cell
    for c in range(1, two.n_cells):
        assert cells[c] == state_values[two.state_of([0, c])]
    with pytest.raises(ValueError, match="others"):
        player_cells(two, state_values, 0)
    with pytest.raises(ValueError, match="state_values"):
        player_cells(two, state_values[:-1], 0, others=[1])
    with pytest.raises(ValueError, match="cell_values"):
        plot_power_map(grid, values[:-1], tmp_path / "bad.png")
