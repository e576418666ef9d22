"""The run directory: atomic files, ``metrics.csv``, TensorBoard events, checkpoints, summary.

Layout of ``runs/<name>/`` (one experiment)::

    config.yaml        the resolved configuration (overrides applied; the run's identity)
    metrics.csv        one row per evaluation: ``step`` then every metric, full float precision
    tb/                TensorBoard events (``eval/<metric>`` scalars against steps)
    plots/*.png        one figure per metric group against steps
    summary.json       final metrics (= the last metrics.csv row), wall time, status
    checkpoints/       ``step_<N>/`` state at evaluation boundaries and ``latest.json``

Every file is written atomically (temporary file in the same directory, ``fsync``, ``os.replace``),
so a process killed at any instant leaves either the old or the new version. A checkpoint is a
directory renamed into place, then published by rewriting ``latest.json``: a resumed run restarts
from the newest *published* checkpoint and first truncates ``metrics.csv`` to the rows up to that
step, so no row is lost or duplicated (the rows after it are recomputed identically).
"""

from __future__ import annotations

import contextlib
import csv
import errno
import io
import json
import math
import os
import re
import shutil
import tempfile
import time
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

#: File names inside a run directory.
CONFIG = "config.yaml"
METRICS = "metrics.csv"
SUMMARY = "summary.json"
TB_DIR = "tb"
PLOTS_DIR = "plots"
CHECKPOINTS_DIR = "checkpoints"
LATEST = "latest.json"


# ------------------------------------------------------------------------------ atomic writes
def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temp file in the same directory + ``os.replace``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    atomic_write_bytes(path, text.encode("utf-8"))


def _json_default(obj: Any) -> Any:
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if hasattr(obj, "item"):
        return obj.item()
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def _clean_json(value: Any) -> Any:
    """Replace non-finite floats with ``None`` (JSON has no NaN)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {str(k): _clean_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean_json(v) for v in value]
    return value


def atomic_write_json(path: str | Path, data: Any) -> None:
    """Write ``data`` as indented JSON atomically (NaN/inf become ``null``)."""
    text = json.dumps(_clean_json(data), indent=2, default=_json_default, allow_nan=False)
    atomic_write_text(path, text + "\n")


def read_json(path: str | Path) -> dict[str, Any]:
    """A JSON object from a run directory's file.

    Raises:
        RunDirError: not UTF-8, not JSON or not an object, naming the file.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise RunDirError(f"{path}: not a valid JSON file ({exc})") from None
    if not isinstance(data, dict):
        raise RunDirError(f"{path}: expected a JSON object, got {type(data).__name__}")
    return data


