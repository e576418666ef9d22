"""Marginal value of alignment vs cooperation work (seed 003): ranking table, sensitivity, plots.

CONFIG is a scenario file (configs/interventions/*.yaml; see powergames.analysis.scenario). The
command prints, per intervention (v = alignment work, c|v / c|¬v = cooperation work given
alignment / misalignment): its marginal value dU/da, its share of the total Σ|dU/da|, its rank and
its ratio to the best; then the one-at-a-time sensitivity of the ranking (the best intervention's
lead over the runner-up as each input moves over its range, and where the best one changes). With
a population bargaining model it also prints b and its slopes (exact, and simulated with confidence
intervals if --simulate N); with --env EPISODES it plays the population bargaining environment
(--env-agents agents acting on their dispositions) and prints b, its slopes and the marginal values
estimated from the rollouts beside their exact values for that finite population. Plots
(tornado.png, sweeps.png) go to --out.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from powergames.analysis.grounding import (
    env_marginal_values,
    nonlocal_check,
    simulated_marginal_values,
)
from powergames.analysis.interventions import INTERVENTIONS, rank_interventions
from powergames.analysis.scenario import Scenario, load_config
from powergames.analysis.sensitivity import plot_sweeps, plot_tornado, sensitivity
from powergames.theory.population import ESTIMANDS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the command's options."""
    parser.add_argument("config", help="scenario YAML file (configs/interventions/*.yaml)")
    parser.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help="directory for the plots (default: runs/interventions/<name>)",
    )
    parser.add_argument("--no-plots", action="store_true", help="do not write plots")
    parser.add_argument(
        "--points", type=int, default=None, help="grid points per sweep (overrides the config)"
    )
    parser.add_argument(
        "--simulate",
        type=int,
        default=None,
        metavar="N",
        help="population model only: also estimate b, its slopes and the marginal values from N "
        "simulated interactions, with confidence intervals",
    )
    parser.add_argument(
        "--env",
        type=int,
        default=None,
        metavar="EPISODES",
        help="population model only: also estimate b, its slopes and the marginal values from "
        "EPISODES episodes of the population bargaining environment, with confidence intervals, "
        "beside their exact values for that finite population",
    )
    parser.add_argument(
        "--env-agents", type=int, default=20, metavar="N", help="agents in --env (default 20)"
    )
    parser.add_argument(
        "--env-rounds", type=int, default=5, metavar="T", help="rounds per --env episode"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed for --simulate and --env")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")


def _g(x: float, width: int = 11) -> str:
    return f"{x:>{width}.4g}" if math.isfinite(x) else f"{'n/a':>{width}}"


def _table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[j]) for r in rows)) for j, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths))]
    lines.append("  ".join("-" * w for w in widths))
    lines += [
        "  ".join(c.rjust(w) if j else c.ljust(w) for j, (c, w) in enumerate(zip(r, widths)))
        for r in rows
    ]
    return "\n".join(line.rstrip() for line in lines)


def run(args: argparse.Namespace) -> int:
    """Print the ranking and sensitivity tables and write the plots; returns the exit code."""
    cfg = load_config(args.config)
    if args.points is not None:
        if args.points < 3:
            raise ValueError(f"--points must be >= 3, got {args.points}")
        from dataclasses import replace

        cfg = replace(cfg, sensitivity=replace(cfg.sensitivity, points=args.points))
    for flag, value, least in (
        ("--simulate", args.simulate, 2),
        ("--env", args.env, 2),
        ("--env-agents", args.env_agents, 2),
        ("--env-rounds", args.env_rounds, 1),
    ):
        if value is not None and value < least:
            raise ValueError(f"{flag} must be >= {least}, got {value}")
    for flag, value in (("--simulate", args.simulate), ("--env", args.env)):
        if value is not None and cfg.bargaining.model != "population":
            raise ValueError(f"{flag} needs a scenario with bargaining.model: population")
    scenario = Scenario(cfg)
    params = scenario.params()
    values = scenario.values()
    rows = rank_interventions(values)
    report = sensitivity(scenario)
    out: dict[str, Any] = {
        "name": cfg.name,
        "description": cfg.description,
        "bargaining": cfg.bargaining.model,
        "derived": {k: float(getattr(params, k)) for k in ESTIMANDS},
        "ranking": [r.__dict__ for r in rows],
        "best": report.best,
        "base_advantage": report.base_advantage,
        "sensitivity": [
            {
                "input": s.name,
                "base": s.base,
                "low": s.low,
                "high": s.high,
                "advantage_low": float(s.advantage[0]),
                "advantage_high": float(s.advantage[-1]),
                "best_low": INTERVENTIONS[s.best[0]],
                "best_high": INTERVENTIONS[s.best[-1]],
                "switches": [list(x) for x in s.switches],
            }
            for s in report.sweeps.values()
        ],
    }
    if cfg.bargaining.model == "population":
        locality = cfg.bargaining.locality
        assert locality is not None, "the scenario validates locality for the population model"
        chk = nonlocal_check(params)
        out["nonlocal_check"] = chk.__dict__
        if args.simulate is not None:
            sim, est = simulated_marginal_values(
                params, locality, args.simulate, np.random.default_rng(args.seed)
            )
            out["simulation"] = {
                "n_interactions": sim.n_interactions,
                "confidence": sim.confidence,
                "estimates": {k: e.__dict__ for k, e in sim.estimates.items()},
                "marginal_values": {k: e.__dict__ for k, e in est.items()},
            }
        if args.env is not None:
            env_est, env_mv, env_exact = env_marginal_values(
                params,
                locality,
                args.env_agents,
                args.env,
                np.random.default_rng(args.seed),
                args.env_rounds,
            )
            out["environment"] = {
                "n_agents": args.env_agents,
                "episodes": env_est.episodes,
                "rounds": args.env_rounds,
                "v_interactions": env_est.v_interactions,
                "confidence": env_est.confidence,
                "exact": env_est.exact,
                "continuum": env_est.continuum,
                "estimates": {k: e.__dict__ for k, e in env_est.estimates.items()},
                "marginal_values_exact": env_exact,
                "marginal_values": {k: e.__dict__ for k, e in env_mv.items()},
            }
    if not args.no_plots:
        outdir = Path(args.out) if args.out else Path("runs") / "interventions" / cfg.name
        outdir.mkdir(parents=True, exist_ok=True)
        title = f"{cfg.name}: ranking sensitivity"
        out["plots"] = [
            str(plot_tornado(report, outdir / "tornado.png", title)),
            str(plot_sweeps(report, outdir / "sweeps.png", f"{cfg.name}: one-at-a-time sweeps")),
        ]
    if args.json:
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return 0
    _print(cfg, out, rows, report)
    return 0


