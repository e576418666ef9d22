"""Python clients of ``powergames serve``: :class:`ServeClient` (HTTP) and :class:`RemoteAgent`.

:class:`RemoteAgent` plays one remote seat to the end of its match: it long-polls ``observe``,
asks its ``policy`` and sends ``act``. ``policy`` is either a library policy (anything with
``act(observation, rng)``, given the observation vector) or a callable taking the
:class:`~powergames.serve.protocol.SeatObservation` and returning an action or ``(action, ActMeta)``
(a :class:`~powergames.serve.text.LanguageModelAgent` does). Connection errors (a restarted
server) are retried until ``reconnect`` seconds pass without an answer.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import Any

import httpx
import numpy as np

from powergames.serve.protocol import (
    PROTOCOL,
    ActMeta,
    ErrorResponse,
    JoinResponse,
    MatchInfo,
    MatchResult,
    SeatObservation,
)

__all__ = ["RemoteAgent", "ServeClient", "ServeError"]


class ServeError(RuntimeError):
    """A 4xx/5xx answer: ``status`` and the server's ``code`` and ``message``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


class ServeClient:
    """A thin, validating HTTP client (every answer is parsed into its protocol model)."""

    def __init__(self, base_url: str, timeout: float = 60.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = httpx.Client(
            base_url=self.base_url, timeout=timeout, headers={"Powergames-Protocol": PROTOCOL}
        )

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> ServeClient:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def request(self, method: str, path: str, token: str | None = None, **kw: Any) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        r = self.http.request(method, path, headers=headers, **kw)
        if r.status_code >= 400:
            try:
                err = ErrorResponse.model_validate_json(r.content).error
                raise ServeError(r.status_code, err.code, err.message)
            except ValueError:
                raise ServeError(r.status_code, "error", r.text[:200]) from None
        return r.json() if r.content else None

    def create_match(self, config: dict[str, Any]) -> MatchInfo:
        return MatchInfo.model_validate(
            self.request("POST", "/v1/matches", json={"config": config})
        )

    def match(self, match_id: str) -> MatchInfo:
        return MatchInfo.model_validate(self.request("GET", f"/v1/matches/{match_id}"))

    def join(self, match_id: str, seat: int | None = None, name: str | None = None) -> JoinResponse:
        body = {k: v for k, v in {"seat": seat, "name": name}.items() if v is not None}
        return JoinResponse.model_validate(
            self.request("POST", f"/v1/matches/{match_id}/join", json=body)
        )

    def observe(self, match_id: str, seat: int, token: str, wait: float = 0.0) -> SeatObservation:
        data = self.request(
            "GET", f"/v1/matches/{match_id}/seats/{seat}/observe", token, params={"wait": wait}
        )
        return SeatObservation.model_validate(data)

    def act(
        self,
        match_id: str,
        seat: int,
        token: str,
        step: int,
        action: int,
        meta: ActMeta | None = None,
    ) -> Any:
        body: dict[str, Any] = {"step": int(step), "action": int(action)}
        if meta is not None:
            body["meta"] = meta.model_dump(exclude_none=True)
        return self.request("POST", f"/v1/matches/{match_id}/seats/{seat}/act", token, json=body)

    def result(self, match_id: str) -> MatchResult:
        return MatchResult.model_validate(self.request("GET", f"/v1/matches/{match_id}/result"))

    def description(self, match_id: str) -> str:
        return str(self.request("GET", f"/v1/matches/{match_id}/description")["text"])


class RemoteAgent:
    """Plays one remote seat of a match (see the module docstring).

    Args:
        base_url: the server, e.g. ``http://127.0.0.1:8000``.
        match_id: the match.
        policy: a library policy or a callable ``SeatObservation -> action | (action, ActMeta)``.
        seat: the seat to join (the first open one when ``None``); ignored with ``token``.
        token: a token from an earlier join (to reconnect after a restart).
        seed: the seed of the generator given to a library policy's ``act``.
        reconnect: seconds to keep retrying a server that does not answer.
    """

    def __init__(
        self,
        base_url: str,
        match_id: str,
        policy: Any,
        seat: int | None = None,
        token: str | None = None,
        seed: int = 0,
        name: str | None = None,
        reconnect: float = 30.0,
    ) -> None:
        self.client = ServeClient(base_url)
        self.match_id = match_id
        self.policy = policy
        self.rng = np.random.default_rng(seed)
        self.reconnect = reconnect
        self.actions: list[tuple[int, int]] = []
        if token is None:
            joined = self.client.join(match_id, seat, name)
            seat, token = joined.seat, joined.token
        if seat is None:
            raise ValueError("seat: give the seat together with its token")
        self.seat, self.token = int(seat), token

    def choose(self, obs: SeatObservation) -> tuple[int, ActMeta | None]:
        if hasattr(self.policy, "act"):
            vec = np.asarray(obs.observation, dtype=np.float32)
            return int(self.policy.act(vec, self.rng)), None
        out = self.policy(obs)
        if isinstance(out, tuple):
            return int(out[0]), out[1]
        return int(out), None

    def _retry(self, fn: Callable[[], Any]) -> Any:
        start = time.monotonic()
        while True:
            try:
                return fn()
            except (httpx.TransportError, ServeError) as exc:
                if isinstance(exc, ServeError) and exc.status < 500:
                    raise
                if time.monotonic() - start > self.reconnect:
                    raise
                time.sleep(0.2)

    def play(self, max_steps: int | None = None) -> MatchResult:
        """Play until the match is finished (or ``max_steps`` actions); returns its result."""
        while max_steps is None or len(self.actions) < max_steps:
            obs = self._retry(
                lambda: self.client.observe(self.match_id, self.seat, self.token, wait=10.0)
            )
            if obs.status == "finished":
                break
            if obs.status != "act":
                continue
            action, meta = self.choose(obs)
            step = obs.step
            try:
                self._retry(
                    partial(
                        self.client.act, self.match_id, self.seat, self.token, step, action, meta
                    )
                )
            except ServeError as exc:
                if exc.status == 409:  # the step passed (deadline) while choosing: go on
                    continue
                raise
            self.actions.append((obs.step, action))
        return self._retry(lambda: self.client.result(self.match_id))
