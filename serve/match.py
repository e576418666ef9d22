"""Matches: runs of an experiment config whose ``kind: remote`` seats are played by clients.

A :class:`Match` is a run like any other: its thread calls
:func:`powergames.training.run_experiment` on the config, so the run directory holds the same
``config.yaml``, ``metrics.csv`` (evaluators: empirical shares with CIs, POWER, NashConv of every
agent's strategy — the remote seats' empirical strategies, see :mod:`powergames.serve.seats`),
``summary.json``, plots, TensorBoard scalars and checkpoints as ``powergames train`` writes, and
resumes the same way. Two files are added:

``match.json``
    the match id and, per remote seat, the SHA-256 of its token and the joining client's name
    (never the token itself), so a restarted server accepts the same clients;
``remote_actions.jsonl``
    one line per remote action: ``step``, ``seat``, ``action``, ``source`` (``client``,
    ``timeout``, ``forfeit``), ``ms`` (time from the question to the answer) and the client's
    ``meta`` (a language-model agent's attempts, fallback flag and reply). On resume it is cut
    back to the checkpoint's step, so every step is recorded exactly once.

Within a step, the loop asks the agents in config order; each remote seat is asked when its turn
comes (its observation is published, ``status: act``) and has ``deadline`` seconds from then. On a
timeout, ``on_timeout: default`` plays ``default_action`` for that step and the seat keeps its
token; ``forfeit`` revokes the token and plays ``default_action`` for the rest of the match. A
client that disconnects mid-step is a client that does not answer. The match starts once every
remote seat has been joined.

Longer than the package's usual ~500 lines: a seat's channel (the question/answer hand-off between
the match thread and the event loop), the match that drives it and the manager that owns the
matches share one locking discipline, which reads best in one file.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from powergames.serve import seats as _seats
from powergames.serve.protocol import (
    PROTOCOL,
    ActMeta,
    MatchInfo,
    MatchResult,
    RemoteSeatRecord,
    SeatInfo,
    SeatObservation,
    WatchUpdate,
)
from powergames.training.config import ConfigError, ExperimentConfig, build_suite
from powergames.training.rundir import MetricsTable, RunDir, atomic_write_json, atomic_write_text

__all__ = ["Match", "MatchError", "MatchManager", "Signal"]

MATCH_FILE = "match.json"
JOURNAL = "remote_actions.jsonl"


class MatchError(Exception):
    """A refused request; ``status`` is the HTTP status, ``code`` the protocol error code."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class Signal:
    """A version counter that threads bump and asyncio tasks await (any event loop)."""

    def __init__(self) -> None:
        self.version = 0
        self._lock = threading.Lock()
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []

    def fire(self) -> None:
        with self._lock:
            self.version += 1
            waiters, self._waiters = self._waiters, []
        for loop, fut in waiters:
            try:
                loop.call_soon_threadsafe(_resolve, fut)
            except RuntimeError:  # the loop is closed
                pass

    async def wait(self, seen: int, timeout: float) -> int:
        """Wait until the version differs from ``seen`` (or ``timeout`` s); returns the version."""
        loop = asyncio.get_running_loop()
        with self._lock:
            if self.version != seen:
                return self.version
            fut: asyncio.Future[None] = loop.create_future()
            self._waiters.append((loop, fut))
        try:
            await asyncio.wait_for(fut, timeout)
        except (asyncio.TimeoutError, TimeoutError):
            with self._lock:
                self._waiters = [(lp, f) for lp, f in self._waiters if f is not fut]
        return self.version


