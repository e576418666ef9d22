"""What a run reports: ``summary.json``'s content and the console tables."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from powergames.training.config import ExperimentConfig
from powergames.training.kinds import AgentSpec
from powergames.training.rundir import MetricsTable


def make_summary(
    exp: ExperimentConfig,
    table: MetricsTable,
    specs: Sequence[AgentSpec],
    coalitions: list[list[int]],
    notes: list[str],
    elapsed: float,
    start_step: int,
) -> dict[str, Any]:
    """The content of ``summary.json``; ``final`` is exactly the last ``metrics.csv`` row."""
    final = table.last()
    return {
        "name": exp.name,
        "description": exp.description,
        "status": "complete" if final.get("step") == exp.budget else "incomplete",
        "seed": exp.seed,
        "env": exp.env.id,
        "budget": exp.budget,
        "steps": int(final.get("step", 0)),
        "evaluations": len(table.rows),
        "agents": [
            {"label": s.label, "kind": exp.agents[i].kind, "seats": s.seats, "agent": s.name}
            for i, s in enumerate(specs)
        ],
        "coalitions": coalitions,
        "final": final,
        "notes": notes,
        "wall_time_s": round(elapsed, 3),
        "resumed_from_step": start_step if start_step >= 0 else None,
    }


def final_table(summary: Mapping[str, Any]) -> str:
    """The console table of key metrics at the last evaluation."""
    final = summary.get("final", {})
    rows: list[list[Any]] = []
    agents = summary.get("agents", [])
    for j, ag in enumerate(agents):
        p = f"share/c{j}/"
        if p + "mean" not in final:
            continue
        emp = ""
        if p + "empirical" in final:
            emp = f"{final[p + 'empirical']:.3f} [{final[p + 'ci_low']:.3f}, {final[p + 'ci_high']:.3f}]"
        bound = ""
        for key, label in (("thm2_bound", "≥"), ("thm2_cap", "≤"), ("thm1_bound", "≥")):
            if p + key in final:
                bound = f"{label} {final[p + key]:.3f} ({key.split('_')[0].replace('thm', 'Thm ')})"
        rows.append([
            f"share {ag['label']}", final[p + "mean"], final[p + "min_x"], final[p + "fair"], emp, bound,
        ])  # fmt: skip
    n_evals = summary.get("evaluations")
    out = [f"{summary['name']}: step {summary.get('steps')} of {summary.get('budget')} "
           f"({n_evals} evaluation{'' if n_evals == 1 else 's'}, {summary.get('wall_time_s')} s)"]  # fmt: skip
    if rows:
        out.append(
            format_table(
                rows,
                [
                    "coalition",
                    "exact share",
                    "min over x",
                    "fair |c|/n",
                    "empirical [95% CI]",
                    "bound",
                ],
            )
        )
    prow = []
    for pref, label in (("power", "current"), ("power_avg", "average")):
        if f"{pref}/sum" not in final:
            continue
        n = sum(1 for k in final if k.startswith(f"{pref}/p") and k.count("/") == 1)
        powers = " ".join(f"{final[f'{pref}/p{i}']:.3f}" for i in range(n))
        c = final.get(f"{pref}/c_total", final.get(f"{pref}/c", math.nan))
        prow.append([
            label, powers, final[f"{pref}/sum"], c, final.get(f"{pref}/sum_minus_c", math.nan),
            final[f"{pref}/nash_conv"],
        ])  # fmt: skip
    if prow:
        # a stochastic game's total is c·W, W = 1/(1 − γ) or the horizon H (MATH.md §5)
        cw = "c·W" if any(f"{p}/c_total" in final for p in ("power", "power_avg")) else "c"
        out.append(
            format_table(
                prow, ["profile", "POWER per player", "ΣPOWER", cw, f"ΣPOWER − {cw}", "NashConv"]
            )
        )
    if "align/welfare" in final:
        out.append(
            format_table(
                [[
                    "current", final["align/welfare"], final["align/coordination_gap"],
                    final["align/alpha"], final.get("align/surplus/sum", math.nan),
                ]],
                ["profile", "welfare", "coord. gap", "α", "Σ surplus"],
            )
        )  # fmt: skip
    notes = summary.get("notes", [])
    if notes:
        out.append(
            "not applicable: "
            + "; ".join(n.replace("evaluator ", "").replace(" skipped", "") for n in notes)
        )
    return "\n".join(out)


def format_table(
    rows: Sequence[Sequence[Any]], header: Sequence[str] | None = None, *, align: str = "right"
) -> str:
    """Plain aligned text, the header underlined with dashes.

    Args:
        rows: the cells; floats are printed with four decimals (``-`` for NaN), the rest with
            ``str``.
        header: column titles.
        align: ``"right"``: the first column left-aligned, the others right-aligned (numbers);
            ``"left"``: every column left-aligned.
    """
    if align not in ("left", "right"):
        raise ValueError(f"align must be 'left' or 'right', got {align!r}")
    all_rows = [list(map(_cell, r)) for r in ([header] if header else []) + list(rows)]
    if not all_rows:
        return ""
    widths = [max(len(r[i]) for r in all_rows if i < len(r)) for i in range(len(all_rows[0]))]
    lines = []
    for n, r in enumerate(all_rows):
        if align == "left":
            cells = [c.ljust(w) for c, w in zip(r, widths)]
        else:
            cells = [r[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(r[1:], widths[1:])]
        lines.append("  ".join(cells).rstrip())
        if header and n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        return f"{value:.4f}"
    return str(value)
