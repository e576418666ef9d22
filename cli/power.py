"""POWER per player and type, achieved values, NashConv and the Bayesian Nash check of a profile.

GAME is a name from the game library (`powergames power --list`) or the path of a game file written
by `powergames.games.io.save_game`; constructor arguments of a named game go in
`--param key=value` (e.g. `powergames power bayesian_matching_pennies --param p_flip=0.4`).

The profile is solved by default (`--method auto`: the exact LP for two-player constant-sum games,
Lemke-Howson for other two-player games, pygambit for more players), or given with `--profile`:
players separated by `;`, a Bayesian player's types by `|`, probabilities by `,`
(e.g. `--profile "1,0|0,1;0.5,0.5"`), or `--profile uniform`. POWER(i) = E_t[max_a f_i(t_i, a)]
(MATH.md §2); per type the table shows max_a f_i(t_i, a) and the achieved sum_a sigma_i(t_i, a) f_i.
`--json` prints the same report for machines.
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
        help='the profile to evaluate: "uniform" or e.g. "1,0|0,1;0.5,0.5" (default: solve)',
    )
    parser.add_argument(
        "--method",
        choices=("auto", "lp", "lemke_howson", "gnm", "logit"),
        default="auto",
        help="equilibrium solver when no --profile is given (default: auto)",
    )
    parser.add_argument(
        "--tol",
        type=float,
        default=1e-9,
        help="per-type regret tolerance of the Bayesian Nash check (default 1e-9)",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--list", action="store_true", help="list the named games and exit")


def parse_profile(text: str, n_types: tuple[int, ...]) -> list[np.ndarray]:
    """``"1,0|0,1;0.5,0.5"`` -> ``[array([[1, 0], [0, 1]]), array([[0.5, 0.5]])]``.

    A player with one type may give one distribution; a player with several types may give one
    distribution (used for every type) or one per type. Values are validated by the game later.
    """
    players = text.split(";")
    if len(players) != len(n_types):
        raise ValueError(
            f"--profile must give one strategy per player ({len(n_types)}, separated by ';'), "
            f"got {len(players)}"
        )
    out = []
    for i, part in enumerate(players):
        rows = []
        for row in part.split("|"):
            try:
                rows.append([float(x) for x in row.split(",")])
            except ValueError:
                raise ValueError(
                    f"--profile: player {i}'s strategy must be comma-separated numbers, got {row!r}"
                ) from None
        if len({len(r) for r in rows}) != 1:
            raise ValueError(f"--profile: player {i}'s types give different numbers of actions")
        arr = np.array(rows)
        if arr.shape[0] == 1:
            arr = np.repeat(arr, n_types[i], axis=0)
        if arr.shape[0] != n_types[i]:
            raise ValueError(
                f"--profile: player {i} has {n_types[i]} types, got {arr.shape[0]} strategies "
                "(separate types with '|')"
            )
        out.append(arr)
    return out


def build_report(game: Any, profile: list[np.ndarray], source: str, tol: float) -> dict[str, Any]:
    """The report as a JSON-ready dict."""
    from powergames.theory.bayesian_power import power_report
    from powergames.theory.power_cases import bayesian_power_cases

    rep = power_report(game, profile, tol=tol)
    cases = bayesian_power_cases(game)
    players = []
    for i in range(len(profile)):
        types = []
        for t in range(len(rep.type_prob[i])):
            types.append(
                {
                    "type": t,
                    "prob": float(rep.type_prob[i][t]),
                    "power": float(rep.type_power[i][t]),
                    "achieved": float(rep.type_achieved[i][t]),
                    "regret": float(rep.type_power[i][t] - rep.type_achieved[i][t]),
                    "best_action": int(rep.best_action[i][t]),
                    "strategy": [float(v) for v in profile[i][t]],
                    "interim_utility": [float(v) for v in rep.interim[i][t]],
                }
            )
        players.append(
            {
                "player": i,
                "power": float(rep.power[i]),
                "achieved": float(rep.achieved[i]),
                "best_case_power": float(rep.best_case[i]),
                "worst_case_power": float(cases.worst[i]),
                "types": types,
            }
        )
    c = rep.constant_sum
    return {
        "game": {
            "n_players": len(profile),
            "n_types": [len(p) for p in rep.type_prob],
            "n_actions": [int(p.shape[1]) for p in profile],
            "constant_sum": c,
        },
        "profile_source": source,
        "players": players,
        "sum_power": float(rep.power.sum()),
        "sum_power_minus_c": None if c is None else float(rep.power.sum() - c),
        "nash_conv": rep.nash_conv,
        "max_type_regret": rep.max_regret,
        "is_bayes_nash": rep.is_bayes_nash,
        "tol": tol,
    }


def format_report(spec: str, rep: dict[str, Any]) -> str:
    """The report as aligned plain-text tables."""
    g = rep["game"]
    out = [
        f"game: {spec}  players: {g['n_players']}  types: {fmt(g['n_types'])}  "
        f"actions: {fmt(g['n_actions'])}  constant-sum: "
        + ("no" if g["constant_sum"] is None else f"yes (c = {fmt(g['constant_sum'])})"),
        f"profile: {rep['profile_source']}",
        "",
        "Per type  (POWER = max_a f_i(t, a); achieved = sum_a sigma_i(t, a) f_i(t, a))",
    ]
    rows = [["player", "type", "P(type)", "POWER", "achieved", "regret", "best action", "strategy"]]
    for p in rep["players"]:
        for t in p["types"]:
            rows.append(
                [
                    str(p["player"]),
                    str(t["type"]),
                    fmt(t["prob"]) + ("*" if t["prob"] == 0 else ""),
                    fmt(t["power"]),
                    fmt(t["achieved"]),
                    fmt(t["regret"]),
                    str(t["best_action"]),
                    fmt(t["strategy"]),
                ]
            )
    out.append(table(rows))
    if any(t["prob"] == 0 for p in rep["players"] for t in p["types"]):
        out.append(
            "* probability 0: posterior undefined, shown under the marginal belief; not in POWER"
        )
    out += [
        "",
        "Per player  (POWER = E_t[max_a f_i]; worst case = E_t[max_σ min_a-i r_i(t, ·)], the "
        "others against i; best case = E_t[max_a r_i(t, a)], the others for i)",
    ]
    rows = [["player", "worst case", "POWER", "achieved", "POWER - achieved", "best case"]]
    for p in rep["players"]:
        rows.append(
            [
                str(p["player"]),
                fmt(p["worst_case_power"]),
                fmt(p["power"]),
                fmt(p["achieved"]),
                fmt(p["power"] - p["achieved"]),
                fmt(p["best_case_power"]),
            ]
        )
    rows.append(
        [
            "sum",
            fmt(sum(p["worst_case_power"] for p in rep["players"])),
            fmt(rep["sum_power"]),
            fmt(sum(p["achieved"] for p in rep["players"])),
            fmt(rep["nash_conv"]),
            fmt(sum(p["best_case_power"] for p in rep["players"])),
        ]
    )
    out.append(table(rows))
    out += [
        "",
        f"NashConv: {fmt(rep['nash_conv'])}",
        f"Bayesian Nash equilibrium (per-type regret <= {rep['tol']:g}): "
        f"{fmt(rep['is_bayes_nash'])}  (largest per-type regret {fmt(rep['max_type_regret'])})",
    ]
    if rep["sum_power_minus_c"] is not None:
        out.append(
            f"power scarcity: sum POWER - c = {fmt(rep['sum_power_minus_c'])} (>= 0, = NashConv)"
        )
    return "\n".join(out)


def run(args: argparse.Namespace) -> int:
    """Print the report; returns 0."""
    from powergames.games.bayesian import as_bayesian
    from powergames.theory.equilibria import solve_nash

    if args.list:
        print_game_list(28)
        return 0
    if not args.tol >= 0:
        raise ValueError(f"--tol must be >= 0, got {args.tol}")
    game = as_bayesian(game_from_args(args))
    if args.profile is None:
        try:
            profile = solve_nash(game, method=args.method)
        except ImportError as exc:
            raise ValueError(f"{exc}; or evaluate a given --profile") from None
        source = f"solved (--method {args.method})"
    elif args.profile.strip().lower() == "uniform":
        profile = game.uniform_profile()
        source = "uniform"
    else:
        profile = parse_profile(args.profile, game.n_types)
        source = "given"
    rep = build_report(game, [np.asarray(p, dtype=np.float64) for p in profile], source, args.tol)
    if args.json:
        print(json.dumps(rep, indent=2))
    else:
        print(format_report(args.game, rep))
    return 0
