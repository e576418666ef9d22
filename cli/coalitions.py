"""Exact coalition values under the Theorem 1 and Theorem 2 policies (MATH.md §1).

Players 0..s-1 form the coalition c_1 (s = --coalition-size); the others form c_2 and play the stated
--opponent policy. For each of the two policies of c_1 — Theorem 1's (draw one action uniformly, all
members play it) and Theorem 2's coalition copying (k-1 independent copies of c_2's policy, leftovers
i.i.d. uniform) — the command prints each coalition's exact expected share r_j(x) for every state x,
its minimum over x (the guarantee "regardless of x") and its mean under the prior, beside the bound
the theorem promises: 1 - 1/k_actions for a strict majority in the majority game, (k-1)/k with
k = floor(s / (n - s)) + 1 in any symmetric game.

Example: powergames coalitions --game majority --players 9 --actions 4 --coalition-size 5
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from powergames.cli._table import table
from powergames.games import (
    CountDistribution,
    SymmetricUnitSumGame,
    UnitSumGame,
    compositions,
    is_symmetric,
    majority_game,
    random_symmetric_unit_sum_game,
)
from powergames.theory import (
    CoalitionPolicy,
    ExchangeablePolicy,
    IndependentPolicy,
    SharedActionPolicy,
    coalition_copying_policy,
    coalition_report,
    contiguous_coalitions,
    max_guarantee_k,
    theorem1_policy,
)

OPPONENTS = {
    "uniform": "each opponent draws i.i.d. uniformly",
    "shared": "all opponents play one uniformly drawn action (correlated)",
    "random": "each opponent draws i.i.d. from one random mixed strategy (--seed)",
    "correlated": "a random distribution of action counts, handed out in random order (--seed)",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the command's options."""
    parser.add_argument(
        "--game",
        default="majority",
        help='"majority" (Theorem 1\'s game), "random" (a random symmetric unit-sum game) or a '
        "symmetric game file / library name",
    )
    parser.add_argument("--players", type=int, default=9, help="n (majority / random games)")
    parser.add_argument("--actions", type=int, default=3, help="k actions (majority / random)")
    parser.add_argument(
        "--states",
        type=int,
        default=None,
        help="states of X (random game; default 1). The majority game has one state (X is unused) "
        "and a game file fixes its own: any other --states is an error there",
    )
    parser.add_argument("--coalition-size", type=int, default=None, help="|c_1| (default: n//2+1)")
    parser.add_argument(
        "--opponent",
        default="uniform",
        metavar="POLICY",
        help="c_2's policy: "
        + "; ".join(f"{name} = {what}" for name, what in OPPONENTS.items())
        + "; or a mixed strategy like 0.5,0.3,0.2 that each opponent plays i.i.d. "
        "(default: uniform)",
    )
    parser.add_argument(
        "--k",
        type=int,
        default=None,
        help="Theorem 2's k, >= 2 (default: the largest that applies)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed for random games and policies")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")


def _check_options(args: argparse.Namespace) -> None:
    """Reject bad option values under the options' own names (before any library call)."""
    if args.game in ("majority", "random"):
        if args.players < 2:
            raise ValueError(
                f"--players must be >= 2 (a coalition and its opponents), got {args.players}"
            )
        if args.actions < 1:
            raise ValueError(f"--actions must be >= 1, got {args.actions}")
    if args.states is not None and args.states < 1:
        raise ValueError(f"--states must be >= 1, got {args.states}")
    if args.k is not None and args.k < 2:
        raise ValueError(f"--k must be >= 2 (Theorem 2's k), got {args.k}")


def _game(args: argparse.Namespace, rng: np.random.Generator) -> tuple[SymmetricUnitSumGame, str]:
    if args.game == "majority":
        if args.states not in (None, 1):
            raise ValueError(
                f"--states {args.states} does not apply to --game majority: the majority game has "
                "one state (X is unused); use --game random for several states"
            )
        return majority_game(args.players, args.actions), "majority game (Theorem 1)"
    if args.game == "random":
        states = 1 if args.states is None else args.states
        game = random_symmetric_unit_sum_game(args.players, args.actions, states, rng)
        return game, f"random symmetric unit-sum game (seed {args.seed})"
    from powergames.games.io import resolve_game

    resolved = resolve_game(args.game)
    if isinstance(resolved, UnitSumGame):
        if not is_symmetric(resolved):
            raise ValueError(f"--game {args.game!r} is a unit-sum game but not a symmetric one")
        resolved = SymmetricUnitSumGame.from_dense(resolved)
    if not isinstance(resolved, SymmetricUnitSumGame):
        raise ValueError(
            f"--game {args.game!r} is a {type(resolved).__name__}; this command needs a symmetric "
            "unit-sum game"
        )
    game = resolved
    if args.states not in (None, game.n_states):
        raise ValueError(
            f"--states {args.states} does not apply to --game {args.game!r}: the game has "
            f"{game.n_states} state(s) of X"
        )
    return game, args.game


