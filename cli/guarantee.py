"""Guarantee: a coalition's optimal guarantee, beside Theorem 1's and Theorem 2's (MATH.md §1).

    powergames guarantee majority --param n_players=9 --param n_actions=3 --coalition-size 5
    powergames guarantee my_game.npz --coalition-size 3 --json     # a game file (save_game)

Players 0..s-1 form c_1 (s = --coalition-size, default n//2 + 1); everyone else may play anything
and pick x. Printed: the optimal guarantee G = max over π_1 of min over x and the others' joint
policies of r_1 (an LP over count distributions in a symmetric game, over joint actions in a dense
one; its certificate G <= upper), the optimal policy's support and worst case per state, the
minimax opponent, Theorem 1's policy's exact worst case beside 1 - 1/k, and Theorem 2's (k-1)/k,
which needs knowledge of the others' policy.
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from powergames.cli._game_args import add_game_arguments, game_from_args
from powergames.cli._table import fmt, table


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``powergames guarantee``."""
    add_game_arguments(parser)
    parser.add_argument("--coalition-size", type=int, default=None, help="|c_1| (default n//2+1)")
    parser.add_argument(
        "--method",
        default="auto",
        choices=["auto", "lp", "double_oracle"],
        help="one LP, the double oracle, or auto (default)",
    )
    parser.add_argument("--top", type=int, default=8, help="support points shown per side")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")


def run(args: argparse.Namespace) -> int:
    """Compute and print the report."""
    from powergames.games.symmetric import SymmetricUnitSumGame
    from powergames.theory.guarantees import coalition_guarantee
    from powergames.theory.worst_cases import n_players_of

    game = game_from_args(args)
    n = n_players_of(game)
    size = n // 2 + 1 if args.coalition_size is None else args.coalition_size
    if not 1 <= size < n:
        raise ValueError(f"--coalition-size must be in [1, {n - 1}], got {size}")
    if args.top < 1:
        raise ValueError(f"--top must be >= 1, got {args.top}")
    rep = coalition_guarantee(game, list(range(size)), method=args.method)
    if args.json:
        print(json.dumps(rep.as_dict(), indent=2))
        return 0
    print(f"coalition c_1 = players 0..{size - 1} of {n}; the others and x are adversarial")
    rows = [
        ["quantity", "value"],
        ["optimal guarantee G", fmt(rep.value)],
        ["certificate: G <=", fmt(rep.upper)],
        ["Theorem 1 policy's exact worst case", fmt(rep.theorem1_worst_case)],
        ["Theorem 1 bound 1 - 1/k (majority game, strict majority)", fmt(rep.theorem1_bound)],
        [f"Theorem 2 bound (k-1)/k, k = {rep.theorem2_k} (knows π_2)", fmt(rep.theorem2_bound)],
        ["G - Theorem 2 bound", fmt(rep.value - rep.theorem2_bound)],
        ["method / LP size", f"{rep.method}, {rep.n_variables} × {rep.n_constraints}, "
                             f"{rep.iterations} LP(s)"],
    ]  # fmt: skip
    print(table(rows))
    print("\nworst case of the optimal policy per state: " + fmt(list(rep.per_state)))
    symmetric = isinstance(game, SymmetricUnitSumGame)
    dist = rep.policy.count_distribution() if symmetric else None
    if dist is not None:
        order = np.argsort(-dist.probs)[: args.top]
        print("\noptimal policy (exchangeable): counts of c_1 -> probability")
        for r in order:
            if dist.probs[r] > 0:
                print(f"  {tuple(int(c) for c in dist.counts[r])}  {dist.probs[r]:.6g}")
    order = np.argsort(-rep.adversary_probs)[: args.top]
    print("\nminimax opponent: state, others' " + ("counts" if symmetric else "actions"))
    for t in order:
        what = (
            rep.adversary_counts[t]
            if rep.adversary_counts is not None
            else rep.adversary_actions[t]
        )
        print(f"  x={int(rep.adversary_states[t])}  {tuple(int(v) for v in what)}  "
              f"{rep.adversary_probs[t]:.6g}")  # fmt: skip
    return 0
