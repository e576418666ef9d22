"""POWER-map files: a grid, a discount, reward samples and correlations → maps, JSON and a figure.

A POWER-map file (``configs/power_maps/*.yaml``) runs
:func:`~powergames.theory.grid_power_alignment.alignment_study` (MATH.md §5; exact for the finite
prior of ``samples`` reward draws) and writes ``<runs-dir>/<name>/power_maps.json`` (every number
of the figure) and ``power_maps.png``:

.. code-block:: yaml

    name: power_alignment
    layout: ["...", "...", "..."]
    discount: 0.6
    samples: 600                 # reward pairs (the finite type prior)
    rhos: [0.0, 0.25, 0.5, 0.75, 1.0]
    other_cell: [1, 1]           # where agent B stands in the two-agent maps
    bootstrap: 1000
    seed: 0

Run it with ``powergames powermaps FILE [key=value ...]``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from powergames.theory.grid_power_alignment import AlignmentStudy, PowerEstimate, alignment_study
from powergames.training.config import ConfigError, apply_overrides, parse_yaml, validate_model
from powergames.training.rundir import atomic_write_json

__all__ = [
    "PowerMapsConfig",
    "load_power_maps",
    "read_power_maps",
    "run_power_maps",
    "study_as_dict",
    "summary",
    "write_power_maps",
]


class PowerMapsConfig(BaseModel):
    """A POWER-map file."""

    model_config = ConfigDict(extra="forbid")
    name: str
    """Output directory name (``<runs-dir>/<name>/``)."""
    description: str = ""
    """One line printed above the summary."""
    layout: list[str] = Field(min_length=1)
    """The grid's rows: ``"."`` open, ``"#"`` wall."""
    wrap: bool = False
    """A torus instead of the grid's walls."""
    discount: float = Field(gt=0.0, lt=1.0)
    """``γ``."""
    samples: int = Field(ge=2)
    """``M``: reward samples (pairs), the finite type prior."""
    rhos: list[float] = Field(min_length=1)
    """Reward correlations ``ρ`` in ``[0, 1]``."""
    other_cell: tuple[int, int] = (0, 0)
    """``(row, col)`` where agent B stands in the figure's two-agent maps."""
    bootstrap: int = Field(1000, ge=10)
    """Bootstrap resamples for the correlation intervals."""
    seed: int = Field(0, ge=0)
    """The generator's seed."""


def load_power_maps(
    path: str | Path, overrides: list[str] | tuple[str, ...] = ()
) -> PowerMapsConfig:
    """Read, override (``key.sub=value``) and validate a POWER-map file.

    Raises:
        FileNotFoundError: no such file.
        ConfigError: a bad key or value (named), a ``ρ`` outside ``[0, 1]``, or ``other_cell`` not
            an open cell of the layout.
    """
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"no POWER-map file {p}")
    data = parse_yaml(p.read_text(), str(p))
    if not isinstance(data, dict):
        raise ConfigError(f"{p}: a POWER-map file is a mapping")
    cfg = validate_model(PowerMapsConfig, apply_overrides(data, list(overrides)))
    bad = [r for r in cfg.rhos if not 0.0 <= r <= 1.0]
    if bad:
        raise ConfigError(f"rhos: every ρ must be in [0, 1], got {bad[0]!r}")
    rows = cfg.layout
    if len({len(r) for r in rows}) != 1 or not rows[0]:
        raise ConfigError(f"layout: rows must be non-empty and of equal length, got {rows!r}")
    y, x = cfg.other_cell
    if not (0 <= y < len(rows) and 0 <= x < len(rows[0])) or rows[y][x] == "#":
        raise ConfigError(f"other_cell: {list(cfg.other_cell)} is not an open cell of the layout")
    return cfg


def run_power_maps(cfg: PowerMapsConfig) -> AlignmentStudy:
    """The study of a POWER-map file."""
    return alignment_study(
        cfg.layout,
        discount=cfg.discount,
        n_samples=cfg.samples,
        rhos=cfg.rhos,
        seed=cfg.seed,
        n_boot=cfg.bootstrap,
        wrap=cfg.wrap,
    )


def _est(e: PowerEstimate) -> dict[str, Any]:
    return {"mean": e.mean.tolist(), "half_width": e.half_width.tolist()}


def study_as_dict(cfg: PowerMapsConfig, study: AlignmentStudy) -> dict[str, Any]:
    """Every number of the figure as plain data (maps are per state: cells for one agent, joint
    states ``(cell_A, cell_B)`` in :class:`~powergames.games.gridworld.GridWorld` order for two)."""
    return {
        "config": cfg.model_dump(),
        "exact_for": f"the finite prior of {cfg.samples} reward samples (half_width: 95% normal "
        "interval as an estimate of the continuous U[0, 1] prior)",
        "single_agent": _est(study.single),
        "a_power_b_uniform": _est(study.a_uniform),
        "per_rho": [
            {
                "rho": float(r),
                "reward_corr_sampled": float(study.reward_corr[j]),
                "a_power_b_optimal": _est(study.a_optimal[j]),
                "b_power": _est(study.b_power[j]),
                "corr_b_optimal": float(study.corr_optimal[j]),
                "corr_b_optimal_ci": study.corr_optimal_ci[j].tolist(),
                "corr_b_uniform": float(study.corr_uniform[j]),
                "corr_b_uniform_ci": study.corr_uniform_ci[j].tolist(),
            }
            for j, r in enumerate(study.rhos)
        ],
    }


def write_power_maps(
    cfg: PowerMapsConfig,
    study: AlignmentStudy,
    out_dir: str | Path,
    figure: str | Path | None = None,
) -> dict[str, Path]:
    """Write ``power_maps.json`` and ``power_maps.png`` in ``out_dir`` (and the figure also at
    ``figure`` if given), atomically."""
    from powergames.training.power_maps_plot import power_maps_figure

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / "power_maps.json", "plot": out / "power_maps.png"}
    atomic_write_json(paths["json"], study_as_dict(cfg, study))
    power_maps_figure(cfg, study, paths["plot"])
    if figure is not None:
        paths["figure"] = power_maps_figure(cfg, study, Path(figure))
    return paths


def summary(cfg: PowerMapsConfig, study: AlignmentStudy) -> str:
    """A few lines: the correlations per ρ, with their intervals."""
    lines = [
        f"POWER alignment on {len(cfg.layout)}×{len(cfg.layout[0])} grid, γ = {cfg.discount}, "
        f"{cfg.samples} reward samples",
        "   ρ   corr(POWER_A, POWER_B), B optimal [95% CI]   B uniform [95% CI]",
    ]
    for j, r in enumerate(study.rhos):
        lo, hi = study.corr_optimal_ci[j]
        ulo, uhi = study.corr_uniform_ci[j]
        lines.append(
            f"{r:5.2f}   {study.corr_optimal[j]:+.3f} [{lo:+.3f}, {hi:+.3f}]"
            f"                  {study.corr_uniform[j]:+.3f} [{ulo:+.3f}, {uhi:+.3f}]"
        )
    return "\n".join(lines)


def read_power_maps(path: str | Path) -> dict[str, Any]:
    """A ``power_maps.json`` as plain data."""
    data: dict[str, Any] = json.loads(Path(path).read_text())
    return data
