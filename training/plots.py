"""Plots of a run's metrics against training steps (matplotlib, Agg backend, no pyplot state).

* :func:`plot_run` — one PNG per metric group of a run directory (``plots/shares.png``,
  ``plots/power.png``, ``plots/alignment.png``, and ``plots/other.png`` for anything else), so
  every ``metrics.csv`` column is drawn;
* :func:`plot_overview` — a suite's headline figure, panels described in its config;
* :func:`plot_aggregate` — a sweep's metrics, mean across seeds with a confidence band;
* :func:`plot_final_vs_parameter` — final values against a swept parameter.

Every figure is rendered to memory and written atomically.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from powergames.training.rundir import RunDir, atomic_write_bytes, read_metrics

Series = Mapping[str, Sequence[float]]

_COLORS = [
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
]  # fmt: skip


def _figure(n_panels: int, width: float = 5.8, height: float = 3.4) -> Any:
    from matplotlib.figure import Figure

    # no empty grid cells where a two-column grid fills up (4 panels: 2 x 2, not 3 + 1)
    cols = 2 if n_panels > 3 and n_panels % 3 and n_panels % 2 == 0 else min(n_panels, 3)
    rows = math.ceil(n_panels / cols)
    fig = Figure(figsize=(width * cols, height * rows), layout="constrained")
    axes = [fig.add_subplot(rows, cols, i + 1) for i in range(n_panels)]
    return fig, axes


def save_figure(fig: Any, path: str | Path, dpi: int = 110) -> Path:
    """Render ``fig`` as PNG and write it atomically."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    atomic_write_bytes(path, buf.getvalue())
    return Path(path)


def _include(ax: Any, values: Sequence[float], pad: float = 0.05) -> None:
    """Widen ``ax``'s y-range to hold the reference values ``values`` inside it, off its edges."""
    finite = [v for v in values if math.isfinite(v)]
    if finite:
        lo, hi = ax.get_ylim()
        lo, hi = min(lo, *finite), max(hi, *finite)
        margin = pad * (hi - lo or 1.0)
        ax.set_ylim(lo - margin, hi + margin)


def _finite(values: Sequence[float]) -> bool:
    return any(math.isfinite(v) for v in values)


def _hline(ax: Any, y: float, label: str, color: str = "k", style: str = "--") -> None:
    if math.isfinite(y):
        ax.axhline(y, color=color, linestyle=style, linewidth=1.1, label=label, alpha=0.8)


def _const(values: Sequence[float]) -> float:
    finite = [v for v in values if math.isfinite(v)]
    return finite[-1] if finite else math.nan


def _finish(ax: Any, title: str, ylabel: str = "") -> None:
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("training steps")
    if ylabel:
        ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    handles, labels = ax.get_legend_handles_labels()
    if handles:  # beside the axes, never over the data
        ax.legend(
            fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0,
            frameon=False,
        )  # fmt: skip


def _by_pattern(columns: Sequence[str], pattern: str) -> list[tuple[str, re.Match[str]]]:
    rx = re.compile(pattern)
    return [(c, m) for c in columns if (m := rx.fullmatch(c))]


# ----------------------------------------------------------------------------------- run plots


def _name(labels: Sequence[str] | None, i: int, fallback: str) -> str:
    return labels[i] if labels is not None and i < len(labels) else fallback