def _print(cfg: Any, out: dict[str, Any], rows: list[Any], report: Any) -> None:
    print(f"scenario: {cfg.name}" + (f" — {cfg.description}" if cfg.description else ""))
    if cfg.bargaining.model != "given":
        derived = ", ".join(f"{k}={v:.4g}" for k, v in out["derived"].items())
        print(f"bargaining model: {cfg.bargaining.model} ({derived})")
    print()
    print(
        _table(
            ["intervention", "marginal value", "share", "rank", "ratio to best"],
            [
                [r.name, _g(r.value), _g(r.share, 7), str(r.rank), _g(r.ratio_to_best, 7)]
                for r in rows
            ],
        )
    )
    ordered = sorted(rows, key=lambda r: r.rank)
    best, second = ordered[0], ordered[1]
    lead = best.value / second.value if second.value > 0 else float("nan")
    msg = f"best: {best.name}"
    if math.isfinite(lead):
        msg += f", {lead:.3g}x the runner-up ({second.name})"
    msg += f"; lead {best.value - second.value:.4g} (A = {report.base_advantage:.3g} of the total)"
    print(msg)
    print()
    print(
        f"sensitivity of the ranking: A = share of '{report.best}' minus the runner-up's share as one"
    )
    print("input moves over [low, high], the others at base (A < 0: another one is best):")
    srows = []
    for s in out["sensitivity"]:
        sw = "; ".join(f"{x:.4g} ({a}->{b})" for x, a, b in s["switches"]) or "-"
        srows.append(
            [
                s["input"],
                _g(s["base"], 9),
                _g(s["low"], 9),
                _g(s["high"], 9),
                _g(s["advantage_low"], 8),
                _g(s["advantage_high"], 8),
                f"{s['best_low']}/{s['best_high']}",
                sw,
            ]
        )
    print(
        _table(
            [
                "input",
                "base",
                "low",
                "high",
                "A(low)",
                "A(high)",
                "best low/high",
                "best changes at",
            ],
            srows,
        )
    )
    if "nonlocal_check" in out:
        c = out["nonlocal_check"]
        print()
        print("non-local interactions (locality 0), ratio (c|v)/(c|¬v):")
        print(f"  seed's claim (slopes ∝ F_V, 1-F_V): {c['claimed_ratio']:.4g}")
        print(f"  population model, partner channel:  {c['partner_channel_ratio']:.4g}")
        print(
            f"  population model, full slope:       {c['model_ratio']:.4g} "
            f"(own-disposition channel = {c['own_channel_share']:.1%} of db/dF_C|V)"
        )
    if "simulation" in out:
        sim = out["simulation"]
        level = f"{sim['confidence']:.0%}"
        print()
        print(f"simulated ({sim['n_interactions']} interactions, {level} intervals) vs exact:")
        srows = []
        for k, e in sim["estimates"].items():
            srows.append(
                [k, _g(out["derived"][k]), _g(e["mean"]), f"[{e['low']:.4g}, {e['high']:.4g}]"]
            )
        exact = {r.name: r.value for r in rows}
        for k, e in sim["marginal_values"].items():
            srows.append(
                [f"MV {k}", _g(exact[k]), _g(e["mean"]), f"[{e['low']:.4g}, {e['high']:.4g}]"]
            )
        print(_table(["quantity", "exact", "simulated", "interval"], srows))
    if "environment" in out:
        env = out["environment"]
        print()
        print(
            f"population bargaining environment ({env['n_agents']} agents, {env['episodes']} "
            f"episodes x {env['rounds']} rounds, {env['v_interactions']} V interactions, "
            f"{env['confidence']:.0%} intervals):"
        )
        erows = []
        for k, e in env["estimates"].items():
            erows.append(
                [
                    k,
                    _g(env["continuum"][k]),
                    _g(env["exact"][k]),
                    _g(e["mean"]),
                    f"[{e['low']:.4g}, {e['high']:.4g}]",
                ]
            )
        for k, e in env["marginal_values"].items():
            erows.append(
                [
                    f"MV {k}",
                    _g(next(r.value for r in rows if r.name == k)),
                    _g(env["marginal_values_exact"][k]),
                    _g(e["mean"]),
                    f"[{e['low']:.4g}, {e['high']:.4g}]",
                ]
            )
        print(_table(["quantity", "model", "exact (env)", "simulated", "interval"], erows))
    if "plots" in out:
        print()
        print("plots: " + ", ".join(out["plots"]))
