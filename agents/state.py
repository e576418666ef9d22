"""Plain-data snapshots of built objects: their state as JSON and arrays, restored into a fresh build.

A checkpoint must hold data, never code (no pickle): loading one must not run anything. So instead
of serialising objects, :func:`snapshot` walks a *built* object graph (environments, policies,
learners, the SB3 hub) and records what changes while it runs — numbers, strings, arrays, lists,
dicts, generator states — and :func:`restore` writes those values back into an object graph built
again from the same configuration. No class is ever looked up or instantiated from the file: a
snapshot only says "attribute ``x`` of this object holds this value", and an attribute whose object
is of another class than the one saved is refused.

What is walked: objects of powergames classes (by attribute, minus the names a class lists in
``__snapshot_exclude__``), lists, tuples, deques, sets, dicts (any hashable plain keys), NumPy
arrays of numeric or boolean dtype and ``np.random.Generator`` objects (their bit generator's state; the bit generator
class must be one of NumPy's). Everything else — frozen games (immutable, rebuilt identical),
functions, Gymnasium spaces, torch modules, SB3 models — is left as built (the SB3 models are saved
and restored by :mod:`powergames.agents.sb3.saving`). An object reached twice is recorded once and
the second place refers to the first, so shared objects stay shared after :func:`restore`.

The snapshot is ``(tree, arrays)``: ``tree`` is JSON-ready (``json.dumps`` works on it), ``arrays``
maps the names that ``tree`` refers to onto arrays (for ``np.savez``; read back with
``allow_pickle=False``).
"""

from __future__ import annotations

import collections
import dataclasses
import io
import json
import os
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["SnapshotError", "read_snapshot", "restore", "snapshot", "write_snapshot"]

#: Bit generators a snapshot may name (NumPy's own).
BIT_GENERATORS = {
    name: getattr(np.random, name) for name in ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")
}

_LEAVES = (type(None), bool, int, float, str)


class SnapshotError(ValueError):
    """A snapshot that does not fit the object it is restored into (or a value that cannot be
    snapshotted); the message gives the attribute path."""


def _walkable(obj: Any) -> bool:
    cls = type(obj)
    if not cls.__module__.startswith("powergames."):
        return False
    if dataclasses.is_dataclass(obj) and cls.__dataclass_params__.frozen:
        return False
    return hasattr(obj, "__dict__")


def _excluded(obj: Any) -> frozenset[str]:
    names: set[str] = set()
    for klass in type(obj).__mro__:
        names.update(getattr(klass, "__snapshot_exclude__", ()))
    return frozenset(names)


def snapshot(obj: Any) -> tuple[Any, dict[str, np.ndarray]]:
    """The state of ``obj`` (and everything it reaches) as plain data.

    Returns:
        ``(tree, arrays)``: a JSON-ready tree and the arrays it names.

    Raises:
        SnapshotError: an array of object dtype (it would need pickle).
    """
    arrays: dict[str, np.ndarray] = {}
    seen: dict[int, int] = {}
    keep: list[Any] = []  # keeps walked objects alive so their ids stay unique

    def ref(x: Any) -> int | None:
        return seen.get(id(x))

    def mark(x: Any) -> int:
        seen[id(x)] = len(seen)
        keep.append(x)
        return seen[id(x)]

    def walk(x: Any, path: str) -> Any:
        if isinstance(x, _LEAVES):
            if isinstance(x, float) and not np.isfinite(x):
                return {"__float__": repr(x)}
            return x
        if isinstance(x, np.generic):
            return walk(x.item(), path)
        if isinstance(x, bytes):
            return {"__bytes__": x.hex()}
        r = ref(x)
        if r is not None:
            return {"__ref__": r}
        if isinstance(x, np.ndarray):
            if x.dtype.hasobject or x.dtype.kind not in "biufc":
                raise SnapshotError(f"{path}: cannot save an array of dtype {x.dtype}")
            name = f"a{len(arrays)}"
            arrays[name] = np.array(x)
            return {"__array__": name, "id": mark(x), "ro": not x.flags.writeable}
        if isinstance(x, np.random.Generator):
            return {"__generator__": _plain(x.bit_generator.state), "id": mark(x)}
        if isinstance(x, list):
            i = mark(x)
            return {"__list__": [walk(v, f"{path}[{j}]") for j, v in enumerate(x)], "id": i}
        if isinstance(x, tuple):
            return {"__tuple__": [walk(v, f"{path}[{j}]") for j, v in enumerate(x)]}
        if isinstance(x, collections.deque):
            i = mark(x)
            items = [walk(v, f"{path}[{j}]") for j, v in enumerate(x)]
            return {"__deque__": items, "maxlen": x.maxlen, "id": i}
        if isinstance(x, set | frozenset):
            return {"__set__": [walk(v, f"{path}.<item>") for v in sorted(x, key=repr)]}
        if isinstance(x, dict):
            i = mark(x)
            items = [[walk(k, f"{path}.<key>"), walk(v, f"{path}[{k!r}]")] for k, v in x.items()]
            return {"__dict__": items, "id": i}
        if _walkable(x):
            i = mark(x)
            skip = _excluded(x)
            attrs = {k: walk(v, f"{path}.{k}") for k, v in vars(x).items() if k not in skip}
            return {"__object__": type(x).__qualname__, "attrs": attrs, "id": i}
        return {"__opaque__": type(x).__qualname__}

    return walk(obj, "<root>"), arrays