def _resolve(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_result(None)


class SeatChannel:
    """The mailbox between a match's loop and the client of one remote seat."""

    def __init__(self, match: Match, index: int, agent: str, params: Mapping[str, Any]) -> None:
        self.match = match
        self.index = index
        self.agent = agent
        self.deadline = float(params.get("deadline", 30.0))
        self.on_timeout = str(params.get("on_timeout", "default"))
        self.default_action = int(params.get("default_action", 0))
        self.token_sha: str | None = None
        self.name: str | None = None
        self.forfeited = False
        self.cond = threading.Condition()
        self.signal = Signal()
        self.step: int | None = None  # the step asked for, None when not asked
        self.observation: list[float] | None = None
        self.asked_at = 0.0
        self.answer: tuple[int, ActMeta | None] | None = None
        self.last_reward: float | None = None
        self.n_actions = 0
        self.n_types = 1
        self.layout: dict[str, slice] = {}
        self.counts = {"client": 0, "timeout": 0, "forfeit": 0, "fallback": 0}

    # ------------------------------------------------------------------ auth
    @property
    def joined(self) -> bool:
        return self.token_sha is not None or self.forfeited

    def check_token(self, token: str | None) -> None:
        """Raises :class:`MatchError` unless ``token`` is this seat's (constant-time compare)."""
        if not token:
            raise MatchError(
                401, "unauthorized", "send the seat's token: Authorization: Bearer <token>"
            )
        if self.forfeited:
            raise MatchError(
                403, "forbidden", f"seat {self.index} was forfeited (it missed a deadline)"
            )
        expected = self.token_sha or ""
        if not hmac.compare_digest(_hash(token), expected) or not expected:
            raise MatchError(
                403,
                "forbidden",
                f"this token is not the token of seat {self.index} of match {self.match.id}",
            )

    # ------------------------------------------------------------------ loop side
    def ask(self, step: int, observation: Any) -> tuple[int, str, float, ActMeta | None]:
        """Publish the observation of ``step`` and wait for the answer or the deadline."""
        if self.forfeited:
            return self.default_action, "forfeit", 0.0, None
        with self.cond:
            self.step = step
            self.observation = [float(x) for x in np.asarray(observation).reshape(-1)]
            self.answer = None
            self.asked_at = time.monotonic()
            end = self.asked_at + self.deadline
        self.signal.fire()
        with self.cond:
            while self.answer is None and not self.match.stopping:
                left = end - time.monotonic()
                if left <= 0:
                    break
                self.cond.wait(left)
            answer, self.answer, self.step = self.answer, None, None
            ms = (time.monotonic() - self.asked_at) * 1000.0
        if self.match.stopping and answer is None:
            raise _Stopped()
        if answer is None:
            if self.on_timeout == "forfeit":
                self.forfeited = True
                self.token_sha = None
                self.match.save_seats()
            self.signal.fire()
            return self.default_action, "timeout", ms, None
        self.signal.fire()
        return answer[0], "client", ms, answer[1]

    # ------------------------------------------------------------------ client side
    def submit(self, step: int, action: int, meta: ActMeta | None) -> None:
        with self.cond:
            if self.step is None:
                raise MatchError(
                    409, "conflict", f"seat {self.index} is not asked for an action now"
                )
            if step != self.step:
                raise MatchError(
                    409,
                    "conflict",
                    f"step {step} is not the step seat {self.index} is asked for ({self.step})",
                )
            if self.answer is not None:
                raise MatchError(409, "conflict", f"seat {self.index} already acted at step {step}")
            if not 0 <= action < self.n_actions:
                raise MatchError(
                    422,
                    "invalid",
                    f"action: must be an integer in [0, {self.n_actions}), got {action}",
                )
            self.answer = (action, meta)
            self.cond.notify_all()

    def observation_message(self) -> SeatObservation:
        status = self.match.status
        with self.cond:
            asked = self.step is not None and self.answer is None
            obs = self.observation
            step = self.step if asked else self.match.steps_done
            left = max(0.0, self.asked_at + self.deadline - time.monotonic()) if asked else None
        fields: dict[str, Any] = {}
        if obs is not None:
            vec = np.asarray(obs)
            if "round" in self.layout:
                fields["round"] = int(
                    round(float(vec[self.layout["round"]][0]) * self.match.max_cycles)
                )
            if "type" in self.layout:
                fields["type_index"] = int(np.argmax(vec[self.layout["type"]]))
        return SeatObservation(
            match_id=self.match.id,
            seat=self.index,
            agent=self.agent,
            status="finished"
            if status in ("finished", "failed")
            else ("act" if asked else "waiting"),
            step=int(step or 0),
            n_types=self.n_types,
            observation=obs,
            layout={k: [s.start, s.stop] for k, s in self.layout.items()},
            legal_actions=list(range(self.n_actions)),
            last_reward=self.last_reward,
            deadline_s=left,
            on_timeout=self.on_timeout,  # type: ignore[arg-type]
            default_action=self.default_action,
            **fields,
        )

    def record(self) -> RemoteSeatRecord:
        return RemoteSeatRecord(
            seat=self.index,
            agent=self.agent,
            actions=self.counts["client"],
            timeouts=self.counts["timeout"] + self.counts["forfeit"],
            fallbacks=self.counts["fallback"],
            forfeited=self.forfeited,
        )


class _Stopped(Exception):
    """The server is shutting down: the match thread leaves without recording the step."""


class Match:
    """One hosted run (see the module docstring).

    Args:
        match_id: its id (the run directory's name).
        exp: the experiment; its ``remote`` agents are the open seats.
        run_dir: the run directory.
        resume: continue a run found in ``run_dir`` from its last checkpoint.
    """

    def __init__(
        self, match_id: str, exp: ExperimentConfig, run_dir: Path, resume: bool = False
    ) -> None:
        self.id = match_id
        self.exp = exp
        self.rd = RunDir(run_dir)
        self.resume = resume
        self.status = "waiting_for_players"
        self.finished_at: float | None = None
        self.error: str | None = None
        self.stopping = False
        self.steps_done = 0
        self.max_cycles = 1
        self.last_joint_action: list[int] | None = None
        self.public_history = False
        self.signal = Signal()  # fired on every step and status change (the watch stream)
        self._lock = threading.Lock()
        self._journal_fh: Any = None
        self._next_step: dict[int, int] = {}
        self._all_joined = threading.Event()
        self.thread: threading.Thread | None = None
        self.infos = self._describe()
        self.channels = {
            i: SeatChannel(self, i, self.infos[i].agent, a.params)
            for i, a in enumerate(exp.agents)
            if a.kind == _seats.REMOTE_KIND
        }
        self._init_channels()
        self._load_seats()

    # ----------------------------------------------------------------- building
    def _describe(self) -> list[SeatInfo]:
        from powergames.training.build import build_env

        env, _coalitions = build_env(self.exp)
        self._env = env
        self.max_cycles = int(getattr(env, "max_cycles", 1) or 1)
        names = list(env.possible_agents)
        out = []
        for i, a in enumerate(self.exp.agents):
            seats = sorted(a.seats)
            agent = names[seats[0]]
            if hasattr(env, "members"):
                agent = next(n for n in names if list(env.members(n)) == seats)
            out.append(SeatInfo(seat=i, agent=agent, players=seats, kind=a.kind, name=a.name))
        layout = env.observation_layout(names[0]) if hasattr(env, "observation_layout") else {}
        self.public_history = "prev_actions" in layout  # every agent sees the joint action
        return out

    def _init_channels(self) -> None:
        env = self._env
        from powergames.envs import n_types_of

        for i, ch in self.channels.items():
            space = env.action_space(ch.agent)
            if not hasattr(space, "n"):
                raise ConfigError(f"agents[{i}]: a remote seat needs a Discrete action space")
            ch.n_actions = int(space.n)
            ch.n_types = int(n_types_of(env, ch.agent))
            if hasattr(env, "observation_layout"):
                ch.layout = dict(env.observation_layout(ch.agent))

    # ----------------------------------------------------------------- seats
    def _load_seats(self) -> None:
        path = self.rd.path / MATCH_FILE
        if not path.exists():
            return
        data = json.loads(path.read_text())
        if data.get("match_id") != self.id:
            raise ConfigError(f"{path}: holds match {data.get('match_id')!r}, not {self.id!r}")
        for key, seat in data.get("seats", {}).items():
            ch = self.channels.get(int(key))
            if ch is None:
                raise ConfigError(f"{path}: seat {key} is not a remote seat of this config")
            ch.token_sha = seat.get("token_sha256")
            ch.name = seat.get("name")
            ch.forfeited = bool(seat.get("forfeited", False))
        self._check_joined()

    def save_seats(self) -> None:
        """Write ``match.json`` atomically (token hashes, names, forfeits)."""
        self.rd.path.mkdir(parents=True, exist_ok=True)
        seats = {
            str(i): {
                "agent": ch.agent,
                "token_sha256": ch.token_sha,
                "name": ch.name,
                "forfeited": ch.forfeited,
            }
            for i, ch in self.channels.items()
            if ch.joined
        }
        atomic_write_json(
            self.rd.path / MATCH_FILE, {"protocol": PROTOCOL, "match_id": self.id, "seats": seats}
        )

    def join(self, seat: int | None, name: str | None) -> tuple[SeatChannel, str]:
        """Give the seat (the first open one by default) to a client; returns its token once."""
        with self._lock:
            if seat is None:
                open_ = [i for i, ch in self.channels.items() if not ch.joined]
                if not open_:
                    raise MatchError(409, "conflict", f"match {self.id} has no open remote seat")
                seat = open_[0]
            ch = self.channels.get(seat)
            if ch is None:
                raise MatchError(
                    404,
                    "not_found",
                    f"seat {seat} of match {self.id} is not a remote seat (remote: {sorted(self.channels)})",
                )
            if ch.joined:
                raise MatchError(409, "conflict", f"seat {seat} of match {self.id} is taken")
            token = secrets.token_urlsafe(32)
            ch.token_sha = _hash(token)
            ch.name = name
            self.save_seats()
        self._check_joined()
        self.signal.fire()
        return ch, token

    def _check_joined(self) -> None:
        if all(ch.joined for ch in self.channels.values()):
            self._all_joined.set()

    def channel(self, seat: int, token: str | None) -> SeatChannel:
        ch = self.channels.get(seat)
        if ch is None:
            raise MatchError(404, "not_found", f"match {self.id} has no remote seat {seat}")
        ch.check_token(token)
        return ch

    # ----------------------------------------------------------------- the loop
    def start(self) -> None:
        self.thread = threading.Thread(target=self._run, name=f"match-{self.id}", daemon=True)
        self.thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the loop (server shutdown): the run stays resumable from its last checkpoint."""
        self.stopping = True
        self._all_joined.set()
        for ch in self.channels.values():
            with ch.cond:
                ch.cond.notify_all()
        if self.thread is not None:
            self.thread.join(timeout)

    def _run(self) -> None:
        from powergames.training.experiment import run_experiment

        self._all_joined.wait()
        if self.stopping:
            return
        try:
            start = self._prepare_journal()
            self._next_step = dict.fromkeys(self.channels, start)
            self.steps_done = start
            self._set_status("running")
            _seats.bind_match(self)
            run_experiment(
                self.exp, self.rd.path, resume=self.resume, progress=False, quiet=True, plots=True
            )
            self._set_status("finished")
        except _Stopped:
            return
        except Exception as exc:  # the match fails, the server goes on
            if self.stopping:
                return
            self.error = f"{type(exc).__name__}: {exc}"
            self._set_status("failed")
        finally:
            _seats.bind_match(None)
            if self._journal_fh is not None:
                self._journal_fh.close()
                self._journal_fh = None

    def _set_status(self, status: str) -> None:
        if status in ("finished", "failed"):
            self.finished_at = time.monotonic()
        self.status = status
        self.signal.fire()
        for ch in self.channels.values():
            ch.signal.fire()

    def _prepare_journal(self) -> int:
        """Cut the journal back to the last checkpoint (resume) or start it; the first step."""
        path = self.rd.path / JOURNAL
        start = 0
        if self.resume:
            latest = self.rd.checkpoints.latest() if self.rd.exists() else None
            start = latest[0] if latest is not None else 0
            if (
                self.rd.summary.exists()
                and json.loads(self.rd.summary.read_text()).get("status") == "complete"
            ):
                start = self.exp.budget
        lines = []
        if start > 0 and path.exists():
            for line in path.read_text().splitlines():
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:  # a line torn by a kill
                    continue
                if entry["step"] < start:
                    lines.append(line + "\n")
        self.rd.path.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, "".join(lines))
        self._journal_fh = open(path, "a", buffering=1)  # noqa: SIM115 - closed by _run
        return start

    def remote_act(self, index: int, observation: Any) -> int:
        """Called by a :class:`RemotePolicy` in the loop thread: ask the client of seat ``index``."""
        step = self._next_step[index]
        self._next_step[index] = step + 1
        ch = self.channels[index]
        action, source, ms, meta = ch.ask(step, observation)
        ch.counts[source] += 1
        if meta is not None and meta.fallback:
            ch.counts["fallback"] += 1
        entry = {
            "step": step,
            "seat": index,
            "action": int(action),
            "source": source,
            "ms": round(ms, 3),
        }
        if meta is not None:
            entry["meta"] = meta.model_dump(exclude_none=True)
        self._journal_fh.write(json.dumps(entry) + "\n")
        return action

    def remote_feedback(self, index: int, reward: float, info: Mapping[str, Any] | None) -> None:
        """Called after each step by every remote seat: its reward, and the public step count."""
        ch = self.channels[index]
        ch.last_reward = reward
        step = self._next_step[index]
        if step > self.steps_done:
            self.steps_done = step
            if self.public_history and info is not None and "joint_action" in info:
                self.last_joint_action = [
                    int(a) for a in np.asarray(info["joint_action"]).reshape(-1)
                ]
            self.signal.fire()

    # ----------------------------------------------------------------- views
    def info(self) -> MatchInfo:
        seats = []
        for s in self.infos:
            ch = self.channels.get(s.seat)
            seats.append(
                s.model_copy(update={"joined": ch.joined, "name": ch.name or s.name}) if ch else s
            )
        return MatchInfo(
            match_id=self.id,
            status=self.status,  # type: ignore[arg-type]
            env_id=self.exp.env.id,
            step=self.steps_done if self.status != "finished" else self.exp.budget,
            budget=self.exp.budget,
            seats=seats,
            error=self.error,
        )

    def metrics(self) -> dict[str, float]:
        if not self.rd.metrics.exists():
            return {}
        try:
            row = MetricsTable.load(self.rd.metrics).last()
        except (ValueError, OSError):  # being rewritten
            return {}
        return {
            k: float(v) for k, v in row.items() if isinstance(v, int | float) and np.isfinite(v)
        }

    def watch(self) -> WatchUpdate:
        info = self.info()
        return WatchUpdate(
            match_id=self.id,
            status=info.status,
            step=info.step,
            budget=info.budget,
            metrics=self.metrics(),
            last_joint_action=self.last_joint_action if self.public_history else None,
        )

    def result(self) -> MatchResult:
        summary = None
        if self.status == "finished" and self.rd.summary.exists():
            summary = json.loads(self.rd.summary.read_text())
        return MatchResult(
            match_id=self.id,
            status=self.status,  # type: ignore[arg-type]
            steps=self.info().step,
            remote=[ch.record() for ch in self.channels.values()],
            summary=summary,
        )


class MatchManager:
    """The matches a server hosts, each in ``root/<match_id>``.

    Args:
        root: the parent of the run directories.
        keep_finished: finished matches kept in memory (their results served); older ones are
            dropped from memory when a match is created — their run directories stay, and their
            ids answer 404 (read ``root/<id>/summary.json``).
    """

    def __init__(self, root: str | Path, keep_finished: int = 256) -> None:
        self.root = Path(root)
        self.keep_finished = int(keep_finished)
        self.matches: dict[str, Match] = {}
        self._lock = threading.Lock()

    def _prune(self) -> None:
        done = sorted(
            (m for m in self.matches.values() if m.finished_at is not None),
            key=lambda m: m.finished_at or 0.0,
        )
        for m in done[: max(0, len(done) - self.keep_finished)]:
            del self.matches[m.id]

    def create(
        self,
        config: Mapping[str, Any] | ExperimentConfig,
        match_id: str | None = None,
        resume: bool = False,
    ) -> Match:
        """Host a match of ``config`` (an experiment mapping or config) in ``root/<match_id>``.

        Raises:
            MatchError: 422 for an invalid config or one without remote seats; 409 when the id is
                taken or its run directory holds a run and ``resume`` is false.
        """
        from powergames.training.build import check_names

        if isinstance(config, ExperimentConfig):
            exp = config
        else:
            try:
                suite = build_suite(dict(config), default_name=match_id or "match")
                if not suite.single:
                    raise ConfigError("experiments: a match is one experiment")
                check_names(suite)
            except ConfigError as exc:
                raise MatchError(422, "invalid", f"config.{exc}") from None
            exp = suite.experiments[0]
        if not any(a.kind == _seats.REMOTE_KIND for a in exp.agents):
            raise MatchError(422, "invalid", "config.agents: no agent has kind 'remote'")
        mid = match_id or exp.name
        if not mid.replace("-", "").replace("_", "").replace(".", "").isalnum() or mid.startswith(
            "."
        ):
            raise MatchError(422, "invalid", f"match id must be [A-Za-z0-9_.-]+, got {mid!r}")
        with self._lock:
            self._prune()
            if mid in self.matches:
                raise MatchError(409, "conflict", f"match {mid!r} exists")
            run_dir = self.root / mid
            if RunDir(run_dir).exists() and not resume:
                raise MatchError(
                    409,
                    "conflict",
                    f"{run_dir} already holds a run; start the server with --resume to continue it",
                )
            try:
                match = Match(mid, exp, run_dir, resume=resume)
            except ConfigError as exc:
                raise MatchError(422, "invalid", f"config.{exc}") from None
            self.matches[mid] = match
        match.start()
        return match

    def get(self, match_id: str) -> Match:
        match = self.matches.get(match_id)
        if match is None:
            raise MatchError(404, "not_found", f"no match {match_id!r}")
        return match

    def stop(self) -> None:
        for match in list(self.matches.values()):
            match.stop()