# ---------------------------------------------------------------------------------- metrics.csv
def format_value(value: Any) -> str:
    """A CSV cell: floats with ``repr`` (round-trips exactly), empty for missing/NaN."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    v = float(value)
    return "" if math.isnan(v) else repr(v)


def parse_value(text: str) -> float:
    """Inverse of :func:`format_value` (empty → NaN)."""
    return float(text) if text != "" else math.nan


class MetricsTable:
    """The rows of ``metrics.csv`` in memory, rewritten atomically on every append.

    Columns are ``step`` followed by metric names in first-seen order; a row lacking a column
    leaves the cell empty.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.columns: list[str] = ["step"]
        self.rows: list[dict[str, float]] = []

    @classmethod
    def load(cls, path: str | Path) -> MetricsTable:
        """Read an existing ``metrics.csv`` (an absent file gives an empty table)."""
        table = cls(path)
        if not table.path.exists():
            return table
        try:
            text = table.path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise RunDirError(f"{table.path}: not UTF-8 text ({exc.reason})") from None
        with io.StringIO(text, newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if header is None:
                return table
            if not header or header[0] != "step":
                raise RunDirError(
                    f"{table.path}: the first column must be 'step', got {header[:1]}"
                )
            table.columns = header
            for line in reader:
                if len(line) != len(header):
                    raise RunDirError(
                        f"{table.path}: a row has {len(line)} cells, expected {len(header)}"
                    )
                try:
                    row = {c: parse_value(v) for c, v in zip(header, line)}
                    row["step"] = int(row["step"])
                except (ValueError, OverflowError):
                    raise RunDirError(
                        f"{table.path}: a row holds a cell that is no number"
                    ) from None
                table.rows.append(row)
        return table

    @property
    def steps(self) -> list[int]:
        """The ``step`` of every row."""
        return [int(r["step"]) for r in self.rows]

    def append(self, step: int, metrics: Mapping[str, float]) -> None:
        """Add a row (steps must increase) and rewrite the file atomically."""
        if self.rows and step <= self.rows[-1]["step"]:
            raise ValueError(f"metrics row for step {step} after step {self.rows[-1]['step']}")
        row: dict[str, float] = {"step": int(step)}
        for key, value in metrics.items():
            if key == "step":
                continue
            if key not in self.columns:
                self.columns.append(key)
            row[key] = float(value)
        self.rows.append(row)
        self.write()

    def truncate(self, max_step: int) -> int:
        """Drop rows with ``step > max_step``; returns how many were dropped (file rewritten)."""
        keep = [r for r in self.rows if r["step"] <= max_step]
        dropped = len(self.rows) - len(keep)
        self.rows = keep
        if dropped:
            self.write()
        return dropped

    def write(self) -> None:
        """Rewrite ``metrics.csv`` atomically."""
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(self.columns)
        for row in self.rows:
            writer.writerow([format_value(row.get(c)) for c in self.columns])
        atomic_write_text(self.path, buf.getvalue())

    def column(self, name: str) -> list[float]:
        """One column's values (NaN where a row lacks it)."""
        return [float(r.get(name, math.nan)) for r in self.rows]

    def last(self) -> dict[str, float]:
        """The last row (empty dict without rows)."""
        return dict(self.rows[-1]) if self.rows else {}


def read_metrics(path: str | Path) -> tuple[list[str], dict[str, list[float]]]:
    """``metrics.csv`` as (columns, column name → values)."""
    table = MetricsTable.load(path)
    return table.columns, {c: table.column(c) for c in table.columns}


# ---------------------------------------------------------------------------------- checkpoints
class Checkpoint(NamedTuple):
    """A published checkpoint: its step, its directory and the metadata in ``latest.json``."""

    step: int
    path: Path
    meta: dict[str, Any]


class Checkpoints:
    """Checkpoint directories ``checkpoints/step_<N>/`` published through ``latest.json``.

    Args:
        root: the ``checkpoints`` directory.
        keep: how many published checkpoints to keep (older ones are deleted).
    """

    def __init__(self, root: str | Path, keep: int = 2) -> None:
        self.root = Path(root)
        self.keep = keep

    def staging(self, step: int) -> Path:
        """A fresh temporary directory to write checkpoint ``step`` into."""
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / f".tmp-step_{step:012d}"
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir()
        return tmp

    def publish(self, step: int, staging: Path, meta: Mapping[str, Any] | None = None) -> Path:
        """Rename ``staging`` into place and point ``latest.json`` at it (then prune old ones)."""
        final = self.root / f"step_{step:012d}"
        if final.exists():
            shutil.rmtree(final)
        _fsync_dir(staging)
        os.replace(staging, final)
        _fsync_dir(self.root)
        atomic_write_json(
            self.root / LATEST, {"step": int(step), "dir": final.name, **dict(meta or {})}
        )
        self._prune(final.name)
        return final

    def latest(self) -> Checkpoint | None:
        """(step, directory, metadata) of the newest published checkpoint, or ``None``."""
        pointer = self.root / LATEST
        if not pointer.exists():
            return None
        meta = read_json(pointer)
        name, step = meta.get("dir"), meta.get("step")
        if not isinstance(name, str) or not re.fullmatch(r"step_\d{12}", name):
            raise RunDirError(f"{pointer}: 'dir' must name a step_<N> directory, got {name!r}")
        if not isinstance(step, int) or isinstance(step, bool) or name != f"step_{step:012d}":
            raise RunDirError(f"{pointer}: 'step' {step!r} does not match 'dir' {name!r}")
        path = self.root / name
        if not path.is_dir():
            raise RunDirError(f"{pointer} names {name}, which does not exist")
        return Checkpoint(step, path, meta)

    def _prune(self, newest: str) -> None:
        done = sorted(p for p in self.root.glob("step_*") if p.is_dir())
        for old in done[: max(0, len(done) - self.keep)]:
            if old.name != newest:
                shutil.rmtree(old, ignore_errors=True)
        for tmp in self.root.glob(".tmp-step_*"):
            shutil.rmtree(tmp, ignore_errors=True)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# -------------------------------------------------------------------------------- run directory
class RunDir:
    """Paths of one run directory."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    @property
    def config(self) -> Path:
        """``config.yaml``."""
        return self.path / CONFIG

    @property
    def metrics(self) -> Path:
        """``metrics.csv``."""
        return self.path / METRICS

    @property
    def summary(self) -> Path:
        """``summary.json``."""
        return self.path / SUMMARY

    @property
    def tb(self) -> Path:
        """The TensorBoard event directory."""
        return self.path / TB_DIR

    @property
    def plots(self) -> Path:
        """The PNG directory."""
        return self.path / PLOTS_DIR

    @property
    def checkpoints(self) -> Checkpoints:
        """The checkpoint store."""
        return Checkpoints(self.path / CHECKPOINTS_DIR)

    def exists(self) -> bool:
        """Whether anything of a run is here already."""
        return self.config.exists() or self.metrics.exists()

    def clear(self) -> None:
        """Delete the run's files (for ``--overwrite``)."""
        for name in (CONFIG, METRICS, SUMMARY):
            with contextlib.suppress(FileNotFoundError):
                (self.path / name).unlink()
        for name in (TB_DIR, PLOTS_DIR, CHECKPOINTS_DIR):
            shutil.rmtree(self.path / name, ignore_errors=True)


LOCK = ".lock"
#: Seconds a run waits for another process's lock on its directory before giving up.
LOCK_WAIT = 10.0


class RunDirError(ValueError):
    """A run directory that cannot be used as it is: inconsistent, damaged, of another format, or
    holding something other than data. The message names the file."""


class RunDirBusy(RuntimeError):
    """Another live process holds the run directory's lock."""


class RunLock:
    """An exclusive lock on a run directory while a process writes it (``fcntl.flock`` on
    ``<dir>/.lock``, which holds the owner's pid). The operating system drops the lock when its
    holder dies, so a killed run never leaves a stale lock; a second writer waits up to ``wait``
    seconds (a killed parent's workers take a moment to exit) and then fails with the holder's pid.
    Where ``fcntl`` does not exist (Windows) the lock is a no-op.

    Args:
        path: the run directory (created).
        wait: seconds to wait for a held lock (default :data:`LOCK_WAIT`).
    """

    def __init__(self, path: str | Path, wait: float | None = None) -> None:
        self.path = Path(path)
        self.wait = float(LOCK_WAIT if wait is None else wait)
        self._file: Any = None

    def __enter__(self) -> RunLock:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX
            return self
        self.path.mkdir(parents=True, exist_ok=True)
        f = open(self.path / LOCK, "a+")  # noqa: SIM115 - held until __exit__
        deadline = time.monotonic() + self.wait
        while True:
            try:
                fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    # the filesystem cannot lock (ENOLCK, EOPNOTSUPP on some network mounts)
                    warnings.warn(
                        f"{self.path}: cannot lock the run directory ({exc}); make sure no other "
                        "process writes it",
                        RuntimeWarning,
                        stacklevel=2,
                    )
                    break
                if time.monotonic() > deadline:
                    f.seek(0)
                    holder = f.read().strip() or "?"
                    f.close()
                    raise RunDirBusy(
                        f"{self.path} is being written by another process (pid {holder}); wait "
                        "for it to finish or stop it"
                    ) from None
                time.sleep(0.1)
        f.seek(0)
        f.truncate()
        f.write(f"{os.getpid()}\n")
        f.flush()
        self._file = f
        return self

    def __exit__(self, *exc: object) -> None:
        if self._file is not None:
            self._file.close()  # closing the descriptor releases the lock
            self._file = None


def exit_with_parent(parent_pid: int) -> None:
    """Process-pool initializer: end this worker as soon as ``parent_pid`` is gone.

    A worker of a killed ``powergames train``/``sweep`` must not go on writing the run directory a
    ``--resume`` will continue. On Linux the kernel kills the worker with its parent
    (``PR_SET_PDEATHSIG``); everywhere a daemon thread also polls the parent's pid.
    """
    import multiprocessing
    import multiprocessing.connection
    import signal
    import threading

    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG

    parent = multiprocessing.parent_process()
    if parent is not None:  # a multiprocessing child: its parent's sentinel becomes ready at exit

        def watch() -> None:  # (on Windows too, where getppid() keeps a dead parent's pid)
            multiprocessing.connection.wait([parent.sentinel])
            os._exit(1)

    else:

        def watch() -> None:
            while os.getppid() == parent_pid:
                time.sleep(0.2)
            os._exit(1)

    if os.getppid() != parent_pid:  # the parent died before the kernel hook was set
        os._exit(1)
    threading.Thread(target=watch, daemon=True, name="exit-with-parent").start()


def find_runs(path: str | Path) -> list[Path]:
    """The experiment run directories at or under ``path`` (those holding a ``config.yaml``
    and a ``metrics.csv``), sorted; ``path`` itself if it is one."""
    path = Path(path)
    if (path / METRICS).exists():
        return [path]
    return sorted(p.parent for p in path.rglob(METRICS))


def iter_columns(columns: Iterable[str], prefix: str) -> list[str]:
    """The columns starting with ``prefix``."""
    return [c for c in columns if c.startswith(prefix)]