def plot_shares(
    steps: Sequence[float],
    data: Series,
    columns: Sequence[str],
    path: Path,
    agents: Sequence[str] | None = None,
    players: Sequence[str] | None = None,
) -> set[str]:
    """One panel per coalition: exact share per state, mean, min over states, the empirical share
    with its confidence band, the fair share ``|c|/n`` and the theorem bounds."""
    coalitions = sorted({int(m.group(1)) for _, m in _by_pattern(columns, r"share/c(\d+)/.*")})
    if not coalitions:
        return set()
    used: set[str] = set()
    fig, axes = _figure(len(coalitions))
    for ax, j in zip(axes, coalitions):
        p = f"share/c{j}/"
        # the aggregates broad and pale underneath, the per-state lines thin on top (none hidden)
        for name, style, label in (("mean", "-", "mean over x"), ("min_x", "--", "min over x")):
            if p + name in data:
                ax.plot(steps, data[p + name], style, color="k", linewidth=3.0, alpha=0.35,
                        label=label, zorder=2)  # fmt: skip
                used.add(p + name)
        for i, (c, m) in enumerate(_by_pattern(columns, re.escape(p) + r"x(\d+)")):
            ax.plot(steps, data[c], linewidth=1.1, color=_COLORS[i % len(_COLORS)],
                    marker="os^vD"[i % 5], markersize=3, label=f"state x = {m.group(1)}",
                    zorder=3)  # fmt: skip
            used.add(c)
        if p + "empirical" in data:
            ax.plot(
                steps, data[p + "empirical"], ".", color="#555", markersize=3, label="empirical"
            )
            if p + "ci_low" in data and p + "ci_high" in data:
                ax.fill_between(
                    steps, data[p + "ci_low"], data[p + "ci_high"], color="#9467bd", alpha=0.3,
                    linewidth=0, label="95% CI of the empirical share",
                )  # fmt: skip
            used.update({p + "empirical", p + "ci_low", p + "ci_high"})
        refs = (
            ("fair", "fair share |c|/n", "#2ca02c", ":"),
            ("thm2_bound", "Thm 2 bound (k−1)/k", "#d62728", "--"),
            ("thm2_cap", "Thm 2 cap 1/k", "#d62728", "--"),
            ("thm1_bound", "Thm 1 bound 1 − 1/k", "#9467bd", "--"),
        )
        for name, label, color, style in refs:
            if p + name in data:
                _hline(ax, _const(data[p + name]), label, color, style)
                used.add(p + name)
        who = _name(agents, j, f"coalition c{j}")
        _finish(ax, f"{who}: expected share r_j(x, π) (MATH.md §1)", f"share of {who}")
    save_figure(fig, path)
    return used


