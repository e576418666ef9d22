"""The run logger and its output writers, in Stable-Baselines3's style (``common/logger.py``).

:class:`RunLogger` has SB3's ``record`` / ``dump`` interface (evaluator callbacks write to it as they
would to a model's logger); each :meth:`RunLogger.dump` hands the recorded row to every
:class:`OutputWriter`: ``metrics.csv`` (:class:`CSVWriter`, the run's record, always on),
TensorBoard events (:class:`TensorBoardWriter`), JSON lines (:class:`JSONLinesWriter`,
``metrics.jsonl``) and the progress bar (:class:`ProgressWriter`). A new output format is one
subclass of :class:`OutputWriter` (``write(step, row)``, ``close()``) and one entry in
:data:`FORMATS`.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from powergames.training.rundir import MetricsTable, RunDir, atomic_write_text


class OutputWriter:
    """One output format of the run logger (SB3's ``KVWriter``)."""

    #: The format's name in ``run_experiment(formats=...)``.
    name = "writer"

    def write(self, step: int, row: Mapping[str, float]) -> None:  # pragma: no cover - abstract
        """Write the metrics of one evaluation at ``step``."""
        raise NotImplementedError

    def close(self) -> None:
        """Flush and release the output."""


class RunLogger:
    """SB3-style logger (``record`` / ``dump``) writing each dumped row to its output writers.

    Keys recorded as ``eval/<metric>`` become the ``<metric>`` column.

    Args:
        writers: the outputs, written in this order at every :meth:`dump`.
    """

    def __init__(self, writers: list[OutputWriter]) -> None:
        self.writers = list(writers)
        self._pending: dict[str, float] = {}

    def record(self, key: str, value: Any, exclude: Any = None) -> None:
        """Remember ``value`` under ``key`` until the next :meth:`dump`."""
        self._pending[key.removeprefix("eval/")] = float(value)

    def record_mean(self, key: str, value: Any, exclude: Any = None) -> None:
        """Same as :meth:`record` (evaluations are single values)."""
        self.record(key, value, exclude)

    def dump(self, step: int = 0) -> None:
        """Write the recorded values as the row of ``step`` to every writer."""
        row, self._pending = self._pending, {}
        if not row:
            return
        for writer in self.writers:
            writer.write(step, row)

    def close(self) -> None:
        """Close every writer."""
        for writer in self.writers:
            writer.close()


class CSVWriter(OutputWriter):
    """``metrics.csv``: one row per evaluation, rewritten atomically on every append.

    Args:
        table: the run's table (loaded and truncated to the checkpoint on resume).
    """

    name = "csv"

    def __init__(self, table: MetricsTable) -> None:
        self.table = table

    def write(self, step: int, row: Mapping[str, float]) -> None:
        self.table.append(step, row)


class JSONLinesWriter(OutputWriter):
    """``metrics.jsonl``: one JSON object per evaluation (``{"step": …, "<metric>": …}``; NaN and
    infinities as ``null``), rewritten atomically on every append.

    Args:
        path: the file.
        resume_step: on resume, the checkpoint's step: lines after it are dropped (they are
            recomputed); ``None`` starts a new file.
    """

    name = "jsonl"

    def __init__(self, path: str | Path, resume_step: int | None = None) -> None:
        self.path = Path(path)
        self.lines: list[str] = []
        if resume_step is not None and self.path.exists():
            for n, line in enumerate(self.path.read_text(encoding="utf-8").splitlines()):
                try:
                    step = json.loads(line)["step"]
                except (ValueError, KeyError, TypeError):
                    raise ValueError(f"{self.path}: line {n + 1} is not a metrics row") from None
                if int(step) <= resume_step:
                    self.lines.append(line)

    def write(self, step: int, row: Mapping[str, float]) -> None:
        clean = {k: (v if math.isfinite(v) else None) for k, v in row.items()}
        self.lines.append(json.dumps({"step": int(step), **clean}, allow_nan=False))
        atomic_write_text(self.path, "\n".join(self.lines) + "\n")


class ProgressWriter(OutputWriter):
    """Shows a few key metrics of each evaluation on the progress bar."""

    name = "progress"

    def __init__(self, progress: Progress) -> None:
        self.progress = progress

    def write(self, step: int, row: Mapping[str, float]) -> None:
        self.progress.note(headline(row))


class TensorBoardWriter(OutputWriter):
    """Scalars to TensorBoard under ``eval/<metric>`` (the ``tb/`` directory).

    With :meth:`set_labels`, a metric's coalition and player segments (``c<j>``, ``p<i>``) are
    shown as the agents' labels (``eval/share/PPO minority/mean``); ``metrics.csv`` keeps the keys.
    SB3 learners' own diagnostics (``rollout/ep_rew_mean``, ``train/*`` losses and entropy) arrive
    through :meth:`write_tags` under ``sb3/<agent label>/...``.

    Args:
        log_dir: the event directory.
        purge_step: on resume, the first step after the checkpoint: events a killed process wrote at
            or after it are discarded by TensorBoard, so each step appears once.
    """

    name = "tensorboard"

    def __init__(
        self, log_dir: str | Path, purge_step: int | None = None, max_queue: int = 10
    ) -> None:
        from torch.utils.tensorboard import SummaryWriter

        _wait_for_later_second(Path(log_dir))
        self._writer = SummaryWriter(
            log_dir=str(log_dir), purge_step=purge_step, max_queue=max_queue
        )
        self._coalitions: list[str] = []
        self._players: list[str] = []

    def set_labels(self, coalitions: Sequence[str], players: Sequence[str]) -> None:
        """Show ``c<j>`` as ``coalitions[j]`` and ``p<i>`` as ``players[i]`` in tags."""
        self._coalitions = [tag_safe(s) for s in coalitions]
        self._players = [tag_safe(s) for s in players]

    def tag(self, key: str) -> str:
        """The TensorBoard tag of a metric key (``eval/`` and the labelled segments)."""
        parts = []
        for part in key.split("/"):
            m = re.fullmatch(r"([cp])(\d+)", part)
            names = None if m is None else (self._coalitions if m[1] == "c" else self._players)
            parts.append(names[int(m[2])] if names and m and int(m[2]) < len(names) else part)
        return "eval/" + "/".join(parts)

    def write(self, step: int, metrics: Mapping[str, float]) -> None:
        """Add one scalar per metric at ``step`` and flush."""
        for key, value in metrics.items():
            if value is not None and math.isfinite(float(value)):
                self._writer.add_scalar(self.tag(key), float(value), global_step=int(step))
        self._writer.flush()

    def write_rows(self, rows: Sequence[tuple[int, Mapping[str, float]]]) -> None:
        """:meth:`write` for several evaluations, flushed once."""
        for step, metrics in rows:
            for key, value in metrics.items():
                if value is not None and math.isfinite(float(value)):
                    self._writer.add_scalar(self.tag(key), float(value), global_step=int(step))
        self._writer.flush()

    def write_tags(self, step: int, scalars: Mapping[str, float]) -> None:
        """Add scalars under their own tags (finite numbers only) at ``step``."""
        for tag, value in scalars.items():
            if math.isfinite(value):
                self._writer.add_scalar(tag, value, global_step=int(step))

    def close(self) -> None:
        """Flush and close the event file."""
        self._writer.close()


def tag_safe(label: str) -> str:
    """A label as one TensorBoard tag segment (``/`` would open a group)."""
    return label.replace("/", "-").strip() or "agent"


def _wait_for_later_second(log_dir: Path) -> None:
    """Make a new event file sort after the existing ones.

    Event files are read in name order, ``events.out.tfevents.<unix second>.<host>.<pid>…``: a file
    created in the same second as an earlier one (a resume right after a kill) could sort first
    by process id, and TensorBoard would then read the old steps after the new ones.
    """
    newest = -1
    for f in log_dir.glob("events.out.tfevents.*"):
        with contextlib.suppress(IndexError, ValueError):
            newest = max(newest, int(f.name.split(".")[3]))
    while int(time.time()) <= newest:
        time.sleep(0.05)


def read_tensorboard(log_dir: str | Path) -> dict[str, list[tuple[int, float]]]:
    """The scalars in an event directory: tag → [(step, value)] (TensorBoard's purge applied)."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(log_dir), size_guidance={"scalars": 0})
    acc.Reload()
    return {tag: [(e.step, e.value) for e in acc.Scalars(tag)] for tag in acc.Tags()["scalars"]}


#: Optional output formats: name → ``factory(run_dir, resume_step) -> OutputWriter``
#: (``metrics.csv`` is always written; TensorBoard is on by default).
FORMATS: dict[str, Callable[[RunDir, int | None], OutputWriter]] = {
    "tensorboard": lambda rd, resume: TensorBoardWriter(
        rd.tb, purge_step=None if resume is None else resume + 1
    ),
    "jsonl": lambda rd, resume: JSONLinesWriter(rd.path / "metrics.jsonl", resume),
}


# ------------------------------------------------------------------------------------ progress


class Progress:
    """A tqdm bar over environment steps (disabled when quiet or not on a terminal)."""

    def __init__(self, total: int, initial: int, desc: str, enabled: bool) -> None:
        self.bar = None
        if enabled:
            import shutil

            from tqdm.auto import tqdm

            width = min(shutil.get_terminal_size((100, 24)).columns, 120)
            self.bar = tqdm(
                total=total, initial=initial, desc=desc, unit="step", ncols=width, leave=True
            )
        self._pending = 0

    def advance(self, n: int = 1) -> None:
        if self.bar is None:
            return
        self._pending += n
        if self._pending >= 256:
            self.bar.update(self._pending)
            self._pending = 0

    def note(self, metrics: Mapping[str, Any]) -> None:
        if self.bar is None:
            return
        self.bar.update(self._pending)
        self._pending = 0
        self.bar.set_postfix(metrics, refresh=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.update(self._pending)
            self.bar.close()


def headline(metrics: Mapping[str, float]) -> dict[str, str]:
    """A few key metrics for the progress bar."""
    out = {}
    for key in ("share/c0/mean", "share/c1/mean", "power/sum_minus_c", "power_avg/nash_conv"):
        if key in metrics:
            out[key.replace("share/", "").replace("/mean", "")] = f"{metrics[key]:.3f}"
    return out