def _plain(value: Any) -> Any:
    """A bit generator's state as JSON-ready data (arrays become lists, tagged)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return {"__list_array__": value.tolist(), "dtype": str(value.dtype)}
    if isinstance(value, np.generic):
        return value.item()
    return value


def _unplain(value: Any) -> Any:
    if isinstance(value, Mapping):
        if "__list_array__" in value:
            return np.asarray(value["__list_array__"], dtype=np.dtype(str(value["dtype"])))
        return {k: _unplain(v) for k, v in value.items()}
    return value


def restore(obj: Any, tree: Any, arrays: Mapping[str, np.ndarray]) -> Any:
    """Write a :func:`snapshot` back into ``obj``, an object graph built like the saved one.

    Attributes are overwritten in place; objects keep their identity. Returns ``obj``.

    Raises:
        SnapshotError: the snapshot does not fit (another class, a missing array, a value where an
            object was saved, an unknown bit generator), naming the attribute path.
    """
    made: dict[int, Any] = {}

    def fail(path: str, what: str) -> SnapshotError:
        return SnapshotError(f"{path}: {what}")

    def value(node: Any, current: Any, path: str) -> Any:
        """The restored value for ``node`` (``current``: what the fresh build holds there)."""
        if isinstance(node, _LEAVES):
            return node
        if not isinstance(node, Mapping):
            raise fail(path, f"unexpected {type(node).__name__} in the snapshot")
        if "__ref__" in node:
            key = node["__ref__"]
            if not isinstance(key, int) or key not in made:
                raise fail(path, "refers to an object that is not in the snapshot")
            return made[key]
        if "__float__" in node:
            text = node["__float__"]
            if text not in ("nan", "inf", "-inf"):
                raise fail(path, f"not a float: {text!r}")
            return float(text)
        if "__bytes__" in node:
            return bytes.fromhex(str(node["__bytes__"]))
        if "__opaque__" in node:
            return current  # left as built
        if "__array__" in node:
            name = node["__array__"]
            if name not in arrays:
                raise fail(path, f"the array {name!r} is missing")
            arr = np.array(arrays[name])
            if node.get("ro"):
                arr.setflags(write=False)
            made[node["id"]] = arr
            return arr
        if "__generator__" in node:
            state = _unplain(node["__generator__"])
            name = state.get("bit_generator") if isinstance(state, Mapping) else None
            if name not in BIT_GENERATORS:
                raise fail(path, f"unknown bit generator {name!r}")
            gen = current
            if not isinstance(gen, np.random.Generator) or type(gen.bit_generator).__name__ != name:
                gen = np.random.Generator(BIT_GENERATORS[name]())
            try:
                gen.bit_generator.state = state
            except (TypeError, ValueError, KeyError) as exc:
                raise fail(path, f"not a {name} state ({exc})") from None
            made[node["id"]] = gen
            return gen
        if "__tuple__" in node:
            cur = current if isinstance(current, tuple) else ()
            items = node["__tuple__"]
            return tuple(
                value(v, cur[j] if j < len(cur) else None, f"{path}[{j}]")
                for j, v in enumerate(items)
            )
        if "__deque__" in node:
            maxlen = node.get("maxlen")
            if isinstance(current, collections.deque) and current.maxlen == maxlen:
                out_q = current
            else:
                out_q = collections.deque(maxlen=None if maxlen is None else int(maxlen))
            made[node["id"]] = out_q
            items = [value(v, None, f"{path}[{j}]") for j, v in enumerate(node["__deque__"])]
            out_q.clear()
            out_q.extend(items)
            return out_q
        if "__set__" in node:
            items = [value(v, None, f"{path}.<item>") for v in node["__set__"]]
            return frozenset(items) if isinstance(current, frozenset) else set(items)
        if "__list__" in node:
            cur_list: list[Any] = current if isinstance(current, list) else []
            made[node["id"]] = cur_list
            items = [
                value(v, cur_list[j] if j < len(cur_list) else None, f"{path}[{j}]")
                for j, v in enumerate(node["__list__"])
            ]
            cur_list[:] = items
            return cur_list
        if "__dict__" in node:
            cur_dict: dict[Any, Any] = current if isinstance(current, dict) else {}
            made[node["id"]] = cur_dict
            pairs = []
            for k_node, v_node in node["__dict__"]:
                key = value(k_node, None, f"{path}.<key>")
                if isinstance(key, list):
                    raise fail(path, "a dict key cannot be a list")
                pairs.append((key, value(v_node, cur_dict.get(key), f"{path}[{key!r}]")))
            cur_dict.clear()
            cur_dict.update(pairs)
            return cur_dict
        if "__object__" in node:
            if current is None or type(current).__qualname__ != node["__object__"]:
                got = "nothing" if current is None else type(current).__qualname__
                raise fail(path, f"saved a {node['__object__']}, the fresh build has {got}")
            made[node["id"]] = current
            skip = _excluded(current)
            attrs = node["attrs"]
            if not isinstance(attrs, Mapping):
                raise fail(path, "attributes must be a mapping")
            for name, sub in attrs.items():
                if name in skip:
                    continue
                now = current.__dict__.get(name)
                current.__dict__[name] = value(sub, now, f"{path}.{name}")
            return current
        raise fail(path, f"unknown entry {sorted(node)[:3]}")

    try:
        return value(tree, obj, "<root>")
    except (KeyError, TypeError, AttributeError) as exc:
        raise SnapshotError(f"the snapshot is damaged ({type(exc).__name__}: {exc})") from None


def write_snapshot(directory: str | Path, name: str, obj: Any) -> list[Path]:
    """Write :func:`snapshot` of ``obj`` as ``<name>.json`` and ``<name>.npz`` in ``directory``.

    Returns:
        The two files written.
    """
    tree, arrays = snapshot(obj)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    text = json.dumps(tree, allow_nan=False, separators=(",", ":"))
    buf = io.BytesIO()
    savez: Any = np.savez  # the stubs read **arrays as possibly holding allow_pickle
    savez(buf, **arrays)
    files = [directory / f"{name}.json", directory / f"{name}.npz"]
    for path, data in zip(files, (text.encode("utf-8"), buf.getvalue())):
        with open(path, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    return files


def read_snapshot(directory: str | Path, name: str) -> tuple[Any, dict[str, np.ndarray]]:
    """Read ``<name>.json`` and ``<name>.npz`` (no pickle: ``allow_pickle=False``).

    Raises:
        SnapshotError: a missing, truncated or malformed file, naming it.
    """
    directory = Path(directory)
    tree_path, arrays_path = directory / f"{name}.json", directory / f"{name}.npz"
    try:
        tree = json.loads(tree_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SnapshotError(f"{tree_path}: missing") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise SnapshotError(f"{tree_path}: not a snapshot ({exc})") from None
    try:
        with np.load(arrays_path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
    except FileNotFoundError:
        raise SnapshotError(f"{arrays_path}: missing") from None
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise SnapshotError(f"{arrays_path}: not an array archive ({exc})") from None
    return tree, arrays
