"""The figure of the copying experiment: the minority's share against ``1/k`` (MATH.md §5).

Left: the learner's mean per-step share at every evaluation against training steps, one line per
majority (the mean over seeds) with its 95% confidence band (Student ``t`` over the seeds' Monte
Carlo means when there are several seeds, else the run's own normal interval over episodes), and
Theorem 2's cap ``1/k``. Right: the final evaluation per hidden kind ``x`` (same intervals), with
the best-response estimate where the config asked for one.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import t as student_t

from powergames.training.plots import save_figure
from powergames.training.rundir import read_metrics

__all__ = ["plot_copying", "seed_interval"]

PALETTE = ["#d62728", "#2ca02c", "#1f77b4", "#9467bd"]


def seed_interval(
    stats: np.ndarray, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean and interval over seeds from ``stats`` ``(3, n_seeds, T)``: each seed's mean, lower and
    upper bound. Several seeds: Student ``t`` over the seeds' means; one seed: its own interval."""
    means, lo, hi = stats
    m = means.mean(axis=0)
    if means.shape[0] == 1:
        return m, lo[0], hi[0]
    half = student_t.ppf(0.5 + confidence / 2, means.shape[0] - 1) * means.std(axis=0, ddof=1)
    half = half / math.sqrt(means.shape[0])
    return m, m - half, m + half


def _columns(runs: list[dict[str, list[float]]], key: str) -> np.ndarray:
    return np.array([r[key] for r in runs], dtype=np.float64)


def plot_copying(root: str | Path, cfg: Any) -> Path:
    """Draw ``root/copying.png`` from the runs of ``cfg`` under ``root``."""
    from matplotlib.figure import Figure

    root = Path(root)
    fig = Figure(figsize=(16.0, 5.4), layout="constrained")
    ax, bx, cx = (fig.add_subplot(1, 3, i) for i in (1, 2, 3))
    n_seeds = len(cfg.seeds)
    k = None
    names = list(cfg.experiments)
    width = 0.8 / max(1, len(names))
    n_x = 0
    for i, name in enumerate(names):
        runs = []
        for s in cfg.seeds:
            _, data = read_metrics(root / name / f"seed_{s}" / "metrics.csv")
            runs.append(data)
        steps = np.asarray(runs[0]["step"])
        label = cfg.experiments[name].agents[1].name or name
        colour = PALETTE[i % len(PALETTE)]
        m, lo, hi = seed_interval(
            np.stack([_columns(runs, f"grid/c0/{p}") for p in ("mean", "lo", "hi")])
        )
        ax.plot(steps, m, color=colour, marker="o", markersize=3, label=label)
        ax.fill_between(steps, lo, hi, color=colour, alpha=0.2)
        k = runs[0]["grid/c0/one_over_k"][0]
        sizes = sorted(int(c.split("/")[1][1:]) for c in runs[0] if c.endswith("/c0/mean")
                       and c.startswith("bc_curve/"))  # fmt: skip
        if sizes:
            cm, clo, chi = seed_interval(np.array([
                [[r[f"bc_curve/n{n}/c0/{p}"][-1] for n in sizes] for r in runs]
                for p in ("mean", "lo", "hi")
            ]))  # fmt: skip
            cx.errorbar(sizes, cm, yerr=[cm - clo, chi - cm], color=colour, marker="o",
                        capsize=3)  # fmt: skip
            tv = np.array([[r[f"bc_curve/n{n}/tv"][-1] for n in sizes] for r in runs]).mean(0)
            for n, y, v in zip(sizes, chi, tv):
                cx.annotate(f"TV {v:.2f}", (n, y), textcoords="offset points", xytext=(0, 6),
                            ha="center", fontsize=7)  # fmt: skip
        kinds = sorted({c.split("/")[2] for c in runs[0] if c.startswith("grid/c0/x")})
        n_x = len(kinds)
        for j, xk in enumerate(kinds):
            fm, flo, fhi = seed_interval(
                np.stack(
                    [_columns(runs, f"grid/c0/{xk}/{p}")[:, -1:] for p in ("mean", "lo", "hi")]
                )
            )
            pos = j + (i - (len(names) - 1) / 2) * width
            bx.bar(pos, fm[0], width * 0.9, color=colour, alpha=0.75,
                   label=label if j == 0 else None)  # fmt: skip
            bx.errorbar(pos, fm[0], yerr=[[fm[0] - flo[0]], [fhi[0] - fm[0]]], color="k",
                        capsize=3, linewidth=1)  # fmt: skip
            br = f"br_estimate/c0/{xk}/mean"
            if br in runs[0]:
                bm = _columns(runs, br)[:, -1].mean()
                budget = int(runs[0]["br_estimate/budget"][-1])
                bx.plot(pos, bm, marker="v", color="k", markersize=7, linestyle="none",
                        label=f"best-response estimate: a fresh PPO, {budget} steps, vs the majority frozen" if i == j == 0 else None)  # fmt: skip
    band = f"95% CI over {n_seeds} seeds" if n_seeds > 1 else "95% CI over episodes"
    for axis in (ax, bx, cx):
        if k is not None:
            axis.axhline(k, color="k", linestyle="--", linewidth=1.1,
                         label=f"1/k = {k:.3g}: Theorem 2's cap on the minority")  # fmt: skip
        axis.grid(alpha=0.3)
        axis.set_ylabel("PPO minority's mean share per step")
        y0, y1 = axis.get_ylim()
        axis.set_ylim(max(0.0, float(y0)), min(1.0, float(y1)))
    ax.set_xlabel("training steps (summed over the parallel games)")
    ax.set_title(f"While PPO learns\n(line: mean over seeds; band: {band})", fontsize=10)
    from powergames.envs.gridworld import ResourceGridEnv
    from powergames.training.gridworld_play import grid_kwargs

    letters = ResourceGridEnv(**grid_kwargs(cfg.env.kwargs)).kinds
    bx.set_xticks(
        range(n_x), [f"hidden X = '{letters[j]}'\n('{letters[j]}' cells pay)" for j in range(n_x)]
    )
    bx.set_title(f"After training, per hidden X\n(bar: mean; whisker: {band})", fontsize=10)
    y0, y1 = cx.get_ylim()
    cx.set_ylim(y0, y1 + 0.08 * (y1 - y0))  # room for the TV labels
    cx.set_xscale("log", base=2)
    cx.set_xlabel("clone's data: (observation, move) pairs of the minority")
    cx.set_title("Empirical copier as its data grows: fresh clones of the\nfinal PPO policy "
                 f"(whisker: {band}; TV: clone vs policy)", fontsize=10)  # fmt: skip
    handles: dict[str, Any] = {}
    for axis in (ax, bx, cx):
        for h, lab in zip(*axis.get_legend_handles_labels()):
            handles.setdefault(lab, h)
    fig.legend(list(handles.values()), list(handles), loc="outside lower center", ncol=3,
               fontsize=8, frameon=False)  # fmt: skip
    fig.suptitle(
        "Resource gridworld (3 agents, 4 x 4 torus, hidden X): a PPO minority against a fixed, "
        "an oracle-copying and an empirical-copying majority", fontsize=11,
    )  # fmt: skip
    return save_figure(fig, root / "copying.png")
