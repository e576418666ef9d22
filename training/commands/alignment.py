"""Alignment report of a game: welfare, covariance, C–A inequalities and alpha, threat point, bargaining.

GAME is a name from the game library (see `powergames alignment --list`) or the path of a game file
written by `powergames.envs.games.io.save_game`. Constructor arguments of a named game go in
`--param key=value` (e.g. `powergames alignment interpolated --param lam=0.7`). The report evaluates
the uniform profile and the localized profiles (max welfare, maxmin, Nash when the solver is
available), plus `--profile` if given; `--json` prints the same report for machines.
"""

from __future__ import annotations

import argparse
import json
import math
from typing import Any

import numpy as np


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the command's options."""
    parser.add_argument("game", nargs="?", help="a named game or a game file (.npz)")
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="constructor argument for a named game (repeatable)",
    )
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


def _fmt(x: Any) -> str:
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, float):
        if math.isnan(x):
            return "-"
        return f"{0.0 if abs(x) < 1e-12 else x:.6g}"
    if isinstance(x, list):
        return "[" + ", ".join(_fmt(v) for v in x) + "]"
    return str(x)


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(r[j]) for r in rows) for j in range(len(rows[0]))]
    lines = []
    for n, r in enumerate(rows):
        lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def format_report(spec: str, rep: dict[str, Any]) -> str:
    """The report as aligned plain-text tables."""
    g = rep["game"]
    ineq = rep["inequalities"]
    out = [
        f"game: {spec}  players: {g['n_players']}  actions: {g['n_actions']}  "
        f"constant-sum: {_fmt(g['constant_sum'])}  common payoff: {_fmt(g['common_payoff'])}",
        "",
        "Coordination-alignment inequalities  sum_i u_i(s) <= max_a sum_i u_i(a) <= sum_i max_a u_i(a)",
        _table(
            [
                ["quantity", "value"],
                ["max welfare  max_a sum_i u_i(a)", _fmt(ineq["max_welfare"])],
                ["sum of maxima  sum_i max_a u_i(a)", _fmt(ineq["sum_of_maxima"])],
                ["alpha", _fmt(ineq["alpha"])],
                ["alpha per state", _fmt(rep["alpha_per_state"])],
                ["constant welfare (coordination equality)", _fmt(ineq["constant_welfare"])],
                ["alignment equality (a profile optimal for all)", _fmt(ineq["alignment_tight"])],
                [
                    "unique Pareto-efficient payoff, optimal for all",
                    _fmt(ineq["unique_pareto_optimal_for_all"]),
                ],
                ["distinct Pareto-efficient payoffs", _fmt(ineq["n_pareto_payoffs"])],
            ]
            + (
                [["alpha (count form)", _fmt(rep["alpha_count_form"])]]
                if "alpha_count_form" in rep
                else []
            )
        ),
        "",
        "Profiles (welfare = sum_i E u_i; gap = max welfare - welfare; surplus vs u(a0))",
    ]
    rows = [
        ["profile", "welfare", "coord. gap", "payoffs", "sum surplus", "cov(u_0,u_1)", "strategies"]
    ]
    for name, p in rep["profiles"].items():
        cov = p["covariance"]
        cov01 = cov[0][1] if len(cov) > 1 else float("nan")
        rows.append(
            [
                name,
                _fmt(p["welfare"]),
                _fmt(p["coordination_gap"]),
                _fmt(p["payoffs"]),
                _fmt(p["surplus_sum"]),
                _fmt(cov01),
                _fmt(p["strategies"]) if p["strategies"] is not None else "(joint)",
            ]
        )
    out.append(_table(rows))
    if rep["game"]["n_players"] > 2:
        out.append("(full covariance matrices: --json)")
    t = rep["threat"]
    b = rep["bargaining"]
    out += [
        "",
        "Threat point and Nash bargaining",
        _table(
            [
                ["quantity", "value"],
                ["maxmin strategies a0", _fmt(t["maxmin_strategies"])],
                ["security levels v_i", _fmt(t["security_levels"])],
                ["threat point u(a0)", _fmt(t["threat_point"])],
                ["bound on sum_i s_i", _fmt(t["surplus_bound"])],
                ["Nash bargaining payoffs", _fmt(b["payoffs"])],
                ["  surplus over the threat", _fmt(b["surplus"])],
                ["  product of surpluses", _fmt(b["product"])],
                ["  threat used", _fmt(b["threat_point"])],
                ["  positive surplus for all possible", _fmt(b["positive_surplus_possible"])],
                ["  solver", b["message"]],
            ]
        ),
    ]
    for note in rep["notes"]:
        out.append(f"note: {note}")
    return "\n".join(out)


def run(args: argparse.Namespace) -> int:
    """Print the report; returns 0."""
    from powergames.envs.games.alignment import alignment_report, nash_bargaining
    from powergames.envs.games.io import parse_game_kwargs, resolve_game
    from powergames.envs.games.library import GAMES, game_names

    if args.list:
        for name in game_names():
            doc = (GAMES[name].__doc__ or "").strip().splitlines()
            print(f"{name:24s} {doc[0] if doc else ''}")
        return 0
    if not args.game:
        raise ValueError("give a GAME (a named game or a game file); --list shows the names")
    game = resolve_game(args.game, **parse_game_kwargs(args.param))
    profile = parse_profile(args.profile) if args.profile else None
    rep = alignment_report(game, profile=profile)
    if args.threat != "profile":
        rep["bargaining"] = nash_bargaining(game, threat=args.threat).as_dict()
    if args.json:
        print(json.dumps(rep, indent=2, allow_nan=True))
    else:
        print(format_report(args.game, rep))
    return 0
