"""Game files: any game class saved to / loaded from a NumPy ``.npz`` archive, and name-or-file lookup.

File format (``allow_pickle=False``): an entry ``__kind__`` naming the class (one of :data:`KINDS`),
``__format__`` (the format version) and one entry per constructor field of the game's dataclass:
arrays as they are, scalars as 0-d arrays, a tuple of arrays (e.g. ``BayesianGame.rewards``) as
``<field>.0``, ``<field>.1``, … plus ``__len__.<field>``. Fields that are ``None`` are omitted (the
constructor's default applies).
"""

from __future__ import annotations

import ast
import dataclasses
import os
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from powergames.games.base import Game
from powergames.games.bayesian import BayesianGame
from powergames.games.checks import did_you_mean
from powergames.games.library import GAMES, game_names, get_game
from powergames.games.normal_form import NormalFormGame
from powergames.games.symmetric import SymmetricUnitSumGame
from powergames.games.unit_sum import UnitSumGame

#: Supported kinds: class name -> class.
KINDS: dict[str, type] = {
    "NormalFormGame": NormalFormGame,
    "UnitSumGame": UnitSumGame,
    "SymmetricUnitSumGame": SymmetricUnitSumGame,
    "BayesianGame": BayesianGame,
}

FORMAT_VERSION = 1
_KIND = "__kind__"
_FORMAT = "__format__"
_LEN = "__len__."


def _game_class(kind: str) -> type:
    if kind not in KINDS:
        raise ValueError(f"unknown game kind {kind!r}; supported kinds: {', '.join(KINDS)}")
    return KINDS[kind]


def _kind_of(game: object) -> str:
    name = type(game).__name__
    if name in KINDS and type(game) is KINDS[name]:
        return name
    raise TypeError(
        f"game must be one of {', '.join(KINDS)}, got {type(game).__module__}.{type(game).__name__}"
    )


def _init_fields(game: Game) -> dict[str, Any]:
    if not dataclasses.is_dataclass(game):
        raise TypeError(f"cannot save {type(game).__name__}: not a dataclass game")
    return {f.name: getattr(game, f.name) for f in dataclasses.fields(game) if f.init}


def save_game(game: Game, path: str | os.PathLike[str]) -> Path:
    """Save a game (``NormalFormGame``, ``UnitSumGame``, ``SymmetricUnitSumGame``, ``BayesianGame``).

    Args:
        game: the game.
        path: the target file; ``.npz`` is appended when missing. Parent folders must exist.

    Returns:
        The path written.

    Raises:
        TypeError: an unsupported object.
    """
    kind = _kind_of(game)
    entries: dict[str, Any] = {
        _KIND: np.array(kind),
        _FORMAT: np.array(FORMAT_VERSION),
    }
    for name, value in _init_fields(game).items():
        if value is None:
            continue
        if isinstance(value, tuple | list) and not all(np.isscalar(v) for v in value):
            entries[_LEN + name] = np.array(len(value))
            for j, item in enumerate(value):
                entries[f"{name}.{j}"] = np.asarray(item)
        else:
            arr = np.asarray(value)
            if arr.dtype == object:
                raise TypeError(f"cannot save field {name!r} of {kind}: not numeric")
            entries[name] = arr
    out = Path(path)
    if out.suffix != ".npz":
        out = out.with_name(out.name + ".npz")
    with open(out, "wb") as fh:
        np.savez_compressed(fh, **entries)
    return out


def _from_entry(arr: np.ndarray) -> Any:
    if arr.ndim == 0:
        return arr.item()
    return arr


#: Largest game file read by :func:`load_game`, in bytes of its arrays (2 GiB).
MAX_FILE_BYTES = 2**31


def _check_entry_sizes(p: Path) -> None:
    """Read each entry's ``.npy`` header (not its data) and refuse, before anything is allocated, an
    entry whose shape does not match its stored size, or arrays over :data:`MAX_FILE_BYTES`."""
    total = 0
    try:
        with zipfile.ZipFile(p) as zf:
            for info in zf.infolist():
                with zf.open(info) as fh:
                    version = np.lib.format.read_magic(fh)
                    read_header = (
                        np.lib.format.read_array_header_1_0
                        if version == (1, 0)
                        else np.lib.format.read_array_header_2_0
                    )
                    shape, _, dtype = read_header(fh)
                    count = 1
                    for n in shape:
                        count *= int(n)
                    nbytes = count * dtype.itemsize
                    if nbytes != info.file_size - fh.tell():
                        raise ValueError(
                            f"{str(p)!r} is damaged: entry {info.filename!r} declares shape "
                            f"{shape} ({nbytes:,} bytes) but holds "
                            f"{info.file_size - fh.tell():,} bytes"
                        )
                    total += nbytes
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        if str(exc).startswith(repr(str(p))):
            raise
        raise ValueError(
            f"{str(p)!r} is not a game file (.npz written by save_game): {exc}"
        ) from None
    if total > MAX_FILE_BYTES:
        raise ValueError(
            f"{str(p)!r} holds arrays of {total:,} bytes, more than the {MAX_FILE_BYTES:,} a game "
            "file may hold"
        )


