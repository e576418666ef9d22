"""The ASGI application of ``powergames serve`` (FastAPI on Starlette; uvicorn serves it).

HTTP (JSON, every body validated against :mod:`powergames.serve.protocol`)::

    GET    /                                   the watch-and-play page (no build step)
    GET    /v1                                 protocol version, counts
    GET    /v1/matches                         MatchList
    POST   /v1/matches                         CreateMatchRequest -> MatchInfo        (201)
    GET    /v1/matches/{id}                    MatchInfo
    POST   /v1/matches/{id}/join               JoinRequest -> JoinResponse (the token, once)
    GET    /v1/matches/{id}/seats/{seat}/observe?wait=S      SeatObservation     (token)
    POST   /v1/matches/{id}/seats/{seat}/act   ActRequest -> ActResponse           (token)
    GET    /v1/matches/{id}/result             MatchResult
    GET    /v1/matches/{id}/description        GameText (the game in words)
    POST   /v1/envs                            EnvCreateRequest -> EnvCreated
    POST   /v1/envs/{sid}/reset | /step        ResetRequest | StepRequest -> EnvResult  (token)
    DELETE /v1/envs/{sid}                                                               (token)

WebSocket: ``/v1/matches/{id}/seats/{seat}/ws`` (send ``hello`` with the token first; the server
pushes ``observation`` messages, the client sends ``act`` and gets ``ack`` or ``error``; the stream
ends with ``result``) and ``/v1/matches/{id}/watch`` (``watch`` messages, public information).

Errors: every refusal is an :class:`~powergames.serve.protocol.ErrorResponse` — 400 malformed JSON or
a foreign protocol version, 401 no token, 403 a token that is not this seat's (another seat's,
another match's, a forfeited one), 404 unknown match/seat/session, 409 a stale or repeated step,
413 a body over :data:`~powergames.serve.protocol.MAX_MESSAGE_BYTES`, 422 a message that breaks the
schema. A refused request changes nothing: the match goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Header, Query, Request, WebSocket, WebSocketDisconnect
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import TypeAdapter, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from powergames.serve.match import MatchError, MatchManager
from powergames.serve.page import PAGE
from powergames.serve.protocol import (
    MAX_MESSAGE_BYTES,
    PROTOCOL,
    ActRequest,
    ActResponse,
    ClientWsMessage,
    CreateMatchRequest,
    EnvCreated,
    EnvCreateRequest,
    EnvResult,
    ErrorDetail,
    ErrorResponse,
    GameText,
    JoinRequest,
    JoinResponse,
    MatchInfo,
    MatchList,
    MatchResult,
    ResetRequest,
    SeatObservation,
    StepRequest,
    WsAct,
    WsHello,
)
from powergames.serve.sessions import SessionManager

__all__ = ["create_app"]

_WS_MESSAGE = TypeAdapter(ClientWsMessage)
#: Longest long-poll of ``observe?wait=``.
MAX_WAIT = 30.0


def _error(status: int, code: str, message: str) -> JSONResponse:
    body = ErrorResponse(error=ErrorDetail(code=code, message=message))
    return JSONResponse(body.model_dump(), status_code=status)


def _validation_message(errors: Sequence[Any]) -> tuple[int, str, str]:
    err = errors[0]
    if err.get("type") == "json_invalid":
        return 400, "bad_request", f"malformed JSON: {err.get('msg', '')}"
    loc = [str(p) for p in err.get("loc", ()) if p not in ("body",)]
    where = ".".join(loc) or "body"
    return 422, "invalid", f"{where}: {err.get('msg', 'invalid')}"


class _SizeLimit:
    """ASGI middleware: refuse a foreign ``Powergames-Protocol`` header with 400 and HTTP bodies
    over ``limit`` bytes with 413 (declared or streamed). Pure ASGI (no per-request task group)."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"powergames-protocol" and value != PROTOCOL.encode():
                asked = value.decode("latin-1")
                await _error(
                    400,
                    "bad_request",
                    f"protocol {asked!r} is not served; this server speaks {PROTOCOL}",
                )(scope, receive, send)
                return
            if name == b"content-length" and value.isdigit() and int(value) > self.limit:
                await _error(413, "too_large", f"body of {int(value)} bytes is over {self.limit}")(
                    scope, receive, send
                )
                return
        # read the whole body first (bodies are small): a streamed one over the limit is refused
        # before the application sees any of it
        chunks: list[bytes] = []
        seen = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunks.append(message.get("body", b""))
            seen += len(chunks[-1])
            more = message.get("more_body", False)
            if seen > self.limit:
                await _error(413, "too_large", f"body is over {self.limit} bytes")(
                    scope, receive, send
                )
                return
        body = b"".join(chunks)
        sent = False

        async def replay() -> Any:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _bearer(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def create_app(
    matches: MatchManager, sessions: SessionManager | None = None, allow_create: bool = True
) -> Any:
    """The application serving ``matches`` (and env sessions).

    Args:
        matches: the hosted matches.
        sessions: env sessions (a fresh manager by default).
        allow_create: whether clients may create matches with ``POST /v1/matches``.
    """
    sessions = sessions or SessionManager()
    app = FastAPI(
        title="powergames serve",
        version=PROTOCOL,
        description=(__doc__ or "").split("\n\n", 1)[0],
    )
    app.state.matches = matches
    app.state.sessions = sessions

    @app.exception_handler(MatchError)
    async def _match_error(request: Request, exc: MatchError) -> JSONResponse:
        return _error(exc.status, exc.code, exc.message)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {400: "bad_request", 404: "not_found", 405: "bad_request", 413: "too_large"}
        return _error(exc.status_code, codes.get(exc.status_code, "bad_request"), str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return _error(*_validation_message(list(exc.errors())))

    responses: dict[int | str, dict[str, Any]] = {
        c: {"model": ErrorResponse} for c in (400, 401, 403, 404, 409, 413, 422)
    }

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def page() -> str:
        return PAGE

    @app.get("/v1")
    async def root() -> dict[str, Any]:
        return {
            "protocol": PROTOCOL,
            "matches": len(matches.matches),
            "sessions": len(sessions.sessions),
        }

    @app.get("/v1/matches", response_model=MatchList)
    async def list_matches() -> MatchList:
        return MatchList(matches=[m.info() for m in matches.matches.values()])

    @app.post("/v1/matches", response_model=MatchInfo, status_code=201, responses=responses)
    async def create_match(body: CreateMatchRequest) -> MatchInfo:
        if not allow_create:
            raise MatchError(
                403,
                "forbidden",
                "this server does not create matches (start it with --allow-create)",
            )
        match = await asyncio.to_thread(matches.create, body.config)
        return match.info()

    @app.get("/v1/matches/{match_id}", response_model=MatchInfo, responses=responses)
    async def get_match(match_id: str) -> MatchInfo:
        return matches.get(match_id).info()

    @app.post("/v1/matches/{match_id}/join", response_model=JoinResponse, responses=responses)
    async def join(match_id: str, body: JoinRequest) -> JoinResponse:
        ch, token = matches.get(match_id).join(body.seat, body.name)
        return JoinResponse(match_id=match_id, seat=ch.index, agent=ch.agent, token=token)

    @app.get(
        "/v1/matches/{match_id}/seats/{seat}/observe",
        response_model=SeatObservation,
        responses=responses,
    )
    async def observe(
        match_id: str,
        seat: int,
        wait: float = Query(0.0, ge=0.0, le=MAX_WAIT),
        authorization: str | None = Header(None),
    ) -> SeatObservation:
        ch = matches.get(match_id).channel(seat, _bearer(authorization))
        loop = asyncio.get_running_loop()
        end = loop.time() + wait
        while True:
            seen = ch.signal.version
            msg = ch.observation_message()
            left = end - loop.time()
            if msg.status != "waiting" or left <= 0:
                return msg
            await ch.signal.wait(seen, left)

    @app.post(
        "/v1/matches/{match_id}/seats/{seat}/act", response_model=ActResponse, responses=responses
    )
    async def act(
        match_id: str, seat: int, body: ActRequest, authorization: str | None = Header(None)
    ) -> ActResponse:
        ch = matches.get(match_id).channel(seat, _bearer(authorization))
        ch.submit(body.step, body.action, body.meta)
        return ActResponse(match_id=match_id, seat=seat, step=body.step, action=body.action)

    @app.get("/v1/matches/{match_id}/result", response_model=MatchResult, responses=responses)
    async def result(match_id: str) -> MatchResult:
        return matches.get(match_id).result()

    @app.get("/v1/matches/{match_id}/description", response_model=GameText, responses=responses)
    async def description(match_id: str) -> GameText:
        from powergames.serve.text import describe_env

        match = matches.get(match_id)
        return GameText(match_id=match_id, text=describe_env(match._env))

    # ------------------------------------------------------------------ env sessions
    @app.post("/v1/envs", response_model=EnvCreated, status_code=201, responses=responses)
    async def create_env(body: EnvCreateRequest) -> EnvCreated:
        return sessions.create(body.id, body.kwargs)

    @app.post("/v1/envs/{sid}/reset", response_model=EnvResult, responses=responses)
    async def reset_env(
        sid: str, body: ResetRequest, authorization: str | None = Header(None)
    ) -> EnvResult:
        return sessions.reset(sid, _bearer(authorization), body.seed)

    @app.post("/v1/envs/{sid}/step", response_model=EnvResult, responses=responses)
    async def step_env(
        sid: str, body: StepRequest, authorization: str | None = Header(None)
    ) -> EnvResult:
        return sessions.step(sid, _bearer(authorization), body.actions)

    @app.delete("/v1/envs/{sid}", status_code=204, responses=responses)
    async def close_env(sid: str, authorization: str | None = Header(None)) -> None:
        sessions.close(sid, _bearer(authorization))

    # ------------------------------------------------------------------ WebSockets
    @app.websocket("/v1/matches/{match_id}/seats/{seat}/ws")
    async def seat_ws(ws: WebSocket, match_id: str, seat: int) -> None:
        await ws.accept()
        send_lock = asyncio.Lock()

        async def send(model: Any) -> None:
            async with send_lock:
                await ws.send_text(model.model_dump_json())

        try:
            try:
                hello = _WS_MESSAGE.validate_json(await ws.receive_text())
                if not isinstance(hello, WsHello):
                    raise MatchError(
                        401, "unauthorized", "the first message must be hello with the token"
                    )
                ch = matches.get(match_id).channel(seat, hello.token)
            except ValidationError as exc:
                _, code, message = _validation_message(exc.errors(include_url=False))
                await send(ErrorResponse(error=ErrorDetail(code=code, message=message)))
                await ws.close(code=1008)
                return
            except MatchError as exc:
                await send(ErrorResponse(error=ErrorDetail(code=exc.code, message=exc.message)))
                await ws.close(code=1008)
                return

            async def push() -> None:
                last: tuple[str, int] | None = None
                while True:
                    seen = ch.signal.version
                    msg = ch.observation_message()
                    if (msg.status, msg.step) != last:
                        last = (msg.status, msg.step)
                        await send(msg)
                    if msg.status == "finished":
                        await send(ch.match.result())
                        return
                    await ch.signal.wait(seen, 5.0)

            pusher = asyncio.create_task(push())
            try:
                while True:
                    text = await ws.receive_text()
                    try:
                        msg = _WS_MESSAGE.validate_json(text)
                        if not isinstance(msg, WsAct):
                            raise MatchError(409, "conflict", "already authenticated")
                        ch.check_token(hello.token)
                        ch.submit(msg.step, msg.action, msg.meta)
                        await send(
                            ActResponse(
                                match_id=match_id, seat=seat, step=msg.step, action=msg.action
                            )
                        )
                    except ValidationError as exc:
                        _, code, message = _validation_message(exc.errors(include_url=False))
                        await send(ErrorResponse(error=ErrorDetail(code=code, message=message)))
                    except MatchError as exc:
                        await send(
                            ErrorResponse(error=ErrorDetail(code=exc.code, message=exc.message))
                        )
            finally:
                pusher.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await pusher
        except WebSocketDisconnect:
            return

    @app.websocket("/v1/matches/{match_id}/watch")
    async def watch_ws(ws: WebSocket, match_id: str) -> None:
        await ws.accept()
        try:
            match = matches.get(match_id)
        except MatchError as exc:
            await ws.send_text(
                ErrorResponse(
                    error=ErrorDetail(code=exc.code, message=exc.message)
                ).model_dump_json()
            )
            await ws.close(code=1008)
            return
        try:
            while True:
                seen = match.signal.version
                update = match.watch()
                await ws.send_text(update.model_dump_json())
                if update.status in ("finished", "failed"):
                    await ws.send_text(match.result().model_dump_json())
                    await ws.close()
                    return
                await match.signal.wait(seen, 1.0)
                await asyncio.sleep(0.1)  # at most ten updates a second
        except WebSocketDisconnect:
            return

    app.add_middleware(_SizeLimit, limit=MAX_MESSAGE_BYTES)  # outermost of ours
    return app
