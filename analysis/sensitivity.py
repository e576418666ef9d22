"""Which intervention is best, by how much, and how robust that is: one-at-a-time sweeps, tornado.

For a scenario (:class:`powergames.analysis.scenario.Scenario`) with base-case best intervention
``k*``, the **advantage** of ``k*`` at any point is its lead over the runner-up as a share of the
total,

    A = (MV_{k*} − max_{k ≠ k*} MV_k) / Σ_k |MV_k|        ∈ [−2, 1]

(the difference of the two ``share`` columns of the ranking table; invariant to a common positive
factor such as ``F_I``). ``A > 0``: ``k*`` is still best; ``A < 0``: another intervention is best.
A one-at-a-time sweep moves one input over its range with the others at base; the tornado plot
shows, per input, ``A`` at the ends of its range. Every sweep is a single vectorised :func:`marginal_values` call.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from powergames.analysis.interventions import (
    _OPEN,
    _UNIT,
    INTERVENTIONS,
    best_intervention,
)
from powergames.analysis.scenario import GROUPS, Scenario, input_kind

#: Sweeps of an open-fraction input (``F_V``) stop this far from 0 and 1 by default.
OPEN_MARGIN = 1e-3


def default_range(scenario: Scenario, name: str, span: float) -> tuple[float, float]:
    """``base·(1 ± span)`` clipped to the input's domain; around a zero base, ``± span·scale``.

    The scale of a zero-valued input is the largest magnitude among the scenario's inputs of the
    same group (utilities, slopes of ``b``, tractabilities; 1 if all are zero); a zero fraction
    sweeps ``[0, span]``.
    """
    x0 = float(scenario.inputs[name])
    kind = input_kind(name)
    if x0 != 0:
        lo, hi = sorted((x0 * (1 - span), x0 * (1 + span)))
    elif kind in (_UNIT, _OPEN):
        lo, hi = 0.0, span
    else:
        group = next((g for g in GROUPS.values() if name in g), (name,))
        ref = max((abs(scenario.inputs[g]) for g in group if g in scenario.inputs), default=0.0)
        ref = ref or 1.0
        lo, hi = -span * ref, span * ref
    if kind == _UNIT:
        lo, hi = max(lo, 0.0), min(hi, 1.0)
    elif kind == _OPEN:
        lo, hi = max(lo, min(OPEN_MARGIN, x0 / 2)), min(hi, max(1 - OPEN_MARGIN, (1 + x0) / 2))
    return lo, hi


def check_range(name: str, lo: float, hi: float) -> None:
    """An explicit sweep range must lie in the input's domain (no silent clipping)."""
    kind = input_kind(name)
    if kind == _UNIT and (lo < 0 or hi > 1):
        raise ValueError(f"sensitivity.ranges.{name}: must lie in [0, 1], got [{lo}, {hi}]")
    if kind == _OPEN and (lo <= 0 or hi >= 1):
        raise ValueError(f"sensitivity.ranges.{name}: must lie inside (0, 1), got [{lo}, {hi}]")


@dataclass(frozen=True)
class Sweep:
    """One input swept over a grid with the others at base."""

    name: str
    """The input."""
    base: float
    """Its base value."""
    grid: npt.NDArray[np.float64]
    """Shape ``(points,)``: the swept values, increasing."""
    values: dict[str, npt.NDArray[np.float64]]
    """Marginal values per intervention, each ``(points,)``."""
    best: npt.NDArray[np.int64]
    """Index into :data:`INTERVENTIONS` of the best intervention at each grid point."""
    advantage: npt.NDArray[np.float64]
    """``A`` of the base-case best intervention at each grid point (module docstring)."""
    switches: tuple[tuple[float, str, str], ...]
    """``(x, before, after)`` wherever the best intervention changes between grid points, ``x``
    refined by bisection on ``MV_before − MV_after`` to float precision."""

    @property
    def low(self) -> float:
        """The range's lower end."""
        return float(self.grid[0])

    @property
    def high(self) -> float:
        """The range's upper end."""
        return float(self.grid[-1])


@dataclass(frozen=True)
class SensitivityReport:
    """Base-case ranking plus one sweep per input."""

    base_values: dict[str, float]
    """Marginal values at the base point."""
    best: str
    """The base-case best intervention."""
    base_advantage: float
    """``A`` at the base point: the best's lead over the runner-up as a share of ``Σ|MV|``."""
    sweeps: dict[str, Sweep]
    """Per swept input, ordered by the width of its advantage range (widest first)."""