def _opponent(spec: str, size: int, k: int, rng: np.random.Generator) -> CoalitionPolicy:
    if spec == "uniform":
        return IndependentPolicy(size, np.full(k, 1.0 / k))
    if spec == "shared":
        return SharedActionPolicy(size, k)
    if spec == "random":
        return IndependentPolicy(size, rng.dirichlet(np.ones(k)))
    if spec == "correlated":
        probs = rng.dirichlet(np.full(len(compositions(size, k)), 0.5))
        return ExchangeablePolicy(CountDistribution(size, k, probs))
    try:
        strategy = np.array([float(v) for v in spec.split(",")])
    except ValueError:
        raise ValueError(
            f"--opponent must be one of {', '.join(OPPONENTS)} or comma-separated probabilities, "
            f"got {spec!r}"
        ) from None
    if len(strategy) != k:
        raise ValueError(f"--opponent strategy must have {k} probabilities, got {len(strategy)}")
    return IndependentPolicy(size, strategy)


def _fmt_players(members: list[int]) -> str:
    return f"{members[0]}-{members[-1]}" if len(members) > 1 else str(members[0])


def run(args: argparse.Namespace) -> int:
    """Compute and print the coalition values."""
    _check_options(args)
    rng = np.random.default_rng(args.seed)
    game, label = _game(args, rng)
    n, k_actions = game.n_players, game.n_actions
    size = n // 2 + 1 if args.coalition_size is None else args.coalition_size
    if not 1 <= size < n:
        raise ValueError(f"--coalition-size must be in [1, {n - 1}] (players: {n}), got {size}")
    coalitions = contiguous_coalitions([size, n - size])
    opponent = _opponent(args.opponent, n - size, k_actions, rng)
    k_t = max_guarantee_k(size, n) if args.k is None else args.k

    rows = []
    policies: dict[str, CoalitionPolicy | None] = {"theorem1": theorem1_policy(size, k_actions)}
    theorem2_note = ""
    try:
        policies["theorem2"] = coalition_copying_policy(opponent, size, k=args.k)
    except ValueError as exc:
        policies["theorem2"] = None
        theorem2_note = str(exc)
    bounds = {
        "theorem1": 1 - 1 / k_actions if args.game == "majority" and 2 * size > n else None,
        "theorem2": (k_t - 1) / k_t if policies["theorem2"] is not None else None,
    }
    for name, policy in policies.items():
        if policy is None:
            continue
        report = coalition_report(game, coalitions, [policy, opponent])
        for j in range(2):
            rows.append(
                {
                    "policy": name,
                    "coalition": "c_1" if j == 0 else "c_2",
                    "players": _fmt_players(coalitions[j]),
                    "values": report.values[:, j].tolist(),
                    "min_over_x": float(report.min_over_x[j]),
                    "expected": float(report.expected[j]),
                    "guarantee": bounds[name] if j == 0 else None,
                }
            )
    header = {
        "game": label,
        "n_players": n,
        "n_actions": k_actions,
        "n_states": game.n_states,
        "coalition_size": size,
        "opponent": args.opponent,
        "opponent_policy": OPPONENTS.get(args.opponent, f"i.i.d. from ({args.opponent})"),
        "theorem2_k": k_t,
        "theorem2_note": theorem2_note,
    }
    if args.json:
        print(json.dumps({**header, "rows": rows}, indent=2))
        return 0
    print(f"game: {label}; n = {n} players, k = {k_actions} actions, {game.n_states} state(s) of X")
    print(
        f"c_1 = players {_fmt_players(coalitions[0])} ({size}); c_2 = players "
        f"{_fmt_players(coalitions[1])} ({n - size}) playing: {header['opponent_policy']}"
    )
    print("theorem1 = c_1 draws one action uniformly and all its members play it")
    if theorem2_note:
        print(f"theorem2 not applicable: {theorem2_note}")
    else:
        n_left = size - (k_t - 1) * (n - size)
        print(
            f"theorem2 = c_1 copies c_2's joint policy k-1 = {k_t - 1} time(s) independently "
            f"(k = {k_t}); {n_left} leftover player(s) draw i.i.d. uniformly"
        )
    states = [f"x={x}" for x in range(game.n_states)]
    cells = [["policy", "coalition", "players", *states, "min over x", "E_x", "guarantee"]]
    for r in rows:
        cells.append(
            [
                r["policy"],
                r["coalition"],
                r["players"],
                *(f"{v:.6f}" for v in r["values"]),
                f"{r['min_over_x']:.6f}",
                f"{r['expected']:.6f}",
                "" if r["guarantee"] is None else f">= {r['guarantee']:.6f}",
            ]
        )
    print(table(cells))
    return 0