def load_game(path: str | os.PathLike[str]) -> Game:
    """Load a game saved by :func:`save_game`.

    Raises:
        FileNotFoundError: no such file.
        ValueError: not a game file, an unknown kind, or contents the game class rejects.
    """
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"no game file at {str(p)!r}")
    _check_entry_sizes(p)
    try:
        with np.load(p, allow_pickle=False) as data:
            contents = {k: data[k] for k in data.files}
    except (OSError, ValueError, EOFError, MemoryError, zipfile.BadZipFile) as exc:
        raise ValueError(
            f"{str(p)!r} is not a game file (.npz written by save_game): {exc}"
        ) from None
    if _KIND not in contents:
        raise ValueError(f"{str(p)!r} is not a game file: it has no {_KIND!r} entry")
    kind = str(contents.pop(_KIND))
    version = int(contents.pop(_FORMAT, FORMAT_VERSION))
    if version > FORMAT_VERSION:
        raise ValueError(
            f"{str(p)!r} has format version {version}; this library reads <= {FORMAT_VERSION}"
        )
    cls = _game_class(kind)
    kwargs: dict[str, Any] = {}
    for key in [k for k in contents if k.startswith(_LEN)]:
        name = key[len(_LEN) :]
        n = int(contents.pop(key))
        try:
            kwargs[name] = tuple(contents.pop(f"{name}.{j}") for j in range(n))
        except KeyError:
            raise ValueError(f"{str(p)!r}: field {name!r} is missing items") from None
    for key, arr in contents.items():
        kwargs[key] = _from_entry(arr)
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise ValueError(f"{str(p)!r}: cannot rebuild a {kind} from its fields ({exc})") from None


def parse_game_kwargs(items: Sequence[str] | None) -> dict[str, Any]:
    """Parse ``["key=value", …]`` (e.g. from a CLI ``--param`` option) into constructor kwargs.

    Values are Python literals (``3``, ``0.5``, ``(2, 3)``, ``True``); anything else stays a string.
    """
    out: dict[str, Any] = {}
    for item in items or ():
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key.isidentifier():
            raise ValueError(f"game parameters must look like key=value, got {item!r}")
        try:
            out[key] = ast.literal_eval(raw.strip())
        except (ValueError, SyntaxError):
            out[key] = raw.strip()
    return out


def resolve_game(spec: str | os.PathLike[str] | Game, **kwargs: Any) -> Game:
    """A game from a name of the library or the path of a game file.

    Args:
        spec: a name in :data:`powergames.games.library.GAMES` (kwargs go to its constructor), the
            path of an ``.npz`` written by :func:`save_game`, or an already built game (returned).
        **kwargs: constructor arguments for a named game; not allowed with a file.

    Raises:
        FileNotFoundError: ``spec`` looks like a path (has a folder separator or ends in ``.npz``) but
            no such file exists.
        ValueError: neither a known name nor a file (the message lists the known names).
    """
    if not isinstance(spec, str | os.PathLike):
        try:
            _kind_of(spec)
        except TypeError:
            raise TypeError(
                f"a game spec must be a name, a file path or a game, got {type(spec).__name__}"
            ) from None
        if kwargs:
            raise ValueError("game parameters cannot be applied to an already built game")
        return spec
    text = os.fspath(spec)
    if Path(text).is_file():
        if kwargs:
            raise ValueError(
                f"game parameters {sorted(kwargs)} cannot be applied to a game file ({text!r})"
            )
        return load_game(text)
    key = text.strip().lower().replace("-", "_")
    if key in GAMES:
        return get_game(key, **kwargs)
    if os.sep in text or "/" in text or text.endswith(".npz"):
        raise FileNotFoundError(f"no game file at {text!r} (and it is not a game name)")
    raise ValueError(
        f"{text!r} is neither a known game nor an existing file{did_you_mean(key, GAMES)}; "
        f"known games: {', '.join(game_names())}"
    )