def _advantage(values: dict[str, Any], best: int) -> npt.NDArray[np.float64]:
    stack = np.stack([np.asarray(values[k], dtype=np.float64) for k in INTERVENTIONS], axis=-1)
    others = np.delete(stack, best, axis=-1).max(axis=-1)
    total = np.abs(stack).sum(axis=-1)
    safe = np.where(total > 0, total, 1.0)
    return np.where(total > 0, (stack[..., best] - others) / safe, 0.0)


def _crossing(scenario: Scenario, name: str, lo: float, hi: float, a: str, b: str) -> float:
    """Bisection for the ``x`` in ``[lo, hi]`` where ``MV_a − MV_b`` changes sign (a at lo is ≥)."""

    def diff(x: float) -> float:
        v = scenario.values(**{name: x})
        return float(v[a]) - float(v[b])

    lo, hi = float(lo), float(hi)
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        if diff(mid) >= 0:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def sweep(scenario: Scenario, name: str, lo: float, hi: float, points: int, best: int) -> Sweep:
    """Sweep ``name`` over ``linspace(lo, hi, points)`` (one vectorised evaluation).

    Args:
        scenario: the scenario whose input ``name`` is swept, the others at base.
        name: one of the scenario's inputs.
        lo: the range's lower end (finite).
        hi: the upper end, ``> lo``.
        points: grid size, ``≥ 2``.
        best: index into :data:`INTERVENTIONS` (0, 1 or 2) of the intervention whose advantage
            ``A`` is tracked (the base-case best).

    Returns:
        A :class:`Sweep`: ``grid`` shape ``(points,)``, ``values[k]`` shape ``(points,)`` per
        intervention, ``best`` (int, ``(points,)``), ``advantage`` ``(points,)``.

    Raises:
        ValueError: ``points < 2``, ``best`` not 0, 1 or 2, a non-finite or empty range, or an
            unknown input.
        TypeError: ``points`` or ``best`` not an integer.
    """
    for arg, value in (("points", points), ("best", best)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer):
            raise TypeError(f"{arg} must be an integer, got {value!r}")
    if points < 2:
        raise ValueError(
            f"points must be >= 2 (a sweep needs both ends of its range), got {points}"
        )
    if not 0 <= best < len(INTERVENTIONS):
        raise ValueError(f"best must index INTERVENTIONS {INTERVENTIONS} (0, 1 or 2), got {best}")
    if name not in scenario.inputs:
        raise ValueError(
            f"name must be one of the scenario's inputs {tuple(scenario.inputs)}, got {name!r}"
        )
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError(
            f"the sweep range of {name!r} must be finite with lo < hi, got [{lo}, {hi}]"
        )
    grid = np.linspace(lo, hi, points)
    values = scenario.values(**{name: grid})
    idx, _ = best_intervention(values)
    switches = []
    for i in np.flatnonzero(idx[1:] != idx[:-1]):
        a, b = INTERVENTIONS[idx[i]], INTERVENTIONS[idx[i + 1]]
        switches.append((_crossing(scenario, name, grid[i], grid[i + 1], a, b), a, b))
    return Sweep(
        name=name,
        base=float(scenario.inputs[name]),
        grid=grid,
        values=values,
        best=idx,
        advantage=_advantage(values, best),
        switches=tuple(switches),
    )


def sensitivity(scenario: Scenario) -> SensitivityReport:
    """Run the scenario's one-at-a-time sweeps (config ``sensitivity`` section).

    Raises:
        ValueError: if every marginal value is 0 at the base point (no ranking to be sensitive).
    """
    cfg = scenario.config.sensitivity
    base = {k: float(v) for k, v in scenario.values().items()}
    best = int(np.argmax([base[k] for k in INTERVENTIONS]))
    if all(v == 0 for v in base.values()):
        raise ValueError("every marginal value is 0 at the base point; nothing to rank")
    names = cfg.inputs if cfg.inputs is not None else tuple(scenario.inputs)
    sweeps = []
    for name in names:
        if name in cfg.ranges:
            lo, hi = cfg.ranges[name]
            check_range(name, lo, hi)
        else:
            lo, hi = default_range(scenario, name, cfg.span)
        if hi <= lo:
            continue  # nothing to sweep (e.g. a fraction pinned at 0 with span 0)
        sweeps.append(sweep(scenario, name, lo, hi, cfg.points, best))
    sweeps.sort(key=lambda s: -(s.advantage.max() - s.advantage.min()))
    base_a = float(_advantage(base, best))
    return SensitivityReport(base, INTERVENTIONS[best], base_a, {s.name: s for s in sweeps})


