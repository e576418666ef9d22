"""The GAME argument shared by the report sub-commands (not a sub-command: the name starts with ``_``).

GAME is a name from the game library or the path of a game file written by
``powergames.games.io.save_game``; constructor arguments of a named game go in
``--param key=value``.
"""

from __future__ import annotations

import argparse
from typing import Any


def add_game_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the positional ``game`` and the repeatable ``--param KEY=VALUE``."""
    parser.add_argument("game", nargs="?", help="a named game or a game file (.npz)")
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="constructor argument for a named game (repeatable)",
    )


def print_game_list(width: int) -> None:
    """Print each library name, padded to ``width``, beside the first line of its docstring."""
    from powergames.games.library import GAMES, game_names

    for name in game_names():
        doc = (GAMES[name].__doc__ or "").strip().splitlines()
        print(f"{name:{width}s} {doc[0] if doc else ''}")


def game_from_args(args: argparse.Namespace) -> Any:
    """The game named by ``args.game`` with ``args.param`` (ValueError when no GAME is given)."""
    from powergames.games.io import parse_game_kwargs, resolve_game

    if not args.game:
        raise ValueError("give a GAME (a named game or a game file); --list shows the names")
    return resolve_game(args.game, **parse_game_kwargs(args.param))
