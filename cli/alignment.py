"""Alignment report of a game: welfare, covariance, C–A inequalities and alpha, threat point, bargaining.

GAME is a name from the game library (see `powergames alignment --list`) or the path of a game file
written by `powergames.games.io.save_game`. Constructor arguments of a named game go in
`--param key=value` (e.g. `powergames alignment interpolated --param lam=0.7`). The report evaluates
the uniform profile and the localized profiles (max welfare, maxmin, Nash when the solver is
available), plus `--profile` if given; `--json` prints the same report for machines.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

import numpy as np

from powergames.cli._game_args import (
    add_game_arguments,
    game_from_args,
    print_game_list,
)
from powergames.cli._table import fmt, table


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the command's options."""
    add_game_arguments(parser)
    parser.add_argument(
        "--profile",
        default=None,
        metavar="P",
        help='a mixed profile to evaluate too: one distribution per player, e.g. "0.5,0.5;0,1"',
    )
    parser.add_argument(
        "--threat",
        choices=("profile", "value"),
        default="profile",
        help="bargaining threat point: u(a0) at the maxmin profile (default) or the maxmin values",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--list", action="store_true", help="list the named games and exit")


def parse_profile(text: str) -> list[np.ndarray]:
    """``"0.5,0.5;0,1"`` -> ``[array([0.5, 0.5]), array([0., 1.])]`` (validated by the game later)."""
    out = []
    for i, part in enumerate(text.split(";")):
        try:
            out.append(np.array([float(x) for x in part.split(",")]))
        except ValueError:
            raise ValueError(
                f"--profile: player {i}'s strategy must be comma-separated numbers, got {part!r}"
            ) from None
    return out


def format_report(spec: str, rep: dict[str, Any]) -> str:
    """The report as aligned plain-text tables."""
    g = rep["game"]
    ineq = rep["inequalities"]
    out = [
        f"game: {spec}  players: {g['n_players']}  actions: {g['n_actions']}  "
        f"constant-sum: {fmt(g['constant_sum'])}  common payoff: {fmt(g['common_payoff'])}",
        "",
        "Coordination-alignment inequalities  sum_i u_i(s) <= max_a sum_i u_i(a) <= sum_i max_a u_i(a)",
        table(
            [
                ["quantity", "value"],
                ["max welfare  max_a sum_i u_i(a)", fmt(ineq["max_welfare"])],
                ["sum of maxima  sum_i max_a u_i(a)", fmt(ineq["sum_of_maxima"])],
                ["alpha", fmt(ineq["alpha"])],
                ["alpha per state", fmt(rep["alpha_per_state"])],
                ["chain holds", fmt(ineq["chain_holds"])],
                ["constant welfare (coordination equality)", fmt(ineq["constant_welfare"])],
                ["alignment equality (a profile optimal for all)", fmt(ineq["alignment_tight"])],
                [
                    "unique Pareto-efficient payoff, optimal for all",
                    fmt(ineq["unique_pareto_optimal_for_all"]),
                ],
                ["distinct Pareto-efficient payoffs", fmt(ineq["n_pareto_payoffs"])],
            ]
            + (
                [["alpha (count form)", fmt(rep["alpha_count_form"])]]
                if "alpha_count_form" in rep
                else []
            )
        ),
        "",
        "Profiles (welfare = sum_i E u_i; gap = max welfare - welfare; surplus s_i = u_i - u_i(a0))",
    ]
    rows = [["profile", "welfare", "coord. gap", "payoffs", "surplus", "sum surplus", "strategies"]]
    for name, p in rep["profiles"].items():
        rows.append(
            [
                name,
                fmt(p["welfare"]),
                fmt(p["coordination_gap"]),
                fmt(p["payoffs"]),
                fmt(p["surplus"]),
                fmt(p["surplus_sum"]),
                fmt(p["strategies"]) if p["strategies"] is not None else "(joint)",
            ]
        )
    out.append(table(rows))
    out += ["", "Utility covariance Cov(u_i, u_j) at each profile (rows i, columns j)"]
    n = rep["game"]["n_players"]
    cov_rows = [["profile", "i", *[f"j={j}" for j in range(n)]]]
    for name, p in rep["profiles"].items():
        for i, row in enumerate(p["covariance"]):
            cov_rows.append([name if i == 0 else "", str(i), *[fmt(v) for v in row]])
    out.append(table(cov_rows))
    t = rep["threat"]
    b = rep["bargaining"]
    out += [
        "",
        "Threat point and Nash bargaining",
        table(
            [
                ["quantity", "value"],
                ["maxmin strategies a0", fmt(t["maxmin_strategies"])],
                ["  unique per player (else the leximin one)", fmt(t["maxmin_unique"])],
                ["security levels v_i", fmt(t["security_levels"])],
                ["threat point u(a0)", fmt(t["threat_point"])],
                ["bound on sum_i s_i", fmt(t["surplus_bound"])],
                ["Nash bargaining payoffs", fmt(b["payoffs"])],
                ["  surplus over the threat", fmt(b["surplus"])],
                ["  product of surpluses", fmt(b["product"])],
                ["  threat used", fmt(b["threat_point"])],
                ["  positive surplus for all possible", fmt(b["positive_surplus_possible"])],
                ["  solver", b["message"]],
            ]
        ),
    ]
    for note in rep["notes"]:
        out.append(f"note: {note}")
    return "\n".join(out)


def run(args: argparse.Namespace) -> int:
    """Print the report; returns 0."""
    from powergames.theory.alignment_report import alignment_report
    from powergames.theory.bargaining import nash_bargaining

    if args.list:
        print_game_list(24)
        return 0
    game = game_from_args(args)
    profile = parse_profile(args.profile) if args.profile else None
    rep = alignment_report(game, profile=profile)
    if args.threat != "profile":
        rep["bargaining"] = nash_bargaining(game, threat=args.threat).as_dict()
    if args.json:
        print(json.dumps(rep, indent=2, allow_nan=True))
    else:
        print(format_report(args.game, rep))
    return 0