def plot_power(
    steps: Sequence[float],
    data: Series,
    columns: Sequence[str],
    path: Path,
    agents: Sequence[str] | None = None,
    players: Sequence[str] | None = None,
) -> set[str]:
    """POWER and achieved value per player (between the game's worst and best case, dash-dotted
    and dotted), ΣPOWER against ``c``, NashConv, POWER per type; current profile solid,
    time-averaged profile dashed."""
    prefixes = [p for p in ("power", "power_avg") if f"{p}/sum" in data]
    if not prefixes:
        return set()
    used: set[str] = set()
    per_type = [c for c in columns if re.fullmatch(r"power(_avg)?/p\d+/t\d+", c)]
    n_panels = 3 + (1 if per_type else 0)
    fig, axes = _figure(n_panels)
    style = {"power": "-", "power_avg": "--"}
    tag = {"power": "current", "power_avg": "average"}
    for pref in prefixes:
        for i, (c, m) in enumerate(_by_pattern(columns, re.escape(pref) + r"/p(\d+)")):
            color = _COLORS[i % len(_COLORS)]
            who = _name(players, int(m.group(1)), f"p{m.group(1)}")
            axes[0].plot(steps, data[c], style[pref], color=color,
                         label=f"POWER {who} ({tag[pref]})")  # fmt: skip
            used.add(c)
            a = f"{pref}/achieved/p{m.group(1)}"
            if a in data:
                axes[0].plot(steps, data[a], style[pref], color=color, alpha=0.45, linewidth=0.9,
                             label=f"achieved {who} ({tag[pref]})")  # fmt: skip
                used.add(a)
        axes[1].plot(
            steps, data[f"{pref}/sum"], style[pref], color="k", label=f"ΣPOWER ({tag[pref]})"
        )
        used.add(f"{pref}/sum")
        if f"{pref}/c" in data:
            used.update({f"{pref}/c", f"{pref}/c_total", f"{pref}/sum_minus_c"})
        if f"{pref}/nash_conv" in data:
            axes[2].plot(steps, data[f"{pref}/nash_conv"], style[pref], color="#d62728",
                         label=f"NashConv ({tag[pref]})")  # fmt: skip
            used.add(f"{pref}/nash_conv")
        for k, c in enumerate(per_type):
            if c.startswith(pref + "/"):
                m2 = re.fullmatch(r"power(?:_avg)?/p(\d+)/t(\d+)", c)
                assert m2 is not None
                who = _name(players, int(m2.group(1)), f"p{m2.group(1)}")
                axes[3].plot(steps, data[c], style[pref], linewidth=1,
                             color=_COLORS[(k % (len(per_type) // len(prefixes) or 1)) % len(_COLORS)],
                             label=f"{who}, type {m2.group(2)} ({tag[pref]})")  # fmt: skip
                used.add(c)
    # the game's best and worst case (MATH.md §2): POWER at any profile lies between them
    cases: list[float] = []
    for i, (c, m) in enumerate(_by_pattern(columns, r"power/best_case/p(\d+)")):
        w = f"power/worst_case/p{m.group(1)}"
        color = _COLORS[i % len(_COLORS)]
        who = _name(players, int(m.group(1)), f"p{m.group(1)}")
        _hline(axes[0], _const(data[c]), f"best case {who} (others play for it)", color, ":")
        if w in data:
            _hline(axes[0], _const(data[w]), f"worst case {who} (others against it)", color, "-.")
            cases.append(_const(data[w]))
            used.add(w)
        cases.append(_const(data[c]))
        used.add(c)
    _include(axes[0], cases)
    total = "c"  # a stochastic game's total: c·W, W = 1/(1 − γ) or H (MATH.md §5)
    for pref in prefixes:
        if f"{pref}/c_total" in data:
            total = "c·W"
            label = "c·W = c/(1−γ) or c·H (constant sum)"
            _hline(axes[1], _const(data[f"{pref}/c_total"]), label, "#2ca02c", ":")
            _include(axes[1], [_const(data[f"{pref}/c_total"])])
            break
        if f"{pref}/c" in data:
            _hline(axes[1], _const(data[f"{pref}/c"]), "c (constant sum)", "#2ca02c", ":")
            _include(axes[1], [_const(data[f"{pref}/c"])])
            break
    _finish(axes[0], "POWER and achieved value per player", "value")
    _finish(axes[1], f"ΣPOWER (≥ {total}, = {total} iff Bayesian Nash)", "Σ POWER")
    _finish(axes[2], "NashConv", "NashConv")
    if per_type:
        _finish(axes[3], "POWER per type: max_a f_i(t, a) (MATH.md §2)", "POWER")
    save_figure(fig, path)
    return used


def plot_alignment(
    steps: Sequence[float], data: Series, columns: Sequence[str], path: Path
) -> set[str]:
    """Welfare and coordination gap; α; utility covariances; surplus per player."""
    if "align/welfare" not in data:
        return set()
    used: set[str] = set()
    fig, axes = _figure(4)
    for name, label in (
        ("align/welfare", "welfare E[Σu]"),
        ("align/coordination_gap", "coordination gap"),
    ):
        if name in data:
            axes[0].plot(steps, data[name], label=label)
            used.add(name)
    if "align/alpha" in data:
        axes[1].plot(steps, data["align/alpha"], color="#9467bd", label="α")
        used.add("align/alpha")
    for c, m in _by_pattern(columns, r"align/cov/p(\d+)_p(\d+)"):
        axes[2].plot(steps, data[c], label=f"Cov(u{m.group(1)}, u{m.group(2)})")
        used.add(c)
    for c, m in _by_pattern(columns, r"align/surplus/(p\d+|sum)"):
        axes[3].plot(steps, data[c], label=f"surplus {m.group(1)}")
        used.add(c)
    _finish(axes[0], "welfare and coordination gap", "value")
    _finish(axes[1], "α = max Σu − Σ max u", "α")
    _finish(axes[2], "utility covariance", "covariance")
    _finish(axes[3], "surplus over the maxmin profile", "surplus")
    save_figure(fig, path)
    return used


def plot_other(steps: Sequence[float], data: Series, columns: Sequence[str], path: Path) -> None:
    """Every remaining column, one panel each."""
    fig, axes = _figure(len(columns), width=3.8, height=2.8)
    for ax, c in zip(axes, columns):
        ax.plot(steps, data[c])
        _finish(ax, c)
    save_figure(fig, path)


def plot_metrics(
    columns: Sequence[str],
    data: Series,
    out_dir: str | Path,
    title: str = "",
    agents: Sequence[str] | None = None,
    players: Sequence[str] | None = None,
) -> list[Path]:
    """All the group figures for one metrics table; returns the PNG paths written."""
    out_dir = Path(out_dir)
    steps = data["step"]
    if not steps:
        return []
    metric_cols = [c for c in columns if c != "step" and _finite(data[c])]
    used: set[str] = set()
    written = []
    groups = (
        ("shares", lambda p: plot_shares(steps, data, metric_cols, p, agents, players)),
        ("power", lambda p: plot_power(steps, data, metric_cols, p, agents, players)),
        ("alignment", lambda p: plot_alignment(steps, data, metric_cols, p)),
    )
    for name, draw in groups:
        got = draw(out_dir / f"{name}.png")
        if got:
            written.append(out_dir / f"{name}.png")
            used |= got
    rest = [c for c in metric_cols if c not in used]
    if rest:
        plot_other(steps, data, rest, out_dir / "other.png")
        written.append(out_dir / "other.png")
    return written


def plot_run(run_dir: str | Path) -> list[Path]:
    """Draw every metric of a run directory into ``<run>/plots/``."""
    rd = RunDir(run_dir)
    columns, data = read_metrics(rd.metrics)
    agents, players = run_labels(rd)
    return plot_metrics(columns, data, rd.plots, agents=agents, players=players)


def run_labels(rd: RunDir) -> tuple[list[str] | None, list[str] | None]:
    """The agents' labels (config order) and each player's (its agent's label, with the seat for
    a coalition of several), read from the run's ``config.yaml``; ``None`` without one."""
    import yaml

    try:
        cfg = yaml.safe_load(rd.config.read_text())
        entries = list(cfg["agents"])
    except (OSError, KeyError, TypeError, yaml.YAMLError):
        return None, None
    agents, players = [], {}
    for a in entries:
        seats = [int(s) for s in a.get("seats", [])]
        label = a.get("name") or f"{a.get('kind')}[{','.join(map(str, seats))}]"
        agents.append(str(label))
        for s in seats:
            players[s] = str(label) if len(seats) == 1 else f"{label} seat {s}"
    n = max(players) + 1 if players else 0
    return agents, [players.get(i, f"p{i}") for i in range(n)]


# ------------------------------------------------------------------------------------ overview


def plot_overview(
    overview: Any,
    runs: Mapping[str, tuple[Sequence[float], Series]],
    path: str | Path,
    bands: Mapping[str, Mapping[str, tuple[Sequence[float], Sequence[float]]]] | None = None,
) -> Path:
    """A suite's headline figure.

    Args:
        overview: a :class:`powergames.training.config.Overview`.
        runs: experiment name → (steps, column → values), in suite order.
        path: the PNG to write.
        bands: optional experiment → column → (low, high) confidence band (sweeps).
    """
    names = list(runs)
    fig, axes = _figure(len(overview.panels), width=5.6, height=4.0)
    for ax, panel in zip(axes, overview.panels):
        n_curves = 0
        for line in panel.lines:
            if line.y is not None:
                _hline(ax, line.y, line.label or f"y = {line.y:g}", "#444", line.style or "--")
                continue
            exp = line.experiment or names[0]
            steps, data = runs[exp]
            if line.metric not in data:
                continue
            color = _COLORS[n_curves % len(_COLORS)]
            n_curves += 1
            ax.plot(steps, data[line.metric], color=color, linewidth=1.8,
                    label=line.label or f"{exp}: {line.metric}")  # fmt: skip
            band = (bands or {}).get(exp, {}).get(line.metric)
            if band is not None:
                ax.fill_between(steps, band[0], band[1], color=color, alpha=0.2, linewidth=0)
        _finish(ax, panel.title, panel.ylabel)
    if overview.title:
        fig.suptitle(overview.title, fontsize=11)
    return save_figure(fig, path)


# -------------------------------------------------------------------------------------- sweeps


def plot_aggregate(
    steps: Sequence[float],
    mean: Series,
    low: Series,
    high: Series,
    out_dir: str | Path,
    n_seeds: int,
) -> list[Path]:
    """Mean across seeds with a confidence band, one panel per metric, one PNG per group."""
    out_dir = Path(out_dir)
    groups: dict[str, list[str]] = {}
    for c in mean:
        if c != "step" and _finite(mean[c]):
            groups.setdefault(c.split("/")[0], []).append(c)
    written = []
    for group, cols in groups.items():
        fig, axes = _figure(len(cols), width=3.8, height=2.8)
        for ax, c in zip(axes, cols):
            ax.plot(steps, mean[c], color="#1f77b4", label=f"mean of {n_seeds} seeds")
            ax.fill_between(steps, low[c], high[c], color="#1f77b4", alpha=0.25, linewidth=0,
                            label="95% CI")  # fmt: skip
            _finish(ax, metric_name(c))
        written.append(save_figure(fig, out_dir / f"{group.replace('/', '_')}.png"))
    return written


#: Readable names (MATH.md symbols) of the headline metric keys.
METRIC_NAMES = {
    "align/alpha": "α = max Σu − Σ max u (MATH.md §3)",
    "align/welfare": "welfare E[Σu]",
    "power/sum": "ΣPOWER (current strategies)",
    "power_avg/sum": "ΣPOWER (time-averaged)",
    "power/nash_conv": "NashConv (current strategies)",
    "power_avg/nash_conv": "NashConv (time-averaged)",
    "power/sum_minus_c": "ΣPOWER − c (current)",
    "power_avg/sum_minus_c": "ΣPOWER − c (time-averaged)",
}


def metric_name(key: str) -> str:
    """A metric key's readable name (the key itself when it has none)."""
    if key in METRIC_NAMES:
        return METRIC_NAMES[key]
    avg = " (time-averaged)" if key.startswith("power_avg/") else ""
    m = re.fullmatch(r"power(?:_avg)?/p(\d+)", key)
    if m:
        return f"POWER of player {m[1]}{avg} (MATH.md §2)"
    m = re.fullmatch(r"power(?:_avg)?/achieved/p(\d+)", key)
    if m:
        return f"achieved value of player {m[1]}{avg}"
    m = re.fullmatch(r"share/c(\d+)/mean", key)
    if m:
        return f"expected share of coalition {m[1]} (mean over x)"
    return key


def parameter_symbol(key: str) -> str:
    """An axis label for a swept config key: its MATH.md symbol where it has one, with the key."""
    last = key.rsplit(".", 1)[-1]
    symbols = {"lam": "λ", "alpha": "α", "n_players": "n", "n_actions": "k", "seed": "seed"}
    return f"{symbols[last]}  ({key})" if last in symbols else key


def plot_final_vs_parameter(
    parameter: str,
    values: Sequence[float],
    metrics: Mapping[str, tuple[Sequence[float], Sequence[float], Sequence[float]]],
    path: str | Path,
    title: str = "",
) -> Path:
    """Final metric values (mean and CI across seeds) against a swept parameter, one panel each.

    Args:
        parameter: the swept key (x-axis label).
        values: the parameter values (sorted).
        metrics: label → (mean, low, high) aligned with ``values``.
        path: the PNG to write.
    """
    fig, axes = _figure(len(metrics), width=4.4, height=3.4)
    x = np.asarray(values, dtype=float)
    symbol = parameter_symbol(parameter)
    for n, (ax, (label, (m, lo, hi))) in enumerate(zip(axes, metrics.items())):
        ax.plot(x, m, "o-", color="#1f77b4", label="mean over seeds")
        ax.fill_between(x, lo, hi, color="#1f77b4", alpha=0.25, linewidth=0,
                        label="95% CI over seeds")  # fmt: skip
        name = metric_name(label.removeprefix("final "))
        ax.set_title(f"final {name}", fontsize=10)
        ax.set_ylabel(name.split(" (")[0], fontsize=9)
        ax.set_xlabel(symbol)
        ax.grid(alpha=0.3)
        if n == 0:  # the same two entries in every panel: said once
            ax.legend(fontsize=7)
    if title:
        fig.suptitle(title, fontsize=11)
    return save_figure(fig, path)