# ------------------------------------------------------------------------------------- plots
def _pyplot() -> Any:
    """``matplotlib.pyplot`` on the file-only Agg backend (imported on first use: it is slow)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(plt: Any, fig: Any, path: str | Path, dpi: int) -> Path:
    path = Path(path)
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path


def plot_tornado(report: SensitivityReport, path: str | Path, title: str = "") -> Path:
    """Tornado plot of the base-case best intervention's advantage ``A`` per input.

    Bars run from the base advantage to ``A`` at the input's low end (blue) and high end (orange);
    a grey line spans the whole range of ``A`` seen in the sweep. ``A < 0`` (left of the dashed
    line) means another intervention is best there.
    """
    plt = _pyplot()
    sweeps = list(report.sweeps.values())[::-1]  # widest at the top
    fig, ax = plt.subplots(figsize=(10.5, 0.45 * len(sweeps) + 1.6))
    a0 = report.base_advantage
    for i, s in enumerate(sweeps):
        ax.plot([s.advantage.min(), s.advantage.max()], [i, i], color="0.7", lw=1, zorder=1)
        ax.barh(i, s.advantage[0] - a0, left=a0, color="tab:blue", height=0.6, zorder=2)
        ax.barh(i, s.advantage[-1] - a0, left=a0, color="tab:orange", height=0.6, zorder=2)
        if float(s.advantage.max() - s.advantage.min()) <= 1e-12 * max(1.0, abs(a0)):
            # an input A does not depend on: say so rather than leave a blank row
            ax.plot([a0], [i], "|", color="0.3", markersize=10, zorder=3)
            ax.annotate("no effect on A", (a0, i), xytext=(6, 0), textcoords="offset points",
                        va="center", fontsize=7, color="0.3")  # fmt: skip
    ax.axvline(0, color="k", ls="--", lw=1)
    ax.axvline(a0, color="0.4", ls=":", lw=1)
    ax.set_yticks(range(len(sweeps)))
    ax.set_yticklabels([f"{s.name} [{s.low:.3g}, {s.high:.3g}]" for s in sweeps], fontsize=8)
    ax.set_xlabel(f"advantage A of '{report.best}': its share minus the runner-up's share")
    ax.set_title(title or "ranking sensitivity (one at a time)")
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    ax.legend(
        handles=[
            Patch(color="tab:blue", label="input at its low end"),
            Patch(color="tab:orange", label="input at its high end"),
            Line2D([], [], color="0.7", lw=1, label="range of A over the sweep"),
            Line2D([], [], color="0.4", ls=":", lw=1, label="A at the base case"),
            Line2D([], [], color="k", ls="--", lw=1, label="A = 0: another becomes best"),
        ],
        loc="upper left",
        bbox_to_anchor=(1.02, 1.0),
        borderaxespad=0.0,
        frameon=False,
        fontsize=8,
    )
    fig.tight_layout()
    return _save(plt, fig, path, dpi=120)


def plot_sweeps(report: SensitivityReport, path: str | Path, title: str = "") -> Path:
    """One panel per input: the three marginal values along its sweep, base value marked."""
    plt = _pyplot()
    from matplotlib.lines import Line2D

    sweeps = list(report.sweeps.values())
    # as few empty cells as possible: 4 columns unless 3 or 5 fill the grid
    ncols = next((c for c in (4, 3, 5) if len(sweeps) % c == 0), 4)
    ncols = min(ncols, len(sweeps)) or 1
    nrows = max(1, -(-len(sweeps) // ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.2 * ncols, 2.5 * nrows + 0.6), squeeze=False)
    styles = ("-", "--", "-.")
    for n, (ax, s) in enumerate(zip(axes.flat, sweeps)):
        for k, ls in zip(INTERVENTIONS, styles):
            ax.plot(s.grid, s.values[k], ls=ls, label=k)
        ax.axvline(s.base, color="k", ls=":", lw=1)
        for x, _, _ in s.switches:
            ax.axvline(x, color="r", lw=0.8, alpha=0.6)
        ax.set_title(s.name, fontsize=9)
        ax.tick_params(labelsize=7)
        if n % ncols == 0:
            ax.set_ylabel("marginal value dU/da", fontsize=8)
    for ax in list(axes.flat)[len(sweeps) :]:
        ax.axis("off")
    handles = [
        *axes.flat[0].get_lines()[: len(INTERVENTIONS)],
        Line2D([], [], color="k", ls=":", lw=1, label="the input's base value"),
        Line2D([], [], color="r", lw=0.8, alpha=0.6, label="the best intervention changes"),
    ]
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=8, frameon=False)
    fig.subplots_adjust(bottom=0.6 / (2.5 * nrows + 0.6))
    fig.suptitle(title or "marginal values along one-at-a-time sweeps", fontsize=10)
    fig.tight_layout(rect=(0, 0.6 / (2.5 * nrows + 0.6), 1, 1))
    return _save(plt, fig, path, dpi=110)
