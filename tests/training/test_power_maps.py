"""POWER-map files end to end: the shipped config through the CLI (small overrides), its JSON
against the study, and config errors (MATH.md §5)."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.image
import numpy as np
import pytest

from powergames.cli import main
from powergames.theory.grid_power_alignment import alignment_study
from powergames.training.config import ConfigError
from powergames.training.power_maps import load_power_maps

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "configs" / "power_maps" / "alignment.yaml"
SMALL = ["samples=6", "rhos=[0.0, 1.0]", "bootstrap=20", "layout=['..', '..']", "other_cell=[0, 1]"]


def test_shipped_config_runs_through_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    out, fig = tmp_path / "out", tmp_path / "figure.png"
    assert main(["powermaps", str(SHIPPED), *SMALL, "--out", str(out), "--figure", str(fig)]) == 0
    printed = capsys.readouterr().out
    assert "corr(POWER_A, POWER_B)" in printed and " 1.00 " in printed
    for path in (out / "power_maps.png", fig):
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert matplotlib.image.imread(path).shape[0] > 400
    data = json.loads((out / "power_maps.json").read_text())
    cfg = load_power_maps(SHIPPED, SMALL)
    study = alignment_study(
        cfg.layout, discount=cfg.discount, n_samples=cfg.samples, rhos=cfg.rhos, seed=cfg.seed,
        n_boot=cfg.bootstrap,
    )  # fmt: skip
    np.testing.assert_allclose(data["single_agent"]["mean"], study.single.mean)
    np.testing.assert_allclose(data["a_power_b_uniform"]["mean"], study.a_uniform.mean)
    for j, row in enumerate(data["per_rho"]):
        assert row["rho"] == cfg.rhos[j]
        np.testing.assert_allclose(row["a_power_b_optimal"]["mean"], study.a_optimal[j].mean)
        assert row["corr_b_optimal"] == pytest.approx(study.corr_optimal[j])
    last = data["per_rho"][-1]  # ρ = 1: POWER_A ≥ POWER_B at every joint state
    assert all(a >= b - 1e-12 for a, b in zip(last["a_power_b_optimal"]["mean"], last["b_power"]["mean"]))  # fmt: skip


def test_shipped_config_validates() -> None:
    cfg = load_power_maps(SHIPPED)
    assert cfg.rhos[0] == 0.0 and cfg.rhos[-1] == 1.0 and cfg.samples >= 100


@pytest.mark.parametrize(
    ("override", "match"),
    [
        ("rhos=[0.0, 1.5]", "rhos"),
        ("other_cell=[5, 0]", "other_cell"),
        ("discount=1.0", "discount"),
        ("samples=1", "samples"),
        ("layout=['..', '.']", "layout"),
        ("colour=red", "colour"),
    ],
)
def test_config_errors_name_the_key(override: str, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        load_power_maps(SHIPPED, [override])
